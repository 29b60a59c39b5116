//! Waiting in line: position and estimate, checked every few seconds; when
//! seats are offered, straight to checkout.

use leptos::prelude::*;

use crate::focus::PageHeading;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::data::page_resource;
use crate::data::{LeaveWait, WaitState, count, message, wait_page};

/// How often the page asks where the wait stands.
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// One wait of this visitor.
#[component]
pub fn WaitPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("wait").unwrap_or_default();
    let page = page_resource(id, wait_page);
    let navigate = use_navigate();
    // In the browser: check again regularly, and go to checkout on an offer.
    Effect::new(move |_| {
        let _ = set_interval_with_handle(move || page.refetch(), CHECK_EVERY);
    });
    Effect::new(move |_| {
        if let Some(Ok(data)) = page.get()
            && let WaitState::Offered { token } = data.state
        {
            navigate(&format!("/checkout/{token}"), Default::default());
        }
    });
    let leave = ServerAction::<LeaveWait>::new();
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Checking your place in line..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(wait) => match wait.state {
                        WaitState::Waiting { position, estimate } => view! {
                            <Title text=format!("Waitlist · {} · Seatwise", wait.title)/>
                            <PageHeading>"Waiting for " {count(wait.count, "seat")} " · " {wait.title}</PageHeading>
                            <p class="countdown" aria-live="polite">"You are number " {position} " in line."</p>
                            <p>
                                {estimate.map_or_else(
                                    || "Seats free up when holds run out or are released; you will be served in the order you joined.".to_owned(),
                                    |at| format!("If the people ahead of you do not pay, seats free up for you by {at}."),
                                )}
                            </p>
                            <p class="muted">"Keep this page open: when seats are offered to you, they are held for you and you go to checkout."</p>
                            <ActionForm action=leave attr:class="release">
                                <input type="hidden" name="id" value=wait.id/>
                                <input type="hidden" name="show" value=wait.show/>
                                <button type="submit" class="secondary">"Leave the waitlist"</button>
                            </ActionForm>
                        }
                        .into_any(),
                        WaitState::Offered { .. } => view! { <p class="notice">"Seats are held for you: on to checkout..."</p> }.into_any(),
                        WaitState::Ended { reason } => view! { <PageHeading>"Waitlist"</PageHeading> <p>{reason}</p> <a href="/">"Find other shows"</a> }.into_any(),
                    },
                    Err(error) => view! { <p class="error">{message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
