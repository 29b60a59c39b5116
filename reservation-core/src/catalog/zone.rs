//! IANA time zones: where a city's and a venue's local time comes from.
//!
//! The zone rules are jiff's copy of the IANA database, compiled into the
//! binary, so local times are the same on every machine whatever its
//! `/usr/share/zoneinfo` holds. Instants stay [`time::OffsetDateTime`]; only
//! the offset in force at an instant, its abbreviation and the instants of
//! local midnights come from the rules.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::error::InputError;

/// Longest name kept in [`InputError::UnknownTimeZone`].
const MAX_NAME_IN_ERROR: usize = 64;

/// An IANA time zone such as `Europe/Vienna`: only names in the zone
/// database parse, so every value has rules. Names are kept as the database
/// spells them (`europe/vienna` parses as `Europe/Vienna`).
///
/// ```
/// use reservation_core::catalog::TimeZone;
/// use time::macros::datetime;
///
/// let vienna = TimeZone::parse("Europe/Vienna")?;
/// let start = datetime!(2026-12-12 18:30 UTC);
/// assert_eq!(vienna.local(start), datetime!(2026-12-12 19:30 +01:00));
/// assert_eq!(vienna.abbreviation(start), "CET");
/// assert!(TimeZone::parse("Europe/Atlantis").is_err());
/// # Ok::<(), reservation_core::InputError>(())
/// ```
#[derive(Clone)]
pub struct TimeZone {
    /// The canonical name (the rules do not compare, their names do).
    name: smol_str::SmolStr,
    rules: jiff::tz::TimeZone,
}

impl TimeZone {
    /// Looks `name` up in the zone database.
    ///
    /// # Errors
    ///
    /// [`InputError::UnknownTimeZone`] when the database has no such zone.
    pub fn parse(name: &str) -> Result<Self, InputError> {
        let unknown =
            || InputError::UnknownTimeZone(name.chars().take(MAX_NAME_IN_ERROR).collect());
        let rules = jiff::tz::db().get(name).map_err(|_| unknown())?;
        let canonical = rules.iana_name().ok_or_else(unknown)?;
        Ok(Self {
            name: canonical.into(),
            rules,
        })
    }

    /// Coordinated Universal Time, the zone of a city or venue built without
    /// one.
    pub fn utc() -> Self {
        Self {
            name: "UTC".into(),
            rules: jiff::tz::TimeZone::UTC,
        }
    }

    /// The IANA name, such as `Europe/Vienna`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The offset in force at `at`. Outside the years the rules cover
    /// (about ±9999) it is UTC's.
    pub fn offset_at(&self, at: OffsetDateTime) -> UtcOffset {
        let Some(instant) = timestamp(at) else {
            return UtcOffset::UTC;
        };
        UtcOffset::from_whole_seconds(self.rules.to_offset(instant).seconds())
            .unwrap_or(UtcOffset::UTC)
    }

    /// The instant `at` as the wall clock here shows it: the same instant,
    /// at this zone's offset then.
    pub fn local(&self, at: OffsetDateTime) -> OffsetDateTime {
        at.to_offset(self.offset_at(at))
    }

    /// The calendar day here at `at`.
    pub fn date_of(&self, at: OffsetDateTime) -> Date {
        self.local(at).date()
    }

    /// The abbreviation in use at `at`, such as `CET` or `CEST`; zones
    /// without one have the offset (`+04`).
    pub fn abbreviation(&self, at: OffsetDateTime) -> String {
        match timestamp(at) {
            Some(instant) => self.rules.to_offset_info(instant).abbreviation().to_owned(),
            None => "UTC".to_owned(),
        }
    }

    /// The first instant of `date` here: local midnight, or the first
    /// moment after it when a clock change skips midnight.
    pub fn start_of_day(&self, date: Date) -> OffsetDateTime {
        self.at_local(date.midnight())
    }

    /// The instant when the wall clock here shows `local`. A time that a
    /// clock change skips is read with the offset before the change (so it
    /// lands as far after the change as it was after the gap's start), and
    /// a time that happens twice is the earlier one: both as the IANA rules'
    /// "compatible" choice, what a person means by it. Outside the years the
    /// rules cover (about ±9999) `local` is read as UTC.
    ///
    /// ```
    /// use reservation_core::catalog::TimeZone;
    /// use time::macros::datetime;
    ///
    /// let vienna = TimeZone::parse("Europe/Vienna")?;
    /// assert_eq!(vienna.at_local(datetime!(2027-07-01 19:30)), datetime!(2027-07-01 17:30 UTC));
    /// // 02:30 on 28 March 2027 does not happen in Vienna: it reads as 03:30.
    /// assert_eq!(vienna.at_local(datetime!(2027-03-28 02:30)), datetime!(2027-03-28 01:30 UTC));
    /// # Ok::<(), reservation_core::InputError>(())
    /// ```
    pub fn at_local(&self, local: PrimitiveDateTime) -> OffsetDateTime {
        civil(local)
            .and_then(|civil| civil.to_zoned_datetime(self.rules.clone()).ok())
            .and_then(|zoned| {
                OffsetDateTime::from_unix_timestamp(zoned.timestamp().as_second()).ok()
            })
            .unwrap_or_else(|| local.assume_utc())
    }
}

/// `local` as jiff's civil date and time (to the second: the seconds' fraction is dropped); `None` outside its range.
fn civil(local: PrimitiveDateTime) -> Option<jiff::civil::DateTime> {
    let date = local.date();
    let time = local.time();
    jiff::civil::DateTime::new(
        i16::try_from(date.year()).ok()?,
        i8::try_from(u8::from(date.month())).ok()?,
        i8::try_from(date.day()).ok()?,
        i8::try_from(time.hour()).ok()?,
        i8::try_from(time.minute()).ok()?,
        i8::try_from(time.second()).ok()?,
        0,
    )
    .ok()
}

/// `at` on jiff's time line, to the second (offsets change on whole
/// seconds); `None` outside its range.
fn timestamp(at: OffsetDateTime) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_second(at.unix_timestamp()).ok()
}

impl Default for TimeZone {
    fn default() -> Self {
        Self::utc()
    }
}

impl PartialEq for TimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for TimeZone {}

impl std::hash::Hash for TimeZone {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TimeZone").field(&self.name).finish()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl std::str::FromStr for TimeZone {
    type Err = InputError;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::parse(name)
    }
}

impl Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for TimeZone {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An IANA time zone name."))
            .examples(["Europe/Vienna"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for TimeZone {}

#[cfg(test)]
mod tests;
