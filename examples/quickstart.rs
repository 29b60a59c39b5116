//! Embed the Seatwise engine: create a show, hold the best three seats, pay,
//! and print the tickets.
//!
//! Run it with `cargo run --example quickstart`.

use std::error::Error;
use std::sync::Arc;

use reservation_core::catalog::{
    City, Event, EventKind, GeoPoint, Hall, PriceList, Show, TimeZone, Venue, grid_layout,
};
use reservation_core::payment::{CardNumber, FakeGateway, test_cards};
use reservation_core::{
    Currency, HallId, HoldRequest, HolderId, MemoryStore, Money, Policy, Reservations, SeatCount,
    SeatFilter, SeatSelection, Store, SystemClock,
};
use time::{Duration, OffsetDateTime};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // 1. A store with the default rules: 5-minute holds, 10 seats per buyer.
    sell_tickets(MemoryStore::new(Policy::default())).await
}

/// The whole flow on any store (`cargo run --example postgres` runs it on
/// PostgreSQL).
pub(crate) async fn sell_tickets<S: Store + 'static>(store: S) -> Result<(), Box<dyn Error>> {
    // 2. A catalog: a city, a cinema with one 12 x 16 hall, a movie, a show.
    //    Each has a time zone (UTC unless given): search's days and the
    //    times people read are local to it.
    let location = GeoPoint::new(52.52, 13.405)?;
    let berlin = TimeZone::parse("Europe/Berlin")?;
    let city = City::new("Berlin", "DE", location).with_time_zone(berlin.clone());
    let venue = Venue::new(city.id, "Kino Mitte", location)
        .with_address("Rosenthaler Str. 1", "10119")
        .with_time_zone(berlin);
    let hall = Hall::new(
        HallId::random(),
        venue.id,
        "Saal 1",
        grid_layout(&format!("kino-mitte-{}", HallId::random()), 12, 16, 2),
    )?;
    let event = Event::new(EventKind::Movie, "Metropolis")
        .with_description("Fritz Lang's silent classic, restored.")
        .with_genres(["science fiction"])
        .with_duration_minutes(153)
        .with_rating("FSK 6");
    let starts_at = OffsetDateTime::now_utc() + Duration::days(1);
    let prices = PriceList::uniform(&hall.layout().categories, Money::new(1150, Currency::EUR));
    let show = Show::new(event.id, &venue, &hall, starts_at, prices);
    let show_id = show.id;
    store.add_city(city).await?;
    store.add_venue(venue).await?;
    store.add_hall(hall).await?;
    store.add_event(event).await?;
    store.add_show(show).await?;

    // 3. The engine: the store, a payment gateway (a fake one here) and a clock.
    let engine = Reservations::new(
        Arc::new(store),
        Arc::new(FakeGateway::new()),
        Arc::new(SystemClock),
    );

    // 4. Hold the best three seats together for an anonymous buyer.
    let buyer = HolderId::random();
    let hold = engine
        .hold(&HoldRequest::new(
            show_id,
            buyer,
            SeatSelection::BestAvailable {
                count: SeatCount::new(3)?,
                filter: SeatFilter::default(),
            },
        ))
        .await?;
    let labels: Vec<&str> = hold.seats.iter().map(|s| s.label.as_str()).collect();
    println!(
        "Held {} for {} until {}",
        labels.join(", "),
        hold.total,
        hold.expires_at
    );

    // 5. Pay. The hold token is the buyer's proof; the hold id is the payment's
    //    idempotency key, so paying twice charges once.
    let booking = engine
        .confirm(&hold.token, buyer, CardNumber::parse(test_cards::APPROVED)?)
        .await?;
    println!(
        "Booking {} paid {} (card ending {})",
        booking.id, booking.total, booking.payment.card_last4
    );
    for ticket in &booking.tickets {
        println!(
            "  ticket {}  seat {:>4}  {}",
            ticket.id, ticket.seat.label, ticket.seat.price
        );
    }

    let counts = engine.availability(show_id).await?;
    println!(
        "Seats now: {} available, {} held, {} booked",
        counts.available, counts.held, counts.booked
    );
    Ok(())
}
