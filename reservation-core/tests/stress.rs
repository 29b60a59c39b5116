//! Stress: 256 tokio tasks on a multi-threaded runtime race to buy the same
//! 2,000 seats until the show is sold out. Every seat ends with exactly one
//! owner, and the seats of successful bookings are exactly the seats sold.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::collections::HashSet;
use std::sync::Arc;

use rand::Rng;
use reservation_core::testkit::{Fixture, random_seats};
use reservation_core::{
    HoldRequest, HolderId, MemoryStore, Policy, ReservationError, SeatCount, SeatFilter, SeatId,
    SeatSelection, SeatStatus,
};

const TASKS: usize = 256;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_buyers_sell_out_without_double_booking() {
    let f = Fixture::seed(MemoryStore::new(Policy::default())).await;
    let (show, hall) = f.add_grid_show(40, 50, 5).await;
    let seats: Arc<Vec<SeatId>> = Arc::new(hall.plan().seats().iter().map(|s| s.id).collect());
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (engine, seats, card) = (f.engine.clone(), Arc::clone(&seats), f.card());
            tokio::spawn(async move {
                let holder = HolderId::random();
                let (mut bought, mut conflicts) = (Vec::new(), 0u32);
                loop {
                    // Half the buyers ask for the best 4, half pick 1-4 seats on the map.
                    let selection = if task % 2 == 0 {
                        SeatSelection::BestAvailable {
                            count: SeatCount::new(4).unwrap(),
                            filter: SeatFilter::default(),
                        }
                    } else {
                        SeatSelection::Seats(random_seats(&seats, rand::rng().random_range(1..=4)))
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
    let map = f.engine.seat_map(show, None).await.unwrap();
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
