//! The model-based test (see `reservation_core::testkit::model`) on
//! PostgreSQL: every generated run on a fresh database of its own. 64 runs
//! by default; `SEATWISE_MODEL_CASES` asks for more.

reservation_core::model_tests!(
    |policy| async move {
        match storage_postgres::testing::fresh_store(policy).await {
            Ok(store) => store,
            Err(error) => panic!("{error}"),
        }
    },
    cases = 64
);
