//! The spec as a model: random runs of operations by several holders go
//! to a store and to a deliberately simple reference model of the rules
//! (feature `testkit`). Every outcome must agree, and after every step:
//!
//! - the store's seat map equals the model's (so no seat has two owners,
//!   and holds free exactly at `expires_at + grace`);
//! - no holder is over the limit;
//! - waiters were offered seats in the order the model (FCFS) says;
//! - the event stream has no gaps and replaying it gives the seat map.
//!
//! Run it against a store with [`model_tests!`](crate::model_tests).

use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use time::{Duration, OffsetDateTime};

use super::events::{apply, statuses};
use super::fixture::{Fixture, card};
use crate::catalog::{SeatIndex, SeatingPlan};
use crate::error::ReservationError;
use crate::events::{Change, Sequence, WaitEnd};
use crate::hold::{HoldRequest, HoldToken, SeatList, SeatSelection};
use crate::ids::{BookingId, HolderId, SeatId, ShowId, WaitId};
use crate::limits::{Policy, SeatCount};
use crate::payment::test_cards;
use crate::seat_map::SeatStatus;
use crate::seating::best_available;
use crate::store::Store;
use crate::waitlist::{WaitRequest, WaitStatus};

/// The environment variable that overrides a run's number of cases.
pub const CASES_VAR: &str = "SEATWISE_MODEL_CASES";

/// The policy the store under test must apply: the defaults with 5 seats
/// per holder, so the limit is reached often.
pub fn policy() -> Policy {
    Policy::default().with_max_seats_per_holder(5)
}

/// Runs of 50 to 120 operations on the fixture's 8-seat show.
pub fn runs() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(8), 50..120)
}

/// A runner for `cases` generated runs ([`CASES_VAR`] overrides it), which
/// shrinks a failing run to a short one.
pub fn runner(cases: u32) -> TestRunner {
    let cases = std::env::var(CASES_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// Plays `ops` on `store` (fresh, applying [`policy()`]) and on the model;
/// fails at the first disagreement.
pub async fn check<S: Store + 'static>(store: S, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut run = Run::new(store).await;
    for op in ops {
        run.step(op).await?;
    }
    Ok(())
}

const HOLDERS: usize = 4;

/// One operation of a generated run.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // the fields say what they are
pub enum Op {
    Hold {
        holder: usize,
        seats: Vec<u32>,
    },
    HoldBest {
        holder: usize,
        count: u64,
    },
    Confirm {
        hold: usize,
        good_card: bool,
        wrong_holder: bool,
    },
    Release {
        hold: usize,
        wrong_holder: bool,
    },
    Wait {
        holder: usize,
        count: u64,
    },
    CancelWait {
        wait: usize,
        wrong_holder: bool,
    },
    CancelBooking {
        booking: usize,
        wrong_holder: bool,
    },
    Advance {
        seconds: i64,
    },
    Sweep,
}

fn op(seats: u32) -> impl Strategy<Value = Op> {
    let holder = 0..HOLDERS;
    prop_oneof![
        4 => (holder.clone(), proptest::sample::subsequence((0..seats).collect::<Vec<_>>(), 1..=4))
            .prop_map(|(holder, seats)| Op::Hold { holder, seats }),
        2 => (holder.clone(), 1..=4u64).prop_map(|(holder, count)| Op::HoldBest { holder, count }),
        3 => (0..12usize, proptest::bool::weighted(0.8), proptest::bool::weighted(0.1))
            .prop_map(|(hold, good_card, wrong_holder)| Op::Confirm { hold, good_card, wrong_holder }),
        2 => (0..12usize, proptest::bool::weighted(0.1)).prop_map(|(hold, wrong_holder)| Op::Release { hold, wrong_holder }),
        2 => (holder, 1..=4u64).prop_map(|(holder, count)| Op::Wait { holder, count }),
        1 => (0..6usize, proptest::bool::weighted(0.1)).prop_map(|(wait, wrong_holder)| Op::CancelWait { wait, wrong_holder }),
        1 => (0..6usize, proptest::bool::weighted(0.1)).prop_map(|(booking, wrong_holder)| Op::CancelBooking { booking, wrong_holder }),
        3 => prop_oneof![0..60i64, 250..320i64, Just(305i64)].prop_map(|seconds| Op::Advance { seconds }),
        1 => Just(Op::Sweep),
    ]
}

/// What an operation came to, comparable between store and model.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok,
    Refused(&'static str),
}

fn outcome<T>(result: &Result<T, ReservationError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(e) => Outcome::Refused(match e {
            ReservationError::SeatsTaken(_) => "seats_taken",
            ReservationError::NotEnoughSeats { .. } => "not_enough_seats",
            ReservationError::OverHolderLimit { .. } => "over_limit",
            ReservationError::InvalidHoldToken => "invalid_token",
            ReservationError::HoldConfirmed(_) => "hold_confirmed",
            ReservationError::HoldExpired => "hold_expired",
            ReservationError::PaymentDeclined(_) => "declined",
            ReservationError::UnknownBooking(_) => "unknown_booking",
            ReservationError::BookingAlreadyCancelled(_) => "already_cancelled",
            ReservationError::UnknownWait(_) => "unknown_wait",
            ReservationError::AlreadyWaiting(_) => "already_waiting",
            ReservationError::SeatsAvailable { .. } => "seats_available",
            ReservationError::SoldOut => "sold_out",
            other => panic!("unexpected error {other:?}"),
        }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Held(usize),
    Booked(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HoldPhase {
    Active,
    Released,
    Expired,
    Booked(usize),
}

struct ModelHold {
    holder: usize,
    seats: Vec<SeatIndex>,
    free_at: OffsetDateTime,
    phase: HoldPhase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaitPhase {
    Waiting,
    Offered(usize),
    Ended(WaitEnd),
}

struct ModelWait {
    holder: usize,
    count: usize,
    expires_at: OffsetDateTime,
    phase: WaitPhase,
}

/// The spec, written as plainly as possible.
struct Model {
    policy: Policy,
    plan: Arc<SeatingPlan>,
    seats: Vec<Option<(usize, Owner)>>,
    holds: Vec<ModelHold>,
    bookings: Vec<(usize, Vec<SeatIndex>, bool)>,
    waits: Vec<ModelWait>,
    offers: Vec<usize>,
}

impl Model {
    fn free(&self) -> Vec<bool> {
        self.seats.iter().map(Option::is_none).collect()
    }

    fn load(&self, holder: usize) -> usize {
        let held: usize = self
            .holds
            .iter()
            .filter(|h| h.holder == holder && h.phase == HoldPhase::Active)
            .map(|h| h.seats.len())
            .sum();
        let waiting: usize = self
            .waits
            .iter()
            .filter(|w| w.holder == holder && w.phase == WaitPhase::Waiting)
            .map(|w| w.count)
            .sum();
        held + waiting
    }

    fn hold(&mut self, holder: usize, seats: Vec<SeatIndex>, now: OffsetDateTime) -> usize {
        let id = self.holds.len();
        for s in &seats {
            self.seats[s.get()] = Some((holder, Owner::Held(id)));
        }
        self.holds.push(ModelHold {
            holder,
            seats,
            free_at: now + self.policy.hold_time + self.policy.grace,
            phase: HoldPhase::Active,
        });
        id
    }

    fn end_hold(&mut self, id: usize, phase: HoldPhase) {
        let hold = &mut self.holds[id];
        hold.phase = phase;
        let owner = match phase {
            HoldPhase::Booked(b) => Some((hold.holder, Owner::Booked(b))),
            _ => None,
        };
        for s in hold.seats.clone() {
            self.seats[s.get()] = owner;
        }
    }

    fn settle(&mut self, now: OffsetDateTime) {
        let mut ended = false;
        for id in 0..self.holds.len() {
            if self.holds[id].phase == HoldPhase::Active && self.holds[id].free_at <= now {
                self.end_hold(id, HoldPhase::Expired);
                ended = true;
            }
        }
        for wait in &mut self.waits {
            if wait.phase == WaitPhase::Waiting && wait.expires_at <= now {
                wait.phase = WaitPhase::Ended(WaitEnd::Expired);
                ended = true;
            }
        }
        if ended {
            self.serve(now);
        }
    }

    /// FCFS: every waiter in join order takes the best seats if enough are free.
    fn serve(&mut self, now: OffsetDateTime) {
        for w in 0..self.waits.len() {
            if self.waits[w].phase != WaitPhase::Waiting {
                continue;
            }
            let free = self.free();
            if let Some(seats) =
                best_available(&self.plan, self.waits[w].count, |i| free[i.get()], |_| true)
            {
                let hold = self.hold(self.waits[w].holder, seats, now);
                self.waits[w].phase = WaitPhase::Offered(hold);
                self.offers.push(w);
            }
        }
        self.drop_sold_out();
    }

    fn drop_sold_out(&mut self) {
        for w in 0..self.waits.len() {
            let wait = &self.waits[w];
            if wait.phase != WaitPhase::Waiting {
                continue;
            }
            let possible = self
                .seats
                .iter()
                .filter(|s| {
                    matches!(s, None | Some((_, Owner::Held(_))))
                        && !matches!(s, Some((h, _)) if *h == wait.holder)
                })
                .count();
            if possible < wait.count {
                self.waits[w].phase = WaitPhase::Ended(WaitEnd::SoldOut);
            }
        }
    }

    fn seat_statuses(&self) -> Vec<SeatStatus> {
        self.seats
            .iter()
            .map(|s| match s {
                None => SeatStatus::Available,
                Some((_, Owner::Held(_))) => SeatStatus::Held,
                Some((_, Owner::Booked(_))) => SeatStatus::Booked,
            })
            .collect()
    }
}

struct Run<S> {
    f: Fixture<S>,
    show: ShowId,
    holders: Vec<HolderId>,
    model: Model,
    tokens: Vec<Option<HoldToken>>,
    bookings: Vec<BookingId>,
    waits: Vec<WaitId>,
    last_seq: Sequence,
    replay: HashMap<SeatId, SeatStatus>,
    offered_waits: Vec<WaitId>,
}

impl<S: Store + 'static> Run<S> {
    async fn new(store: S) -> Self {
        let policy = store.policy();
        let f = Fixture::seed(store).await;
        let show = f.small_show;
        let plan = f.small_hall.plan().clone();
        let empty = f.store.seat_map(show, None, f.now()).await.expect("map");
        Self {
            show,
            holders: (0..HOLDERS).map(|_| HolderId::random()).collect(),
            model: Model {
                policy,
                seats: vec![None; plan.len()],
                plan,
                holds: vec![],
                bookings: vec![],
                waits: vec![],
                offers: vec![],
            },
            tokens: vec![],
            bookings: vec![],
            waits: vec![],
            last_seq: Sequence(0),
            replay: statuses(&empty),
            offered_waits: vec![],
            f,
        }
    }

    async fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let now = self.f.now();
        let m = &mut self.model;
        match op.clone() {
            Op::Advance { seconds } => {
                self.f.advance(Duration::seconds(seconds));
                return self.check().await;
            }
            Op::Sweep => {
                self.f
                    .engine
                    .sweep()
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                m.settle(now);
            }
            Op::Hold { holder, seats } => {
                m.settle(now);
                let index: Vec<SeatIndex> = seats.iter().map(|&i| SeatIndex(i)).collect();
                let expected =
                    if m.load(holder) + index.len() > usize::from(m.policy.max_seats_per_holder) {
                        Outcome::Refused("over_limit")
                    } else if index.iter().any(|i| m.seats[i.get()].is_some()) {
                        Outcome::Refused("seats_taken")
                    } else {
                        Outcome::Ok
                    };
                let ids = index.iter().map(|i| m.plan.seat(*i).id).collect();
                let request = HoldRequest::new(
                    self.show,
                    self.holders[holder],
                    SeatSelection::Seats(SeatList::new(ids).expect("distinct")),
                );
                let result = self.f.engine.hold(&request).await;
                prop_assert_eq!(outcome(&result), expected.clone(), "{:?}", op);
                if let Ok(hold) = result {
                    let id = m.hold(holder, index, now);
                    set_token(&mut self.tokens, id, hold.token);
                }
            }
            Op::HoldBest { holder, count } => {
                m.settle(now);
                let free = m.free();
                let choice = best_available(&m.plan, count as usize, |i| free[i.get()], |_| true);
                let expected = if m.load(holder) + count as usize
                    > usize::from(m.policy.max_seats_per_holder)
                {
                    Outcome::Refused("over_limit")
                } else if choice.is_none() {
                    Outcome::Refused("not_enough_seats")
                } else {
                    Outcome::Ok
                };
                let seats = SeatSelection::BestAvailable {
                    count: SeatCount::new(count).expect("count"),
                    filter: Default::default(),
                };
                let result = self
                    .f
                    .engine
                    .hold(&HoldRequest::new(self.show, self.holders[holder], seats))
                    .await;
                prop_assert_eq!(outcome(&result), expected, "{:?}", op);
                if let (Ok(hold), Some(seats)) = (result, choice) {
                    let got: Vec<SeatIndex> = hold
                        .seats
                        .iter()
                        .filter_map(|s| m.plan.index_of(s.seat))
                        .collect();
                    prop_assert_eq!(&got, &seats, "best available chose other seats");
                    let id = m.hold(holder, seats, now);
                    set_token(&mut self.tokens, id, hold.token);
                }
            }
            Op::Confirm {
                hold,
                good_card,
                wrong_holder,
            } => {
                let Some(Some(token)) = self.tokens.get(hold).cloned() else {
                    return Ok(());
                };
                m.settle(now);
                let h = &m.holds[hold];
                let expected = match h.phase {
                    _ if wrong_holder => Outcome::Refused("invalid_token"),
                    HoldPhase::Released => Outcome::Refused("invalid_token"),
                    HoldPhase::Expired => Outcome::Refused("hold_expired"),
                    HoldPhase::Booked(_) => Outcome::Ok,
                    HoldPhase::Active if !good_card => Outcome::Refused("declined"),
                    HoldPhase::Active => Outcome::Ok,
                };
                let (holder, was_active) = (h.holder, h.phase == HoldPhase::Active);
                let who = if wrong_holder {
                    self.holders[(holder + 1) % HOLDERS]
                } else {
                    self.holders[holder]
                };
                let card = card(if good_card {
                    test_cards::APPROVED
                } else {
                    test_cards::DECLINED
                });
                let result = self.f.engine.confirm(&token, who, card).await;
                prop_assert_eq!(outcome(&result), expected.clone(), "{:?}", op);
                if let (Ok(booking), true, Outcome::Ok) = (&result, was_active, expected) {
                    let id = m.bookings.len();
                    m.bookings
                        .push((holder, m.holds[hold].seats.clone(), false));
                    m.end_hold(hold, HoldPhase::Booked(id));
                    m.drop_sold_out();
                    self.bookings.push(booking.id);
                }
            }
            Op::Release { hold, wrong_holder } => {
                let Some(Some(token)) = self.tokens.get(hold).cloned() else {
                    return Ok(());
                };
                m.settle(now);
                let h = &m.holds[hold];
                let expected = match h.phase {
                    _ if wrong_holder => Outcome::Refused("invalid_token"),
                    HoldPhase::Expired => Outcome::Refused("hold_expired"),
                    HoldPhase::Released => Outcome::Refused("invalid_token"),
                    HoldPhase::Booked(_) => Outcome::Refused("hold_confirmed"),
                    HoldPhase::Active => Outcome::Ok,
                };
                let who = if wrong_holder {
                    self.holders[(h.holder + 1) % HOLDERS]
                } else {
                    self.holders[h.holder]
                };
                let result = self.f.engine.release(&token, who).await;
                prop_assert_eq!(outcome(&result), expected.clone(), "{:?}", op);
                if expected == Outcome::Ok {
                    m.end_hold(hold, HoldPhase::Released);
                    m.serve(now);
                }
            }
            Op::Wait { holder, count } => {
                m.settle(now);
                let free = m.seats.iter().filter(|s| s.is_none()).count();
                let held_by_others = m
                    .seats
                    .iter()
                    .filter(|s| matches!(s, Some((h, Owner::Held(_))) if *h != holder))
                    .count();
                let expected = if m
                    .waits
                    .iter()
                    .any(|w| w.holder == holder && w.phase == WaitPhase::Waiting)
                {
                    Outcome::Refused("already_waiting")
                } else if free >= count as usize {
                    Outcome::Refused("seats_available")
                } else if free + held_by_others < count as usize {
                    Outcome::Refused("sold_out")
                } else if m.load(holder) + count as usize
                    > usize::from(m.policy.max_seats_per_holder)
                {
                    Outcome::Refused("over_limit")
                } else {
                    Outcome::Ok
                };
                let request = WaitRequest::new(
                    self.show,
                    self.holders[holder],
                    SeatCount::new(count).expect("count"),
                );
                let result = self.f.engine.join_waitlist(&request).await;
                prop_assert_eq!(outcome(&result), expected, "{:?}", op);
                if let Ok(wait) = result {
                    m.waits.push(ModelWait {
                        holder,
                        count: count as usize,
                        expires_at: now + m.policy.max_wait,
                        phase: WaitPhase::Waiting,
                    });
                    self.waits.push(wait.id);
                }
            }
            Op::CancelWait { wait, wrong_holder } => {
                let Some(&id) = self.waits.get(wait) else {
                    return Ok(());
                };
                m.settle(now);
                let w = &m.waits[wait];
                let expected = if wrong_holder || w.phase != WaitPhase::Waiting {
                    Outcome::Refused("unknown_wait")
                } else {
                    Outcome::Ok
                };
                let who = if wrong_holder {
                    self.holders[(w.holder + 1) % HOLDERS]
                } else {
                    self.holders[w.holder]
                };
                let result = self.f.engine.cancel_wait(id, who).await;
                prop_assert_eq!(outcome(&result), expected.clone(), "{:?}", op);
                if expected == Outcome::Ok {
                    m.waits[wait].phase = WaitPhase::Ended(WaitEnd::Cancelled);
                }
            }
            Op::CancelBooking {
                booking,
                wrong_holder,
            } => {
                let Some(&id) = self.bookings.get(booking) else {
                    return Ok(());
                };
                m.settle(now);
                let (holder, seats, cancelled) = m.bookings[booking].clone();
                let expected = if wrong_holder {
                    Outcome::Refused("unknown_booking")
                } else if cancelled {
                    Outcome::Refused("already_cancelled")
                } else {
                    Outcome::Ok
                };
                let who = if wrong_holder {
                    self.holders[(holder + 1) % HOLDERS]
                } else {
                    self.holders[holder]
                };
                let result = self.f.engine.cancel_booking(id, who).await;
                prop_assert_eq!(outcome(&result), expected.clone(), "{:?}", op);
                if expected == Outcome::Ok {
                    m.bookings[booking].2 = true;
                    for s in seats {
                        m.seats[s.get()] = None;
                    }
                    m.serve(now);
                }
            }
        }
        self.check().await
    }

    async fn check(&mut self) -> Result<(), TestCaseError> {
        let now = self.f.now();
        self.model.settle(now);
        let map = self
            .f
            .store
            .seat_map(self.show, None, now)
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let store_statuses: Vec<SeatStatus> = map.seats.iter().map(|s| s.status).collect();
        prop_assert_eq!(
            &store_statuses,
            &self.model.seat_statuses(),
            "seat map differs from the model"
        );
        for holder in 0..HOLDERS {
            prop_assert!(
                self.model.load(holder) <= usize::from(self.model.policy.max_seats_per_holder)
            );
        }
        let events = self
            .f
            .store
            .events_since(self.show, self.last_seq, usize::MAX)
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        for event in &events {
            prop_assert_eq!(event.seq, self.last_seq.next(), "gap in the event stream");
            self.last_seq = event.seq;
            apply(&mut self.replay, event);
            if let Change::Offered { wait, .. } = event.change {
                self.offered_waits.push(wait);
            }
        }
        prop_assert_eq!(map.seq, self.last_seq);
        prop_assert_eq!(
            &self.replay,
            &statuses(&map),
            "replaying events does not give the seat map"
        );
        let model_offers: Vec<WaitId> = self.model.offers.iter().map(|&w| self.waits[w]).collect();
        prop_assert_eq!(
            &self.offered_waits,
            &model_offers,
            "waiters served out of FCFS order"
        );
        // Offers become holds the holder can pay for: learn their tokens.
        for (w, wait) in self.model.waits.iter().enumerate() {
            let WaitPhase::Offered(hold) = wait.phase else {
                continue;
            };
            if self.tokens.get(hold).is_none_or(Option::is_none) {
                let status = self
                    .f
                    .engine
                    .wait_status(self.waits[w], self.holders[wait.holder])
                    .await;
                if let Ok(WaitStatus::Offered { hold: offered }) = status {
                    set_token(&mut self.tokens, hold, offered.token);
                }
            }
        }
        Ok(())
    }
}

fn set_token(tokens: &mut Vec<Option<HoldToken>>, hold: usize, token: HoldToken) {
    if tokens.len() <= hold {
        tokens.resize(hold + 1, None);
    }
    tokens[hold] = Some(token);
}
