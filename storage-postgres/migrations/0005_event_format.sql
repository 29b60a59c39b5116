-- Each stored change keeps the version of its wire form
-- (reservation_core::events::wire::FORMAT), so events outlive a change of
-- that form: the reader decodes each by its own version. Rows written
-- before versions existed are version 1.
ALTER TABLE show_events
    ADD COLUMN v smallint NOT NULL DEFAULT 1
    CONSTRAINT show_events_v_known CHECK (v >= 1);
