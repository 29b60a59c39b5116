//! Choosing seats: the hold decision every store makes, and best-available
//! with orphan-seat avoidance.

mod best_available;
mod choose;

pub use best_available::best_available;
pub use choose::choose_seats;
