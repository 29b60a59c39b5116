//! The adapter's errors: [`Error`], which `?` builds from sqlx errors, corrupt
//! rows and the core's own errors, and which turns back into the core's
//! error types at the ports.

use reservation_core::waiting_room::RoomError;
use reservation_core::{ReservationError, StorageError};

/// What the adapter's internals return.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure or refusal inside the adapter. Functions that talk to the
/// database return it, so `?` works on sqlx's errors, and a port method
/// converts it into its own error type once, at the edge.
#[derive(Debug, Clone)]
pub(crate) enum Error {
    /// The database failed, or a row broke the store's invariants.
    Storage(StorageError),
    /// A booking operation's refusal.
    Refused(ReservationError),
    /// A waiting-room operation's refusal.
    Room(RoomError),
}

impl Error {
    /// Whether the transaction failed only because of a conflict with
    /// another one and may simply be run again.
    pub(crate) fn is_conflict(&self) -> bool {
        let Self::Storage(failure) = self else {
            return false;
        };
        let cause = failure.cause();
        cause
            .downcast_ref::<sqlx::Error>()
            .is_some_and(is_retryable)
            || matches!(
                cause.downcast_ref::<AdapterError>(),
                Some(AdapterError::SeatsMoved)
            )
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        // Wrapped as it is: `is_conflict` downcasts the cause to sqlx's error.
        Self::Storage(storage(error))
    }
}

impl From<StorageError> for Error {
    fn from(failure: StorageError) -> Self {
        Self::Storage(failure)
    }
}

impl From<AdapterError> for Error {
    fn from(error: AdapterError) -> Self {
        Self::Storage(storage(error))
    }
}

impl From<ReservationError> for Error {
    fn from(error: ReservationError) -> Self {
        match error {
            ReservationError::Storage(failure) => Self::Storage(failure),
            refused => Self::Refused(refused),
        }
    }
}

impl From<RoomError> for Error {
    fn from(error: RoomError) -> Self {
        match error {
            RoomError::Storage(failure) => Self::Storage(failure),
            refused => Self::Room(refused),
        }
    }
}

impl From<Error> for ReservationError {
    fn from(error: Error) -> Self {
        match error {
            Error::Storage(failure) => Self::Storage(failure),
            Error::Refused(refused) => refused,
            // Booking operations never refuse in a room's terms.
            Error::Room(refused) => Self::Storage(storage(refused)),
        }
    }
}

impl From<Error> for RoomError {
    fn from(error: Error) -> Self {
        match error {
            Error::Storage(failure) => Self::Storage(failure),
            Error::Room(refused) => refused,
            Error::Refused(ReservationError::UnknownShow(show)) => Self::UnknownShow(show),
            // The show's transaction a room operation runs refuses nothing else.
            Error::Refused(other) => Self::Storage(storage(other)),
        }
    }
}

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
    /// A request's batch ended without deciding it (its task failed).
    #[error("the request was not decided")]
    Undecided,
    /// The notification listener could not connect in time.
    #[error("not listening for changes: the database is unreachable")]
    NotListening,
    /// Seats were chosen from a copy of the show's seats that was wrong (a
    /// seat it had free was taken): nothing was written, and the copy is
    /// forgotten, so running the transaction again reads them all.
    #[error("the show's seats moved while seats were chosen")]
    SeatsMoved,
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
pub(crate) fn corrupt(table: &'static str, what: impl Into<String>) -> Error {
    Error::Storage(storage(AdapterError::Corrupt {
        table,
        what: what.into(),
    }))
}

/// A count or sequence that the table keeps non-negative, as unsigned.
pub(crate) fn unsigned(n: i64, table: &'static str, what: &str) -> Result<u64> {
    u64::try_from(n).map_err(|_| corrupt(table, format!("{what} is {n}")))
}
