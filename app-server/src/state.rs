//! What every handler shares: the catalog, the reservation engine, the
//! waiting rooms and the ticket signer.

use std::sync::Arc;

use crate::api::admin::AdminToken;
use crate::health::Health;
use crate::proxy::TrustedProxies;
use crate::rate_limit::{HoldLimits, HoldRates};
use reservation_core::payment::{FakeGateway, PaymentGateway};
use reservation_core::ticket_code::TicketSigner;
use reservation_core::waiting_room::WaitingRoom;
use reservation_core::{Catalog, CatalogAdmin, Clock, Reservations, Store, SystemClock};

/// Shared application state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Catalog reads and search.
    pub catalog: Arc<dyn Catalog>,
    /// Holds, payments, bookings, waits, seat maps, events.
    pub engine: Reservations,
    /// The on-sale waiting rooms (the engine is gated by the same rooms).
    /// The server always has them, on either store; `None` only in a state
    /// built without them ([`AppState::new`] alone: tests, benchmarks),
    /// where every show answers `no_room`.
    pub room: Option<WaitingRoom>,
    /// Signs the codes on tickets (their QR codes).
    pub tickets: Arc<TicketSigner>,
    /// Limits on creating holds.
    pub(crate) hold_limits: Arc<HoldLimits>,
    /// Whether the server can serve (see [`AppState::with_health`]).
    pub(crate) health: Health,
    /// Adds to the catalog (the organizer API).
    pub(crate) catalog_admin: Arc<dyn CatalogAdmin>,
    /// Opens the organizer API; without it that API is off.
    pub(crate) admin: Option<Arc<AdminToken>>,
    /// Whose forwarding headers tell a request's client (none by default).
    pub(crate) proxies: Arc<TrustedProxies>,
}

impl AppState {
    /// State over `store`, charging through `payments`, telling time by
    /// `clock`, signing tickets with a random secret (see
    /// [`AppState::with_ticket_signer`]), with the default hold rate limits
    /// (see [`AppState::with_hold_rates`]) and no waiting rooms (see
    /// [`AppState::with_waiting_room`]).
    pub fn new(
        store: Arc<dyn Store>,
        payments: Arc<dyn PaymentGateway>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let catalog: Arc<dyn Catalog> = store.clone();
        let catalog_admin: Arc<dyn CatalogAdmin> = store.clone();
        Self {
            catalog,
            catalog_admin,
            admin: None,
            engine: Reservations::new(store, payments, clock),
            room: None,
            tickets: Arc::new(TicketSigner::random()),
            hold_limits: Arc::new(HoldLimits::new(HoldRates::default())),
            health: Health::started(),
            proxies: Arc::default(),
        }
    }

    /// The same state answering 503 until `health` says the server started,
    /// and bounding requests by its deadline. Without it, the state serves
    /// at once and never times requests out.
    pub fn with_health(mut self, health: Health) -> Self {
        self.health = health;
        self
    }

    /// The same state with waiting rooms: the API and pages serve them, and
    /// holds and waits on a show whose room is on need an admission pass.
    /// Build `room` on the same clock as the state.
    pub fn with_waiting_room(mut self, room: WaitingRoom) -> Self {
        self.engine = self.engine.with_waiting_room(room.clone());
        self.room = Some(room);
        self
    }

    /// The same state with the organizer API open to holders of `token`.
    pub fn with_admin_token(mut self, token: AdminToken) -> Self {
        self.admin = Some(Arc::new(token));
        self
    }

    /// The same state believing the forwarding headers (`X-Forwarded-For`,
    /// `X-Forwarded-Proto`) of `proxies`, and only theirs: rate limits then
    /// count the client behind them, and cookies are `Secure` when the
    /// client came over HTTPS.
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.proxies = Arc::new(proxies);
        self
    }

    /// The same state limiting hold creation to `rates`.
    pub fn with_hold_rates(mut self, rates: HoldRates) -> Self {
        self.hold_limits = Arc::new(HoldLimits::new(rates));
        self
    }

    /// The same state signing tickets with `signer`: instances that share a
    /// store must share it, or their ticket codes fail verification.
    pub fn with_ticket_signer(mut self, signer: TicketSigner) -> Self {
        self.tickets = Arc::new(signer);
        self
    }

    /// State over `store` with the fake payment gateway and the system clock:
    /// the demo's setup.
    pub fn demo(store: Arc<dyn Store>) -> Self {
        Self::new(store, Arc::new(FakeGateway::new()), Arc::new(SystemClock))
    }
}
