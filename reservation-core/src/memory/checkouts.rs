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
        });
    }

    pub(super) fn settle(&mut self, hold: HoldId) {
        self.open.remove(&hold);
    }

    /// Claims up to `limit` unclaimed attempts whose hold `is_live` (can
    /// still be booked, or was) says is not.
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
            .filter(|(_, open)| !is_live(&open.secret))
            .take(limit);
        claimable
            .map(|(&hold, open)| {
                open.claimed_until = Some(now + PAYMENT_CLAIM);
                PaymentAttempt::new(show, hold, open.free_at)
            })
            .collect()
    }
}
