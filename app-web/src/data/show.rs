//! A show's page: the seat map as this visitor sees it.

use leptos::prelude::*;

use crate::refusal::Refusal;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::server::{admission_pass, backend, failed, parse_id, to_the_room, visitor};

/// A seat's state on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatState {
    /// Free to hold.
    Available,
    /// In someone's hold (maybe this visitor's).
    Held,
    /// Sold (maybe to this visitor).
    Booked,
}

impl SeatState {
    /// Its name: the seat's CSS class and the last word of its accessible
    /// name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Held => "held",
            Self::Booked => "booked",
        }
    }
}

#[cfg(feature = "ssr")]
impl From<reservation_core::SeatStatus> for SeatState {
    fn from(status: reservation_core::SeatStatus) -> Self {
        use reservation_core::SeatStatus;
        match status {
            SeatStatus::Available => Self::Available,
            SeatStatus::Held => Self::Held,
            SeatStatus::Booked => Self::Booked,
            // A state this page does not know yet (a cancelled show's
            // seats, say) is not for sale: draw it taken, never free.
            _ => Self::Booked,
        }
    }
}

/// One seat to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatDot {
    /// Seat id.
    pub id: String,
    /// Label, such as "F12".
    pub label: String,
    /// Position.
    pub x: f32,
    /// Position.
    pub y: f32,
    /// Price category code.
    pub category: String,
    /// Price, formatted.
    pub price: String,
    /// Price in minor units (cents), for totals.
    pub cents: i64,
    /// Free, held or sold.
    pub status: SeatState,
    /// Held or booked by this visitor.
    pub mine: bool,
    /// Wheelchair space.
    pub accessible: bool,
    /// Companion seat next to a wheelchair space.
    pub companion: bool,
    /// The row's place in the hall's order (unique across sections).
    pub row: u32,
    /// The row's label, such as "F".
    pub row_label: String,
    /// Number within the row.
    pub number: u16,
    /// The section's place in [`ShowPageData::sections`].
    pub section: u32,
}

/// A price category for the legend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTag {
    /// Code.
    pub code: String,
    /// Name, such as "Premium".
    pub name: String,
    /// Price, formatted.
    pub price: String,
}

/// A show's page: what, where, when, and the seat map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowPageData {
    /// Event title.
    pub title: String,
    /// Venue and hall.
    pub place: String,
    /// Start, formatted.
    pub starts: String,
    /// The stage or screen: label, x, y, width, height.
    pub stage: (String, f32, f32, f32, f32),
    /// Every seat.
    pub seats: Vec<SeatDot>,
    /// Section names, in the hall's order.
    pub sections: Vec<String>,
    /// Prices by category.
    pub prices: Vec<PriceTag>,
    /// Seat counts: available, held, booked.
    pub counts: (u32, u32, u32),
    /// The seat map's event sequence (to follow live changes from).
    pub seq: u64,
    /// The show's id.
    pub id: String,
    /// Currency code of the prices.
    pub currency: String,
    /// Why nothing is for sale now, for buyers (`None`: on sale).
    pub closed: Option<String>,
}

/// A show's seat map as this visitor sees it.
// The generated argument struct's field `show` is the show id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "show_page")]
pub async fn show_page(show: String) -> Result<ShowPageData, Refusal> {
    let id: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let backend = backend()?;
    let show = backend.catalog.show(id).await.map_err(failed)?;
    // Behind a waiting room, the seats are for admitted visitors.
    if let Some(room) = backend.engine.waiting_room() {
        room.check(id, visitor()?, admission_pass().as_deref())
            .await
            .map_err(|refused| to_the_room(refused, id))?;
    }
    let event = backend.catalog.event(show.event).await.map_err(failed)?;
    let venue = backend.catalog.venue(show.venue).await.map_err(failed)?;
    let hall = backend.catalog.hall(show.hall).await.map_err(failed)?;
    let map = backend
        .engine
        .seat_map(id, visitor().ok())
        .await
        .map_err(failed)?;
    let plan = hall.plan();
    let layout = hall.layout();
    // The plan's rows are the layout's rows that have seats, in order.
    let row_labels: Vec<&str> = layout
        .sections
        .iter()
        .flat_map(|s| s.rows.iter().filter(|r| !r.seats.is_empty()))
        .map(|r| r.label.as_str())
        .collect();
    let price_of = |code: &reservation_core::catalog::CategoryCode| {
        show.prices
            .get(code)
            .map(|m| m.to_string())
            .unwrap_or_default()
    };
    let seats = map
        .seats
        .iter()
        .zip(plan.seats())
        .enumerate()
        .map(|(i, (view, seat))| {
            let category = layout.categories[usize::from(seat.category)].code.clone();
            SeatDot {
                id: seat.id.to_string(),
                label: plan
                    .label(reservation_core::catalog::SeatIndex(i as u32))
                    .to_owned(),
                x: seat.position.x,
                y: seat.position.y,
                price: price_of(&category),
                cents: show.prices.get(&category).map_or(0, |m| m.minor),
                category: category.to_string(),
                status: view.status.into(),
                mine: view.mine,
                accessible: seat.flags.accessible,
                companion: seat.flags.companion,
                row: seat.row,
                row_label: row_labels
                    .get(seat.row as usize)
                    .map_or_else(String::new, |l| (*l).to_owned()),
                number: seat.number,
                section: plan.rows().get(seat.row as usize).map_or(0, |r| r.section),
            }
        })
        .collect();
    let prices = layout
        .categories
        .iter()
        .map(|c| PriceTag {
            code: c.code.to_string(),
            name: c.name.clone(),
            price: price_of(&c.code),
        })
        .collect();
    let stage = &layout.stage;
    let closed = match &map.sales {
        reservation_core::SalesState::OnSale => None,
        reservation_core::SalesState::Paused { .. } => {
            Some("Sales for this show are paused. Please check back later.".to_owned())
        }
        reservation_core::SalesState::Cancelled { reason, .. } => Some(format!(
            "This show was cancelled ({reason}). Everyone who booked has been refunded."
        )),
        _ => Some("This show is not on sale.".to_owned()),
    };
    Ok(ShowPageData {
        closed,
        title: event.title,
        place: format!("{} · {}", venue.name, hall.name()),
        starts: super::local_time::long(show.starts_at, &venue.time_zone),
        stage: (
            stage.label.clone(),
            stage.origin.x,
            stage.origin.y,
            stage.width,
            stage.height,
        ),
        seats,
        sections: layout.sections.iter().map(|s| s.name.clone()).collect(),
        prices,
        counts: (map.counts.available, map.counts.held, map.counts.booked),
        seq: map.seq.0,
        id: id.to_string(),
        currency: show.prices.currency().to_string(),
    })
}
