-- Search is answered by each process's in-memory index, fed by catalog
-- change notifications: the trigram index and the text it indexed go.
DROP INDEX IF EXISTS events_search_trgm;
ALTER TABLE events DROP COLUMN IF EXISTS search_text;
