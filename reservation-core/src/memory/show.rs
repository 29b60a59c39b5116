//! One show's seats, holds, bookings and waitlist: the seat lifecycle as a
//! state machine. The memory store keeps one per show behind a mutex, so each
//! method here is one atomic step. The organizer's operations (pausing,
//! rescheduling, cancelling) are in `sales`; a holder's part of their
//! activity in `activity`.

mod activity;
mod extension;
mod sales;

use std::collections::BTreeMap;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::booking::{Booking, BookingStatus, CancelCause, Ticket};
use crate::catalog::{PricedPlan, SeatIndex, Show};
use crate::error::ReservationError;
use crate::events::{Change, EventStream, Sequence, ShowEvent, WaitEnd};
use crate::fast_map::FastMap;
use crate::hold::{Hold, HoldRequest, HoldState, HoldToken, PricedSeat};
use crate::ids::{BookingId, HoldId, HolderId, SeatId, TicketId, WaitId};
use crate::limits::Policy;
use crate::memory::checkouts::Checkouts;
use crate::memory::event_log::EventLog;
use crate::payment::PaymentReceipt;
use crate::sales::SalesState;
use crate::seat_map::{Availability, SeatMap, SeatView};
use crate::seating::choose_seats;
use crate::store::{Checkout, PaymentAttempt};
use crate::waitlist::{
    SeatHolding, Wait, WaitRequest, WaitStatus, Waiter, admission, beyond_reach, serve_in_order,
};

type Secret = [u8; 32];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HoldPhase {
    Active,
    Expired,
    Confirmed(BookingId),
    /// Ended because the show was cancelled.
    Withdrawn,
}

struct HoldRecord {
    id: HoldId,
    holder: HolderId,
    seats: Vec<SeatIndex>,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    /// Extensions used.
    extensions: u8,
    phase: HoldPhase,
}

enum WaitPhase {
    /// In line; the key of its entry in `ShowState::line`.
    Waiting(u64),
    /// Served with the hold behind this secret.
    Offered(Secret),
    Ended(WaitEnd),
}

struct WaitRecord {
    wait: Wait,
    category: Option<u16>,
    phase: WaitPhase,
}

pub(crate) struct ShowState {
    show: Arc<Show>,
    /// The seats with their prices.
    pricing: PricedPlan,
    policy: Policy,
    seats: Vec<SeatHolding>,
    counts: Availability,
    holds: FastMap<Secret, HoldRecord>,
    /// Active holds by the instant the server frees them (`expires_at + grace`).
    deadlines: BTreeMap<(OffsetDateTime, HoldId), Secret>,
    bookings: FastMap<BookingId, Booking>,
    /// Payments begun and not settled.
    checkouts: Checkouts,
    waits: FastMap<WaitId, WaitRecord>,
    /// Waits in line, by join order.
    line: BTreeMap<u64, WaitId>,
    next_in_line: u64,
    /// Seats each holder holds or waits for (the per-holder limit).
    load: FastMap<HolderId, u16>,
    sales: SalesState,
    log: EventLog,
}

impl ShowState {
    pub(crate) fn new(
        show: Arc<Show>,
        pricing: PricedPlan,
        policy: Policy,
        backlog: usize,
    ) -> Self {
        let capacity = pricing.plan().len();
        Self {
            log: EventLog::new(show.id, backlog),
            show,
            pricing,
            policy,
            seats: vec![SeatHolding::Free; capacity],
            counts: Availability {
                available: capacity as u32,
                held: 0,
                booked: 0,
            },
            holds: FastMap::default(),
            deadlines: BTreeMap::new(),
            bookings: FastMap::default(),
            checkouts: Checkouts::default(),
            waits: FastMap::default(),
            line: BTreeMap::new(),
            next_in_line: 0,
            load: FastMap::default(),
            sales: SalesState::OnSale,
        }
    }

    // ---- settling: lazy expiry and the waitlist -------------------------------------------

    /// Brings the show up to `now`: frees holds past `expires_at + grace`,
    /// ends waits past their limit and serves the waitlist. Returns how many
    /// holds and waits it ended.
    pub(crate) fn settle(&mut self, now: OffsetDateTime) -> usize {
        let mut ended = 0;
        while let Some((&(free_at, _), &secret)) = self.deadlines.first_key_value() {
            if free_at > now {
                break;
            }
            self.deadlines.pop_first();
            self.end_hold(&secret, HoldPhase::Expired, now);
            ended += 1;
        }
        while let Some((&order, &wait)) = self.line.first_key_value() {
            // Waits expire in join order: every wait lasts the same `max_wait`.
            if self
                .waits
                .get(&wait)
                .is_some_and(|w| w.wait.expires_at > now)
            {
                break;
            }
            self.line.remove(&order);
            self.end_wait(wait, WaitEnd::Expired, now);
            ended += 1;
        }
        if ended > 0 {
            self.serve_waitlist(now);
        }
        ended
    }

    /// The FCFS policy (see [`crate::waitlist`]): offers free seats to waiters
    /// in join order, then drops waiters who can no longer be served.
    fn serve_waitlist(&mut self, now: OffsetDateTime) {
        // Paused: waits keep their place and freed seats stay free.
        if self.line.is_empty() || !self.sales.is_on_sale() {
            return;
        }
        let waiters = self.waiters();
        let mut free: Vec<bool> = self.seats.iter().map(|s| *s == SeatHolding::Free).collect();
        for (wait_id, seats) in serve_in_order(self.pricing.plan(), &mut free, &waiters) {
            let Some(record) = self.waits.get(&wait_id) else {
                continue;
            };
            let holder = record.wait.holder;
            if let WaitPhase::Waiting(order) = record.phase {
                self.line.remove(&order);
            }
            // The wait's seats become the hold's: the holder's load is unchanged.
            let (secret, hold, seats) = self.create_hold(holder, seats, now);
            if let Some(record) = self.waits.get_mut(&wait_id) {
                record.phase = WaitPhase::Offered(secret);
            }
            self.log.push(
                now,
                Change::Offered {
                    wait: wait_id,
                    hold,
                    seats,
                },
            );
        }
        self.drop_unservable(now);
    }

    /// Ends the waits that fewer seats than they need could ever satisfy:
    /// free seats plus seats held by others, in their category.
    fn drop_unservable(&mut self, now: OffsetDateTime) {
        if self.line.is_empty() {
            return;
        }
        let waiters = self.waiters();
        for id in beyond_reach(self.pricing.plan(), &self.seats, &waiters) {
            if let Some(WaitPhase::Waiting(order)) = self.waits.get(&id).map(|w| &w.phase) {
                self.line.remove(order);
            }
            self.end_wait(id, WaitEnd::SoldOut, now);
        }
    }

    /// The waits in line, in join order.
    fn waiters(&self) -> Vec<Waiter> {
        self.line
            .values()
            .filter_map(|id| self.waits.get(id))
            .map(|w| Waiter {
                id: w.wait.id,
                holder: w.wait.holder,
                count: w.wait.count,
                category: w.category,
            })
            .collect()
    }

    fn end_wait(&mut self, id: WaitId, reason: WaitEnd, now: OffsetDateTime) {
        let Some(record) = self.waits.get_mut(&id) else {
            return;
        };
        record.phase = WaitPhase::Ended(reason);
        let (holder, count) = (record.wait.holder, record.wait.count.get() as u16);
        self.unload(holder, count);
        self.log.push(now, Change::WaitEnded { wait: id, reason });
    }

    // ---- holds ----------------------------------------------------------------------------

    pub(crate) fn hold(
        &mut self,
        request: &HoldRequest,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        self.settle(now);
        self.check_on_sale(now)?;
        let active = self.load.get(&request.holder).copied().unwrap_or(0);
        let slots = &self.seats;
        let seats = choose_seats(&self.pricing, &self.policy, request, active, |i| {
            slots[i.get()]
        })?;
        *self.load.entry(request.holder).or_default() += seats.len() as u16;
        let (secret, hold, seats) = self.create_hold(request.holder, seats, now);
        self.log.push(now, Change::Held { hold, seats });
        self.hold_view(&secret)
            .ok_or(ReservationError::InvalidHoldToken)
    }

    /// Marks `seats` held and records the hold. The caller has checked the
    /// seats are free, accounted for the holder's load, and logs the event.
    fn create_hold(
        &mut self,
        holder: HolderId,
        seats: Vec<SeatIndex>,
        now: OffsetDateTime,
    ) -> (Secret, HoldId, Vec<SeatId>) {
        let (id, token) = HoldToken::issue(self.show.id);
        let secret = *token.secret();
        for seat in &seats {
            self.seats[seat.get()] = SeatHolding::Held(holder);
        }
        let n = seats.len() as u32;
        self.counts.available -= n;
        self.counts.held += n;
        let expires_at = now + self.policy.hold_time;
        self.deadlines
            .insert((expires_at + self.policy.grace, id), secret);
        let ids = self.pricing.seat_ids(&seats);
        self.holds.insert(
            secret,
            HoldRecord {
                id,
                holder,
                seats,
                created_at: now,
                expires_at,
                extensions: 0,
                phase: HoldPhase::Active,
            },
        );
        (secret, id, ids)
    }

    /// Ends an active hold: frees its seats (released or expired) or books them.
    fn end_hold(&mut self, secret: &Secret, phase: HoldPhase, now: OffsetDateTime) {
        let Some(record) = self.holds.get_mut(secret) else {
            return;
        };
        if record.phase != HoldPhase::Active {
            return;
        }
        record.phase = phase;
        let (id, holder) = (record.id, record.holder);
        self.deadlines
            .remove(&(record.expires_at + self.policy.grace, id));
        let slot = match phase {
            HoldPhase::Confirmed(_) => SeatHolding::Booked(holder),
            _ => SeatHolding::Free,
        };
        for seat in &record.seats {
            self.seats[seat.get()] = slot;
        }
        let seats = self.pricing.seat_ids(&record.seats);
        let n = seats.len() as u32;
        self.counts.held -= n;
        match phase {
            HoldPhase::Confirmed(_) => self.counts.booked += n,
            _ => self.counts.available += n,
        }
        self.unload(holder, n as u16);
        let change = match phase {
            HoldPhase::Confirmed(booking) => Change::Booked {
                booking,
                hold: id,
                seats,
            },
            HoldPhase::Expired => Change::Expired { hold: id, seats },
            HoldPhase::Withdrawn => Change::Withdrawn { hold: id, seats },
            HoldPhase::Active => Change::Released { hold: id, seats },
        };
        self.log.push(now, change);
    }

    fn unload(&mut self, holder: HolderId, n: u16) {
        if let Some(load) = self.load.get_mut(&holder) {
            *load = load.saturating_sub(n);
            if *load == 0 {
                self.load.remove(&holder);
            }
        }
    }

    /// The holder's record behind `token`; another holder's looks unknown.
    fn record(&self, token: &HoldToken, holder: HolderId) -> Result<&HoldRecord, ReservationError> {
        self.holds
            .get(token.secret())
            .filter(|r| r.holder == holder)
            .ok_or(ReservationError::InvalidHoldToken)
    }

    /// The holder's active hold behind `token`; an ended one is refused
    /// with why it ended.
    fn active_record(
        &self,
        token: &HoldToken,
        holder: HolderId,
    ) -> Result<&HoldRecord, ReservationError> {
        let record = self.record(token, holder)?;
        match record.phase {
            HoldPhase::Expired => Err(ReservationError::HoldExpired),
            HoldPhase::Withdrawn => Err(self.closed_for_good()),
            HoldPhase::Confirmed(booking) => Err(ReservationError::HoldConfirmed(booking)),
            HoldPhase::Active => Ok(record),
        }
    }

    pub(crate) fn hold_status(
        &mut self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Hold, ReservationError> {
        self.settle(now);
        match self.record(token, holder)?.phase {
            HoldPhase::Expired => return Err(ReservationError::HoldExpired),
            HoldPhase::Withdrawn => return Err(self.closed_for_good()),
            HoldPhase::Active | HoldPhase::Confirmed(_) => {}
        }
        self.hold_view(token.secret())
            .ok_or(ReservationError::InvalidHoldToken)
    }

    pub(crate) fn release(
        &mut self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.settle(now);
        self.active_record(token, holder)?;
        // `Active` as the end phase means "released".
        self.end_hold(token.secret(), HoldPhase::Active, now);
        self.holds.remove(token.secret());
        self.serve_waitlist(now);
        Ok(())
    }

    pub(crate) fn begin_checkout(
        &mut self,
        token: &HoldToken,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Checkout, ReservationError> {
        self.settle(now);
        self.check_not_cancelled()?;
        match self.record(token, holder)?.phase {
            HoldPhase::Expired => Err(ReservationError::HoldExpired),
            HoldPhase::Withdrawn => Err(self.closed_for_good()),
            HoldPhase::Confirmed(booking) => self
                .bookings
                .get(&booking)
                .cloned()
                .map(Checkout::AlreadyBooked)
                .ok_or(ReservationError::UnknownBooking(booking)),
            HoldPhase::Active => {
                let hold = self
                    .hold_view(token.secret())
                    .ok_or(ReservationError::InvalidHoldToken)?;
                let free_at = hold.expires_at + self.policy.grace;
                self.checkouts.begin(hold.id, *token.secret(), free_at);
                Ok(Checkout::Pay(hold))
            }
        }
    }

    pub(crate) fn complete_checkout(
        &mut self,
        token: &HoldToken,
        holder: HolderId,
        receipt: &PaymentReceipt,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        self.settle(now);
        self.check_not_cancelled()?;
        let record = self.record(token, holder)?;
        match record.phase {
            HoldPhase::Expired => return Err(ReservationError::HoldExpired),
            HoldPhase::Withdrawn => return Err(self.closed_for_good()),
            HoldPhase::Confirmed(booking) => {
                return self
                    .bookings
                    .get(&booking)
                    .cloned()
                    .ok_or(ReservationError::UnknownBooking(booking));
            }
            HoldPhase::Active => {}
        }
        let hold_id = record.id;
        let tickets: Vec<Ticket> = record
            .seats
            .iter()
            .map(|&i| Ticket {
                id: TicketId::random(),
                seat: self.pricing.priced(i),
            })
            .collect();
        let booking = Booking {
            id: BookingId::random(),
            show: self.show.id,
            holder,
            hold: hold_id,
            total: self.pricing.total(tickets.iter().map(|t| t.seat.price)),
            tickets,
            payment: receipt.clone(),
            created_at: now,
            status: BookingStatus::Confirmed,
        };
        self.end_hold(token.secret(), HoldPhase::Confirmed(booking.id), now);
        self.bookings.insert(booking.id, booking.clone());
        self.checkouts.settle(hold_id);
        // Fewer seats can free up now: some waiters may be beyond hope.
        self.drop_unservable(now);
        Ok(booking)
    }

    /// Claims up to `limit` payments begun for holds released or expired.
    pub(crate) fn abandoned_payments(
        &mut self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Vec<PaymentAttempt> {
        let holds = &self.holds;
        let is_live = |secret: &Secret| {
            holds.get(secret).is_some_and(|hold| {
                matches!(hold.phase, HoldPhase::Active | HoldPhase::Confirmed(_))
            })
        };
        self.checkouts
            .claim_abandoned(self.show.id, now, limit, is_live)
    }

    pub(crate) fn payment_settled(&mut self, hold: HoldId) {
        self.checkouts.settle(hold);
    }

    // ---- bookings -------------------------------------------------------------------------

    pub(crate) fn booking(
        &self,
        id: BookingId,
        holder: HolderId,
    ) -> Result<Booking, ReservationError> {
        self.bookings
            .get(&id)
            .filter(|b| b.holder == holder)
            .cloned()
            .ok_or(ReservationError::UnknownBooking(id))
    }

    pub(crate) fn cancel_booking(
        &mut self,
        id: BookingId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<Booking, ReservationError> {
        self.settle(now);
        let booking = self
            .bookings
            .get_mut(&id)
            .filter(|b| b.holder == holder)
            .ok_or(ReservationError::UnknownBooking(id))?;
        if booking.status != BookingStatus::Confirmed {
            return Err(ReservationError::BookingAlreadyCancelled(id));
        }
        booking.status = BookingStatus::Cancelled {
            at: now,
            reason: CancelCause::Holder,
        };
        let booking = booking.clone();
        self.free_booking(&booking, now);
        self.serve_waitlist(now);
        Ok(booking)
    }

    /// Frees the seats of a booking just cancelled, with its event.
    fn free_booking(&mut self, booking: &Booking, now: OffsetDateTime) {
        let seats: Vec<SeatId> = booking.tickets.iter().map(|t| t.seat.seat).collect();
        for seat in &seats {
            if let Some(i) = self.pricing.plan().index_of(*seat) {
                self.seats[i.get()] = SeatHolding::Free;
            }
        }
        let n = seats.len() as u32;
        self.counts.booked -= n;
        self.counts.available += n;
        self.log.push(
            now,
            Change::Cancelled {
                booking: booking.id,
                seats,
            },
        );
    }

    // ---- waitlist -------------------------------------------------------------------------

    pub(crate) fn join_waitlist(
        &mut self,
        request: &WaitRequest,
        now: OffsetDateTime,
    ) -> Result<Wait, ReservationError> {
        self.settle(now);
        self.check_on_sale(now)?;
        let category = request
            .category
            .as_ref()
            .map(|c| self.pricing.category_index(c))
            .transpose()?;
        let mut waiting = self.line.values().filter_map(|id| self.waits.get(id));
        if let Some(existing) = waiting.find(|w| w.wait.holder == request.holder) {
            return Err(ReservationError::AlreadyWaiting(existing.wait.id));
        }
        admission(
            self.pricing.plan(),
            &self.seats,
            request.holder,
            request.count,
            category,
        )?;
        let active = self.load.get(&request.holder).copied().unwrap_or(0);
        self.policy.check_holder_limit(active, request.count)?;
        let wait = Wait {
            id: WaitId::random(),
            show: self.show.id,
            holder: request.holder,
            count: request.count,
            category: request.category.clone(),
            joined_at: now,
            // A wait ends when the show starts, at the latest.
            expires_at: (now + self.policy.max_wait).min(self.show.starts_at),
        };
        let order = self.next_in_line;
        self.next_in_line += 1;
        self.line.insert(order, wait.id);
        *self.load.entry(request.holder).or_default() += request.count.get() as u16;
        self.waits.insert(
            wait.id,
            WaitRecord {
                wait: wait.clone(),
                category,
                phase: WaitPhase::Waiting(order),
            },
        );
        self.log.push(
            now,
            Change::WaitJoined {
                wait: wait.id,
                count: request.count.into(),
            },
        );
        Ok(wait)
    }

    pub(crate) fn wait_status(
        &mut self,
        id: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<WaitStatus, ReservationError> {
        self.settle(now);
        let record = self.wait_record(id, holder)?;
        Ok(match &record.phase {
            WaitPhase::Waiting(order) => WaitStatus::Waiting {
                wait: record.wait.clone(),
                position: self.position(*order),
                estimated_offer_at: self.estimate(*order),
            },
            WaitPhase::Offered(secret) => match self.holds.get(secret).map(|h| h.phase) {
                Some(HoldPhase::Active | HoldPhase::Confirmed(_)) => match self.hold_view(secret) {
                    Some(hold) => WaitStatus::Offered { hold },
                    None => WaitStatus::Ended {
                        reason: WaitEnd::Cancelled,
                    },
                },
                Some(HoldPhase::Expired) => WaitStatus::Ended {
                    reason: WaitEnd::Expired,
                },
                Some(HoldPhase::Withdrawn) => WaitStatus::Ended {
                    reason: WaitEnd::ShowCancelled,
                },
                None => WaitStatus::Ended {
                    reason: WaitEnd::Cancelled,
                },
            },
            WaitPhase::Ended(reason) => WaitStatus::Ended { reason: *reason },
        })
    }

    /// When the waiter at `order` would be served if every hold not made for
    /// a waiter ran out unpaid: the free-at instant of the k-th earliest such
    /// hold seat, where k covers the seats of everyone up to and including it.
    fn estimate(&self, order: u64) -> Option<OffsetDateTime> {
        let needed: usize = self
            .line
            .range(..=order)
            .filter_map(|(_, id)| self.waits.get(id))
            .map(|w| w.wait.count.get())
            .sum();
        let free = self.counts.available as usize;
        let missing = needed.saturating_sub(free);
        // Offers to waiters are usually paid: they do not count as freeing.
        let offers: std::collections::HashSet<&Secret> = self
            .waits
            .values()
            .filter_map(|w| match &w.phase {
                WaitPhase::Offered(secret) => Some(secret),
                _ => None,
            })
            .collect();
        let mut freeing: Vec<(OffsetDateTime, usize)> = self
            .deadlines
            .iter()
            .filter(|(_, s)| !offers.contains(s))
            .filter_map(|(&(at, _), s)| Some((at, self.holds.get(s)?.seats.len())))
            .collect();
        freeing.sort_unstable();
        let mut have = 0;
        freeing.into_iter().find_map(|(at, n)| {
            have += n;
            (have >= missing).then_some(at)
        })
    }

    /// The holder's wait `id`; another holder's looks unknown.
    fn wait_record(&self, id: WaitId, holder: HolderId) -> Result<&WaitRecord, ReservationError> {
        self.waits
            .get(&id)
            .filter(|w| w.wait.holder == holder)
            .ok_or(ReservationError::UnknownWait(id))
    }

    pub(crate) fn cancel_wait(
        &mut self,
        id: WaitId,
        holder: HolderId,
        now: OffsetDateTime,
    ) -> Result<(), ReservationError> {
        self.settle(now);
        let record = self.wait_record(id, holder)?;
        let WaitPhase::Waiting(order) = record.phase else {
            return Err(ReservationError::UnknownWait(id));
        };
        self.line.remove(&order);
        self.end_wait(id, WaitEnd::Cancelled, now);
        Ok(())
    }

    // ---- reads ----------------------------------------------------------------------------

    pub(crate) fn seat_map(&mut self, viewer: Option<HolderId>, now: OffsetDateTime) -> SeatMap {
        self.settle(now);
        let seats = SeatView::all(self.pricing.plan(), &self.seats, viewer);
        SeatMap {
            show: self.show.id,
            seq: self.log.last(),
            at: now,
            seats,
            counts: self.counts,
            sales: self.sales.clone(),
        }
    }

    pub(crate) fn availability(&mut self, now: OffsetDateTime) -> Availability {
        self.settle(now);
        self.counts
    }

    /// Appends a change from outside the seat lifecycle (the waiting room's
    /// line) to the show's stream.
    pub(crate) fn record_change(&mut self, now: OffsetDateTime, change: Change) {
        self.log.push(now, change);
    }

    pub(crate) fn events_since(
        &self,
        after: Sequence,
        limit: usize,
    ) -> Result<Vec<ShowEvent>, ReservationError> {
        self.log.since(after, limit)
    }

    pub(crate) fn subscribe(&mut self, after: Sequence) -> Result<EventStream, ReservationError> {
        self.log.subscribe(after)
    }

    // ---- views ----------------------------------------------------------------------------

    fn hold_view(&self, secret: &Secret) -> Option<Hold> {
        let record = self.holds.get(secret)?;
        let seats: Vec<PricedSeat> = record
            .seats
            .iter()
            .map(|&i| self.pricing.priced(i))
            .collect();
        Some(Hold {
            id: record.id,
            token: HoldToken::from_parts(self.show.id, *secret),
            show: self.show.id,
            holder: record.holder,
            total: self.pricing.total(seats.iter().map(|s| s.price)),
            seats,
            created_at: record.created_at,
            expires_at: record.expires_at,
            extensions_left: self
                .policy
                .hold_extensions
                .saturating_sub(record.extensions),
            state: match record.phase {
                HoldPhase::Confirmed(booking) => HoldState::Confirmed(booking),
                _ => HoldState::Active,
            },
        })
    }
}
