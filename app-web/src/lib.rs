//! The Seatwise storefront: Leptos components rendered on the server
//! (feature `ssr`, used by `app-server`) and hydrated in the browser
//! (feature `hydrate`, compiled to WASM). Never enable both.
//!
//! Pages load data through server functions ([`data`]), which call the
//! reservation library on the server; the browser bundle only knows the small
//! view types they return, so it stays free of the library and small.
//!
//! # Layout
//!
//! - [`app`]: the document shell and the routes; [`pages`]: one module per
//!   page.
//! - [`data`]: the server functions and the view types they return, one
//!   module per page or concern (catalog, event, show, hold, checkout,
//!   wait, room, search, tickets); what only the server needs (the `Backend` in
//!   context, the visitor, the `HoldGate` the hold functions ask) is in
//!   its `server` module, built with `ssr` alone.
//! - [`focus`]: a page's heading takes the focus after a client-side page
//!   change.
//! - [`live`]: a show's Server-Sent Events as seat states; [`admission`]:
//!   how a waiting room's admission pass travels (header or cookie).
//! - [`refusal`]: what a failed server function answers, and (with `ssr`)
//!   each refusal's status and code, shared with the REST API.

pub mod admission;
pub mod app;
pub mod data;
pub mod focus;
pub mod live;
pub mod pages;
pub mod refusal;

#[cfg(feature = "ssr")]
pub use data::{Backend, ClientOrigin, HoldGate, Visitor};

/// Browser entry point: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    focus::remember_landing_page();
    leptos::mount::hydrate_body(app::App);
}
