//! Loads a generated catalog into PostgreSQL in bulk: a few statements of
//! tens of thousands of rows each (`INSERT ... SELECT FROM unnest(...)`)
//! instead of one transaction per row as `CatalogAdmin` writes them, with
//! the same rows `CatalogAdmin` would write. Only what search
//! reads is loaded: no seat rows or show state (nobody books here).

use reservation_core::catalog::EventKind;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use super::catalog::{Catalog, ShowSpec};

/// Rows per statement.
const BATCH: usize = 20_000;

/// Writes `catalog` into the (migrated, empty) database of `pool`.
pub(crate) async fn load(pool: &PgPool, catalog: &Catalog) -> Result<(), sqlx::Error> {
    places(pool, catalog).await?;
    performers(pool, catalog).await?;
    events(pool, catalog).await?;
    shows(pool, catalog).await?;
    // Fresh statistics, or the planner guesses on a million rows.
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}

/// Cities, venues, halls and their seats.
async fn places(pool: &PgPool, catalog: &Catalog) -> Result<(), sqlx::Error> {
    let cities = &catalog.cities;
    sqlx::query(
        "INSERT INTO cities (id, name, country, lat, lon, time_zone)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::float8[], $5::float8[],
                              $6::text[])",
    )
    .bind(cities.iter().map(|c| c.id.as_uuid()).collect::<Vec<_>>())
    .bind(cities.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
    .bind(cities.iter().map(|c| c.country.clone()).collect::<Vec<_>>())
    .bind(cities.iter().map(|c| c.location.lat()).collect::<Vec<_>>())
    .bind(cities.iter().map(|c| c.location.lon()).collect::<Vec<_>>())
    .bind(
        cities
            .iter()
            .map(|c| c.time_zone.name())
            .collect::<Vec<_>>(),
    )
    .execute(pool)
    .await?;
    let venues = &catalog.venues;
    sqlx::query(
        "INSERT INTO venues (id, city_id, name, address, postal_code, lat, lon, time_zone)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                              $6::float8[], $7::float8[], $8::text[])",
    )
    .bind(venues.iter().map(|v| v.id.as_uuid()).collect::<Vec<_>>())
    .bind(venues.iter().map(|v| v.city.as_uuid()).collect::<Vec<_>>())
    .bind(venues.iter().map(|v| v.name.clone()).collect::<Vec<_>>())
    .bind(venues.iter().map(|v| v.address.clone()).collect::<Vec<_>>())
    .bind(
        venues
            .iter()
            .map(|v| v.postal_code.clone())
            .collect::<Vec<_>>(),
    )
    .bind(venues.iter().map(|v| v.location.lat()).collect::<Vec<_>>())
    .bind(venues.iter().map(|v| v.location.lon()).collect::<Vec<_>>())
    .bind(
        venues
            .iter()
            .map(|v| v.time_zone.name())
            .collect::<Vec<_>>(),
    )
    .execute(pool)
    .await?;
    let halls = &catalog.halls;
    sqlx::query(
        "INSERT INTO halls (id, venue_id, name, layout)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[])",
    )
    .bind(halls.iter().map(|h| h.id().as_uuid()).collect::<Vec<_>>())
    .bind(
        halls
            .iter()
            .map(|h| h.venue().as_uuid())
            .collect::<Vec<_>>(),
    )
    .bind(
        halls
            .iter()
            .map(|h| h.name().to_owned())
            .collect::<Vec<_>>(),
    )
    .bind(
        halls
            .iter()
            .map(|h| Json(&**h.layout()))
            .collect::<Vec<_>>(),
    )
    .execute(pool)
    .await?;
    let (seats, seat_halls): (Vec<Uuid>, Vec<Uuid>) = halls
        .iter()
        .flat_map(|h| {
            h.plan()
                .seats()
                .iter()
                .map(|s| (s.id.as_uuid(), h.id().as_uuid()))
        })
        .unzip();
    sqlx::query(
        "INSERT INTO hall_seats (seat_id, hall_id) SELECT * FROM unnest($1::uuid[], $2::uuid[])",
    )
    .bind(seats)
    .bind(seat_halls)
    .execute(pool)
    .await?;
    Ok(())
}

async fn performers(pool: &PgPool, catalog: &Catalog) -> Result<(), sqlx::Error> {
    for batch in catalog.performers.chunks(BATCH) {
        sqlx::query(
            "INSERT INTO performers (id, name) SELECT * FROM unnest($1::uuid[], $2::text[])",
        )
        .bind(batch.iter().map(|p| p.id.as_uuid()).collect::<Vec<_>>())
        .bind(batch.iter().map(|p| p.name.clone()).collect::<Vec<_>>())
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Events, with the performer columns taken from the document in SQL (one
/// array per row does not fit `unnest`).
async fn events(pool: &PgPool, catalog: &Catalog) -> Result<(), sqlx::Error> {
    for batch in catalog.events.chunks(BATCH) {
        sqlx::query(
            "INSERT INTO events (id, doc, kind, title, performer_ids, performer_names)
             SELECT t.id, t.doc, t.kind, t.title,
                    ARRAY(SELECT p.id::uuid FROM jsonb_array_elements_text(t.doc->'performers')
                          WITH ORDINALITY AS p(id, n) ORDER BY p.n),
                    ARRAY(SELECT pf.name FROM jsonb_array_elements_text(t.doc->'performers')
                          WITH ORDINALITY AS p(id, n) JOIN performers pf ON pf.id = p.id::uuid
                          ORDER BY p.n)
             FROM unnest($1::uuid[], $2::jsonb[], $3::text[], $4::text[])
                  AS t(id, doc, kind, title)",
        )
        .bind(batch.iter().map(|e| e.id.as_uuid()).collect::<Vec<_>>())
        .bind(batch.iter().map(Json).collect::<Vec<_>>())
        .bind(batch.iter().map(|e| kind(e.kind)).collect::<Vec<_>>())
        .bind(batch.iter().map(|e| e.title.clone()).collect::<Vec<_>>())
        .execute(pool)
        .await?;
    }
    Ok(())
}

async fn shows(pool: &PgPool, catalog: &Catalog) -> Result<(), sqlx::Error> {
    // Every hall has the same categories, so every show the same prices.
    let Some(prices) = catalog.shows.first().map(|s| catalog.show(s).prices) else {
        return Ok(());
    };
    for batch in catalog.shows.chunks(BATCH) {
        let venue = |s: &ShowSpec| &catalog.venues[s.venue as usize];
        sqlx::query(
            "INSERT INTO shows (id, event_id, hall_id, venue_id, city_id, starts_at, prices)
             SELECT *, $7::jsonb FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[],
                                             $5::uuid[], $6::timestamptz[])",
        )
        .bind(batch.iter().map(|s| s.id.as_uuid()).collect::<Vec<_>>())
        .bind(
            batch
                .iter()
                .map(|s| catalog.events[s.event as usize].id.as_uuid())
                .collect::<Vec<_>>(),
        )
        .bind(
            batch
                .iter()
                .map(|s| catalog.halls[s.venue as usize].id().as_uuid())
                .collect::<Vec<_>>(),
        )
        .bind(
            batch
                .iter()
                .map(|s| venue(s).id.as_uuid())
                .collect::<Vec<_>>(),
        )
        .bind(
            batch
                .iter()
                .map(|s| venue(s).city.as_uuid())
                .collect::<Vec<_>>(),
        )
        .bind(batch.iter().map(|s| s.starts_at).collect::<Vec<_>>())
        .bind(Json(&prices))
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// The `kind` column as `CatalogAdmin` writes it: the serde name.
fn kind(kind: EventKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
