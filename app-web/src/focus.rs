//! Focus after a page change without a reload (WCAG 2.4.3): a page's
//! heading takes the focus when the page was reached by client-side
//! navigation, so keyboard and screen reader users start on the new page
//! instead of on `<body>`. A page opts in by rendering its `<h1>` as
//! [`PageHeading`]; page titles are another helper's business.
//!
//! The page the browser loaded first keeps the browser's own focus: moving
//! it on load would skip the header for everyone.

use leptos::prelude::*;

/// The page's `<h1>` (with `tabindex="-1"`, so it can be focused), focused
/// when the visitor navigated here within the app.
#[component]
pub fn PageHeading(children: Children) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H1>::new();
    Effect::new(move |_| {
        if let Some(h1) = heading.get()
            && arrived_by_navigation()
        {
            // Focusing can only fail on a detached node: nothing to do then.
            let _ = h1.focus();
        }
    });
    view! { <h1 tabindex="-1" node_ref=heading>{children()}</h1> }
}

#[cfg(feature = "hydrate")]
static LANDING_PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Notes the page the browser loaded; call once, before hydrating.
#[cfg(feature = "hydrate")]
pub fn remember_landing_page() {
    if let Some(href) = current_href() {
        let _ = LANDING_PAGE.set(href);
    }
}

#[cfg(feature = "hydrate")]
fn current_href() -> Option<String> {
    web_sys::window()?.location().href().ok()
}

/// Whether the page shown is not the one the browser loaded.
#[cfg(feature = "hydrate")]
fn arrived_by_navigation() -> bool {
    matches!((LANDING_PAGE.get(), current_href()), (Some(landing), Some(now)) if *landing != now)
}

/// Effects never run on the server.
#[cfg(not(feature = "hydrate"))]
fn arrived_by_navigation() -> bool {
    false
}
