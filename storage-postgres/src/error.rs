//! Turning database failures into the core's error types.

use reservation_core::StorageError;

/// Any backend failure as a `StorageError`, convertible into every core error.
pub(crate) fn storage(error: impl std::error::Error + Send + Sync + 'static) -> StorageError {
    StorageError::new(error)
}

/// Whether the transaction failed only because of a conflict with another
/// one (serialization failure or deadlock) and may simply be run again.
pub(crate) fn is_retryable(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "40001" || code == "40P01")
}

/// Whether the connection was lost: the server shut down or dropped it
/// (classes 57P0 and 08), or the socket broke.
pub(crate) fn is_disconnect(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) => true,
        error => error
            .as_database_error()
            .and_then(|e| e.code())
            .is_some_and(|code| code.starts_with("57P0") || code.starts_with("08")),
    }
}

/// Failures of the adapter's own making rather than the database's.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AdapterError {
    /// A hold request's batch ended without deciding it (its task failed).
    #[error("the hold request was not decided")]
    Undecided,
    /// The notification listener could not connect in time.
    #[error("not listening for changes: the database is unreachable")]
    NotListening,
    /// A stored row breaks the store's own invariants.
    #[error("corrupt row in {table}: {what}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What is wrong.
        what: String,
    },
}

/// A `StorageError` for a row of `table` that breaks the store's invariants.
pub(crate) fn corrupt(
    table: &'static str,
    what: impl Into<String>,
) -> reservation_core::StorageError {
    storage(AdapterError::Corrupt {
        table,
        what: what.into(),
    })
}
