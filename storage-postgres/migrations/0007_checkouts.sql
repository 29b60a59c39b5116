-- Payments in flight. begin_checkout writes a hold's row before the hold is
-- charged; the booking's transaction settles it, or else the sweeper
-- refunds the charge (if one was made) and settles it. Released holds are
-- deleted, so the attempt lives here rather than on the hold. Settled rows
-- stay: they tell an operator which holds were paid for and how each ended.
CREATE TABLE checkouts (
    show_id uuid NOT NULL,
    hold_id uuid NOT NULL,
    -- The hold's free_at: checkout is refused from then on, so every charge
    -- for the hold began before it.
    free_at timestamptz NOT NULL,
    started_at timestamptz NOT NULL,
    -- A sweeper works on the attempt until then; the others skip it.
    claimed_until timestamptz,
    settled_at timestamptz,
    PRIMARY KEY (show_id, hold_id)
);
-- The sweeper reads only the attempts not settled.
CREATE INDEX checkouts_open ON checkouts (free_at) WHERE settled_at IS NULL;
