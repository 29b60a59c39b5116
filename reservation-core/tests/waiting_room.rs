//! The waiting-room scenarios against the in-memory store.

use reservation_core::MemoryStore;

reservation_core::waiting_room_tests!(|policy| async move { MemoryStore::new(policy) });
