//! PostgreSQL search follows the same contract as the memory store: the same
//! catalog, the same queries, walked page by page, give the same hits in the
//! same order with the same scores.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use reservation_core::catalog::search::{Near, PageSize, SearchHit, SearchQuery, SearchSort};
use reservation_core::catalog::{
    City, Event, EventKind, GeoPoint, Hall, Performer, PriceList, Show, Venue, grid_layout,
};
use reservation_core::{
    Catalog, CatalogAdmin, CityId, Currency, EventId, HallId, MemoryStore, Money, PerformerId,
    Policy, ShowId, VenueId,
};
use time::Duration;
use time::macros::datetime;

const TITLES: [&str; 12] = [
    "Avengers Endgame",
    "Interstellar",
    "The Grand Budapest Hotel",
    "Blue Note Jazz Night",
    "Swan Lake",
    "Hamlet",
    "Avenue Q",
    "Inception",
    "Mozart Requiem",
    "Stand-up Comedy Gala",
    "Spirited Away",
    "Rock the Arena",
];
const CITIES: [(&str, f64, f64); 3] = [
    ("Berlin", 52.52, 13.40),
    ("Hamburg", 53.55, 9.99),
    ("Munich", 48.14, 11.58),
];

/// A catalog of 36 events in 3 cities, 9 venues and a few hundred shows.
async fn load<S: CatalogAdmin>(store: &S) -> (Vec<CityId>, Vec<VenueId>, Vec<PerformerId>) {
    let mut cities = Vec::new();
    let mut venues = Vec::new();
    let mut halls = Vec::new();
    for (c, (name, lat, lon)) in CITIES.iter().enumerate() {
        let city = City::new(*name, "DE", GeoPoint::new(*lat, *lon).unwrap())
            .with_id(CityId::from_name(name));
        store.add_city(city.clone()).await.unwrap();
        cities.push(city.id);
        for v in 0..3 {
            let location =
                GeoPoint::new(lat + f64::from(v) * 0.05, lon + f64::from(v) * 0.05).unwrap();
            let name = format!(
                "{} {}",
                ["Kino", "Theater", "Halle"][v as usize],
                ["Mitte", "Nord", "Süd"][c]
            );
            let venue = Venue::new(city.id, name.clone(), location)
                .with_id(VenueId::from_name(&name))
                .with_address("-", "1");
            store.add_venue(venue.clone()).await.unwrap();
            let hall = Hall::new(
                HallId::from_name(&name),
                venue.id,
                "1",
                grid_layout(&format!("search-{name}"), 2, 3, 0),
            )
            .unwrap();
            store.add_hall(hall.clone()).await.unwrap();
            venues.push(venue.id);
            halls.push((hall, venue.id, city.id));
        }
    }
    let performers: Vec<PerformerId> = ["Robert Downey", "Hans Zimmer", "Yo-Yo Ma"]
        .iter()
        .map(|n| PerformerId::from_name(n))
        .collect();
    for (p, name) in performers
        .iter()
        .zip(["Robert Downey", "Hans Zimmer", "Yo-Yo Ma"])
    {
        store
            .add_performer(Performer::new(name).with_id(*p))
            .await
            .unwrap();
    }
    let base = datetime!(2030-03-01 18:00 UTC);
    for e in 0..36usize {
        let title = format!("{} {}", TITLES[e % 12], ["", "II", "Live"][e / 12])
            .trim()
            .to_owned();
        let kind = [EventKind::Movie, EventKind::Concert, EventKind::Theatre][e % 3];
        let event = Event::new(kind, title.clone())
            .with_id(EventId::from_name(&title))
            .with_description(format!("Number {e} of the season"))
            .with_genres([["action", "jazz", "drama"][e % 3]])
            .with_performers([performers[e % 3]])
            .with_duration_minutes(120);
        store.add_event(event.clone()).await.unwrap();
        for k in 0..(1 + e % 7) {
            let (hall, venue, city) = &halls[(e * 5 + k * 3) % halls.len()];
            // Some shows share start times, to exercise the id tie-break.
            let starts_at = base + Duration::hours(((e * 7 + k * 13) % 40) as i64 * 6);
            let prices =
                PriceList::uniform(&hall.layout().categories, Money::new(1000, Currency::EUR));
            let show = Show::from_ids(event.id, hall.id(), *venue, *city, starts_at, prices)
                .with_id(ShowId::from_name(&format!("{title}/{k}")));
            store.add_show(show).await.unwrap();
        }
    }
    (cities, venues, performers)
}

/// Every hit of `query`, following cursors page by page.
async fn walk<S: Catalog>(store: &S, query: &SearchQuery) -> Vec<SearchHit> {
    let mut query = query.clone();
    let mut hits = Vec::new();
    loop {
        let page = store.search(&query).await.unwrap();
        hits.extend(page.hits);
        match page.next {
            Some(cursor) => query.cursor = Some(cursor),
            None => return hits,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_search_matches_the_memory_store_page_by_page() {
    let memory = MemoryStore::new(Policy::default());
    let postgres = storage_postgres::testing::fresh_store(Policy::default())
        .await
        .unwrap();
    let (cities, venues, performers) = load(&memory).await;
    load(&postgres).await;
    let mut queries = Vec::new();
    for text in [
        "",
        "avngers",
        "aven",
        "hamlet live",
        "grand hotel",
        "zimmer",
        "jazz",
        "kino",
        "sud",
        "nothing here",
        "!!",
    ] {
        for sort in [SearchSort::Relevance, SearchSort::StartTime] {
            for limit in [1, 4, 100] {
                queries.push(SearchQuery {
                    text: text.into(),
                    sort,
                    limit: PageSize::new(limit).unwrap(),
                    ..SearchQuery::default()
                });
            }
        }
    }
    let filtered = [
        SearchQuery {
            city: Some(cities[1]),
            ..SearchQuery::default()
        },
        SearchQuery {
            venue: Some(venues[4]),
            limit: PageSize::new(2).unwrap(),
            ..SearchQuery::default()
        },
        SearchQuery {
            performer: Some(performers[2]),
            text: "live".into(),
            ..SearchQuery::default()
        },
        SearchQuery {
            kind: Some(EventKind::Concert),
            limit: PageSize::new(3).unwrap(),
            ..SearchQuery::default()
        },
        SearchQuery {
            starts_after: Some(datetime!(2030-03-03 00:00 UTC)),
            starts_before: Some(datetime!(2030-03-06 00:00 UTC)),
            limit: PageSize::new(2).unwrap(),
            ..SearchQuery::default()
        },
        SearchQuery {
            near: Some(Near {
                point: GeoPoint::new(52.52, 13.40).unwrap(),
                radius_km: 8.0,
            }),
            text: "avengers".into(),
            ..SearchQuery::default()
        },
        SearchQuery {
            near: Some(Near {
                point: GeoPoint::new(48.2, 11.6).unwrap(),
                radius_km: 30.0,
            }),
            ..SearchQuery::default()
        },
    ];
    queries.extend(filtered);
    let mut compared = 0;
    for query in &queries {
        let (expected, got) = (walk(&memory, query).await, walk(&postgres, query).await);
        let names = |hits: &[SearchHit]| {
            hits.iter()
                .map(|h| (h.event.title.clone(), h.score, h.first_show, h.shows))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&got), names(&expected), "query {query:?}");
        compared += expected.len();
    }
    assert!(
        compared > 500,
        "the queries must find things ({compared} hits compared)"
    );
    println!(
        "{} queries, {compared} hits: PostgreSQL and memory agree page by page",
        queries.len()
    );
}
