//! A show's seats with their prices: what holds, bookings and tickets are
//! priced from. Every store builds one per show.

use std::sync::Arc;

use crate::catalog::{CategoryCode, Hall, PriceList, SeatIndex, SeatingPlan};
use crate::error::ReservationError;
use crate::hold::PricedSeat;
use crate::ids::SeatId;
use crate::money::{Currency, Money};

/// A hall's seating plan with one show's prices.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedPlan {
    plan: Arc<SeatingPlan>,
    /// Code and price per layout category index.
    categories: Vec<(CategoryCode, Money)>,
    currency: Currency,
}

impl PricedPlan {
    /// `hall`'s plan priced by `prices` (a category without a price costs 0).
    pub fn new(hall: &Hall, prices: &PriceList) -> Self {
        let currency = prices.currency();
        let categories = hall
            .layout()
            .categories
            .iter()
            .map(|c| {
                (
                    c.code.clone(),
                    prices.get(&c.code).unwrap_or(Money::zero(currency)),
                )
            })
            .collect();
        Self {
            plan: Arc::clone(hall.plan()),
            categories,
            currency,
        }
    }

    /// The seating plan.
    pub fn plan(&self) -> &Arc<SeatingPlan> {
        &self.plan
    }

    /// The seat at `i` with its label, category and price.
    pub fn priced(&self, i: SeatIndex) -> PricedSeat {
        let seat = self.plan.seat(i);
        let (category, price) = self.categories[usize::from(seat.category)].clone();
        PricedSeat {
            seat: seat.id,
            label: self.plan.small_label(i),
            category,
            price,
        }
    }

    /// The sum of `prices`, in the show's currency.
    pub fn total(&self, prices: impl Iterator<Item = Money>) -> Money {
        prices.fold(Money::zero(self.currency), |a, b| a + b)
    }

    /// The ids of `seats`.
    pub fn seat_ids(&self, seats: &[SeatIndex]) -> Vec<SeatId> {
        seats.iter().map(|&i| self.plan.seat(i).id).collect()
    }

    /// The layout index of price category `code`.
    pub fn category_index(&self, code: &CategoryCode) -> Result<u16, ReservationError> {
        self.categories
            .iter()
            .position(|(c, _)| c == code)
            .map(|i| i as u16)
            .ok_or_else(|| ReservationError::UnknownCategory(code.clone()))
    }
}
