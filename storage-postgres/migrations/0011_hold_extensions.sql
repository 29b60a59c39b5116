-- How many times each hold was extended on its holder's request (the
-- policy allows a few, by default one). Only a column is added.
ALTER TABLE holds ADD COLUMN extensions smallint NOT NULL DEFAULT 0
    CONSTRAINT holds_extensions_range CHECK (extensions BETWEEN 0 AND 255);
