//! The document shell and the routes.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::pages::{
    BookingPage, CheckoutPage, CityPage, EventPage, HomePage, RoomPage, SearchPage, ShowPage,
    TicketsPage, VenuePage, WaitPage,
};

/// The HTML document around the app (rendered on the server only), sent
/// with a Content-Security-Policy that allows only this page's own scripts.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Gives this response a fresh script nonce (which the hydration scripts
/// carry) and a policy that allows only scripts with it, WASM, and requests
/// to this origin; no framing.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    leptos::nonce::provide_nonce();
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The storefront.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="seatwise" href="/pkg/seatwise.css"/>
        // Titles carry search words and catalog names, and the server
        // writes them into <title> unescaped: no angle brackets, so no text
        // can close the element.
        <Title formatter=|text: String| text.replace(['<', '>'], "") text="Seatwise"/>
        <Router>
            <header class="top">
                <A href="/">"Seatwise"</A>
                <form action="/search" method="get" role="search" aria-label="Site search">
                    <input name="q" type="search" placeholder="Search events" aria-label="Search events"/>
                </form>
                // Holds, bookings and waits live in the session, not the
                // tab: every page leads back to them.
                <A href="/tickets" attr:class="mine">"My tickets"</A>
            </header>
            <main>
                <Routes fallback=|| view! { <p class="notice">"Page not found."</p> }>
                    // Async: the server sends each page complete, so it reads
                    // fine with JavaScript off.
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/cities/:city") view=CityPage ssr=SsrMode::Async/>
                    <Route path=path!("/events/:event") view=EventPage ssr=SsrMode::Async/>
                    <Route path=path!("/venues/:venue") view=VenuePage ssr=SsrMode::Async/>
                    <Route path=path!("/shows/:show") view=ShowPage ssr=SsrMode::Async/>
                    <Route path=path!("/shows/:show/room") view=RoomPage ssr=SsrMode::Async/>
                    <Route path=path!("/checkout/:token") view=CheckoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/bookings/:booking") view=BookingPage ssr=SsrMode::Async/>
                    <Route path=path!("/waits/:wait") view=WaitPage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/tickets") view=TicketsPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
