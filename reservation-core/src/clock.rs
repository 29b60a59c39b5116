//! Time as a port, so expiry can be tested without sleeping.

use std::sync::Arc;

use parking_lot::Mutex;
use time::{Duration, OffsetDateTime};

/// Tells the current time. [`SystemClock`] in production, [`ManualClock`]
/// in tests, so expiry is tested without sleeping.
///
/// ```
/// use reservation_core::{Clock, ManualClock};
/// use time::Duration;
///
/// let clock = ManualClock::fixed();
/// let start = clock.now();
/// clock.advance(Duration::minutes(5));
/// assert_eq!(clock.now() - start, Duration::minutes(5));
/// ```
pub trait Clock: Send + Sync {
    /// The current instant (UTC).
    fn now(&self) -> OffsetDateTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that moves only when told to. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<OffsetDateTime>>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// A clock stopped at a fixed, arbitrary instant (2030-01-01 12:00 UTC).
    pub fn fixed() -> Self {
        Self::new(time::macros::datetime!(2030-01-01 12:00 UTC))
    }

    /// Moves the clock forward (or back, for a negative `by`).
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock();
        *now += by;
    }

    /// Sets the time.
    pub fn set(&self, to: OffsetDateTime) {
        *self.0.lock() = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> OffsetDateTime {
        (**self).now()
    }
}
