//! Stress: 256 tokio tasks on a multi-threaded runtime race to buy the same
//! 2,000 seats until the show is sold out. Every seat ends with exactly one
//! owner, and the seats of successful bookings are exactly the seats sold.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::collections::HashSet;
use std::sync::Arc;

use rand::Rng;
use reservation_core::catalog::{
    City, Event, EventKind, GeoPoint, Hall, PriceList, Show, Venue, grid_layout,
};
use reservation_core::payment::{CardNumber, FakeGateway, test_cards};
use reservation_core::{
    CatalogAdmin, CityId, Currency, EventId, HallId, HoldRequest, HolderId, MemoryStore, Money,
    Policy, ReservationError, Reservations, SeatCount, SeatFilter, SeatId, SeatList, SeatSelection,
    SeatStatus, ShowId, SystemClock, VenueId,
};

const TASKS: usize = 256;

async fn sold_out_show(store: &MemoryStore) -> (ShowId, Vec<SeatId>) {
    let location = GeoPoint::new(48.85, 2.35).unwrap();
    let city = City {
        id: CityId::random(),
        name: "Paris".into(),
        country: "FR".into(),
        location,
    };
    let venue = Venue {
        id: VenueId::random(),
        city: city.id,
        name: "Arena".into(),
        address: "-".into(),
        postal_code: "75001".into(),
        location,
    };
    let hall = Hall::new(
        HallId::random(),
        venue.id,
        "Main",
        grid_layout("stress", 40, 50, 5),
    )
    .unwrap();
    let event = Event {
        id: EventId::random(),
        kind: EventKind::Concert,
        title: "Hot show".into(),
        description: String::new(),
        genres: vec![],
        performers: vec![],
        duration_minutes: 120,
        rating: None,
    };
    let show = Show {
        id: ShowId::random(),
        event: event.id,
        hall: hall.id(),
        venue: venue.id,
        city: city.id,
        starts_at: time::OffsetDateTime::now_utc() + time::Duration::days(7),
        prices: PriceList::uniform(&hall.layout().categories, Money::new(5000, Currency::EUR)),
    };
    let seats = hall.plan().seats().iter().map(|s| s.id).collect();
    let id = show.id;
    store.add_city(city).await.unwrap();
    store.add_venue(venue).await.unwrap();
    store.add_hall(hall).await.unwrap();
    store.add_event(event).await.unwrap();
    store.add_show(show).await.unwrap();
    (id, seats)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_buyers_sell_out_without_double_booking() {
    let store = MemoryStore::new(Policy::default());
    let (show, seats) = sold_out_show(&store).await;
    let seats = Arc::new(seats);
    let engine = Reservations::new(
        Arc::new(store.clone()),
        Arc::new(FakeGateway::new()),
        Arc::new(SystemClock),
    );
    let card = CardNumber::parse(test_cards::APPROVED).unwrap();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (engine, seats, card) = (engine.clone(), Arc::clone(&seats), card.clone());
            tokio::spawn(async move {
                let holder = HolderId::random();
                let (mut bought, mut conflicts) = (Vec::new(), 0u32);
                loop {
                    let selection = if task % 2 == 0 {
                        SeatSelection::BestAvailable {
                            count: SeatCount::new(4).unwrap(),
                            filter: SeatFilter::default(),
                        }
                    } else {
                        let mut rng = rand::rng();
                        let n = rng.random_range(1..=4);
                        let mut pick = HashSet::new();
                        while pick.len() < n {
                            pick.insert(seats[rng.random_range(0..seats.len())]);
                        }
                        SeatSelection::Seats(SeatList::new(pick.into_iter().collect()).unwrap())
                    };
                    match engine
                        .hold(&HoldRequest {
                            show,
                            holder,
                            seats: selection,
                        })
                        .await
                    {
                        Ok(hold) => {
                            let booking = engine
                                .confirm(&hold.token, holder, card.clone())
                                .await
                                .unwrap();
                            bought.extend(booking.tickets.iter().map(|t| t.seat.seat));
                        }
                        Err(
                            ReservationError::SeatsTaken(_)
                            | ReservationError::NotEnoughSeats { .. },
                        ) => {
                            conflicts += 1;
                            if engine.availability(show).await.unwrap().available == 0 {
                                break;
                            }
                        }
                        Err(other) => panic!("unexpected refusal: {other}"),
                    }
                }
                (bought, conflicts)
            })
        })
        .collect();
    let mut owners = HashSet::new();
    let mut conflicts = 0;
    for task in tasks {
        let (bought, refused) = task.await.unwrap();
        conflicts += refused;
        for seat in bought {
            assert!(owners.insert(seat), "seat {seat} was sold twice");
        }
    }
    let map = engine.seat_map(show, None).await.unwrap();
    assert_eq!(owners.len(), 2000, "every seat sold exactly once");
    assert_eq!(
        (map.counts.booked, map.counts.held, map.counts.available),
        (2000, 0, 0)
    );
    assert!(map.seats.iter().all(|s| s.status == SeatStatus::Booked));
    assert!(
        conflicts > 0,
        "the race must actually contend ({conflicts} conflicts)"
    );
}
