//! What a booking transaction needs to know about a show that never changes
//! once it is scheduled: its hall's seating plan and its prices. Cached per
//! process, so every instance reads it once.

use reservation_core::catalog::{Hall, Layout, PriceList, PricedPlan, Show};
use reservation_core::{CityId, EventId, HallId, ReservationError, ShowId, VenueId};
use sqlx::{PgPool, Row};

use crate::error::storage;

pub(crate) struct ShowMeta {
    pub(crate) show: Show,
    /// The hall's seats with this show's prices.
    pub(crate) pricing: PricedPlan,
}

impl ShowMeta {
    pub(crate) async fn load(pool: &PgPool, id: ShowId) -> Result<Option<Self>, ReservationError> {
        let row = sqlx::query(
            "SELECT s.event_id, s.hall_id, s.venue_id, s.city_id, s.starts_at, s.prices, h.name, h.layout
             FROM shows s JOIN halls h ON h.id = s.hall_id WHERE s.id = $1",
        )
        .bind(id.as_uuid())
        .fetch_optional(pool)
        .await
        .map_err(storage)?;
        let Some(row) = row else { return Ok(None) };
        let layout: sqlx::types::Json<Layout> = row.try_get("layout").map_err(storage)?;
        let prices: sqlx::types::Json<PriceList> = row.try_get("prices").map_err(storage)?;
        let venue = VenueId::from_uuid(row.try_get("venue_id").map_err(storage)?);
        let hall_id = HallId::from_uuid(row.try_get("hall_id").map_err(storage)?);
        let name: String = row.try_get("name").map_err(storage)?;
        let hall = Hall::new(hall_id, venue, name, layout.0).map_err(storage)?;
        let show = Show {
            id,
            event: EventId::from_uuid(row.try_get("event_id").map_err(storage)?),
            hall: hall_id,
            venue,
            city: CityId::from_uuid(row.try_get("city_id").map_err(storage)?),
            starts_at: row.try_get("starts_at").map_err(storage)?,
            prices: prices.0,
        };
        Ok(Some(Self {
            pricing: PricedPlan::new(&hall, &show.prices),
            show,
        }))
    }
}
