//! The catalog: cities, venues, halls, events, performers and shows, plus the
//! browse results and search queries the storefront asks for.

mod layout;
mod pricing;
pub mod search;
mod spacing;
mod zone;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::InputError;
use crate::ids::{CityId, EventId, HallId, PerformerId, ShowId, VenueId};
use crate::money::{Currency, Money};

pub use layout::{
    CategoryCode, Hall, Layout, LayoutError, MIN_SEAT_SPACING, PlanRow, PlanSeat, Point,
    PriceCategory, Row, Seat, SeatFlags, SeatIndex, SeatingPlan, Section, Stage, grid_layout,
};
pub use pricing::PricedPlan;
pub use zone::TimeZone;

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

/// A city with venues. Build one with [`City::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct City {
    /// Id.
    pub id: CityId,
    /// Display name.
    pub name: String,
    /// Country name or code.
    pub country: String,
    /// City centre.
    pub location: GeoPoint,
    /// Its time zone: search's dates are its local days.
    pub time_zone: TimeZone,
}

impl City {
    /// A city with a fresh random id, in UTC until
    /// [`with_time_zone`](Self::with_time_zone) says otherwise.
    pub fn new(name: impl Into<String>, country: impl Into<String>, location: GeoPoint) -> Self {
        Self {
            id: CityId::random(),
            name: name.into(),
            country: country.into(),
            location,
            time_zone: TimeZone::utc(),
        }
    }

    /// The same city in time zone `zone`.
    ///
    /// ```
    /// use reservation_core::catalog::{City, GeoPoint, TimeZone};
    ///
    /// let vienna = City::new("Wien", "AT", GeoPoint::new(48.2, 16.37)?)
    ///     .with_time_zone(TimeZone::parse("Europe/Vienna")?);
    /// assert_eq!(vienna.time_zone.name(), "Europe/Vienna");
    /// # Ok::<(), reservation_core::InputError>(())
    /// ```
    #[must_use]
    pub fn with_time_zone(mut self, zone: TimeZone) -> Self {
        self.time_zone = zone;
        self
    }

    /// The same city with id `id` (imports with stable ids, stores reading
    /// it back).
    #[must_use]
    pub fn with_id(mut self, id: CityId) -> Self {
        self.id = id;
        self
    }
}

/// A place where shows happen. Build one with [`Venue::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
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
    /// Its time zone: shows start at its local time.
    pub time_zone: TimeZone,
}

impl Venue {
    /// A venue in `city` with a fresh random id and no street address, in
    /// UTC until [`with_time_zone`](Self::with_time_zone) says otherwise.
    pub fn new(city: CityId, name: impl Into<String>, location: GeoPoint) -> Self {
        Self {
            id: VenueId::random(),
            city,
            name: name.into(),
            address: String::new(),
            postal_code: String::new(),
            location,
            time_zone: TimeZone::utc(),
        }
    }

    /// The same venue in time zone `zone` (usually its city's).
    ///
    /// ```
    /// use reservation_core::catalog::{GeoPoint, TimeZone, Venue};
    /// use reservation_core::CityId;
    ///
    /// let here = GeoPoint::new(48.2, 16.37)?;
    /// let venue = Venue::new(CityId::random(), "Burgkino", here)
    ///     .with_time_zone(TimeZone::parse("Europe/Vienna")?);
    /// assert_eq!(venue.time_zone.to_string(), "Europe/Vienna");
    /// # Ok::<(), reservation_core::InputError>(())
    /// ```
    #[must_use]
    pub fn with_time_zone(mut self, zone: TimeZone) -> Self {
        self.time_zone = zone;
        self
    }

    /// The same venue with id `id`.
    #[must_use]
    pub fn with_id(mut self, id: VenueId) -> Self {
        self.id = id;
        self
    }

    /// The same venue at this street address and postal code.
    #[must_use]
    pub fn with_address(
        mut self,
        address: impl Into<String>,
        postal_code: impl Into<String>,
    ) -> Self {
        self.address = address.into();
        self.postal_code = postal_code.into();
        self
    }
}

/// An artist, band or cast member. Build one with [`Performer::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Performer {
    /// Id.
    pub id: PerformerId,
    /// Display name.
    pub name: String,
}

impl Performer {
    /// A performer with a fresh random id.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            id: PerformerId::random(),
            name: name.into(),
        }
    }

    /// The same performer with id `id`.
    #[must_use]
    pub fn with_id(mut self, id: PerformerId) -> Self {
        self.id = id;
        self
    }
}

/// What kind of event it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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

/// A movie or concert, independent of where and when it plays. Build one
/// with [`Event::new`] and the `with_` methods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
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

impl Event {
    /// An event with a fresh random id, no description, genres, performers
    /// or rating, and a running time of 0 (unknown).
    ///
    /// ```
    /// use reservation_core::catalog::{Event, EventKind};
    ///
    /// let dune = Event::new(EventKind::Movie, "Dune")
    ///     .with_duration_minutes(155)
    ///     .with_genres(["sci-fi", "adventure"])
    ///     .with_rating("PG-13");
    /// assert_eq!(dune.genres, ["sci-fi", "adventure"]);
    /// ```
    pub fn new(kind: EventKind, title: impl Into<String>) -> Self {
        Self {
            id: EventId::random(),
            kind,
            title: title.into(),
            description: String::new(),
            genres: Vec::new(),
            performers: Vec::new(),
            duration_minutes: 0,
            rating: None,
        }
    }

    /// The same event with id `id`.
    #[must_use]
    pub fn with_id(mut self, id: EventId) -> Self {
        self.id = id;
        self
    }

    /// The same event with this description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// The same event with these genres and tags.
    #[must_use]
    pub fn with_genres(mut self, genres: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.genres = genres.into_iter().map(Into::into).collect();
        self
    }

    /// The same event with these performers.
    #[must_use]
    pub fn with_performers(mut self, performers: impl IntoIterator<Item = PerformerId>) -> Self {
        self.performers = performers.into_iter().collect();
        self
    }

    /// The same event with this running time.
    #[must_use]
    pub fn with_duration_minutes(mut self, minutes: u32) -> Self {
        self.duration_minutes = minutes;
        self
    }

    /// The same event with this audience rating.
    #[must_use]
    pub fn with_rating(mut self, rating: impl Into<String>) -> Self {
        self.rating = Some(rating.into());
        self
    }
}

/// Prices of a show, one per price category of its hall, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = std::collections::BTreeMap<String, Money>))]
pub struct PriceList(BTreeMap<CategoryCode, Money>);

/// A price list that does not fit the hall.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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

/// One event in one hall at one time: what people buy seats for. Build one
/// with [`Show::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
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

impl Show {
    /// `event` in `hall` of `venue` (which gives the city), with a fresh
    /// random id. The store checks that the hall is the venue's and that
    /// the prices cover the hall's categories.
    pub fn new(
        event: EventId,
        venue: &Venue,
        hall: &Hall,
        starts_at: OffsetDateTime,
        prices: PriceList,
    ) -> Self {
        Self::from_ids(event, hall.id(), venue.id, venue.city, starts_at, prices)
    }

    /// The same from ids alone, with a fresh random id (for stores reading
    /// shows back, and imports).
    pub fn from_ids(
        event: EventId,
        hall: HallId,
        venue: VenueId,
        city: CityId,
        starts_at: OffsetDateTime,
        prices: PriceList,
    ) -> Self {
        Self {
            id: ShowId::random(),
            event,
            hall,
            venue,
            city,
            starts_at,
            prices,
        }
    }

    /// The same show with id `id`.
    #[must_use]
    pub fn with_id(mut self, id: ShowId) -> Self {
        self.id = id;
        self
    }
}

/// An event in a browse list, with when it next plays. Stores build one
/// with [`EventSummary::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct EventSummary {
    /// The event.
    pub event: Event,
    /// Start of its earliest listed show.
    #[serde(with = "time::serde::rfc3339")]
    pub next_show: OffsetDateTime,
    /// How many listed shows it has.
    pub shows: u32,
}

impl EventSummary {
    /// `event`, whose `shows` listed shows start at `next_show` or later.
    pub fn new(event: Event, next_show: OffsetDateTime, shows: u32) -> Self {
        Self {
            event,
            next_show,
            shows,
        }
    }
}

/// A venue with the listed shows of one event, earliest first. Stores
/// build one with [`VenueShowtimes::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct VenueShowtimes {
    /// The venue.
    pub venue: Venue,
    /// Its shows of the event, by start time.
    pub shows: Vec<Show>,
}

impl VenueShowtimes {
    /// `venue` with `shows`, its shows of one event, earliest first.
    pub fn new(venue: Venue, shows: Vec<Show>) -> Self {
        Self { venue, shows }
    }
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
    /// An update would move a venue to another city: its shows belong to
    /// the city it is in, so a venue elsewhere is a new venue.
    #[error("venue {venue} is in city {city} and cannot move to another")]
    VenueCityFixed {
        /// The venue.
        venue: VenueId,
        /// The city it is in and stays in.
        city: CityId,
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
