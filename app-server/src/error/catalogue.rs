//! Every error code the API answers with, and what each means: listed in
//! the OpenAPI document (the `code` property of `ErrorDetail`), so clients
//! can switch on codes without reading the server's source. `ApiError::new`
//! checks (in debug builds) that its code is here.

/// `(code, meaning)`, grouped by what refused the request.
pub(crate) const CODES: &[(&str, &str)] = &[
    // The request itself.
    (
        "unsupported_media_type",
        "415: the body is not sent as JSON (Content-Type must be application/json)",
    ),
    (
        "invalid_json",
        "400: the body is not JSON at all (syntax error, empty or not UTF-8)",
    ),
    ("body_too_large", "413: the body is over the size limit"),
    (
        "missing_field",
        "422: a required field is absent (`details.field` names it)",
    ),
    (
        "unknown_field",
        "422: a field this body does not have (`details.field`)",
    ),
    (
        "conflicting_fields",
        "422: fields that exclude each other were sent together (`details.fields`)",
    ),
    (
        "invalid_type",
        "422: a field holds the wrong kind of value, such as text for a number (`details.field`)",
    ),
    (
        "invalid_value",
        "422: a field's value is out of range or not one of the allowed values (`details.field`)",
    ),
    ("invalid_path", "400: a path parameter does not parse"),
    ("invalid_query", "400: a query parameter does not parse"),
    (
        "invalid_sequence",
        "400: a stream position (Last-Event-ID or `after`) is not a sequence number",
    ),
    ("no_such_route", "404: no API route has this path"),
    (
        "method_not_allowed",
        "405: the route does not take this method",
    ),
    (
        "unauthorized",
        "401: an organizer route without the organizer token",
    ),
    (
        "rate_limited",
        "429: too many holds; wait `Retry-After` seconds",
    ),
    (
        "unavailable",
        "503: the service cannot answer now; wait `Retry-After` seconds",
    ),
    // Values the reservation library refuses.
    ("invalid_seat_count", "422: a request takes 1 to 10 seats"),
    ("duplicate_seat", "422: a seat is listed twice"),
    (
        "invalid_card_number",
        "422: not a card number (12-19 digits with a correct check digit)",
    ),
    ("invalid_category_code", "422: not a price category code"),
    (
        "invalid_currency",
        "422: not a currency code (three uppercase letters)",
    ),
    (
        "invalid_position",
        "400 or 422: not a latitude/longitude, or lat, lon and radius_km not given together",
    ),
    ("unknown_time_zone", "422: not an IANA time zone name"),
    ("malformed_hold_token", "422: not a hold token"),
    (
        "invalid_cancel_reason",
        "422: a cancellation reason must be 1 to 200 characters",
    ),
    ("invalid_id", "422: not an id (a UUID)"),
    (
        "invalid_input",
        "422: a value the library refuses for another reason",
    ),
    // Refusals of reservations.
    ("unknown_show", "404: no such show"),
    ("unknown_seat", "422: no such seat"),
    (
        "seat_of_another_show",
        "422: the seat is in another show's hall",
    ),
    (
        "unknown_category",
        "422: no such price category in this hall",
    ),
    (
        "seats_taken",
        "409: some seats are held or sold (`details` lists them); nothing was held",
    ),
    (
        "not_enough_seats",
        "409: fewer matching seats are free than were asked for",
    ),
    (
        "over_holder_limit",
        "409: this would take you over the seats one buyer may hold",
    ),
    (
        "unknown_hold",
        "404: no such hold (it may have been released)",
    ),
    (
        "hold_confirmed",
        "409: the hold is paid for (`details.booking`)",
    ),
    (
        "no_extensions_left",
        "409: the hold was extended as often as allowed; pay before it expires",
    ),
    (
        "hold_expired",
        "410: the hold expired and its seats were released",
    ),
    (
        "payment_declined",
        "402: the card was declined; the seats stay held",
    ),
    (
        "payment_unavailable",
        "503: the payment service cannot be reached; try again",
    ),
    ("unknown_booking", "404: no such booking"),
    (
        "booking_already_cancelled",
        "409: the booking is already cancelled",
    ),
    ("unknown_wait", "404: no such wait"),
    ("already_waiting", "409: you already wait for this show"),
    (
        "seats_available",
        "409: seats are free: hold them instead of waiting",
    ),
    ("sold_out", "409: not enough seats can become available"),
    (
        "sales_closed",
        "409: the show's sales are closed (paused, cancelled or past)",
    ),
    (
        "starts_in_the_past",
        "422: a show cannot be moved to start at or before now",
    ),
    (
        "events_gone",
        "410: those events are no longer kept; reload the seat map",
    ),
    ("refused", "409: another refusal of the reservation"),
    // Waiting rooms and admission.
    (
        "admission_required",
        "403: this show's sale runs through its waiting room (`details.room`)",
    ),
    (
        "admission_malformed",
        "403: the admission pass does not parse",
    ),
    (
        "admission_other_show",
        "403: the admission pass is for another show",
    ),
    (
        "admission_not_yours",
        "403: the admission pass is another visitor's",
    ),
    ("admission_expired", "403: the admission pass expired"),
    (
        "admission_refused",
        "403: the admission pass is refused for another reason",
    ),
    (
        "no_room",
        "404: the show has no waiting room; its seats are on sale directly",
    ),
    (
        "lobby_not_open",
        "409: the waiting room's lobby is not open yet (`details.opens_at`)",
    ),
    (
        "not_in_line",
        "404: you are not in this waiting room's line",
    ),
    (
        "invalid_room_config",
        "422: a waiting room setting out of range",
    ),
    ("room_refused", "409: another refusal of the waiting room"),
    // Tickets.
    ("malformed_ticket_code", "422: not a ticket code"),
    (
        "forged_ticket_code",
        "422: the ticket code's signature is wrong",
    ),
    (
        "invalid_ticket_code",
        "422: the ticket code is refused for another reason",
    ),
    // The catalog and its search.
    ("not_found", "404: no such city, venue, event or show"),
    (
        "invalid_catalog_data",
        "422: catalog data the library refuses",
    ),
    (
        "venue_city_fixed",
        "422: a venue stays in its city (its shows belong to it)",
    ),
    (
        "unknown_reference",
        "422: the body names a city, venue, event or performer that does not exist",
    ),
    (
        "already_exists",
        "409: an entry with this id already exists",
    ),
    (
        "invalid_layout",
        "422: the hall layout is refused (`details` names the seat or row)",
    ),
    (
        "invalid_cursor",
        "400: the page cursor is not one this server gave",
    ),
    ("invalid_page_size", "400: the page size is out of range"),
    ("text_too_long", "400: the search text is too long"),
    ("invalid_radius", "400: the search radius is out of range"),
    ("empty_date_range", "400: the date range is empty"),
    ("days_need_city", "400: searching by day needs a city"),
    (
        "invalid_search",
        "400: the search is refused for another reason",
    ),
];

/// Whether `code` is listed.
pub(crate) fn is_listed(code: &str) -> bool {
    CODES.iter().any(|(listed, _)| *listed == code)
}

/// The list as Markdown, for the schema's description.
pub(crate) fn markdown() -> String {
    CODES
        .iter()
        .map(|(code, meaning)| format!("- `{code}`: {meaning}\n"))
        .collect()
}
