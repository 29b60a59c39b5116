//! The organizer's operations on a show, each one transaction under the
//! show's lock: pausing and resuming sales, moving the start, cancelling.

use reservation_core::{CancelReason, Change, ReservationError, SalesState, ShowId};
use time::OffsetDateTime;

use crate::PgStore;
use crate::search::CatalogChange;
use crate::show_tx::in_micros;

pub(super) async fn pause(
    store: &PgStore,
    show: ShowId,
    now: OffsetDateTime,
) -> Result<SalesState, ReservationError> {
    store
        .retrying(|| async {
            let mut t = store.begin(show, now).await?;
            let outcome = async {
                t.check_not_cancelled()?;
                if t.sales.is_on_sale() {
                    t.set_sales(SalesState::Paused { since: t.now }).await?;
                    t.log(Change::SalesPaused);
                }
                Ok(t.sales.clone())
            }
            .await;
            t.finish(outcome).await
        })
        .await
}

pub(super) async fn resume(
    store: &PgStore,
    show: ShowId,
    now: OffsetDateTime,
) -> Result<SalesState, ReservationError> {
    store
        .retrying(|| async {
            let mut t = store.begin(show, now).await?;
            let outcome = async {
                t.check_not_cancelled()?;
                if !t.sales.is_on_sale() {
                    t.set_sales(SalesState::OnSale).await?;
                    t.log(Change::SalesResumed);
                    // The seats freed while paused go to the waiters first.
                    t.serve_waitlist().await?;
                }
                Ok(t.sales.clone())
            }
            .await;
            t.finish(outcome).await
        })
        .await
}

pub(super) async fn reschedule(
    store: &PgStore,
    show: ShowId,
    to: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), ReservationError> {
    let to = in_micros(to);
    let moved: Result<bool, ReservationError> = store
        .retrying(|| async {
            let mut t = store.begin(show, now).await?;
            let outcome = async {
                t.check_not_cancelled()?;
                if to <= t.now {
                    return Err(ReservationError::StartsInPast { starts_at: to }.into());
                }
                let from = t.starts_at;
                if from == to {
                    return Ok(false);
                }
                t.move_start(to).await?;
                t.log(Change::Rescheduled { from, to });
                Ok(true)
            }
            .await;
            t.finish(outcome).await
        })
        .await;
    if moved? {
        // This process's cached facts of the show have the old start (its
        // transactions go by the locked row's). Its search index re-reads
        // the show before its next search (a search right after finds it on
        // its new day); every other process's from the notification.
        store.forget_meta(show);
        store.catalog_changed(CatalogChange::Show(show));
    }
    Ok(())
}

pub(super) async fn cancel(
    store: &PgStore,
    show: ShowId,
    reason: &CancelReason,
    now: OffsetDateTime,
) -> Result<SalesState, ReservationError> {
    store
        .retrying(|| async {
            let mut t = store.begin(show, now).await?;
            let outcome = async {
                if let SalesState::Cancelled { .. } = t.sales {
                    return Ok(t.sales.clone());
                }
                let state = SalesState::Cancelled {
                    at: t.now,
                    reason: reason.clone(),
                };
                t.set_sales(state).await?;
                t.log(Change::ShowCancelled {
                    reason: reason.clone(),
                });
                t.end_all_for_cancel().await?;
                Ok(t.sales.clone())
            }
            .await;
            t.finish(outcome).await
        })
        .await
}
