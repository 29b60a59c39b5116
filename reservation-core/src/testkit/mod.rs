//! The behaviour spec as a conformance suite every store must pass
//! (feature `testkit`).
//!
//! Each scenario is a plain `async fn(store)` taking a fresh, empty store
//! built with [`policy()`]; it seeds the [`Fixture`] catalog and asserts one
//! behaviour users rely on. Run them all with [`conformance_tests!`](crate::conformance_tests):
//!
//! ```no_run
//! mod conformance {
//!     reservation_core::conformance_tests!(|policy| async move {
//!         reservation_core::MemoryStore::new(policy)
//!     });
//! }
//! # fn main() {}
//! ```
//!
//! The macro expands to one `#[tokio::test]` per scenario on a multi-threaded
//! runtime, so the calling crate needs `tokio` with the `macros` and
//! `rt-multi-thread` features as a dev-dependency.
//!
//! The suites:
//!
//! - [`conformance_tests!`](crate::conformance_tests): the seat lifecycle,
//!   checkout, the waitlist, events, the catalog, races and a holder's own
//!   activity;
//! - [`waiting_room_tests!`](crate::waiting_room_tests): the on-sale waiting
//!   room, for stores that keep rooms;
//! - [`model_tests!`](crate::model_tests): generated runs checked step by
//!   step against a reference model of the rules ([`model`]).
//!
//! # What is stable
//!
//! The three macros and their calling convention (`$make(policy).await`
//! gives a fresh, empty store) are stable. Scenarios only ever get added:
//! a new release may run more of them, and a store failing a new one has
//! found a bug, not a break. [`Fixture`]'s catalog (its shows, halls and
//! prices) is stable; its helper methods may grow. A unit test fails when a
//! scenario is written but left out of the macros.

pub mod activity;
pub mod catalog;
pub mod checkout;
pub mod concurrency;
pub mod events;
pub mod extension;
pub mod faults;
mod fixture;
pub mod holds;
pub mod model;
pub mod sales;
pub mod updates;
pub mod waiting_room;
pub mod waitlist;
pub mod zones;

pub use fixture::{Fixture, PREMIUM_PRICE, STANDARD_PRICE, card, policy, random_seats};

/// Expands to one test per conformance scenario for the store that `$make`
/// builds: `$make` is called as `$make(policy).await` for every test and
/// must return a fresh, empty store applying `policy`.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@scenarios $make;
            holds::hold_takes_the_seats_with_prices,
            holds::hold_is_all_or_nothing,
            holds::bad_hold_requests_are_refused,
            holds::holder_limit_spans_holds_and_waits,
            holds::hold_expires_lazily_after_grace,
            holds::release_frees_seats_at_once,
            holds::re_holding_does_not_reset_the_countdown,
            holds::best_available_picks_adjacent_seats,
            holds::sales_close_when_the_show_starts,
            extension::extending_a_hold_once_moves_its_expiry,
            extension::only_a_live_hold_can_be_extended,
            extension::extension_moves_the_waitlist_estimate,
            checkout::confirm_books_one_ticket_per_seat,
            checkout::confirm_is_idempotent,
            checkout::releasing_a_paid_hold_names_its_booking,
            checkout::confirm_after_expiry_fails_without_charge,
            checkout::declined_payment_keeps_the_hold,
            checkout::hold_lost_during_payment_is_refunded,
            checkout::cancel_booking_frees_and_refunds,
            checkout::unretried_charge_is_refunded_once_after_expiry,
            checkout::retried_confirm_books_and_is_never_refunded,
            checkout::hold_released_during_payment_is_refunded_once,
            checkout::charge_landing_after_the_sweep_is_refunded_once,
            checkout::uncharged_abandoned_checkout_is_settled_without_refund,
            checkout::completed_booking_is_never_refunded_by_the_sweeper,
            checkout::abandoned_payments_are_claimed_then_settled,
            waitlist::waiting_requires_seats_held_by_others,
            waitlist::freed_seats_go_to_waiters_in_join_order,
            waitlist::a_large_request_does_not_block_a_small_one,
            waitlist::sold_out_waiters_are_dropped,
            waitlist::waits_expire_and_can_be_cancelled,
            waitlist::wait_status_tells_position_and_estimate,
            events::events_are_gap_free_and_replay_to_the_seat_map,
            events::subscribers_resume_then_follow_live,
            events::sweep_expires_due_holds,
            catalog::browse_city_event_venue,
            catalog::catalog_writes_are_checked,
            catalog::search_tolerates_typos,
            updates::updates_are_read_back_and_checked,
            updates::search_follows_renames,
            updates::search_follows_zone_changes,
            zones::search_days_are_the_citys_local_days,
            concurrency::racing_holders_never_double_book,
            concurrency::racing_sweepers_split_abandoned_payments,
            sales::paused_sales_refuse_holds_but_take_payment,
            sales::paused_waits_keep_their_place_until_resumed,
            sales::reschedule_moves_the_start,
            sales::cancel_show_ends_everything_and_refunds_once,
            sales::cancelled_bookings_are_refunded_by_the_sweeper,
            activity::activity_lists_only_the_holders_own,
            activity::activity_is_newest_first_without_ended_holds,
            activity::activity_lists_only_the_latest_bookings,
        );
    };
    (@scenarios $make:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $crate::conformance_tests!(@each $make; $($module::$name),*);
    };
    (@each $make:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let store = ($make)($crate::testkit::policy()).await;
                $crate::testkit::$module::$name(store).await;
            }
        )*
    };
}

/// Expands to one test per waiting-room scenario ([`waiting_room`]) for a
/// store that also implements
/// [`WaitingRoomStore`](crate::waiting_room::WaitingRoomStore); `$make` as
/// for [`conformance_tests!`](crate::conformance_tests).
#[macro_export]
macro_rules! waiting_room_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            waiting_room::the_lobby_draw_is_a_random_permutation,
            waiting_room::after_the_draw_it_is_first_come_first_served,
            waiting_room::pacing_keeps_the_rate,
            waiting_room::the_active_limit_admits_as_shoppers_finish,
            waiting_room::one_place_per_session,
            waiting_room::silent_visitors_lose_their_place,
            waiting_room::the_room_follows_the_inventory,
            waiting_room::holds_need_a_valid_pass,
            waiting_room::an_ended_admission_queues_anew,
            waiting_room::bad_room_requests_are_refused,
            waiting_room::the_room_follows_the_show_sales,
        );
    };
}

/// Expands to a test that checks the store `$make` builds against the
/// [`model`] over `cases` generated runs (256 by default;
/// [`model::CASES_VAR`] overrides either). `$make` is called as
/// `$make(policy).await` for every run and must return a fresh, empty store
/// applying `policy`. A failing run is shrunk and printed.
#[macro_export]
macro_rules! model_tests {
    ($make:expr) => {
        $crate::model_tests!($make, cases = 256);
    };
    ($make:expr, cases = $cases:expr) => {
        #[test]
        fn store_matches_the_model() {
            let mut runner = $crate::testkit::model::runner($cases);
            let outcome = runner.run(&$crate::testkit::model::runs(), |ops| {
                let runtime = ::tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                runtime.block_on(async {
                    let store = ($make)($crate::testkit::model::policy()).await;
                    $crate::testkit::model::check(store, &ops).await
                })
            });
            if let Err(failure) = outcome {
                panic!("{failure}");
            }
        }
    };
}

#[cfg(test)]
mod tests {
    /// Every scenario (a top-level `pub async fn name<S: ...>(store: S)`)
    /// is in one of the macros, so every store runs it.
    #[test]
    fn every_scenario_is_in_a_macro() {
        let macros = include_str!("mod.rs");
        let modules = [
            ("activity", include_str!("activity.rs")),
            ("catalog", include_str!("catalog.rs")),
            ("checkout", include_str!("checkout.rs")),
            ("concurrency", include_str!("concurrency.rs")),
            ("events", include_str!("events.rs")),
            ("extension", include_str!("extension.rs")),
            ("holds", include_str!("holds.rs")),
            ("sales", include_str!("sales.rs")),
            ("updates", include_str!("updates.rs")),
            ("waiting_room", include_str!("waiting_room.rs")),
            ("waitlist", include_str!("waitlist.rs")),
            ("zones", include_str!("zones.rs")),
        ];
        let mut scenarios = 0;
        for (module, source) in modules {
            for line in source.lines() {
                let Some(rest) = line.strip_prefix("pub async fn ") else {
                    continue;
                };
                let Some((name, signature)) = rest.split_once('<') else {
                    continue;
                };
                if !signature.contains("(store: S)") {
                    continue;
                }
                scenarios += 1;
                let listed = format!("{module}::{name},");
                assert!(
                    macros.contains(&listed),
                    "scenario {module}::{name} is in no macro, so no store runs it"
                );
            }
        }
        assert!(scenarios >= 51, "found only {scenarios} scenarios");
    }
}
