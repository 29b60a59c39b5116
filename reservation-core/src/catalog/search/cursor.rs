//! Cursors: a hit's place in the result order, encoded opaquely (see
//! "Pagination" in the [parent module](super)).

use std::cmp::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Cursor, SearchError, SearchSort};
use crate::ids::EventId;

/// The position of a hit in the result order (what a cursor encodes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SortKey {
    pub(super) score: f32,
    pub(super) start_ns: i128,
    pub(super) id: EventId,
}

/// Cursor layout: version, sort, score bits, start nanos, event id, checksum.
pub(super) const CURSOR_VERSION: u8 = 1;
pub(super) const CURSOR_PAYLOAD: usize = 1 + 1 + 4 + 16 + 16;
pub(super) const CURSOR_BYTES: usize = CURSOR_PAYLOAD + 4;

impl SortKey {
    /// Start of the hit's first passing show.
    pub fn first_show(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(self.start_ns)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The hit's event.
    pub fn event(&self) -> EventId {
        self.id
    }

    /// Orders keys as `sort` lists them.
    pub(super) fn cmp_in(&self, other: &Self, sort: SearchSort) -> Ordering {
        let by_time = self
            .start_ns
            .cmp(&other.start_ns)
            .then_with(|| self.id.cmp(&other.id));
        match sort {
            SearchSort::Relevance => other.score.total_cmp(&self.score).then(by_time),
            SearchSort::StartTime => by_time,
        }
    }

    pub(super) fn encode(&self, sort: SearchSort) -> Cursor {
        let score = match sort {
            SearchSort::Relevance => self.score,
            SearchSort::StartTime => 0.0,
        };
        let mut bytes = Vec::with_capacity(CURSOR_BYTES);
        bytes.push(CURSOR_VERSION);
        bytes.push(sort_tag(sort));
        bytes.extend_from_slice(&score.to_bits().to_be_bytes());
        bytes.extend_from_slice(&self.start_ns.to_be_bytes());
        bytes.extend_from_slice(self.id.as_uuid().as_bytes());
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum.to_be_bytes());
        Cursor(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub(super) fn decode(cursor: &Cursor, sort: SearchSort) -> Result<Self, SearchError> {
        const INVALID: SearchError = SearchError::InvalidCursor;
        // 4 base64 characters per 3 bytes, without padding.
        if cursor.0.len() != (CURSOR_BYTES * 4).div_ceil(3) {
            return Err(INVALID);
        }
        let bytes = URL_SAFE_NO_PAD.decode(&cursor.0).map_err(|_| INVALID)?;
        let bytes: [u8; CURSOR_BYTES] = bytes.try_into().map_err(|_| INVALID)?;
        let (payload, sum) = bytes.split_at(CURSOR_PAYLOAD);
        if checksum(payload).to_be_bytes() != sum {
            return Err(INVALID);
        }
        let [version, tag, rest @ ..] = bytes;
        if version != CURSOR_VERSION || tag != sort_tag(sort) {
            return Err(INVALID);
        }
        let (score, rest) = rest.split_at(4);
        let (start, rest) = rest.split_at(16);
        let (id, _) = rest.split_at(16);
        let score = f32::from_bits(u32::from_be_bytes(score.try_into().map_err(|_| INVALID)?));
        let start_ns = i128::from_be_bytes(start.try_into().map_err(|_| INVALID)?);
        let id = EventId::from_uuid(Uuid::from_bytes(id.try_into().map_err(|_| INVALID)?));
        let score_ok = match sort {
            SearchSort::Relevance => score.is_finite() && score >= 0.0,
            SearchSort::StartTime => score.to_bits() == 0,
        };
        if !score_ok || OffsetDateTime::from_unix_timestamp_nanos(start_ns).is_err() {
            return Err(INVALID);
        }
        Ok(Self {
            score,
            start_ns,
            id,
        })
    }
}

pub(super) fn sort_tag(sort: SearchSort) -> u8 {
    match sort {
        SearchSort::Relevance => 1,
        SearchSort::StartTime => 2,
    }
}

/// FNV-1a (32 bit): catches truncated and altered cursors.
pub(super) fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}
