//! The demo catalog: six cities, 24 venues with halls of three shapes
//! (cinemas with a centre aisle, fan-shaped theatres, a 2,300-seat arena),
//! 30 events and showtimes over the next 14 days. Ids derive from names, so
//! every load produces the same catalog.

use reservation_core::catalog::{
    CatalogError, CategoryCode, City, Event, EventKind, GeoPoint, Hall, Layout, Performer, Point,
    PriceCategory, PriceList, Row, Seat, SeatFlags, Section, Show, Stage, TimeZone, Venue,
};
use reservation_core::waiting_room::{Pace, RoomConfig, RoomError, WaitingRoom};
use reservation_core::{
    CatalogAdmin, CityId, Currency, EventId, HallId, Money, PerformerId, SeatId, ShowId, VenueId,
};
use time::{Duration, OffsetDateTime, Time};

/// What a load added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// Cities.
    pub cities: usize,
    /// Venues.
    pub venues: usize,
    /// Halls.
    pub halls: usize,
    /// Events.
    pub events: usize,
    /// Shows.
    pub shows: usize,
    /// Seats of the largest hall.
    pub largest_hall: usize,
}

/// Name, country, centre and IANA time zone (migration 0008 gives the
/// same zones to demo cities stored before it).
const CITIES: [(&str, &str, f64, f64, &str); 6] = [
    ("Berlin", "DE", 52.520, 13.405, "Europe/Berlin"),
    ("Hamburg", "DE", 53.551, 9.994, "Europe/Berlin"),
    ("München", "DE", 48.137, 11.575, "Europe/Berlin"),
    ("Wien", "AT", 48.208, 16.373, "Europe/Vienna"),
    ("Zürich", "CH", 47.377, 8.541, "Europe/Zurich"),
    ("Paris", "FR", 48.857, 2.352, "Europe/Paris"),
];

const MOVIES: [(&str, &str, u32, &str); 18] = [
    ("Metropolis", "science fiction", 153, "FSK 6"),
    ("Nosferatu", "horror", 94, "FSK 12"),
    ("The General", "comedy", 78, "FSK 0"),
    ("Casablanca", "romance", 102, "FSK 12"),
    ("The Third Man", "thriller", 104, "FSK 12"),
    ("Rear Window", "thriller", 112, "FSK 12"),
    ("Seven Samurai", "action", 207, "FSK 16"),
    ("Some Like It Hot", "comedy", 121, "FSK 6"),
    ("Vertigo", "thriller", 128, "FSK 12"),
    ("Lawrence of Arabia", "adventure", 222, "FSK 12"),
    ("2001: A Space Odyssey", "science fiction", 149, "FSK 12"),
    ("Spirited Away", "animation", 125, "FSK 6"),
    ("Amélie", "romance", 122, "FSK 6"),
    ("Interstellar", "science fiction", 169, "FSK 12"),
    ("Avengers: Endgame", "action", 181, "FSK 12"),
    ("The Grand Budapest Hotel", "comedy", 99, "FSK 12"),
    ("Parasite", "thriller", 132, "FSK 16"),
    ("Dune: Part Two", "science fiction", 166, "FSK 12"),
];

const CONCERTS: [(&str, &str, &str); 12] = [
    (
        "Beethoven: Symphony No. 9",
        "classical",
        "Berliner Sinfonietta",
    ),
    ("Mozart Requiem", "classical", "Wiener Kammerchor"),
    ("Blue Note Jazz Night", "jazz", "The Riverside Quartet"),
    ("Swan Lake", "ballet", "Ballet Lumière"),
    ("Rock the Arena", "rock", "The Northern Lights"),
    ("Electronic Dreams", "electronic", "Kraftfeld"),
    ("Fado Evening", "world", "Ana Moreira"),
    ("Piano Recital: Chopin", "classical", "Lena Hoffmann"),
    ("Big Band Swing", "jazz", "The Swing Factory"),
    ("Opera Gala", "opera", "Ensemble Bel Canto"),
    ("Indie Spring Tour", "indie", "Paper Moons"),
    (
        "Symphonic Film Music",
        "classical",
        "Hans Zimmer Tribute Orchestra",
    ),
];

type DemoError = Box<dyn std::error::Error + Send + Sync>;

/// Surcharge over a show's base price, per price category code.
const SURCHARGES: [(&str, i64); 8] = [
    ("A", 0),
    ("P", 400),
    ("FS", 800),
    ("ST", 400),
    ("RS", 0),
    ("F", 1200),
    ("T", 400),
    ("U", 0),
];

fn categories(codes: &[(&str, &str)]) -> Result<Vec<PriceCategory>, DemoError> {
    codes
        .iter()
        .map(|(c, name)| Ok(PriceCategory::new(CategoryCode::parse(c)?, *name)))
        .collect()
}

fn row_label(index: usize) -> String {
    let letter = |i: usize| char::from(b'A' + (i % 26) as u8);
    if index < 26 {
        letter(index).to_string()
    } else {
        format!("{}{}", letter(index / 26 - 1), letter(index))
    }
}

/// How a block of rows looks.
struct Block<'a> {
    hall: &'a str,
    name: &'a str,
    prefix: &'a str,
    rows: usize,
    /// The row with accessible seats at its ends (companion seats next to them).
    accessible_row: Option<usize>,
}

impl Block<'_> {
    /// The section: `seats(row)` seats per row, placed by `place(row, seat)`,
    /// priced by `category(row)`. Labels are `<prefix><row><number>`.
    fn build(
        &self,
        seats: impl Fn(usize) -> usize,
        place: impl Fn(usize, usize) -> Point,
        category: impl Fn(usize) -> &'static str,
    ) -> Result<Section, DemoError> {
        let rows = (0..self.rows)
            .map(|r| {
                let label = format!("{}{}", self.prefix, row_label(r));
                let count = seats(r);
                let edge =
                    |s: usize, from_edge: usize| s == from_edge || s + 1 + from_edge == count;
                let seats = (0..count)
                    .map(|s| {
                        let seat_label = format!("{label}{}", s + 1);
                        let flags = SeatFlags::NONE
                            .with_accessible(self.accessible_row == Some(r) && edge(s, 0))
                            .with_companion(self.accessible_row == Some(r) && edge(s, 1))
                            .with_aisle(edge(s, 0));
                        let id = SeatId::from_name(&format!("{}/{seat_label}", self.hall));
                        let number = u16::try_from(s + 1)?;
                        let category = CategoryCode::parse(category(r))?;
                        Ok(Seat::new(id, seat_label, number, place(r, s), category)
                            .with_flags(flags))
                    })
                    .collect::<Result<_, DemoError>>()?;
                Ok(Row::new(label, seats))
            })
            .collect::<Result<_, DemoError>>()?;
        Ok(Section::new(self.name, rows))
    }
}

/// A cinema: `rows` rows split by a centre aisle, the back quarter premium.
fn cinema(hall: &str, rows: usize, per_side: usize) -> Result<Layout, DemoError> {
    let premium_from = rows - rows / 4;
    let category = move |r: usize| if r >= premium_from { "P" } else { "A" };
    let side = |name: &str, prefix: &str, x0: f32| {
        let block = Block {
            hall,
            name,
            prefix,
            rows,
            accessible_row: Some(0),
        };
        block.build(
            |_| per_side,
            move |r, s| Point::new(x0 + s as f32 * 10.0, 40.0 + r as f32 * 11.0),
            category,
        )
    };
    let width = per_side as f32 * 20.0 + 20.0;
    Ok(Layout::new(
        Stage::new("Screen", Point::new(10.0, 0.0), width - 20.0, 8.0),
        categories(&[("A", "Standard"), ("P", "Premium")])?,
        vec![
            side("Left", "L", 0.0)?,
            side("Right", "R", per_side as f32 * 10.0 + 20.0)?,
        ],
    ))
}

/// A theatre: rows on arcs around the stage, wider towards the back.
fn theatre(hall: &str, rows: usize) -> Result<Layout, DemoError> {
    let seats = |r: usize| 14 + 2 * r;
    let place = move |r: usize, s: usize| {
        let radius = 70.0 + r as f32 * 12.0;
        let count = seats(r) as f32;
        let angle = (s as f32 - (count - 1.0) / 2.0) * (1.6 / count);
        Point::new(200.0 + radius * angle.sin(), 10.0 + radius * angle.cos())
    };
    let category = move |r: usize| match r * 3 / rows {
        0 => "FS",
        1 => "ST",
        _ => "RS",
    };
    let block = Block {
        hall,
        name: "Stalls",
        prefix: "",
        rows,
        accessible_row: Some(rows - 1),
    };
    Ok(Layout::new(
        Stage::new("Stage", Point::new(150.0, 0.0), 100.0, 30.0),
        categories(&[
            ("FS", "Front stalls"),
            ("ST", "Stalls"),
            ("RS", "Rear stalls"),
        ])?,
        vec![block.build(seats, place, category)?],
    )
    .with_sweet_spot(place(rows / 3, seats(rows / 3) / 2)))
}

/// An arena: a floor in front of the stage and three tiers around it.
fn arena(hall: &str) -> Result<Layout, DemoError> {
    let grid = |x0: f32, y0: f32| {
        move |r: usize, s: usize| Point::new(x0 + s as f32 * 9.0, y0 + r as f32 * 10.0)
    };
    let block = |name, prefix, rows, accessible_row| Block {
        hall,
        name,
        prefix,
        rows,
        accessible_row,
    };
    Ok(Layout::new(
        Stage::new("Stage", Point::new(230.0, 0.0), 200.0, 50.0),
        categories(&[("F", "Floor"), ("T", "Tier"), ("U", "Upper tier")])?,
        vec![
            block("Floor", "F", 20, Some(19)).build(|_| 40, grid(150.0, 70.0), |_| "F")?,
            block("Left tier", "W", 15, None).build(|_| 15, grid(0.0, 70.0), |_| "T")?,
            block("Right tier", "E", 15, None).build(|_| 15, grid(530.0, 70.0), |_| "T")?,
            block("Upper tier", "U", 20, None).build(
                |_| 70,
                grid(15.0, 290.0),
                |r| if r < 10 { "T" } else { "U" },
            )?,
        ],
    )
    .with_sweet_spot(Point::new(330.0, 120.0)))
}

/// Base price plus each category's surcharge.
fn prices(layout: &Layout, base: i64, currency: Currency) -> Result<PriceList, DemoError> {
    let surcharge = |code: &CategoryCode| {
        SURCHARGES
            .iter()
            .find(|(c, _)| *c == code.as_str())
            .map_or(0, |(_, s)| *s)
    };
    let prices = layout.categories.iter().map(|c| {
        (
            c.code.clone(),
            Money::new(base + surcharge(&c.code), currency),
        )
    });
    Ok(PriceList::new(prices.collect())?)
}

/// Whether `store` needs the demo catalog: it is empty, or it is a demo
/// database that a crash or a concurrent start left half-loaded (loading is
/// idempotent, so finishing it is safe).
pub async fn needs_loading<S: reservation_core::Catalog + ?Sized>(
    store: &S,
) -> Result<bool, DemoError> {
    let cities = store.cities().await?;
    if cities.is_empty() {
        return Ok(true);
    }
    let demo = cities
        .iter()
        .any(|c| c.id == CityId::from_name(CITIES[0].0));
    // The last show is the last thing loaded.
    let (last_city, ..) = CITIES[CITIES.len() - 1];
    let last = show_id(&format!("{last_city} Arena / Stalls"), 13, 20);
    Ok(demo && store.show(last).await.is_err())
}

/// The demo show behind a waiting room: "Rock the Arena" at the Hamburg
/// Arena, its first show (the day after tomorrow, 20:00 in Hamburg). Search
/// "rock", pick Hamburg, and its first showtime.
pub fn room_show() -> ShowId {
    show_id("Hamburg Arena / Stalls", 1, 20)
}

/// Switches the demo's waiting room on for [`room_show`]: the lobby opens
/// at `now`, the sale `sale_delay` later, admitting at `pace`. A room that
/// is already on (opened by another instance on the same database, or
/// before a restart) keeps its settings and its line.
pub async fn open_room(
    room: &WaitingRoom,
    now: OffsetDateTime,
    sale_delay: Duration,
    pace: Pace,
) -> Result<RoomConfig, RoomError> {
    if let Some(config) = room.room(room_show()).await? {
        return Ok(config);
    }
    let config = RoomConfig::new(now, now + sale_delay, pace)?;
    room.open(room_show(), config).await?;
    Ok(config)
}

/// A demo show's id: stable, so loading twice adds nothing twice.
fn show_id(hall_name: &str, day: i64, hour: u8) -> ShowId {
    ShowId::from_name(&format!("{hall_name}/{day}/{hour}"))
}

/// An entity that is already there (loaded by another instance, or before a
/// crash) counts as added.
fn added(result: Result<(), CatalogError>) -> Result<(), CatalogError> {
    match result {
        Err(CatalogError::Duplicate { .. }) => Ok(()),
        other => other,
    }
}

/// Adds the demo catalog to `store`, with shows starting from `now`'s next
/// day. Entities already there are kept as they are.
pub async fn load<S: CatalogAdmin + ?Sized>(
    store: &S,
    now: OffsetDateTime,
) -> Result<Loaded, DemoError> {
    let mut loaded = Loaded {
        cities: 0,
        venues: 0,
        halls: 0,
        events: 0,
        shows: 0,
        largest_hall: 0,
    };
    let mut movies = Vec::new();
    for (title, genre, minutes, rating) in MOVIES {
        let event = Event::new(EventKind::Movie, title)
            .with_id(EventId::from_name(title))
            .with_description(format!("{title} on the big screen."))
            .with_genres([genre])
            .with_duration_minutes(minutes)
            .with_rating(rating);
        added(store.add_event(event).await)?;
        movies.push(EventId::from_name(title));
    }
    let mut concerts = Vec::new();
    for (title, genre, artist) in CONCERTS {
        let performer = Performer::new(artist).with_id(PerformerId::from_name(artist));
        added(store.add_performer(performer.clone()).await)?;
        let event = Event::new(EventKind::Concert, title)
            .with_id(EventId::from_name(title))
            .with_description(format!("{artist} live: {title}."))
            .with_genres([genre])
            .with_performers([performer.id])
            .with_duration_minutes(120);
        added(store.add_event(event).await)?;
        concerts.push(EventId::from_name(title));
    }
    loaded.events = movies.len() + concerts.len();
    for (c, (city_name, country, lat, lon, zone)) in CITIES.iter().enumerate() {
        let location = GeoPoint::new(*lat, *lon)?;
        let zone = TimeZone::parse(zone)?;
        // Shows start on the hour by the city's clocks, from its tomorrow on.
        let first_day = zone.date_of(now) + Duration::days(1);
        let city = City::new(*city_name, *country, location)
            .with_id(CityId::from_name(city_name))
            .with_time_zone(zone.clone());
        added(store.add_city(city.clone()).await)?;
        loaded.cities += 1;
        let currency = match *country {
            "CH" => Currency::parse("CHF")?,
            _ => Currency::EUR,
        };
        let venues = [
            (format!("Kino {city_name}"), "cinema"),
            (format!("Lichtspiele {city_name}"), "cinema"),
            (format!("Theater {city_name}"), "theatre"),
            (
                format!("{city_name} Arena"),
                if c == 0 { "arena" } else { "theatre" },
            ),
        ];
        for (v, (venue_name, kind)) in venues.iter().enumerate() {
            let location = GeoPoint::new(lat + 0.01 * v as f64, lon - 0.012 * v as f64)?;
            let venue = Venue::new(city.id, venue_name.clone(), location)
                .with_id(VenueId::from_name(venue_name))
                .with_time_zone(zone.clone())
                .with_address(
                    format!(
                        "{} Straße {}",
                        ["Haupt", "Kino", "Theater", "Arena"][v],
                        10 + v
                    ),
                    format!("{}{:03}", 1 + c, 100 + v),
                );
            added(store.add_venue(venue.clone()).await)?;
            loaded.venues += 1;
            let halls: Vec<(String, Layout)> = match *kind {
                "cinema" => vec![
                    (
                        format!("{venue_name} / Saal 1"),
                        cinema(&format!("{venue_name}/1"), 12, 9)?,
                    ),
                    (
                        format!("{venue_name} / Saal 2"),
                        cinema(&format!("{venue_name}/2"), 8, 7)?,
                    ),
                ],
                "arena" => vec![(format!("{venue_name} / Main"), arena(venue_name)?)],
                _ => vec![(
                    format!("{venue_name} / Stalls"),
                    theatre(venue_name, 10 + v)?,
                )],
            };
            for (h, (hall_name, layout)) in halls.into_iter().enumerate() {
                let hall = Hall::new(
                    HallId::from_name(&hall_name),
                    venue.id,
                    hall_name.rsplit(" / ").next().unwrap_or("Hall"),
                    layout,
                )?;
                loaded.largest_hall = loaded.largest_hall.max(hall.capacity());
                added(store.add_hall(hall.clone()).await)?;
                loaded.halls += 1;
                let (events, times, base): (&[EventId], &[u8], i64) = match *kind {
                    "cinema" => (&movies, &[15, 18, 21], 1050),
                    _ => (&concerts, &[20], 2900),
                };
                for day in 0..14 {
                    // Arenas play every other day.
                    if *kind == "arena" && day % 2 == 1 {
                        continue;
                    }
                    for (t, hour) in times.iter().enumerate() {
                        let event =
                            events[(c * 5 + v * 3 + h * 7 + day as usize * 2 + t) % events.len()];
                        let local = (first_day + Duration::days(day)).with_time(Time::MIDNIGHT)
                            + Duration::hours(i64::from(*hour))
                            + Duration::minutes(15 * h as i64);
                        let starts_at = zone.at_local(local);
                        let prices = prices(hall.layout(), base, currency)?;
                        let show = Show::new(event, &venue, &hall, starts_at, prices)
                            .with_id(show_id(&hall_name, day, *hour));
                        added(store.add_show(show).await)?;
                        loaded.shows += 1;
                    }
                }
            }
        }
    }
    Ok(loaded)
}
