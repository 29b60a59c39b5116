-- A hold checks the holder's seats in holds and waits: find the waits by
-- holder rather than walking the whole line.
CREATE INDEX waits_holder ON waits (show_id, holder) WHERE state = 0;
