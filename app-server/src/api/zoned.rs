//! Shows with their start in the venue's local time: the API keeps the
//! RFC 3339 instant (`starts_at`) and adds the zone and the local start, so
//! a client shows "19:30" in Vienna without a zone database of its own.

use reservation_core::catalog::{EventSummary, Show, TimeZone};
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

/// An event with its next show, with that show's start by the listing's
/// clocks (a city's or a venue's).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ZonedSummary {
    #[serde(flatten)]
    summary: EventSummary,
    /// The IANA time zone of the city or venue listed.
    time_zone: TimeZone,
    /// `next_show` by those clocks, with their UTC offset then (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(example = "2026-12-12T19:30:00+01:00")]
    next_show_local: OffsetDateTime,
}

impl ZonedSummary {
    /// Each of `summaries`, read on the clocks of `zone`.
    pub(crate) fn all(summaries: Vec<EventSummary>, zone: &TimeZone) -> Vec<Self> {
        summaries
            .into_iter()
            .map(|summary| Self {
                next_show_local: zone.local(summary.next_show),
                time_zone: zone.clone(),
                summary,
            })
            .collect()
    }
}
