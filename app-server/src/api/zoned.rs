//! Shows with their start in the venue's local time: the API keeps the
//! RFC 3339 instant (`starts_at`) and adds the zone and the local start, so
//! a client shows "19:30" in Vienna without a zone database of its own.

use reservation_core::catalog::{Show, TimeZone};
use serde::Serialize;
use time::OffsetDateTime;

/// A show, with when it starts by its venue's clocks.
#[derive(Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct ZonedShow {
    #[serde(flatten)]
    show: Show,
    /// The venue's IANA time zone.
    time_zone: TimeZone,
    /// `starts_at` as the venue's clocks show it, with their UTC offset at
    /// that instant (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(example = "2026-12-12T19:30:00+01:00")]
    starts_at_local: OffsetDateTime,
}

impl ZonedShow {
    /// `show`, at a venue in `zone`.
    pub(crate) fn new(show: Show, zone: &TimeZone) -> Self {
        Self {
            starts_at_local: zone.local(show.starts_at),
            time_zone: zone.clone(),
            show,
        }
    }
}
