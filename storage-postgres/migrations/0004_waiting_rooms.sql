-- Waiting rooms (reservation_core::waiting_room). Every primary key leads
-- with show_id, like the booking path's tables.
--
-- Three kinds of row, locked in this order when a transaction takes more
-- than one: waiting_rooms (the pacer, draw, open and close), then the show's
-- show_state (for the event outbox), then room_counters (every change of a
-- visitor's state), then visitor and bucket rows.

-- One row per room: the settings, the phase and the pacing state, so pacing
-- holds across app instances. Locked by whoever paces, draws, opens or
-- closes the room (pace_rooms with SKIP LOCKED).
-- Phase: 0 lobby, 1 selling, 2 all held, 3 sold out, 4 closed.
CREATE TABLE waiting_rooms (
    show_id uuid PRIMARY KEY REFERENCES shows (id),
    lobby_opens_at timestamptz NOT NULL,
    sale_opens_at timestamptz NOT NULL,
    max_active bigint CHECK (max_active > 0),
    per_minute bigint CHECK (per_minute > 0),
    admission_window_us bigint NOT NULL CHECK (admission_window_us BETWEEN 60000000 AND 86400000000),
    grace_us bigint NOT NULL CHECK (grace_us BETWEEN 60000000 AND 86400000000),
    phase smallint NOT NULL CHECK (phase BETWEEN 0 AND 4),
    drawn boolean NOT NULL DEFAULT false,
    pacer_credit double precision NOT NULL CHECK (pacer_credit >= 0),
    pacer_as_of timestamptz NOT NULL,
    rate_per_minute double precision CHECK (rate_per_minute >= 0),
    rate_as_of timestamptz NOT NULL,
    admitted bigint NOT NULL DEFAULT 0 CHECK (admitted >= 0),
    CHECK (max_active IS NOT NULL OR per_minute IS NOT NULL),
    CHECK (lobby_opens_at <= sale_opens_at),
    CHECK (drawn OR phase IN (0, 4))
);
CREATE INDEX waiting_rooms_open ON waiting_rooms (show_id) WHERE phase <> 4;

-- The line's counters, apart from the room row so that joins never touch
-- the row the pacer locks: joins (in batches), leaves, finishes, the draw
-- and the pacer lock this row to change any visitor's state, so numbers are
-- dense and handed out in arrival order, and the counts stay exact.
CREATE TABLE room_counters (
    show_id uuid PRIMARY KEY REFERENCES waiting_rooms (show_id),
    -- The last number handed out (numbers are dense from 1).
    last_number bigint NOT NULL DEFAULT 0 CHECK (last_number >= 0),
    in_lobby bigint NOT NULL DEFAULT 0 CHECK (in_lobby >= 0),
    queued bigint NOT NULL DEFAULT 0 CHECK (queued >= 0),
    -- Admissions not yet ended (booked, left, or ended by the pacer).
    active bigint NOT NULL DEFAULT 0 CHECK (active >= 0)
);

-- Queued visitors per bucket of 1024 numbers (bucket = number >> 10): the
-- people ahead of a number are the queued of the buckets before its own,
-- plus those before it in its own bucket (at most 1023 index entries).
CREATE TABLE room_buckets (
    show_id uuid NOT NULL REFERENCES waiting_rooms (show_id),
    bucket bigint NOT NULL CHECK (bucket >= 0),
    queued bigint NOT NULL CHECK (queued >= 0),
    PRIMARY KEY (show_id, bucket)
);

-- One row per visitor (session) and room.
-- State: 0 lobby, 1 queued, 2 admitted, 3 admission ended, 4 dropped,
-- 5 left, 6 finished (booked).
CREATE TABLE room_visitors (
    show_id uuid NOT NULL REFERENCES waiting_rooms (show_id),
    visitor uuid NOT NULL,
    state smallint NOT NULL CHECK (state BETWEEN 0 AND 6),
    -- The secret random draw key (a u64 from a CSPRNG, as bits), while in the lobby.
    lobby_key bigint,
    -- The place in line (dense from 1, admission order), once queued.
    number bigint CHECK (number > 0),
    admitted_until timestamptz,
    -- The last recorded check-in (recorded at most every grace / 16).
    last_seen timestamptz NOT NULL,
    joined_at timestamptz NOT NULL,
    PRIMARY KEY (show_id, visitor),
    CHECK (state <> 0 OR lobby_key IS NOT NULL),
    CHECK (state <> 1 OR number IS NOT NULL),
    CHECK (state NOT IN (2, 3) OR admitted_until IS NOT NULL)
) WITH (fillfactor = 80);
-- Admission order and positions.
CREATE UNIQUE INDEX room_visitors_queue ON room_visitors (show_id, number) WHERE state = 1;
-- Admissions ending.
CREATE INDEX room_visitors_admitted ON room_visitors (show_id, admitted_until) WHERE state = 2;
-- Silent visitors losing their place.
CREATE INDEX room_visitors_silent ON room_visitors (show_id, last_seen) WHERE state IN (0, 1);
