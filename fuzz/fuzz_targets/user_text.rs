//! Fuzz target `user_text`: every parser of text a user can type, paste or
//! put in a URL, fed the fuzz input (as UTF-8, invalid bytes replaced).
//!
//! None may panic, and each must accept exactly what its documented format
//! says and round-trip what it accepts:
//!
//! - [`HoldToken`]: exactly the 64-character URL-safe base64 texts, printed
//!   back unchanged; `Debug` never shows the secret part.
//! - the id newtypes ([`ShowId`] and the rest, `FromStr`): all agree, the
//!   printed id parses to the same id, and serde accepts the same texts.
//! - [`CardNumber::parse`]: exactly 12-19 digits (spaces and dashes
//!   ignored) with a correct Luhn check digit; `Debug` shows only the last 4.
//! - [`Currency::parse`] (three uppercase ASCII letters) and
//!   [`CategoryCode::parse`] (1-32 of `A-Z a-z 0-9 _ -`): as documented,
//!   printed back unchanged.
//! - [`TicketSigner::verify`] with a fixed secret: a code verifies only if
//!   it is exactly the code the signer makes for the show and ticket it
//!   names, so no genuine code comes out of anything else.
//! - search ([`reservation_core::catalog::search`]): `words` gives non-empty
//!   alphanumeric words; `EventText::score` follows the blank-text rules;
//!   `validate` refuses in the documented order (text too long, bad radius,
//!   empty date range, bad cursor) and a cursor never decodes for both sort
//!   orders; an accepted start-time cursor is the one `paginate` makes for
//!   the position it names; on a small index, following the cursors of
//!   `SearchIndex::search` page by page yields the full result list exactly
//!   once and in order, and resuming from a foreign cursor gives a suffix of it.
//!
//! `reservation-core` has no seat-label parser (labels come from layouts),
//! so there is none to fuzz here.

#![no_main]

use libfuzzer_sys::fuzz_target;
use reservation_core::catalog::search::{
    Cursor, EventText, Near, PageSize, SearchError, SearchHit, SearchIndex, SearchQuery,
    SearchSort, paginate, validate, words,
};
use reservation_core::catalog::{
    CategoryCode, Event, EventKind, GeoPoint, PriceList, Show, Venue, grid_layout,
};
use reservation_core::payment::CardNumber;
use reservation_core::ticket_code::TicketSigner;
use reservation_core::{
    BookingId, CityId, Currency, EventId, HallId, HoldId, HoldToken, HolderId, Money, PerformerId,
    SeatId, ShowId, TicketId, VenueId, WaitId,
};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

/// The ticket-signing secret (the same as `api_bodies`', so seeds serve both).
const TICKET_SECRET: &[u8; 32] = b"seatwise-fuzz-api-bodies-secret!";

/// Longest search text, in characters (the search module's documented limit).
const MAX_SEARCH_CHARS: usize = 200;

thread_local! {
    /// A small search index, built once per process.
    static INDEX: SearchIndex = search_index();
    /// The fixed-secret ticket signer.
    static SIGNER: TicketSigner = TicketSigner::new(TICKET_SECRET).expect("a 32-byte secret");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    hold_token(text);
    ids(text);
    card_number(text);
    currency(text);
    category_code(text);
    SIGNER.with(|signer| ticket_code(signer, text));
    search_text(text);
    search_validation(text, data);
    INDEX.with(|index| search_pages(index, text, data));
});

/// Whether serde (from a JSON string) accepts `text` as a `T`.
fn serde_accepts<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(Value::String(text.to_owned())).ok()
}

/// Whether `text` is made of the bytes `allowed` accepts only.
fn all_bytes(text: &str, allowed: impl Fn(u8) -> bool) -> bool {
    text.bytes().all(allowed)
}

/// URL-safe base64 alphabet.
fn base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Hold tokens: 64 URL-safe base64 characters (48 bytes: show id + secret).
fn hold_token(text: &str) {
    let well_formed = text.len() == 64 && all_bytes(text, base64url);
    let parsed = text.parse::<HoldToken>();
    assert_eq!(
        serde_accepts::<HoldToken>(text),
        parsed.clone().ok(),
        "serde and FromStr disagree on a hold token"
    );
    match parsed {
        Ok(token) => {
            assert!(well_formed, "accepted a malformed hold token: {text:?}");
            assert_eq!(token.to_string(), text, "a hold token prints differently");
            let debug = format!("{token:?}");
            assert!(
                !debug.contains(&text[22..]),
                "Debug shows a hold token's secret: {debug}"
            );
        }
        Err(_) => assert!(!well_formed, "refused a well-formed hold token: {text:?}"),
    }
}

/// Every id type parses the same texts (UUIDs), and round-trips them.
fn ids(text: &str) {
    macro_rules! check {
        ($($ty:ty),* $(,)?) => {{
            let mut accepted = Vec::new();
            $(
                let parsed = text.parse::<$ty>();
                assert_eq!(
                    serde_accepts::<$ty>(text),
                    parsed.clone().ok(),
                    "serde and FromStr disagree on a {}", stringify!($ty)
                );
                match parsed {
                    Ok(id) => {
                        let printed = id.to_string();
                        assert_eq!(printed.parse::<$ty>(), Ok(id), "an id does not round-trip");
                        accepted.push(Some(id.as_uuid()));
                    }
                    Err(error) => {
                        let reservation_core::InputError::InvalidId { input, .. } = &error else {
                            panic!("an id fails to parse with another error: {error:?}");
                        };
                        assert_eq!(
                            *input,
                            text.chars().take(64).collect::<String>(),
                            "a parse error quotes other input"
                        );
                        accepted.push(None);
                    }
                }
            )*
            assert!(
                accepted.windows(2).all(|w| w[0] == w[1]),
                "id types disagree on {text:?}"
            );
        }};
    }
    check!(
        CityId,
        VenueId,
        HallId,
        EventId,
        PerformerId,
        ShowId,
        SeatId,
        HoldId,
        BookingId,
        TicketId,
        WaitId,
        HolderId,
    );
}

/// The card number `text` should be by the documented rule: 12-19 digits,
/// spaces and dashes ignored, Luhn check digit correct.
fn expected_card(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !(12..=19).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap_or(0);
            match (i % 2, d * 2) {
                (0, _) => d,
                (_, double) if double > 9 => double - 9,
                (_, double) => double,
            }
        })
        .sum();
    sum.is_multiple_of(10).then_some(digits)
}

/// Card numbers.
fn card_number(text: &str) {
    let parsed = CardNumber::parse(text);
    assert_eq!(
        serde_accepts::<CardNumber>(text),
        parsed.clone().ok(),
        "serde and parse disagree on a card number"
    );
    let expected = expected_card(text);
    match parsed {
        Ok(card) => {
            let digits =
                expected.unwrap_or_else(|| panic!("accepted an invalid card number: {text:?}"));
            assert_eq!(card.digits(), digits, "a card number keeps other digits");
            assert_eq!(card.last4(), &digits[digits.len() - 4..]);
            assert_eq!(CardNumber::parse(card.digits()), Ok(card.clone()));
            let debug = format!("{card:?}");
            assert!(
                !debug.contains(card.digits()),
                "Debug shows a whole card number: {debug}"
            );
        }
        Err(_) => assert!(expected.is_none(), "refused a valid card number: {text:?}"),
    }
}

/// Currency codes.
fn currency(text: &str) {
    let valid = text.len() == 3 && all_bytes(text, |b| b.is_ascii_uppercase());
    let parsed = Currency::parse(text);
    assert_eq!(serde_accepts::<Currency>(text), parsed.clone().ok());
    match parsed {
        Ok(code) => {
            assert!(valid, "accepted currency {text:?}");
            assert_eq!(code.as_str(), text);
            assert_eq!(code.to_string(), text);
        }
        Err(_) => assert!(!valid, "refused currency {text:?}"),
    }
}

/// Price category codes.
fn category_code(text: &str) {
    let valid = (1..=32).contains(&text.len()) && all_bytes(text, base64url);
    let parsed = CategoryCode::parse(text);
    assert_eq!(serde_accepts::<CategoryCode>(text), parsed.clone().ok());
    match parsed {
        Ok(code) => {
            assert!(valid, "accepted category code {text:?}");
            assert_eq!(code.as_str(), text);
            assert_eq!(code.to_string(), text);
        }
        Err(_) => assert!(!valid, "refused category code {text:?}"),
    }
}

/// Ticket codes: only the signer's own code for a ticket verifies.
fn ticket_code(signer: &TicketSigner, text: &str) {
    if let Ok(ticket) = signer.verify(text) {
        assert_eq!(
            signer.sign(ticket.show, ticket.ticket),
            text,
            "a code verified that the signer did not make"
        );
    }
}

/// Search text rules: words, and scoring blank or wordless text.
fn search_text(text: &str) {
    let found = words(text);
    for word in &found {
        assert!(
            !word.is_empty() && word.chars().all(char::is_alphanumeric),
            "words({text:?}) gave {word:?}"
        );
    }
    let event = event(EventId::from_name("user-text"), "Avengers: Endgame", 0);
    let score = EventText::new(&event, &["Robert Downey Jr.".to_owned()], &[]).score(text);
    if text.trim().is_empty() {
        assert_eq!(score, Some(0.0), "blank text scores 0");
    } else if found.is_empty() {
        assert_eq!(score, None, "text without words matches nothing");
    }
}

/// `validate`: the documented rules in their documented order, and cursors.
fn search_validation(text: &str, data: &[u8]) {
    let too_long = text.chars().count() > MAX_SEARCH_CHARS;
    let plain = SearchQuery {
        text: text.to_owned(),
        ..SearchQuery::default()
    };
    assert_eq!(
        validate(&plain).err(),
        too_long.then_some(SearchError::TextTooLong),
        "text length rule"
    );

    // The input as a cursor, for both sort orders.
    let decoded = [SearchSort::Relevance, SearchSort::StartTime].map(|sort| {
        let query = SearchQuery {
            sort,
            cursor: Some(Cursor::from(text.to_owned())),
            ..SearchQuery::default()
        };
        match validate(&query) {
            Ok(key) => Some(key.expect("a query with a cursor resumes somewhere")),
            Err(error) => {
                assert_eq!(
                    error,
                    SearchError::InvalidCursor,
                    "a cursor refused as {error:?}"
                );
                None
            }
        }
    });
    assert!(
        decoded.iter().any(Option::is_none),
        "a cursor decodes for both sort orders: {text:?}"
    );
    if let Some(key) = decoded[1] {
        start_time_cursor_round_trips(text, key.event(), key.first_show());
    }

    // Radius and date range from the input's first 16 bytes, with all rules at once.
    let Some((radius, after, before)) = numbers(data) else {
        return;
    };
    let query = SearchQuery {
        text: text.to_owned(),
        near: Some(Near {
            point: GeoPoint::new(0.0, 0.0).expect("a valid position"),
            radius_km: radius,
        }),
        starts_after: Some(after),
        starts_before: Some(before),
        cursor: Some(Cursor::from(text.to_owned())),
        ..SearchQuery::default()
    };
    let expected = if too_long {
        Some(SearchError::TextTooLong)
    } else if !(radius.is_finite() && radius > 0.0) {
        Some(SearchError::InvalidRadius)
    } else if after >= before {
        Some(SearchError::EmptyDateRange)
    } else if decoded[0].is_none() {
        Some(SearchError::InvalidCursor)
    } else {
        None
    };
    assert_eq!(validate(&query).err(), expected, "validation order");
}

/// A radius and a date range read from the first 16 bytes, if there are 16.
fn numbers(data: &[u8]) -> Option<(f64, OffsetDateTime, OffsetDateTime)> {
    let radius = f64::from_le_bytes(data.get(..8)?.try_into().ok()?);
    let second = |bytes: &[u8]| -> Option<OffsetDateTime> {
        let s = i32::from_le_bytes(bytes.try_into().ok()?);
        OffsetDateTime::from_unix_timestamp(i64::from(s)).ok()
    };
    Some((
        radius,
        second(data.get(8..12)?)?,
        second(data.get(12..16)?)?,
    ))
}

/// A start-time cursor naming (`first_show`, `event`) is exactly the cursor
/// `paginate` hands out after a hit at that position.
fn start_time_cursor_round_trips(text: &str, event_id: EventId, first_show: OffsetDateTime) {
    let Ok(last) = "ffffffff-ffff-ffff-ffff-ffffffffffff".parse::<EventId>() else {
        panic!("the largest UUID parses");
    };
    if event_id == last {
        return; // no event sorts after it at the same instant
    }
    let hit = |id: EventId| SearchHit {
        event: event(id, "", 0),
        score: 0.0,
        first_show,
        time_zone: reservation_core::catalog::TimeZone::utc(),
        shows: 1,
    };
    let query = SearchQuery {
        sort: SearchSort::StartTime,
        limit: PageSize::new(1).expect("page size 1"),
        ..SearchQuery::default()
    };
    let page = paginate(&query, vec![hit(last), hit(event_id)]).expect("a valid query");
    assert_eq!(page.hits.len(), 1);
    assert_eq!(page.hits[0].event.id, event_id);
    assert_eq!(
        page.next.as_ref().map(|c| c.as_str()),
        Some(text),
        "an accepted cursor is not the one made for its position"
    );
}

/// Pagination over a real index: pages add up to the full list, and a
/// foreign cursor resumes within it.
fn search_pages(index: &SearchIndex, text: &str, data: &[u8]) {
    let sort = if data.first().is_some_and(|b| b & 1 == 1) {
        SearchSort::StartTime
    } else {
        SearchSort::Relevance
    };
    let everything = |text: &str, cursor: Option<Cursor>| SearchQuery {
        text: text.to_owned(),
        sort,
        limit: PageSize::new(100).expect("page size 100"),
        cursor,
        ..SearchQuery::default()
    };
    let ids = |hits: &[SearchHit]| hits.iter().map(|h| h.event.id).collect::<Vec<_>>();

    match index.search(&everything(text, None)) {
        Err(error) => assert_eq!(error, SearchError::TextTooLong, "search failed: {error:?}"),
        Ok(full) => {
            assert!(
                full.next.is_none(),
                "fewer hits than a page, yet a next page"
            );
            let size = 1 + data.len() % 4;
            let mut paged = Vec::new();
            let mut cursor = None;
            for _ in 0..=full.hits.len() {
                let query = SearchQuery {
                    limit: PageSize::new(size as u16).expect("page size 1..=4"),
                    ..everything(text, cursor.take())
                };
                let page = index
                    .search(&query)
                    .expect("following the index's own cursor");
                assert!(page.hits.len() <= size, "a page longer than its limit");
                paged.extend(ids(&page.hits));
                match page.next {
                    Some(next) => {
                        let resume = SearchQuery {
                            sort,
                            cursor: Some(next.clone()),
                            ..SearchQuery::default()
                        };
                        assert!(
                            matches!(validate(&resume), Ok(Some(_))),
                            "the index made a cursor validate refuses"
                        );
                        cursor = Some(next);
                    }
                    None => break,
                }
            }
            assert_eq!(
                paged,
                ids(&full.hits),
                "pages do not add up to the result list"
            );
        }
    }

    // The input as a cursor over the whole catalogue.
    if let Ok(resumed) = index.search(&everything("", Some(Cursor::from(text.to_owned())))) {
        let all = index
            .search(&everything("", None))
            .expect("the blank query is valid");
        let (all, resumed) = (ids(&all.hits), ids(&resumed.hits));
        assert!(
            all.ends_with(&resumed),
            "resuming from a cursor gives hits out of order or not in the list"
        );
    }
}

/// An event with a title and a description.
fn event(id: EventId, title: &str, n: u32) -> Event {
    let kind = if n.is_multiple_of(3) {
        EventKind::Movie
    } else {
        EventKind::Concert
    };
    Event::new(kind, title)
        .with_id(id)
        .with_description(format!(
            "{title}: an evening of {} and {}",
            GENRES[n as usize % 5],
            GENRES[(n as usize + 2) % 5]
        ))
        .with_genres([GENRES[n as usize % 5]])
        .with_duration_minutes(90)
}

/// Genres the test events are tagged with.
const GENRES: [&str; 5] = ["action", "jazz", "drama", "comedy", "science fiction"];

/// Twelve events, some with equal titles (equal scores) and equal first
/// shows (ties broken by id), with shows at two venues.
fn search_index() -> SearchIndex {
    /// Titles: some equal, some with diacritics or non-Latin script.
    const TITLES: [&str; 12] = [
        "Avengers: Endgame",
        "Metropolis",
        "Jazz at Midnight",
        "Hamlet",
        "Hamlet",
        "Die Hard",
        "The Matrix",
        "Ænima Live",
        "Crème de la crème",
        "東京物語",
        "Metropolis (1927)",
        "Kind of Blue",
    ];
    let start = OffsetDateTime::from_unix_timestamp(1_900_000_000).expect("a valid instant");
    let venues =
        [("Grand Cinema", 48.85, 2.35), ("Blue Note", 40.73, -74.0)].map(|(name, lat, lon)| {
            let location = GeoPoint::new(lat, lon).expect("a valid position");
            Venue::new(CityId::from_name(name), name, location).with_id(VenueId::from_name(name))
        });
    let categories = grid_layout("user-text", 1, 1, 0).categories;
    let prices = PriceList::uniform(&categories, Money::new(900, Currency::EUR));
    let mut index = SearchIndex::new();
    for (n, title) in TITLES.iter().enumerate() {
        let n = n as u32;
        let event = event(EventId::from_name(&format!("user-text/{n}")), title, n);
        index.upsert_event(&event, &[format!("Performer {}", n % 4)]);
        for s in 0..(1 + n % 3) {
            let venue = &venues[((n + s) % 2) as usize];
            // Pairs of events share their first show's start.
            let starts_at = start + Duration::hours(i64::from(n / 2) * 3 + i64::from(s) * 24);
            let hall = HallId::from_name("user-text");
            let show = Show::from_ids(
                event.id,
                hall,
                venue.id,
                venue.city,
                starts_at,
                prices.clone(),
            )
            .with_id(ShowId::from_name(&format!("user-text/{n}/{s}")));
            index.add_show(&show, venue);
        }
    }
    index
}
