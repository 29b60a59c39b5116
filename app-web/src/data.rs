//! What pages show, and the server functions that fetch it. The view types
//! are plain data the browser can decode without the reservation library.
//!
//! Every server function names its endpoint: the default endpoint carries a
//! hash of the checkout's path, so a bundle and a server built from two
//! checkouts (or machines) would not find each other.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a failed server function says, for people (without the
/// framework's "error running server function" prefix).
pub fn message(error: &ServerFnError) -> String {
    match error {
        ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    }
}

/// A city in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Country.
    pub country: String,
}

/// An event in a list, with its next show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// "movie", "concert", ...
    pub kind: String,
    /// Genres.
    pub genres: Vec<String>,
    /// Next show, RFC 3339.
    pub next_show: String,
    /// Number of upcoming shows.
    pub shows: u32,
}

/// A city's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityListing {
    /// The city.
    pub city: CityView,
    /// What plays there.
    pub events: Vec<EventView>,
    /// Its venues, by name.
    pub venues: Vec<VenueView>,
}

/// What server functions reach on the server: the catalog and the engine.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct Backend {
    /// Catalog reads and search.
    pub catalog: std::sync::Arc<dyn reservation_core::Catalog>,
    /// Holds, payments, seat maps.
    pub engine: reservation_core::Reservations,
    /// Signs the codes in tickets' QR codes.
    pub tickets: std::sync::Arc<reservation_core::ticket_code::TicketSigner>,
}

#[cfg(feature = "ssr")]
fn backend() -> Result<Backend, ServerFnError> {
    use_context::<Backend>().ok_or_else(|| ServerFnError::new("no backend in context"))
}

#[cfg(feature = "ssr")]
fn city_view(city: reservation_core::catalog::City) -> CityView {
    CityView {
        id: city.id.to_string(),
        name: city.name,
        country: city.country,
    }
}

/// Every city.
#[server(prefix = "/_server", endpoint = "list_cities")]
pub async fn list_cities() -> Result<Vec<CityView>, ServerFnError> {
    let cities = backend()?
        .catalog
        .cities()
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(cities.into_iter().map(city_view).collect())
}

/// A city and the events showing there from now on.
// The generated argument struct's field `city` is the city id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "city_events")]
pub async fn city_events(city: String) -> Result<CityListing, ServerFnError> {
    let id: reservation_core::CityId = parse_id(&city, "no such city")?;
    let backend = backend()?;
    let city = backend.catalog.city(id).await.map_err(failed)?;
    let now = backend.engine.clock().now();
    let events = backend
        .catalog
        .events_in_city(id, now)
        .await
        .map_err(failed)?;
    let venues = backend.catalog.venues_in_city(id).await.map_err(failed)?;
    Ok(CityListing {
        city: city_view(city),
        events: events.into_iter().map(event_view).collect(),
        venues: venues.into_iter().map(venue_view).collect(),
    })
}

#[cfg(feature = "ssr")]
fn event_view(summary: reservation_core::catalog::EventSummary) -> EventView {
    EventView {
        id: summary.event.id.to_string(),
        title: summary.event.title,
        kind: serde_json::to_value(summary.event.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        genres: summary.event.genres,
        next_show: summary
            .next_show
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        shows: summary.shows,
    }
}

#[cfg(feature = "ssr")]
fn venue_view(venue: reservation_core::catalog::Venue) -> VenueView {
    VenueView {
        id: venue.id.to_string(),
        name: venue.name,
        address: format!("{}, {}", venue.address, venue.postal_code),
    }
}

/// A venue in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Street address and postal code.
    pub address: String,
}

/// A venue's page: what plays there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenuePageData {
    /// The venue.
    pub venue: VenueView,
    /// Its city.
    pub city: CityView,
    /// Events with upcoming shows there.
    pub events: Vec<EventView>,
}

/// A venue and the events showing there from now on.
// The generated argument struct's field `venue` is the venue id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "venue_page")]
pub async fn venue_page(venue: String) -> Result<VenuePageData, ServerFnError> {
    let id: reservation_core::VenueId = parse_id(&venue, "no such venue")?;
    let backend = backend()?;
    let venue = backend.catalog.venue(id).await.map_err(failed)?;
    let city = backend.catalog.city(venue.city).await.map_err(failed)?;
    let now = backend.engine.clock().now();
    let events = backend
        .catalog
        .events_at_venue(id, now)
        .await
        .map_err(failed)?;
    Ok(VenuePageData {
        venue: venue_view(venue),
        city: city_view(city),
        events: events.into_iter().map(event_view).collect(),
    })
}

/// A show in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowLink {
    /// Id.
    pub id: String,
    /// Start, "HH:MM" local to the listing (UTC for now).
    pub time: String,
    /// Free seats.
    pub available: u32,
}

/// One day of a venue's shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowDay {
    /// Such as "Sat 22 Nov".
    pub day: String,
    /// Its shows, by time.
    pub shows: Vec<ShowLink>,
}

/// A venue's showtimes of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueDays {
    /// The venue.
    pub venue: VenueView,
    /// Days with shows.
    pub days: Vec<ShowDay>,
}

/// An event's page in one city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPageData {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// "movie 153 min · FSK 6", "concert · jazz".
    pub facts: String,
    /// Performer names.
    pub performers: Vec<String>,
    /// The city the showtimes are in; none when the page was opened
    /// without one.
    pub city: Option<CityView>,
    /// Venues and showtimes in `city`.
    pub venues: Vec<VenueDays>,
    /// Without a city: the cities where the event plays, to pick from.
    pub cities: Vec<CityView>,
}

/// Parses an id from a page's URL; a malformed one is reported like a missing one.
#[cfg(feature = "ssr")]
fn parse_id<T: std::str::FromStr>(text: &str, missing: &str) -> Result<T, ServerFnError> {
    text.parse().map_err(|_| ServerFnError::new(missing))
}

#[cfg(feature = "ssr")]
fn failed(error: impl std::fmt::Display) -> ServerFnError {
    ServerFnError::new(error.to_string())
}

/// An event with its venues and showtimes in a city; with an empty `city`,
/// the cities where it plays.
// The generated argument struct's fields are the event and city ids.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "event_page")]
pub async fn event_page(event: String, city: String) -> Result<EventPageData, ServerFnError> {
    use time::macros::format_description;
    let event_id: reservation_core::EventId = parse_id(&event, "no such event")?;
    let backend = backend()?;
    let details = backend.catalog.event(event_id).await.map_err(failed)?;
    let now = backend.engine.clock().now();
    if city.is_empty() {
        let mut cities = Vec::new();
        // One query per city: fine for a demo's handful; a catalog of
        // hundreds of cities would want a "cities of an event" query.
        for city in backend.catalog.cities().await.map_err(failed)? {
            let playing = backend.catalog.showtimes(event_id, city.id, now).await;
            if !playing.map_err(failed)?.is_empty() {
                cities.push(city_view(city));
            }
        }
        return Ok(EventPageData {
            cities,
            ..event_header(&backend, details).await?
        });
    }
    let city_id: reservation_core::CityId = parse_id(&city, "no such city")?;
    let city = backend.catalog.city(city_id).await.map_err(failed)?;
    let day_format =
        format_description!("[weekday repr:short] [day padding:none] [month repr:short]");
    let time_format = format_description!("[hour]:[minute]");
    let mut venues = Vec::new();
    for listing in backend
        .catalog
        .showtimes(event_id, city_id, now)
        .await
        .map_err(failed)?
    {
        let mut days: Vec<ShowDay> = Vec::new();
        for show in listing.shows {
            let day = show.starts_at.format(day_format).unwrap_or_default();
            let available = backend
                .engine
                .availability(show.id)
                .await
                .map_err(failed)?
                .available;
            let link = ShowLink {
                id: show.id.to_string(),
                time: show.starts_at.format(time_format).unwrap_or_default(),
                available,
            };
            match days.last_mut() {
                Some(last) if last.day == day => last.shows.push(link),
                _ => days.push(ShowDay {
                    day,
                    shows: vec![link],
                }),
            }
        }
        venues.push(VenueDays {
            venue: venue_view(listing.venue),
            days,
        });
    }
    Ok(EventPageData {
        city: Some(city_view(city)),
        venues,
        ..event_header(&backend, details).await?
    })
}

/// The event page's facts, without showtimes.
#[cfg(feature = "ssr")]
async fn event_header(
    backend: &Backend,
    details: reservation_core::catalog::Event,
) -> Result<EventPageData, ServerFnError> {
    let mut performers = Vec::new();
    for performer in &details.performers {
        performers.push(
            backend
                .catalog
                .performer(*performer)
                .await
                .map_err(failed)?
                .name,
        );
    }
    let kind = serde_json::to_value(details.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut facts = vec![format!("{kind} · {} min", details.duration_minutes)];
    facts.extend(details.rating.clone());
    facts.extend(details.genres.iter().cloned());
    Ok(EventPageData {
        title: details.title,
        description: details.description,
        facts: facts.join(" · "),
        performers,
        city: None,
        venues: Vec::new(),
        cities: Vec::new(),
    })
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
    /// "available", "held" or "booked".
    pub status: String,
    /// Held or booked by this visitor.
    pub mine: bool,
    /// Wheelchair space.
    pub accessible: bool,
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
}

/// A show's seat map as this visitor sees it.
// The generated argument struct's field `show` is the show id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "show_page")]
pub async fn show_page(show: String) -> Result<ShowPageData, ServerFnError> {
    use time::macros::format_description;
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
                status: serde_json::to_value(view.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                mine: view.mine,
                accessible: seat.flags.accessible,
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
    Ok(ShowPageData {
        title: event.title,
        place: format!("{} · {}", venue.name, hall.name()),
        starts: show
            .starts_at
            .format(format_description!(
                "[weekday repr:long] [day padding:none] [month repr:long], [hour]:[minute]"
            ))
            .unwrap_or_default(),
        stage: (
            stage.label.clone(),
            stage.origin.x,
            stage.origin.y,
            stage.width,
            stage.height,
        ),
        seats,
        prices,
        counts: (map.counts.available, map.counts.held, map.counts.booked),
        seq: map.seq.0,
        id: id.to_string(),
        currency: show.prices.currency().to_string(),
    })
}

/// The visitor's session, put in context by the server for every request.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy)]
pub struct Visitor(pub reservation_core::HolderId);

#[cfg(feature = "ssr")]
fn visitor() -> Result<reservation_core::HolderId, ServerFnError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Visitor>().map(|v| v.0))
        .ok_or_else(|| ServerFnError::new("no session"))
}

/// The admission pass this request shows (header or cookie).
#[cfg(feature = "ssr")]
fn admission_pass() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| crate::admission::pass(&parts.headers))
}

/// A refusal of the engine; an admission refusal sends the visitor to the
/// show's waiting room.
#[cfg(feature = "ssr")]
fn to_the_room(
    refused: reservation_core::ReservationError,
    show: reservation_core::ShowId,
) -> ServerFnError {
    if let reservation_core::ReservationError::Admission(why) = &refused {
        leptos_axum::redirect(&format!("/shows/{show}/room"));
        return ServerFnError::new(format!(
            "This show's sale runs through a waiting room ({why}): taking you there."
        ));
    }
    failed(refused)
}

/// The title of the event a show plays.
#[cfg(feature = "ssr")]
async fn title_of(
    backend: &Backend,
    show: reservation_core::ShowId,
) -> Result<String, ServerFnError> {
    let event = backend.catalog.show(show).await.map_err(failed)?.event;
    Ok(backend.catalog.event(event).await.map_err(failed)?.title)
}

#[cfg(feature = "ssr")]
fn hold_token(text: &str) -> Result<reservation_core::HoldToken, ServerFnError> {
    text.parse()
        .map_err(|_| ServerFnError::new("This hold does not exist (any more)."))
}

/// The paths of the server functions that create holds (rate-limited by
/// the server like the API's hold route).
pub const HOLD_ENDPOINTS: [&str; 2] = ["/_server/hold_seats", "/_server/hold_best"];

/// Holds the chosen seats; returns the hold's token.
// The generated argument struct's fields are the show and seat ids.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "hold_seats")]
pub async fn hold_seats(show: String, seats: Vec<String>) -> Result<String, ServerFnError> {
    let show: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let seats = seats
        .iter()
        .map(|s| parse_id(s, "no such seat"))
        .collect::<Result<Vec<reservation_core::SeatId>, _>>()?;
    let seats = reservation_core::SeatList::new(seats).map_err(failed)?;
    let request = reservation_core::HoldRequest {
        show,
        holder: visitor()?,
        seats: reservation_core::SeatSelection::Seats(seats),
    };
    Ok(backend()?
        .engine
        .hold_admitted(&request, admission_pass().as_deref())
        .await
        .map_err(|e| to_the_room(e, show))?
        .token
        .to_string())
}

/// Holds the best `count` seats; returns the hold's token.
// The generated argument struct's fields are the show id and the count.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "hold_best")]
pub async fn hold_best(show: String, count: u8) -> Result<String, ServerFnError> {
    let show: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let count = reservation_core::SeatCount::new(u64::from(count)).map_err(failed)?;
    let seats = reservation_core::SeatSelection::BestAvailable {
        count,
        filter: reservation_core::SeatFilter::default(),
    };
    let request = reservation_core::HoldRequest {
        show,
        holder: visitor()?,
        seats,
    };
    Ok(backend()?
        .engine
        .hold_admitted(&request, admission_pass().as_deref())
        .await
        .map_err(|e| to_the_room(e, show))?
        .token
        .to_string())
}

/// A line of a hold or booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatLine {
    /// Seat label.
    pub label: String,
    /// Price, formatted.
    pub price: String,
    /// The ticket (bookings only).
    pub ticket: Option<TicketView>,
}

/// A ticket: its id, its signed code and that code as a QR code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    /// Ticket id.
    pub id: String,
    /// The signed code a scanner reads.
    pub code: String,
    /// The code as an SVG QR code, rendered on the server.
    pub qr_svg: String,
}

/// The checkout page of a hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutData {
    /// The hold's token.
    pub token: String,
    /// The show's id.
    pub show: String,
    /// Event title.
    pub title: String,
    /// The held seats.
    pub seats: Vec<SeatLine>,
    /// Total, formatted.
    pub total: String,
    /// Seconds left before the hold expires (as shown to the buyer).
    pub seconds_left: i64,
}

/// A hold of this visitor, for checkout.
// The generated argument struct's field `token` is the hold token.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "checkout_page")]
pub async fn checkout_page(token: String) -> Result<CheckoutData, ServerFnError> {
    let parsed = hold_token(&token)?;
    let backend = backend()?;
    let hold = backend
        .engine
        .hold_status(&parsed, visitor()?)
        .await
        .map_err(failed)?;
    if let reservation_core::HoldState::Confirmed(booking) = hold.state {
        leptos_axum::redirect(&format!("/bookings/{booking}"));
    }
    let title = title_of(&backend, hold.show).await?;
    let now = backend.engine.clock().now();
    Ok(CheckoutData {
        token,
        show: hold.show.to_string(),
        title,
        seats: hold
            .seats
            .iter()
            .map(|s| SeatLine {
                label: s.label.to_string(),
                price: s.price.to_string(),
                ticket: None,
            })
            .collect(),
        total: hold.total.to_string(),
        seconds_left: (hold.expires_at - now).whole_seconds().max(0),
    })
}

/// Pays for a hold with a card and goes to the booking.
// The generated argument struct's fields are the hold token and the card number.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "pay")]
pub async fn pay(token: String, card: String) -> Result<(), ServerFnError> {
    let card = reservation_core::payment::CardNumber::parse(&card).map_err(failed)?;
    let booking = backend()?
        .engine
        .confirm(&hold_token(&token)?, visitor()?, card)
        .await
        .map_err(failed)?;
    leptos_axum::redirect(&format!("/bookings/{}", booking.id));
    Ok(())
}

/// Releases a hold and goes back to the show.
// The generated argument struct's field `token` is the hold token.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "release_hold")]
pub async fn release_hold(token: String) -> Result<(), ServerFnError> {
    let parsed = hold_token(&token)?;
    backend()?
        .engine
        .release(&parsed, visitor()?)
        .await
        .map_err(failed)?;
    leptos_axum::redirect(&format!("/shows/{}", parsed.show()));
    Ok(())
}

/// A booking of this visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingData {
    /// Booking id.
    pub id: String,
    /// Event title.
    pub title: String,
    /// Tickets.
    pub tickets: Vec<SeatLine>,
    /// Total paid, formatted.
    pub total: String,
    /// Last four digits of the card.
    pub card: String,
    /// Cancelled.
    pub cancelled: bool,
}

/// One of this visitor's bookings.
// The generated argument struct's field `id` is the booking id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "booking_page")]
pub async fn booking_page(id: String) -> Result<BookingData, ServerFnError> {
    let booking_id: reservation_core::BookingId = parse_id(&id, "no such booking")?;
    let backend = backend()?;
    let booking = backend
        .engine
        .booking(booking_id, visitor()?)
        .await
        .map_err(failed)?;
    let title = title_of(&backend, booking.show).await?;
    Ok(BookingData {
        id,
        title,
        tickets: booking
            .tickets
            .iter()
            .map(|t| SeatLine {
                label: t.seat.label.to_string(),
                price: t.seat.price.to_string(),
                ticket: Some(ticket_view(&backend, booking.show, t.id)),
            })
            .collect(),
        total: booking.total.to_string(),
        card: booking.payment.card_last4.clone(),
        cancelled: booking.status != reservation_core::BookingStatus::Confirmed,
    })
}

#[cfg(feature = "ssr")]
fn ticket_view(
    backend: &Backend,
    show: reservation_core::ShowId,
    ticket: reservation_core::TicketId,
) -> TicketView {
    let code = backend.tickets.sign(show, ticket);
    // A 64-character code always fits a QR code; an empty image would only
    // mean a bug in the encoder, and the code is printed beside it anyway.
    let qr_svg = qrcode::QrCode::new(code.as_bytes())
        .map(|qr| {
            qr.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    // An XML declaration means nothing inside HTML.
    let qr_svg = match qr_svg.find("<svg") {
        Some(start) => qr_svg[start..].to_owned(),
        None => qr_svg,
    };
    TicketView {
        id: ticket.to_string(),
        code,
        qr_svg,
    }
}

/// Joins the show's waitlist for `count` seats; returns the wait's id.
// The generated argument struct's fields are the show id and the count.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "join_wait")]
pub async fn join_wait(show: String, count: u8) -> Result<String, ServerFnError> {
    let show: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let count = reservation_core::SeatCount::new(u64::from(count)).map_err(failed)?;
    let request = reservation_core::WaitRequest {
        show,
        holder: visitor()?,
        count,
        category: None,
    };
    Ok(backend()?
        .engine
        .join_waitlist_admitted(&request, admission_pass().as_deref())
        .await
        .map_err(|e| to_the_room(e, show))?
        .id
        .to_string())
}

/// Where a wait stands, for its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitData {
    /// The wait's id.
    pub id: String,
    /// The show's id.
    pub show: String,
    /// Event title.
    pub title: String,
    /// Seats wanted.
    pub count: u8,
    /// "waiting", "offered" or "ended".
    pub state: String,
    /// Place in line (waiting only).
    pub position: u32,
    /// When seats may be offered, "HH:MM" (waiting only, when known).
    pub estimate: Option<String>,
    /// The hold made for this visitor (offered only).
    pub token: Option<String>,
    /// Why it ended (ended only).
    pub reason: Option<String>,
}

/// One of this visitor's waits.
// The generated argument struct's field `id` is the wait id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "wait_page")]
pub async fn wait_page(id: String) -> Result<WaitData, ServerFnError> {
    use reservation_core::WaitStatus;
    let wait_id: reservation_core::WaitId = parse_id(&id, "no such wait")?;
    let backend = backend()?;
    let status = backend
        .engine
        .wait_status(wait_id, visitor()?)
        .await
        .map_err(failed)?;
    let mut data = WaitData {
        id,
        show: String::new(),
        title: String::new(),
        count: 0,
        state: String::new(),
        position: 0,
        estimate: None,
        token: None,
        reason: None,
    };
    let show = match status {
        WaitStatus::Waiting {
            wait,
            position,
            estimated_offer_at,
        } => {
            data.state = "waiting".into();
            data.count = wait.count.into();
            data.position = position;
            let format = time::macros::format_description!("[hour]:[minute]");
            data.estimate = estimated_offer_at.and_then(|at| at.format(format).ok());
            wait.show
        }
        WaitStatus::Offered { hold } => {
            data.state = "offered".into();
            data.count = hold.seats.len() as u8;
            data.token = Some(hold.token.to_string());
            hold.show
        }
        WaitStatus::Ended { reason } => {
            data.state = "ended".into();
            data.reason = Some(
                match reason {
                    reservation_core::WaitEnd::Cancelled => "You left the waitlist.",
                    reservation_core::WaitEnd::Expired => "The wait ran out of time.",
                    reservation_core::WaitEnd::SoldOut => {
                        "Sorry: the seats you waited for were sold."
                    }
                    _ => "The wait has ended.",
                }
                .into(),
            );
            return Ok(data);
        }
    };
    data.show = show.to_string();
    data.title = title_of(&backend, show).await?;
    Ok(data)
}

/// Leaves the waitlist and goes back to the show.
// The generated argument struct's fields are the wait and show ids.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "leave_wait")]
pub async fn leave_wait(id: String, show: String) -> Result<(), ServerFnError> {
    let wait_id: reservation_core::WaitId = parse_id(&id, "no such wait")?;
    backend()?
        .engine
        .cancel_wait(wait_id, visitor()?)
        .await
        .map_err(failed)?;
    leptos_axum::redirect(&format!("/shows/{show}"));
    Ok(())
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitView {
    /// Event id.
    pub id: String,
    /// Title.
    pub title: String,
    /// "movie", "concert", ...
    pub kind: String,
    /// First matching show, formatted.
    pub first_show: String,
    /// Matching shows.
    pub shows: u32,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The hits, best first.
    pub hits: Vec<HitView>,
    /// The cursor of the next page, if any.
    pub next: Option<String>,
}

/// Searches events in a city: typo-tolerant text, shows from a date on,
/// 10 per page.
// The generated argument struct's fields are the search parameters.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "search_events")]
pub async fn search_events(
    text: String,
    city: String,
    from: String,
    cursor: Option<String>,
) -> Result<SearchResults, ServerFnError> {
    use reservation_core::catalog::search::{Cursor, PageSize, SearchQuery};
    let backend = backend()?;
    let city = city.parse::<reservation_core::CityId>().ok();
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let starts_after = time::Date::parse(&from, date)
        .ok()
        .map(|d| d.midnight().assume_utc())
        .unwrap_or_else(|| backend.engine.clock().now());
    let query = SearchQuery {
        text,
        city,
        starts_after: Some(starts_after),
        limit: PageSize::new(10).map_err(failed)?,
        cursor: cursor.filter(|c| !c.is_empty()).map(Cursor::from),
        ..SearchQuery::default()
    };
    let page = backend.catalog.search(&query).await.map_err(failed)?;
    let format = time::macros::format_description!(
        "[weekday repr:short] [day padding:none] [month repr:short], [hour]:[minute]"
    );
    Ok(SearchResults {
        hits: page
            .hits
            .into_iter()
            .map(|hit| HitView {
                id: hit.event.id.to_string(),
                title: hit.event.title,
                kind: serde_json::to_value(hit.event.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                first_show: hit.first_show.format(format).unwrap_or_default(),
                shows: hit.shows,
            })
            .collect(),
        next: page.next.map(|c| c.to_string()),
    })
}

/// A visitor's place in a show's waiting room, for its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomPageData {
    /// The show's id.
    pub show: String,
    /// Event title.
    pub title: String,
    /// Venue and hall.
    pub place: String,
    /// Start, formatted.
    pub starts: String,
    /// "not_open" (the lobby opens later), "lobby", "selling", "all_held",
    /// "sold_out" or "closed" (no room: the seats are on sale directly).
    pub phase: String,
    /// "lobby", "queued", "admitted", or "" when not in line.
    pub standing: String,
    /// When the sale opens (or, for "not_open", the lobby), "HH:MM:SS UTC".
    pub opens: String,
    /// Place in line, 1 for the next (queued only).
    pub position: Option<u64>,
    /// People ahead (queued only).
    pub ahead: Option<u64>,
    /// When admission is likely, such as "in 2 to 5 minutes" (when known).
    pub eta: Option<String>,
    /// Visitors waiting in the lobby or the queue.
    pub waiting: u64,
    /// Seats free now.
    pub seats_free: u32,
    /// Seats held by shoppers now.
    pub seats_held: u32,
    /// Admitted: the seats are open to this visitor.
    pub admitted: bool,
    /// The show's event sequence, to follow the line's moves from (0 when
    /// not asked for).
    pub seq: u64,
}

impl RoomPageData {
    /// What a screen reader hears when it changes: the phase and the place,
    /// nothing that moves on every tick.
    pub fn headline(&self) -> String {
        match (self.phase.as_str(), self.position) {
            ("not_open", _) => format!("The waiting room opens at {}.", self.opens),
            ("closed", _) => "This show has no waiting room now: its seats are on sale.".into(),
            ("sold_out", _) => "Sold out: every seat is booked. The line keeps its order in case bookings are cancelled.".into(),
            (_, _) if self.admitted => "It's your turn: taking you to the seats.".into(),
            ("lobby", _) => format!(
                "You are in the lobby. The sale opens at {}; then everyone here gets a random place in line.",
                self.opens
            ),
            ("all_held", Some(position)) => format!(
                "You are number {position} in line. All seats are held right now; the line keeps its order."
            ),
            (_, Some(1)) => "You are number 1 in line: you are next.".into(),
            (_, Some(position)) => format!("You are number {position} in line."),
            _ => "You are in line.".into(),
        }
    }
}

/// Joins `show`'s waiting room (or returns the live place; a check-in
/// either way). When admitted, sets the pass cookie and redirects to the
/// seats; without a room on, the answer says so ("closed"). `follow`: also
/// read the show's event sequence, to follow its stream from (a page's
/// first read; the check-ins that follow skip it).
// The generated argument struct's fields are the show id and `follow`.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "room_page")]
pub async fn room_page(show: String, follow: bool) -> Result<RoomPageData, ServerFnError> {
    use reservation_core::waiting_room::{RoomError, RoomPhase, Standing};
    use time::macros::format_description;
    let id: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let backend = backend()?;
    let details = backend.catalog.show(id).await.map_err(failed)?;
    let event = backend.catalog.event(details.event).await.map_err(failed)?;
    let venue = backend.catalog.venue(details.venue).await.map_err(failed)?;
    let hall = backend.catalog.hall(details.hall).await.map_err(failed)?;
    let clock_format = format_description!("[hour]:[minute]:[second] UTC");
    let mut data = RoomPageData {
        show: id.to_string(),
        title: event.title,
        place: format!("{} · {}", venue.name, hall.name()),
        starts: details
            .starts_at
            .format(format_description!(
                "[weekday repr:long] [day padding:none] [month repr:long], [hour]:[minute]"
            ))
            .unwrap_or_default(),
        phase: "closed".into(),
        standing: String::new(),
        opens: String::new(),
        position: None,
        ahead: None,
        eta: None,
        waiting: 0,
        seats_free: 0,
        seats_held: 0,
        admitted: false,
        seq: 0,
    };
    let Some(room) = backend.engine.waiting_room() else {
        return Ok(data);
    };
    let me = visitor()?;
    let status = match room.join(id, me).await {
        Ok(status) => status,
        Err(RoomError::NoRoom(_) | RoomError::SalesClosed { .. }) => return Ok(data),
        Err(RoomError::LobbyNotOpen { opens_at }) => {
            data.phase = "not_open".into();
            data.opens = opens_at.format(clock_format).unwrap_or_default();
            return Ok(data);
        }
        Err(error) => return Err(failed(error)),
    };
    let now = backend.engine.clock().now();
    let line = status.place.line;
    if follow {
        data.seq = backend
            .engine
            .seat_map(id, None)
            .await
            .map_err(failed)?
            .seq
            .0;
    }
    data.phase = match line.phase {
        RoomPhase::Lobby => "lobby",
        RoomPhase::Selling => "selling",
        RoomPhase::AllHeld => "all_held",
        RoomPhase::SoldOut => "sold_out",
        _ => "closed",
    }
    .into();
    data.opens = line.sale_opens_at.format(clock_format).unwrap_or_default();
    data.waiting = line.waiting;
    data.seats_free = line.seats_free;
    data.seats_held = line.seats_held;
    data.standing = match status.place.standing {
        Standing::Lobby => "lobby",
        Standing::Queued {
            position,
            ahead,
            eta,
        } => {
            data.position = Some(position);
            data.ahead = Some(ahead);
            data.eta = eta.map(|eta| eta_words((eta.earliest - now, eta.latest - now)));
            "queued"
        }
        Standing::Admitted { .. } => "admitted",
        _ => "",
    }
    .into();
    if let Some(pass) = status.admission {
        data.admitted = true;
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(cookie) = http::HeaderValue::from_str(&crate::admission::set_cookie(
                &pass.token,
                pass.expires_at,
                now,
            ))
        {
            response.append_header(http::header::SET_COOKIE, cookie);
        }
        leptos_axum::redirect(&format!("/shows/{id}"));
    }
    Ok(data)
}

/// An estimate in words, from how far away its two ends are.
#[cfg(feature = "ssr")]
fn eta_words((earliest, latest): (time::Duration, time::Duration)) -> String {
    let minutes = |d: time::Duration| d.whole_seconds().max(0) / 60;
    let unit = |n: i64| if n == 1 { "minute" } else { "minutes" };
    match (minutes(earliest), minutes(latest)) {
        (_, 0) => "in less than a minute".to_owned(),
        (_, b) if b >= 120 => format!("in about {} hours", (b + 30) / 60),
        (0, b) => format!("within {b} {}", unit(b)),
        (a, b) if a == b => format!("in about {b} {}", unit(b)),
        (a, b) => format!("in {a} to {b} minutes"),
    }
}

/// Leaves `show`'s waiting room (or gives up the admission) and goes back
/// to the event's showtimes.
// The generated argument struct's field `show` is the show id.
#[allow(missing_docs)]
#[server(prefix = "/_server", endpoint = "leave_room")]
pub async fn leave_room(show: String) -> Result<(), ServerFnError> {
    use reservation_core::waiting_room::RoomError;
    let id: reservation_core::ShowId = parse_id(&show, "no such show")?;
    let backend = backend()?;
    let me = visitor()?;
    let event = backend.catalog.show(id).await.map_err(failed)?.event;
    if let Some(room) = backend.engine.waiting_room() {
        match room.leave(id, me).await {
            Ok(()) | Err(RoomError::NotInLine | RoomError::NoRoom(_)) => {}
            Err(error) => return Err(failed(error)),
        }
        let ours = match admission_pass() {
            Some(pass) => room.check(id, me, Some(&pass)).await.is_ok(),
            None => false,
        };
        if ours
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(clear) = http::HeaderValue::from_str(&crate::admission::clear_cookie())
        {
            response.append_header(http::header::SET_COOKIE, clear);
        }
    }
    leptos_axum::redirect(&format!("/events/{event}"));
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::eta_words;
    use time::Duration;

    #[test]
    fn estimates_read_as_words() {
        let m = Duration::minutes;
        assert_eq!(
            eta_words((Duration::seconds(5), Duration::seconds(50))),
            "in less than a minute"
        );
        assert_eq!(eta_words((Duration::seconds(5), m(1))), "within 1 minute");
        assert_eq!(eta_words((m(0), m(4))), "within 4 minutes");
        assert_eq!(
            eta_words((m(3), m(3) + Duration::seconds(20))),
            "in about 3 minutes"
        );
        assert_eq!(eta_words((m(2), m(7))), "in 2 to 7 minutes");
        assert_eq!(eta_words((m(60), m(150))), "in about 3 hours");
        assert_eq!(eta_words((m(-5), m(-1))), "in less than a minute");
    }
}
