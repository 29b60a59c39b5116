//! search: p50/p99 of catalog search over a generated catalog of 1M shows
//! (100k events, 500 cities; `--quick`: 100k shows), in memory and on
//! PostgreSQL. The queries mix, in equal parts: a title word with a typo; a
//! performer's misspelled surname in a city; a title with a typo within a
//! week; a city's week by start time (no text); the first letters of a word
//! (results while typing); and a deep page (5th to 50th) of a common genre
//! by relevance or of two days by start time, reached through the cursors
//! the search returns (only the deep page is timed).

mod catalog;
mod pg_load;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reservation_core::catalog::CatalogError;
use reservation_core::catalog::search::{PageSize, SearchError, SearchQuery, SearchSort, words};
use reservation_core::{CatalogAdmin, MemoryStore, PerformerId, Policy};
use time::Duration as Days;

use self::catalog::{Catalog, Size};
use crate::report::Row;

/// The target of every p99 row.
const TARGET: &str = "p99 <= 20 ms";
/// Distinct queries generated (cycled through while the time lasts).
const PROBES: usize = 600;
/// Fewest samples per store...
const MIN_SAMPLES: usize = 30;
/// ... unless they take longer than this.
const MAX_RUN: Duration = Duration::from_secs(60);
/// Results per page, the API's default.
const PAGE: u16 = 20;
/// The seed of the query mix.
const SEED: u64 = 0x5ea_4c4;

/// What a query stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    TitleTypo,
    PerformerInCity,
    TitleInWeek,
    CityWeek,
    Prefix,
    DeepPage,
}

const KINDS: [Kind; 6] = [
    Kind::TitleTypo,
    Kind::PerformerInCity,
    Kind::TitleInWeek,
    Kind::CityWeek,
    Kind::Prefix,
    Kind::DeepPage,
];

/// A query and the page of it to time (1 = the first, or the one its
/// cursor points at).
struct Probe {
    kind: Kind,
    query: SearchQuery,
    page: usize,
}

/// Generates the catalog, measures the memory store, then (given) PostgreSQL.
pub(crate) async fn run(
    quick: bool,
    run: Duration,
    pg: Option<storage_postgres::PgStore>,
    rows: &mut Vec<Row>,
    progress: &indicatif::ProgressBar,
) {
    let size = Size {
        shows: if quick { 100_000 } else { 1_000_000 },
    };
    let started = Instant::now();
    let catalog = match Catalog::generate(size) {
        Ok(catalog) => catalog,
        Err(e) => {
            note(progress, format!("cannot generate the catalog ({e})"));
            return;
        }
    };
    let mut probes = probes(&catalog);
    note(
        progress,
        format!(
            "generated {} in {:.1} s",
            describe(size),
            started.elapsed().as_secs_f64()
        ),
    );
    progress.inc(1);

    let memory = MemoryStore::new(Policy::default());
    let before = resident_mb();
    let started = Instant::now();
    if let Err(e) = load(&memory, &catalog).await {
        note(
            progress,
            format!("the memory store refused the catalog ({e})"),
        );
        return;
    }
    note(
        progress,
        format!(
            "memory store loaded in {:.1} s",
            started.elapsed().as_secs_f64()
        ),
    );
    if let (Some(before), Some(after)) = (before, resident_mb()) {
        rows.push(Row::plain(
            "search",
            &format!("memory store, resident memory of {}", describe(size)),
            "MB",
            after - before,
            "",
        ));
    }
    progress.inc(1);
    if let Err(e) = turn_pages(&memory, &mut probes).await {
        note(progress, format!("memory search failed ({e})"));
        return;
    }
    report("memory", &memory, &probes, run, size, rows, progress).await;
    drop(memory);
    progress.inc(1);

    if let Some(pg) = pg {
        let started = Instant::now();
        if let Err(e) = pg_load::load(pg.pool(), &catalog).await {
            note(progress, format!("cannot load PostgreSQL ({e})"));
            return;
        }
        rows.push(Row::plain(
            "search",
            &format!("PostgreSQL, bulk load of {}", describe(size)),
            "s",
            started.elapsed().as_secs_f64(),
            "",
        ));
        // The first search builds the process's index from the tables.
        let started = Instant::now();
        if let Err(e) = reservation_core::Catalog::search(&pg, &SearchQuery::default()).await {
            note(progress, format!("PostgreSQL search failed ({e})"));
            return;
        }
        rows.push(Row::plain(
            "search",
            "PostgreSQL, the index built from the tables by the first search",
            "s",
            started.elapsed().as_secs_f64(),
            "",
        ));
        progress.inc(1);
        report("PostgreSQL", &pg, &probes, run, size, rows, progress).await;
    } else {
        progress.inc(1);
    }
    progress.inc(1);
}

/// "1M shows (100k events, 500 cities)".
fn describe(size: Size) -> String {
    let count = |n: usize| match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    };
    format!(
        "{} shows ({} events, {} cities)",
        count(size.shows),
        count(size.events()),
        size.cities()
    )
}

/// Adds the catalog through the store's own API, each event then its shows.
async fn load<S: CatalogAdmin>(store: &S, catalog: &Catalog) -> Result<(), CatalogError> {
    for city in &catalog.cities {
        store.add_city(city.clone()).await?;
    }
    for venue in &catalog.venues {
        store.add_venue(venue.clone()).await?;
    }
    for hall in &catalog.halls {
        store.add_hall(hall.clone()).await?;
    }
    for performer in &catalog.performers {
        store.add_performer(performer.clone()).await?;
    }
    for (i, event) in catalog.events.iter().enumerate() {
        store.add_event(event.clone()).await?;
        for spec in catalog.shows_of(i) {
            store.add_show(catalog.show(spec)).await?;
        }
    }
    Ok(())
}

/// Runs the probes on `store` for `run` and adds its p50 and p99 rows.
async fn report<S: reservation_core::Catalog>(
    name: &str,
    store: &S,
    probes: &[Probe],
    run: Duration,
    size: Size,
    rows: &mut Vec<Row>,
    progress: &indicatif::ProgressBar,
) {
    let samples = match measure(store, probes, run).await {
        Ok(samples) => samples,
        Err(e) => {
            note(progress, format!("{name} search failed ({e})"));
            return;
        }
    };
    let mut all: Vec<f64> = samples.iter().map(|(_, ms)| *ms).collect();
    let breakdown: Vec<String> = KINDS
        .iter()
        .map(|kind| {
            let mut of_kind: Vec<f64> = samples
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(_, ms)| *ms)
                .collect();
            format!(
                "{kind:?} {:.2}/{:.2}",
                quantile(&mut of_kind, 0.5),
                quantile(&mut of_kind, 0.99)
            )
        })
        .collect();
    note(
        progress,
        format!(
            "{name}, {} samples, p50/p99 ms by kind: {}",
            all.len(),
            breakdown.join(", ")
        ),
    );
    for (label, q, target) in [("p50", 0.5, ""), ("p99", 0.99, TARGET)] {
        rows.push(Row::plain(
            "search",
            &format!("{name}, {}, mixed queries, {label}", describe(size)),
            "ms",
            quantile(&mut all, q),
            target,
        ));
    }
}

/// The `q` quantile of `ms` (sorts it), 0 when empty.
fn quantile(ms: &mut [f64], q: f64) -> f64 {
    ms.sort_by(f64::total_cmp);
    let at = ((ms.len() as f64 * q) as usize).min(ms.len().saturating_sub(1));
    ms.get(at).copied().unwrap_or(0.0)
}

/// Cycles through the probes for `run` (and at least [`MIN_SAMPLES`], for
/// at most [`MAX_RUN`]), timing each.
async fn measure<S: reservation_core::Catalog>(
    store: &S,
    probes: &[Probe],
    run: Duration,
) -> Result<Vec<(Kind, f64)>, SearchError> {
    let mut samples = Vec::new();
    let started = Instant::now();
    for probe in probes.iter().cycle() {
        let elapsed = started.elapsed();
        if (elapsed >= run && samples.len() >= MIN_SAMPLES) || elapsed >= MAX_RUN {
            break;
        }
        let t = Instant::now();
        store.search(&probe.query).await?;
        samples.push((probe.kind, t.elapsed().as_secs_f64() * 1000.0));
    }
    Ok(samples)
}

/// Gives each deep-page probe the cursor `store` returns for its page, as
/// a user paging through would have: the page itself is what is timed.
/// The cursor is part of the search contract, so every store takes it.
async fn turn_pages<S: reservation_core::Catalog>(
    store: &S,
    probes: &mut [Probe],
) -> Result<(), SearchError> {
    for probe in probes.iter_mut() {
        for _ in 1..probe.page {
            match store.search(&probe.query).await?.next {
                Some(cursor) => probe.query.cursor = Some(cursor),
                None => break,
            }
        }
        probe.page = 1;
    }
    Ok(())
}

/// The query mix, built from the catalog's own words so the queries hit.
fn probes(catalog: &Catalog) -> Vec<Probe> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let names: HashMap<PerformerId, &str> = catalog
        .performers
        .iter()
        .map(|p| (p.id, p.name.as_str()))
        .collect();
    let genres: Vec<&str> = catalog
        .events
        .iter()
        .take(200)
        .flat_map(|e| e.genres.iter().map(String::as_str))
        .collect();
    let blank = SearchQuery {
        limit: PageSize::new(PAGE).unwrap_or_default(),
        ..SearchQuery::default()
    };
    let mut probes = Vec::with_capacity(PROBES);
    for i in 0..PROBES {
        let kind = KINDS[i % KINDS.len()];
        let at = rng.random_range(0..catalog.events.len());
        let event = &catalog.events[at];
        let shows = catalog.shows_of(at);
        let show = &shows[rng.random_range(0..shows.len())];
        let day = catalog.first_day
            + Days::days(
                ((show.starts_at - catalog.first_day).whole_days() - 3)
                    .clamp(0, i64::from(catalog.days)),
            );
        let title = words(&event.title);
        let longest = title
            .iter()
            .max_by_key(|w| w.chars().count())
            .cloned()
            .unwrap_or_default();
        let mut query = blank.clone();
        let mut page = 1;
        match kind {
            Kind::TitleTypo => query.text = typo(&mut rng, &longest),
            Kind::PerformerInCity => {
                let surname = event
                    .performers
                    .first()
                    .and_then(|p| names.get(p))
                    .and_then(|name| words(name).pop())
                    .unwrap_or_default();
                query.text = typo(&mut rng, &surname);
                query.city = Some(catalog.venues[show.venue as usize].city);
            }
            Kind::TitleInWeek => {
                query.text = title
                    .iter()
                    .map(|w| {
                        if *w == longest {
                            typo(&mut rng, w)
                        } else {
                            w.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                query.starts_after = Some(day);
                query.starts_before = Some(day + Days::days(7));
            }
            Kind::CityWeek => {
                query.city = Some(catalog.venues[show.venue as usize].city);
                query.starts_after = Some(day);
                query.starts_before = Some(day + Days::days(7));
                query.sort = SearchSort::StartTime;
            }
            Kind::Prefix => {
                let cut = rng.random_range(2..=4);
                query.text = longest.chars().take(cut).collect();
            }
            Kind::DeepPage => {
                page = rng.random_range(5..=50);
                if rng.random_bool(0.5) {
                    query.text = genres[rng.random_range(0..genres.len())].to_owned();
                } else {
                    query.starts_after = Some(day);
                    query.starts_before = Some(day + Days::days(2));
                    query.sort = SearchSort::StartTime;
                }
            }
        }
        probes.push(Probe { kind, query, page });
    }
    probes
}

/// `word` with one typing mistake (a letter dropped, doubled, swapped with
/// the next or replaced), as long as it has 4 or more letters.
fn typo(rng: &mut StdRng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 {
        return word.to_owned();
    }
    let at = rng.random_range(0..chars.len() - 1);
    match rng.random_range(0..4) {
        0 => {
            chars.remove(at);
        }
        1 => chars.insert(at, chars[at]),
        2 => chars.swap(at, at + 1),
        _ => chars[at] = char::from(b'a' + rng.random_range(0..26u8)),
    }
    chars.into_iter().collect()
}

/// This process's resident memory in MB (Linux), to size the catalog.
fn resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// A line on stderr beside the progress bar (timings and the breakdown).
fn note(progress: &indicatif::ProgressBar, line: String) {
    progress.suspend(|| eprintln!("search: {line}"));
}
