//! The model-based test (see `reservation_core::testkit::model`) on the
//! in-memory store.

use reservation_core::MemoryStore;

reservation_core::model_tests!(|policy| async move { MemoryStore::new(policy) });
