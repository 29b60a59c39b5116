//! More time on a hold: once by default, never by re-holding, and only for
//! the holder's own live hold.

use time::Duration;

use super::fixture::Fixture;
use crate::error::ReservationError;
use crate::ids::HolderId;
use crate::limits::SeatCount;
use crate::sales::{CancelReason, ClosedReason};
use crate::store::Store;
use crate::waitlist::{WaitRequest, WaitStatus};

/// Extending moves the expiry by the policy's step and uses the one
/// extension; a second one, another holder's token and re-holding the
/// seats change nothing; the seats stay held until the new expiry and are
/// freed then.
pub async fn extending_a_hold_once_moves_its_expiry<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let hold = f.hold(f.show, me, &["E1", "E2"]).await.expect("hold");
    assert_eq!(hold.extensions_left, f.policy.hold_extensions);
    f.advance(Duration::minutes(4));
    let longer = f.engine.extend_hold(&hold.token, me).await.expect("extend");
    let new_expiry = hold.expires_at + f.policy.hold_extension;
    assert_eq!(longer.expires_at, new_expiry);
    assert_eq!(longer.extensions_left, 0);
    assert_eq!(longer.seats, hold.seats, "the hold keeps its seats");

    assert!(matches!(
        f.engine.extend_hold(&hold.token, me).await,
        Err(ReservationError::NoExtensionsLeft)
    ));
    assert!(matches!(
        f.engine.extend_hold(&hold.token, HolderId::random()).await,
        Err(ReservationError::InvalidHoldToken)
    ));
    assert!(matches!(
        f.hold(f.show, me, &["E1", "E2"]).await,
        Err(ReservationError::SeatsTaken(_))
    ));
    let status = f.engine.hold_status(&hold.token, me).await.expect("hold");
    assert_eq!((status.expires_at, status.extensions_left), (new_expiry, 0));

    // Past the old deadline the seats are still held...
    f.clock
        .set(hold.expires_at + f.policy.grace + Duration::seconds(1));
    assert!(f.engine.hold_status(&hold.token, me).await.is_ok());
    assert_eq!(f.engine.availability(f.show).await.expect("counts").held, 2);
    // ...and at the new one they are free.
    f.clock.set(new_expiry + f.policy.grace);
    assert!(matches!(
        f.engine.hold_status(&hold.token, me).await,
        Err(ReservationError::HoldExpired)
    ));
    assert_eq!(f.engine.availability(f.show).await.expect("counts").held, 0);
}

/// Expired, paid and withdrawn holds cannot be extended, each refused with
/// its own reason.
pub async fn only_a_live_hold_can_be_extended<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let expiring = f.hold(f.show, me, &["F1"]).await.expect("hold");
    let paid = f.hold(f.show, me, &["F2"]).await.expect("hold");
    let booking = f
        .engine
        .confirm(&paid.token, me, f.card())
        .await
        .expect("book");
    assert!(matches!(
        f.engine.extend_hold(&paid.token, me).await,
        Err(ReservationError::HoldConfirmed(id)) if id == booking.id
    ));
    f.clock.set(expiring.expires_at + f.policy.grace);
    assert!(matches!(
        f.engine.extend_hold(&expiring.token, me).await,
        Err(ReservationError::HoldExpired)
    ));

    let withdrawn = f.hold(f.small_show, me, &["A1"]).await.expect("hold");
    let reason = CancelReason::parse("the lead is ill").expect("a reason");
    f.engine
        .cancel_show(f.small_show, &reason)
        .await
        .expect("cancel");
    assert!(matches!(
        f.engine.extend_hold(&withdrawn.token, me).await,
        Err(ReservationError::SalesClosed {
            reason: ClosedReason::Cancelled,
            ..
        })
    ));
}

/// A waiter's estimate follows an extended hold's new deadline.
pub async fn extension_moves_the_waitlist_estimate<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let me = HolderId::random();
    let seats = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"];
    let hold = f.hold(f.small_show, me, &seats).await.expect("hold");
    let waiter = HolderId::random();
    let request = WaitRequest::new(f.small_show, waiter, SeatCount::ONE);
    let wait = f.engine.join_waitlist(&request).await.expect("wait");
    let estimate = async || match f.engine.wait_status(wait.id, waiter).await {
        Ok(WaitStatus::Waiting {
            estimated_offer_at, ..
        }) => estimated_offer_at,
        other => panic!("waiting, not {other:?}"),
    };
    assert_eq!(estimate().await, Some(hold.expires_at + f.policy.grace));
    let longer = f.engine.extend_hold(&hold.token, me).await.expect("extend");
    assert_eq!(estimate().await, Some(longer.expires_at + f.policy.grace));
}
