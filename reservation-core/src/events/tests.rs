//! The wire format holds still: events stored by version 1 decode, and this
//! build writes version 1 exactly as it was stored.

use serde_json::Value;
use time::macros::datetime;

use super::wire::{FORMAT, decode_change};
use super::{Change, Sequence, ShowEvent, WaitEnd};
use crate::ids::{BookingId, HoldId, SeatId, ShowId, WaitId};
use crate::sales::CancelReason;
use crate::waiting_room::{LineView, RoomPhase};

/// Version 1 documents as this crate wrote them, one per kind of change.
const FORMAT_1: &str = include_str!("../../tests/fixtures/events/format-1.json");

/// What the fixtures hold, one event per kind of change (a new kind adds
/// its event here and its document to the fixtures).
fn expected() -> Vec<ShowEvent> {
    let show = ShowId::from_name("fixture show");
    let hold = HoldId::from_name("fixture hold");
    let booking = BookingId::from_name("fixture booking");
    let wait = WaitId::from_name("fixture wait");
    let seats = vec![SeatId::from_name("A-1"), SeatId::from_name("A-2")];
    let changes = [
        Change::Held {
            hold,
            seats: seats.clone(),
        },
        Change::Released {
            hold,
            seats: seats.clone(),
        },
        Change::Expired {
            hold,
            seats: seats.clone(),
        },
        Change::Booked {
            booking,
            hold,
            seats: seats.clone(),
        },
        Change::Cancelled {
            booking,
            seats: seats.clone(),
        },
        Change::WaitJoined { wait, count: 2 },
        Change::Offered {
            wait,
            hold,
            seats: seats.clone(),
        },
        Change::WaitEnded {
            wait,
            reason: WaitEnd::SoldOut,
        },
        Change::Line {
            line: LineView {
                phase: RoomPhase::Selling,
                sale_opens_at: datetime!(2026-12-06 20:00 UTC),
                waiting: 1200,
                active: 25,
                admitted: 310,
                seats_free: 1800,
                seats_held: 90,
            },
        },
        Change::SalesPaused,
        Change::SalesResumed,
        Change::Rescheduled {
            from: datetime!(2026-12-12 19:30 UTC),
            to: datetime!(2026-12-13 20:00 UTC),
        },
        Change::ShowCancelled {
            reason: CancelReason::parse("the lead is ill").expect("a reason"),
        },
        Change::Withdrawn {
            hold,
            seats: seats.clone(),
        },
        Change::WaitEnded {
            wait,
            reason: WaitEnd::ShowCancelled,
        },
    ];
    changes
        .into_iter()
        .zip(1..)
        .map(|(change, seq)| {
            ShowEvent::new(show, Sequence(seq), datetime!(2026-12-06 20:15 UTC), change)
        })
        .collect()
}

fn fixtures() -> Vec<Value> {
    match serde_json::from_str(FORMAT_1) {
        Ok(Value::Array(docs)) => docs,
        other => panic!("format-1.json is not an array of events: {other:?}"),
    }
}

#[test]
fn every_kind_of_change_has_a_format_1_fixture() {
    let kinds: Vec<&str> = expected().iter().map(|e| e.change.kind()).collect();
    let docs = fixtures();
    let stored: Vec<&str> = docs
        .iter()
        .map(|doc| doc["change"]["type"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(stored, kinds);
}

#[test]
fn events_stored_in_format_1_still_decode() {
    for (doc, want) in fixtures().into_iter().zip(expected()) {
        let got: ShowEvent = serde_json::from_value(doc.clone())
            .unwrap_or_else(|e| panic!("cannot read {doc}: {e}"));
        assert_eq!(got, want);
        // An outbox keeps the change and its version apart.
        let change = decode_change(1, doc["change"].clone())
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", doc["change"]));
        assert_eq!(change, want.change);
    }
}

#[test]
fn this_build_writes_format_1_as_it_was_stored() {
    assert_eq!(
        FORMAT, 1,
        "a new format keeps format-1.json and adds its own fixtures"
    );
    for (doc, event) in fixtures().into_iter().zip(expected()) {
        let written = serde_json::to_value(&event).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            written,
            doc,
            "the wire form of {} changed: that is a new format (see events::wire)",
            event.change.kind()
        );
    }
}

#[test]
fn events_from_before_versions_read_as_format_1() {
    for (mut doc, want) in fixtures().into_iter().zip(expected()) {
        if let Value::Object(fields) = &mut doc {
            fields.remove("v");
        }
        let got: ShowEvent = serde_json::from_value(doc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, want);
    }
}

#[test]
fn a_newer_or_unknown_format_is_refused_with_its_version() {
    let mut doc = fixtures().remove(0);
    for version in [0, FORMAT + 1] {
        doc["v"] = version.into();
        let refused = serde_json::from_value::<ShowEvent>(doc.clone())
            .expect_err("an unknown format must not decode");
        assert!(
            refused.to_string().contains(&format!("format {version} ")),
            "{refused}"
        );
        let refused = decode_change(version, doc["change"].clone())
            .expect_err("an unknown format must not decode");
        assert!(
            refused.to_string().contains(&format!("format {version} ")),
            "{refused}"
        );
    }
}
