//! A hold's countdown (WCAG 2.2.1). The countdown is silent for screen
//! readers, since a ticking live region would talk every second; instead
//! one alert appears a minute before the end, with a way to ask for more
//! time while the policy allows it.

use leptos::prelude::*;

use crate::data::{ExtendHold, HoldTime};

/// From how many seconds left the warning shows.
const WARN_AT: i64 = 60;

/// The countdown of the hold `token` of `show`, starting at `time`.
#[component]
pub fn HoldCountdown(
    /// The hold's token.
    token: String,
    /// The show's id, to pick seats again after the end.
    show: String,
    /// Where the countdown starts.
    time: HoldTime,
) -> impl IntoView {
    let left = RwSignal::new(time.seconds_left);
    let extensions = RwSignal::new(time.extensions_left);
    // Ticks in the browser only: the server rendered the start value.
    Effect::new(move |_| {
        let _ = set_interval_with_handle(
            move || left.update(|s| *s = (*s - 1).max(0)),
            std::time::Duration::from_secs(1),
        );
    });
    let countdown = NodeRef::<leptos::html::P>::new();
    let extend = ServerAction::<ExtendHold>::new();
    Effect::new(move |_| {
        if let Some(Ok(time)) = extend.value().get() {
            left.set(time.seconds_left);
            extensions.set(time.extensions_left);
            // The button that had the focus is gone: the new time takes it.
            if let Some(countdown) = countdown.get() {
                let _ = countdown.focus();
            }
        }
    });
    // A memo, so the alert is made once when the last minute starts, not
    // again at every tick.
    let warn = Memo::new(move |_| (1..=WARN_AT).contains(&left.get()));
    let expired = Memo::new(move |_| left.get() == 0);
    view! {
        <p class="countdown" role="timer" aria-live="off" tabindex="-1" node_ref=countdown>
            {move || {
                let s = left.get();
                if s > 0 { format!("Your seats are held for {}:{:02}", s / 60, s % 60) } else { "Your hold has expired.".to_owned() }
            }}
        </p>
        {move || warn.get().then(|| {
            let token = token.clone();
            view! {
                <div class="hold-warning" role="alert">
                    <p>"Less than a minute left to pay before your seats are released."</p>
                    {move || {
                        let token = token.clone();
                        (extensions.get() > 0).then(move || view! {
                            <ActionForm action=extend attr:class="extend">
                                <input type="hidden" name="token" value=token/>
                                <button type="submit">"I need more time"</button>
                            </ActionForm>
                        })
                    }}
                </div>
            }
        })}
        {move || extend.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{crate::data::message(&e)}</p> })}
        {move || expired.get().then(|| view! {
            <p><a href=format!("/shows/{show}")>"Pick seats again"</a></p>
        })}
    }
}
