//! How an organizer sets a room up: when the lobby and the sale open, how
//! fast shoppers are let in, how long an admission and a place last.

use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long an admission lasts to get a hold, by default.
pub const DEFAULT_ADMISSION_WINDOW: Duration = Duration::minutes(10);
/// How long a visitor may go without checking in before losing the place, by default.
pub const DEFAULT_GRACE: Duration = Duration::minutes(2);

/// A room setting that makes no sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoomConfigError {
    /// Neither a limit on active shoppers nor a rate was given.
    #[error(
        "a room paces admission: give at most N active shoppers, M admissions a minute, or both"
    )]
    NoPace,
    /// A pace of zero would admit nobody.
    #[error("a pace of 0 admits nobody")]
    ZeroPace,
    /// The lobby must open no later than the sale.
    #[error("the lobby must open no later than the sale")]
    LobbyAfterSale,
    /// Admission windows and grace periods must be between a minute and a day.
    #[error("{what} must be between 1 minute and 24 hours")]
    OutOfRange {
        /// Which setting.
        what: &'static str,
    },
}

/// How admission is paced. At least one of the two limits is set.
///
/// - `max_active`: at most N admitted shoppers at once. A shopper stops
///   counting when they book, leave, or their admission window ends, so this
///   is the adaptive mode: the room admits as fast as shoppers finish.
/// - `per_minute`: at most M new admissions a minute (a steady rate with a
///   burst of 5 seconds' worth).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PaceFields", into = "PaceFields")]
pub struct Pace {
    max_active: Option<NonZeroU32>,
    per_minute: Option<NonZeroU32>,
}

/// The wire form of [`Pace`], checked on the way in.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Pace))]
struct PaceFields {
    /// At most this many admitted shoppers at once (the adaptive mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    max_active: Option<u32>,
    /// At most this many admissions a minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    per_minute: Option<u32>,
}

impl TryFrom<PaceFields> for Pace {
    type Error = RoomConfigError;
    fn try_from(fields: PaceFields) -> Result<Self, Self::Error> {
        Pace::new(fields.max_active, fields.per_minute)
    }
}

impl From<Pace> for PaceFields {
    fn from(pace: Pace) -> Self {
        Self {
            max_active: pace.max_active(),
            per_minute: pace.per_minute(),
        }
    }
}

impl Pace {
    /// A pace with at most `max_active` shoppers at once and/or at most
    /// `per_minute` admissions a minute.
    pub fn new(max_active: Option<u32>, per_minute: Option<u32>) -> Result<Self, RoomConfigError> {
        let nonzero = |n: Option<u32>| match n {
            None => Ok(None),
            Some(n) => NonZeroU32::new(n)
                .map(Some)
                .ok_or(RoomConfigError::ZeroPace),
        };
        let pace = Self {
            max_active: nonzero(max_active)?,
            per_minute: nonzero(per_minute)?,
        };
        if pace.max_active.is_none() && pace.per_minute.is_none() {
            return Err(RoomConfigError::NoPace);
        }
        Ok(pace)
    }

    /// At most this many admitted shoppers at once.
    pub fn max_active(&self) -> Option<u32> {
        self.max_active.map(NonZeroU32::get)
    }

    /// At most this many admissions a minute.
    pub fn per_minute(&self) -> Option<u32> {
        self.per_minute.map(NonZeroU32::get)
    }
}

/// A show's waiting room as its organizer switched it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ConfigFields", into = "ConfigFields")]
pub struct RoomConfig {
    lobby_opens_at: OffsetDateTime,
    sale_opens_at: OffsetDateTime,
    pace: Pace,
    admission_window: Duration,
    grace: Duration,
}

/// The wire form of [`RoomConfig`], checked on the way in.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = RoomConfig))]
struct ConfigFields {
    /// When visitors can start joining (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    lobby_opens_at: OffsetDateTime,
    /// When the lobby's places are drawn and admission starts (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    sale_opens_at: OffsetDateTime,
    /// How admission is paced.
    pace: Pace,
    /// Seconds an admission lasts to get a hold (60 to 86,400; default 600).
    #[serde(default = "default_window_secs")]
    admission_window_secs: u32,
    /// Seconds a visitor keeps the place without checking in (60 to 86,400;
    /// default 120).
    #[serde(default = "default_grace_secs")]
    grace_secs: u32,
}

/// The schemas of the checked types are those of their wire forms.
#[cfg(feature = "openapi")]
mod schemas {
    use super::*;
    use utoipa::openapi::{RefOr, schema::Schema};

    impl utoipa::PartialSchema for Pace {
        fn schema() -> RefOr<Schema> {
            <PaceFields as utoipa::PartialSchema>::schema()
        }
    }
    impl utoipa::ToSchema for Pace {}

    impl utoipa::PartialSchema for RoomConfig {
        fn schema() -> RefOr<Schema> {
            <ConfigFields as utoipa::PartialSchema>::schema()
        }
    }
    impl utoipa::ToSchema for RoomConfig {
        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            schemas.push(("Pace".into(), <Pace as utoipa::PartialSchema>::schema()));
        }
    }
}

fn default_window_secs() -> u32 {
    DEFAULT_ADMISSION_WINDOW.whole_seconds() as u32
}

fn default_grace_secs() -> u32 {
    DEFAULT_GRACE.whole_seconds() as u32
}

impl TryFrom<ConfigFields> for RoomConfig {
    type Error = RoomConfigError;
    fn try_from(f: ConfigFields) -> Result<Self, Self::Error> {
        RoomConfig::new(f.lobby_opens_at, f.sale_opens_at, f.pace)?
            .with_admission_window(Duration::seconds(f.admission_window_secs.into()))?
            .with_grace(Duration::seconds(f.grace_secs.into()))
    }
}

impl From<RoomConfig> for ConfigFields {
    fn from(c: RoomConfig) -> Self {
        Self {
            lobby_opens_at: c.lobby_opens_at,
            sale_opens_at: c.sale_opens_at,
            pace: c.pace,
            admission_window_secs: c.admission_window.whole_seconds() as u32,
            grace_secs: c.grace.whole_seconds() as u32,
        }
    }
}

fn in_range(what: &'static str, d: Duration) -> Result<Duration, RoomConfigError> {
    if (Duration::MINUTE..=Duration::DAY).contains(&d) {
        Ok(d)
    } else {
        Err(RoomConfigError::OutOfRange { what })
    }
}

impl RoomConfig {
    /// A room whose lobby opens at `lobby_opens_at` and whose sale opens at
    /// `sale_opens_at`, admitting at `pace`, with the default admission
    /// window (10 minutes) and grace (2 minutes).
    pub fn new(
        lobby_opens_at: OffsetDateTime,
        sale_opens_at: OffsetDateTime,
        pace: Pace,
    ) -> Result<Self, RoomConfigError> {
        if lobby_opens_at > sale_opens_at {
            return Err(RoomConfigError::LobbyAfterSale);
        }
        Ok(Self {
            lobby_opens_at,
            sale_opens_at,
            pace,
            admission_window: DEFAULT_ADMISSION_WINDOW,
            grace: DEFAULT_GRACE,
        })
    }

    /// The same room with admissions lasting `window` (1 minute to 24 hours)
    /// to get a hold.
    pub fn with_admission_window(mut self, window: Duration) -> Result<Self, RoomConfigError> {
        self.admission_window = in_range("the admission window", window)?;
        Ok(self)
    }

    /// The same room keeping a silent visitor's place for `grace` (1 minute
    /// to 24 hours).
    pub fn with_grace(mut self, grace: Duration) -> Result<Self, RoomConfigError> {
        self.grace = in_range("the grace period", grace)?;
        Ok(self)
    }

    /// When visitors can start joining.
    pub fn lobby_opens_at(&self) -> OffsetDateTime {
        self.lobby_opens_at
    }

    /// When the lobby's places are drawn and admission starts.
    pub fn sale_opens_at(&self) -> OffsetDateTime {
        self.sale_opens_at
    }

    /// How admission is paced.
    pub fn pace(&self) -> Pace {
        self.pace
    }

    /// How long an admission lasts to get a hold.
    pub fn admission_window(&self) -> Duration {
        self.admission_window
    }

    /// How long a visitor keeps the place without checking in.
    pub fn grace(&self) -> Duration {
        self.grace
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_pace_needs_a_nonzero_limit() {
        assert_eq!(Pace::new(None, None), Err(RoomConfigError::NoPace));
        assert_eq!(Pace::new(Some(0), None), Err(RoomConfigError::ZeroPace));
        assert_eq!(Pace::new(None, Some(0)), Err(RoomConfigError::ZeroPace));
        let pace = Pace::new(Some(50), None).unwrap();
        assert_eq!((pace.max_active(), pace.per_minute()), (Some(50), None));
    }

    #[test]
    fn the_lobby_opens_first_and_windows_are_bounded() {
        let (early, late) = (
            datetime!(2030-01-01 9:00 UTC),
            datetime!(2030-01-01 10:00 UTC),
        );
        let pace = Pace::new(None, Some(100)).unwrap();
        assert_eq!(
            RoomConfig::new(late, early, pace),
            Err(RoomConfigError::LobbyAfterSale)
        );
        let room = RoomConfig::new(early, late, pace).unwrap();
        assert_eq!(room.admission_window(), Duration::minutes(10));
        assert_eq!(room.grace(), Duration::minutes(2));
        assert!(room.with_grace(Duration::seconds(5)).is_err());
        assert!(room.with_admission_window(Duration::days(2)).is_err());
    }

    #[test]
    fn serde_checks_what_it_reads() {
        let json = r#"{"lobby_opens_at":"2030-01-01T09:00:00Z","sale_opens_at":"2030-01-01T10:00:00Z","pace":{"per_minute":120}}"#;
        let room: RoomConfig = serde_json::from_str(json).unwrap();
        assert_eq!(room.pace().per_minute(), Some(120));
        assert_eq!(room.admission_window(), DEFAULT_ADMISSION_WINDOW);
        let back: RoomConfig =
            serde_json::from_str(&serde_json::to_string(&room).unwrap()).unwrap();
        assert_eq!(back, room);
        let no_pace = r#"{"lobby_opens_at":"2030-01-01T09:00:00Z","sale_opens_at":"2030-01-01T10:00:00Z","pace":{}}"#;
        assert!(serde_json::from_str::<RoomConfig>(no_pace).is_err());
    }
}
