//! Several app instances on one database: a subscriber on one instance sees
//! every change made through another, in order, and resumes from a sequence.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::time::Duration;

use futures_util::StreamExt;
use reservation_core::testkit::Fixture;
use reservation_core::{Change, HolderId, Policy, ReservationStore, Sequence};
use storage_postgres::PgStore;
use storage_postgres::testing::fresh_database;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_on_one_instance_sees_changes_made_through_another() {
    let url = fresh_database().await.unwrap();
    let (one, two) = (
        PgStore::connect(&url, Policy::default()).await.unwrap(),
        PgStore::connect(&url, Policy::default()).await.unwrap(),
    );
    let f = Fixture::seed(one).await;
    let mut live = two.subscribe(f.show, Sequence(0)).await.unwrap();
    let me = HolderId::random();
    let first = f.hold(f.show, me, &["C1", "C2"]).await.unwrap();
    let second = f.hold(f.show, me, &["C3"]).await.unwrap();
    f.engine.confirm(&first.token, me, f.card()).await.unwrap();
    f.engine.release(&second.token, me).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let event = tokio::time::timeout(Duration::from_secs(5), live.next())
            .await
            .expect("event within 5 s")
            .unwrap()
            .unwrap();
        seen.push(event);
    }
    let kinds: Vec<(u64, &str)> = seen
        .iter()
        .map(|e| {
            let kind = match e.change {
                Change::Held { .. } => "held",
                Change::Booked { .. } => "booked",
                Change::Released { .. } => "released",
                _ => "other",
            };
            (e.seq.0, kind)
        })
        .collect();
    assert_eq!(
        kinds,
        [(1, "held"), (2, "held"), (3, "booked"), (4, "released")]
    );
    // A reconnecting browser resumes after the last sequence it saw.
    let mut resumed = two.subscribe(f.show, Sequence(2)).await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(5), resumed.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(next.seq, Sequence(3));
}

/// Search on each instance answers from its own index: an instance built
/// its index before another added an event, and finds it once notified;
/// the instance that added it finds it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_added_through_one_instance_is_found_through_another() {
    use reservation_core::catalog::search::SearchQuery;
    use reservation_core::{Catalog, CatalogAdmin, EventId, ShowId};

    let url = fresh_database().await.unwrap();
    let (one, two) = (
        PgStore::connect(&url, Policy::default()).await.unwrap(),
        PgStore::connect(&url, Policy::default()).await.unwrap(),
    );
    let f = Fixture::seed(one.clone()).await;
    let query = |text: &str| SearchQuery {
        text: text.to_owned(),
        ..SearchQuery::default()
    };
    let existing = one.show(f.show).await.unwrap();
    let title = one.event(existing.event).await.unwrap().title;
    assert!(
        !two.search(&query(&title)).await.unwrap().hits.is_empty(),
        "built from the tables"
    );

    let mut event = one.event(existing.event).await.unwrap();
    event.id = EventId::random();
    event.title = "Zanzibar Nights".to_owned();
    one.add_event(event.clone()).await.unwrap();
    let mut show = existing.with_id(ShowId::random());
    show.event = event.id;
    one.add_show(show).await.unwrap();
    let found = |page: reservation_core::catalog::search::SearchPage| {
        page.hits.iter().any(|hit| hit.event.id == event.id)
    };
    assert!(found(one.search(&query("zanzibar")).await.unwrap()));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !found(two.search(&query("zanzibar")).await.unwrap()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "found through the other instance within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An instance decides holds by the show's locked row, not by the facts it
/// cached: a show moved, paused or cancelled through another instance is
/// sold (or not) accordingly at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_show_moved_or_cancelled_on_one_instance_binds_another_at_once() {
    use reservation_core::{CancelReason, Catalog, ClosedReason, ReservationError};

    let url = fresh_database().await.unwrap();
    let (one, two) = (
        PgStore::connect(&url, Policy::default()).await.unwrap(),
        PgStore::connect(&url, Policy::default()).await.unwrap(),
    );
    let f = Fixture::seed(one).await;
    let other = f.engine_with(
        std::sync::Arc::new(two),
        std::sync::Arc::new(f.gateway.clone()),
    );
    // The other instance caches the show's facts with its first start.
    let hold = |labels: &'static [&'static str]| {
        let request = reservation_core::HoldRequest::new(
            f.small_show,
            HolderId::random(),
            reservation_core::SeatSelection::Seats(
                reservation_core::SeatList::new(f.seats(f.small_show, labels)).unwrap(),
            ),
        );
        let other = other.clone();
        async move { other.hold(&request).await }
    };
    hold(&["A1"]).await.unwrap();
    let first_start = f.store.show(f.small_show).await.unwrap().starts_at;
    let moved_to = f.now() + time::Duration::hours(1);
    assert!(moved_to < first_start);
    f.engine.reschedule(f.small_show, moved_to).await.unwrap();
    f.clock.set(moved_to);
    assert!(matches!(
        hold(&["A2"]).await,
        Err(ReservationError::SalesClosed { reason: ClosedReason::Started, starts_at }) if starts_at == moved_to
    ));
    f.engine
        .reschedule(f.small_show, first_start)
        .await
        .unwrap();
    hold(&["A2"]).await.unwrap();
    f.engine.pause_sales(f.small_show).await.unwrap();
    assert!(matches!(
        hold(&["A3"]).await,
        Err(ReservationError::SalesClosed {
            reason: ClosedReason::Paused,
            ..
        })
    ));
    let reason = CancelReason::parse("double-booked venue").unwrap();
    f.engine.cancel_show(f.small_show, &reason).await.unwrap();
    assert!(matches!(
        hold(&["A3"]).await,
        Err(ReservationError::SalesClosed {
            reason: ClosedReason::Cancelled,
            ..
        })
    ));
}

/// Corrections made through one instance reach the other's search index
/// (built before them) within a second: a renamed event, performer and
/// venue are found by their new names and not their old ones, and the
/// events table's copy of the performer's name is renamed with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrections_through_one_instance_reach_search_on_another_within_a_second() {
    use reservation_core::catalog::Performer;
    use reservation_core::catalog::search::SearchQuery;
    use reservation_core::{Catalog, CatalogAdmin};

    let url = fresh_database().await.unwrap();
    let (one, two) = (
        PgStore::connect(&url, Policy::default()).await.unwrap(),
        PgStore::connect(&url, Policy::default()).await.unwrap(),
    );
    let f = Fixture::seed(one.clone()).await;
    let finds = |text: &'static str| {
        let two = two.clone();
        async move {
            let query = SearchQuery {
                text: text.to_owned(),
                ..SearchQuery::default()
            };
            !two.search(&query).await.unwrap().hits.is_empty()
        }
    };
    assert!(
        finds("endgame").await,
        "the other instance's index is built"
    );
    let finds = &finds;
    // Whether `new` is found and `old` is not, within a second.
    let follows = |new: &'static str, old: &'static str| async move {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
        while !finds(new).await || finds(old).await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{new} found and {old} not within a second"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };

    let mut event = one.event(f.event).await.unwrap();
    event.title = "Zorro Returns".into();
    event.description = "A masked hero rides again.".into();
    one.update_event(event).await.unwrap();
    follows("zorro", "endgame").await;

    one.update_performer(Performer::new("Tilda Swinton").with_id(f.performer))
        .await
        .unwrap();
    follows("swinton", "downey").await;
    let names: Vec<String> =
        sqlx::query_scalar("SELECT performer_names[1] FROM events WHERE id = $1")
            .bind(f.event.as_uuid())
            .fetch_all(one.pool())
            .await
            .unwrap();
    assert_eq!(names, ["Tilda Swinton"]);

    let mut venue = one.venue(f.venue).await.unwrap();
    venue.name = "Palace Theatre".into();
    one.update_venue(venue).await.unwrap();
    follows("palace", "grand").await;
}

/// Each instance keeps the seats it last mapped (by the show's sequence
/// number): a change through another instance shows on its next map.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seat_map_on_one_instance_shows_changes_made_through_another() {
    use reservation_core::SeatStatus;

    let url = fresh_database().await.unwrap();
    let (one, two) = (
        PgStore::connect(&url, Policy::default()).await.unwrap(),
        PgStore::connect(&url, Policy::default()).await.unwrap(),
    );
    let f = Fixture::seed(one).await;
    let status = |map: &reservation_core::SeatMap, seat: &str| {
        let seat = f.seats(f.show, &[seat])[0];
        map.seats.iter().find(|s| s.seat == seat).unwrap().status
    };
    let now = f.now();
    let before = two.seat_map(f.show, None, now).await.unwrap();
    assert_eq!(status(&before, "C1"), SeatStatus::Available);
    // Read twice unchanged: the second is served from the kept seats.
    let again = two.seat_map(f.show, None, now).await.unwrap();
    assert_eq!(
        (again.seq, status(&again, "C1")),
        (before.seq, SeatStatus::Available)
    );
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["C1", "C2"]).await.unwrap();
    let held = two.seat_map(f.show, Some(me), now).await.unwrap();
    assert_eq!(status(&held, "C1"), SeatStatus::Held);
    assert_eq!(held.seats.iter().filter(|s| s.mine).count(), 2);
    f.engine.confirm(&hold.token, me, f.card()).await.unwrap();
    let booked = two.seat_map(f.show, None, now).await.unwrap();
    assert_eq!(
        (
            status(&booked, "C1"),
            status(&booked, "C2"),
            booked.counts.booked
        ),
        (SeatStatus::Booked, SeatStatus::Booked, 2)
    );
}

/// Holds choose seats from the seats their instance kept (brought forward
/// by the show's events), so a seat taken without an event (a hand edit, a
/// restored backup) is one the copy has free. The hold must still never
/// take it: the write finds it taken, the copy is dropped, and the seats
/// are chosen again from the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_never_takes_a_seat_its_instance_wrongly_kept_as_free() {
    use reservation_core::{ReservationError, SeatFilter};

    let url = fresh_database().await.unwrap();
    let store = PgStore::connect(&url, Policy::default()).await.unwrap();
    let f = Fixture::seed(store).await;
    let first = HolderId::random();
    f.hold_best(f.show, first, 2, SeatFilter::default())
        .await
        .unwrap();
    // The instance now keeps the show's seats: all but two free.
    let owner = HolderId::random();
    let taken =
        sqlx::query("UPDATE seats SET status = 2, holder = $2 WHERE show_id = $1 AND status = 0")
            .bind(f.show.as_uuid())
            .bind(owner.as_uuid())
            .execute(f.store.pool())
            .await
            .unwrap()
            .rows_affected();
    assert!(taken > 0);
    let late = f
        .hold_best(f.show, HolderId::random(), 2, SeatFilter::default())
        .await;
    assert!(
        matches!(
            late,
            Err(ReservationError::NotEnoughSeats { available: 0, .. })
        ),
        "{late:?}"
    );
    let held: i64 =
        sqlx::query_scalar("SELECT count(*) FROM seats WHERE show_id = $1 AND status = 1")
            .bind(f.show.as_uuid())
            .fetch_one(f.store.pool())
            .await
            .unwrap();
    assert_eq!(held, 2, "only the first hold's seats are held");
}
