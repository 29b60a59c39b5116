//! The searched catalog, generated from word lists with a fixed seed so every
//! run searches the same one: 500 cities of 10 venues each (a national
//! ticketing service's size), events with titles, performers, genres and
//! descriptions, and 10 shows per event, 2 a day per venue on average.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reservation_core::catalog::{
    CatalogError, City, Event, EventKind, GeoPoint, Hall, Performer, PriceList, Show, Venue,
    grid_layout,
};
use reservation_core::{CityId, Currency, EventId, HallId, Money, PerformerId, ShowId, VenueId};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Cities: a national ticketing service's catalog.
const CITIES: usize = 500;
/// Venues per city.
const VENUES_PER_CITY: usize = 10;
/// Shows per venue and day, on average.
const SHOWS_PER_VENUE_DAY: usize = 2;
/// Shows per event: 1M shows are 100k events.
const SHOWS_PER_EVENT: usize = 10;
/// The seed of every run.
const SEED: u64 = 0x5ea7_5e4c;

/// Common title words, most frequent first.
const TITLE_WORDS: &str = "night love dark last return king city home black blue red house
    girl man world heart star light fire road summer winter shadow secret dream lost wild
    golden silent broken iron river ocean moon sun storm ghost queen garden empire kingdom
    stranger journey legend promise memory island mountain forest hunter soldier angel
    devil dragon wolf tiger eagle crown sword glass paper silver crystal velvet midnight
    morning evening thunder lightning rain snow wind echo whisper voice song dance rhythm
    blues melody harmony symphony sonata ballad anthem story tale chronicle saga mystery
    escape rescue revenge justice freedom honor glory victory fortune danger paradise
    heaven hell inferno harbor bridge tower castle palace prison station hotel diner
    circus carnival parade festival wedding funeral party reunion holiday weekend tomorrow
    yesterday forever always never beyond between beneath above inside outside rising
    falling burning frozen hidden forgotten endless eternal final first second third";
/// Words of descriptions, most frequent first.
const DESCRIPTION_WORDS: &str = "the of and a with in an for live night story music
    evening new show tour young family friends world city heart journey unforgettable
    award winning acclaimed classic original stunning powerful moving hilarious intimate
    epic thrilling tender bold fresh daring celebrated legendary beloved brilliant
    performance production cast band orchestra ensemble company premiere season encore
    adaptation debut return favourite stage screen sound songs hits album greatest
    together alone against across through under over love loss hope fear courage
    dreams memories secrets lives century generation adventure comedy drama romance";
/// First names of performers.
const FIRST_NAMES: &str = "anna ben clara david emma felix greta hugo ida jonas karl lena
    marco nina oscar paula quentin rosa samuel tara ulrich vera william xenia yusuf zoe
    adele bruno carmen dimitri elena frank gloria henrik irene jack katja leon maria
    niklas olga peter rita stefan tomas ursula viktor wanda alex beatrice cedric diana
    emil fiona georg hanna ivan julia kevin laura max nora otto pia rafael sofia theo
    uma valentin wilma amir bianca carlos daria erik freya gustav helena igor johanna
    kai lotte mads noah ophelia pablo ruth sven tilda victor yara zeno";
/// Last names of performers (half of them are invented words instead).
const LAST_NAMES: &str = "anderson berg castellano dupont eriksson fischer garcia hansen
    ivanova jensen kowalski larsen moreau nielsen oliveira petersen quinn rossi schmidt
    thompson urban vasquez weber young zimmermann abbott bauer costa dalton engel ferreira
    gallagher hoffmann ibsen jovanovic keller lindqvist martin novak ortega perez
    richter santos tanaka ueda varga wagner yilmaz ziegler adams brooks carter dixon
    ellis foster grant hughes irving jordan kennedy lawson morgan nolan owens palmer
    reed sullivan turner vance walsh";
/// Syllables of invented words (rare titles and surnames, city names).
const SYLLABLES: &str = "ka ri mo zan tel vor ash bel cor dun el fen gal hes ir jor
    kel lum mar nev or pel quor ran sil tor ul ven wyr xan yor zel bra cli dro fri gla
    pru sta tri";
/// City name halves: 25 x 20 = 500 names.
const CITY_HEADS: &str = "bran kel mor ash dun fal gar hol ivor jun lind marl nor ost
    pel quin ros sel tor ul ver wex yar zen cal";
const CITY_TAILS: &str = "ford holm bury ton vik stad mouth field haven burg port wick dale gate mere ley by stead wood cross";
/// Venue name words.
const VENUE_KINDS: &str = "arena palace cinema theatre hall odeon playhouse stadium club
    lounge opera pavilion";
const VENUE_ADJECTIVES: &str = "royal grand central old new little imperial majestic
    civic garden harbour union";

/// Genres by kind.
const MOVIE_GENRES: &str =
    "action comedy drama thriller horror romance animation documentary fantasy crime adventure";
const CONCERT_GENRES: &str =
    "rock pop jazz classical electronic folk metal blues soul country indie";
const THEATRE_GENRES: &str = "drama musical comedy opera ballet cabaret tragedy improv";
const OTHER_GENRES: &str = "family festival circus magic lecture sports";

/// How big a catalog to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Size {
    /// Shows in all (a multiple of 10: 10 per event).
    pub(crate) shows: usize,
}

impl Size {
    /// Events: one per 10 shows.
    pub(crate) fn events(self) -> usize {
        self.shows / SHOWS_PER_EVENT
    }

    /// The cities (always 500).
    pub(crate) fn cities(self) -> usize {
        CITIES
    }

    /// Days the shows span: 2 shows a day at each venue.
    fn days(self) -> u32 {
        let per_day = CITIES * VENUES_PER_CITY * SHOWS_PER_VENUE_DAY;
        u32::try_from(self.shows.div_ceil(per_day).max(1)).unwrap_or(u32::MAX)
    }
}

/// One show, compactly: the catalog builds the [`Show`] when it is loaded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShowSpec {
    pub(crate) id: ShowId,
    /// Index into [`Catalog::events`].
    pub(crate) event: u32,
    /// Index into [`Catalog::venues`] (and [`Catalog::halls`]).
    pub(crate) venue: u32,
    pub(crate) starts_at: OffsetDateTime,
}

/// A generated catalog.
pub(crate) struct Catalog {
    pub(crate) cities: Vec<City>,
    pub(crate) venues: Vec<Venue>,
    /// One hall per venue, at the same index.
    pub(crate) halls: Vec<Hall>,
    pub(crate) performers: Vec<Performer>,
    pub(crate) events: Vec<Event>,
    /// Shows grouped by event, in event order.
    pub(crate) shows: Vec<ShowSpec>,
    /// Midnight of the first day with shows.
    pub(crate) first_day: OffsetDateTime,
    /// Days with shows.
    pub(crate) days: u32,
    prices: PriceList,
}

/// The word lists, split.
struct Words {
    title: Vec<&'static str>,
    description: Vec<&'static str>,
    first: Vec<&'static str>,
    last: Vec<&'static str>,
    syllables: Vec<&'static str>,
}

impl Words {
    fn new() -> Self {
        Self {
            title: TITLE_WORDS.split_whitespace().collect(),
            description: DESCRIPTION_WORDS.split_whitespace().collect(),
            first: FIRST_NAMES.split_whitespace().collect(),
            last: LAST_NAMES.split_whitespace().collect(),
            syllables: SYLLABLES.split_whitespace().collect(),
        }
    }

    /// A made-up word of 2 or 3 syllables (a large, rare vocabulary).
    fn invented(&self, rng: &mut StdRng) -> String {
        let count = rng.random_range(2..=3);
        (0..count)
            .map(|_| self.syllables[rng.random_range(0..self.syllables.len())])
            .collect()
    }
}

/// Picks from `list`, earlier entries much more often (word frequencies
/// are skewed: a few words are everywhere, most are rare).
fn skewed<'a, T>(rng: &mut StdRng, list: &'a [T]) -> &'a T {
    let u: f64 = rng.random();
    let at = (u * u * list.len() as f64) as usize;
    &list[at.min(list.len() - 1)]
}

fn uniform<T: Copy>(rng: &mut StdRng, list: &[T]) -> T {
    list[rng.random_range(0..list.len())]
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn random_uuid(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

impl Catalog {
    /// Generates a catalog of `size` (a second or two per million shows).
    ///
    /// # Errors
    /// A hall layout is refused (a bug here).
    pub(crate) fn generate(size: Size) -> Result<Self, CatalogError> {
        let mut rng = StdRng::seed_from_u64(SEED);
        let words = Words::new();
        let cities = cities(&mut rng);
        let venues = venues(&mut rng, &cities);
        let halls: Vec<Hall> = venues
            .iter()
            .enumerate()
            .map(|(i, venue)| {
                let layout = grid_layout(&format!("search hall {i}"), 1, 4, 0);
                Hall::new(
                    HallId::from_uuid(random_uuid(&mut rng)),
                    venue.id,
                    "1",
                    layout,
                )
            })
            .collect::<Result<_, _>>()?;
        // Every hall has the same categories.
        let categories = halls
            .first()
            .map(|hall: &Hall| hall.layout().categories.clone())
            .unwrap_or_default();
        let prices = PriceList::uniform(&categories, Money::new(900, Currency::EUR));
        let performers: Vec<Performer> = (0..(size.events() / 2).max(100))
            .map(|_| {
                let last = if rng.random_bool(0.5) {
                    uniform(&mut rng, &words.last).to_owned()
                } else {
                    words.invented(&mut rng)
                };
                let id = PerformerId::from_uuid(random_uuid(&mut rng));
                let name = format!(
                    "{} {}",
                    capitalized(uniform(&mut rng, &words.first)),
                    capitalized(&last)
                );
                Performer::new(name).with_id(id)
            })
            .collect();
        let first_day = datetime!(2030-03-01 00:00 UTC);
        let days = size.days();
        let mut events = Vec::with_capacity(size.events());
        let mut shows = Vec::with_capacity(size.shows);
        for index in 0..size.events() {
            let event = event(&mut rng, &words, &performers);
            let at = u32::try_from(index).unwrap_or(u32::MAX);
            shows.extend(event_shows(&mut rng, at, event.kind, first_day, days));
            events.push(event);
        }
        Ok(Self {
            cities,
            venues,
            halls,
            performers,
            events,
            shows,
            first_day,
            days,
            prices,
        })
    }

    /// The full show of `spec`.
    pub(crate) fn show(&self, spec: &ShowSpec) -> Show {
        let venue = &self.venues[spec.venue as usize];
        Show::new(
            self.events[spec.event as usize].id,
            venue,
            &self.halls[spec.venue as usize],
            spec.starts_at,
            self.prices.clone(),
        )
        .with_id(spec.id)
    }

    /// The shows of event `event` (an index).
    pub(crate) fn shows_of(&self, event: usize) -> &[ShowSpec] {
        let at = u32::try_from(event).unwrap_or(u32::MAX);
        let from = self.shows.partition_point(|s| s.event < at);
        let to = self.shows.partition_point(|s| s.event <= at);
        &self.shows[from..to]
    }
}

fn cities(rng: &mut StdRng) -> Vec<City> {
    let heads: Vec<&str> = CITY_HEADS.split_whitespace().collect();
    let tails: Vec<&str> = CITY_TAILS.split_whitespace().collect();
    heads
        .iter()
        .flat_map(|head| tails.iter().map(move |tail| format!("{head}{tail}")))
        .take(CITIES)
        .filter_map(|name| {
            // Somewhere in Europe.
            let location =
                GeoPoint::new(rng.random_range(36.0..60.0), rng.random_range(-9.0..25.0)).ok()?;
            let id = CityId::from_uuid(random_uuid(rng));
            Some(City::new(capitalized(&name), "EU", location).with_id(id))
        })
        .collect()
}

fn venues(rng: &mut StdRng, cities: &[City]) -> Vec<Venue> {
    let kinds: Vec<&str> = VENUE_KINDS.split_whitespace().collect();
    let adjectives: Vec<&str> = VENUE_ADJECTIVES.split_whitespace().collect();
    let mut venues = Vec::with_capacity(cities.len() * VENUES_PER_CITY);
    for city in cities {
        for i in 0..VENUES_PER_CITY {
            // "Brandford Arena" or "Royal Playhouse".
            let first = if rng.random_bool(0.5) {
                city.name.clone()
            } else {
                capitalized(uniform(rng, &adjectives))
            };
            let location = GeoPoint::new(
                city.location.lat() + rng.random_range(-0.05..0.05),
                city.location.lon() + rng.random_range(-0.05..0.05),
            )
            .unwrap_or(city.location);
            let id = VenueId::from_uuid(random_uuid(rng));
            let name = format!("{first} {}", capitalized(uniform(rng, &kinds)));
            let postal_code = format!("{:05}", rng.random_range(10_000..99_999));
            venues.push(
                Venue::new(city.id, name, location)
                    .with_id(id)
                    .with_address(format!("Main Street {}", i + 1), postal_code),
            );
        }
    }
    venues
}

fn event(rng: &mut StdRng, words: &Words, performers: &[Performer]) -> Event {
    let (kind, genres, cast) = match rng.random_range(0..20) {
        0..=9 => (EventKind::Movie, MOVIE_GENRES, 3),
        10..=15 => (EventKind::Concert, CONCERT_GENRES, 1),
        16..=18 => (EventKind::Theatre, THEATRE_GENRES, 2),
        _ => (EventKind::Other, OTHER_GENRES, 1),
    };
    let mut title: Vec<String> = (0..rng.random_range(1..=3))
        .map(|_| {
            let word: &&str = skewed(rng, &words.title);
            capitalized(word)
        })
        .collect();
    if rng.random_bool(0.5) {
        let at = rng.random_range(0..title.len());
        title[at] = capitalized(&words.invented(rng));
    }
    if rng.random_bool(0.25) {
        title.insert(0, "The".to_owned());
    }
    let description: Vec<&str> = (0..rng.random_range(8..=14))
        .map(|_| *skewed(rng, &words.description))
        .collect();
    let genres: Vec<&str> = genres.split_whitespace().collect();
    let mut event_genres = vec![uniform(rng, &genres).to_owned()];
    if rng.random_bool(0.4) {
        event_genres.push(uniform(rng, &genres).to_owned());
        event_genres.dedup();
    }
    let mut cast: Vec<PerformerId> = (0..cast).map(|_| skewed(rng, performers).id).collect();
    cast.sort();
    cast.dedup();
    let id = EventId::from_uuid(random_uuid(rng));
    Event::new(kind, title.join(" "))
        .with_id(id)
        .with_description(capitalized(&description.join(" ")) + ".")
        .with_genres(event_genres)
        .with_performers(cast)
        .with_duration_minutes(rng.random_range(60..=180))
}

/// An event's 10 shows: a concert tours 10 cities every third day, a movie
/// plays daily in 3 cities, a play runs in one city, anything else in 2.
fn event_shows(
    rng: &mut StdRng,
    event: u32,
    kind: EventKind,
    first_day: OffsetDateTime,
    days: u32,
) -> Vec<ShowSpec> {
    let (cities, every) = match kind {
        EventKind::Concert => (SHOWS_PER_EVENT, 3),
        EventKind::Movie => (3, 1),
        EventKind::Theatre => (1, 1),
        // Anything else, including kinds added later, plays like "other".
        _ => (2, 2),
    };
    let played_in: Vec<usize> = (0..cities).map(|_| rng.random_range(0..CITIES)).collect();
    let start = rng.random_range(0..days);
    (0..SHOWS_PER_EVENT)
        .map(|k| {
            let city = played_in[k % played_in.len()];
            let venue = city * VENUES_PER_CITY + rng.random_range(0..VENUES_PER_CITY);
            let day = (start + every * k as u32) % days;
            let minutes = if rng.random_bool(0.5) {
                18 * 60
            } else {
                20 * 60 + 30
            };
            ShowSpec {
                id: ShowId::from_uuid(random_uuid(rng)),
                event,
                venue: u32::try_from(venue).unwrap_or(u32::MAX),
                starts_at: first_day + Duration::days(i64::from(day)) + Duration::minutes(minutes),
            }
        })
        .collect()
}
