//! The wire format of show events: one versioned form for what an HTTP API
//! streams, what a store keeps in its outbox and what an OpenAPI document
//! describes.
//!
//! A [`ShowEvent`] travels as
//!
//! ```json
//! {"v": 1, "show": "…", "seq": 7, "at": "2026-12-06T20:15:00Z",
//!  "change": {"type": "held", "hold": "…", "seats": ["…"]}}
//! ```
//!
//! `v` is the version of the `change` document, [`FORMAT`]. A store that
//! keeps changes on their own (the PostgreSQL outbox keeps `change` beside
//! its sequence) keeps the version with each and reads it back through
//! [`decode_change`]. Events written before versions existed carry no `v`:
//! they are version 1.
//!
//! Stored events outlive the code that wrote them. Renaming or reshaping a
//! [`Change`] variant is therefore a new version: bump [`FORMAT`], freeze
//! the old document shape beside this module and teach [`decode_change`] to
//! read it. The fixtures in `tests/fixtures/events/` hold version 1 as it
//! was written and fail the build when that form changes.
//!
//! ```
//! use reservation_core::events::wire;
//! use reservation_core::{Change, HoldId, SeatId, Sequence, ShowEvent, ShowId};
//!
//! let event = ShowEvent::new(
//!     ShowId::random(),
//!     Sequence(7),
//!     time::macros::datetime!(2026-12-06 20:15 UTC),
//!     Change::Held { hold: HoldId::random(), seats: vec![SeatId::random()] },
//! );
//! let json = serde_json::to_value(&event)?;
//! assert_eq!(json["v"], wire::FORMAT);
//! assert_eq!(json["change"]["type"], "held");
//! assert_eq!(serde_json::from_value::<ShowEvent>(json)?, event);
//!
//! // What an outbox row holds: the change and its version.
//! let stored = serde_json::to_value(&event.change)?;
//! assert_eq!(wire::decode_change(1, stored)?, event.change);
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use super::{Change, Sequence, ShowEvent};
use crate::ids::ShowId;

/// The version of the `change` documents this build writes.
pub const FORMAT: u16 = 1;

/// The version of documents written before versions existed.
const UNVERSIONED: u16 = 1;

/// Reads a `change` document written in format `version`. Fails on a
/// version newer than [`FORMAT`] (written by a newer build) or unknown.
pub fn decode_change<'de, D: Deserializer<'de>>(version: u16, doc: D) -> Result<Change, D::Error> {
    match version {
        1 => Change::deserialize(doc),
        other => Err(unknown_format(other)),
    }
}

fn unknown_format<E: serde::de::Error>(version: u16) -> E {
    E::custom(format_args!(
        "show event format {version} is unknown to this build, which reads 1 to {FORMAT}"
    ))
}

/// The envelope as written: borrowed, so streaming an event to many
/// subscribers copies nothing.
#[derive(Serialize)]
struct Outgoing<'a> {
    v: u16,
    show: ShowId,
    seq: Sequence,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    change: &'a Change,
}

impl Serialize for ShowEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Outgoing {
            v: FORMAT,
            show: self.show,
            seq: self.seq,
            at: self.at,
            change: &self.change,
        }
        .serialize(serializer)
    }
}

/// The envelope as read. Version 1 is the only format so far, so `change`
/// is read as one; a second format reads it by `v` through
/// [`decode_change`].
#[derive(Deserialize)]
struct Incoming {
    #[serde(default = "unversioned")]
    v: u16,
    show: ShowId,
    seq: Sequence,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    change: Change,
}

const fn unversioned() -> u16 {
    UNVERSIONED
}

impl<'de> Deserialize<'de> for ShowEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let doc = Incoming::deserialize(deserializer)?;
        if !(1..=FORMAT).contains(&doc.v) {
            return Err(unknown_format(doc.v));
        }
        Ok(ShowEvent::new(doc.show, doc.seq, doc.at, doc.change))
    }
}

#[cfg(feature = "openapi")]
mod schema {
    use std::borrow::Cow;

    use utoipa::openapi::{RefOr, schema::Schema};
    use utoipa::{PartialSchema, ToSchema};

    use super::{Change, Sequence, ShowEvent, ShowId};

    /// One numbered change of one show, in the versioned wire format.
    #[derive(ToSchema)]
    #[schema(as = ShowEvent)]
    #[allow(dead_code, reason = "describes the wire form; never built")]
    struct Document {
        /// The version of the `change` document (1 so far; a missing `v`
        /// means 1).
        #[schema(minimum = 1, example = 1)]
        v: u16,
        /// The show.
        show: ShowId,
        /// Its position in the show's stream.
        seq: Sequence,
        /// When it happened (RFC 3339).
        #[schema(value_type = String, format = DateTime)]
        at: time::OffsetDateTime,
        /// What happened.
        change: Change,
    }

    impl PartialSchema for ShowEvent {
        fn schema() -> RefOr<Schema> {
            Document::schema()
        }
    }

    impl ToSchema for ShowEvent {
        fn name() -> Cow<'static, str> {
            Document::name()
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            Document::schemas(schemas);
        }
    }
}
