//! Checkout: the held seats, a countdown from the server's expiry, a
//! payment form, and a way to give the seats back. Both forms work without
//! JavaScript (the server redirects).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::data::{Pay, ReleaseHold, checkout_page};

/// A test card that is approved.
const APPROVED_CARD: &str = "4242 4242 4242 4242";

/// The checkout of one hold.
#[component]
pub fn CheckoutPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let page = Resource::new(token, checkout_page);
    let pay = ServerAction::<Pay>::new();
    let release = ServerAction::<ReleaseHold>::new();
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading your seats..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let left = RwSignal::new(page.seconds_left);
                        // Ticks in the browser only: the server rendered the start value.
                        Effect::new(move |_| {
                            let _ = set_interval_with_handle(
                                move || left.update(|s| *s = (*s - 1).max(0)),
                                std::time::Duration::from_secs(1),
                            );
                        });
                        let (pay_token, release_token) = (page.token.clone(), page.token.clone());
                        let pay_label = format!("Pay {}", page.total);
                        view! {
                            <leptos_meta::Title text=format!("Checkout · {} · Seatwise", page.title)/>
                            <h1>"Checkout · " {page.title}</h1>
                            <p class="countdown" role="timer" aria-live="off">
                                {move || {
                                    let s = left.get();
                                    if s > 0 { format!("Your seats are held for {}:{:02}", s / 60, s % 60) } else { "Your hold has expired.".to_owned() }
                                }}
                            </p>
                            {
                                let show = page.show.clone();
                                move || (left.get() == 0).then(|| view! {
                                    <p><a href=format!("/shows/{show}")>"Pick seats again"</a></p>
                                })
                            }
                            <ul class="lines">
                                {page.seats.into_iter().map(|s| view! { <li><span>"Seat " {s.label}</span><span>{s.price}</span></li> }).collect_view()}
                                <li class="total"><span>"Total"</span><span>{page.total}</span></li>
                            </ul>
                            <ActionForm action=pay attr:class="pay">
                                <input type="hidden" name="token" value=pay_token/>
                                <label>
                                    "Card number "
                                    <input name="card" inputmode="numeric" autocomplete="cc-number" value=APPROVED_CARD required/>
                                </label>
                                <p class="muted">"Test cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is declined."</p>
                                <button type="submit">{pay_label}</button>
                            </ActionForm>
                            {move || pay.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{crate::data::message(&e)}</p> })}
                            <ActionForm action=release attr:class="release">
                                <input type="hidden" name="token" value=release_token/>
                                <button type="submit" class="secondary">"Cancel and release the seats"</button>
                            </ActionForm>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <p class="error">{crate::data::message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
