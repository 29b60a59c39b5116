//! Pacing: how many visitors the room may admit at an instant, and the
//! admission rate it has observed (for honest waiting-time estimates).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::config::Pace;

/// Seconds of the per-minute rate a room may admit at once after a quiet
/// spell (so an empty line does not bank admissions for a stampede).
const BURST_SECONDS: f64 = 5.0;

/// Admission credit: accrues at the pace's per-minute rate, up to a burst of
/// 5 seconds' worth, and is spent by admitting. A store keeps one per
/// room (the PostgreSQL store in the room's row).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pacer {
    /// Admissions that may be made, as of `as_of`.
    pub credit: f64,
    /// When `credit` was last brought up to date.
    pub as_of: OffsetDateTime,
}

/// What limits admission at an instant, besides the pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    /// Admitted shoppers whose admission is still running.
    pub active: u32,
    /// Seats free right now.
    pub free_seats: u32,
}

impl Pacer {
    /// A pacer starting at `at` with a full burst.
    pub fn new(pace: Pace, at: OffsetDateTime) -> Self {
        Self {
            credit: burst(pace),
            as_of: at,
        }
    }

    /// The credit at `now` (never less than it was; time going backwards
    /// adds nothing).
    fn credit_at(&self, pace: Pace, now: OffsetDateTime) -> f64 {
        let Some(per_minute) = pace.per_minute() else {
            return f64::INFINITY;
        };
        let elapsed = (now - self.as_of).max(Duration::ZERO).as_seconds_f64();
        (self.credit + elapsed * f64::from(per_minute) / 60.0).min(burst(pace))
    }

    /// How many visitors may be admitted at `now`: what the rate allows, no
    /// more than the active-shopper limit leaves room for, and no more than
    /// there are free seats beyond one for each active shopper (admitting
    /// someone to a sale with nothing left to pick only wastes their turn).
    pub fn allowance(&self, pace: Pace, now: OffsetDateTime, occupancy: Occupancy) -> u32 {
        let by_rate = self.credit_at(pace, now).floor().min(f64::from(u32::MAX)) as u32;
        let by_active = pace
            .max_active()
            .map_or(u32::MAX, |max| max.saturating_sub(occupancy.active));
        let by_seats = occupancy.free_seats.saturating_sub(occupancy.active);
        by_rate.min(by_active).min(by_seats)
    }

    /// Records `admitted` admissions made at `now`.
    pub fn spend(&mut self, pace: Pace, now: OffsetDateTime, admitted: u32) {
        let credit = self.credit_at(pace, now);
        self.credit = if credit.is_finite() {
            (credit - f64::from(admitted)).max(0.0)
        } else {
            0.0
        };
        self.as_of = now.max(self.as_of);
    }
}

fn burst(pace: Pace) -> f64 {
    pace.per_minute().map_or(f64::INFINITY, |m| {
        (f64::from(m) * BURST_SECONDS / 60.0).max(1.0)
    })
}

/// How fast a room has been admitting, smoothed over about a minute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ObservedRate {
    /// Admissions a minute, as of `as_of`; `None` before any admission.
    pub per_minute: Option<f64>,
    /// When it was last updated.
    pub as_of: OffsetDateTime,
}

/// The smoothing time constant: older admissions fade with it.
const RATE_MEMORY: f64 = 60.0;

impl ObservedRate {
    /// Nothing observed yet, as of `at`.
    pub fn new(at: OffsetDateTime) -> Self {
        Self {
            per_minute: None,
            as_of: at,
        }
    }

    /// Records `admitted` admissions in the time since the last record.
    /// Quiet spells while people queue pull the rate down, as they should.
    pub fn record(&mut self, now: OffsetDateTime, admitted: u32) {
        let elapsed = (now - self.as_of).as_seconds_f64();
        if elapsed <= 0.0 {
            // Same instant: fold the admissions into the next interval.
            if admitted > 0 {
                self.per_minute = Some(self.per_minute.unwrap_or(0.0));
            }
            return;
        }
        let instant = f64::from(admitted) * 60.0 / elapsed;
        let keep = (-elapsed / RATE_MEMORY).exp();
        self.per_minute = match self.per_minute {
            None if admitted == 0 => None,
            None => Some(instant),
            Some(rate) => Some(rate * keep + instant * (1.0 - keep)),
        };
        self.as_of = now;
    }
}

/// When a queued visitor can expect to be admitted: a range, since rates
/// vary. `earliest` is at or after the instant it was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EtaRange {
    /// Not before this, at the fastest rate seen lately.
    #[serde(with = "time::serde::rfc3339")]
    pub earliest: OffsetDateTime,
    /// Most likely by this, at the slowest.
    #[serde(with = "time::serde::rfc3339")]
    pub latest: OffsetDateTime,
}

impl EtaRange {
    /// The estimate for someone with `ahead` people before them at `now`,
    /// from the observed rate, or the configured one before any admission.
    /// `None` when neither is known (a room paced only by active shoppers,
    /// before its first admission). The range is the time at the rate's
    /// +25% and -25%: rates move as shoppers finish, and a range that holds
    /// beats a figure that jumps.
    pub fn estimate(
        ahead: u64,
        now: OffsetDateTime,
        observed: &ObservedRate,
        pace: Pace,
    ) -> Option<EtaRange> {
        let rate = observed
            .per_minute
            .filter(|r| *r > 0.01)
            .or(pace.per_minute().map(f64::from))?;
        let minutes = (ahead as f64 + 1.0) / rate;
        let at = |factor: f64| {
            let secs = (minutes * 60.0 * factor).min(366.0 * 86_400.0);
            now + Duration::seconds_f64(secs)
        };
        Some(EtaRange {
            earliest: at(1.0 / 1.25),
            latest: at(1.0 / 0.75),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2030-01-01 10:00 UTC);
    const OPEN: Occupancy = Occupancy {
        active: 0,
        free_seats: 1000,
    };

    #[test]
    fn a_rate_admits_its_pace_over_time_after_a_small_burst() {
        let pace = Pace::new(None, Some(120)).unwrap();
        let mut pacer = Pacer::new(pace, T0);
        let mut admitted = 0;
        for second in 0..=600 {
            let now = T0 + Duration::seconds(second);
            let n = pacer.allowance(pace, now, OPEN);
            pacer.spend(pace, now, n);
            admitted += n;
        }
        // 10 minutes at 120/min, plus the 10-admission burst at the start.
        assert_eq!(admitted, 1200 + 10);
    }

    #[test]
    fn quiet_spells_bank_no_more_than_the_burst() {
        let pace = Pace::new(None, Some(60)).unwrap();
        let pacer = Pacer::new(pace, T0);
        assert_eq!(pacer.allowance(pace, T0 + Duration::hours(1), OPEN), 5);
    }

    #[test]
    fn active_shoppers_and_free_seats_cap_admission() {
        let pace = Pace::new(Some(10), None).unwrap();
        let pacer = Pacer::new(pace, T0);
        let occupancy = |active, free_seats| Occupancy { active, free_seats };
        assert_eq!(pacer.allowance(pace, T0, occupancy(0, 100)), 10);
        assert_eq!(pacer.allowance(pace, T0, occupancy(7, 100)), 3);
        assert_eq!(pacer.allowance(pace, T0, occupancy(12, 100)), 0);
        assert_eq!(pacer.allowance(pace, T0, occupancy(2, 4)), 2);
        assert_eq!(pacer.allowance(pace, T0, occupancy(0, 0)), 0);
    }

    #[test]
    fn the_observed_rate_follows_admissions_and_fades_in_silence() {
        let mut rate = ObservedRate::new(T0);
        rate.record(T0 + Duration::seconds(1), 0);
        assert_eq!(rate.per_minute, None);
        for s in 2..=120 {
            rate.record(T0 + Duration::seconds(s), 2);
        }
        let steady = rate.per_minute.unwrap();
        assert!((100.0..=125.0).contains(&steady), "{steady}");
        rate.record(T0 + Duration::seconds(180), 0);
        assert!(rate.per_minute.unwrap() < steady / 2.0);
    }

    #[test]
    fn the_estimate_is_a_range_around_people_ahead_over_rate() {
        let pace = Pace::new(None, Some(100)).unwrap();
        let eta = EtaRange::estimate(99, T0, &ObservedRate::new(T0), pace).unwrap();
        assert_eq!(eta.earliest, T0 + Duration::seconds(48));
        assert_eq!(eta.latest, T0 + Duration::seconds(80));
        let adaptive = Pace::new(Some(50), None).unwrap();
        assert_eq!(
            EtaRange::estimate(9, T0, &ObservedRate::new(T0), adaptive),
            None
        );
    }
}
