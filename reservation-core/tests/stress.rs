//! Stress: 256 tokio tasks on a multi-threaded runtime race to buy the same
//! 2,000 seats until the show is sold out. Every seat ends with exactly one
//! owner, and the seats of successful bookings are exactly the seats sold.

use std::collections::HashSet;
use std::sync::Arc;

use reservation_core::testkit::Fixture;
use reservation_core::testkit::concurrency::sell_out;
use reservation_core::{MemoryStore, Policy, SeatStatus};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_buyers_sell_out_without_double_booking() {
    let f = Arc::new(Fixture::seed(MemoryStore::new(Policy::default())).await);
    let (show, _) = f.add_grid_show(40, 50, 5).await;
    let race = sell_out(&f, show, 256).await;
    let mut owners = HashSet::new();
    for seat in race.bought.iter().flatten() {
        assert!(owners.insert(*seat), "seat {seat} was sold twice");
    }
    let map = f.engine.seat_map(show, None).await.expect("seat map");
    assert_eq!(owners.len(), 2000, "every seat sold exactly once");
    assert_eq!(
        (map.counts.booked, map.counts.held, map.counts.available),
        (2000, 0, 0)
    );
    assert!(map.seats.iter().all(|s| s.status == SeatStatus::Booked));
    assert!(race.conflicts > 0, "the race must actually contend");
}
