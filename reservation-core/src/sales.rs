//! A show's sales state: on sale, paused by the organizer, or cancelled.
//!
//! The state lives with the show's seats in the store and is decided under
//! the same lock as every hold, so a hold either happens before a pause or
//! cancellation or is refused after it. While sales are paused, new holds
//! and waits are refused, holds already made may still be paid until they
//! expire (the buyer was promised those minutes), and waits keep their place
//! but are not served: seats freed meanwhile stay free until sales resume.
//! A cancelled show sells nothing again: see
//! [`ReservationStore::cancel_show`](crate::ReservationStore::cancel_show).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::InputError;

/// Whether a show sells seats now.
///
/// ```
/// use reservation_core::{CancelReason, SalesState};
///
/// let cancelled = SalesState::Cancelled {
///     at: time::macros::datetime!(2026-12-06 18:00 UTC),
///     reason: CancelReason::parse("the lead is ill")?,
/// };
/// assert!(!cancelled.is_on_sale());
/// assert!(SalesState::OnSale.is_on_sale());
/// # Ok::<(), reservation_core::InputError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "state")]
#[non_exhaustive]
pub enum SalesState {
    /// Seats are sold (until the show starts).
    #[default]
    OnSale,
    /// The organizer paused sales.
    Paused {
        /// Since when.
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        since: OffsetDateTime,
    },
    /// The show was cancelled; it sells nothing again.
    Cancelled {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: OffsetDateTime,
        /// The organizer's reason, as buyers are told.
        reason: CancelReason,
    },
}

impl SalesState {
    /// Whether new holds and waits are taken (the show's start aside).
    pub fn is_on_sale(&self) -> bool {
        matches!(self, SalesState::OnSale)
    }

    /// Why sales are closed, if the state closes them.
    pub(crate) fn closed_reason(&self) -> Option<ClosedReason> {
        match self {
            SalesState::OnSale => None,
            SalesState::Paused { .. } => Some(ClosedReason::Paused),
            SalesState::Cancelled { .. } => Some(ClosedReason::Cancelled),
        }
    }
}

/// Why [`ReservationError::SalesClosed`](crate::ReservationError::SalesClosed)
/// refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClosedReason {
    /// The show has started.
    Started,
    /// The organizer paused sales; they may resume.
    Paused,
    /// The show was cancelled.
    Cancelled,
}

impl std::fmt::Display for ClosedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClosedReason::Started => "the show has started",
            ClosedReason::Paused => "sales are paused",
            ClosedReason::Cancelled => "the show was cancelled",
        })
    }
}

/// The longest [`CancelReason`], in characters.
pub const MAX_CANCEL_REASON: usize = 200;

/// Why an organizer cancelled a show: 1 to [`MAX_CANCEL_REASON`]
/// characters, not blank, trimmed.
///
/// ```
/// use reservation_core::{CancelReason, InputError};
///
/// assert_eq!(CancelReason::parse("  storm warning ")?.as_str(), "storm warning");
/// assert!(matches!(CancelReason::parse("   "), Err(InputError::InvalidCancelReason(_))));
/// # Ok::<(), InputError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct CancelReason(String);

impl CancelReason {
    /// Parses a reason; refuses blank or over-long text.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.chars().count() > MAX_CANCEL_REASON {
            let shown: String = trimmed.chars().take(40).collect();
            return Err(InputError::InvalidCancelReason(shown));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CancelReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CancelReason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}
