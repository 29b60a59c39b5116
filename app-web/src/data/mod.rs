//! What pages show, and the server functions that fetch it: one module per
//! page or concern, each with the view types its server functions return.
//! The view types are plain data the browser can decode without the
//! reservation library; what only the server needs (the backend, the
//! visitor, turning refusals into messages) is in `server`, compiled with
//! feature `ssr` alone.
//!
//! Every server function names its endpoint: the default endpoint carries a
//! hash of the checkout's path, so a bundle and a server built from two
//! checkouts (or machines) would not find each other.

mod catalog;
mod checkout;
mod event;
mod hold;
#[cfg(feature = "ssr")]
mod local_time;
mod resource;
mod room;
mod search;
#[cfg(feature = "ssr")]
mod server;
mod show;
mod tickets;
mod wait;

use crate::refusal::Refusal;

pub use catalog::*;
pub use checkout::*;
pub use event::*;
pub use hold::*;
pub use resource::{JsonAsBytes, page_resource};
pub use room::*;
pub use search::*;
#[cfg(feature = "ssr")]
pub use server::{Backend, ClientOrigin, HoldGate, Visitor};
pub use show::*;
pub use tickets::*;
pub use wait::*;

/// What a failed server function says, for people: the refusal's own
/// message (a rate limit's says when to try again).
pub fn message(error: &Refusal) -> String {
    error.message.clone()
}

/// "1 seat", "2 seats": a count with its noun, singular for one.
pub fn count(n: impl std::fmt::Display, thing: &str) -> String {
    match n.to_string() {
        one if one == "1" => format!("1 {thing}"),
        n => format!("{n} {thing}s"),
    }
}
