//! The FCFS waitlist under a manual clock: Ada holds the last seats, Ben
//! waits, Ada's hold runs out, and Ben gets the seats before anyone else.
//!
//! Run it with `cargo run --example waitlist`.

use std::error::Error;
use std::sync::Arc;

use reservation_core::catalog::{
    City, Event, EventKind, GeoPoint, Hall, PriceList, Show, Venue, grid_layout,
};
use reservation_core::payment::{CardNumber, FakeGateway, test_cards};
use reservation_core::{
    CatalogAdmin, Currency, HallId, HoldRequest, HolderId, ManualClock, MemoryStore, Money, Policy,
    ReservationError, Reservations, SeatCount, SeatFilter, SeatSelection, WaitRequest, WaitStatus,
};
use time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let policy = Policy::default();
    let store = MemoryStore::new(policy);
    let clock = ManualClock::fixed();

    // A tiny hall: one row of four seats.
    let location = GeoPoint::new(45.46, 9.19)?;
    let city = City::new("Milano", "IT", location);
    let venue =
        Venue::new(city.id, "Piccolo Teatro", location).with_address("Via Rovello 2", "20121");
    let hall = Hall::new(
        HallId::random(),
        venue.id,
        "Sala",
        grid_layout("piccolo-sala", 1, 4, 0),
    )?;
    let event = Event::new(EventKind::Theatre, "Arlecchino")
        .with_genres(["comedy"])
        .with_duration_minutes(150);
    let prices = PriceList::uniform(&hall.layout().categories, Money::new(3500, Currency::EUR));
    let show = Show::new(
        event.id,
        &venue,
        &hall,
        now(&clock) + Duration::days(3),
        prices,
    );
    let show_id = show.id;
    store.add_city(city).await?;
    store.add_venue(venue).await?;
    store.add_hall(hall).await?;
    store.add_event(event).await?;
    store.add_show(show).await?;
    let engine = Reservations::new(
        Arc::new(store),
        Arc::new(FakeGateway::new()),
        Arc::new(clock.clone()),
    );
    let best = |holder, count: u64| -> Result<HoldRequest, Box<dyn Error>> {
        let count = SeatCount::new(count)?;
        Ok(HoldRequest::new(
            show_id,
            holder,
            SeatSelection::BestAvailable {
                count,
                filter: SeatFilter::default(),
            },
        ))
    };

    let (ada, ben, cat) = (HolderId::random(), HolderId::random(), HolderId::random());
    let ada_hold = engine.hold(&best(ada, 4)?).await?;
    println!(
        "[{}] Ada holds all 4 seats until {}",
        now(&clock).time(),
        ada_hold.expires_at.time()
    );

    match engine.hold(&best(ben, 2)?).await {
        Err(ReservationError::NotEnoughSeats { available, .. }) => {
            println!("          Ben wants 2 seats: {available} free")
        }
        other => println!("          unexpected: {other:?}"),
    }
    let wait = engine
        .join_waitlist(&WaitRequest::new(show_id, ben, SeatCount::new(2)?))
        .await?;
    if let WaitStatus::Waiting {
        position,
        estimated_offer_at,
        ..
    } = engine.wait_status(wait.id, ben).await?
    {
        let eta = estimated_offer_at.map_or("unknown".to_owned(), |t| t.time().to_string());
        println!("          Ben waits: position {position}, served by {eta} if Ada does not pay");
    }

    // Ada walks away. Her hold ends at expires_at + grace (5 s after the timer she saw).
    clock.advance(policy.hold_time + policy.grace);
    let expired = engine.sweep().await?;
    println!(
        "[{}] {expired} hold expired; freed seats go to the waitlist first",
        now(&clock).time()
    );

    // Cat arrives just now, but Ben was first: Cat gets the 2 seats Ben did not need.
    let cat_hold = engine.hold(&best(cat, 4)?).await;
    println!(
        "          Cat asks for 4: {}",
        cat_hold
            .as_ref()
            .map_or_else(|e| e.to_string(), |h| format!("{} seats", h.seats.len()))
    );

    let WaitStatus::Offered { hold } = engine.wait_status(wait.id, ben).await? else {
        return Err("Ben should have been offered seats".into());
    };
    let seats: Vec<&str> = hold.seats.iter().map(|s| s.label.as_str()).collect();
    println!(
        "          Ben is offered {} until {}",
        seats.join(" and "),
        hold.expires_at.time()
    );
    let booking = engine
        .confirm(&hold.token, ben, CardNumber::parse(test_cards::APPROVED)?)
        .await?;
    println!(
        "          Ben paid {}: {} tickets",
        booking.total,
        booking.tickets.len()
    );
    Ok(())
}

/// The manual clock's time, for printing.
fn now(clock: &ManualClock) -> time::OffsetDateTime {
    reservation_core::Clock::now(clock)
}
