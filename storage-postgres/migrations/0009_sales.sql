-- A show's sales state and its start, kept on its show_state row: every
-- booking transaction of the show locks that row first, so a hold is
-- decided wholly before or wholly after a pause, a move or a cancellation.
--
-- sales: 0 on sale, 1 paused (since sales_since), 2 cancelled (at
-- sales_since, for cancel_reason). starts_at is NULL until the show is
-- first moved; from then on it is the start every transaction goes by
-- (shows.starts_at moves with it, for the catalog).
ALTER TABLE show_state
    ADD COLUMN sales smallint NOT NULL DEFAULT 0,
    ADD COLUMN sales_since timestamptz,
    ADD COLUMN cancel_reason text,
    ADD COLUMN starts_at timestamptz,
    ADD CONSTRAINT show_state_sales_code CHECK (sales IN (0, 1, 2)),
    ADD CONSTRAINT show_state_sales_since CHECK ((sales = 0) = (sales_since IS NULL)),
    ADD CONSTRAINT show_state_cancel_reason CHECK (
        (sales = 2) = (cancel_reason IS NOT NULL)
        AND (cancel_reason IS NULL OR char_length(cancel_reason) BETWEEN 1 AND 200)
    );

-- Holds gain state 3, withdrawn: ended because the show was cancelled.
ALTER TABLE holds
    DROP CONSTRAINT holds_state_code,
    ADD CONSTRAINT holds_state_code CHECK (state IN (0, 1, 2, 3));

-- Waits gain an end: the show was cancelled.
ALTER TABLE waits
    DROP CONSTRAINT waits_end_reason,
    ADD CONSTRAINT waits_end_reason CHECK (
        (state = 2) = (end_reason IS NOT NULL)
        AND (end_reason IS NULL OR end_reason IN ('expired', 'sold_out', 'cancelled', 'show_cancelled'))
    );

-- A booking cancelled with its show is owed a refund: its payment's row,
-- settled when the booking was made, is opened again with refund_owed set,
-- in the cancelling transaction, and the sweepers' refund pass (which
-- otherwise refunds only holds released or expired) settles it once the
-- gateway has refunded the charge.
ALTER TABLE checkouts ADD COLUMN refund_owed boolean NOT NULL DEFAULT false;
