//! Choosing seats: best-available with orphan-seat avoidance.

mod best_available;

pub use best_available::best_available;
