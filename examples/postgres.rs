//! The quickstart flow on PostgreSQL: connect, migrate, create a show, hold
//! the best three seats, pay, print the tickets.
//!
//! Run it with `cargo run --example postgres`. It uses the database in
//! `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/seatwise_example`,
//! created when missing) and adds a small catalog to it each time it runs.

use std::error::Error;

use reservation_core::Policy;
use storage_postgres::PgStore;

#[allow(dead_code)] // its `main` belongs to the quickstart example
#[path = "quickstart.rs"]
mod quickstart;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/seatwise_example".to_owned());
    storage_postgres::create_database_if_missing(&url)
        .await
        .map_err(|e| format!("cannot use PostgreSQL at {url}: {e} (set DATABASE_URL)"))?;
    let store = PgStore::connect(&url, Policy::default())
        .await
        .map_err(|e| format!("cannot use PostgreSQL at {url}: {e} (set DATABASE_URL)"))?;
    println!("Connected to {url}; migrations applied.");
    quickstart::sell_tickets(store).await
}
