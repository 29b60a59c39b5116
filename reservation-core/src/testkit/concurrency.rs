//! Racing tasks: the store must never sell a seat twice, nor hand one
//! abandoned payment to two sweepers.

use std::collections::HashSet;
use std::sync::Arc;

use rand::Rng;

use super::fixture::{Fixture, random_seats};
use crate::catalog::SeatIndex;
use crate::hold::{HoldRequest, SeatFilter, SeatSelection};
use crate::ids::{HolderId, SeatId};
use crate::limits::SeatCount;
use crate::payment::{ChargeRequest, PaymentGateway};
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
                    let request = HoldRequest::new(f.show, holder, selection);
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

/// Four sweepers (as on four instances) refund 12 abandoned charges at
/// once: together they settle every one, and the gateway is asked about
/// each exactly once, so they never worked on the same payment.
pub async fn racing_sweepers_split_abandoned_payments<S: Store + 'static>(store: S) {
    let f = Arc::new(Fixture::seed(store).await);
    let now = f.now();
    for seat in 1..=12 {
        let holder = HolderId::random();
        let label = format!("C{seat}");
        let hold = f.hold(f.show, holder, &[&label]).await.expect("hold");
        f.store
            .begin_checkout(&hold.token, holder, now)
            .await
            .expect("checkout");
        let charge = ChargeRequest::new(hold.id, holder, hold.total, f.card());
        f.gateway.charge(&charge).await.expect("charge");
        // The booking never commits, and the buyer leaves.
        f.engine
            .release(&hold.token, holder)
            .await
            .expect("release");
    }
    let sweepers: Vec<_> = (0..4)
        .map(|_| {
            let f = Arc::clone(&f);
            tokio::spawn(async move { f.engine.refund_abandoned_payments().await })
        })
        .collect();
    let mut settled = 0;
    for sweeper in sweepers {
        settled += sweeper.await.expect("task").expect("refunds");
    }
    assert_eq!(settled, 12);
    let ledger = f.gateway.ledger();
    assert_eq!(ledger.len(), 12);
    for record in ledger {
        assert_eq!((record.refunds_applied, record.refund_requests), (1, 1));
    }
}

/// What a sell-out race measured.
#[derive(Debug, Default)]
pub struct SellOut {
    /// Seats each client bought (one entry per client).
    pub bought: Vec<Vec<SeatId>>,
    /// Holds made (each then confirmed).
    pub holds: u64,
    /// Holds refused because the seats were taken meanwhile.
    pub conflicts: u64,
}

/// `clients` tasks race to buy every seat of `show`, as users would: half
/// ask for the best 4 seats (or what is left), half pick 1-4 seats they see
/// free on their seat map, refreshing it after a conflict; each pays at once.
/// Returns when the show is sold out.
///
/// # Panics
/// On any refusal other than a conflict: that is a conformance failure.
pub async fn sell_out<S: Store + 'static>(
    f: &Arc<Fixture<S>>,
    show: crate::ids::ShowId,
    clients: usize,
) -> SellOut {
    use crate::error::ReservationError;
    use crate::seat_map::SeatStatus;
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let f = Arc::clone(f);
            tokio::spawn(async move {
                let holder = HolderId::random();
                let (mut bought, mut holds, mut conflicts) = (Vec::new(), 0, 0);
                let free_seats = || async {
                    let map = f.engine.seat_map(show, None).await.expect("seat map");
                    map.seats
                        .iter()
                        .filter(|s| s.status == SeatStatus::Available)
                        .map(|s| s.seat)
                        .collect::<Vec<_>>()
                };
                // The map this client looks at: stale until a conflict makes it look again.
                let mut free = free_seats().await;
                while !free.is_empty() {
                    let selection = if client % 2 == 0 {
                        let count = SeatCount::new(4.min(free.len()) as u64).expect("1 to 4");
                        SeatSelection::BestAvailable {
                            count,
                            filter: SeatFilter::default(),
                        }
                    } else {
                        SeatSelection::Seats(random_seats(
                            &free,
                            rand::rng().random_range(1..=4).min(free.len()),
                        ))
                    };
                    match f
                        .engine
                        .hold(&HoldRequest::new(show, holder, selection))
                        .await
                    {
                        Ok(hold) => {
                            holds += 1;
                            let booking = f
                                .engine
                                .confirm(&hold.token, holder, f.card())
                                .await
                                .expect("confirm own hold");
                            bought.extend(booking.tickets.iter().map(|t| t.seat.seat));
                            free.retain(|seat| {
                                !booking.tickets.iter().any(|t| t.seat.seat == *seat)
                            });
                        }
                        Err(
                            ReservationError::SeatsTaken(_)
                            | ReservationError::NotEnoughSeats { .. },
                        ) => {
                            conflicts += 1;
                            free = free_seats().await;
                        }
                        Err(other) => panic!("unexpected refusal: {other}"),
                    }
                }
                (bought, holds, conflicts)
            })
        })
        .collect();
    let mut report = SellOut::default();
    for task in tasks {
        let (bought, holds, conflicts) = task.await.expect("client task");
        report.bought.push(bought);
        report.holds += holds;
        report.conflicts += conflicts;
    }
    report
}
