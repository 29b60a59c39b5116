//! Fuzz target `engine_ops`: sequences of reservation operations, decoded
//! from the fuzz input, run by four holders against the in-memory store
//! through [`Reservations`] with a manual clock.
//!
//! Each input starts from a fresh testkit [`Fixture`] (a 10x20 hall show and
//! a 2x4 hall show) and runs at most [`MAX_OPS`] operations: hold chosen
//! seats (by index, possibly repeated, out of range or of the other show),
//! hold the best N (N in 0..=12, with filters), confirm with the approved or
//! the declined test card, release, cancel a booking, join or leave a
//! waitlist, move the clock, sweep. Refusals are fine; panics are crashes.
//!
//! After every operation, for both shows, [`Run::check_show`] checks what
//! must always hold, directly from what the engine reports:
//!
//! - no seat has two owners: the seats of the live holds (active, from
//!   `hold_status`) and of the confirmed bookings are pairwise disjoint, and
//!   they are exactly the held and booked seats of `seat_map` (with `mine`
//!   set for exactly the owner's seats, and counts that add up);
//! - no holder holds more than `policy.max_seats_per_holder` seats of a
//!   show, nor holds and waits for more;
//! - the show's event stream, subscribed to before the first operation, is
//!   gap-free, every event is a legal seat transition, and replaying it onto
//!   the initial seat map gives exactly the current one.
//!
//! Operations also check their own results: a hold has the seats asked for
//! (or N seats passing the filter), only the owner of a hold, booking or
//! wait can confirm, release or cancel it, and a declined card never makes a
//! booking.

#![no_main]

use std::collections::HashMap;
use std::sync::Arc;

use arbitrary::Arbitrary;
use futures_util::{FutureExt as _, StreamExt as _};
use libfuzzer_sys::fuzz_target;
use reservation_core::catalog::{CategoryCode, SeatingPlan};
use reservation_core::payment::{CardNumber, test_cards};
use reservation_core::testkit::{Fixture, policy};
use reservation_core::{
    Availability, BookingId, BookingStatus, Change, EventStream, HoldId, HoldRequest, HoldState,
    HoldToken, HolderId, MemoryStore, ReservationError, SeatCount, SeatFilter, SeatId, SeatList,
    SeatSelection, SeatStatus, Sequence, ShowEvent, ShowId, WaitId, WaitRequest, WaitStatus,
};
use time::Duration;

/// Most operations one input runs; the rest of a longer input is ignored.
const MAX_OPS: usize = 64;

/// How many holders take part (holder numbers in the input are taken modulo this).
const HOLDERS: usize = 4;

/// Most seats decoded for one "hold these seats" request (a request may take
/// 10; a few more exercise the refusal).
const MAX_PICKS: usize = 12;

thread_local! {
    /// One single-threaded runtime for the whole process: building one per
    /// input would cost more than running the input.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread tokio runtime");
}

fuzz_target!(|ops: Vec<Op>| {
    RUNTIME.with(|runtime| {
        runtime.block_on(async {
            let mut run = Run::new().await;
            for op in ops.iter().take(MAX_OPS) {
                run.step(op).await;
                run.check(op).await;
            }
        });
    });
});

/// Which of the fixture's shows an operation is about.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// The 200-seat show (rows I and J premium, A10 and A11 accessible).
    Main,
    /// The 8-seat show (all standard).
    Small,
}

/// A seat named in a "hold these seats" request.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum SeatPick {
    /// Index into the show's seats, modulo the seat count plus 4: the last
    /// four values name seats that exist nowhere.
    Here(u8),
    /// A seat of the other show (index modulo its seat count).
    OtherShow(u8),
}

/// A price category filter.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum CategoryPick {
    /// Any category.
    Any,
    /// `A`, in both halls.
    Standard,
    /// `P`, only in the main hall.
    Premium,
    /// `Z`, in neither hall.
    Unknown,
}

/// Who acts on a hold, booking or wait.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Who {
    /// Its owner.
    Owner,
    /// Holder number `n % HOLDERS` (maybe the owner, usually not).
    Holder(u8),
}

/// How far the clock moves.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Step {
    /// 0 to 255 seconds.
    Seconds(u8),
    /// 295 to 314 seconds: around a hold's end (5 minutes plus 5 s grace).
    AroundExpiry(u8),
    /// 0 to 255 minutes: past waits' one hour and, eventually, the show's start.
    Minutes(u8),
}

/// One engine operation. Indexes of holds, bookings and waits are taken
/// modulo the number the run knows of (no-op when there are none).
#[derive(Arbitrary, Debug, Clone)]
enum Op {
    /// Hold exactly these seats.
    Hold {
        show: Which,
        holder: u8,
        seats: Vec<SeatPick>,
    },
    /// Hold the best `count % 13` seats passing the filter.
    HoldBest {
        show: Which,
        holder: u8,
        count: u8,
        category: CategoryPick,
        accessible: bool,
    },
    /// Pay for a hold with the approved or the declined test card.
    Confirm { hold: u8, who: Who, approved: bool },
    /// Release a hold.
    Release { hold: u8, who: Who },
    /// Cancel a booking.
    CancelBooking { booking: u8, who: Who },
    /// Wait for `count % 13` seats.
    JoinWaitlist {
        show: Which,
        holder: u8,
        count: u8,
        category: CategoryPick,
    },
    /// Leave a waitlist.
    LeaveWaitlist { wait: u8, who: Who },
    /// Move the clock forward.
    Advance(Step),
    /// Settle every show now.
    Sweep,
}

/// A hold the run made or was offered.
struct KnownHold {
    id: HoldId,
    token: HoldToken,
    holder: usize,
    show: ShowId,
}

/// A booking the run made.
struct KnownBooking {
    id: BookingId,
    holder: usize,
    show: ShowId,
}

/// A wait the run joined.
struct KnownWait {
    id: WaitId,
    holder: usize,
    show: ShowId,
}

/// A show under watch: its plan, its event stream and the seat map rebuilt
/// from the events seen so far.
struct Watched {
    id: ShowId,
    plan: Arc<SeatingPlan>,
    events: EventStream,
    last: Sequence,
    replay: HashMap<SeatId, SeatStatus>,
}

/// One input's run: the fixture, the holders and what they know.
struct Run {
    f: Fixture<MemoryStore>,
    holders: [HolderId; HOLDERS],
    shows: [Watched; 2],
    holds: Vec<KnownHold>,
    bookings: Vec<KnownBooking>,
    waits: Vec<KnownWait>,
}

impl Run {
    /// A fresh fixture with both shows' event streams subscribed from the start.
    async fn new() -> Self {
        let f = Fixture::seed(MemoryStore::new(policy())).await;
        let main = watch(&f, f.show, f.main_hall.plan()).await;
        let small = watch(&f, f.small_show, f.small_hall.plan()).await;
        Self {
            holders: std::array::from_fn(|i| HolderId::from_name(&format!("engine-ops/{i}"))),
            shows: [main, small],
            holds: Vec::new(),
            bookings: Vec::new(),
            waits: Vec::new(),
            f,
        }
    }

    /// The show `which` names.
    fn show(&self, which: Which) -> &Watched {
        match which {
            Which::Main => &self.shows[0],
            Which::Small => &self.shows[1],
        }
    }

    /// The show `which` does not name.
    fn other(&self, which: Which) -> &Watched {
        match which {
            Which::Main => &self.shows[1],
            Which::Small => &self.shows[0],
        }
    }

    /// Runs one operation and checks its own result.
    async fn step(&mut self, op: &Op) {
        let engine = self.f.engine.clone();
        match *op {
            Op::Hold {
                show,
                holder,
                ref seats,
            } => {
                let (here, other) = (self.show(show), self.other(show));
                let ids: Vec<SeatId> = seats
                    .iter()
                    .take(MAX_PICKS)
                    .map(|pick| match *pick {
                        SeatPick::Here(i) => seat_at(&here.plan, i),
                        SeatPick::OtherShow(i) => {
                            other.plan.seats()[usize::from(i) % other.plan.len()].id
                        }
                    })
                    .collect();
                let Ok(list) = SeatList::new(ids.clone()) else {
                    // Empty, more than 10 or repeated: refused before any store.
                    return;
                };
                let (show, plan) = (here.id, here.plan.clone());
                let holder = usize::from(holder) % HOLDERS;
                let request =
                    HoldRequest::new(show, self.holders[holder], SeatSelection::Seats(list));
                match engine.hold(&request).await {
                    Ok(hold) => {
                        let mut got: Vec<SeatId> = hold.seats.iter().map(|s| s.seat).collect();
                        let mut asked = ids;
                        got.sort();
                        asked.sort();
                        assert_eq!(got, asked, "a hold took other seats than asked: {op:?}");
                        assert!(
                            got.iter().all(|s| plan.index_of(*s).is_some()),
                            "a hold took seats that are not the show's: {op:?}"
                        );
                        self.learn_hold(&hold, holder, show);
                    }
                    Err(error) => refused(&error, op),
                }
            }
            Op::HoldBest {
                show,
                holder,
                count,
                category,
                accessible,
            } => {
                let n = count % 13;
                let Ok(count) = SeatCount::new(u64::from(n)) else {
                    assert!(n == 0 || n > 10, "SeatCount refused {n}");
                    return;
                };
                let (show, plan) = (self.show(show).id, self.show(show).plan.clone());
                let holder = usize::from(holder) % HOLDERS;
                let filter = SeatFilter::default()
                    .with_category(category.code())
                    .with_accessible(accessible);
                let request = HoldRequest::new(
                    show,
                    self.holders[holder],
                    SeatSelection::BestAvailable {
                        count,
                        filter: filter.clone(),
                    },
                );
                match engine.hold(&request).await {
                    Ok(hold) => {
                        assert_eq!(hold.seats.len(), usize::from(n), "wrong seat count: {op:?}");
                        for seat in &hold.seats {
                            let index = plan
                                .index_of(seat.seat)
                                .expect("best available picks seats of the show");
                            if let Some(code) = &filter.category {
                                assert_eq!(&seat.category, code, "filter ignored: {op:?}");
                            }
                            assert!(
                                !accessible || plan.seat(index).flags.accessible,
                                "accessible filter ignored: {op:?}"
                            );
                        }
                        self.learn_hold(&hold, holder, show);
                    }
                    Err(error) => refused(&error, op),
                }
            }
            Op::Confirm {
                hold,
                who,
                approved,
            } => {
                let Some(known) = pick(&self.holds, hold) else {
                    return;
                };
                let (token, owner, hold_id, show) =
                    (known.token.clone(), known.holder, known.id, known.show);
                let by = who.resolve(owner);
                let card = CardNumber::parse(if approved {
                    test_cards::APPROVED
                } else {
                    test_cards::DECLINED
                })
                .expect("the test cards are valid card numbers");
                match engine.confirm(&token, self.holders[by], card).await {
                    Ok(booking) => {
                        assert_eq!(by, owner, "a holder confirmed another's hold: {op:?}");
                        assert_eq!(booking.hold, hold_id, "booking of another hold: {op:?}");
                        assert_eq!(booking.holder, self.holders[owner]);
                        assert_eq!(booking.show, show);
                        let known = self.bookings.iter().any(|b| b.id == booking.id);
                        if !known {
                            assert!(approved, "a declined card made a booking: {op:?}");
                            assert_eq!(booking.status, BookingStatus::Confirmed);
                            self.bookings.push(KnownBooking {
                                id: booking.id,
                                holder: owner,
                                show,
                            });
                        }
                    }
                    Err(error) => refused(&error, op),
                }
            }
            Op::Release { hold, who } => {
                let Some(known) = pick(&self.holds, hold) else {
                    return;
                };
                let by = who.resolve(known.holder);
                match engine.release(&known.token, self.holders[by]).await {
                    Ok(()) => assert_eq!(by, known.holder, "released another's hold: {op:?}"),
                    Err(error) => refused(&error, op),
                }
            }
            Op::CancelBooking { booking, who } => {
                let Some(known) = pick(&self.bookings, booking) else {
                    return;
                };
                let by = who.resolve(known.holder);
                match engine.cancel_booking(known.id, self.holders[by]).await {
                    Ok(cancelled) => {
                        assert_eq!(by, known.holder, "cancelled another's booking: {op:?}");
                        assert!(
                            matches!(cancelled.status, BookingStatus::Cancelled { .. }),
                            "cancel_booking returned {:?}",
                            cancelled.status
                        );
                    }
                    Err(error) => refused(&error, op),
                }
            }
            Op::JoinWaitlist {
                show,
                holder,
                count,
                category,
            } => {
                let n = count % 13;
                let Ok(count) = SeatCount::new(u64::from(n)) else {
                    return;
                };
                let show = self.show(show).id;
                let holder = usize::from(holder) % HOLDERS;
                let request = WaitRequest::new(show, self.holders[holder], count)
                    .with_category(category.code());
                match engine.join_waitlist(&request).await {
                    Ok(wait) => {
                        assert_eq!(
                            (wait.show, wait.holder, wait.count),
                            (show, self.holders[holder], count),
                            "a wait for something else: {op:?}"
                        );
                        self.waits.push(KnownWait {
                            id: wait.id,
                            holder,
                            show,
                        });
                    }
                    Err(error) => refused(&error, op),
                }
            }
            Op::LeaveWaitlist { wait, who } => {
                let Some(known) = pick(&self.waits, wait) else {
                    return;
                };
                let by = who.resolve(known.holder);
                match engine.cancel_wait(known.id, self.holders[by]).await {
                    Ok(()) => assert_eq!(by, known.holder, "cancelled another's wait: {op:?}"),
                    Err(error) => refused(&error, op),
                }
            }
            Op::Advance(step) => self.f.advance(step.duration()),
            Op::Sweep => {
                engine
                    .sweep()
                    .await
                    .expect("sweeping the memory store cannot fail");
            }
        }
    }

    /// Records a hold the run now knows of, checking it is what was made.
    fn learn_hold(&mut self, hold: &reservation_core::Hold, holder: usize, show: ShowId) {
        assert_eq!(hold.holder, self.holders[holder], "hold of another holder");
        assert_eq!(hold.show, show, "hold on another show");
        assert_eq!(hold.token.show(), show, "token names another show");
        assert_eq!(hold.state, HoldState::Active, "a new hold is active");
        assert!(
            !self
                .holds
                .iter()
                .any(|k| k.id == hold.id || k.token == hold.token),
            "a hold id or token was handed out twice"
        );
        self.holds.push(KnownHold {
            id: hold.id,
            token: hold.token.clone(),
            holder,
            show,
        });
    }

    /// Checks the invariants on both shows.
    async fn check(&mut self, after: &Op) {
        for show in 0..self.shows.len() {
            self.check_show(show, after).await;
        }
    }

    /// The invariants of one show (see the module docs).
    async fn check_show(&mut self, index: usize, after: &Op) {
        let engine = self.f.engine.clone();
        let show = self.shows[index].id;
        let max = usize::from(self.f.policy.max_seats_per_holder);

        // Waits: seats still waited for, and holds offered to waiters.
        let mut waiting = [0usize; HOLDERS];
        let mut offered = Vec::new();
        for wait in self.waits.iter().filter(|w| w.show == show) {
            let status = engine
                .wait_status(wait.id, self.holders[wait.holder])
                .await
                .expect("a waiter can always see its wait");
            match status {
                WaitStatus::Waiting { wait: w, .. } => waiting[wait.holder] += w.count.get(),
                WaitStatus::Offered { hold } => offered.push((hold, wait.holder)),
                WaitStatus::Ended { .. } => {}
                other => panic!("a wait state this checker does not know: {other:?}"),
            }
        }
        for (hold, holder) in offered {
            if !self.holds.iter().any(|k| k.token == hold.token) {
                self.learn_hold(&hold, holder, show);
            }
        }

        // Owners: live holds and confirmed bookings, each seat at most once.
        let mut owners: HashMap<SeatId, (usize, SeatStatus)> = HashMap::new();
        let mut claim = |seat: SeatId, holder: usize, status: SeatStatus| {
            if let Some(before) = owners.insert(seat, (holder, status)) {
                panic!(
                    "seat {seat} has two owners: {before:?} and {:?}, after {after:?}",
                    (holder, status)
                );
            }
        };
        let mut held = [0usize; HOLDERS];
        for known in self.holds.iter().filter(|k| k.show == show) {
            match engine
                .hold_status(&known.token, self.holders[known.holder])
                .await
            {
                Ok(hold) => {
                    assert_eq!(hold.id, known.id, "a token names another hold");
                    assert_eq!(hold.holder, self.holders[known.holder]);
                    match hold.state {
                        HoldState::Active => {
                            for seat in &hold.seats {
                                claim(seat.seat, known.holder, SeatStatus::Held);
                            }
                            held[known.holder] += hold.seats.len();
                        }
                        HoldState::Confirmed(booking) => assert!(
                            self.bookings.iter().any(|b| b.id == booking),
                            "a hold was confirmed into a booking nobody made: {after:?}"
                        ),
                        other => panic!("a hold state this checker does not know: {other:?}"),
                    }
                }
                Err(ReservationError::InvalidHoldToken | ReservationError::HoldExpired) => {}
                Err(error) => panic!("hold_status failed: {error:?}, after {after:?}"),
            }
        }
        for known in self.bookings.iter().filter(|b| b.show == show) {
            let booking = engine
                .booking(known.id, self.holders[known.holder])
                .await
                .expect("a holder can always see its booking");
            if booking.status == BookingStatus::Confirmed {
                for ticket in &booking.tickets {
                    claim(ticket.seat.seat, known.holder, SeatStatus::Booked);
                }
            }
        }

        // The seat map agrees with the owners, for everyone and for each holder.
        let map = engine
            .seat_map(show, None)
            .await
            .expect("the seat map of a fixture show");
        assert_eq!(map.seats.len(), self.shows[index].plan.len());
        let mut counts = Availability::default();
        for view in &map.seats {
            let expected = owners
                .get(&view.seat)
                .map_or(SeatStatus::Available, |(_, status)| *status);
            assert_eq!(
                view.status, expected,
                "seat {} is {:?} in the seat map but {expected:?} by its holds and bookings, after {after:?}",
                view.seat, view.status
            );
            assert!(!view.mine, "an anonymous seat map marks seats mine");
            match view.status {
                SeatStatus::Available => counts.available += 1,
                SeatStatus::Held => counts.held += 1,
                SeatStatus::Booked => counts.booked += 1,
                other => panic!("a seat state this checker does not know: {other:?}"),
            }
        }
        assert_eq!(map.counts, counts, "the seat map's counts do not add up");
        assert_eq!(
            owners.len() as u32,
            counts.held + counts.booked,
            "holds or bookings own seats that are not the show's"
        );
        let availability = engine.availability(show).await.expect("availability");
        assert_eq!(
            availability, counts,
            "availability disagrees with the seat map"
        );
        for (h, holder) in self.holders.iter().enumerate() {
            let mine = engine
                .seat_map(show, Some(*holder))
                .await
                .expect("the seat map of a fixture show");
            for (view, anonymous) in mine.seats.iter().zip(&map.seats) {
                assert_eq!(
                    view.status, anonymous.status,
                    "seat maps of one instant differ"
                );
                let owned = owners.get(&view.seat).is_some_and(|(o, _)| *o == h);
                assert_eq!(
                    view.mine, owned,
                    "seat {} mine={} for holder {h}",
                    view.seat, view.mine
                );
            }
        }

        // The per-holder limit.
        for h in 0..HOLDERS {
            assert!(
                held[h] <= max,
                "holder {h} holds {} seats (limit {max}), after {after:?}",
                held[h]
            );
            assert!(
                held[h] + waiting[h] <= max,
                "holder {h} holds {} and waits for {} seats (limit {max}), after {after:?}",
                held[h],
                waiting[h]
            );
        }

        // The event stream replays to the seat map.
        let watched = &mut self.shows[index];
        loop {
            match watched.events.next().now_or_never() {
                None => break,
                Some(Some(Ok(event))) => {
                    assert_eq!(event.show, show, "another show's event in the stream");
                    assert_eq!(
                        event.seq,
                        watched.last.next(),
                        "gap in the event stream, after {after:?}"
                    );
                    watched.last = event.seq;
                    replay(&mut watched.replay, &event);
                }
                Some(Some(Err(error))) => panic!("the event stream failed: {error:?}"),
                Some(None) => panic!("the event stream ended"),
            }
        }
        assert_eq!(
            map.seq, watched.last,
            "the seat map's sequence is not the last event's"
        );
        for view in &map.seats {
            assert_eq!(
                watched.replay.get(&view.seat),
                Some(&view.status),
                "replaying the events gives another status for seat {}, after {after:?}",
                view.seat
            );
        }
    }
}

/// Subscribes to `show`'s events from the start, with its (empty) seat map.
async fn watch(f: &Fixture<MemoryStore>, show: ShowId, plan: &Arc<SeatingPlan>) -> Watched {
    let map = f.engine.seat_map(show, None).await.expect("seat map");
    assert_eq!(map.seq, Sequence(0), "a new show has no events");
    let events = f
        .engine
        .subscribe(show, Sequence(0))
        .await
        .expect("subscribe from the start");
    Watched {
        id: show,
        plan: plan.clone(),
        events,
        last: Sequence(0),
        replay: map.seats.iter().map(|s| (s.seat, s.status)).collect(),
    }
}

/// Applies one event to a replayed seat map, checking every seat makes a
/// legal move of the seat lifecycle (free to held or back, held to booked,
/// booked to free).
fn replay(statuses: &mut HashMap<SeatId, SeatStatus>, event: &ShowEvent) {
    use SeatStatus::{Available, Booked, Held};
    let (seats, from, to) = match &event.change {
        Change::Held { seats, .. } | Change::Offered { seats, .. } => (seats, Available, Held),
        Change::Released { seats, .. } | Change::Expired { seats, .. } => (seats, Held, Available),
        Change::Booked { seats, .. } => (seats, Held, Booked),
        Change::Cancelled { seats, .. } => (seats, Booked, Available),
        Change::WaitJoined { .. } | Change::WaitEnded { .. } | Change::Line { .. } => return,
        other => panic!("an event the replay does not know: {other:?}"),
    };
    assert!(!seats.is_empty(), "an event moves no seats: {event:?}");
    for seat in seats {
        let status = statuses
            .get_mut(seat)
            .unwrap_or_else(|| panic!("event names seat {seat}, not the show's: {event:?}"));
        assert_eq!(*status, from, "illegal move of seat {seat}: {event:?}");
        *status = to;
    }
}

/// Panics unless `error` is a refusal (something the caller got wrong or
/// may not do now): with the memory store and these cards nothing can fail.
fn refused(error: &ReservationError, op: &Op) {
    assert!(
        error.is_refusal(),
        "the engine failed instead of refusing: {error:?} for {op:?}"
    );
}

/// The seat at `index` modulo the seat count plus 4; the last 4 name seats
/// that exist in no hall.
fn seat_at(plan: &SeatingPlan, index: u8) -> SeatId {
    let i = usize::from(index) % (plan.len() + 4);
    match plan.seats().get(i) {
        Some(seat) => seat.id,
        None => SeatId::from_name(&format!("engine-ops/nowhere/{i}")),
    }
}

/// Item `index` modulo the length, if any.
fn pick<T>(items: &[T], index: u8) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(index) % items.len()])
}

impl CategoryPick {
    /// The filter's category code.
    fn code(self) -> Option<CategoryCode> {
        let code = match self {
            CategoryPick::Any => return None,
            CategoryPick::Standard => "A",
            CategoryPick::Premium => "P",
            CategoryPick::Unknown => "Z",
        };
        Some(CategoryCode::parse(code).expect("a valid category code"))
    }
}

impl Who {
    /// The acting holder's number, given the owner's.
    fn resolve(self, owner: usize) -> usize {
        match self {
            Who::Owner => owner,
            Who::Holder(n) => usize::from(n) % HOLDERS,
        }
    }
}

impl Step {
    /// How far the clock moves.
    fn duration(self) -> Duration {
        match self {
            Step::Seconds(s) => Duration::seconds(i64::from(s)),
            Step::AroundExpiry(s) => Duration::seconds(295 + i64::from(s % 20)),
            Step::Minutes(m) => Duration::minutes(i64::from(m)),
        }
    }
}
