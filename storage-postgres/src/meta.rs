//! What a booking transaction needs to know about a show that never changes
//! once it is scheduled: its hall's seating plan and its prices. Cached per
//! process, so every instance reads it once.

use std::sync::Arc;

use reservation_core::catalog::{
    CategoryCode, Hall, Layout, PriceList, SeatIndex, SeatingPlan, Show,
};
use reservation_core::{
    CityId, EventId, HallId, Money, PricedSeat, ReservationError, SeatId, ShowId, VenueId,
};
use sqlx::{PgPool, Row};

use crate::error::storage;

pub(crate) struct ShowMeta {
    pub(crate) show: Show,
    pub(crate) plan: Arc<SeatingPlan>,
    /// Code and price per layout category index.
    pub(crate) categories: Vec<(CategoryCode, Money)>,
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
        let categories = hall
            .layout()
            .categories
            .iter()
            .map(|c| {
                (
                    c.code.clone(),
                    show.prices
                        .get(&c.code)
                        .unwrap_or(Money::zero(show.prices.currency())),
                )
            })
            .collect();
        Ok(Some(Self {
            show,
            plan: Arc::clone(hall.plan()),
            categories,
        }))
    }

    pub(crate) fn priced(&self, i: SeatIndex) -> PricedSeat {
        let seat = self.plan.seat(i);
        let (category, price) = self.categories[usize::from(seat.category)].clone();
        PricedSeat {
            seat: seat.id,
            label: self.plan.label(i).to_owned(),
            category,
            price,
        }
    }

    pub(crate) fn seat_ids(&self, seats: &[SeatIndex]) -> Vec<SeatId> {
        seats.iter().map(|&i| self.plan.seat(i).id).collect()
    }

    pub(crate) fn total(&self, prices: impl Iterator<Item = Money>) -> Money {
        prices.fold(Money::zero(self.show.prices.currency()), |a, b| a + b)
    }

    pub(crate) fn category_index(&self, code: &CategoryCode) -> Result<u16, ReservationError> {
        self.categories
            .iter()
            .position(|(c, _)| c == code)
            .map(|i| i as u16)
            .ok_or_else(|| ReservationError::UnknownCategory(code.clone()))
    }

    /// Seat indexes as stored (`integer[]`), checked against the plan.
    pub(crate) fn indexes(&self, stored: &[i32]) -> Vec<SeatIndex> {
        stored
            .iter()
            .filter_map(|&i| u32::try_from(i).ok())
            .filter(|&i| (i as usize) < self.plan.len())
            .map(SeatIndex)
            .collect()
    }
}
