//! Search on PostgreSQL: an inverted index apart from the database, fed
//! by the catalog's changes. Each process keeps the core's
//! [`SearchIndex`] (the memory store's own, so both stores answer
//! alike), built from the tables by the first search and then kept current:
//! every process, the writing one too, applies each committed catalog
//! change before its next search: the writer queues its own at once, the
//! others hear of it on [`CATALOG_CHANNEL`]. Applying a change re-reads
//! its rows, so one applied twice or late is harmless: the index ends
//! with what the tables hold. (A writer does not apply the values it
//! wrote: by then another process may have changed the rows again.) After a lost
//! listener connection the index is rebuilt.

use futures_util::TryStreamExt;
use reservation_core::catalog::search::{SearchError, SearchIndex, SearchPage, SearchQuery};
use reservation_core::catalog::{CatalogError, TimeZone, Venue};
use reservation_core::{Catalog, EventId, PerformerId, ShowId, StorageError, VenueId};
use std::collections::HashMap;
use uuid::Uuid;

use crate::PgStore;
use crate::catalog::{IndexedEventRow, ShowRow, VenueRow};
use crate::error::storage;

/// The notification channel of catalog changes.
pub(crate) const CATALOG_CHANNEL: &str = "seatwise_catalog";

/// A catalog row added or replaced, as notified: `event:<id>`,
/// `show:<id>`, `venue:<id>` or `performer:<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CatalogChange {
    /// The event's row: re-upserted.
    Event(EventId),
    /// The show's row: re-added.
    Show(ShowId),
    /// The venue's name, place or zone: each of its shows re-added.
    Venue(VenueId),
    /// The performer's name: each event naming it re-upserted.
    Performer(PerformerId),
}

impl std::fmt::Display for CatalogChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Event(id) => write!(f, "event:{id}"),
            Self::Show(id) => write!(f, "show:{id}"),
            Self::Venue(id) => write!(f, "venue:{id}"),
            Self::Performer(id) => write!(f, "performer:{id}"),
        }
    }
}

impl CatalogChange {
    fn parse(note: &str) -> Option<Self> {
        match note.split_once(':')? {
            ("event", id) => id.parse().ok().map(Self::Event),
            ("show", id) => id.parse().ok().map(Self::Show),
            ("venue", id) => id.parse().ok().map(Self::Venue),
            ("performer", id) => id.parse().ok().map(Self::Performer),
            _ => None,
        }
    }
}

/// A process's search index and the changes it is still to apply.
#[derive(Default)]
pub(crate) struct CatalogIndex {
    /// `None` until the first search builds it.
    index: tokio::sync::RwLock<Option<SearchIndex>>,
    pending: parking_lot::Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    /// Notified, in order.
    changes: Vec<CatalogChange>,
    /// Notifications may have been lost: rebuild.
    missed: bool,
}

impl CatalogIndex {
    /// A notification of a catalog change (from any process, this one too).
    pub(crate) fn changed(&self, note: &str) {
        match CatalogChange::parse(note) {
            Some(change) => self.pending.lock().changes.push(change),
            None => tracing::warn!(note, "unknown catalog change notified"),
        }
    }

    /// This process changed the catalog: its next search applies `change`
    /// without waiting for the notification.
    fn changed_here(&self, change: CatalogChange) {
        self.pending.lock().changes.push(change);
    }

    /// The listener lost its connection.
    pub(crate) fn missed_changes(&self) {
        let mut pending = self.pending.lock();
        pending.missed = true;
        pending.changes.clear();
    }

    fn has_pending(&self) -> bool {
        let pending = self.pending.lock();
        pending.missed || !pending.changes.is_empty()
    }
}

impl PgStore {
    /// Builds this process's search index now, if it is not built: the
    /// first search would otherwise build it from the tables, which takes
    /// seconds at a million shows. A server calls it as it starts.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub async fn prepare_search(&self) -> Result<(), SearchError> {
        self.search_catalog(&SearchQuery::default()).await.map(drop)
    }

    /// Tells every process's search index, this one's first, that
    /// `change` committed.
    pub(crate) fn catalog_changed(&self, change: CatalogChange) {
        self.inner.feed.catalog().changed_here(change);
        self.wakeups().announce_catalog(change);
    }

    /// Runs `query` on the index, brought up to date first.
    pub(crate) async fn search_catalog(
        &self,
        query: &SearchQuery,
    ) -> Result<SearchPage, SearchError> {
        let zone = self.days_zone(query).await?;
        let catalog = self.inner.feed.catalog();
        if !catalog.has_pending()
            && let Some(index) = catalog.index.read().await.as_ref()
        {
            return index.search_in(query, &zone);
        }
        // Changes are taken under the write lock, so they apply in order.
        let mut index = catalog.index.write().await;
        let Pending {
            mut changes,
            missed,
        } = std::mem::take(&mut *catalog.pending.lock());
        // Each re-reads its rows: once is enough (a writer's own change
        // also comes back notified). The first of each keeps the order.
        let mut seen = std::collections::HashSet::new();
        changes.retain(|change| seen.insert(*change));
        let outcome = match index.as_mut() {
            Some(built) if !missed => self.apply(built, &changes).await,
            _ => {
                *index = None;
                self.build().await.map(|built| *index = Some(built))
            }
        };
        if let Err(failure) = outcome {
            // What was taken is lost: rebuild next time.
            catalog.missed_changes();
            return Err(failure.into());
        }
        match index.as_ref() {
            Some(index) => index.search_in(query, &zone),
            None => Ok(SearchPage {
                hits: Vec::new(),
                next: None,
            }),
        }
    }

    /// The zone of `query`'s local days: its city's. Read for every search
    /// with days rather than kept in the index, so it is never stale; UTC
    /// when the city is unknown (its filter then passes nothing anyway).
    async fn days_zone(&self, query: &SearchQuery) -> Result<TimeZone, SearchError> {
        let Some(city) = query
            .city
            .filter(|_| query.first_day.or(query.last_day).is_some())
        else {
            return Ok(TimeZone::utc());
        };
        match self.city(city).await {
            Ok(city) => Ok(city.time_zone),
            Err(CatalogError::Storage(failure)) => Err(failure.into()),
            Err(_) => Ok(TimeZone::utc()),
        }
    }

    /// The index of the whole catalog, from one snapshot taken while the
    /// listener listens (so no later change goes unnoticed).
    async fn build(&self) -> Result<SearchIndex, StorageError> {
        self.inner.feed.listening().await?;
        let started = std::time::Instant::now();
        let mut tx = self.pool().begin().await.map_err(storage)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        let mut venues: HashMap<VenueId, Venue> = HashMap::new();
        let mut rows = sqlx::query_as::<_, VenueRow>("SELECT * FROM venues").fetch(&mut *tx);
        while let Some(row) = rows.try_next().await.map_err(storage)? {
            let venue = row.read().map_err(catalog_failure)?;
            venues.insert(venue.id, venue);
        }
        drop(rows);
        let mut index = SearchIndex::new();
        let mut rows =
            sqlx::query_as::<_, IndexedEventRow>("SELECT doc, performer_names FROM events")
                .fetch(&mut *tx);
        while let Some(row) = rows.try_next().await.map_err(storage)? {
            index.upsert_event(&row.doc.0, &row.performer_names);
        }
        drop(rows);
        let mut rows =
            sqlx::query_as::<_, ShowRow>("SELECT id AS show_id, * FROM shows").fetch(&mut *tx);
        let mut shows = 0usize;
        while let Some(row) = rows.try_next().await.map_err(storage)? {
            let show = row.read();
            if let Some(venue) = venues.get(&show.venue) {
                index.add_show(&show, venue);
                shows += 1;
            }
        }
        drop(rows);
        tx.commit().await.map_err(storage)?;
        tracing::info!(shows, elapsed = ?started.elapsed(), "search index built");
        Ok(index)
    }

    /// Applies notified changes to `index`, reading each row afresh.
    async fn apply(
        &self,
        index: &mut SearchIndex,
        changes: &[CatalogChange],
    ) -> Result<(), StorageError> {
        for change in changes {
            match *change {
                CatalogChange::Event(id) => {
                    self.reindex_events(index, "id = $1", id.as_uuid()).await?;
                }
                CatalogChange::Performer(id) => {
                    let naming = "performer_ids @> ARRAY[$1]::uuid[]";
                    self.reindex_events(index, naming, id.as_uuid()).await?;
                }
                CatalogChange::Venue(id) => {
                    let venue = match self.venue(id).await {
                        Ok(venue) => venue,
                        Err(CatalogError::Storage(failure)) => return Err(failure),
                        Err(_) => continue,
                    };
                    let mut rows = sqlx::query_as::<_, ShowRow>(
                        "SELECT id AS show_id, * FROM shows WHERE venue_id = $1",
                    )
                    .bind(id.as_uuid())
                    .fetch(self.pool());
                    while let Some(row) = rows.try_next().await.map_err(storage)? {
                        index.add_show(&row.read(), &venue);
                    }
                }
                CatalogChange::Show(id) => {
                    let show = match self.show(id).await {
                        Ok(show) => show,
                        Err(CatalogError::Storage(failure)) => return Err(failure),
                        Err(_) => continue,
                    };
                    let venue = self.venue(show.venue).await.map_err(catalog_failure)?;
                    index.add_show(&show, &venue);
                }
            }
        }
        Ok(())
    }
}

impl PgStore {
    /// Re-upserts the events `condition` (on `$1` = `id`) picks, as their
    /// rows are now.
    async fn reindex_events(
        &self,
        index: &mut SearchIndex,
        condition: &str,
        id: Uuid,
    ) -> Result<(), StorageError> {
        let sql = format!("SELECT doc, performer_names FROM events WHERE {condition}");
        let mut rows = sqlx::query_as::<_, IndexedEventRow>(&sql)
            .bind(id)
            .fetch(self.pool());
        while let Some(row) = rows.try_next().await.map_err(storage)? {
            index.upsert_event(&row.doc.0, &row.performer_names);
        }
        Ok(())
    }
}

/// A catalog row that cannot be read back is a storage failure here.
fn catalog_failure(error: CatalogError) -> StorageError {
    match error {
        CatalogError::Storage(failure) => failure,
        other => storage(other),
    }
}
