-- The booking path's codes and counts (migration 0001's tables), checked by
-- the database as well as by the adapter's row conversions (src/rows.rs): a
-- row the code would not write cannot be stored. Each constraint allows
-- exactly what the code writes, so every existing row passes. (The waiting
-- room's tables, 0004, were created with their checks.)

ALTER TABLE show_state
    ADD CONSTRAINT show_state_counts CHECK (
        last_seq >= 0 AND next_in_line >= 0 AND available >= 0 AND held >= 0 AND booked >= 0
    );

-- Status: 0 available, 1 held, 2 booked. A taken seat has a holder, a free one none.
ALTER TABLE seats
    ADD CONSTRAINT seats_status_code CHECK (status IN (0, 1, 2)),
    ADD CONSTRAINT seats_holder_iff_taken CHECK ((status = 0) = (holder IS NULL)),
    ADD CONSTRAINT seats_index_range CHECK (seat_index >= 0);

-- State: 0 active, 1 expired, 2 confirmed; only a confirmed hold has a booking.
ALTER TABLE holds
    ADD CONSTRAINT holds_state_code CHECK (state IN (0, 1, 2)),
    ADD CONSTRAINT holds_booking_iff_confirmed CHECK ((state = 2) = (booking_id IS NOT NULL)),
    ADD CONSTRAINT holds_seats CHECK (
        cardinality(seat_indexes) >= 1 AND 0 <= ALL (seat_indexes) AND array_position(seat_indexes, NULL) IS NULL
    ),
    ADD CONSTRAINT holds_secret_length CHECK (octet_length(secret) = 32),
    ADD CONSTRAINT holds_deadlines CHECK (created_at <= expires_at AND expires_at <= free_at);

ALTER TABLE bookings
    ADD CONSTRAINT bookings_seats CHECK (
        cardinality(seat_indexes) >= 1 AND 0 <= ALL (seat_indexes) AND array_position(seat_indexes, NULL) IS NULL
    );

ALTER TABLE tickets
    ADD CONSTRAINT tickets_index_range CHECK (seat_index >= 0);

-- State: 0 waiting, 1 offered, 2 ended. An offer keeps its hold's secret;
-- an ended wait says why; a category comes with its index in the layout.
-- seat_count is a SeatCount (1 to 10 seats, MAX_SEATS_PER_REQUEST).
ALTER TABLE waits
    ADD CONSTRAINT waits_state_code CHECK (state IN (0, 1, 2)),
    ADD CONSTRAINT waits_seat_count_range CHECK (seat_count BETWEEN 1 AND 10),
    ADD CONSTRAINT waits_category_index_range CHECK (category_index >= 0),
    ADD CONSTRAINT waits_category_with_index CHECK ((category IS NULL) = (category_index IS NULL)),
    ADD CONSTRAINT waits_line_order_range CHECK (line_order > 0),
    ADD CONSTRAINT waits_offer_secret CHECK (
        (state = 1) = (offered_secret IS NOT NULL) AND (offered_secret IS NULL OR octet_length(offered_secret) = 32)
    ),
    ADD CONSTRAINT waits_end_reason CHECK (
        (state = 2) = (end_reason IS NOT NULL) AND (end_reason IS NULL OR end_reason IN ('expired', 'sold_out', 'cancelled'))
    );

ALTER TABLE show_events
    ADD CONSTRAINT show_events_seq_range CHECK (seq > 0);

