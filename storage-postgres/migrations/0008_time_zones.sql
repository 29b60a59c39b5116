-- Every city and venue has an IANA time zone (search's days are the city's
-- local days; shows start at the venue's local time). The adapter reads a
-- name the zone database does not know as a storage error, so the check
-- here only keeps out what no zone name looks like.
--
-- Existing rows: the demo's cities (and the library's sample city) get
-- their real zones, any other city UTC; a venue takes its city's zone. The
-- default is dropped afterwards: every insert names the zone.

ALTER TABLE cities ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';

UPDATE cities SET time_zone = zones.time_zone
FROM (VALUES
    ('Berlin', 'DE', 'Europe/Berlin'),
    ('Hamburg', 'DE', 'Europe/Berlin'),
    ('München', 'DE', 'Europe/Berlin'),
    ('Wien', 'AT', 'Europe/Vienna'),
    ('Zürich', 'CH', 'Europe/Zurich'),
    ('Paris', 'FR', 'Europe/Paris'),
    ('London', 'GB', 'Europe/London')
) AS zones (name, country, time_zone)
WHERE cities.name = zones.name AND cities.country = zones.country;

ALTER TABLE cities
    ALTER COLUMN time_zone DROP DEFAULT,
    ADD CONSTRAINT cities_time_zone_name CHECK (time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$');

ALTER TABLE venues ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';

UPDATE venues SET time_zone = cities.time_zone
FROM cities
WHERE cities.id = venues.city_id;

ALTER TABLE venues
    ALTER COLUMN time_zone DROP DEFAULT,
    ADD CONSTRAINT venues_time_zone_name CHECK (time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$');
