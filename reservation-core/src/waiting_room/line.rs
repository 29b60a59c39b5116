//! One room's line as a state machine: the policy of the module doc, step
//! by step, with no I/O. The memory store keeps one per room behind a
//! mutex; it is also the model the other stores are checked against.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use super::config::RoomConfig;
use super::pacer::{EtaRange, ObservedRate, Occupancy, Pacer};
use super::port::RoomError;
use super::status::{LineView, Place, RoomPhase, Standing};
use crate::fast_map::FastMap;
use crate::ids::{HolderId, ShowId};
use crate::sales::ClosedReason;
use crate::seat_map::Availability;

#[derive(Debug, Clone, Copy)]
enum State {
    /// Waiting for the draw with a secret random key.
    Lobby {
        key: u64,
    },
    Queued {
        number: u64,
    },
    Admitted {
        until: OffsetDateTime,
    },
    Ended(Standing),
}

#[derive(Debug)]
struct Visitor {
    state: State,
    last_seen: OffsetDateTime,
}

/// The line of one show's room.
#[derive(Debug)]
pub(crate) struct Line {
    show: ShowId,
    config: RoomConfig,
    phase: RoomPhase,
    drawn: bool,
    visitors: FastMap<HolderId, Visitor>,
    in_lobby: u64,
    /// Queued visitors by number; numbers are dense from 1 in admission order.
    queue: BTreeMap<u64, HolderId>,
    /// 1 at each queued number: people ahead of a number in O(log n).
    ranks: Fenwick,
    /// Running admissions by their end.
    admissions: BTreeSet<(OffsetDateTime, HolderId)>,
    admitted: u64,
    pacer: Pacer,
    rate: ObservedRate,
}

impl Line {
    pub(crate) fn new(show: ShowId, config: RoomConfig, now: OffsetDateTime) -> Self {
        Self {
            show,
            config,
            phase: RoomPhase::Lobby,
            drawn: false,
            visitors: FastMap::default(),
            in_lobby: 0,
            queue: BTreeMap::new(),
            ranks: Fenwick::default(),
            admissions: BTreeSet::new(),
            admitted: 0,
            pacer: Pacer::new(config.pace(), config.sale_opens_at().max(now)),
            rate: ObservedRate::new(config.sale_opens_at().max(now)),
        }
    }

    /// The settings, if the room is on.
    pub(crate) fn config(&self) -> Option<RoomConfig> {
        (self.phase != RoomPhase::Closed).then_some(self.config)
    }

    /// New settings for the same line (switching a closed room on again).
    pub(crate) fn reconfigure(&mut self, config: RoomConfig) {
        self.config = config;
        if self.phase == RoomPhase::Closed {
            self.phase = if self.drawn {
                RoomPhase::Selling
            } else {
                RoomPhase::Lobby
            };
        }
    }

    pub(crate) fn close(&mut self) {
        self.phase = RoomPhase::Closed;
    }

    pub(crate) fn view(&self, seats: Availability) -> LineView {
        LineView {
            phase: self.phase,
            sale_opens_at: self.config.sale_opens_at(),
            waiting: self.in_lobby + self.queue.len() as u64,
            active: self.admissions.len() as u32,
            admitted: self.admitted,
            seats_free: seats.available,
            seats_held: seats.held,
        }
    }

    fn snapshot(&self, standing: Standing, seats: Availability) -> Place {
        Place {
            show: self.show,
            line: self.view(seats),
            standing,
        }
    }

    /// Assigns the lobby its places, uniformly at random (by the keys drawn
    /// from a CSPRNG at join), once the sale is open. Visitors silent past
    /// the grace are dropped first. Returns whether it drew.
    pub(crate) fn draw_if_due(&mut self, now: OffsetDateTime) -> bool {
        if self.drawn || now < self.config.sale_opens_at() {
            return false;
        }
        self.drawn = true;
        self.phase = RoomPhase::Selling;
        let silent_since = now - self.config.grace();
        let mut lobby = Vec::with_capacity(self.in_lobby as usize);
        for (id, visitor) in &mut self.visitors {
            if let State::Lobby { key } = visitor.state {
                if visitor.last_seen < silent_since {
                    visitor.state = State::Ended(Standing::Dropped);
                } else {
                    lobby.push((key, *id));
                }
            }
        }
        self.in_lobby = 0;
        lobby.sort_unstable();
        for (_, id) in lobby {
            self.enqueue(id);
        }
        true
    }

    fn enqueue(&mut self, id: HolderId) {
        let number = self.ranks.len() + 1;
        self.ranks.push(1);
        self.queue.insert(number, id);
        if let Some(visitor) = self.visitors.get_mut(&id) {
            visitor.state = State::Queued { number };
        }
    }

    /// Joins, or returns the live place; a check-in either way.
    pub(crate) fn join(
        &mut self,
        id: HolderId,
        now: OffsetDateTime,
        seats: Availability,
    ) -> Result<Place, RoomError> {
        if self.phase == RoomPhase::Closed {
            return Err(RoomError::NoRoom(self.show));
        }
        if now < self.config.lobby_opens_at() {
            return Err(RoomError::LobbyNotOpen {
                opens_at: self.config.lobby_opens_at(),
            });
        }
        self.draw_if_due(now);
        let live = self
            .visitors
            .get(&id)
            .is_some_and(|v| self.standing_of(v, now).is_live());
        if !live {
            // An admission that ran out but was not yet ended by a pace ends now.
            self.end(id, Standing::AdmissionEnded);
            let state = if self.drawn {
                State::Queued { number: 0 }
            } else {
                self.in_lobby += 1;
                // ThreadRng: ChaCha12 seeded from the OS, a CSPRNG.
                State::Lobby {
                    key: rand::random(),
                }
            };
            self.visitors.insert(
                id,
                Visitor {
                    state,
                    last_seen: now,
                },
            );
            if self.drawn {
                self.enqueue(id);
            }
        }
        self.place(id, now, seats)
    }

    /// Where `id` stands; a check-in.
    pub(crate) fn place(
        &mut self,
        id: HolderId,
        now: OffsetDateTime,
        seats: Availability,
    ) -> Result<Place, RoomError> {
        if self.phase == RoomPhase::Closed {
            return Err(RoomError::NoRoom(self.show));
        }
        self.draw_if_due(now);
        let visitor = self.visitors.get_mut(&id).ok_or(RoomError::NotInLine)?;
        visitor.last_seen = visitor.last_seen.max(now);
        let visitor = &self.visitors[&id];
        Ok(self.snapshot(self.standing_of(visitor, now), seats))
    }

    fn standing_of(&self, visitor: &Visitor, now: OffsetDateTime) -> Standing {
        match visitor.state {
            State::Lobby { .. } => Standing::Lobby,
            State::Queued { number } => {
                let ahead = self.ranks.prefix(number - 1);
                Standing::Queued {
                    position: ahead + 1,
                    ahead,
                    eta: EtaRange::estimate(ahead, now, &self.rate, self.config.pace()),
                }
            }
            State::Admitted { until } if until > now => Standing::Admitted { until },
            State::Admitted { .. } => Standing::AdmissionEnded,
            State::Ended(standing) => standing,
        }
    }

    /// Ends `id`'s place with `standing`; whether it had a live one.
    fn end(&mut self, id: HolderId, standing: Standing) -> bool {
        let Some(visitor) = self.visitors.get_mut(&id) else {
            return false;
        };
        match visitor.state {
            State::Lobby { .. } => self.in_lobby -= 1,
            State::Queued { number } => {
                self.queue.remove(&number);
                self.ranks.add(number, -1);
            }
            State::Admitted { until } => {
                self.admissions.remove(&(until, id));
            }
            State::Ended(_) => return false,
        }
        visitor.state = State::Ended(standing);
        true
    }

    pub(crate) fn leave(&mut self, id: HolderId) -> Result<(), RoomError> {
        if self.phase == RoomPhase::Closed {
            return Err(RoomError::NoRoom(self.show));
        }
        if !self.visitors.contains_key(&id) {
            return Err(RoomError::NotInLine);
        }
        self.end(id, Standing::Left);
        Ok(())
    }

    pub(crate) fn finish(&mut self, id: HolderId) {
        if self
            .visitors
            .get(&id)
            .is_some_and(|v| matches!(v.state, State::Admitted { .. }))
        {
            self.end(id, Standing::Finished);
        }
    }

    /// Moves the line to `now` (see `WaitingRoomStore::pace_rooms`).
    /// Returns how many it admitted and whether the line changed.
    pub(crate) fn tick(
        &mut self,
        now: OffsetDateTime,
        seats: Availability,
        closed: Option<ClosedReason>,
    ) -> (u64, bool) {
        if self.phase == RoomPhase::Closed {
            return (0, false);
        }
        if matches!(
            closed,
            Some(ClosedReason::Started | ClosedReason::Cancelled)
        ) {
            self.phase = RoomPhase::Closed;
            return (0, true);
        }
        let before = (
            self.phase,
            self.in_lobby,
            self.queue.len(),
            self.admissions.len(),
        );
        let mut changed = self.draw_if_due(now);
        let silent_since = now - self.config.grace();
        let silent: Vec<HolderId> = self
            .visitors
            .iter()
            .filter(|(_, v)| {
                v.last_seen < silent_since
                    && matches!(v.state, State::Lobby { .. } | State::Queued { .. })
            })
            .map(|(id, _)| *id)
            .collect();
        for id in silent {
            self.end(id, Standing::Dropped);
        }
        while self
            .admissions
            .first()
            .is_some_and(|(until, _)| *until <= now)
        {
            if let Some((_, id)) = self.admissions.pop_first()
                && let Some(visitor) = self.visitors.get_mut(&id)
            {
                visitor.state = State::Ended(Standing::AdmissionEnded);
            }
        }
        let mut admitted = 0;
        if self.drawn {
            self.phase = if seats.available > 0 {
                RoomPhase::Selling
            } else if seats.held > 0 {
                RoomPhase::AllHeld
            } else {
                RoomPhase::SoldOut
            };
            let pace = self.config.pace();
            // While sales are paused the line keeps its order, admitting nobody.
            if self.phase == RoomPhase::Selling && closed.is_none() {
                let occupancy = Occupancy {
                    active: self.admissions.len() as u32,
                    free_seats: seats.available,
                };
                let allowance = self.pacer.allowance(pace, now, occupancy);
                while admitted < allowance {
                    let Some((number, id)) = self.queue.pop_first() else {
                        break;
                    };
                    self.ranks.add(number, -1);
                    let until = now + self.config.admission_window();
                    self.admissions.insert((until, id));
                    if let Some(visitor) = self.visitors.get_mut(&id) {
                        visitor.state = State::Admitted { until };
                    }
                    admitted += 1;
                }
            }
            self.pacer.spend(pace, now, admitted);
            self.rate.record(now, admitted);
            self.admitted += u64::from(admitted);
        }
        changed |= before
            != (
                self.phase,
                self.in_lobby,
                self.queue.len(),
                self.admissions.len(),
            );
        (u64::from(admitted), changed)
    }
}

/// A Fenwick tree of counts over numbers 1, 2, ... that grows at the end.
#[derive(Debug, Default)]
struct Fenwick {
    /// `tree[i - 1]` covers the numbers `(i - lowbit(i), i]`.
    tree: Vec<i64>,
}

fn lowbit(i: u64) -> u64 {
    i & i.wrapping_neg()
}

impl Fenwick {
    fn len(&self) -> u64 {
        self.tree.len() as u64
    }

    /// Appends number `len() + 1` with `value`.
    fn push(&mut self, value: i64) {
        let i = self.len() + 1;
        let covered = self.prefix_sum(i - 1) - self.prefix_sum(i - lowbit(i));
        self.tree.push(value + covered);
    }

    fn add(&mut self, mut i: u64, delta: i64) {
        while i >= 1 && i <= self.len() {
            self.tree[(i - 1) as usize] += delta;
            i += lowbit(i);
        }
    }

    fn prefix_sum(&self, mut i: u64) -> i64 {
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[(i - 1) as usize];
            i -= lowbit(i);
        }
        sum
    }

    /// How many are counted at numbers 1..=i.
    fn prefix(&self, i: u64) -> u64 {
        self.prefix_sum(i.min(self.len())).max(0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waiting_room::Pace;
    use time::Duration;
    use time::macros::datetime;

    #[test]
    fn the_lobby_draw_gives_every_arrival_every_place_equally_often() {
        const T0: OffsetDateTime = datetime!(2030-01-01 10:00 UTC);
        let seats = Availability {
            available: 10,
            held: 0,
            booked: 0,
        };
        let config = RoomConfig::new(
            T0,
            T0 + Duration::minutes(1),
            Pace::new(Some(1), None).unwrap(),
        )
        .unwrap();
        // counts[arrival][place - 1]
        let mut counts = [[0u32; 4]; 4];
        for _ in 0..4000 {
            let mut line = Line::new(ShowId::random(), config, T0);
            let visitors: Vec<HolderId> = (0..4).map(|_| HolderId::random()).collect();
            for v in &visitors {
                line.join(*v, T0, seats).unwrap();
            }
            let open = T0 + Duration::minutes(1);
            for (arrival, v) in visitors.iter().enumerate() {
                match line.place(*v, open, seats).unwrap().standing {
                    Standing::Queued { position, .. } => {
                        counts[arrival][position as usize - 1] += 1
                    }
                    other => panic!("queued after the draw, not {other:?}"),
                }
            }
        }
        // 1,000 expected in each cell; 6 standard deviations either side.
        for row in counts {
            for n in row {
                assert!((830..=1170).contains(&n), "{counts:?}");
            }
        }
    }

    #[test]
    fn fenwick_counts_what_is_left_before_a_number() {
        let mut f = Fenwick::default();
        for _ in 0..1000 {
            f.push(1);
        }
        let removed = [1u64, 7, 8, 500, 999];
        for &n in &removed {
            f.add(n, -1);
        }
        for i in [0u64, 1, 6, 7, 8, 9, 499, 500, 1000] {
            let expected = i - removed.iter().filter(|&&n| n <= i).count() as u64;
            assert_eq!(f.prefix(i), expected, "prefix({i})");
        }
        f.push(1);
        assert_eq!(f.prefix(1001), 1001 - removed.len() as u64);
    }
}
