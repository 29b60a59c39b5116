//! Each refusal of the reservation library as the HTTP status and stable
//! code both the REST API and the pages' server functions answer with, so
//! the two can never disagree about what a refusal is called.

use http::StatusCode;
use reservation_core::catalog::CatalogError;
use reservation_core::catalog::search::SearchError;
use reservation_core::waiting_room::{AdmissionError, RoomError};
use reservation_core::{InputError, ReservationError};

/// How long clients are asked to wait when the service is unavailable.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 2;

/// The status and code of a refusal; `None` for a failure that is not the
/// client's (storage), which is logged and answered `unavailable`.
pub fn of(error: &ReservationError) -> Option<(StatusCode, &'static str)> {
    use ReservationError as E;
    use StatusCode as S;
    Some(match error {
        E::UnknownShow(_) => (S::NOT_FOUND, "unknown_show"),
        E::UnknownSeat(_) => (S::UNPROCESSABLE_ENTITY, "unknown_seat"),
        E::SeatOfAnotherShow { .. } => (S::UNPROCESSABLE_ENTITY, "seat_of_another_show"),
        E::Input(input) => (S::UNPROCESSABLE_ENTITY, input_code(input)),
        E::UnknownCategory(_) => (S::UNPROCESSABLE_ENTITY, "unknown_category"),
        E::SeatsTaken(_) => (S::CONFLICT, "seats_taken"),
        E::NotEnoughSeats { .. } => (S::CONFLICT, "not_enough_seats"),
        E::OverHolderLimit { .. } => (S::CONFLICT, "over_holder_limit"),
        E::InvalidHoldToken => (S::NOT_FOUND, "unknown_hold"),
        E::HoldConfirmed(_) => (S::CONFLICT, "hold_confirmed"),
        E::HoldExpired => (S::GONE, "hold_expired"),
        E::NoExtensionsLeft => (S::CONFLICT, "no_extensions_left"),
        E::PaymentDeclined(_) => (S::PAYMENT_REQUIRED, "payment_declined"),
        E::PaymentUnavailable(_) => (S::SERVICE_UNAVAILABLE, "payment_unavailable"),
        E::UnknownBooking(_) => (S::NOT_FOUND, "unknown_booking"),
        E::BookingAlreadyCancelled(_) => (S::CONFLICT, "booking_already_cancelled"),
        E::UnknownWait(_) => (S::NOT_FOUND, "unknown_wait"),
        E::AlreadyWaiting(_) => (S::CONFLICT, "already_waiting"),
        E::SeatsAvailable { .. } => (S::CONFLICT, "seats_available"),
        E::SoldOut => (S::CONFLICT, "sold_out"),
        E::SalesClosed { .. } => (S::CONFLICT, "sales_closed"),
        E::StartsInPast { .. } => (S::UNPROCESSABLE_ENTITY, "starts_in_the_past"),
        E::EventsGone { .. } => (S::GONE, "events_gone"),
        E::Admission(refused) => (S::FORBIDDEN, admission_code(refused)),
        E::Storage(_) => return None,
        // A refusal this server does not know yet: still the client's.
        other if other.is_refusal() => (S::CONFLICT, "refused"),
        _ => return None,
    })
}

/// The code of each way an input fails to parse: the same whether the
/// value came in a JSON body, a path or a page's form.
pub fn input_code(error: &InputError) -> &'static str {
    match error {
        InputError::InvalidSeatCount(_) => "invalid_seat_count",
        InputError::DuplicateSeat(_) => "duplicate_seat",
        InputError::InvalidCardNumber => "invalid_card_number",
        InputError::InvalidCategoryCode(_) => "invalid_category_code",
        InputError::InvalidCurrency(_) => "invalid_currency",
        InputError::InvalidGeoPoint { .. } => "invalid_position",
        InputError::UnknownTimeZone(_) => "unknown_time_zone",
        InputError::MalformedHoldToken => "malformed_hold_token",
        InputError::InvalidCancelReason(_) => "invalid_cancel_reason",
        InputError::InvalidId { .. } => "invalid_id",
        _ => "invalid_input",
    }
}

/// The code of each way an admission pass is refused.
fn admission_code(refused: &AdmissionError) -> &'static str {
    match refused {
        AdmissionError::Required => "admission_required",
        AdmissionError::Malformed => "admission_malformed",
        AdmissionError::OtherShow => "admission_other_show",
        AdmissionError::NotYours => "admission_not_yours",
        AdmissionError::Expired(_) => "admission_expired",
        _ => "admission_refused",
    }
}

/// The status and code of a waiting room's refusal; `None` for storage.
pub fn of_room(error: &RoomError) -> Option<(StatusCode, &'static str)> {
    use StatusCode as S;
    Some(match error {
        RoomError::UnknownShow(_) => (S::NOT_FOUND, "unknown_show"),
        RoomError::NoRoom(_) => (S::NOT_FOUND, "no_room"),
        RoomError::LobbyNotOpen { .. } => (S::CONFLICT, "lobby_not_open"),
        RoomError::NotInLine => (S::NOT_FOUND, "not_in_line"),
        RoomError::SalesClosed { .. } => (S::CONFLICT, "sales_closed"),
        RoomError::Config(_) => (S::UNPROCESSABLE_ENTITY, "invalid_room_config"),
        RoomError::Storage(_) => return None,
        _ => (S::CONFLICT, "room_refused"),
    })
}

/// The status and code of a catalog refusal; `None` for storage.
pub fn of_catalog(error: &CatalogError) -> Option<(StatusCode, &'static str)> {
    match error {
        CatalogError::Unknown { .. } => Some((StatusCode::NOT_FOUND, "not_found")),
        CatalogError::Storage(_) => None,
        CatalogError::VenueCityFixed { .. } => {
            Some((StatusCode::UNPROCESSABLE_ENTITY, "venue_city_fixed"))
        }
        _ => Some((StatusCode::UNPROCESSABLE_ENTITY, "invalid_catalog_data")),
    }
}

/// The code of a refused search (always 400); `None` for storage.
pub fn of_search(error: &SearchError) -> Option<&'static str> {
    Some(match error {
        SearchError::InvalidCursor => "invalid_cursor",
        SearchError::InvalidPageSize(_) => "invalid_page_size",
        SearchError::TextTooLong => "text_too_long",
        SearchError::InvalidRadius => "invalid_radius",
        SearchError::EmptyDateRange => "empty_date_range",
        SearchError::DaysNeedCity => "days_need_city",
        SearchError::Storage(_) => return None,
        _ => "invalid_search",
    })
}

/// An error of the library as a refusal's status and code; `None` when it
/// is not the client's (the store failed).
pub trait Coded: std::error::Error + 'static {
    /// Status and code, as the API answers.
    fn coded(&self) -> Option<(StatusCode, &'static str)>;
}

impl Coded for ReservationError {
    fn coded(&self) -> Option<(StatusCode, &'static str)> {
        of(self)
    }
}

impl Coded for InputError {
    fn coded(&self) -> Option<(StatusCode, &'static str)> {
        Some((StatusCode::UNPROCESSABLE_ENTITY, input_code(self)))
    }
}

impl Coded for RoomError {
    fn coded(&self) -> Option<(StatusCode, &'static str)> {
        of_room(self)
    }
}

impl Coded for CatalogError {
    fn coded(&self) -> Option<(StatusCode, &'static str)> {
        of_catalog(self)
    }
}

impl Coded for SearchError {
    fn coded(&self) -> Option<(StatusCode, &'static str)> {
        of_search(self).map(|code| (StatusCode::BAD_REQUEST, code))
    }
}
