//! Focus after a page change without a reload (WCAG 2.4.3): a page's
//! heading takes the focus when the page was reached by client-side
//! navigation, so keyboard and screen reader users start on the new page
//! instead of on `<body>`. Every page renders its `<h1>` as
//! [`PageHeading`].
//!
//! The page the browser loaded first keeps the browser's own focus: moving
//! it on load would skip the header for everyone.

use leptos::prelude::*;

/// The page's `<h1>` (with `tabindex="-1"`, so it can be focused), focused
/// when the visitor navigated here within the app.
#[component]
pub fn PageHeading(children: Children) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H1>::new();
    // The router's location, not the window's: the new page renders
    // before the address bar changes.
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let here = format!(
            "{}{}",
            location.pathname.get_untracked(),
            location.search.get_untracked()
        );
        if let Some(h1) = heading.get()
            && arrived_by_navigation(&here)
        {
            focus_once_attached(h1, FOCUS_TRIES);
        }
    });
    view! { <h1 tabindex="-1" node_ref=heading>{children()}</h1> }
}

/// How many animation frames the heading may take to be attached.
const FOCUS_TRIES: u8 = 10;

/// Focuses `h1` once it is in the document: a page under `<Suspense>`
/// renders its content before attaching it.
#[cfg(feature = "hydrate")]
fn focus_once_attached(h1: web_sys::HtmlHeadingElement, tries: u8) {
    if h1.is_connected() {
        // Focusing an attached element does not fail.
        let _ = h1.focus();
    } else if tries > 0 {
        request_animation_frame(move || focus_once_attached(h1, tries - 1));
    }
}

/// Effects never run on the server.
#[cfg(not(feature = "hydrate"))]
fn focus_once_attached<T>(_h1: T, _tries: u8) {}

#[cfg(feature = "hydrate")]
static LANDING_PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Notes the page (path and query) the browser loaded; call once, before
/// hydrating.
#[cfg(feature = "hydrate")]
pub fn remember_landing_page() {
    let landing = web_sys::window().and_then(|w| {
        let location = w.location();
        Some(format!(
            "{}{}",
            location.pathname().ok()?,
            location.search().ok()?
        ))
    });
    if let Some(landing) = landing {
        let _ = LANDING_PAGE.set(landing);
    }
}

/// Whether `here` (path and query) is not the page the browser loaded.
#[cfg(feature = "hydrate")]
fn arrived_by_navigation(here: &str) -> bool {
    LANDING_PAGE.get().is_some_and(|landing| landing != here)
}

/// Effects never run on the server.
#[cfg(not(feature = "hydrate"))]
fn arrived_by_navigation(_here: &str) -> bool {
    false
}
