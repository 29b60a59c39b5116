//! Racing tasks: the store must never sell a seat twice.

use std::collections::HashSet;
use std::sync::Arc;

use rand::Rng;

use super::fixture::{Fixture, random_seats};
use crate::catalog::SeatIndex;
use crate::hold::{HoldRequest, SeatFilter, SeatSelection};
use crate::ids::{HolderId, SeatId};
use crate::limits::SeatCount;
use crate::store::Store;

/// 32 tasks race for the 40 seats of rows A and B, each holding random sets
/// of 1-4 seats or best-available pairs and paying for half of its holds,
/// until the rows are full. No seat ends up in two holds, every successful
/// hold is reflected in the seat map, and nothing else is.
pub async fn racing_holders_never_double_book<S: Store + 'static>(store: S) {
    let f = Arc::new(Fixture::seed(store).await);
    let plan = f.main_hall.plan().clone();
    let contested: Arc<Vec<SeatId>> =
        Arc::new((0..40).map(|i| plan.seat(SeatIndex(i)).id).collect());
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (f, contested) = (Arc::clone(&f), Arc::clone(&contested));
            tokio::spawn(async move {
                let holder = HolderId::random();
                let mut won = Vec::new();
                for attempt in 0..40 {
                    let selection = if attempt % 4 == 3 {
                        SeatSelection::BestAvailable {
                            count: SeatCount::new(2).expect("2"),
                            filter: SeatFilter::default(),
                        }
                    } else {
                        let n = rand::rng().random_range(1..=4);
                        SeatSelection::Seats(random_seats(&contested, n))
                    };
                    let request = HoldRequest {
                        show: f.show,
                        holder,
                        seats: selection,
                    };
                    let Ok(hold) = f.engine.hold(&request).await else {
                        continue;
                    };
                    if hold.seats.len() % 2 == 0 {
                        f.engine
                            .confirm(&hold.token, holder, f.card())
                            .await
                            .expect("confirm own hold");
                    }
                    won.extend(hold.seats.iter().map(|s| s.seat));
                    if won.len() >= 8 {
                        break;
                    }
                }
                won
            })
        })
        .collect();
    let mut owners = HashSet::new();
    let mut sold = 0;
    for task in tasks {
        for seat in task.await.expect("task") {
            assert!(owners.insert(seat), "seat {seat} was given to two holders");
            sold += 1;
        }
    }
    let map = f.engine.seat_map(f.show, None).await.expect("map");
    let taken: HashSet<SeatId> = map
        .seats
        .iter()
        .filter(|s| s.status != crate::SeatStatus::Available)
        .map(|s| s.seat)
        .collect();
    assert_eq!(taken, owners, "the seat map shows exactly the seats won");
    assert_eq!(map.counts.held + map.counts.booked, sold);
}
