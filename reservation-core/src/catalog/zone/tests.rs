use time::macros::{date, datetime};

use super::*;

fn vienna() -> TimeZone {
    TimeZone::parse("Europe/Vienna").expect("Vienna is in the database")
}

#[test]
fn parses_database_names_and_keeps_their_spelling() {
    assert_eq!(vienna().name(), "Europe/Vienna");
    assert_eq!(TimeZone::parse("europe/VIENNA"), Ok(vienna()));
    assert_eq!(
        TimeZone::parse("UTC").map(|z| z.to_string()),
        Ok("UTC".into())
    );
    assert_eq!(
        "Asia/Tokyo".parse::<TimeZone>().map(|z| z.to_string()),
        Ok("Asia/Tokyo".into())
    );
}

#[test]
fn refuses_names_not_in_the_database() {
    for name in [
        "",
        "Europe/Atlantis",
        "CET+1",
        "+01:00",
        "../../etc/passwd",
        "Vienna",
    ] {
        assert_eq!(
            TimeZone::parse(name),
            Err(InputError::UnknownTimeZone(name.to_owned())),
            "{name}"
        );
    }
    let long = "x".repeat(500);
    assert!(matches!(
        TimeZone::parse(&long),
        Err(InputError::UnknownTimeZone(kept)) if kept.len() == MAX_NAME_IN_ERROR
    ));
}

#[test]
fn serde_round_trips_and_refuses_unknown_names() {
    let json = serde_json::to_string(&vienna()).expect("serializes");
    assert_eq!(json, "\"Europe/Vienna\"");
    assert_eq!(serde_json::from_str::<TimeZone>(&json).ok(), Some(vienna()));
    assert!(serde_json::from_str::<TimeZone>("\"Mars/Olympus\"").is_err());
}

#[test]
fn local_time_follows_daylight_saving_in_vienna_2027() {
    let zone = vienna();
    // Clocks go forward at 01:00 UTC on 28 March 2027 and back at 01:00
    // UTC on 31 October 2027.
    let cases = [
        (
            datetime!(2027-03-28 00:59:59 UTC),
            datetime!(2027-03-28 01:59:59 +01:00),
            "CET",
        ),
        (
            datetime!(2027-03-28 01:00 UTC),
            datetime!(2027-03-28 03:00 +02:00),
            "CEST",
        ),
        (
            datetime!(2027-10-31 00:59:59 UTC),
            datetime!(2027-10-31 02:59:59 +02:00),
            "CEST",
        ),
        (
            datetime!(2027-10-31 01:00 UTC),
            datetime!(2027-10-31 02:00 +01:00),
            "CET",
        ),
    ];
    for (at, local, abbreviation) in cases {
        let shown = zone.local(at);
        assert_eq!(shown, at, "the same instant");
        assert_eq!(
            (shown.date(), shown.time(), shown.offset()),
            (local.date(), local.time(), local.offset())
        );
        assert_eq!(zone.abbreviation(at), abbreviation, "{at}");
    }
}

#[test]
fn days_start_at_local_midnight_and_change_length_with_the_clocks() {
    let zone = vienna();
    assert_eq!(
        zone.start_of_day(date!(2027 - 03 - 28)),
        datetime!(2027-03-27 23:00 UTC)
    );
    assert_eq!(
        zone.start_of_day(date!(2027 - 03 - 29)),
        datetime!(2027-03-28 22:00 UTC)
    );
    assert_eq!(
        zone.start_of_day(date!(2027 - 10 - 31)),
        datetime!(2027-10-30 22:00 UTC)
    );
    assert_eq!(
        zone.start_of_day(date!(2027 - 11 - 01)),
        datetime!(2027-10-31 23:00 UTC)
    );
    assert_eq!(
        zone.date_of(datetime!(2027-10-31 22:59 UTC)),
        date!(2027 - 10 - 31)
    );
    assert_eq!(
        zone.date_of(datetime!(2027-10-31 23:00 UTC)),
        date!(2027 - 11 - 01)
    );
}

#[test]
fn a_day_whose_midnight_is_skipped_starts_when_the_clock_resumes() {
    // Chile moves its clocks from 00:00 to 01:00 on 6 September 2026.
    let santiago = TimeZone::parse("America/Santiago").expect("Santiago is in the database");
    let start = santiago.start_of_day(date!(2026 - 09 - 06));
    assert_eq!(start, datetime!(2026-09-06 04:00 UTC));
    assert_eq!(santiago.local(start).time(), time::macros::time!(01:00));
    assert_eq!(
        santiago.date_of(start - time::Duration::SECOND),
        date!(2026 - 09 - 05)
    );
}

#[test]
fn utc_is_the_default() {
    let utc = TimeZone::default();
    assert_eq!(utc.name(), "UTC");
    let at = datetime!(2027-07-01 12:00 UTC);
    assert_eq!(utc.offset_at(at), UtcOffset::UTC);
    assert_eq!(utc.abbreviation(at), "UTC");
}
