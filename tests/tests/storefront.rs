//! A buyer's journey through the public API only, the way the web app will
//! walk it: search, city, event, showtimes, seat map, live updates, hold,
//! pay, tickets. The store is used as `Arc<dyn Store>`, as an application
//! that picks its store at run time holds it.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use reservation_core::catalog::search::SearchQuery;
use reservation_core::payment::test_cards;
use reservation_core::testkit::{Fixture, card};
use reservation_core::{
    Change, HoldRequest, HolderId, MemoryStore, Policy, ReservationStore, Reservations, SeatList,
    SeatSelection, SeatStatus, Store,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_finds_a_show_watches_the_map_and_buys_two_seats() {
    let seeded = Fixture::seed(MemoryStore::new(Policy::default())).await;
    let store: Arc<dyn Store> = seeded.store.clone();
    let reservations: Arc<dyn ReservationStore> = store.clone();
    let engine = Reservations::new(
        reservations,
        Arc::new(seeded.gateway.clone()),
        Arc::new(seeded.clock.clone()),
    );
    let now = seeded.now();

    // Search with a typo, then browse the same event from its city.
    let found = store
        .search(&SearchQuery {
            text: "avngers endgam".into(),
            ..SearchQuery::default()
        })
        .await
        .unwrap();
    let event = found
        .hits
        .first()
        .expect("the typo still finds the movie")
        .event
        .clone();
    let city = store.cities().await.unwrap().into_iter().next().unwrap();
    let in_city = store.events_in_city(city.id, now).await.unwrap();
    assert!(in_city.iter().any(|e| e.event.id == event.id));
    let showtimes = store.showtimes(event.id, city.id, now).await.unwrap();
    let show = showtimes[0]
        .shows
        .iter()
        .find(|s| s.id == seeded.show)
        .unwrap()
        .clone();
    let hall = store.hall(show.hall).await.unwrap();

    // Open the seat map and follow it live from its sequence number.
    let map = engine.seat_map(show.id, None).await.unwrap();
    assert_eq!(map.seats.len(), hall.capacity());
    let mut live = engine.subscribe(show.id, map.seq).await.unwrap();

    // Someone else takes a seat; the map updates.
    let other = seeded
        .hold(show.id, HolderId::random(), &["E10"])
        .await
        .unwrap();
    let event1 = tokio::time::timeout(Duration::from_secs(5), live.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        matches!(&event1.change, Change::Held { hold, seats } if *hold == other.id && seats.len() == 1)
    );

    // Pick two free seats side by side from the map and buy them.
    let plan = hall.plan();
    let free = |i: usize| map.seats[i].status == SeatStatus::Available;
    let pair = (0..plan.len() - 1)
        .find(|&i| {
            let (a, b) = (
                reservation_core::catalog::SeatIndex(i as u32),
                reservation_core::catalog::SeatIndex(i as u32 + 1),
            );
            free(i)
                && free(i + 1)
                && plan.adjacent(a, b)
                && plan.label(a) != "E10"
                && plan.label(b) != "E10"
        })
        .unwrap();
    let seats = vec![map.seats[pair].seat, map.seats[pair + 1].seat];
    let me = HolderId::random();
    let request = HoldRequest::new(
        show.id,
        me,
        SeatSelection::Seats(SeatList::new(seats.clone()).unwrap()),
    );
    let hold = engine.hold(&request).await.unwrap();
    let booking = engine
        .confirm(&hold.token, me, card(test_cards::APPROVED))
        .await
        .unwrap();
    let ticket_seats: Vec<_> = booking.tickets.iter().map(|t| t.seat.seat).collect();
    assert_eq!(ticket_seats, seats);

    // The live feed tells the story in order: held, then booked.
    let held = tokio::time::timeout(Duration::from_secs(5), live.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let booked = tokio::time::timeout(Duration::from_secs(5), live.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        (held.seq.0, booked.seq.0),
        (event1.seq.0 + 1, event1.seq.0 + 2)
    );
    assert!(matches!(booked.change, Change::Booked { booking: id, .. } if id == booking.id));

    // The buyer sees the seats as theirs.
    let mine = engine.seat_map(show.id, Some(me)).await.unwrap();
    assert_eq!(mine.seats.iter().filter(|s| s.mine).count(), 2);
    assert_eq!(engine.booking(booking.id, me).await.unwrap(), booking);
}
