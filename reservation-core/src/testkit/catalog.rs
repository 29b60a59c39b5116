//! Browsing and searching the catalog; catalog writes are checked.

use time::Duration;

use super::fixture::Fixture;
use crate::catalog::search::SearchQuery;
use crate::catalog::{CatalogError, City, GeoPoint, PriceList, Show, TimeZone, Venue};
use crate::ids::{CityId, EventId, ShowId, VenueId};
use crate::money::{Currency, Money};
use crate::store::Store;

/// City -> events -> venues and showtimes, and venue -> events.
pub async fn browse_city_event_venue<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let cities = f.store.cities().await.expect("cities");
    assert_eq!(
        cities.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["Springfield"]
    );
    assert_eq!(cities[0].time_zone.name(), "America/Chicago");
    let venue = f.store.venue(f.venue).await.expect("venue");
    assert_eq!(venue.time_zone.name(), "America/Chicago");
    let events = f
        .store
        .events_in_city(f.city, f.now())
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].event.id, events[0].shows), (f.event, 2));
    let showtimes = f
        .store
        .showtimes(f.event, f.city, f.now())
        .await
        .expect("showtimes");
    assert_eq!(showtimes.len(), 1);
    assert_eq!(showtimes[0].venue.name, "Grand Cinema");
    let mut shows: Vec<ShowId> = showtimes[0].shows.iter().map(|s| s.id).collect();
    shows.sort();
    let mut expected = vec![f.show, f.small_show];
    expected.sort();
    assert_eq!(shows, expected);
    assert_eq!(
        f.store
            .events_at_venue(f.venue, f.now())
            .await
            .expect("venue events")
            .len(),
        1
    );
    assert!(
        f.store
            .events_in_city(f.city, f.now() + Duration::days(2))
            .await
            .expect("later")
            .is_empty(),
        "past shows are not listed"
    );
    let show = f.store.show(f.show).await.expect("show");
    assert_eq!(f.store.hall(show.hall).await.expect("hall").capacity(), 200);
    assert!(matches!(
        f.store.event(EventId::random()).await,
        Err(CatalogError::Unknown { kind: "event", .. })
    ));
    assert!(matches!(
        f.store.events_in_city(CityId::random(), f.now()).await,
        Err(CatalogError::Unknown { .. })
    ));
}

/// Catalog writes refuse duplicates, dangling references and prices that do
/// not fit the hall.
pub async fn catalog_writes_are_checked<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    let city = f.store.city(f.city).await.expect("city");
    assert!(matches!(
        f.store.add_city(city).await,
        Err(CatalogError::Duplicate { .. })
    ));
    let location = GeoPoint::new(0.0, 0.0).expect("point");
    let orphan = Venue {
        id: VenueId::random(),
        city: CityId::random(),
        name: "Nowhere".into(),
        address: "-".into(),
        postal_code: "-".into(),
        location,
        time_zone: TimeZone::utc(),
    };
    assert!(matches!(
        f.store.add_venue(orphan).await,
        Err(CatalogError::Unknown { kind: "city", .. })
    ));
    let cheap = PriceList::new(
        [(
            crate::catalog::CategoryCode::parse("A").expect("code"),
            Money::new(100, Currency::EUR),
        )]
        .into(),
    )
    .expect("prices");
    let show = Show {
        id: ShowId::random(),
        event: f.event,
        hall: f.main_hall.id(),
        venue: f.venue,
        city: f.city,
        starts_at: f.now(),
        prices: cheap,
    };
    assert!(matches!(
        f.store.add_show(show).await,
        Err(CatalogError::Prices(_))
    ));
    let other_city = City {
        id: CityId::random(),
        name: "Shelbyville".into(),
        country: "US".into(),
        location,
        time_zone: TimeZone::parse("America/Chicago").expect("zone"),
    };
    f.store
        .add_city(other_city.clone())
        .await
        .expect("second city");
    assert_eq!(f.store.cities().await.expect("cities").len(), 2);
    assert_eq!(
        f.store.city(other_city.id).await.expect("read back"),
        other_city,
        "a city keeps its time zone"
    );
}

/// Search finds the event despite a typo, by performer, and filters by city.
pub async fn search_tolerates_typos<S: Store + 'static>(store: S) {
    let f = Fixture::seed(store).await;
    for text in ["avngers", "Avengers", "endgame", "downey", "superhero"] {
        let page = f
            .store
            .search(&SearchQuery {
                text: text.into(),
                ..SearchQuery::default()
            })
            .await
            .expect("search");
        assert_eq!(
            page.hits.iter().map(|h| h.event.id).collect::<Vec<_>>(),
            [f.event],
            "query {text:?}"
        );
        assert_eq!(page.hits[0].shows, 2);
    }
    let elsewhere = SearchQuery {
        text: "avengers".into(),
        city: Some(CityId::random()),
        ..SearchQuery::default()
    };
    assert!(
        f.store
            .search(&elsewhere)
            .await
            .expect("search")
            .hits
            .is_empty()
    );
    let nothing = SearchQuery {
        text: "<script>alert(1)</script>".into(),
        ..SearchQuery::default()
    };
    assert!(
        f.store
            .search(&nothing)
            .await
            .expect("search")
            .hits
            .is_empty()
    );
}
