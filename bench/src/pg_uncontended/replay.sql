-- The SQL one uncontended 4-seat hold sends (storage-postgres show_tx/ and
-- ops/hold.rs hold_all), for pgbench -M prepared: the read and the
-- commit are the engine's text with a pgbench variable for each parameter.
-- What the engine works out in memory (the show's id, fresh ids, the seats'
-- ids, the event) rides on the lock's statement, which adds no round trip.
-- The wake-up (pg_notify) is left out: the engine sends it after the
-- commit, one statement for the shows of many holds.
\set n random(1, :shows)
BEGIN;
-- The lock, with the show's event count as its next 4-seat block, as the
-- Rust clients' per-show counter (they make one event a hold). As the
-- engine's, it sets the transaction's planner settings (show_tx/mod.rs).
WITH locked AS (
    SELECT show_id, last_seq, next_in_line, next_due, available, held, booked FROM show_state
    WHERE show_id = (SELECT show_id FROM replay_shows WHERE n = :n) FOR UPDATE
),
fresh AS (
    SELECT gen_random_uuid() AS holder, gen_random_uuid() AS hold,
        uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) AS secret,
        now() + :hold_time::interval AS expires_at
)
SELECT set_config('plan_cache_mode', 'force_generic_plan', true) AS plan_mode,
    set_config('enable_seqscan', 'off', true) AS seqscan,
    l.last_seq, l.next_in_line, l.next_due, l.available, l.held, l.booked, l.show_id AS show,
    ARRAY[f.holder] AS holders, array_fill(f.holder, ARRAY[4]) AS seat_holders,
    ARRAY[f.hold] AS ids, ARRAY[f.secret] AS secrets, b.indexes, ARRAY[b.indexes::text] AS lists,
    now() AS now, f.expires_at, f.expires_at + :grace::interval AS free_at,
    ARRAY[l.last_seq + 1] AS seqs,
    ARRAY[jsonb_build_object('type', 'held', 'hold', f.hold, 'seats', b.seats)] AS docs
FROM locked AS l, fresh AS f, replay_blocks AS b
WHERE b.block = l.last_seq % :blocks
\gset
\set last_seq :last_seq + 1
\set available :available - 4
\set held :held + 4
-- The parameters the engine binds as constants (show_tx/mod.rs).
\set recompute false
-- ShowTx::loads_and_taken_seats, the listed seats only (keys as rows
-- carrying the show: storage-postgres keys.rs).
SELECT holder, sum(seats)::int8 AS load, NULL::int4 AS seat_index, NULL::int2 AS status
FROM (
    SELECT holder, cardinality(seat_indexes) AS seats
    FROM unnest(array_fill(:show::uuid, ARRAY[cardinality(:holders::uuid[])]), :holders::uuid[])
        AS k(show_id, holder)
    JOIN holds USING (show_id, holder) WHERE state = 0
    UNION ALL
    SELECT holder, seat_count
    FROM unnest(array_fill(:show::uuid, ARRAY[cardinality(:holders::uuid[])]), :holders::uuid[])
        AS k(show_id, holder)
    JOIN waits USING (show_id, holder) WHERE state = 0
) AS held GROUP BY holder
UNION ALL
SELECT holder, NULL, seat_index, status
FROM unnest(array_fill(:show::uuid, ARRAY[cardinality(:indexes::int4[])]), :indexes::int4[])
    AS k(show_id, seat_index)
JOIN seats USING (show_id, seat_index) WHERE status <> 0;
-- COMMIT_WITH_HOLDS: the seats, the hold, the event and the counters.
WITH seated AS (
    UPDATE seats SET status = 1, holder = s.holder
    FROM unnest(array_fill(:show::uuid, ARRAY[cardinality(:indexes::int4[])]),
            :indexes::int4[], :seat_holders::uuid[])
        AS s(show_id, seat_index, holder)
    WHERE (seats.show_id, seats.seat_index) = (s.show_id, s.seat_index)
),
held AS (
    INSERT INTO holds (show_id, id, secret, holder, seat_indexes, created_at, expires_at, free_at)
    SELECT :show, h.id, h.secret, h.holder, h.seats::int4[], :now, :expires_at, :free_at
    FROM unnest(:ids::uuid[], :secrets::bytea[], :holders::uuid[], :lists::text[])
        AS h(id, secret, holder, seats)
),
logged AS (
    INSERT INTO show_events (show_id, seq, at, change)
    SELECT :show, seq, :now, change FROM unnest(:seqs::bigint[], :docs::jsonb[]) AS e(seq, change)
)
UPDATE show_state SET last_seq = :last_seq, next_in_line = :next_in_line, available = :available,
    held = :held, booked = :booked,
    next_due = CASE WHEN :recompute THEN LEAST(
        (SELECT min(free_at) FROM holds WHERE show_id = :show AND state = 0),
        (SELECT min(expires_at) FROM waits WHERE show_id = :show AND state = 0),
        :free_at)
    ELSE LEAST(next_due, :free_at) END
WHERE show_id = :show AND NOT EXISTS (
    SELECT FROM unnest(array_fill(:show::uuid, ARRAY[cardinality(:indexes::int4[])]), :indexes::int4[])
        AS k(show_id, seat_index)
    JOIN seats USING (show_id, seat_index) WHERE seats.status <> 0);
COMMIT;
