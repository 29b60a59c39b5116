//! What every handler shares: the catalog and the reservation engine.

use std::sync::Arc;

use reservation_core::payment::{FakeGateway, PaymentGateway};
use reservation_core::{Catalog, Clock, Reservations, Store, SystemClock};

/// Shared application state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Catalog reads and search.
    pub catalog: Arc<dyn Catalog>,
    /// Holds, payments, bookings, waits, seat maps, events.
    pub engine: Reservations,
}

impl AppState {
    /// State over `store`, charging through `payments`, telling time by `clock`.
    pub fn new(
        store: Arc<dyn Store>,
        payments: Arc<dyn PaymentGateway>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let catalog: Arc<dyn Catalog> = store.clone();
        Self {
            catalog,
            engine: Reservations::new(store, payments, clock),
        }
    }

    /// State over `store` with the fake payment gateway and the system clock:
    /// the demo's setup.
    pub fn demo(store: Arc<dyn Store>) -> Self {
        Self::new(store, Arc::new(FakeGateway::new()), Arc::new(SystemClock))
    }
}
