//! Events by the start times of their shows, to list events in start order
//! without looking at every event: a search without text walks a timeline
//! (all shows, or one city's) from the first position it can show.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::vocabulary::Slot;
use crate::ids::EventId;

/// A position: a show's start (Unix nanoseconds) and its event. In this
/// order an event's hit, found at its first passing show, comes exactly in
/// start-time result order (start, then event id).
pub(super) type Position = (i128, EventId);

/// A multiset of (start of a show, its event), in order.
#[derive(Debug, Default)]
pub(super) struct Timeline {
    /// The event's slot and how many of its shows start then.
    entries: BTreeMap<Position, (Slot, u32)>,
}

impl Timeline {
    /// Adds a show of event `id` (at `slot`) starting at `start_ns`.
    pub(super) fn add(&mut self, start_ns: i128, id: EventId, slot: Slot) {
        self.entries.entry((start_ns, id)).or_insert((slot, 0)).1 += 1;
    }

    /// Removes a show added with [`Timeline::add`].
    pub(super) fn remove(&mut self, start_ns: i128, id: EventId) {
        let key = (start_ns, id);
        if let Some((_, count)) = self.entries.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                self.entries.remove(&key);
            }
        }
    }

    /// The positions from `from` on, each with its event's slot and how
    /// many of its shows start then, in order: an event shows up once per
    /// start time it has shows at.
    pub(super) fn walk(
        &self,
        from: Bound<Position>,
    ) -> impl Iterator<Item = (Position, Slot, u32)> + '_ {
        self.entries
            .range((from, Bound::Unbounded))
            .map(|(position, (slot, count))| (*position, *slot, *count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_in_position_order_and_counts_shows() {
        let (a, b) = (EventId::random(), EventId::random());
        let (low, high) = (a.min(b), a.max(b));
        let mut t = Timeline::default();
        t.add(5, high, 1);
        t.add(5, high, 1);
        t.add(5, low, 2);
        t.add(-3, high, 1);
        let all = |t: &Timeline, from| t.walk(from).collect::<Vec<_>>();
        assert_eq!(
            all(&t, Bound::Unbounded),
            vec![((-3, high), 1, 1), ((5, low), 2, 1), ((5, high), 1, 2)]
        );
        assert_eq!(all(&t, Bound::Excluded((5, low))), vec![((5, high), 1, 2)]);
        t.remove(5, high);
        assert_eq!(all(&t, Bound::Included((0, low))).len(), 2);
        t.remove(5, high);
        t.remove(5, high);
        assert_eq!(all(&t, Bound::Included((0, low))), vec![((5, low), 2, 1)]);
    }
}
