//! A one-show catalog for examples, docs and first experiments: load it into
//! any store and start holding seats, or take [`engine`] for an engine over
//! a memory store that has it.
//!
//! [`load`] adds the city London, the venue Odeon Leicester Square, its hall
//! "Screen 1" (10 rows A-J of 12 seats; rows I and J premium; A6 and A7
//! accessible), the movie "Dune" and one show of it starting a day from now
//! (the system clock), priced [`STANDARD_PRICE`] and [`PREMIUM_PRICE`].
//! Every call adds a new catalog with fresh ids, so loading it twice into
//! one store gives two shows.
//!
//! ```
//! use reservation_core::{Catalog, MemoryStore, sample};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::default();
//! let show = sample::load(&store).await?;
//! assert_eq!(store.show(show).await?.prices.get(&sample::premium()), Some(sample::PREMIUM_PRICE));
//! # Ok(())
//! # }
//! ```
//!
//! The testkit's `Fixture` is the richer catalog the conformance suite uses.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::catalog::{
    CategoryCode, City, Event, EventKind, GeoPoint, Hall, PriceList, Show, TimeZone, Venue,
    grid_layout,
};
use crate::clock::SystemClock;
use crate::engine::Reservations;
use crate::ids::{HallId, ShowId};
use crate::limits::Policy;
use crate::memory::MemoryStore;
use crate::money::{Currency, Money};
use crate::payment::FakeGateway;
use crate::store::{CatalogAdmin, CatalogResult};

/// Price of a standard (category `A`) seat: 12.00 GBP.
pub const STANDARD_PRICE: Money = Money::new(1200, Currency::GBP);
/// Price of a premium (category `P`, rows I and J) seat: 18.00 GBP.
pub const PREMIUM_PRICE: Money = Money::new(1800, Currency::GBP);

/// The premium category's code, `P`.
pub fn premium() -> CategoryCode {
    CategoryCode::parse("P").expect("a valid category code")
}

/// Adds the sample catalog to `store` and returns its show, which starts a
/// day from now.
///
/// # Errors
/// Whatever the store refuses (a [`CatalogError`](crate::catalog::CatalogError));
/// an empty store accepts it.
pub async fn load<S: CatalogAdmin + ?Sized>(store: &S) -> CatalogResult<ShowId> {
    load_starting_at(store, OffsetDateTime::now_utc() + Duration::days(1)).await
}

/// [`load`] with the show starting at `starts_at` (for a store driven by a
/// [`ManualClock`](crate::ManualClock)).
pub async fn load_starting_at<S: CatalogAdmin + ?Sized>(
    store: &S,
    starts_at: OffsetDateTime,
) -> CatalogResult<ShowId> {
    // Finite, in range: the constructor cannot refuse it.
    let here = GeoPoint::new(51.5103, -0.1301).expect("a valid position");
    // A name from the database: parsing cannot refuse it.
    let london = TimeZone::parse("Europe/London").expect("a database zone");
    let city = City::new("London", "GB", here).with_time_zone(london.clone());
    let venue = Venue::new(city.id, "Odeon Leicester Square", here)
        .with_address("Leicester Sq", "WC2H 7JY")
        .with_time_zone(london);
    let hall_id = HallId::random();
    // Seat ids derive from the layout's name: one per hall keeps them unique.
    let layout = grid_layout(&format!("sample-{hall_id}"), 10, 12, 2);
    let hall = Hall::new(hall_id, venue.id, "Screen 1", layout)?;
    let event = Event::new(EventKind::Movie, "Dune")
        .with_description("A desert planet, a prophecy, a war.")
        .with_genres(["science fiction"])
        .with_duration_minutes(155)
        .with_rating("12A");
    let prices = PriceList::new(
        hall.layout()
            .categories
            .iter()
            .map(|c| {
                let price = if c.code == premium() {
                    PREMIUM_PRICE
                } else {
                    STANDARD_PRICE
                };
                (c.code.clone(), price)
            })
            .collect(),
    )?;
    let show = Show::new(event.id, &venue, &hall, starts_at, prices);
    let id = show.id;
    store.add_city(city).await?;
    store.add_venue(venue).await?;
    store.add_hall(hall).await?;
    store.add_event(event).await?;
    store.add_show(show).await?;
    Ok(id)
}

/// An engine over a [`MemoryStore`] with the default [`Policy`] and the
/// sample catalog, a [`FakeGateway`] and the [`SystemClock`]; and the
/// sample's show.
///
/// ```
/// use reservation_core::sample;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (engine, show) = sample::engine().await?;
/// assert_eq!(engine.availability(show).await?.available, 120);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// None in practice: an empty memory store accepts the sample.
pub async fn engine() -> CatalogResult<(Reservations, ShowId)> {
    let store = MemoryStore::new(Policy::default());
    let show = load(&store).await?;
    let engine = Reservations::new(
        Arc::new(store),
        Arc::new(FakeGateway::new()),
        Arc::new(SystemClock),
    );
    Ok((engine, show))
}
