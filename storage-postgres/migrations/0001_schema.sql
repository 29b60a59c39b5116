-- Seatwise schema.
--
-- Catalog tables are small and read-mostly. Every table on the booking path
-- (show_state, seats, holds, payments, bookings, tickets, waits, show_events)
-- leads its primary key with show_id, so it can be distributed by show on a
-- Citus-style cluster with every booking transaction on one shard.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE cities (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    country text NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL
);

CREATE TABLE venues (
    id uuid PRIMARY KEY,
    city_id uuid NOT NULL REFERENCES cities (id),
    name text NOT NULL,
    address text NOT NULL,
    postal_code text NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL
);
CREATE INDEX venues_city ON venues (city_id);

CREATE TABLE halls (
    id uuid PRIMARY KEY,
    venue_id uuid NOT NULL REFERENCES venues (id),
    name text NOT NULL,
    layout jsonb NOT NULL
);

-- Which hall each seat id belongs to: tells "a seat of another show" from
-- "no such seat", and keeps seat ids unique across halls.
CREATE TABLE hall_seats (
    seat_id uuid PRIMARY KEY,
    hall_id uuid NOT NULL REFERENCES halls (id)
);

CREATE TABLE performers (
    id uuid PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE events (
    id uuid PRIMARY KEY,
    doc jsonb NOT NULL,
    kind text NOT NULL,
    title text NOT NULL,
    performer_ids uuid[] NOT NULL,
    performer_names text[] NOT NULL,
    -- Every searchable word (title, performers, genres, venues, description),
    -- folded like reservation_core::catalog::search::words: candidates are
    -- found with trigrams, then scored by the core's rules.
    search_text text NOT NULL
);
CREATE INDEX events_search_trgm ON events USING gin (search_text gin_trgm_ops);
CREATE INDEX events_performers ON events USING gin (performer_ids);

CREATE TABLE shows (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL REFERENCES events (id),
    hall_id uuid NOT NULL REFERENCES halls (id),
    venue_id uuid NOT NULL REFERENCES venues (id),
    city_id uuid NOT NULL REFERENCES cities (id),
    starts_at timestamptz NOT NULL,
    prices jsonb NOT NULL
);
-- Browsing and search walk shows in start order, per city, venue or event.
CREATE INDEX shows_start ON shows (starts_at, id);
CREATE INDEX shows_city_start ON shows (city_id, starts_at, id);
CREATE INDEX shows_venue_start ON shows (venue_id, starts_at, id);
CREATE INDEX shows_event_start ON shows (event_id, starts_at);

-- One row per show: the lock every booking transaction of the show takes
-- first (so they serialize per show, in one lock order), the event sequence,
-- the waitlist counter, the seat counts, and when something next falls due.
CREATE TABLE show_state (
    show_id uuid PRIMARY KEY REFERENCES shows (id),
    last_seq bigint NOT NULL DEFAULT 0,
    next_in_line bigint NOT NULL DEFAULT 0,
    next_due timestamptz,
    available integer NOT NULL,
    held integer NOT NULL DEFAULT 0,
    booked integer NOT NULL DEFAULT 0
);
CREATE INDEX show_state_due ON show_state (next_due) WHERE next_due IS NOT NULL;

-- Seat status per show: 0 available, 1 held, 2 booked.
CREATE TABLE seats (
    show_id uuid NOT NULL,
    seat_index integer NOT NULL,
    status smallint NOT NULL DEFAULT 0,
    holder uuid,
    PRIMARY KEY (show_id, seat_index)
);

-- Holds: 0 active, 1 expired, 2 confirmed. Released holds are deleted.
CREATE TABLE holds (
    show_id uuid NOT NULL,
    id uuid NOT NULL,
    secret bytea NOT NULL,
    holder uuid NOT NULL,
    seat_indexes integer[] NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    free_at timestamptz NOT NULL,
    state smallint NOT NULL DEFAULT 0,
    booking_id uuid,
    PRIMARY KEY (show_id, id),
    UNIQUE (show_id, secret)
);
CREATE INDEX holds_due ON holds (show_id, free_at) WHERE state = 0;
CREATE INDEX holds_holder ON holds (show_id, holder) WHERE state = 0;

-- One charge per hold: the hold is the idempotency key.
CREATE TABLE payments (
    show_id uuid NOT NULL,
    hold_id uuid NOT NULL,
    receipt jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (show_id, hold_id)
);

CREATE TABLE bookings (
    show_id uuid NOT NULL,
    id uuid NOT NULL,
    holder uuid NOT NULL,
    hold_id uuid NOT NULL,
    seat_indexes integer[] NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (show_id, id),
    UNIQUE (show_id, hold_id)
);
-- Lookup by booking id alone (on a distributed cluster: a routed lookup).
CREATE UNIQUE INDEX bookings_id ON bookings (id);

CREATE TABLE tickets (
    show_id uuid NOT NULL,
    id uuid NOT NULL,
    booking_id uuid NOT NULL,
    seat_index integer NOT NULL,
    PRIMARY KEY (show_id, id)
);
CREATE INDEX tickets_booking ON tickets (show_id, booking_id);

-- Waits: 0 waiting, 1 offered, 2 ended.
CREATE TABLE waits (
    show_id uuid NOT NULL,
    id uuid NOT NULL,
    holder uuid NOT NULL,
    seat_count smallint NOT NULL,
    category text,
    category_index smallint,
    line_order bigint NOT NULL,
    joined_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    state smallint NOT NULL DEFAULT 0,
    end_reason text,
    offered_secret bytea,
    PRIMARY KEY (show_id, id)
);
CREATE UNIQUE INDEX waits_id ON waits (id);
CREATE INDEX waits_line ON waits (show_id, line_order) WHERE state = 0;

-- The event outbox: written in the same transaction as the change.
CREATE TABLE show_events (
    show_id uuid NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    change jsonb NOT NULL,
    PRIMARY KEY (show_id, seq)
);
