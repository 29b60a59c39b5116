//! Catalog reads and writes on PostgreSQL.

use async_trait::async_trait;
use reservation_core::catalog::search::{SearchError, SearchPage, SearchQuery};
use reservation_core::catalog::{
    CatalogError, City, Event, EventSummary, GeoPoint, Hall, Layout, Performer, PriceList, Show,
    Venue, VenueShowtimes,
};
use reservation_core::{
    Catalog, CatalogAdmin, CatalogResult, CityId, EventId, HallId, PerformerId, ShowId, VenueId,
};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::PgStore;
use crate::error::storage;
use crate::search::CatalogChange;

fn failed(error: impl std::error::Error + Send + Sync + 'static) -> CatalogError {
    CatalogError::Storage(storage(error))
}

fn point(row: &PgRow) -> CatalogResult<GeoPoint> {
    let (lat, lon): (f64, f64) = (
        row.try_get("lat").map_err(failed)?,
        row.try_get("lon").map_err(failed)?,
    );
    GeoPoint::new(lat, lon).map_err(failed)
}

fn city(row: &PgRow) -> CatalogResult<City> {
    let name: String = row.try_get("name").map_err(failed)?;
    let country: String = row.try_get("country").map_err(failed)?;
    Ok(City::new(name, country, point(row)?)
        .with_id(CityId::from_uuid(row.try_get("id").map_err(failed)?)))
}

pub(crate) fn venue_row(row: &PgRow) -> CatalogResult<Venue> {
    let city = CityId::from_uuid(row.try_get("city_id").map_err(failed)?);
    let name: String = row.try_get("name").map_err(failed)?;
    let address: String = row.try_get("address").map_err(failed)?;
    let postal_code: String = row.try_get("postal_code").map_err(failed)?;
    Ok(Venue::new(city, name, point(row)?)
        .with_id(VenueId::from_uuid(row.try_get("id").map_err(failed)?))
        .with_address(address, postal_code))
}

pub(crate) fn show_row(row: &PgRow) -> CatalogResult<Show> {
    let prices: Json<PriceList> = row.try_get("prices").map_err(failed)?;
    Ok(Show::from_ids(
        EventId::from_uuid(row.try_get("event_id").map_err(failed)?),
        HallId::from_uuid(row.try_get("hall_id").map_err(failed)?),
        VenueId::from_uuid(row.try_get("venue_id").map_err(failed)?),
        CityId::from_uuid(row.try_get("city_id").map_err(failed)?),
        row.try_get("starts_at").map_err(failed)?,
        prices.0,
    )
    .with_id(ShowId::from_uuid(row.try_get("show_id").map_err(failed)?)))
}

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
        let rows = sqlx::query(&SUMMARY.replace("{column}", column))
            .bind(id)
            .bind(from)
            .fetch_all(self.pool())
            .await
            .map_err(failed)?;
        rows.iter()
            .map(|row| {
                let event: Json<Event> = row.try_get("doc").map_err(failed)?;
                let shows: i64 = row.try_get("shows").map_err(failed)?;
                Ok(EventSummary::new(
                    event.0,
                    row.try_get("next_show").map_err(failed)?,
                    u32::try_from(shows).unwrap_or(u32::MAX),
                ))
            })
            .collect()
    }

    async fn one(&self, sql: &str, kind: &'static str, id: Uuid) -> CatalogResult<PgRow> {
        sqlx::query(sql)
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
        let rows = sqlx::query("SELECT * FROM cities ORDER BY name, id")
            .fetch_all(self.pool())
            .await
            .map_err(failed)?;
        rows.iter().map(city).collect()
    }

    async fn city(&self, id: CityId) -> CatalogResult<City> {
        city(
            &self
                .one("SELECT * FROM cities WHERE id = $1", "city", id.as_uuid())
                .await?,
        )
    }

    async fn venue(&self, id: VenueId) -> CatalogResult<Venue> {
        venue_row(
            &self
                .one("SELECT * FROM venues WHERE id = $1", "venue", id.as_uuid())
                .await?,
        )
    }

    async fn venues_in_city(&self, city: CityId) -> CatalogResult<Vec<Venue>> {
        self.city(city).await?;
        let rows = sqlx::query("SELECT * FROM venues WHERE city_id = $1 ORDER BY name, id")
            .bind(city.as_uuid())
            .fetch_all(self.pool())
            .await
            .map_err(failed)?;
        rows.iter().map(venue_row).collect()
    }

    async fn hall(&self, id: HallId) -> CatalogResult<Hall> {
        let row = self
            .one("SELECT * FROM halls WHERE id = $1", "hall", id.as_uuid())
            .await?;
        let layout: Json<Layout> = row.try_get("layout").map_err(failed)?;
        let venue = VenueId::from_uuid(row.try_get("venue_id").map_err(failed)?);
        Ok(Hall::new(
            id,
            venue,
            row.try_get::<String, _>("name").map_err(failed)?,
            layout.0,
        )?)
    }

    async fn event(&self, id: EventId) -> CatalogResult<Event> {
        let row = self
            .one(
                "SELECT doc FROM events WHERE id = $1",
                "event",
                id.as_uuid(),
            )
            .await?;
        Ok(row.try_get::<Json<Event>, _>("doc").map_err(failed)?.0)
    }

    async fn performer(&self, id: PerformerId) -> CatalogResult<Performer> {
        let row = self
            .one(
                "SELECT name FROM performers WHERE id = $1",
                "performer",
                id.as_uuid(),
            )
            .await?;
        let name: String = row.try_get("name").map_err(failed)?;
        Ok(Performer::new(name).with_id(id))
    }

    async fn show(&self, id: ShowId) -> CatalogResult<Show> {
        show_row(
            &self
                .one(
                    "SELECT id AS show_id, * FROM shows WHERE id = $1",
                    "show",
                    id.as_uuid(),
                )
                .await?,
        )
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
        let rows = sqlx::query(
            "SELECT s.id AS show_id, s.event_id, s.hall_id, s.venue_id, s.city_id, s.starts_at, s.prices,
                    v.id, v.city_id, v.name, v.address, v.postal_code, v.lat, v.lon
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
        for row in &rows {
            let show = show_row(row)?;
            match grouped.iter_mut().find(|g| g.venue.id == show.venue) {
                Some(group) => group.shows.push(show),
                None => grouped.push(VenueShowtimes::new(venue_row(row)?, vec![show])),
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

#[async_trait]
impl CatalogAdmin for PgStore {
    async fn add_city(&self, city: City) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        require_new(&mut tx, "cities", "city", city.id.as_uuid()).await?;
        sqlx::query("INSERT INTO cities (id, name, country, lat, lon) VALUES ($1, $2, $3, $4, $5)")
            .bind(city.id.as_uuid())
            .bind(&city.name)
            .bind(&city.country)
            .bind(city.location.lat())
            .bind(city.location.lon())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)
    }

    async fn add_venue(&self, venue: Venue) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        require_new(&mut tx, "venues", "venue", venue.id.as_uuid()).await?;
        require(&mut tx, "cities", "city", venue.city.as_uuid()).await?;
        sqlx::query(
            "INSERT INTO venues (id, city_id, name, address, postal_code, lat, lon) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(venue.id.as_uuid())
        .bind(venue.city.as_uuid())
        .bind(&venue.name)
        .bind(&venue.address)
        .bind(&venue.postal_code)
        .bind(venue.location.lat())
        .bind(venue.location.lon())
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)
    }

    async fn add_hall(&self, hall: Hall) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        require_new(&mut tx, "halls", "hall", hall.id().as_uuid()).await?;
        require(&mut tx, "venues", "venue", hall.venue().as_uuid()).await?;
        let seats: Vec<Uuid> = hall.plan().seats().iter().map(|s| s.id.as_uuid()).collect();
        let taken: Option<Uuid> =
            sqlx::query_scalar("SELECT seat_id FROM hall_seats WHERE seat_id = ANY($1) LIMIT 1")
                .bind(&seats)
                .fetch_optional(&mut *tx)
                .await
                .map_err(failed)?;
        if let Some(seat) = taken {
            return Err(CatalogError::duplicate("seat", seat));
        }
        sqlx::query("INSERT INTO halls (id, venue_id, name, layout) VALUES ($1, $2, $3, $4)")
            .bind(hall.id().as_uuid())
            .bind(hall.venue().as_uuid())
            .bind(hall.name())
            .bind(Json(&**hall.layout()))
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query("INSERT INTO hall_seats (seat_id, hall_id) SELECT unnest($1::uuid[]), $2")
            .bind(&seats)
            .bind(hall.id().as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)
    }

    async fn add_performer(&self, performer: Performer) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        require_new(&mut tx, "performers", "performer", performer.id.as_uuid()).await?;
        sqlx::query("INSERT INTO performers (id, name) VALUES ($1, $2)")
            .bind(performer.id.as_uuid())
            .bind(&performer.name)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)
    }

    async fn add_event(&self, event: Event) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        require_new(&mut tx, "events", "event", event.id.as_uuid()).await?;
        let mut names = Vec::with_capacity(event.performers.len());
        for performer in &event.performers {
            let name: Option<String> =
                sqlx::query_scalar("SELECT name FROM performers WHERE id = $1")
                    .bind(performer.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(failed)?;
            names.push(name.ok_or_else(|| CatalogError::unknown("performer", performer))?);
        }
        let kind = serde_json::to_value(event.kind).map_err(failed)?;
        sqlx::query(
            "INSERT INTO events (id, doc, kind, title, performer_ids, performer_names)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event.id.as_uuid())
        .bind(Json(&event))
        .bind(kind.as_str().unwrap_or_default())
        .bind(&event.title)
        .bind(
            event
                .performers
                .iter()
                .map(|p| p.as_uuid())
                .collect::<Vec<_>>(),
        )
        .bind(&names)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        self.inner.feed.catalog().added_event(&event, &names).await;
        self.wakeups()
            .announce_catalog(CatalogChange::Event(event.id));
        Ok(())
    }

    async fn add_show(&self, show: Show) -> CatalogResult<()> {
        let hall = self.hall(show.hall).await?;
        let venue = self.venue(show.venue).await?;
        let mut tx = self.pool().begin().await.map_err(failed)?;
        require_new(&mut tx, "shows", "show", show.id.as_uuid()).await?;
        require(&mut tx, "events", "event", show.event.as_uuid()).await?;
        if hall.venue() != show.venue {
            return Err(CatalogError::HallNotInVenue {
                hall: show.hall,
                venue: show.venue,
            });
        }
        if venue.city != show.city {
            return Err(CatalogError::unknown("city of venue", show.city));
        }
        show.prices.check_against(&hall)?;
        sqlx::query(
            "INSERT INTO shows (id, event_id, hall_id, venue_id, city_id, starts_at, prices)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(show.id.as_uuid())
        .bind(show.event.as_uuid())
        .bind(show.hall.as_uuid())
        .bind(show.venue.as_uuid())
        .bind(show.city.as_uuid())
        .bind(show.starts_at)
        .bind(Json(&show.prices))
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        let capacity = i32::try_from(hall.capacity()).map_err(failed)?;
        sqlx::query("INSERT INTO show_state (show_id, available) VALUES ($1, $2)")
            .bind(show.id.as_uuid())
            .bind(capacity)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query(
            "INSERT INTO seats (show_id, seat_index) SELECT $1, generate_series(0, $2 - 1)",
        )
        .bind(show.id.as_uuid())
        .bind(capacity)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        self.inner.feed.catalog().added_show(&show, &venue).await;
        self.wakeups()
            .announce_catalog(CatalogChange::Show(show.id));
        Ok(())
    }
}
