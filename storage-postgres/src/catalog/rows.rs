//! The catalog's rows as the tables keep them (`FromRow`), and their checked
//! conversion into the core's types: a row the core refuses (a coordinate
//! off the globe, a layout that does not hold together) is a storage error.

use reservation_core::catalog::{
    CatalogError, City, Event, EventSummary, GeoPoint, Hall, Layout, PriceList, Show, TimeZone,
    Venue,
};
use reservation_core::{CatalogResult, CityId, EventId, HallId, ShowId, VenueId};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::storage;

/// A catalog read's failure: the database, or a row the core refuses.
pub(crate) fn failed(error: impl std::error::Error + Send + Sync + 'static) -> CatalogError {
    CatalogError::Storage(storage(error))
}

fn point(lat: f64, lon: f64) -> CatalogResult<GeoPoint> {
    GeoPoint::new(lat, lon).map_err(failed)
}

/// A stored zone name the zone database does not know is corrupt data, not
/// a reason to fall back to UTC (which would shift every show's local time).
fn zone(name: &str) -> CatalogResult<TimeZone> {
    TimeZone::parse(name).map_err(failed)
}

/// A row of `cities`.
#[derive(sqlx::FromRow)]
pub(crate) struct CityRow {
    id: Uuid,
    name: String,
    country: String,
    lat: f64,
    lon: f64,
    time_zone: String,
}

impl CityRow {
    pub(crate) fn read(self) -> CatalogResult<City> {
        Ok(
            City::new(self.name, self.country, point(self.lat, self.lon)?)
                .with_id(CityId::from_uuid(self.id))
                .with_time_zone(zone(&self.time_zone)?),
        )
    }
}

/// A row of `venues`.
#[derive(sqlx::FromRow)]
pub(crate) struct VenueRow {
    id: Uuid,
    city_id: Uuid,
    name: String,
    address: String,
    postal_code: String,
    lat: f64,
    lon: f64,
    time_zone: String,
}

impl VenueRow {
    pub(crate) fn read(self) -> CatalogResult<Venue> {
        Ok(Venue::new(
            CityId::from_uuid(self.city_id),
            self.name,
            point(self.lat, self.lon)?,
        )
        .with_id(VenueId::from_uuid(self.id))
        .with_address(self.address, self.postal_code)
        .with_time_zone(zone(&self.time_zone)?))
    }
}

/// A row of `shows`, its id read as `show_id` (so it can sit beside a
/// venue's `id` in one row).
#[derive(sqlx::FromRow)]
pub(crate) struct ShowRow {
    show_id: Uuid,
    event_id: Uuid,
    hall_id: Uuid,
    venue_id: Uuid,
    city_id: Uuid,
    starts_at: OffsetDateTime,
    prices: Json<PriceList>,
}

impl ShowRow {
    pub(crate) fn read(self) -> Show {
        Show::from_ids(
            EventId::from_uuid(self.event_id),
            HallId::from_uuid(self.hall_id),
            VenueId::from_uuid(self.venue_id),
            CityId::from_uuid(self.city_id),
            self.starts_at,
            self.prices.0,
        )
        .with_id(ShowId::from_uuid(self.show_id))
    }
}

/// A show and its venue, in one row.
#[derive(sqlx::FromRow)]
pub(crate) struct ShowtimeRow {
    #[sqlx(flatten)]
    pub(crate) show: ShowRow,
    #[sqlx(flatten)]
    pub(crate) venue: VenueRow,
}

/// A row of `halls`.
#[derive(sqlx::FromRow)]
pub(crate) struct HallRow {
    venue_id: Uuid,
    name: String,
    layout: Json<Layout>,
}

impl HallRow {
    pub(crate) fn read(self, id: HallId) -> CatalogResult<Hall> {
        Ok(Hall::new(
            id,
            VenueId::from_uuid(self.venue_id),
            self.name,
            self.layout.0,
        )?)
    }
}

/// An event with its shows from some instant on.
#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    doc: Json<Event>,
    next_show: OffsetDateTime,
    shows: i64,
}

impl SummaryRow {
    pub(crate) fn read(self) -> CatalogResult<EventSummary> {
        let shows = u32::try_from(self.shows).map_err(failed)?;
        Ok(EventSummary::new(self.doc.0, self.next_show, shows))
    }
}

/// An event as search indexes it: its document and its performers' names.
#[derive(sqlx::FromRow)]
pub(crate) struct IndexedEventRow {
    pub(crate) doc: Json<Event>,
    pub(crate) performer_names: Vec<String>,
}
