//! The reservation-core waiting-room scenarios against PostgreSQL: every
//! scenario on a fresh database of its own.

reservation_core::waiting_room_tests!(|policy| async move {
    match storage_postgres::testing::fresh_store(policy).await {
        Ok(store) => store,
        Err(error) => panic!("{error}"),
    }
});
