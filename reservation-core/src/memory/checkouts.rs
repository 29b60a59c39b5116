//! One show's payments in flight: the holds whose checkout began and whose
//! payment is not settled yet. Kept apart from the holds because a released
//! hold's record is dropped, and its payment must outlive it.

use time::OffsetDateTime;

use crate::fast_map::FastMap;
use crate::ids::{HoldId, ShowId};
use crate::store::{PAYMENT_CLAIM, PaymentAttempt};

type Secret = [u8; 32];

struct Open {
    /// The hold's token secret: how the show finds the hold's record.
    secret: Secret,
    free_at: OffsetDateTime,
    claimed_until: Option<OffsetDateTime>,
    /// Owed a refund whatever its hold says: its booking was cancelled
    /// with the show.
    owed: bool,
}

#[derive(Default)]
pub(super) struct Checkouts {
    open: FastMap<HoldId, Open>,
}

impl Checkouts {
    /// Payment for `hold` is starting; a repeat keeps the first record.
    pub(super) fn begin(&mut self, hold: HoldId, secret: Secret, free_at: OffsetDateTime) {
        self.open.entry(hold).or_insert(Open {
            secret,
            free_at,
            claimed_until: None,
            owed: false,
        });
    }

    /// `hold` was extended: a payment in flight for it may finish until
    /// the new `free_at`.
    pub(super) fn extend(&mut self, hold: HoldId, free_at: OffsetDateTime) {
        if let Some(open) = self.open.get_mut(&hold).filter(|open| !open.owed) {
            open.free_at = free_at;
        }
    }

    /// The booked payment for `hold` is owed a refund (its show was
    /// cancelled): the booking had settled the attempt, so it is opened
    /// again, as of `at`, for the sweeper's refund pass.
    pub(super) fn owe(&mut self, hold: HoldId, secret: Secret, at: OffsetDateTime) {
        self.open.insert(
            hold,
            Open {
                secret,
                free_at: at,
                claimed_until: None,
                owed: true,
            },
        );
    }

    pub(super) fn settle(&mut self, hold: HoldId) {
        self.open.remove(&hold);
    }

    /// Claims up to `limit` unclaimed attempts owed a refund or whose hold
    /// `is_live` (can still be booked, or was) says is not.
    pub(super) fn claim_abandoned(
        &mut self,
        show: ShowId,
        now: OffsetDateTime,
        limit: usize,
        is_live: impl Fn(&Secret) -> bool,
    ) -> Vec<PaymentAttempt> {
        let claimable = self
            .open
            .iter_mut()
            .filter(|(_, open)| open.claimed_until.is_none_or(|until| until <= now))
            .filter(|(_, open)| open.owed || !is_live(&open.secret))
            .take(limit);
        claimable
            .map(|(&hold, open)| {
                open.claimed_until = Some(now + PAYMENT_CLAIM);
                PaymentAttempt::new(show, hold, open.free_at)
            })
            .collect()
    }
}
