//! Model-based test: random sequences of operations by several holders run
//! against the memory store and against a deliberately simple reference model
//! of the spec. Every outcome must agree, and after every step:
//! - the store's seat map equals the model's (so no seat has two owners, and
//!   holds free exactly at `expires_at + grace`);
//! - no holder is over the limit;
//! - waiters were offered seats in the order the model (FCFS) says;
//! - the event stream has no gaps and replaying it gives the seat map.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use reservation_core::catalog::{SeatIndex, SeatingPlan};
use reservation_core::seating::best_available;
use reservation_core::testkit::{Fixture, card, events::apply, events::statuses};
use reservation_core::{
    Change, HoldRequest, HoldToken, HolderId, MemoryStore, Policy, ReservationError,
    ReservationStore, SeatCount, SeatList, SeatSelection, SeatStatus, Sequence, ShowId, WaitEnd,
    WaitId, WaitRequest, WaitStatus, payment::test_cards,
};
use time::{Duration, OffsetDateTime};

const HOLDERS: usize = 4;

#[derive(Debug, Clone)]
enum Op {
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

struct Run {
    f: Fixture<MemoryStore>,
    show: ShowId,
    holders: Vec<HolderId>,
    model: Model,
    tokens: Vec<Option<HoldToken>>,
    bookings: Vec<reservation_core::BookingId>,
    waits: Vec<WaitId>,
    last_seq: Sequence,
    replay: HashMap<reservation_core::SeatId, SeatStatus>,
    offered_waits: Vec<WaitId>,
}

impl Run {
    async fn new() -> Self {
        let policy = Policy {
            max_seats_per_holder: 5,
            ..Policy::default()
        };
        let f = Fixture::seed(MemoryStore::new(policy)).await;
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
                let request = HoldRequest {
                    show: self.show,
                    holder: self.holders[holder],
                    seats: SeatSelection::Seats(SeatList::new(ids).expect("distinct")),
                };
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
                    .hold(&HoldRequest {
                        show: self.show,
                        holder: self.holders[holder],
                        seats,
                    })
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
                    HoldPhase::Released | HoldPhase::Booked(_) => Outcome::Refused("invalid_token"),
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
                let request = WaitRequest {
                    show: self.show,
                    holder: self.holders[holder],
                    count: SeatCount::new(count).expect("count"),
                    category: None,
                };
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_the_model(ops in proptest::collection::vec(op(8), 50..120)) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        runtime.block_on(async {
            let mut run = Run::new().await;
            for op in &ops {
                run.step(op).await?;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}
