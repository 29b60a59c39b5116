//! Placeholder: replaced by the real algorithm.

use crate::catalog::{SeatIndex, SeatingPlan};

/// Chooses `count` seats that are free and eligible.
pub fn best_available(
    plan: &SeatingPlan,
    count: usize,
    is_free: impl Fn(SeatIndex) -> bool,
    eligible: impl Fn(SeatIndex) -> bool,
) -> Option<Vec<SeatIndex>> {
    let seats: Vec<SeatIndex> = (0..plan.len() as u32)
        .map(SeatIndex)
        .filter(|i| is_free(*i) && eligible(*i))
        .take(count)
        .collect();
    (count > 0 && seats.len() == count).then_some(seats)
}
