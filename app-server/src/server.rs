//! Building the store and running the server.

use std::sync::Arc;
use std::time::Duration;

use reservation_core::waiting_room::{WaitingRoom, WaitingRoomStore};
use reservation_core::{MemoryStore, Store, SystemClock};
use storage_postgres::PgStore;

use crate::config::Config;
use crate::state::AppState;

/// How often the sweeper settles due holds and waits.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How often the pacer admits the next visitors of the waiting rooms.
const PACE_EVERY: Duration = Duration::from_secs(1);

/// The stores the configuration asks for: one store, seen as both ports.
pub struct Stores {
    /// Catalog, holds, bookings, waits.
    pub store: Arc<dyn Store>,
    /// The waiting rooms.
    pub rooms: Arc<dyn WaitingRoomStore>,
}

/// The store the configuration asks for, with the demo catalog loaded when
/// it is empty.
pub async fn store(
    config: &Config,
) -> Result<Arc<dyn Store>, Box<dyn std::error::Error + Send + Sync>> {
    Ok(stores(config).await?.store)
}

/// The stores the configuration asks for, with the demo catalog loaded when
/// it is empty.
pub async fn stores(config: &Config) -> Result<Stores, Box<dyn std::error::Error + Send + Sync>> {
    let (store, rooms): (Arc<dyn Store>, Arc<dyn WaitingRoomStore>) = match &config.database_url {
        Some(url) => {
            storage_postgres::create_database_if_missing(url).await?;
            let store = PgStore::connect(url, config.policy()).await?;
            // Built now rather than by a visitor's first search.
            let warming = store.clone();
            tokio::spawn(async move {
                if let Err(error) = warming.prepare_search().await {
                    tracing::warn!(%error, "search index not built at start; the first search will");
                }
            });
            let store = Arc::new(store);
            (store.clone(), store)
        }
        None => {
            let memory = Arc::new(MemoryStore::new(config.policy()));
            (memory.clone(), memory)
        }
    };
    if crate::demo::needs_loading(store.as_ref()).await? {
        let loaded = crate::demo::load(store.as_ref(), time::OffsetDateTime::now_utc()).await?;
        tracing::info!(?loaded, "demo catalog loaded");
    }
    Ok(Stores { store, rooms })
}

/// Serves `config.bind` until Ctrl-C or SIGTERM, sweeping and pacing the
/// waiting rooms in the background.
pub async fn run(config: Config) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let Stores { store, rooms } = stores(&config).await?;
    let state = AppState::demo(store)
        .with_ticket_signer(config.ticket_signer()?)
        .with_hold_rates(config.hold_rates());
    let room = WaitingRoom::new(rooms, Arc::new(SystemClock), config.admission_signer()?);
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
    let state = state.with_waiting_room(room.clone());
    let engine = state.engine.clone();
    let sweeper = tokio::spawn(async move { engine.run_sweeper(SWEEP_EVERY).await });
    // Every instance paces; the stores admit each visitor once.
    let pacer = tokio::spawn(async move { room.run_pacer(PACE_EVERY).await });
    let limits = state.hold_limits.clone();
    let forgetter = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            limits.forget_idle();
        }
    });
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    tracing::info!("serving on http://{}", listener.local_addr()?);
    let app = crate::app(state, crate::site(&config.site_root));
    // Client addresses feed the per-address hold limit.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    sweeper.abort();
    pacer.abort();
    forgetter.abort();
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
