//! Bookings: paid holds, one ticket per seat.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::hold::PricedSeat;
use crate::ids::{BookingId, HoldId, HolderId, ShowId, TicketId};
use crate::money::Money;
use crate::payment::PaymentReceipt;

/// One admission: one seat of one show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    /// Id (what a QR code would carry).
    pub id: TicketId,
    /// The seat, label and price.
    #[serde(flatten)]
    pub seat: PricedSeat,
}

/// Whether a booking still stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "status")]
#[non_exhaustive]
pub enum BookingStatus {
    /// Valid; the seats are booked.
    Confirmed,
    /// Cancelled (refunded); the seats were freed.
    Cancelled {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        /// Who or what cancelled it (bookings stored before causes existed
        /// were cancelled by their holders).
        #[serde(default)]
        reason: CancelCause,
    },
}

/// Why a booking was cancelled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CancelCause {
    /// Its holder cancelled it.
    #[default]
    Holder,
    /// The show was cancelled.
    ShowCancelled,
}

/// A confirmed purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booking {
    /// Id.
    pub id: BookingId,
    /// The show.
    pub show: ShowId,
    /// Who bought.
    pub holder: HolderId,
    /// The hold it was made from (also the payment's idempotency key).
    pub hold: HoldId,
    /// One ticket per seat.
    pub tickets: Vec<Ticket>,
    /// Amount paid.
    pub total: Money,
    /// The payment.
    pub payment: PaymentReceipt,
    /// When it was confirmed.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Confirmed or cancelled.
    pub status: BookingStatus,
}
