//! Deciding a hold: which seats a request gets, or why it gets none. Every
//! store decides with these functions, so they all refuse alike.

use crate::catalog::{PricedPlan, SeatIndex};
use crate::error::ReservationError;
use crate::hold::{HoldRequest, SeatConflict, SeatFilter, SeatSelection, Taken};
use crate::limits::{Policy, SeatCount};
use crate::waitlist::SeatHolding;

use super::best_available;

impl Policy {
    /// Refuses `requested` more seats to a holder who already holds or
    /// waits for `active` seats of the show, when that would pass
    /// [`max_seats_per_holder`](Policy::max_seats_per_holder).
    pub fn check_holder_limit(
        &self,
        active: u16,
        requested: SeatCount,
    ) -> Result<(), ReservationError> {
        let limit = self.max_seats_per_holder;
        let requested = requested.get() as u16;
        if active.saturating_add(requested) > limit {
            return Err(ReservationError::OverHolderLimit {
                limit,
                active,
                requested,
            });
        }
        Ok(())
    }
}

/// The seats `request` gets, all of them or none: the holder, who already
/// holds or waits for `active` seats of the show, stays within `policy`,
/// and every seat asked for (or enough best-available ones) is free, where
/// seat `i` is held as `holding(i)`. Decides only; the store marks the seats.
///
/// # Errors
/// [`OverHolderLimit`](ReservationError::OverHolderLimit),
/// [`UnknownSeat`](ReservationError::UnknownSeat) (a seat not in this
/// show), [`SeatsTaken`](ReservationError::SeatsTaken) (listing every taken
/// seat, in the order asked), [`UnknownCategory`](ReservationError::UnknownCategory)
/// and [`NotEnoughSeats`](ReservationError::NotEnoughSeats).
pub fn choose_seats(
    pricing: &PricedPlan,
    policy: &Policy,
    request: &HoldRequest,
    active: u16,
    holding: impl Fn(SeatIndex) -> SeatHolding,
) -> Result<Vec<SeatIndex>, ReservationError> {
    let plan = pricing.plan();
    match &request.seats {
        SeatSelection::Seats(list) => {
            policy.check_holder_limit(active, list.count())?;
            let seats = list
                .as_slice()
                .iter()
                .map(|id| plan.index_of(*id).ok_or(ReservationError::UnknownSeat(*id)))
                .collect::<Result<Vec<_>, _>>()?;
            let conflicts: Vec<SeatConflict> = seats
                .iter()
                .filter_map(|&i| {
                    let taken = match holding(i) {
                        SeatHolding::Free => return None,
                        SeatHolding::Held(holder) if holder == request.holder => Taken::HeldByYou,
                        SeatHolding::Held(_) => Taken::Held,
                        SeatHolding::Booked(_) => Taken::Booked,
                    };
                    Some(SeatConflict {
                        seat: plan.seat(i).id,
                        label: plan.label(i).to_owned(),
                        taken,
                    })
                })
                .collect();
            if conflicts.is_empty() {
                Ok(seats)
            } else {
                Err(ReservationError::SeatsTaken(conflicts))
            }
        }
        SeatSelection::BestAvailable { count, filter } => {
            policy.check_holder_limit(active, *count)?;
            let eligible = eligibility(pricing, filter)?;
            let free = |i: SeatIndex| holding(i) == SeatHolding::Free;
            best_available(plan, count.get(), free, &eligible).ok_or_else(|| {
                ReservationError::NotEnoughSeats {
                    requested: count.get(),
                    available: (0..plan.len() as u32)
                        .map(SeatIndex)
                        .filter(|&i| free(i) && eligible(i))
                        .count(),
                }
            })
        }
    }
}

/// Which seats pass `filter`.
fn eligibility<'a>(
    pricing: &'a PricedPlan,
    filter: &SeatFilter,
) -> Result<impl Fn(SeatIndex) -> bool + use<'a>, ReservationError> {
    let category = filter
        .category
        .as_ref()
        .map(|c| pricing.category_index(c))
        .transpose()?;
    let accessible = filter.accessible;
    let plan = pricing.plan();
    Ok(move |i: SeatIndex| {
        let seat = plan.seat(i);
        category.is_none_or(|c| seat.category == c) && (!accessible || seat.flags.accessible)
    })
}
