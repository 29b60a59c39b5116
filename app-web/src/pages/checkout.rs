//! Checkout: the held seats, a countdown from the server's expiry, a
//! payment form, and a way to give the seats back. Both forms work without
//! JavaScript (the server redirects).

pub mod countdown;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::data::page_resource;
use crate::data::{Pay, ReleaseHold, checkout_page};
use crate::focus::PageHeading;
use countdown::HoldCountdown;

/// A test card that is approved.
const APPROVED_CARD: &str = "4242 4242 4242 4242";

/// The refusals that are about the card number, so the card field is
/// marked invalid (WCAG 3.3.1).
const CARD_REFUSALS: [&str; 2] = ["payment_declined", "invalid_card_number"];

/// The checkout of one hold.
#[component]
pub fn CheckoutPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let page = page_resource(token, checkout_page);
    let pay = ServerAction::<Pay>::new();
    let release = ServerAction::<ReleaseHold>::new();
    let card_refused = Memo::new(
        move |_| matches!(pay.value().get(), Some(Err(e)) if CARD_REFUSALS.contains(&e.code.as_str())),
    );
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading your seats..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let (pay_token, release_token) = (page.token.clone(), page.token.clone());
                        let pay_label = format!("Pay {}", page.total);
                        view! {
                            <leptos_meta::Title text=format!("Checkout · {} · Seatwise", page.title)/>
                            <PageHeading>"Checkout · " {page.title}</PageHeading>
                            <HoldCountdown token=page.token show=page.show time=page.time/>
                            <ul class="lines">
                                {page.seats.into_iter().map(|s| view! { <li><span>"Seat " {s.label}</span><span>{s.price}</span></li> }).collect_view()}
                                <li class="total"><span>"Total"</span><span>{page.total}</span></li>
                            </ul>
                            <ActionForm action=pay attr:class="pay">
                                <input type="hidden" name="token" value=pay_token/>
                                <label>
                                    "Card number "
                                    <input name="card" inputmode="numeric" autocomplete="cc-number" value=APPROVED_CARD required
                                        aria-invalid=move || card_refused.get().then_some("true")
                                        aria-describedby=move || card_refused.get().then_some("pay-error")/>
                                </label>
                                <p class="muted">"Test cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is declined."</p>
                                <button type="submit">{pay_label}</button>
                            </ActionForm>
                            {move || pay.value().get().and_then(Result::err).map(|e| view! { <p id="pay-error" class="error" role="alert">{crate::data::message(&e)}</p> })}
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
