-- A holder's own activity ("my tickets") reads bookings, payable holds and
-- waits in line by holder across every show; the indexes so far lead with
-- show_id. Only indexes are added.
CREATE INDEX bookings_by_holder ON bookings (holder);
CREATE INDEX holds_active_by_holder ON holds (holder, created_at) WHERE state = 0;
CREATE INDEX waits_waiting_by_holder ON waits (holder) WHERE state = 0;
