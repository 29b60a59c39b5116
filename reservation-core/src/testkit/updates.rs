//! Organizers correct the catalog: each update replaces an entity, is read
//! back, is refused for what does not exist, and search follows it at once.

use time::macros::date;

use super::fixture::Fixture;
use crate::catalog::search::SearchQuery;
use crate::catalog::{CatalogError, City, Event, GeoPoint, Performer, TimeZone, Venue};
use crate::ids::{EventId, PerformerId};
use crate::store::Store;

/// The events a search for `text` finds.
async fn found<S: Store>(store: &S, text: &str) -> Vec<EventId> {
    let query = SearchQuery {
        text: text.into(),
        ..SearchQuery::default()
    };
    let page = store.search(&query).await.expect("search");
    page.hits.iter().map(|h| h.event.id).collect()
}

fn zone(name: &str) -> TimeZone {
    TimeZone::parse(name).expect("a database zone")
}

/// Every kind is replaced whole and read back; updates of what does not
/// exist, of a venue into another city, and of an event naming an unknown
/// performer are refused and change nothing.
pub async fn updates_are_read_back_and_checked<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let s = &f.store;
    let here = GeoPoint::new(40.0, -90.0).expect("a position");

    let city = s.city(f.city).await.expect("city");
    let city = City {
        name: "Capital City".into(),
        country: "USA".into(),
        location: here,
        time_zone: zone("America/New_York"),
        ..city
    };
    s.update_city(city.clone()).await.expect("update city");
    assert_eq!(s.city(f.city).await.expect("city"), city);

    let venue = s.venue(f.venue).await.expect("venue");
    let venue = Venue {
        name: "Palace Theatre".into(),
        address: "2 High Street".into(),
        postal_code: "62702".into(),
        location: here,
        time_zone: zone("America/Denver"),
        ..venue
    };
    s.update_venue(venue.clone()).await.expect("update venue");
    assert_eq!(s.venue(f.venue).await.expect("venue"), venue);

    let performer = Performer::new("Tilda Swinton").with_id(f.performer);
    s.update_performer(performer.clone())
        .await
        .expect("update performer");
    assert_eq!(
        s.performer(f.performer).await.expect("performer"),
        performer
    );

    let second = Performer::new("Zendaya");
    s.add_performer(second.clone())
        .await
        .expect("add performer");
    let event = s.event(f.event).await.expect("event");
    let event = Event {
        title: "Zorro Returns".into(),
        description: "A masked hero rides again.".into(),
        genres: vec!["western".into()],
        performers: vec![second.id, f.performer],
        duration_minutes: 120,
        rating: None,
        ..event
    };
    s.update_event(event.clone()).await.expect("update event");
    assert_eq!(s.event(f.event).await.expect("event"), event);
    assert_eq!(
        s.events_at_venue(f.venue, f.now()).await.expect("listed")[0].event,
        event,
        "its shows stay, with the new event"
    );

    let unknown = |kind| move |e: CatalogError| matches!(e, CatalogError::Unknown { kind: k, .. } if k == kind);
    let nowhere = City::new("Nowhere", "XX", here);
    assert!(s.update_city(nowhere).await.is_err_and(unknown("city")));
    let lost = Venue::new(f.city, "Lost", here);
    assert!(s.update_venue(lost).await.is_err_and(unknown("venue")));
    let nobody = Performer::new("Nobody");
    assert!(
        s.update_performer(nobody)
            .await
            .is_err_and(unknown("performer"))
    );
    let never = Event {
        id: EventId::random(),
        ..event.clone()
    };
    assert!(s.update_event(never).await.is_err_and(unknown("event")));
    let dangling = Event {
        title: "Dangling".into(),
        performers: vec![PerformerId::random()],
        ..event.clone()
    };
    assert!(
        s.update_event(dangling)
            .await
            .is_err_and(unknown("performer"))
    );
    assert_eq!(s.event(f.event).await.expect("event"), event, "unchanged");

    let elsewhere = City::new("Shelbyville", "US", here);
    s.add_city(elsewhere.clone()).await.expect("add city");
    let moved = Venue {
        city: elsewhere.id,
        ..venue.clone()
    };
    assert!(matches!(
        s.update_venue(moved).await,
        Err(CatalogError::VenueCityFixed { venue: v, city: c }) if v == f.venue && c == f.city
    ));
    assert_eq!(s.venue(f.venue).await.expect("venue"), venue, "unchanged");
    assert_eq!(s.venues_in_city(elsewhere.id).await.expect("venues"), []);
}

/// Search finds an event by its new title, its performer's new name and
/// its venue's new name, and no longer by the old ones.
pub async fn search_follows_renames<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let s = &f.store;
    assert_eq!(found(&**s, "endgame").await, [f.event]);

    let event = s.event(f.event).await.expect("event");
    s.update_event(Event {
        title: "Zorro Returns".into(),
        description: "A masked hero rides again.".into(),
        ..event
    })
    .await
    .expect("update event");
    assert_eq!(found(&**s, "zorro").await, [f.event], "the new title");
    assert_eq!(found(&**s, "endgame").await, [], "the old title");

    assert_eq!(found(&**s, "downey").await, [f.event]);
    let renamed = Performer::new("Tilda Swinton").with_id(f.performer);
    s.update_performer(renamed).await.expect("update performer");
    assert_eq!(found(&**s, "swinton").await, [f.event], "the new name");
    assert_eq!(found(&**s, "downey").await, [], "the old name");

    assert_eq!(found(&**s, "grand cinema").await, [f.event]);
    let venue = s.venue(f.venue).await.expect("venue");
    s.update_venue(Venue {
        name: "Palace Theatre".into(),
        ..venue
    })
    .await
    .expect("update venue");
    assert_eq!(found(&**s, "palace").await, [f.event], "the new name");
    assert_eq!(found(&**s, "grand").await, [], "the old name");
}

/// Search's local days are the city's: a city's new zone moves them, a
/// venue's new zone does not (its shows keep their instants) but is the
/// zone search gives the hit.
pub async fn search_follows_zone_changes<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let s = &f.store;
    // The shows start at 2030-01-02 12:00 UTC: 06:00 in Chicago, 01:00 the
    // next day in Auckland (UTC+13 in January).
    let on = |day| SearchQuery {
        city: Some(f.city),
        first_day: Some(day),
        last_day: Some(day),
        ..SearchQuery::default()
    };
    let hits = |query: SearchQuery| async move {
        let page = s.search(&query).await.expect("search");
        page.hits
            .iter()
            .map(|h| (h.event.id, h.time_zone.name().to_owned()))
            .collect::<Vec<_>>()
    };
    let chicago = || vec![(f.event, "America/Chicago".to_owned())];
    assert_eq!(hits(on(date!(2030 - 01 - 02))).await, chicago());

    let venue = s.venue(f.venue).await.expect("venue");
    s.update_venue(Venue {
        time_zone: zone("Pacific/Auckland"),
        ..venue
    })
    .await
    .expect("update venue");
    let auckland = || vec![(f.event, "Pacific/Auckland".to_owned())];
    assert_eq!(
        hits(on(date!(2030 - 01 - 02))).await,
        auckland(),
        "the city's day, the venue's zone"
    );
    let show = s.show(f.show).await.expect("show");
    assert_eq!(
        show.starts_at,
        f.now() + time::Duration::days(1),
        "same instant"
    );

    let city = s.city(f.city).await.expect("city");
    s.update_city(City {
        time_zone: zone("Pacific/Auckland"),
        ..city
    })
    .await
    .expect("update city");
    assert_eq!(hits(on(date!(2030 - 01 - 02))).await, []);
    assert_eq!(hits(on(date!(2030 - 01 - 03))).await, auckland());
}
