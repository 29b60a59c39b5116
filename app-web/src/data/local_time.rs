//! Times as a visitor reads them: on the venue's (or city's) clocks, with
//! the zone's abbreviation ("Sat 12 Dec, 19:30 CET"). Formatted on the
//! server, so the browser's bundle carries no zone database and pages
//! arrive with the strings already in them.

use reservation_core::catalog::TimeZone;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// "Sat 12 Dec, 19:30 CET": a start in a list.
pub(super) fn short(at: OffsetDateTime, zone: &TimeZone) -> String {
    zoned(
        at,
        zone,
        format_description!(
            "[weekday repr:short] [day padding:none] [month repr:short], [hour]:[minute]"
        ),
    )
}

/// "Saturday 12 December, 19:30 CET": a show's own page.
pub(super) fn long(at: OffsetDateTime, zone: &TimeZone) -> String {
    zoned(
        at,
        zone,
        format_description!(
            "[weekday repr:long] [day padding:none] [month repr:long], [hour]:[minute]"
        ),
    )
}

/// "19:30 CET": a time under a day's heading.
pub(super) fn clock(at: OffsetDateTime, zone: &TimeZone) -> String {
    zoned(at, zone, format_description!("[hour]:[minute]"))
}

/// "19:30:05 CET": a sale's opening, to the second.
pub(super) fn clock_seconds(at: OffsetDateTime, zone: &TimeZone) -> String {
    zoned(at, zone, format_description!("[hour]:[minute]:[second]"))
}

/// "Sat 12 Dec": the heading of a local day.
pub(super) fn day(date: time::Date) -> String {
    let heading = format_description!("[weekday repr:short] [day padding:none] [month repr:short]");
    date.format(heading).unwrap_or_default()
}

/// `at` on `zone`'s clocks in `format`, then the zone's abbreviation then
/// (which tells CET from CEST around a clock change).
fn zoned(at: OffsetDateTime, zone: &TimeZone, format: &[BorrowedFormatItem<'_>]) -> String {
    // The formats name only date and clock fields, which every local time
    // has: formatting cannot fail, and an empty string would only hide it.
    let local = zone.local(at).format(format).unwrap_or_default();
    format!("{local} {}", zone.abbreviation(at))
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    fn vienna() -> TimeZone {
        TimeZone::parse("Europe/Vienna").expect("a database zone")
    }

    #[test]
    fn a_start_reads_on_the_venue_clock_with_its_zone() {
        let at = datetime!(2026-12-12 18:30 UTC);
        assert_eq!(short(at, &vienna()), "Sat 12 Dec, 19:30 CET");
        assert_eq!(long(at, &vienna()), "Saturday 12 December, 19:30 CET");
        assert_eq!(clock(at, &vienna()), "19:30 CET");
        assert_eq!(
            clock_seconds(at + time::Duration::seconds(5), &vienna()),
            "19:30:05 CET"
        );
        let tokyo = TimeZone::parse("Asia/Tokyo").expect("a database zone");
        assert_eq!(short(at, &tokyo), "Sun 13 Dec, 03:30 JST");
    }

    #[test]
    fn starts_on_both_sides_of_the_2027_changes_read_right() {
        let zone = vienna();
        let cases = [
            (datetime!(2027-03-27 18:30 UTC), "Sat 27 Mar, 19:30 CET"),
            (datetime!(2027-03-28 17:30 UTC), "Sun 28 Mar, 19:30 CEST"),
            (datetime!(2027-10-30 17:30 UTC), "Sat 30 Oct, 19:30 CEST"),
            (datetime!(2027-10-31 18:30 UTC), "Sun 31 Oct, 19:30 CET"),
        ];
        for (at, shown) in cases {
            assert_eq!(short(at, &zone), shown);
        }
    }

    #[test]
    fn a_day_heading_is_the_local_date() {
        assert_eq!(day(date!(2027 - 10 - 31)), "Sun 31 Oct");
    }
}
