//! The hash maps of the hot path: foldhash (what hashbrown itself defaults
//! to) instead of SipHash. It is seeded per process, so client-chosen keys
//! (holder ids come from cookies) cannot be aimed at one bucket.

/// A `HashMap` with the fast hasher.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `DashMap` with the fast hasher.
pub(crate) type FastDashMap<K, V> = dashmap::DashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` with the fast hasher.
pub(crate) type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
