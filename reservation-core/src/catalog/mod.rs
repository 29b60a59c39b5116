//! The catalog: cities, venues, halls, events, performers and shows, plus the
//! browse results and search queries the storefront asks for.

mod layout;
mod pricing;
pub mod search;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::InputError;
use crate::ids::{CityId, EventId, HallId, PerformerId, ShowId, VenueId};
use crate::money::{Currency, Money};

pub use layout::{
    CategoryCode, Hall, Layout, LayoutError, PlanRow, PlanSeat, Point, PriceCategory, Row, Seat,
    SeatFlags, SeatIndex, SeatingPlan, Section, Stage, grid_layout,
};
pub use pricing::PricedPlan;

/// A position on Earth in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawGeoPoint")]
pub struct GeoPoint {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct RawGeoPoint {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawGeoPoint> for GeoPoint {
    type Error = InputError;
    fn try_from(raw: RawGeoPoint) -> Result<Self, Self::Error> {
        GeoPoint::new(raw.lat, raw.lon)
    }
}

impl GeoPoint {
    /// A checked position: latitude -90..=90, longitude -180..=180.
    pub fn new(lat: f64, lon: f64) -> Result<Self, InputError> {
        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
            Ok(Self { lat, lon })
        } else {
            Err(InputError::InvalidGeoPoint { lat, lon })
        }
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Great-circle distance in kilometres (haversine).
    pub fn distance_km(&self, other: GeoPoint) -> f64 {
        const EARTH_RADIUS_KM: f64 = 6371.0;
        let (phi1, phi2) = (self.lat.to_radians(), other.lat.to_radians());
        let dphi = phi2 - phi1;
        let dlambda = (other.lon - self.lon).to_radians();
        let a =
            (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

/// A city with venues.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct City {
    /// Id.
    pub id: CityId,
    /// Display name.
    pub name: String,
    /// Country name or code.
    pub country: String,
    /// City centre.
    pub location: GeoPoint,
}

/// A place where shows happen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Venue {
    /// Id.
    pub id: VenueId,
    /// The city it is in.
    pub city: CityId,
    /// Display name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Postal code.
    pub postal_code: String,
    /// Where it is.
    pub location: GeoPoint,
}

/// An artist, band or cast member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Performer {
    /// Id.
    pub id: PerformerId,
    /// Display name.
    pub name: String,
}

/// What kind of event it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A film screening.
    Movie,
    /// A concert.
    Concert,
    /// A play, musical, comedy night.
    Theatre,
    /// Anything else.
    Other,
}

/// A movie or concert, independent of where and when it plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Id.
    pub id: EventId,
    /// Movie, concert, ...
    pub kind: EventKind,
    /// Title.
    pub title: String,
    /// Longer description.
    pub description: String,
    /// Genres and tags, such as "action" or "jazz".
    pub genres: Vec<String>,
    /// Performers (artists, cast).
    pub performers: Vec<PerformerId>,
    /// Running time in minutes.
    pub duration_minutes: u32,
    /// Audience rating, such as "PG-13" or "FSK 12".
    pub rating: Option<String>,
}

/// Prices of a show, one per price category of its hall, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = std::collections::BTreeMap<String, Money>))]
pub struct PriceList(BTreeMap<CategoryCode, Money>);

/// A price list that does not fit the hall.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceListError {
    /// A category of the hall has no price.
    #[error("price category `{0}` has no price")]
    Unpriced(CategoryCode),
    /// A price is given for a category the hall does not have.
    #[error("the hall has no price category `{0}`")]
    UnknownCategory(CategoryCode),
    /// Prices in more than one currency.
    #[error("prices mix currencies {0} and {1}")]
    MixedCurrencies(Currency, Currency),
    /// A negative price.
    #[error("price of category `{0}` is negative")]
    Negative(CategoryCode),
    /// No prices at all.
    #[error("the price list is empty")]
    Empty,
}

impl PriceList {
    /// Checks that `prices` is non-empty, non-negative and in one currency.
    pub fn new(prices: BTreeMap<CategoryCode, Money>) -> Result<Self, PriceListError> {
        let first = prices
            .values()
            .next()
            .ok_or(PriceListError::Empty)?
            .currency;
        for (code, price) in &prices {
            if price.currency != first {
                return Err(PriceListError::MixedCurrencies(first, price.currency));
            }
            if price.minor < 0 {
                return Err(PriceListError::Negative(code.clone()));
            }
        }
        Ok(Self(prices))
    }

    /// One price for every category.
    pub fn uniform(categories: &[PriceCategory], price: Money) -> Self {
        Self(categories.iter().map(|c| (c.code.clone(), price)).collect())
    }

    /// The price of `category`.
    pub fn get(&self, category: &CategoryCode) -> Option<Money> {
        self.0.get(category).copied()
    }

    /// The currency of all prices.
    pub fn currency(&self) -> Currency {
        self.0.values().next().map_or(Currency::EUR, |m| m.currency)
    }

    /// All prices by category.
    pub fn iter(&self) -> impl Iterator<Item = (&CategoryCode, &Money)> {
        self.0.iter()
    }

    /// Checks that the list prices exactly the categories of `hall`.
    pub fn check_against(&self, hall: &Hall) -> Result<(), PriceListError> {
        let categories = &hall.layout().categories;
        if let Some(c) = categories.iter().find(|c| !self.0.contains_key(&c.code)) {
            return Err(PriceListError::Unpriced(c.code.clone()));
        }
        if let Some(code) = self
            .0
            .keys()
            .find(|code| !categories.iter().any(|c| &c.code == *code))
        {
            return Err(PriceListError::UnknownCategory(code.clone()));
        }
        Ok(())
    }
}

/// One event in one hall at one time: what people buy seats for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Show {
    /// Id.
    pub id: ShowId,
    /// What plays.
    pub event: EventId,
    /// Where it plays.
    pub hall: HallId,
    /// The hall's venue.
    pub venue: VenueId,
    /// The venue's city.
    pub city: CityId,
    /// When it starts.
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    /// Price per category.
    pub prices: PriceList,
}

/// An event in a browse list, with when it next plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventSummary {
    /// The event.
    pub event: Event,
    /// Start of its earliest listed show.
    #[serde(with = "time::serde::rfc3339")]
    pub next_show: OffsetDateTime,
    /// How many listed shows it has.
    pub shows: u32,
}

/// A venue with the listed shows of one event, earliest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VenueShowtimes {
    /// The venue.
    pub venue: Venue,
    /// Its shows of the event, by start time.
    pub shows: Vec<Show>,
}

/// A catalog write that refers to something missing or is malformed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The id is already taken.
    #[error("{kind} {id} already exists")]
    Duplicate {
        /// Kind of entity.
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// A referenced entity does not exist.
    #[error("unknown {kind} {id}")]
    Unknown {
        /// Kind of entity.
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// The hall belongs to another venue than the show says.
    #[error("hall {hall} is not in venue {venue}")]
    HallNotInVenue {
        /// Hall.
        hall: HallId,
        /// Venue the show named.
        venue: VenueId,
    },
    /// The show's prices do not fit its hall.
    #[error(transparent)]
    Prices(#[from] PriceListError),
    /// The layout is unusable.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The store failed; nothing was written.
    #[error(transparent)]
    Storage(#[from] crate::error::StorageError),
}

impl CatalogError {
    /// A missing `kind` (such as "venue") with this id.
    pub fn unknown(kind: &'static str, id: impl ToString) -> Self {
        Self::Unknown {
            kind,
            id: id.to_string(),
        }
    }

    /// A `kind` whose id is taken.
    pub fn duplicate(kind: &'static str, id: impl ToString) -> Self {
        Self::Duplicate {
            kind,
            id: id.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_known_distance() {
        let berlin = GeoPoint::new(52.52, 13.405).unwrap();
        let paris = GeoPoint::new(48.8566, 2.3522).unwrap();
        let d = berlin.distance_km(paris);
        assert!((870.0..890.0).contains(&d), "{d}");
    }

    #[test]
    fn rejects_out_of_range_positions() {
        assert!(GeoPoint::new(91.0, 0.0).is_err());
        assert!(GeoPoint::new(0.0, -181.0).is_err());
        assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
    }

    #[test]
    fn price_list_must_cover_the_hall() {
        let hall = Hall::new(
            HallId::random(),
            VenueId::random(),
            "1",
            grid_layout("h", 3, 4, 1),
        )
        .unwrap();
        let a = CategoryCode::parse("A").unwrap();
        let only_a = PriceList::new([(a, Money::new(900, Currency::EUR))].into()).unwrap();
        assert!(matches!(
            only_a.check_against(&hall),
            Err(PriceListError::Unpriced(_))
        ));
        let all = PriceList::uniform(&hall.layout().categories, Money::new(900, Currency::EUR));
        assert_eq!(all.check_against(&hall), Ok(()));
    }
}
