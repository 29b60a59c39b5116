//! Building the stores and running the server. The server listens at once,
//! and prepares its database (migrations, the demo catalog, the demo's
//! waiting room) in the background, retrying until the database answers;
//! `/readyz` says when it can sell.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reservation_core::payment::{FakeGateway, PaymentGateway};
use reservation_core::waiting_room::{WaitingRoom, WaitingRoomStore};
use reservation_core::{Clock, MemoryStore, Reservations, Store, SystemClock};
use storage_postgres::PgStore;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::health::Health;
use crate::state::AppState;

/// How often the sweeper settles due holds and waits.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How often the pacer admits the next visitors of the waiting rooms.
const PACE_EVERY: Duration = Duration::from_secs(1);

/// Start-up retries an unreachable database after this, doubling up to
/// [`RETRY_AT_MOST`].
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_AT_MOST: Duration = Duration::from_secs(1);

/// A failure that stops the server.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The stores the configuration asks for: one store, seen as both ports,
/// and the same store on the connections reserved for background work.
#[derive(Clone)]
pub struct Stores {
    /// Catalog, holds, bookings, waits.
    pub store: Arc<dyn Store>,
    /// The waiting rooms.
    pub rooms: Arc<dyn WaitingRoomStore>,
    /// `store` for the sweeper and the pacer: on PostgreSQL, on reserved
    /// connections that busy requests cannot take.
    pub background: Arc<dyn Store>,
    /// `rooms` for the pacer.
    pub background_rooms: Arc<dyn WaitingRoomStore>,
    /// The PostgreSQL store, when the configuration names a database.
    pub database: Option<PgStore>,
}

impl Stores {
    /// The stores `config` asks for, without touching a database yet.
    pub fn new(config: &Config) -> Result<Self, Error> {
        Ok(match &config.database_url {
            Some(url) => {
                let store = PgStore::lazy(url, config.policy(), &config.pool())?;
                let background = Arc::new(store.background());
                let requests = Arc::new(store.clone());
                Self {
                    store: requests.clone(),
                    rooms: requests,
                    background: background.clone(),
                    background_rooms: background,
                    database: Some(store),
                }
            }
            None => {
                let memory = Arc::new(MemoryStore::new(config.policy()));
                Self {
                    store: memory.clone(),
                    rooms: memory.clone(),
                    background: memory.clone(),
                    background_rooms: memory,
                    database: None,
                }
            }
        })
    }
}

/// Loads the demo catalog when the store has none.
async fn load_demo(stores: &Stores) -> Result<(), Error> {
    if crate::demo::needs_loading(stores.store.as_ref()).await? {
        let loaded =
            crate::demo::load(stores.store.as_ref(), time::OffsetDateTime::now_utc()).await?;
        tracing::info!(?loaded, "demo catalog loaded");
    }
    Ok(())
}

/// Serves `config.bind` until Ctrl-C or SIGTERM, charging through the fake
/// payment gateway.
pub async fn run(config: Config) -> Result<(), Error> {
    let listener = TcpListener::bind(config.bind).await?;
    serve(config, listener, Arc::new(FakeGateway::new()), shutdown()).await
}

/// Serves on `listener` until `stop` completes, charging through
/// `payments`: answers at once (503 until the database is prepared, see
/// [`Health`]), prepares the database in the background, then sweeps and
/// paces the waiting rooms. The binary's [`run`], in a form tests can
/// drive and observe.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    payments: Arc<dyn PaymentGateway>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let stores = Stores::new(&config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let health = Health::starting(
        stores.database.clone(),
        config.pool().operation_deadline() + Duration::from_secs(1),
    );
    let admissions = config.admission_signer()?;
    let room = WaitingRoom::new(stores.rooms.clone(), clock.clone(), admissions.clone());
    let state = AppState::new(stores.store.clone(), payments.clone(), clock.clone())
        .with_ticket_signer(config.ticket_signer()?)
        .with_hold_rates(config.hold_rates())
        .with_trusted_proxies(config.trusted_proxies())
        .with_waiting_room(room.clone())
        .with_health(health.clone());
    let state = match config.admin_token()? {
        Some(token) => state.with_admin_token(token),
        None => state,
    };
    // The background work runs on the reserved connections.
    let background_room =
        WaitingRoom::new(stores.background_rooms.clone(), clock.clone(), admissions);
    let sweeper_engine = Reservations::new(stores.background.clone(), payments, clock);
    let starting = tokio::spawn(start(
        config.clone(),
        stores,
        room,
        health,
        sweeper_engine,
        background_room,
    ));
    let limits = state.hold_limits.clone();
    let forgetter = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            limits.forget_idle();
        }
    });
    tracing::info!("serving on http://{}", listener.local_addr()?);
    let app = crate::app(state, crate::site(&config.site_root));
    // Client addresses feed the per-address hold limit.
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await;
    starting.abort();
    forgetter.abort();
    Ok(served?)
}

/// Prepares the database (retrying until it answers), then sweeps and
/// paces until aborted.
async fn start(
    config: Config,
    stores: Stores,
    room: WaitingRoom,
    health: Health,
    engine: Reservations,
    background_room: WaitingRoom,
) {
    let mut retry = RETRY_FIRST;
    while let Err(error) = prepare(config.clone(), stores.clone(), room.clone()).await {
        let waiting = format!("waiting for the database: {error}");
        tracing::warn!(retry_in = ?retry, "{waiting}");
        health.waiting_for(waiting);
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(RETRY_AT_MOST);
    }
    health.set_started();
    tracing::info!("ready");
    let sweeper = engine.run_sweeper(SWEEP_EVERY);
    // Every instance paces; the stores admit each visitor once.
    let pacer = background_room.run_pacer(PACE_EVERY);
    tokio::join!(sweeper, pacer);
}

/// One attempt at preparing the stores: the database created and
/// migrated, the demo catalog loaded, the search index built, the demo's
/// waiting room opened.
async fn prepare(config: Config, stores: Stores, room: WaitingRoom) -> Result<(), Error> {
    if let Some(database) = &stores.database {
        if let Some(url) = &config.database_url {
            storage_postgres::create_database_if_missing(url).await?;
        }
        database.migrate().await?;
    }
    load_demo(&stores).await?;
    if let Some(database) = &stores.database {
        // Warm before the first visitor, with the demo catalog in it.
        database.prepare_search().await?;
    }
    let opened = crate::demo::open_room(
        &room,
        time::OffsetDateTime::now_utc(),
        time::Duration::seconds(config.demo_room_sale_delay_seconds.into()),
        config.demo_room_pace()?,
    )
    .await;
    match opened {
        Ok(room) => {
            tracing::info!(show = %crate::demo::room_show(), ?room, "demo waiting room on")
        }
        // Not the demo catalog (or its show has started): no demo room.
        Err(error) => tracing::warn!(%error, "the demo waiting room is not on"),
    }
    Ok(())
}

async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return interrupt.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
}
