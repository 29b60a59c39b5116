//! Time zones on PostgreSQL: migration 0008 gives the cities and venues
//! already stored their zones, the tables keep out what is no zone name,
//! and a stored name the zone database does not know is a storage error,
//! never UTC.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

use std::borrow::Cow;

use reservation_core::catalog::CatalogError;
use reservation_core::catalog::search::{SearchError, SearchQuery};
use reservation_core::testkit::{Fixture, policy};
use reservation_core::{Catalog, CityId};
use sqlx::migrate::Migrator;
use sqlx::{Connection, PgConnection, PgPool};
use storage_postgres::testing::{fresh_store, server_url, with_database};
use storage_postgres::{MIGRATOR, PgStore};
use uuid::Uuid;

/// An empty database with the migrations before 0008 applied.
async fn database_before_time_zones() -> PgPool {
    let name = format!(
        "seatwise_test_{}_{}",
        std::process::id(),
        Uuid::new_v4().simple()
    );
    let mut admin = PgConnection::connect(&server_url()).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let pool = PgPool::connect(&with_database(&server_url(), &name))
        .await
        .unwrap();
    let before = Migrator {
        migrations: Cow::Owned(
            MIGRATOR
                .migrations
                .iter()
                .filter(|m| m.version < 8)
                .cloned()
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    before.run(&pool).await.unwrap();
    pool
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_gives_stored_cities_and_venues_their_zones() {
    let pool = database_before_time_zones().await;
    let cities = [
        ("Wien", "AT", "Europe/Vienna"),
        ("Zürich", "CH", "Europe/Zurich"),
        ("München", "DE", "Europe/Berlin"),
        ("Paris", "FR", "Europe/Paris"),
        // Not a demo city (and not the demo's Paris): UTC.
        ("Paris", "US", "UTC"),
        ("Springfield", "US", "UTC"),
    ];
    for (name, country, _) in cities {
        let id = CityId::from_name(&format!("{name}/{country}"));
        sqlx::query("INSERT INTO cities (id, name, country, lat, lon) VALUES ($1, $2, $3, 0, 0)")
            .bind(id.as_uuid())
            .bind(name)
            .bind(country)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO venues (id, city_id, name, address, postal_code, lat, lon)
             VALUES ($1, $2, 'Kino', '', '', 0, 0)",
        )
        .bind(Uuid::new_v4())
        .bind(id.as_uuid())
        .execute(&pool)
        .await
        .unwrap();
    }
    MIGRATOR.run(&pool).await.unwrap();
    let store = PgStore::from_pool(pool, policy()).await.unwrap();
    for (name, country, zone) in cities {
        let city = store
            .city(CityId::from_name(&format!("{name}/{country}")))
            .await
            .unwrap();
        assert_eq!(city.time_zone.name(), zone, "{name}, {country}");
        let venues = store.venues_in_city(city.id).await.unwrap();
        assert_eq!(venues.len(), 1);
        assert_eq!(venues[0].time_zone.name(), zone, "a venue in {name}");
    }
}

async fn fixture() -> Fixture<PgStore> {
    Fixture::seed(fresh_store(policy()).await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_stored_zone_is_a_storage_error() {
    let f = fixture().await;
    let pool = f.store.pool();
    sqlx::query("UPDATE venues SET time_zone = 'Mars/Olympus'")
        .execute(pool)
        .await
        .unwrap();
    assert!(matches!(
        f.store.venue(f.venue).await,
        Err(CatalogError::Storage(_))
    ));
    let from = f.now();
    assert!(matches!(
        f.store.showtimes(f.event, f.city, from).await,
        Err(CatalogError::Storage(_))
    ));
    sqlx::query("UPDATE cities SET time_zone = 'Europe/Atlantis'")
        .execute(pool)
        .await
        .unwrap();
    assert!(matches!(
        f.store.city(f.city).await,
        Err(CatalogError::Storage(_))
    ));
    assert!(matches!(
        f.store.cities().await,
        Err(CatalogError::Storage(_))
    ));
    let by_day = SearchQuery {
        city: Some(f.city),
        first_day: Some(from.date()),
        ..SearchQuery::default()
    };
    assert!(matches!(
        f.store.search(&by_day).await,
        Err(SearchError::Storage(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tables_refuse_what_is_no_zone_name() {
    let f = fixture().await;
    for (sql, constraint) in [
        ("UPDATE cities SET time_zone = ''", "cities_time_zone_name"),
        (
            "UPDATE venues SET time_zone = 'Europe/Vienna; DROP TABLE venues'",
            "venues_time_zone_name",
        ),
        ("UPDATE venues SET time_zone = NULL", "venues"),
    ] {
        let refused = sqlx::query(sql).execute(f.store.pool()).await.unwrap_err();
        let refused = refused.as_database_error().unwrap();
        let named = refused.constraint().or(refused.table()).unwrap_or_default();
        assert_eq!(named, constraint, "{sql}");
    }
}
