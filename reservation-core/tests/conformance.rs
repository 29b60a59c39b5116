//! The conformance suite on the in-memory store.

use reservation_core::MemoryStore;

reservation_core::conformance_tests!(|policy| async move { MemoryStore::new(policy) });
