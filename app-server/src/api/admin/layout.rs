//! The seating-layout document a hall is created from (format in the
//! README's "Organizers" section; `examples/layouts/studio.json` is one).
//! Seats get ids from the hall and their label, so the same document gives
//! the same seat ids.

use axum::http::StatusCode;
use reservation_core::catalog::CategoryCode;
use reservation_core::catalog::{
    Hall, Layout, LayoutError, Point, PriceCategory, Row, Seat, SeatFlags, Section, Stage,
};
use reservation_core::{HallId, SeatId, VenueId};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Most seats one hall may have.
const MAX_SEATS: usize = 100_000;

/// A hall as an organizer describes it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HallDocument {
    /// The hall's name, such as "Studio 2".
    name: String,
    /// The screen or stage, drawn as a rectangle.
    stage: Stage,
    /// Where the best seats are (best-available ranks by distance to it);
    /// by default the centre, 60% of the way back.
    #[serde(default)]
    sweet_spot: Option<Point>,
    /// The price categories seats refer to.
    categories: Vec<PriceCategory>,
    /// The sections, front to back.
    sections: Vec<SectionDocument>,
}

/// A section: named rows.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SectionDocument {
    name: String,
    rows: Vec<RowDocument>,
}

/// A row: its label (printed at both ends) and its seats.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RowDocument {
    label: String,
    seats: Vec<SeatDocument>,
}

/// One seat.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeatDocument {
    /// What the ticket says, such as "F12"; unique in the hall.
    label: String,
    /// Number within the row; consecutive numbers sit side by side.
    number: u16,
    /// Where it is drawn, in layout units (seat centres at least 7.6 apart).
    position: Point,
    /// One of the document's category codes.
    category: CategoryCode,
    /// Wheelchair place, companion seat, aisle seat.
    #[serde(default)]
    flags: SeatFlags,
}

/// The hall a document created.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct NewHall {
    id: HallId,
    venue: VenueId,
    name: String,
    /// Number of seats.
    capacity: usize,
    /// Its price categories: a show's prices name each of them.
    categories: Vec<PriceCategory>,
}

impl NewHall {
    pub(crate) fn of(hall: &Hall) -> Self {
        Self {
            id: hall.id(),
            venue: hall.venue(),
            name: hall.name().to_owned(),
            capacity: hall.capacity(),
            categories: hall.layout().categories.clone(),
        }
    }
}

impl HallDocument {
    /// The checked hall; a refused layout is 422 `invalid_layout` with the
    /// offending seat in `details.seat` when there is one.
    pub(crate) fn into_hall(self, id: HallId, venue: VenueId) -> Result<Hall, ApiError> {
        let seats: usize = self
            .sections
            .iter()
            .flat_map(|section| &section.rows)
            .map(|row| row.seats.len())
            .sum();
        if seats > MAX_SEATS {
            return Err(invalid(
                format!("a hall has at most {MAX_SEATS} seats, not {seats}"),
                None,
            ));
        }
        let seat_id = |label: &str| SeatId::from_name(&format!("{id}/{label}"));
        let sections = self
            .sections
            .into_iter()
            .map(|section| {
                let rows = section
                    .rows
                    .into_iter()
                    .map(|row| {
                        let seats = row
                            .seats
                            .into_iter()
                            .map(|seat| {
                                Seat::new(
                                    seat_id(&seat.label),
                                    seat.label,
                                    seat.number,
                                    seat.position,
                                    seat.category,
                                )
                                .with_flags(seat.flags)
                            })
                            .collect();
                        Row::new(row.label, seats)
                    })
                    .collect();
                Section::new(section.name, rows)
            })
            .collect();
        let mut layout = Layout::new(self.stage, self.categories, sections);
        if let Some(spot) = self.sweet_spot {
            layout = layout.with_sweet_spot(spot);
        }
        let refused = |error: LayoutError| {
            let seat = offending_seat(&error);
            invalid(error.to_string(), seat)
        };
        let hall = Hall::new(id, venue, self.name, layout).map_err(refused)?;
        hall.check_spacing().map_err(refused)?;
        Ok(hall)
    }
}

/// The seat a layout refusal is about, if it is about one.
fn offending_seat(error: &LayoutError) -> Option<serde_json::Value> {
    use serde_json::json;
    match error {
        LayoutError::DuplicateLabel(seat) | LayoutError::BadPosition(seat) => {
            Some(json!({ "seat": seat }))
        }
        LayoutError::UnknownCategory { seat, category } => {
            Some(json!({ "seat": seat, "category": category }))
        }
        LayoutError::OverlappingSeats { seat, other } => {
            Some(json!({ "seat": seat, "overlaps": other }))
        }
        LayoutError::DuplicateNumber { row, number } => {
            Some(json!({ "row": row, "number": number }))
        }
        _ => None,
    }
}

fn invalid(message: String, details: Option<serde_json::Value>) -> ApiError {
    let error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_layout", message);
    match details {
        Some(details) => error.with_details(details),
        None => error,
    }
}
