//! The on-sale waiting room (see [`crate::waiting_room`] for the policy).

use std::collections::BTreeSet;
use std::sync::Arc;

use time::Duration;

use super::fixture::{Fixture, card};
use crate::engine::Reservations;
use crate::error::ReservationError;
use crate::events::{Change, Sequence};
use crate::hold::{Hold, HoldRequest, SeatFilter, SeatSelection};
use crate::ids::{HolderId, ShowId};
use crate::limits::SeatCount;
use crate::payment::test_cards;
use crate::store::Store;
use crate::waiting_room::{
    AdmissionError, AdmissionSigner, Pace, RoomConfig, RoomError, RoomPhase, RoomStatus, Standing,
    WaitingRoom, WaitingRoomStore,
};
use crate::waitlist::WaitRequest;

/// A store that keeps waiting rooms too.
pub trait RoomStore: Store + WaitingRoomStore {}

impl<T: Store + WaitingRoomStore> RoomStore for T {}

/// The [`Fixture`] with a waiting room over the same store and clock, and
/// an engine gated by it.
pub struct RoomFixture<S> {
    /// The catalog, store and clock.
    pub f: Fixture<S>,
    /// The rooms.
    pub room: WaitingRoom,
    /// The engine, gated by `room`.
    pub engine: Reservations,
}

impl<S: RoomStore + 'static> RoomFixture<S> {
    /// Seeds `store` with the fixture catalog; no room is on yet.
    pub async fn seed(store: S) -> Self {
        let f = Fixture::seed(store).await;
        let rooms: Arc<dyn WaitingRoomStore> = f.store.clone();
        let room = WaitingRoom::new(rooms, Arc::new(f.clock.clone()), AdmissionSigner::random());
        let engine = f.engine.clone().with_waiting_room(room.clone());
        Self { f, room, engine }
    }

    /// Switches a room on for `show`: the lobby opens now, the sale after
    /// `sale_in`, admitting at `pace`.
    pub async fn open(&self, show: ShowId, sale_in: Duration, pace: Pace) -> RoomConfig {
        let now = self.f.now();
        let config = RoomConfig::new(now, now + sale_in, pace).expect("valid room");
        self.room.open(show, config).await.expect("open room");
        config
    }

    /// A new visitor joins `show`'s line.
    pub async fn join(&self, show: ShowId) -> (HolderId, RoomStatus) {
        let visitor = HolderId::random();
        let status = self.room.join(show, visitor).await.expect("join");
        (visitor, status)
    }

    /// Where `visitor` stands (a check-in).
    pub async fn status(&self, show: ShowId, visitor: HolderId) -> RoomStatus {
        self.room.status(show, visitor).await.expect("status")
    }

    /// Checks every visitor in, in order.
    pub async fn check_in(&self, show: ShowId, visitors: &[HolderId]) {
        for v in visitors {
            self.status(show, *v).await;
        }
    }

    /// Paces every room now.
    pub async fn pace(&self) -> u64 {
        self.room.pace().await.expect("pace")
    }

    /// `visitor`'s pass, if admitted.
    pub async fn pass(&self, show: ShowId, visitor: HolderId) -> Option<String> {
        self.status(show, visitor).await.admission.map(|a| a.token)
    }

    /// Holds the best `count` seats of `show` showing `pass`.
    pub async fn hold(
        &self,
        show: ShowId,
        visitor: HolderId,
        count: u64,
        pass: Option<&str>,
    ) -> Result<Hold, ReservationError> {
        let request = HoldRequest::new(
            show,
            visitor,
            SeatSelection::BestAvailable {
                count: SeatCount::new(count).expect("count"),
                filter: SeatFilter::default(),
            },
        );
        self.engine.hold_admitted(&request, pass).await
    }
}

fn position(status: &RoomStatus) -> Option<u64> {
    match status.place.standing {
        Standing::Queued { position, .. } => Some(position),
        _ => None,
    }
}

fn admitted(status: &RoomStatus) -> bool {
    matches!(status.place.standing, Standing::Admitted { .. })
}

fn per_minute(n: u32) -> Pace {
    Pace::new(None, Some(n)).expect("pace")
}

fn max_active(n: u32) -> Pace {
    Pace::new(Some(n), None).expect("pace")
}

/// Everyone in the lobby when the sale opens gets a place drawn at random:
/// the places are exactly 1..=n, and not the order they arrived in. Before
/// the draw nobody has a position, and nobody is admitted before the sale.
pub async fn the_lobby_draw_is_a_random_permutation<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let show = r.f.show;
    r.open(show, Duration::minutes(5), per_minute(120)).await;
    let mut visitors = Vec::new();
    for _ in 0..40 {
        let (v, status) = r.join(show).await;
        assert_eq!(status.place.standing, Standing::Lobby);
        assert_eq!(status.place.line.phase, RoomPhase::Lobby);
        visitors.push(v);
        r.f.advance(Duration::seconds(1));
    }
    assert_eq!(r.pace().await, 0, "nobody is admitted before the sale");
    assert_eq!(r.status(show, visitors[0]).await.place.line.waiting, 40);
    // Stay in the lobby (checking in) until the sale opens.
    for _ in 0..5 {
        r.f.advance(Duration::minutes(1));
        r.check_in(show, &visitors).await;
    }
    let mut places = Vec::new();
    for v in &visitors {
        places.push(position(&r.status(show, *v).await).expect("a place after the draw"));
    }
    let drawn: BTreeSet<u64> = places.iter().copied().collect();
    assert_eq!(
        drawn,
        (1..=40).collect(),
        "places are a permutation of 1..=40"
    );
    assert_ne!(places, (1..=40).collect::<Vec<_>>(), "not arrival order");
    // The first admitted are the first drawn, whatever their arrival.
    r.pace().await;
    for (v, place) in visitors.iter().zip(&places) {
        let status = r.status(show, *v).await;
        if *place <= 10 {
            assert!(admitted(&status), "place {place} is admitted first");
        } else {
            assert_eq!(position(&status), Some(place - 10));
        }
    }
}

/// After the draw, arrivals line up in arrival order behind the lobby, and
/// are admitted in that order: never a later arrival before an earlier one.
pub async fn after_the_draw_it_is_first_come_first_served<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let show = r.f.show;
    r.open(show, Duration::minutes(1), max_active(3)).await;
    let (early, _) = r.join(show).await;
    r.f.advance(Duration::minutes(1));
    let mut line = vec![early];
    for expected in 2..=10 {
        let (v, status) = r.join(show).await;
        assert_eq!(position(&status), Some(expected), "joined {expected}th");
        line.push(v);
    }
    let mut admitted_order = Vec::new();
    for _ in 0..4 {
        r.pace().await;
        for v in &line {
            if admitted(&r.status(show, *v).await) && !admitted_order.contains(v) {
                admitted_order.push(*v);
            }
        }
        // A shopper finishing lets the next one in.
        if let Some(first) = admitted_order.first() {
            r.room.leave(show, *first).await.expect("leave");
            line.retain(|v| v != first);
            admitted_order.remove(0);
        }
    }
    r.pace().await;
    let mut all_admitted = Vec::new();
    for v in &line {
        if admitted(&r.status(show, *v).await) {
            all_admitted.push(*v);
        }
    }
    assert_eq!(all_admitted.len(), 3, "at most 3 active: {all_admitted:?}");
    assert_eq!(all_admitted, line[..3], "admitted in arrival order");
    for (i, v) in line[3..].iter().enumerate() {
        assert_eq!(position(&r.status(show, *v).await), Some(i as u64 + 1));
    }
}

/// A rate of M a minute admits M a minute (after a burst of 5 seconds'
/// worth), and estimates say when: a range ahead of now.
pub async fn pacing_keeps_the_rate<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let show = r.f.show;
    r.open(show, Duration::seconds(1), per_minute(30)).await;
    r.f.advance(Duration::seconds(1));
    let mut visitors = Vec::new();
    for _ in 0..150 {
        visitors.push(r.join(show).await.0);
    }
    let last = *visitors.last().expect("visitors");
    let status = r.status(show, last).await;
    let eta = match status.place.standing {
        Standing::Queued { eta, .. } => eta.expect("a rate gives an estimate"),
        other => panic!("queued, not {other:?}"),
    };
    assert!(r.f.now() < eta.earliest && eta.earliest < eta.latest);
    let mut total = 0;
    for second in 1..=240 {
        total += r.pace().await;
        r.f.advance(Duration::seconds(1));
        if second % 60 == 0 {
            r.check_in(show, &visitors).await;
        }
    }
    // 4 minutes at 30 a minute, plus the burst of 2.
    assert!((118..=124).contains(&total), "admitted {total}");
    let line = r.status(show, last).await.place.line;
    assert_eq!(line.admitted, total);
    assert_eq!(line.active as u64, total, "admissions last 10 minutes");
}

/// At most N active shoppers: the room admits as shoppers finish (book or
/// leave), and never beyond one shopper per free seat.
pub async fn the_active_limit_admits_as_shoppers_finish<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let show = r.f.small_show;
    r.open(show, Duration::ZERO, max_active(2)).await;
    let mut line = Vec::new();
    for _ in 0..12 {
        line.push(r.join(show).await.0);
    }
    assert_eq!(r.pace().await, 2);
    assert_eq!(r.pace().await, 0, "the limit holds");
    let pass = r.pass(show, line[0]).await.expect("first admitted");
    let hold = r.hold(show, line[0], 4, Some(&pass)).await.expect("hold");
    r.engine
        .confirm(&hold.token, line[0], r.f.card())
        .await
        .expect("book");
    assert_eq!(
        r.status(show, line[0]).await.place.standing,
        Standing::Finished
    );
    assert_eq!(r.pace().await, 1, "the booking freed a slot");
    // 4 seats left, 2 shoppers: at most 2 more could use a seat each.
    r.room.leave(show, line[1]).await.expect("leave");
    assert_eq!(r.pace().await, 1);
    let line_view = r.status(show, line[2]).await.place.line;
    assert_eq!((line_view.active, line_view.seats_free), (2, 4));
    assert_eq!(line_view.admitted, 4);
}

/// One place per session: joining again returns it, however often.
pub async fn one_place_per_session<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let show = r.f.show;
    r.open(show, Duration::ZERO, max_active(1)).await;
    let (first, _) = r.join(show).await;
    let (me, status) = r.join(show).await;
    assert_eq!(position(&status), Some(2));
    for _ in 0..1000 {
        let again = r.room.join(show, me).await.expect("join again");
        assert_eq!(position(&again), Some(2));
    }
    assert_eq!(r.status(show, first).await.place.line.waiting, 2);
}

/// A visitor who stops checking in for the grace loses the place; one back
/// within it keeps it. A dropped visitor who joins again queues at the end.
pub async fn silent_visitors_lose_their_place<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let show = r.f.show;
    r.open(show, Duration::ZERO, max_active(1)).await;
    let (a, _) = r.join(show).await;
    let (b, _) = r.join(show).await;
    let (c, _) = r.join(show).await;
    let (d, _) = r.join(show).await;
    r.pace().await;
    assert!(admitted(&r.status(show, a).await));
    r.f.advance(Duration::seconds(90));
    r.check_in(show, &[b, d]).await;
    r.f.advance(Duration::seconds(60));
    r.pace().await;
    assert_eq!(r.status(show, c).await.place.standing, Standing::Dropped);
    assert_eq!(
        position(&r.status(show, b).await),
        Some(1),
        "b kept its place"
    );
    assert_eq!(
        position(&r.status(show, d).await),
        Some(2),
        "c is no longer ahead"
    );
    let back = r.room.join(show, c).await.expect("join again");
    assert_eq!(position(&back), Some(3), "back at the end");
}

/// Everyone sees the seats left. With every seat held, admission pauses and
/// the line keeps its order; with every seat booked, everyone is told it is
/// sold out at once; when seats come back, the line moves again. Each of
/// these is a line event on the show's stream.
pub async fn the_room_follows_the_inventory<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let show = r.f.small_show;
    r.open(show, Duration::ZERO, max_active(5)).await;
    let (buyer, _) = r.join(show).await;
    r.pace().await;
    let pass = r.pass(show, buyer).await.expect("admitted");
    let hold = r.hold(show, buyer, 8, Some(&pass)).await.expect("hold all");
    let (next, _) = r.join(show).await;
    assert_eq!(r.pace().await, 0, "nothing free, nobody admitted");
    let status = r.status(show, next).await;
    assert_eq!(status.place.line.phase, RoomPhase::AllHeld);
    assert_eq!(
        (status.place.line.seats_free, status.place.line.seats_held),
        (0, 8)
    );
    assert_eq!(position(&status), Some(1), "the line is kept");
    let booking = r
        .engine
        .confirm(&hold.token, buyer, r.f.card())
        .await
        .expect("book");
    r.pace().await;
    assert_eq!(
        r.status(show, next).await.place.line.phase,
        RoomPhase::SoldOut
    );
    r.engine
        .cancel_booking(booking.id, buyer)
        .await
        .expect("cancel");
    assert_eq!(r.pace().await, 1, "seats back: the line moves");
    let status = r.status(show, next).await;
    assert_eq!(status.place.line.phase, RoomPhase::Selling);
    assert!(admitted(&status));
    let phases: Vec<RoomPhase> =
        r.f.store
            .events_since(show, Sequence(0), 1000)
            .await
            .expect("events")
            .into_iter()
            .filter_map(|e| match e.change {
                Change::Line { line } => Some(line.phase),
                _ => None,
            })
            .collect();
    for phase in [RoomPhase::AllHeld, RoomPhase::SoldOut, RoomPhase::Selling] {
        assert!(phases.contains(&phase), "{phase:?} in {phases:?}");
    }
}

/// While a room is on, holding seats or waiting needs the pass the room
/// gave this session for this show, before it ends: none, garbage, a forged
/// or altered one, another session's or another show's, or an expired one
/// is refused. A failed payment does not cost the admission; switching the
/// room off opens the sale to everyone.
pub async fn holds_need_a_valid_pass<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let (show, other_show) = (r.f.show, r.f.small_show);
    r.open(show, Duration::ZERO, max_active(10)).await;
    r.open(other_show, Duration::ZERO, max_active(10)).await;
    let (me, _) = r.join(show).await;
    r.room.join(other_show, me).await.expect("join other");
    let (stranger, _) = r.join(show).await;
    let refused = |result: Result<Hold, ReservationError>| match result {
        Err(ReservationError::Admission(why)) => why,
        other => panic!("refused for admission, got {other:?}"),
    };
    assert_eq!(
        refused(r.hold(show, me, 2, None).await),
        AdmissionError::Required
    );
    r.pace().await;
    let pass = r.pass(show, me).await.expect("admitted");
    let other_pass = r.pass(other_show, me).await.expect("admitted");
    assert_eq!(
        refused(r.hold(show, me, 2, Some("SWA1.garbage")).await),
        AdmissionError::Malformed
    );
    let mut altered = pass.clone();
    altered.replace_range(10..11, if &pass[10..11] == "A" { "B" } else { "A" });
    assert!(r.hold(show, me, 2, Some(&altered)).await.is_err());
    assert_eq!(
        refused(r.hold(show, stranger, 2, Some(&pass)).await),
        AdmissionError::NotYours
    );
    assert_eq!(
        refused(r.hold(show, me, 2, Some(&other_pass)).await),
        AdmissionError::OtherShow
    );
    let wait = WaitRequest::new(show, stranger, SeatCount::ONE);
    assert!(matches!(
        r.engine.join_waitlist(&wait).await,
        Err(ReservationError::Admission(AdmissionError::Required))
    ));
    // A declined card keeps the admission and the pass.
    let hold = r.hold(show, me, 2, Some(&pass)).await.expect("hold");
    let declined = r
        .engine
        .confirm(&hold.token, me, card(test_cards::DECLINED))
        .await;
    assert!(matches!(
        declined,
        Err(ReservationError::PaymentDeclined(_))
    ));
    assert!(admitted(&r.status(show, me).await));
    r.hold(show, me, 1, Some(&pass))
        .await
        .expect("the pass still admits");
    // The admission ends with its window.
    r.f.advance(Duration::minutes(10));
    assert!(matches!(
        refused(r.hold(show, me, 1, Some(&pass)).await),
        AdmissionError::Expired(_)
    ));
    assert_eq!(
        r.status(show, me).await.place.standing,
        Standing::AdmissionEnded
    );
    r.room.close(show).await.expect("close");
    r.hold(show, stranger, 2, None)
        .await
        .expect("no room, no pass needed");
}

/// A visitor whose admission ran out before a booking joins again at the
/// end of the line; the old admission no longer counts as active.
pub async fn an_ended_admission_queues_anew<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let show = r.f.show;
    let config = r.open(show, Duration::ZERO, max_active(1)).await;
    let (me, _) = r.join(show).await;
    assert_eq!(r.pace().await, 1);
    let (other, _) = r.join(show).await;
    r.f.advance(config.admission_window());
    r.status(show, other).await;
    let again = r.room.join(show, me).await.expect("join again");
    assert_eq!(position(&again), Some(2), "behind who was waiting");
    assert_eq!(again.place.line.active, 0, "the old admission ended");
    assert_eq!(r.pace().await, 1);
    assert_eq!(position(&r.status(show, me).await), Some(1));
    assert!(admitted(&r.status(show, other).await));
}

/// What the room refuses, and that refusing changes nothing.
pub async fn bad_room_requests_are_refused<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let (show, no_room) = (r.f.show, r.f.small_show);
    let me = HolderId::random();
    let unknown = ShowId::random();
    assert_eq!(
        r.room.join(unknown, me).await.err(),
        Some(RoomError::UnknownShow(unknown))
    );
    assert_eq!(
        r.room.join(no_room, me).await.err(),
        Some(RoomError::NoRoom(no_room))
    );
    assert_eq!(r.room.room(no_room).await, Ok(None));
    let now = r.f.now();
    let later = RoomConfig::new(
        now + Duration::hours(1),
        now + Duration::hours(2),
        max_active(5),
    )
    .expect("room");
    r.room.open(show, later).await.expect("open");
    assert_eq!(r.room.room(show).await, Ok(Some(later)));
    assert_eq!(
        r.room.join(show, me).await.err(),
        Some(RoomError::LobbyNotOpen {
            opens_at: later.lobby_opens_at()
        })
    );
    assert_eq!(
        r.room.status(show, me).await.err(),
        Some(RoomError::NotInLine)
    );
    assert_eq!(
        r.room.leave(show, me).await.err(),
        Some(RoomError::NotInLine)
    );
    r.f.advance(Duration::days(2));
    assert!(matches!(
        r.room.open(show, later).await,
        Err(RoomError::SalesClosed { .. })
    ));
    assert_eq!(
        r.room.room(show).await,
        Ok(None),
        "off once the show started"
    );
}

/// The room follows the organizer: while sales are paused the line takes
/// joins and keeps its order but admits nobody; on resume it admits in
/// order; a moved show's room goes by the new start; a cancelled show's
/// room refuses joins, saying why, and closes.
pub async fn the_room_follows_the_show_sales<S: RoomStore + 'static>(store: S) {
    let r = RoomFixture::seed(store).await;
    let show = r.f.show;
    r.open(show, Duration::ZERO, max_active(2)).await;
    let (first, _) = r.join(show).await;
    r.f.engine.pause_sales(show).await.expect("pause");
    let (second, _) = r.join(show).await;
    let (third, status) = r.join(show).await;
    assert_eq!(position(&status), Some(3), "joins are taken while paused");
    assert_eq!(r.pace().await, 0, "nobody is admitted while paused");
    assert_eq!(position(&r.status(show, first).await), Some(1));
    r.f.engine.resume_sales(show).await.expect("resume");
    assert_eq!(r.pace().await, 2);
    assert!(admitted(&r.status(show, first).await));
    assert!(admitted(&r.status(show, second).await));
    assert_eq!(position(&r.status(show, third).await), Some(1));

    // The show starts in a day; moved to three days on, its room is open
    // past the first start.
    r.f.engine
        .reschedule(show, r.f.now() + Duration::days(3))
        .await
        .expect("move");
    r.f.advance(Duration::days(2));
    assert!(r.room.room(show).await.expect("room").is_some());
    let (_, status) = r.join(show).await;
    assert!(
        position(&status).is_some(),
        "joined after the first start: {status:?}"
    );

    let why = crate::CancelReason::parse("the band is ill").expect("reason");
    r.f.engine.cancel_show(show, &why).await.expect("cancel");
    assert!(matches!(
        r.room.join(show, HolderId::random()).await,
        Err(RoomError::SalesClosed {
            reason: crate::ClosedReason::Cancelled,
            ..
        })
    ));
    assert_eq!(r.room.room(show).await, Ok(None));
    r.pace().await;
    assert_eq!(
        r.room.status(show, third).await.err(),
        Some(RoomError::NoRoom(show)),
        "the room is closed"
    );
}
