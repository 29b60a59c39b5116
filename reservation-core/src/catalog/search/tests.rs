//! The search contract, checked on the in-memory index.

use std::collections::HashMap;

use proptest::prelude::*;
use time::macros::datetime;

use super::tokens::{ONE_TYPO, TWO_TYPOS};
use super::*;
use crate::catalog::{Hall, PriceList, Show, Venue, grid_layout};
use crate::ids::{EventId, HallId, ShowId};
use crate::money::{Currency, Money};

fn venue(city: CityId, name: &str, lat: f64, lon: f64) -> Venue {
    Venue {
        id: VenueId::random(),
        city,
        name: name.to_owned(),
        address: "Somewhere 1".to_owned(),
        postal_code: "10000".to_owned(),
        location: GeoPoint::new(lat, lon).unwrap(),
        time_zone: crate::catalog::TimeZone::utc(),
    }
}

fn event(
    kind: EventKind,
    title: &str,
    description: &str,
    genres: &[&str],
    performers: &[PerformerId],
) -> Event {
    Event {
        id: EventId::random(),
        kind,
        title: title.to_owned(),
        description: description.to_owned(),
        genres: genres.iter().map(|g| (*g).to_owned()).collect(),
        performers: performers.to_vec(),
        duration_minutes: 120,
        rating: None,
    }
}

fn add_event(index: &mut SearchIndex, event: &Event, performer_names: &[&str]) -> EventId {
    let names: Vec<String> = performer_names.iter().map(|n| (*n).to_owned()).collect();
    index.upsert_event(event, &names);
    event.id
}

fn show_of(event: EventId, venue: &Venue, starts_at: OffsetDateTime) -> Show {
    let hall = Hall::new(HallId::random(), venue.id, "1", grid_layout("h", 3, 4, 0)).unwrap();
    Show {
        id: ShowId::random(),
        event,
        hall: hall.id(),
        venue: venue.id,
        city: venue.city,
        starts_at,
        prices: PriceList::uniform(&hall.layout().categories, Money::new(900, Currency::EUR)),
    }
}

fn add_show(index: &mut SearchIndex, event: EventId, venue: &Venue, starts_at: OffsetDateTime) {
    index.add_show(&show_of(event, venue, starts_at), venue);
}

/// A small hand-made catalog in Berlin, Munich and Hamburg.
struct Catalog {
    index: SearchIndex,
    berlin: CityId,
    munich: CityId,
    hamburg: CityId,
    zoo: Venue,
    elbe: Venue,
    downey: PerformerId,
    tribute: PerformerId,
    avengers: EventId,
    ultron: EventId,
    interstellar: EventId,
    renaissance: EventId,
    blue: EventId,
    hamlet: EventId,
    brunch: EventId,
}

fn catalog() -> Catalog {
    let (berlin, munich, hamburg) = (CityId::random(), CityId::random(), CityId::random());
    let zoo = venue(berlin, "Zoo Palast", 52.505, 13.337);
    let phil = venue(berlin, "Philharmonie", 52.51, 13.37);
    let schaubuehne = venue(berlin, "Schaubühne", 52.4996, 13.3036);
    let olympia = venue(munich, "Olympiahalle", 48.175, 11.55);
    let elbe = venue(hamburg, "Elbphilharmonie", 53.541, 9.984);
    let (downey, johansson, mcconaughey, beyonce, tribute, eidinger) = (
        PerformerId::random(),
        PerformerId::random(),
        PerformerId::random(),
        PerformerId::random(),
        PerformerId::random(),
        PerformerId::random(),
    );
    let mut index = SearchIndex::new();
    let avengers = add_event(
        &mut index,
        &event(
            EventKind::Movie,
            "Avengers: Endgame",
            "Earth's mightiest heroes assemble one final time.",
            &["action", "superhero"],
            &[downey, johansson],
        ),
        &["Robert Downey Jr.", "Scarlett Johansson"],
    );
    let ultron = add_event(
        &mut index,
        &event(
            EventKind::Movie,
            "Avengers: Age of Ultron",
            "The team faces a rogue machine.",
            &["action", "superhero"],
            &[downey, johansson],
        ),
        &["Robert Downey Jr.", "Scarlett Johansson"],
    );
    let interstellar = add_event(
        &mut index,
        &event(
            EventKind::Movie,
            "Interstellar",
            "Explorers travel through a wormhole in space.",
            &["science fiction"],
            &[mcconaughey],
        ),
        &["Matthew McConaughey"],
    );
    let renaissance = add_event(
        &mut index,
        &event(
            EventKind::Concert,
            "Renaissance World Tour",
            "Live with a full band and dancers.",
            &["pop", "r&b"],
            &[beyonce],
        ),
        &["Beyoncé"],
    );
    let blue = add_event(
        &mut index,
        &event(
            EventKind::Concert,
            "Kind of Blue Live",
            "An evening of modal jazz classics.",
            &["jazz"],
            &[tribute],
        ),
        &["Miles Davis Tribute Band"],
    );
    let hamlet = add_event(
        &mut index,
        &event(
            EventKind::Theatre,
            "Hamlet",
            "A prince avenges his father.",
            &["drama", "classic"],
            &[eidinger],
        ),
        &["Lars Eidinger"],
    );
    let brunch = add_event(
        &mut index,
        &event(
            EventKind::Concert,
            "Jazz Brunch",
            "Swing standards with breakfast.",
            &["jazz"],
            &[tribute],
        ),
        &["Miles Davis Tribute Band"],
    );
    add_show(&mut index, avengers, &zoo, datetime!(2030-05-01 20:00 UTC));
    add_show(&mut index, avengers, &zoo, datetime!(2030-05-02 20:00 UTC));
    add_show(
        &mut index,
        avengers,
        &olympia,
        datetime!(2030-05-03 18:00 UTC),
    );
    add_show(
        &mut index,
        interstellar,
        &zoo,
        datetime!(2030-05-01 17:00 UTC),
    );
    add_show(
        &mut index,
        interstellar,
        &olympia,
        datetime!(2030-05-04 20:00 UTC),
    );
    add_show(
        &mut index,
        renaissance,
        &olympia,
        datetime!(2030-06-10 20:00 UTC),
    );
    add_show(
        &mut index,
        renaissance,
        &elbe,
        datetime!(2030-06-12 20:00 UTC),
    );
    add_show(&mut index, blue, &phil, datetime!(2030-05-01 20:00 UTC));
    add_show(&mut index, blue, &elbe, datetime!(2030-07-01 20:00 UTC));
    add_show(
        &mut index,
        hamlet,
        &schaubuehne,
        datetime!(2030-05-01 20:00 UTC),
    );
    add_show(&mut index, brunch, &phil, datetime!(2030-04-01 11:00 UTC));
    Catalog {
        index,
        berlin,
        munich,
        hamburg,
        zoo,
        elbe,
        downey,
        tribute,
        avengers,
        ultron,
        interstellar,
        renaissance,
        blue,
        hamlet,
        brunch,
    }
}

fn text(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        limit: PageSize::new(MAX_PAGE_SIZE).unwrap(),
        ..SearchQuery::default()
    }
}

fn ids(page: &SearchPage) -> Vec<EventId> {
    page.hits.iter().map(|h| h.event.id).collect()
}

fn search(index: &SearchIndex, query: &SearchQuery) -> SearchPage {
    index.search(query).unwrap()
}

fn sorted(mut ids: Vec<EventId>) -> Vec<EventId> {
    ids.sort();
    ids
}

/// Follows the cursors from the first page; checks each page's size.
fn walk(index: &SearchIndex, query: &SearchQuery, limit: u16) -> Vec<SearchHit> {
    let mut query = query.clone();
    query.limit = PageSize::new(limit).unwrap();
    query.cursor = None;
    let mut all = Vec::new();
    for _ in 0..1000 {
        let page = search(index, &query);
        assert!(page.hits.len() <= usize::from(limit));
        if page.next.is_some() {
            assert_eq!(
                page.hits.len(),
                usize::from(limit),
                "only full pages have a next"
            );
        }
        all.extend(page.hits);
        match page.next {
            Some(cursor) => query.cursor = Some(cursor),
            None => return all,
        }
    }
    panic!("pagination did not end");
}

#[test]
fn one_typo_is_tolerated_two_are_not_in_short_words() {
    let c = catalog();
    let page = search(&c.index, &text("avngers"));
    assert_eq!(ids(&page), vec![c.avengers]);
    assert_eq!(page.hits[0].score, ONE_TYPO * TITLE_WEIGHT);
    assert!(search(&c.index, &text("avngrs")).hits.is_empty());
    // 4..=7 characters allow one edit, including a transposition.
    assert_eq!(ids(&search(&c.index, &text("hmalet"))), vec![c.hamlet]);
    assert!(search(&c.index, &text("hmlte")).hits.is_empty());
}

#[test]
fn long_words_tolerate_two_typos() {
    let c = catalog();
    let page = search(&c.index, &text("intrstelar"));
    assert_eq!(ids(&page), vec![c.interstellar]);
    assert_eq!(page.hits[0].score, TWO_TYPOS * TITLE_WEIGHT);
    assert!(search(&c.index, &text("intrstlar")).hits.is_empty());
}

#[test]
fn short_words_never_match_by_typo() {
    let c = catalog();
    assert!(search(&c.index, &text("pap")).hits.is_empty());
    assert_eq!(ids(&search(&c.index, &text("pop"))), vec![c.renaissance]);
}

#[test]
fn prefixes_match_from_two_characters() {
    let c = catalog();
    let page = search(&c.index, &text("aven"));
    // Title prefix beats description prefix ("avenges").
    assert_eq!(ids(&page), vec![c.avengers, c.hamlet]);
    assert_eq!(page.hits[0].score, PREFIX * TITLE_WEIGHT);
    assert_eq!(page.hits[1].score, PREFIX * DESCRIPTION_WEIGHT);
    assert_eq!(ids(&search(&c.index, &text("ja"))), vec![c.brunch, c.blue]);
    // One character only matches whole tokens.
    assert!(search(&c.index, &text("j")).hits.is_empty());
}

#[test]
fn exact_matches_outrank_typos_and_fields_are_weighted() {
    let c = catalog();
    let page = search(&c.index, &text("avengers"));
    assert_eq!(ids(&page), vec![c.avengers, c.hamlet]);
    assert_eq!(page.hits[0].score, TITLE_WEIGHT);
    assert_eq!(page.hits[1].score, ONE_TYPO * DESCRIPTION_WEIGHT);
    // "jazz" is Jazz Brunch's title but Kind of Blue's genre.
    let page = search(&c.index, &text("jazz"));
    assert_eq!(ids(&page), vec![c.brunch, c.blue]);
    assert_eq!(page.hits[0].score, TITLE_WEIGHT);
    assert_eq!(page.hits[1].score, GENRE_WEIGHT);
}

#[test]
fn performers_genres_and_venue_names_are_searchable() {
    let c = catalog();
    let page = search(&c.index, &text("Downey"));
    assert_eq!(ids(&page), vec![c.avengers]);
    assert_eq!(page.hits[0].score, PERFORMER_WEIGHT);
    assert_eq!(ids(&search(&c.index, &text("superhero"))), vec![c.avengers]);
    let page = search(&c.index, &text("zoo palast"));
    assert_eq!(ids(&page), vec![c.interstellar, c.avengers]);
    assert_eq!(page.hits[0].score, 2.0 * VENUE_WEIGHT);
    assert_eq!(
        ids(&search(&c.index, &text("wormhole"))),
        vec![c.interstellar]
    );
}

#[test]
fn case_and_diacritics_are_folded() {
    let c = catalog();
    for query in ["beyonce", "BEYONCÉ", "Beyonce\u{301}"] {
        assert_eq!(
            ids(&search(&c.index, &text(query))),
            vec![c.renaissance],
            "{query}"
        );
    }
    for query in ["schaubuhne", "Schaubühne"] {
        assert_eq!(
            ids(&search(&c.index, &text(query))),
            vec![c.hamlet],
            "{query}"
        );
    }
}

#[test]
fn every_query_word_must_match() {
    let c = catalog();
    assert_eq!(
        ids(&search(&c.index, &text("avengers downey"))),
        vec![c.avengers]
    );
    assert_eq!(ids(&search(&c.index, &text("jazz swing"))), vec![c.brunch]);
    assert!(
        search(&c.index, &text("interstellar downey"))
            .hits
            .is_empty()
    );
    // Punctuation separates words.
    assert_eq!(ids(&search(&c.index, &text("r&b"))), vec![c.renaissance]);
    let page = search(&c.index, &text("avengers endgame"));
    assert_eq!(page.hits[0].score, 2.0 * TITLE_WEIGHT);
    // A repeated word counts once.
    let page = search(&c.index, &text("jazz jazz"));
    assert_eq!(page.hits[0].score, TITLE_WEIGHT);
}

#[test]
fn events_without_a_passing_show_are_not_hits() {
    let c = catalog();
    // Ultron matches the text but has no shows at all.
    assert!(search(&c.index, &text("ultron")).hits.is_empty());
    assert!(!ids(&search(&c.index, &text(""))).contains(&c.ultron));
    // Avengers matches the text but plays nowhere in Hamburg.
    let mut query = text("avengers endgame");
    query.city = Some(c.hamburg);
    assert!(search(&c.index, &query).hits.is_empty());
}

#[test]
fn first_show_and_count_reflect_passing_shows() {
    let c = catalog();
    let mut query = text("endgame");
    let hit = &search(&c.index, &query).hits[0];
    assert_eq!(
        (hit.first_show, hit.shows),
        (datetime!(2030-05-01 20:00 UTC), 3)
    );
    query.city = Some(c.munich);
    let hit = &search(&c.index, &query).hits[0];
    assert_eq!(
        (hit.first_show, hit.shows),
        (datetime!(2030-05-03 18:00 UTC), 1)
    );
}

#[test]
fn city_filter() {
    let c = catalog();
    let mut query = text("");
    query.city = Some(c.berlin);
    let page = search(&c.index, &query);
    let mut same_time = vec![c.avengers, c.blue, c.hamlet];
    same_time.sort();
    let expected: Vec<EventId> = [c.brunch, c.interstellar]
        .into_iter()
        .chain(same_time)
        .collect();
    assert_eq!(ids(&page), expected);
    assert!(page.hits.iter().all(|h| h.score == 0.0));
    query.city = Some(c.munich);
    assert_eq!(
        ids(&search(&c.index, &query)),
        vec![c.avengers, c.interstellar, c.renaissance]
    );
}

#[test]
fn venue_filter() {
    let c = catalog();
    let mut query = text("");
    query.venue = Some(c.elbe.id);
    let page = search(&c.index, &query);
    assert_eq!(ids(&page), vec![c.renaissance, c.blue]);
    assert_eq!(page.hits[1].first_show, datetime!(2030-07-01 20:00 UTC));
    query.venue = Some(c.zoo.id);
    query.text = "live".to_owned();
    assert!(search(&c.index, &query).hits.is_empty());
}

#[test]
fn performer_filter() {
    let c = catalog();
    let mut query = text("");
    query.performer = Some(c.downey);
    assert_eq!(ids(&search(&c.index, &query)), vec![c.avengers]);
    query.performer = Some(c.tribute);
    assert_eq!(ids(&search(&c.index, &query)), vec![c.brunch, c.blue]);
    query.text = "hamlet".to_owned();
    assert!(search(&c.index, &query).hits.is_empty());
}

#[test]
fn kind_filter() {
    let c = catalog();
    let mut query = text("");
    query.kind = Some(EventKind::Theatre);
    assert_eq!(ids(&search(&c.index, &query)), vec![c.hamlet]);
    query.kind = Some(EventKind::Movie);
    assert_eq!(
        ids(&search(&c.index, &query)),
        vec![c.interstellar, c.avengers]
    );
    query.kind = Some(EventKind::Concert);
    query.text = "avengers".to_owned();
    assert!(search(&c.index, &query).hits.is_empty());
}

#[test]
fn date_range_includes_start_and_excludes_end() {
    let c = catalog();
    let mut query = text("");
    query.starts_after = Some(datetime!(2030-05-01 20:00 UTC));
    query.starts_before = Some(datetime!(2030-05-02 00:00 UTC));
    let page = search(&c.index, &query);
    assert_eq!(
        sorted(ids(&page)),
        sorted(vec![c.avengers, c.blue, c.hamlet])
    );
    assert!(page.hits.iter().all(|h| h.shows == 1));
    query.starts_after = None;
    query.starts_before = Some(datetime!(2030-05-01 20:00 UTC));
    assert_eq!(
        ids(&search(&c.index, &query)),
        vec![c.brunch, c.interstellar]
    );
    // Other offsets denote the same instants.
    query.starts_before = Some(datetime!(2030-05-01 22:00 +02:00));
    assert_eq!(
        ids(&search(&c.index, &query)),
        vec![c.brunch, c.interstellar]
    );
    query.starts_before = None;
    query.starts_after = Some(datetime!(2030-06-11 00:00 UTC));
    let page = search(&c.index, &query);
    assert_eq!(ids(&page), vec![c.renaissance, c.blue]);
    assert_eq!(page.hits[0].first_show, datetime!(2030-06-12 20:00 UTC));
}

#[test]
fn distance_filter() {
    let c = catalog();
    let near = |lat, lon, radius_km| {
        let mut query = text("");
        query.near = Some(Near {
            point: GeoPoint::new(lat, lon).unwrap(),
            radius_km,
        });
        query
    };
    // Munich centre; the Olympiahalle is about 4.5 km away.
    assert_eq!(
        ids(&search(&c.index, &near(48.137, 11.575, 10.0))),
        vec![c.avengers, c.interstellar, c.renaissance]
    );
    assert!(search(&c.index, &near(48.137, 11.575, 3.0)).hits.is_empty());
    // Hamburg centre.
    assert_eq!(
        ids(&search(&c.index, &near(53.55, 9.99, 5.0))),
        vec![c.renaissance, c.blue]
    );
    // Berlin centre, with text: Endgame plays in Berlin and Munich.
    let mut query = near(52.52, 13.405, 15.0);
    query.text = "endgame".to_owned();
    let hit = &search(&c.index, &query).hits[0];
    assert_eq!(hit.shows, 2);
    // Large enough to span Berlin to Munich (about 500 km).
    let all = search(&c.index, &near(52.52, 13.405, 1000.0));
    assert_eq!(all.hits.len(), 6);
    assert!(search(&c.index, &near(0.0, 0.0, 100.0)).hits.is_empty());
}

#[test]
fn relevance_breaks_ties_by_first_show_then_id() {
    let mut index = SearchIndex::new();
    let zoo = venue(CityId::random(), "Zoo", 52.5, 13.3);
    let matinee = || event(EventKind::Movie, "Matinee", "", &[], &[]);
    let a = add_event(&mut index, &matinee(), &[]);
    let b = add_event(&mut index, &matinee(), &[]);
    let early = add_event(&mut index, &matinee(), &[]);
    let described = add_event(
        &mut index,
        &event(
            EventKind::Movie,
            "Early Bird",
            "A matinee screening.",
            &[],
            &[],
        ),
        &[],
    );
    add_show(&mut index, a, &zoo, datetime!(2030-01-02 15:00 UTC));
    add_show(&mut index, b, &zoo, datetime!(2030-01-02 15:00 UTC));
    add_show(&mut index, early, &zoo, datetime!(2030-01-01 15:00 UTC));
    add_show(&mut index, described, &zoo, datetime!(2029-12-31 10:00 UTC));
    let (first, second) = (a.min(b), a.max(b));

    let mut query = text("matinee");
    let page = search(&index, &query);
    assert_eq!(ids(&page), vec![early, first, second, described]);
    let scores: Vec<f32> = page.hits.iter().map(|h| h.score).collect();
    assert_eq!(scores, vec![3.0, 3.0, 3.0, 0.5]);

    query.sort = SearchSort::StartTime;
    let page = search(&index, &query);
    assert_eq!(ids(&page), vec![described, early, first, second]);
    // Scores are still reported.
    assert_eq!(page.hits[0].score, 0.5);
}

#[test]
fn blank_text_relevance_is_start_time_order() {
    let c = catalog();
    for blank in ["", "   ", "\t\n"] {
        let mut query = text(blank);
        let by_relevance = search(&c.index, &query);
        query.sort = SearchSort::StartTime;
        let by_time = search(&c.index, &query);
        assert_eq!(by_relevance.hits, by_time.hits);
        assert_eq!(by_time.hits.len(), 6);
        assert_eq!(by_time.hits[0].event.id, c.brunch);
        assert_eq!(by_time.hits[5].event.id, c.renaissance);
        assert!(
            by_time
                .hits
                .windows(2)
                .all(|w| (w[0].first_show, w[0].event.id) < (w[1].first_show, w[1].event.id))
        );
    }
}

#[test]
fn pages_of_one_and_two_walk_every_hit_once_in_order() {
    let c = catalog();
    for query_text in ["", "jazz", "avengers", "live"] {
        for sort in [SearchSort::Relevance, SearchSort::StartTime] {
            let mut query = text(query_text);
            query.sort = sort;
            let full = search(&c.index, &query);
            assert!(full.next.is_none());
            for limit in [1, 2] {
                let walked = walk(&c.index, &query, limit);
                assert_eq!(walked, full.hits, "{query_text:?} {sort:?} {limit}");
                let mut unique = sorted(ids(&full));
                unique.dedup();
                assert_eq!(unique.len(), walked.len());
            }
        }
    }
    assert_eq!(walk(&c.index, &text(""), 1).len(), 6);
}

#[test]
fn the_last_page_has_no_cursor() {
    let c = catalog();
    let mut query = text("jazz");
    query.limit = PageSize::new(2).unwrap();
    let page = search(&c.index, &query);
    assert_eq!(page.hits.len(), 2);
    assert!(page.next.is_none());
    query.limit = PageSize::new(1).unwrap();
    let page = search(&c.index, &query);
    assert_eq!(ids(&page), vec![c.brunch]);
    query.cursor = page.next;
    let page = search(&c.index, &query);
    assert_eq!(ids(&page), vec![c.blue]);
    assert!(page.next.is_none());
}

#[test]
fn cursor_keeps_its_place_when_its_event_stops_matching() {
    let mut index = SearchIndex::new();
    let zoo = venue(CityId::random(), "Zoo", 52.5, 13.3);
    let mut events = Vec::new();
    for day in 1..=4u8 {
        let e = event(EventKind::Movie, "Matinee", "", &[], &[]);
        add_event(&mut index, &e, &[]);
        let at = datetime!(2030-01-01 15:00 UTC) + time::Duration::days(i64::from(day));
        add_show(&mut index, e.id, &zoo, at);
        events.push(e);
    }
    let mut query = text("matinee");
    query.limit = PageSize::new(2).unwrap();
    let page = search(&index, &query);
    assert_eq!(ids(&page), vec![events[0].id, events[1].id]);
    // The cursor's event is renamed (so no longer matches) before page 2.
    let mut renamed = events[1].clone();
    renamed.title = "Sold out".to_owned();
    index.upsert_event(&renamed, &[]);
    assert!(search(&index, &text("matinee")).hits.len() == 3);
    query.cursor = page.next;
    let page = search(&index, &query);
    assert_eq!(ids(&page), vec![events[2].id, events[3].id]);
    assert!(page.next.is_none());
    // The renamed event kept its show.
    assert_eq!(ids(&search(&index, &text("sold out"))), vec![events[1].id]);
}

#[test]
fn forged_truncated_and_cross_sort_cursors_are_rejected() {
    let c = catalog();
    let mut query = text("");
    query.limit = PageSize::new(2).unwrap();
    let Cursor(cursor) = search(&c.index, &query).next.unwrap();
    let mut by_time_query = query.clone();
    by_time_query.sort = SearchSort::StartTime;
    let Cursor(by_time) = search(&c.index, &by_time_query).next.unwrap();
    let with = |cursor: &str, sort| {
        let mut q = query.clone();
        q.cursor = Some(Cursor(cursor.to_owned()));
        q.sort = sort;
        c.index.search(&q)
    };
    assert!(with(&cursor, SearchSort::Relevance).is_ok());

    let mut forged = Vec::new();
    for at in [0, 3, 10, 30, cursor.len() - 1] {
        let mut bytes = cursor.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        forged.push(String::from_utf8(bytes).unwrap());
    }
    let truncated = [
        &cursor[..cursor.len() - 1],
        &cursor[..cursor.len() - 4],
        &cursor[..10],
        "",
    ];
    let garbage = [
        format!("{cursor}A"),
        format!("{cursor}=="),
        "not a cursor".to_owned(),
        "A".repeat(cursor.len()),
        "!".repeat(cursor.len()),
        "é".repeat(cursor.len()),
        "A".repeat(100_000),
    ];
    for bad in forged
        .iter()
        .map(String::as_str)
        .chain(truncated)
        .chain(garbage.iter().map(String::as_str))
    {
        assert_eq!(
            with(bad, SearchSort::Relevance),
            Err(SearchError::InvalidCursor),
            "{bad:?}"
        );
    }
    // Made for relevance order, used for start-time order, and back.
    assert_eq!(
        with(&cursor, SearchSort::StartTime),
        Err(SearchError::InvalidCursor)
    );
    assert!(with(&by_time, SearchSort::StartTime).is_ok());
    assert_eq!(
        with(&by_time, SearchSort::Relevance),
        Err(SearchError::InvalidCursor)
    );
}

#[test]
fn well_formed_cursors_with_impossible_keys_are_rejected() {
    let c = catalog();
    let key = |score, start_ns| SortKey {
        score,
        start_ns,
        id: EventId::random(),
    };
    let relevance = [
        key(f32::NAN, 0),
        key(f32::INFINITY, 0),
        key(-1.0, 0),
        key(1.0, i128::MAX),
    ];
    for bad in relevance {
        let mut query = text("jazz");
        query.cursor = Some(bad.encode(SearchSort::Relevance));
        assert_eq!(c.index.search(&query), Err(SearchError::InvalidCursor));
    }
    let mut query = text("jazz");
    query.cursor = Some(key(1.0, 0).encode(SearchSort::Relevance));
    assert!(c.index.search(&query).is_ok());
}

#[test]
fn invalid_queries_are_refused() {
    let c = catalog();
    assert_eq!(
        c.index.search(&text(&"a".repeat(201))),
        Err(SearchError::TextTooLong)
    );
    // The limit counts characters, not bytes.
    assert!(c.index.search(&text(&"é".repeat(200))).is_ok());
    for radius_km in [0.0, -5.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut query = text("jazz");
        query.near = Some(Near {
            point: GeoPoint::new(52.5, 13.4).unwrap(),
            radius_km,
        });
        assert_eq!(
            c.index.search(&query),
            Err(SearchError::InvalidRadius),
            "{radius_km}"
        );
    }
    let mut query = text("jazz");
    query.starts_after = Some(datetime!(2030-05-01 20:00 UTC));
    query.starts_before = Some(datetime!(2030-05-01 20:00 UTC));
    assert_eq!(c.index.search(&query), Err(SearchError::EmptyDateRange));
    query.starts_before = Some(datetime!(2030-04-01 20:00 UTC));
    assert_eq!(c.index.search(&query), Err(SearchError::EmptyDateRange));
    // Text is checked first.
    query.text = "x".repeat(500);
    assert_eq!(c.index.search(&query), Err(SearchError::TextTooLong));
    assert_eq!(PageSize::new(0), Err(SearchError::InvalidPageSize(0)));
    assert_eq!(PageSize::new(101), Err(SearchError::InvalidPageSize(101)));
}

#[test]
fn injection_strings_and_odd_text_match_nothing() {
    let c = catalog();
    for odd in [
        "'; DROP TABLE events; --",
        "<script>alert(1)</script>",
        "\" OR 1=1 --",
        "%' OR '%'='",
        "🎬🍿",
        "\u{0}\u{7}\u{1b}[31m",
        "\u{202e}\u{200b}",
        "--",
        "ﷺ 𝕏 ǅ İ",
    ] {
        let page = c.index.search(&text(odd)).unwrap();
        assert!(page.hits.is_empty(), "{odd:?}");
        assert!(page.next.is_none());
    }
}

#[test]
fn replacing_an_event_replaces_its_text_and_keeps_its_shows() {
    let mut c = catalog();
    let mut renamed = event(EventKind::Movie, "Dune", "Spice.", &[], &[]);
    renamed.id = c.interstellar;
    c.index.upsert_event(&renamed, &[]);
    assert!(search(&c.index, &text("interstellar")).hits.is_empty());
    assert!(search(&c.index, &text("mcconaughey")).hits.is_empty());
    let page = search(&c.index, &text("dune"));
    assert_eq!(ids(&page), vec![c.interstellar]);
    assert_eq!(page.hits[0].shows, 2);
    assert_eq!(page.hits[0].event.title, "Dune");
    // Venue names of its shows are still searchable.
    assert_eq!(
        ids(&search(&c.index, &text("dune olympiahalle"))),
        vec![c.interstellar]
    );
}

#[test]
fn shows_of_unknown_events_are_ignored_and_shows_can_move() {
    let mut c = catalog();
    let stray = show_of(EventId::random(), &c.zoo, datetime!(2030-05-01 12:00 UTC));
    c.index.add_show(&stray, &c.zoo);
    assert_eq!(search(&c.index, &text("")).hits.len(), 6);

    // A show added again under another event moves there.
    let mut moved = show_of(c.hamlet, &c.elbe, datetime!(2030-08-01 20:00 UTC));
    c.index.add_show(&moved, &c.elbe);
    assert_eq!(
        ids(&search(&c.index, &text("hamlet elbphilharmonie"))),
        vec![c.hamlet]
    );
    moved.event = c.ultron;
    let elbe = c.elbe.clone();
    c.index.add_show(&moved, &elbe);
    assert!(
        search(&c.index, &text("hamlet elbphilharmonie"))
            .hits
            .is_empty()
    );
    let page = search(&c.index, &text("ultron"));
    assert_eq!(ids(&page), vec![c.ultron]);
    assert_eq!(page.hits[0].first_show, datetime!(2030-08-01 20:00 UTC));
    assert_eq!(ids(&search(&c.index, &text("hamlet"))), vec![c.hamlet]);
}

#[test]
fn renamed_venues_are_searchable_under_the_new_name_only() {
    let mut c = catalog();
    let mut renamed = c.elbe.clone();
    renamed.name = "Laeiszhalle".to_owned();
    let show = show_of(c.blue, &renamed, datetime!(2030-09-01 20:00 UTC));
    c.index.add_show(&show, &renamed);
    assert_eq!(ids(&search(&c.index, &text("laeiszhalle"))), vec![c.blue]);
    assert_eq!(
        ids(&search(&c.index, &text("elbphilharmonie"))),
        vec![c.renaissance]
    );
}

#[test]
fn both_ways_of_matching_a_word_agree() {
    let c = catalog();
    let (generated, _) = generated();
    let words = [
        "avengers",
        "avngers",
        "aven",
        "a",
        "jazz",
        "jaz",
        "intrstelar",
        "hmalet",
        "live",
        "lve",
        "matinee",
        "matine",
        "mattinee",
        "rock",
        "rokc",
        "nigth",
        "op",
        "zzz",
    ];
    for index in [&c.index, &generated] {
        let all: HashMap<EventId, f32> = index.events.keys().map(|id| (*id, 0.0)).collect();
        for word in words {
            let token = QueryToken::new(word);
            let by_events = index.match_token_by_events(&token, &all);
            let by_vocabulary = index.match_token_by_vocabulary(&token, Some(&all));
            assert_eq!(by_events, by_vocabulary, "{word}");
            assert_eq!(index.match_token_by_vocabulary(&token, None), by_vocabulary);
        }
    }
}

#[test]
fn tokenizer_folds_and_splits() {
    assert_eq!(
        tokenize("Beyoncé & JAY-Z: Straße, Øresund 2030"),
        vec!["beyonce", "jay", "z", "strasse", "oresund", "2030"]
    );
    assert_eq!(tokenize("東京 ドーム"), vec!["東京", "ドーム"]);
    assert!(tokenize("🎬 -- !!").is_empty());
}

/// A generated catalog (< 100 events) with many score and time ties.
fn generated() -> (SearchIndex, Vec<CityId>) {
    const WORDS: [&str; 8] = [
        "matinee", "jazz", "avengers", "night", "live", "opera", "comedy", "rock",
    ];
    let cities: Vec<CityId> = (0..3).map(|_| CityId::random()).collect();
    let venues: Vec<Venue> = cities
        .iter()
        .enumerate()
        .map(|(i, city)| venue(*city, WORDS[i + 3], 50.0 + i as f64, 10.0))
        .collect();
    let kinds = [EventKind::Movie, EventKind::Concert, EventKind::Theatre];
    let mut index = SearchIndex::new();
    for i in 0..60usize {
        let e = event(
            kinds[i % 3],
            &format!("{} {}", WORDS[i % 8], WORDS[(i / 8) % 8]),
            WORDS[(i * 3) % 8],
            &[WORDS[(i * 5) % 8]],
            &[],
        );
        add_event(&mut index, &e, &[]);
        let base = datetime!(2030-01-01 18:00 UTC);
        if i % 11 != 0 {
            let at = base + time::Duration::hours(((i * 7) % 5) as i64);
            add_show(&mut index, e.id, &venues[i % 3], at);
            let later = base + time::Duration::days((i % 4) as i64);
            add_show(&mut index, e.id, &venues[(i + 1) % 3], later);
        }
    }
    (index, cities)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn pages_concatenate_to_the_full_result(
        limit in 1u16..=15,
        relevance in any::<bool>(),
        text_choice in 0usize..8,
        city_choice in 0usize..4,
    ) {
        let (index, cities) = generated();
        let texts = ["", "matinee", "jaz", "night live", "avngers", "o", "zzz", "rock rock"];
        let mut query = text(texts[text_choice]);
        query.sort = if relevance { SearchSort::Relevance } else { SearchSort::StartTime };
        query.city = cities.get(city_choice).copied();
        let full = index.search(&query).unwrap();
        prop_assert!(full.next.is_none());
        prop_assert!(full.hits.len() < 100);
        let walked = walk(&index, &query, limit);
        prop_assert_eq!(walked, full.hits);
    }
}
