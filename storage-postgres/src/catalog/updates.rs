//! Replacing catalog rows, and the column bindings that adding and
//! replacing share (`$1` is always the id, so an `UPDATE ... WHERE id = $1`
//! binds like its `INSERT`).
//!
//! Search hears of each replacement on every process: this one's index
//! re-reads the row before its next search, the others' once the change's
//! notification arrives.

use reservation_core::CatalogResult;
use reservation_core::catalog::{CatalogError, City, Event, Performer, Venue};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres};
use uuid::Uuid;

use super::require;
use super::rows::failed;
use crate::PgStore;
use crate::search::CatalogChange;

type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// `sql` with a city's columns: id, name, country, lat, lon, time_zone.
pub(super) fn bind_city<'q>(sql: &'q str, city: &'q City) -> PgQuery<'q> {
    sqlx::query(sql)
        .bind(city.id.as_uuid())
        .bind(&city.name)
        .bind(&city.country)
        .bind(city.location.lat())
        .bind(city.location.lon())
        .bind(city.time_zone.name())
}

/// `sql` with a venue's columns: id, city_id, name, address, postal_code,
/// lat, lon, time_zone.
pub(super) fn bind_venue<'q>(sql: &'q str, venue: &'q Venue) -> PgQuery<'q> {
    sqlx::query(sql)
        .bind(venue.id.as_uuid())
        .bind(venue.city.as_uuid())
        .bind(&venue.name)
        .bind(&venue.address)
        .bind(&venue.postal_code)
        .bind(venue.location.lat())
        .bind(venue.location.lon())
        .bind(venue.time_zone.name())
}

/// `sql` with a performer's columns: id, name.
pub(super) fn bind_performer<'q>(sql: &'q str, performer: &'q Performer) -> PgQuery<'q> {
    sqlx::query(sql)
        .bind(performer.id.as_uuid())
        .bind(&performer.name)
}

/// `sql` with an event's columns: id, doc, kind, title, performer_ids,
/// performer_names (`names`, as [`performer_names`] read them).
pub(super) fn bind_event<'q>(
    sql: &'q str,
    event: &'q Event,
    names: &'q [String],
) -> CatalogResult<PgQuery<'q>> {
    let kind = serde_json::to_value(event.kind).map_err(failed)?;
    let ids: Vec<Uuid> = event.performers.iter().map(|p| p.as_uuid()).collect();
    Ok(sqlx::query(sql)
        .bind(event.id.as_uuid())
        .bind(Json(event))
        .bind(kind.as_str().unwrap_or_default().to_owned())
        .bind(&event.title)
        .bind(ids)
        .bind(names))
}

/// The names of `event`'s performers, in its order, each row share-locked
/// until the transaction ends: a rename waits for this event to be written
/// and then updates its names too, so none goes stale.
pub(super) async fn performer_names(
    conn: &mut PgConnection,
    event: &Event,
) -> CatalogResult<Vec<String>> {
    let mut names = Vec::with_capacity(event.performers.len());
    for performer in &event.performers {
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM performers WHERE id = $1 FOR SHARE")
                .bind(performer.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(failed)?;
        names.push(name.ok_or_else(|| CatalogError::unknown("performer", performer))?);
    }
    Ok(names)
}

/// Refuses an update that changed no row: `kind` `id` does not exist.
fn replaced(rows: u64, kind: &'static str, id: Uuid) -> CatalogResult<()> {
    if rows == 0 {
        Err(CatalogError::unknown(kind, id))
    } else {
        Ok(())
    }
}

impl PgStore {
    /// Replaces a city. Search reads a city's zone per query, and nothing
    /// else keeps a copy of it: nothing to announce.
    pub(super) async fn replace_city(&self, city: &City) -> CatalogResult<()> {
        let done = bind_city(
            "UPDATE cities SET name = $2, country = $3, lat = $4, lon = $5, time_zone = $6
             WHERE id = $1",
            city,
        )
        .execute(self.pool())
        .await
        .map_err(failed)?;
        replaced(done.rows_affected(), "city", city.id.as_uuid())
    }

    /// Replaces a venue, in the city it is in; search re-adds its shows.
    pub(super) async fn replace_venue(&self, venue: &Venue) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        let city: Option<Uuid> =
            sqlx::query_scalar("SELECT city_id FROM venues WHERE id = $1 FOR UPDATE")
                .bind(venue.id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(failed)?;
        let city = city.ok_or_else(|| CatalogError::unknown("venue", venue.id))?;
        if city != venue.city.as_uuid() {
            return Err(CatalogError::VenueCityFixed {
                venue: venue.id,
                city: reservation_core::CityId::from_uuid(city),
            });
        }
        bind_venue(
            "UPDATE venues SET name = $3, address = $4, postal_code = $5, lat = $6, lon = $7,
                time_zone = $8
             WHERE id = $1 AND city_id = $2",
            venue,
        )
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        self.catalog_changed(CatalogChange::Venue(venue.id));
        Ok(())
    }

    /// Renames a performer and, in the same transaction, every event's copy
    /// of the name; search re-reads those events.
    pub(super) async fn replace_performer(&self, performer: &Performer) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        let done = bind_performer("UPDATE performers SET name = $2 WHERE id = $1", performer)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        replaced(done.rows_affected(), "performer", performer.id.as_uuid())?;
        // From the row's own arrays only, so a concurrent rename of another
        // performer of the same event, re-read after its lock, is kept.
        sqlx::query(
            "UPDATE events e SET performer_names = ARRAY(
                 SELECT CASE WHEN u.id = $1 THEN $2 ELSE u.name END
                 FROM unnest(e.performer_ids, e.performer_names) WITH ORDINALITY AS u (id, name, n)
                 ORDER BY u.n)
             WHERE e.performer_ids @> ARRAY[$1]::uuid[]",
        )
        .bind(performer.id.as_uuid())
        .bind(&performer.name)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        self.catalog_changed(CatalogChange::Performer(performer.id));
        Ok(())
    }

    /// Replaces an event whose performers exist; its shows stay.
    pub(super) async fn replace_event(&self, event: &Event) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        // The event first, as the memory store: an unknown event is
        // reported before an unknown performer.
        require(&mut tx, "events", "event", event.id.as_uuid()).await?;
        let names = performer_names(&mut tx, event).await?;
        let done = bind_event(
            "UPDATE events SET doc = $2, kind = $3, title = $4, performer_ids = $5,
                performer_names = $6
             WHERE id = $1",
            event,
            &names,
        )?
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        replaced(done.rows_affected(), "event", event.id.as_uuid())?;
        tx.commit().await.map_err(failed)?;
        self.catalog_changed(CatalogChange::Event(event.id));
        Ok(())
    }
}
