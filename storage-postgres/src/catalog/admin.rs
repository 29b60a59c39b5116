//! Catalog writes on PostgreSQL: adding rows ([`updates`](super::updates)
//! replaces them). Each checks what it refers to in its transaction; search
//! hears of events and shows once they commit
//! ([`catalog_changed`](PgStore::catalog_changed)).

use async_trait::async_trait;
use reservation_core::catalog::{CatalogError, City, Event, Hall, Performer, Show, Venue};
use reservation_core::{Catalog, CatalogAdmin, CatalogResult};
use sqlx::types::Json;
use uuid::Uuid;

use super::rows::failed;
use super::updates::{bind_city, bind_event, bind_performer, bind_venue, performer_names};
use super::{require, require_new};
use crate::PgStore;
use crate::search::CatalogChange;

#[async_trait]
impl CatalogAdmin for PgStore {
    async fn add_city(&self, city: City) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        require_new(&mut tx, "cities", "city", city.id.as_uuid()).await?;
        bind_city(
            "INSERT INTO cities (id, name, country, lat, lon, time_zone) VALUES ($1, $2, $3, $4, $5, $6)",
            &city,
        )
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)
    }

    async fn add_venue(&self, venue: Venue) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        require_new(&mut tx, "venues", "venue", venue.id.as_uuid()).await?;
        require(&mut tx, "cities", "city", venue.city.as_uuid()).await?;
        bind_venue(
            "INSERT INTO venues (id, city_id, name, address, postal_code, lat, lon, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &venue,
        )
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
        bind_performer(
            "INSERT INTO performers (id, name) VALUES ($1, $2)",
            &performer,
        )
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)
    }

    async fn add_event(&self, event: Event) -> CatalogResult<()> {
        let mut tx = self.pool().begin().await.map_err(failed)?;
        require_new(&mut tx, "events", "event", event.id.as_uuid()).await?;
        let names = performer_names(&mut tx, &event).await?;
        bind_event(
            "INSERT INTO events (id, doc, kind, title, performer_ids, performer_names)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &event,
            &names,
        )?
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        self.catalog_changed(CatalogChange::Event(event.id));
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
        self.catalog_changed(CatalogChange::Show(show.id));
        Ok(())
    }

    async fn update_city(&self, city: City) -> CatalogResult<()> {
        self.replace_city(&city).await
    }

    async fn update_venue(&self, venue: Venue) -> CatalogResult<()> {
        self.replace_venue(&venue).await
    }

    async fn update_performer(&self, performer: Performer) -> CatalogResult<()> {
        self.replace_performer(&performer).await
    }

    async fn update_event(&self, event: Event) -> CatalogResult<()> {
        self.replace_event(&event).await
    }
}
