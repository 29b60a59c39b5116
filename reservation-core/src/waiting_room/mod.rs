//! The on-sale waiting room: a fair line when a whole city wants the same
//! show at once.
//!
//! # Policy
//!
//! An organizer switches a room on for a show ([`RoomConfig`]): when the
//! lobby opens, when the sale opens, the [`Pace`] of admission and how long
//! an admission and a silent visitor's place last. While a room is on, every
//! hold and wait on the show needs an admission pass
//! ([`WaitingRoom::check`], which [`Reservations`](crate::Reservations)
//! calls when given a room); before the sale opens nobody has one.
//!
//! 1. **Lobby.** Everyone who joins before the sale opens draws a secret
//!    random key (from a CSPRNG). When the sale opens, their places are the
//!    order of their keys: a uniformly random permutation, so arriving
//!    earlier and earlier stops paying off.
//! 2. **Queue.** After the draw, arrivals line up behind everyone already
//!    there in arrival order; a later arrival is never ahead of an earlier one.
//! 3. **One place per session.** Joining again while the place is live
//!    returns it. A visitor who does not check in (a status read) for the
//!    grace period loses the place; one who is back within it keeps it.
//! 4. **Admission** goes in line order, as the pace allows (at most N active
//!    shoppers and/or M a minute, see [`Pacer`]), and never beyond one
//!    shopper per free seat. An admission lasts its window for getting a
//!    hold, whatever happens to holds and payments in it; a booking uses it
//!    up (freeing the slot for the next in line); holds made in it run their
//!    usual time.
//! 5. **Inventory.** Everyone sees the free and held seats beside the people
//!    ahead. When no seat is free but some are held, admission pauses and
//!    the line keeps its order ([`RoomPhase::AllHeld`]); when every seat is
//!    booked the room says so to everyone at once ([`RoomPhase::SoldOut`]);
//!    either reopens if seats come back.
//! 6. **Estimates** are a range from the admission rate observed over about
//!    a minute ([`EtaRange`]).
//! 7. **The organizer's word.** While the show's sales are paused the line
//!    takes joins and keeps its order but admits nobody; when the show is
//!    cancelled (or starts) the room closes and joins are refused with
//!    [`RoomError::SalesClosed`], saying why. A moved show's room goes by
//!    its new start.
//!
//! Every change of a line (the draw, admissions, drops, phase changes) is a
//! [`Change::Line`](crate::Change::Line) event on the show's stream, so
//! pages move without polling everyone.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use reservation_core::testkit::Fixture;
//! use reservation_core::waiting_room::*;
//! use reservation_core::*;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A store with a show, a clock stopped at a fixed instant.
//! let f = Fixture::seed(MemoryStore::default()).await;
//! let rooms = WaitingRoom::new(f.store.clone(), Arc::new(f.clock.clone()), AdmissionSigner::random());
//! let engine = f.engine.clone().with_waiting_room(rooms.clone());
//!
//! // The organizer: lobby open now, sale in a minute, 100 shoppers at a time.
//! let now = f.now();
//! let config = RoomConfig::new(now, now + time::Duration::minutes(1), Pace::new(Some(100), None)?)?;
//! rooms.open(f.show, config).await?;
//!
//! // A visitor waits in the lobby (checking in at least every 2 minutes, or
//! // losing the place); once the sale opens the pacer admits them.
//! let me = HolderId::random();
//! assert_eq!(rooms.join(f.show, me).await?.place.standing, Standing::Lobby);
//! f.advance(time::Duration::minutes(1));
//! rooms.pace().await?;
//! let pass = rooms.status(f.show, me).await?.admission.expect("admitted").token;
//!
//! // Holding seats needs the pass while the room is on.
//! let best_two = SeatSelection::BestAvailable { count: SeatCount::new(2)?, filter: SeatFilter::default() };
//! let request = HoldRequest::new(f.show, me, best_two);
//! assert!(matches!(engine.hold(&request).await, Err(ReservationError::Admission(AdmissionError::Required))));
//! let hold = engine.hold_admitted(&request, Some(&pass)).await?;
//! assert_eq!(hold.seats.len(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! # Parts
//!
//! The policy's pure core is [`Pacer`], [`ObservedRate`], [`EtaRange`] and
//! the line state machine the memory store runs; [`WaitingRoomStore`] is the
//! port a store implements; [`WaitingRoom`] wires a store to a clock and an
//! [`AdmissionSigner`].

mod admission;
mod config;
pub(crate) mod line;
mod pacer;
mod port;
mod room;
mod status;

pub use admission::{AdmissionError, AdmissionSigner};
pub use config::{DEFAULT_ADMISSION_WINDOW, DEFAULT_GRACE, Pace, RoomConfig, RoomConfigError};
pub use pacer::{EtaRange, ObservedRate, Occupancy, Pacer};
pub use port::{RoomError, WaitingRoomStore};
pub use room::{AdmissionPass, ROOM_CACHE_TTL, RoomStatus, WaitingRoom};
pub use status::{LineView, Place, RoomPhase, Standing};
