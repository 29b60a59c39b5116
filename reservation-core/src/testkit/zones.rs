//! Local time: a city's days in search are its local calendar days, across
//! clock changes.

use time::OffsetDateTime;
use time::macros::{date, datetime};

use super::fixture::STANDARD_PRICE;
use crate::catalog::grid_layout;
use crate::catalog::search::{SearchError, SearchPage, SearchQuery};
use crate::catalog::{City, Event, EventKind, GeoPoint, Hall, PriceList, Show, TimeZone, Venue};
use crate::ids::{EventId, HallId};
use crate::store::Store;

/// Shows in Vienna on both sides of the 2027 clock changes (28 March and
/// 31 October) and of local midnights: a day filter takes exactly the
/// shows whose local start falls on those days, and "this week" is a
/// Monday-to-Sunday week of local days.
pub async fn search_days_are_the_citys_local_days<S: Store + 'static>(store: S) {
    let zone = TimeZone::parse("Europe/Vienna").expect("a database zone");
    let here = GeoPoint::new(48.208, 16.373).expect("a position");
    let city = City::new("Wien", "AT", here).with_time_zone(zone.clone());
    let venue = Venue::new(city.id, "Burgkino", here).with_time_zone(zone);
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let layout = grid_layout(&format!("zones-{unique}"), 2, 4, 0);
    let hall = Hall::new(HallId::random(), venue.id, "1", layout).expect("a layout");
    let event = Event::new(EventKind::Movie, "Der dritte Mann");
    store.add_city(city.clone()).await.expect("add city");
    store.add_venue(venue.clone()).await.expect("add venue");
    store.add_hall(hall.clone()).await.expect("add hall");
    store.add_event(event.clone()).await.expect("add event");
    let prices = PriceList::uniform(&hall.layout().categories, STANDARD_PRICE);
    for starts_at in [
        datetime!(2027-03-27 22:30 UTC), // Sat 27 March, 23:30 CET
        datetime!(2027-03-27 23:00 UTC), // Sun 28 March, 00:00 CET
        datetime!(2027-03-28 21:59 UTC), // Sun 28 March, 23:59 CEST
        datetime!(2027-03-28 22:00 UTC), // Mon 29 March, 00:00 CEST
        datetime!(2027-10-30 21:59 UTC), // Sat 30 October, 23:59 CEST
        datetime!(2027-10-30 22:00 UTC), // Sun 31 October, 00:00 CEST
        datetime!(2027-10-31 22:59 UTC), // Sun 31 October, 23:59 CET
        datetime!(2027-10-31 23:00 UTC), // Mon 1 November, 00:00 CET
    ] {
        let show = Show::new(event.id, &venue, &hall, starts_at, prices.clone());
        store.add_show(show).await.expect("add show");
    }
    let in_vienna = SearchQuery {
        city: Some(city.id),
        ..SearchQuery::default()
    };
    let days = |first, last| SearchQuery {
        first_day: first,
        last_day: last,
        ..in_vienna.clone()
    };
    let cases = [
        (
            days(Some(date!(2027 - 03 - 28)), Some(date!(2027 - 03 - 28))),
            2,
            datetime!(2027-03-27 23:00 UTC),
        ),
        (
            days(None, Some(date!(2027 - 03 - 27))),
            1,
            datetime!(2027-03-27 22:30 UTC),
        ),
        (
            days(Some(date!(2027 - 03 - 29)), None),
            5,
            datetime!(2027-03-28 22:00 UTC),
        ),
        (
            days(Some(date!(2027 - 10 - 30)), Some(date!(2027 - 10 - 30))),
            1,
            datetime!(2027-10-30 21:59 UTC),
        ),
        (
            days(Some(date!(2027 - 10 - 31)), Some(date!(2027 - 10 - 31))),
            2,
            datetime!(2027-10-30 22:00 UTC),
        ),
        (
            days(Some(date!(2027 - 11 - 01)), None),
            1,
            datetime!(2027-10-31 23:00 UTC),
        ),
        (
            in_vienna.clone().in_week_of(date!(2027 - 03 - 31)),
            1,
            datetime!(2027-03-28 22:00 UTC),
        ),
        (
            in_vienna.clone().in_week_of(date!(2027 - 10 - 25)),
            3,
            datetime!(2027-10-30 21:59 UTC),
        ),
    ];
    for (query, shows, first_show) in cases {
        let page = store.search(&query).await.expect("search");
        assert_eq!(
            only_hit(&page, event.id),
            (shows, first_show),
            "{:?}..={:?}",
            query.first_day,
            query.last_day
        );
    }
    let narrowed = SearchQuery {
        starts_after: Some(datetime!(2027-03-28 12:00 UTC)),
        ..days(Some(date!(2027 - 03 - 28)), Some(date!(2027 - 03 - 28)))
    };
    let page = store.search(&narrowed).await.expect("search");
    assert_eq!(
        only_hit(&page, event.id),
        (1, datetime!(2027-03-28 21:59 UTC))
    );
    let nowhere = SearchQuery {
        city: None,
        ..days(Some(date!(2027 - 03 - 28)), None)
    };
    assert_eq!(store.search(&nowhere).await, Err(SearchError::DaysNeedCity));
    let backwards = days(Some(date!(2027 - 03 - 29)), Some(date!(2027 - 03 - 28)));
    assert_eq!(
        store.search(&backwards).await,
        Err(SearchError::EmptyDateRange)
    );
}

/// The number of passing shows and the first one's start, of the page's
/// only hit, which must be `event` with its venue's zone.
fn only_hit(page: &SearchPage, event: EventId) -> (u32, OffsetDateTime) {
    assert_eq!(page.hits.len(), 1, "one hit");
    let hit = &page.hits[0];
    assert_eq!(hit.event.id, event);
    assert_eq!(hit.time_zone.name(), "Europe/Vienna", "the venue's zone");
    (hit.shows, hit.first_show)
}
