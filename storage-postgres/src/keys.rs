//! Rows of one show looked up by key, written so that they stay lookups.
//!
//! Statements run with generic plans (`show_tx`), planned for an average
//! show. Given `show_id = $1 AND seat_index = ANY($2)`, the planner weighs
//! one descent per key against scanning the show's rows, and when it
//! guesses the show small (tables not yet analyzed, or an arena among
//! cinema halls) it scans: every seat of a 20,000-seat show per statement,
//! which made an on-sale's statements 10 to 30 times slower. Instead the
//! keys come as rows carrying the show, joined on the whole key: no
//! condition on the show alone is left to scan by, so each key is one
//! index descent.

/// `unnest` of the key arrays `first` and `more` (each a parameter with
/// its cast), each row led by the show `$1`, named `alias(show_id, ...)`
/// as `alias_columns` says.
pub(crate) fn show_keys(first: &str, more: &[&str], alias_columns: &str) -> String {
    let arrays: String = more.iter().map(|array| format!(", {array}")).collect();
    format!(
        "unnest(array_fill($1::uuid, ARRAY[cardinality({first})]), {first}{arrays}) AS {alias_columns}"
    )
}
