//! What a booking transaction needs to know about a show that never changes
//! once it is scheduled: its hall's seating plan and its prices. Cached per
//! process, so every instance reads it once. The show's start can move
//! (`reschedule`): transactions go by the start on the show's locked
//! `show_state` row, never by the cached one.

use reservation_core::ShowId;
use reservation_core::catalog::{Hall, Layout, PricedPlan, Show};
use sqlx::PgPool;
use sqlx::types::Json;

use crate::catalog::ShowRow;
use crate::error::{Result, storage};

pub(crate) struct ShowMeta {
    pub(crate) show: Show,
    /// The hall's seats with this show's prices.
    pub(crate) pricing: PricedPlan,
}

/// A show with its hall's name and layout, as [`ShowMeta::load`] reads it.
#[derive(sqlx::FromRow)]
struct MetaRow {
    #[sqlx(flatten)]
    show: ShowRow,
    name: String,
    layout: Json<Layout>,
}

impl ShowMeta {
    pub(crate) async fn load(pool: &PgPool, id: ShowId) -> Result<Option<Self>> {
        let row: Option<MetaRow> = sqlx::query_as(
            "SELECT s.id AS show_id, s.event_id, s.hall_id, s.venue_id, s.city_id, s.starts_at, s.prices,
                    h.name, h.layout
             FROM shows s JOIN halls h ON h.id = s.hall_id WHERE s.id = $1",
        )
        .bind(id.as_uuid())
        .fetch_optional(pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let show = row.show.read();
        // A stored layout the core refuses is a corrupt row.
        let hall = Hall::new(show.hall, show.venue, row.name, row.layout.0).map_err(storage)?;
        Ok(Some(Self {
            pricing: PricedPlan::new(&hall, &show.prices),
            show,
        }))
    }
}
