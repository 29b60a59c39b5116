//! Search on PostgreSQL: SQL finds the candidate events (filters on shows,
//! trigram similarity of every query word), the core scores and pages them,
//! so results, order and cursors follow the same contract as the memory
//! store (`reservation_core::catalog::search`).

use reservation_core::catalog::Event;
use reservation_core::catalog::search::{
    EventText, SearchError, SearchHit, SearchPage, SearchQuery, paginate, validate, words,
};
use sqlx::types::Json;
use sqlx::{PgPool, Row};

use crate::error::storage;

/// Below this trigram word similarity a word cannot match by the core's
/// rules (exact, prefix, or 1-2 typos), so SQL may drop the event.
const WORD_SIMILARITY: f32 = 0.3;

const CANDIDATES: &str = "
WITH passing AS (
    SELECT s.event_id, min(s.starts_at) AS first_show, count(*) AS shows
    FROM shows s JOIN venues v ON v.id = s.venue_id
    WHERE ($1::uuid IS NULL OR s.city_id = $1)
      AND ($2::uuid IS NULL OR s.venue_id = $2)
      AND ($3::timestamptz IS NULL OR s.starts_at >= $3)
      AND ($4::timestamptz IS NULL OR s.starts_at < $4)
      AND ($5::float8 IS NULL OR 2 * 6371 * asin(least(1, sqrt(
              power(sin(radians(v.lat - $5) / 2), 2)
              + cos(radians($5)) * cos(radians(v.lat)) * power(sin(radians(v.lon - $6) / 2), 2)))) <= $7)
    GROUP BY s.event_id
)
SELECT e.doc, e.performer_names, p.first_show, p.shows,
       ARRAY(SELECT DISTINCT v.name FROM shows s JOIN venues v ON v.id = s.venue_id WHERE s.event_id = e.id) AS venue_names
FROM passing p JOIN events e ON e.id = p.event_id
WHERE ($8::text IS NULL OR e.kind = $8)
  AND ($9::uuid IS NULL OR $9 = ANY (e.performer_ids))
  AND NOT EXISTS (SELECT 1 FROM unnest($10::text[]) AS w(word) WHERE word_similarity(w.word, e.search_text) < $11)";

pub(crate) async fn search(pool: &PgPool, query: &SearchQuery) -> Result<SearchPage, SearchError> {
    validate(query)?;
    let text = query.text.trim();
    let query_words = words(text);
    if !text.is_empty() && query_words.is_empty() {
        return Ok(SearchPage {
            hits: Vec::new(),
            next: None,
        });
    }
    let kind = query
        .kind
        .map(|k| serde_json::to_value(k).map_err(storage))
        .transpose()?;
    let rows = sqlx::query(CANDIDATES)
        .bind(query.city.map(|c| c.as_uuid()))
        .bind(query.venue.map(|v| v.as_uuid()))
        .bind(query.starts_after)
        .bind(query.starts_before)
        .bind(query.near.map(|n| n.point.lat()))
        .bind(query.near.map(|n| n.point.lon()))
        .bind(query.near.map(|n| n.radius_km))
        .bind(kind.as_ref().and_then(|k| k.as_str()))
        .bind(query.performer.map(|p| p.as_uuid()))
        .bind(&query_words)
        .bind(WORD_SIMILARITY)
        .fetch_all(pool)
        .await
        .map_err(storage)?;
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        let event: Json<Event> = row.try_get("doc").map_err(storage)?;
        let performers: Vec<String> = row.try_get("performer_names").map_err(storage)?;
        let venues: Vec<String> = row.try_get("venue_names").map_err(storage)?;
        let Some(score) = EventText::new(&event.0, &performers, &venues).score(text) else {
            continue;
        };
        let shows: i64 = row.try_get("shows").map_err(storage)?;
        hits.push(SearchHit {
            event: event.0,
            score,
            first_show: row.try_get("first_show").map_err(storage)?,
            shows: u32::try_from(shows).unwrap_or(u32::MAX),
        });
    }
    paginate(query, hits)
}
