//! Catalog reads and writes on PostgreSQL.

use async_trait::async_trait;
use reservation_core::catalog::search::{SearchError, SearchPage, SearchQuery};
use reservation_core::catalog::{
    CatalogError, City, Event, EventSummary, Hall, Performer, Show, Venue, VenueShowtimes,
};
use reservation_core::{
    Catalog, CatalogResult, CityId, EventId, HallId, PerformerId, ShowId, VenueId,
};
use sqlx::PgConnection;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;

mod admin;
mod rows;
mod updates;

use rows::{CityRow, HallRow, ShowtimeRow, SummaryRow, failed};
pub(crate) use rows::{IndexedEventRow, ShowRow, VenueRow};

/// Whether a row with this id exists in `table`.
async fn exists(conn: &mut PgConnection, table: &str, id: Uuid) -> CatalogResult<bool> {
    let found: Option<i32> = sqlx::query_scalar(&format!("SELECT 1 FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(failed)?;
    Ok(found.is_some())
}

async fn require(
    conn: &mut PgConnection,
    table: &str,
    kind: &'static str,
    id: Uuid,
) -> CatalogResult<()> {
    if exists(conn, table, id).await? {
        Ok(())
    } else {
        Err(CatalogError::unknown(kind, id))
    }
}

async fn require_new(
    conn: &mut PgConnection,
    table: &str,
    kind: &'static str,
    id: Uuid,
) -> CatalogResult<()> {
    if exists(conn, table, id).await? {
        Err(CatalogError::duplicate(kind, id))
    } else {
        Ok(())
    }
}

const SUMMARY: &str = "SELECT e.doc, min(s.starts_at) AS next_show, count(*) AS shows
     FROM shows s JOIN events e ON e.id = s.event_id
     WHERE s.{column} = $1 AND s.starts_at >= $2
     GROUP BY e.id ORDER BY next_show, e.title, e.id";

impl PgStore {
    async fn summaries(
        &self,
        column: &str,
        id: Uuid,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<EventSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(&SUMMARY.replace("{column}", column))
            .bind(id)
            .bind(from)
            .fetch_all(self.pool())
            .await
            .map_err(failed)?;
        rows.into_iter().map(SummaryRow::read).collect()
    }

    /// The row `sql` finds for `id`, or `kind` unknown.
    async fn one<R>(&self, sql: &str, kind: &'static str, id: Uuid) -> CatalogResult<R>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(failed)?
            .ok_or_else(|| CatalogError::unknown(kind, id))
    }
}

#[async_trait]
impl Catalog for PgStore {
    async fn cities(&self) -> CatalogResult<Vec<City>> {
        let rows: Vec<CityRow> = sqlx::query_as("SELECT * FROM cities ORDER BY name, id")
            .fetch_all(self.pool())
            .await
            .map_err(failed)?;
        rows.into_iter().map(CityRow::read).collect()
    }

    async fn city(&self, id: CityId) -> CatalogResult<City> {
        self.one::<CityRow>("SELECT * FROM cities WHERE id = $1", "city", id.as_uuid())
            .await?
            .read()
    }

    async fn venue(&self, id: VenueId) -> CatalogResult<Venue> {
        self.one::<VenueRow>("SELECT * FROM venues WHERE id = $1", "venue", id.as_uuid())
            .await?
            .read()
    }

    async fn venues_in_city(&self, city: CityId) -> CatalogResult<Vec<Venue>> {
        self.city(city).await?;
        let rows: Vec<VenueRow> =
            sqlx::query_as("SELECT * FROM venues WHERE city_id = $1 ORDER BY name, id")
                .bind(city.as_uuid())
                .fetch_all(self.pool())
                .await
                .map_err(failed)?;
        rows.into_iter().map(VenueRow::read).collect()
    }

    async fn hall(&self, id: HallId) -> CatalogResult<Hall> {
        self.one::<HallRow>("SELECT * FROM halls WHERE id = $1", "hall", id.as_uuid())
            .await?
            .read(id)
    }

    async fn event(&self, id: EventId) -> CatalogResult<Event> {
        let (doc,) = self
            .one::<(Json<Event>,)>(
                "SELECT doc FROM events WHERE id = $1",
                "event",
                id.as_uuid(),
            )
            .await?;
        Ok(doc.0)
    }

    async fn performer(&self, id: PerformerId) -> CatalogResult<Performer> {
        let (name,) = self
            .one::<(String,)>(
                "SELECT name FROM performers WHERE id = $1",
                "performer",
                id.as_uuid(),
            )
            .await?;
        Ok(Performer::new(name).with_id(id))
    }

    async fn show(&self, id: ShowId) -> CatalogResult<Show> {
        Ok(self
            .one::<ShowRow>(
                "SELECT id AS show_id, * FROM shows WHERE id = $1",
                "show",
                id.as_uuid(),
            )
            .await?
            .read())
    }

    async fn events_in_city(
        &self,
        city: CityId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<EventSummary>> {
        self.city(city).await?;
        self.summaries("city_id", city.as_uuid(), from).await
    }

    async fn showtimes(
        &self,
        event: EventId,
        city: CityId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<VenueShowtimes>> {
        self.event(event).await?;
        self.city(city).await?;
        let rows: Vec<ShowtimeRow> = sqlx::query_as(
            "SELECT s.id AS show_id, s.event_id, s.hall_id, s.venue_id, s.city_id, s.starts_at, s.prices,
                    v.id, v.name, v.address, v.postal_code, v.lat, v.lon, v.time_zone
             FROM shows s JOIN venues v ON v.id = s.venue_id
             WHERE s.event_id = $1 AND s.city_id = $2 AND s.starts_at >= $3
             ORDER BY s.starts_at, v.name, s.id",
        )
        .bind(event.as_uuid())
        .bind(city.as_uuid())
        .bind(from)
        .fetch_all(self.pool())
        .await
        .map_err(failed)?;
        // Rows come by start time, so venues come by their earliest show.
        let mut grouped: Vec<VenueShowtimes> = Vec::new();
        for row in rows {
            let show = row.show.read();
            match grouped.iter_mut().find(|g| g.venue.id == show.venue) {
                Some(group) => group.shows.push(show),
                None => grouped.push(VenueShowtimes::new(row.venue.read()?, vec![show])),
            }
        }
        Ok(grouped)
    }

    async fn events_at_venue(
        &self,
        venue: VenueId,
        from: OffsetDateTime,
    ) -> CatalogResult<Vec<EventSummary>> {
        self.venue(venue).await?;
        self.summaries("venue_id", venue.as_uuid(), from).await
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError> {
        self.search_catalog(query).await
    }
}
