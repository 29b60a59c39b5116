//! Search on PostgreSQL. SQL finds the candidates through indexes; the core
//! scores, orders and pages them, so results, order and cursors follow the
//! same contract as the memory store (`reservation_core::catalog::search`).
//!
//! - **With text**: every query word must match the event's words by trigram
//!   similarity (`word <% search_text`, answered by the GIN trigram index);
//!   the show filters then run for those events only (index on
//!   `shows (event_id, starts_at)`), and the core's rules decide the match
//!   and the score.
//! - **Without text** (start-time order): shows are walked in start order
//!   through an index (`(starts_at, id)`, or `(city_id | venue_id, starts_at,
//!   id)`) from the cursor on, collecting each event at its first passing
//!   show, until the page is full. A page costs a scan of about as many shows
//!   as it lists events, however large the catalog.

use std::collections::{HashMap, HashSet};

use reservation_core::EventId;
use reservation_core::catalog::Event;
use reservation_core::catalog::search::{
    EventText, SearchError, SearchHit, SearchPage, SearchQuery, SortKey, paginate, validate, words,
};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::storage;

/// Below this trigram word similarity a word practically never matches by
/// the core's rules (exact, prefix, or 1-2 typos), so SQL may drop the event.
const WORD_SIMILARITY: &str = "0.3";

/// Most candidate events a text query considers.
const MAX_CANDIDATES: i64 = 5_000;

/// Shows read per step of a start-time walk.
const WALK_STEP: i64 = 512;

pub(crate) async fn search(pool: &PgPool, query: &SearchQuery) -> Result<SearchPage, SearchError> {
    let resume = validate(query)?;
    let text = query.text.trim();
    if text.is_empty() {
        return by_start_time(pool, query, resume).await;
    }
    let query_words = words(text);
    if query_words.is_empty() {
        return Ok(SearchPage {
            hits: Vec::new(),
            next: None,
        });
    }
    by_text(pool, query, text, &query_words).await
}

/// `FROM shows s JOIN venues v JOIN events e WHERE <every filter>`.
fn shows_passing<'q>(sql: &mut QueryBuilder<'q, Postgres>, query: &'q SearchQuery) {
    sql.push(" FROM shows s JOIN venues v ON v.id = s.venue_id JOIN events e ON e.id = s.event_id WHERE true");
    if let Some(city) = query.city {
        sql.push(" AND s.city_id = ").push_bind(city.as_uuid());
    }
    if let Some(venue) = query.venue {
        sql.push(" AND s.venue_id = ").push_bind(venue.as_uuid());
    }
    if let Some(after) = query.starts_after {
        sql.push(" AND s.starts_at >= ").push_bind(after);
    }
    if let Some(before) = query.starts_before {
        sql.push(" AND s.starts_at < ").push_bind(before);
    }
    if let Some(near) = &query.near {
        let (lat, lon) = (near.point.lat(), near.point.lon());
        sql.push(" AND 2 * 6371 * asin(least(1, sqrt(power(sin(radians(v.lat - ")
            .push_bind(lat)
            .push(") / 2), 2) + cos(radians(")
            .push_bind(lat)
            .push(")) * cos(radians(v.lat)) * power(sin(radians(v.lon - ")
            .push_bind(lon)
            .push(") / 2), 2)))) <= ")
            .push_bind(near.radius_km);
    }
    if let Some(kind) = query.kind.and_then(|k| serde_json::to_value(k).ok()) {
        sql.push(" AND e.kind = ")
            .push_bind(kind.as_str().unwrap_or_default().to_owned());
    }
    if let Some(performer) = query.performer {
        sql.push(" AND ")
            .push_bind(performer.as_uuid())
            .push(" = ANY (e.performer_ids)");
    }
}

/// First passing show and number of passing shows of each of `events`.
async fn passing_shows(
    pool: &PgPool,
    query: &SearchQuery,
    events: &[Uuid],
) -> Result<HashMap<Uuid, (OffsetDateTime, u32)>, SearchError> {
    let mut sql =
        QueryBuilder::new("SELECT s.event_id, min(s.starts_at) AS first_show, count(*) AS shows");
    shows_passing(&mut sql, query);
    sql.push(" AND s.event_id = ANY (")
        .push_bind(events)
        .push(") GROUP BY s.event_id");
    let rows = sql.build().fetch_all(pool).await.map_err(storage)?;
    rows.iter()
        .map(|row| {
            let shows: i64 = row.try_get("shows").map_err(storage)?;
            Ok((
                row.try_get("event_id").map_err(storage)?,
                (row.try_get("first_show").map_err(storage)?, shows as u32),
            ))
        })
        .collect()
}

/// Events with their performer and venue names, for scoring.
async fn event_texts(
    pool: &PgPool,
    events: &[Uuid],
) -> Result<Vec<(Event, Vec<String>, Vec<String>)>, SearchError> {
    let rows = sqlx::query(
        "SELECT e.doc, e.performer_names,
                ARRAY(SELECT DISTINCT v.name FROM shows s JOIN venues v ON v.id = s.venue_id WHERE s.event_id = e.id) AS venues
         FROM events e WHERE e.id = ANY ($1)",
    )
    .bind(events)
    .fetch_all(pool)
    .await
    .map_err(storage)?;
    rows.iter()
        .map(|row| {
            let event: Json<Event> = row.try_get("doc").map_err(storage)?;
            Ok((
                event.0,
                row.try_get("performer_names").map_err(storage)?,
                row.try_get("venues").map_err(storage)?,
            ))
        })
        .collect()
}

async fn by_text(
    pool: &PgPool,
    query: &SearchQuery,
    text: &str,
    query_words: &[String],
) -> Result<SearchPage, SearchError> {
    let mut tx = pool.begin().await.map_err(storage)?;
    sqlx::query(&format!(
        "SET LOCAL pg_trgm.word_similarity_threshold = {WORD_SIMILARITY}"
    ))
    .execute(&mut *tx)
    .await
    .map_err(storage)?;
    let mut sql = QueryBuilder::new("SELECT e.id FROM events e WHERE true");
    for word in query_words.iter().collect::<HashSet<_>>() {
        sql.push(" AND ")
            .push_bind(word.as_str())
            .push(" <% e.search_text");
    }
    sql.push(" LIMIT ").push_bind(MAX_CANDIDATES);
    let candidates: Vec<Uuid> = sql
        .build_query_scalar()
        .fetch_all(&mut *tx)
        .await
        .map_err(storage)?;
    tx.commit().await.map_err(storage)?;
    let passing = passing_shows(pool, query, &candidates).await?;
    let ids: Vec<Uuid> = passing.keys().copied().collect();
    let mut hits = Vec::with_capacity(ids.len());
    for (event, performers, venues) in event_texts(pool, &ids).await? {
        let Some(score) = EventText::new(&event, &performers, &venues).score(text) else {
            continue;
        };
        let Some(&(first_show, shows)) = passing.get(&event.id.as_uuid()) else {
            continue;
        };
        hits.push(SearchHit {
            event,
            score,
            first_show,
            shows,
        });
    }
    paginate(query, hits)
}

async fn by_start_time(
    pool: &PgPool,
    query: &SearchQuery,
    resume: Option<SortKey>,
) -> Result<SearchPage, SearchError> {
    let wanted = query.limit.get() + 1;
    let after = resume.map(|key| (key.first_show(), key.event()));
    // Events in the order of their first passing show (at or after the cursor).
    let mut found: Vec<(Uuid, OffsetDateTime)> = Vec::new();
    let mut decided: HashSet<Uuid> = HashSet::new();
    let mut position: Option<(OffsetDateTime, Uuid)> = None;
    loop {
        // Enough once every event starting at the last needed one's time is
        // in: ties are ordered by event id, not by the walk's show order.
        let boundary = found.get(wanted - 1).map(|(_, at)| *at);
        if boundary.is_some_and(|boundary| position.is_some_and(|(at, _)| at > boundary)) {
            break;
        }
        let mut sql = QueryBuilder::new("SELECT s.id, s.event_id, s.starts_at");
        shows_passing(&mut sql, query);
        match (position, after) {
            (Some((at, show)), _) => {
                sql.push(" AND (s.starts_at, s.id) > (")
                    .push_bind(at)
                    .push(", ")
                    .push_bind(show)
                    .push(")");
            }
            (None, Some((at, _))) => {
                sql.push(" AND s.starts_at >= ").push_bind(at);
            }
            (None, None) => {}
        }
        sql.push(" ORDER BY s.starts_at, s.id LIMIT ")
            .push_bind(WALK_STEP);
        let rows = sql.build().fetch_all(pool).await.map_err(storage)?;
        let mut fresh: Vec<(Uuid, OffsetDateTime)> = Vec::new();
        for row in &rows {
            let event: Uuid = row.try_get("event_id").map_err(storage)?;
            let at: OffsetDateTime = row.try_get("starts_at").map_err(storage)?;
            if decided.insert(event) {
                fresh.push((event, at));
            }
        }
        if let Some((cursor_at, cursor_event)) = after {
            // Listed on an earlier page: a passing show before the cursor,
            // or the cursor's own start time with an id not after it.
            let ids: Vec<Uuid> = fresh.iter().map(|(id, _)| *id).collect();
            let earlier = earlier_events(pool, query, &ids, cursor_at).await?;
            fresh.retain(|(id, at)| {
                !earlier.contains(id) && (*at > cursor_at || EventId::from_uuid(*id) > cursor_event)
            });
        }
        found.extend(fresh);
        let Some(last) = rows.last() else { break };
        position = Some((
            last.try_get("starts_at").map_err(storage)?,
            last.try_get("id").map_err(storage)?,
        ));
        if rows.len() < WALK_STEP as usize {
            break;
        }
    }
    let ids: Vec<Uuid> = found.iter().map(|(id, _)| *id).collect();
    let counts = passing_shows(pool, query, &ids).await?;
    let mut hits = Vec::with_capacity(ids.len());
    for (event, _, _) in event_texts(pool, &ids).await? {
        let Some(&(first_show, shows)) = counts.get(&event.id.as_uuid()) else {
            continue;
        };
        hits.push(SearchHit {
            event,
            score: 0.0,
            first_show,
            shows,
        });
    }
    paginate(query, hits)
}

/// Which of `events` have a passing show before `at`.
async fn earlier_events(
    pool: &PgPool,
    query: &SearchQuery,
    events: &[Uuid],
    at: OffsetDateTime,
) -> Result<HashSet<Uuid>, SearchError> {
    if events.is_empty() {
        return Ok(HashSet::new());
    }
    let mut sql = QueryBuilder::new("SELECT DISTINCT s.event_id");
    shows_passing(&mut sql, query);
    sql.push(" AND s.event_id = ANY (")
        .push_bind(events)
        .push(") AND s.starts_at < ")
        .push_bind(at);
    let ids: Vec<Uuid> = sql
        .build_query_scalar()
        .fetch_all(pool)
        .await
        .map_err(storage)?;
    Ok(ids.into_iter().collect())
}
