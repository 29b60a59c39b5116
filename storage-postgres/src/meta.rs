//! What a booking transaction needs to know about a show that never changes
//! once it is scheduled: its hall's seating plan and its prices. Cached per
//! process, so every instance reads it once.

use reservation_core::catalog::{Hall, Layout, PriceList, PricedPlan, Show};
use reservation_core::{CityId, EventId, HallId, ShowId, VenueId};
use sqlx::PgPool;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Result, storage};

pub(crate) struct ShowMeta {
    pub(crate) show: Show,
    /// The hall's seats with this show's prices.
    pub(crate) pricing: PricedPlan,
}

/// A show with its hall, as [`ShowMeta::load`] reads it.
#[derive(sqlx::FromRow)]
struct MetaRow {
    event_id: Uuid,
    hall_id: Uuid,
    venue_id: Uuid,
    city_id: Uuid,
    starts_at: OffsetDateTime,
    prices: Json<PriceList>,
    name: String,
    layout: Json<Layout>,
}

impl ShowMeta {
    pub(crate) async fn load(pool: &PgPool, id: ShowId) -> Result<Option<Self>> {
        let row: Option<MetaRow> = sqlx::query_as(
            "SELECT s.event_id, s.hall_id, s.venue_id, s.city_id, s.starts_at, s.prices, h.name, h.layout
             FROM shows s JOIN halls h ON h.id = s.hall_id WHERE s.id = $1",
        )
        .bind(id.as_uuid())
        .fetch_optional(pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let venue = VenueId::from_uuid(row.venue_id);
        let hall_id = HallId::from_uuid(row.hall_id);
        // A stored layout the core refuses is a corrupt row.
        let hall = Hall::new(hall_id, venue, row.name, row.layout.0).map_err(storage)?;
        let show = Show::from_ids(
            EventId::from_uuid(row.event_id),
            hall_id,
            venue,
            CityId::from_uuid(row.city_id),
            row.starts_at,
            row.prices.0,
        )
        .with_id(id);
        Ok(Some(Self {
            pricing: PricedPlan::new(&hall, &show.prices),
            show,
        }))
    }
}
