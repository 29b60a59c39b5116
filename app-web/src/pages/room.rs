//! A show's waiting room: joins the line on arrival and shows the phase,
//! the visitor's place, the people ahead, an estimate and the seats left.
//!
//! Without JavaScript the page reloads itself every few seconds (a check-in
//! that keeps the place) and the server sends an admitted visitor straight
//! to the seat map. Hydrated, it follows the show's live stream: when the
//! line moves it re-reads the place (debounced, with jitter, so a whole line
//! does not ask at the same instant), checks in now and then, and goes to
//! the seats once admitted. The headline is a polite live region that
//! changes only when the place or the phase does.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::data::{LeaveRoom, RoomPageData, message, room_page};

/// Seconds between reloads of the page without JavaScript.
pub const REFRESH_SECONDS: u32 = 10;

/// The waiting room of one show.
#[component]
pub fn RoomPage() -> impl IntoView {
    let params = use_params_map();
    let show = move || params.read().get("show").unwrap_or_default();
    let page = Resource::new(show, |show| room_page(show, true));
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Finding your place in line..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <Room initial=data/> }.into_any(),
                    Err(error) => view! { <p class="error">{message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Room(initial: RoomPageData) -> impl IntoView {
    let show = initial.show.clone();
    let seq = initial.seq;
    let title = initial.title.clone();
    let state = RwSignal::new(initial);
    let live = RwSignal::new(false);
    // Changes only when the words do: the live region is not re-announced
    // on every check-in.
    let headline = Memo::new(move |_| state.with(RoomPageData::headline));
    let navigate = use_navigate();
    Effect::new({
        let show = show.clone();
        move |_| {
            if state.with(|s| s.admitted) {
                navigate(&format!("/shows/{show}"), Default::default());
            }
        }
    });
    Effect::new({
        let show = show.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            follow_line(show.clone(), seq, state, live);
            #[cfg(not(feature = "hydrate"))]
            let _ = (&show, seq, live);
        }
    });
    let leave = ServerAction::<LeaveRoom>::new();
    let page_title = move || {
        let place = state.with(|s| s.position.map(|p| format!("#{p} in line · ")));
        format!(
            "{}Waiting room · {title} · Seatwise",
            place.unwrap_or_default()
        )
    };
    let seats_link = format!("/shows/{show}");
    view! {
        <Title text=page_title/>
        // Without JavaScript: reload to check in and to move on when admitted.
        <noscript inner_html=format!(r#"<meta http-equiv="refresh" content="{REFRESH_SECONDS}">"#)></noscript>
        <section class="room" data-phase=move || state.with(|s| s.phase.clone())>
            <h1>"Waiting room · " {move || state.with(|s| s.title.clone())}</h1>
            <p class="muted">{move || state.with(|s| format!("{} · {}", s.place, s.starts))}</p>
            <p class="headline" aria-live="polite" aria-atomic="true">{move || headline.get()}</p>
            {move || state.with(|s| details(s, &seats_link))}
            <p class="muted">
                <span class="live" data-live=move || live.get().to_string()>
                    {move || if live.get() { "● Live" } else { "○ Refreshing every 10 s" }}
                </span>
                " Keep this page open: it moves on to the seats by itself when it's your turn. Leaving for more than two minutes loses your place."
            </p>
            <ActionForm action=leave attr:class="release">
                <input type="hidden" name="show" value=show.clone()/>
                <button type="submit" class="secondary">"Leave the line"</button>
            </ActionForm>
        </section>
    }
}

/// The place, the estimate and the seats, as they are now.
fn details(s: &RoomPageData, seats_link: &str) -> AnyView {
    let seats = view! {
        <div>
            <dt>"Seats free"</dt>
            <dd class="seats">{s.seats_free}<small>{format!("{} held by shoppers", s.seats_held)}</small></dd>
        </div>
    };
    let waiting = format!("{} people waiting in all.", s.waiting);
    match s.phase.as_str() {
        "closed" => view! {
            <p><a href=seats_link.to_owned()>"Go to the seats"</a></p>
        }
        .into_any(),
        "not_open" => view! { <p>"Come back then: the lobby opens before the sale does."</p> }.into_any(),
        "lobby" => view! {
            <dl class="room-facts">
                <div><dt>"Sale opens"</dt><dd class="opens">{s.opens.clone()}</dd></div>
                {seats}
            </dl>
            <p class="muted">{waiting} " Arriving earlier does not help: places are drawn at random when the sale opens."</p>
        }
        .into_any(),
        _ => {
            let position = s.position.map_or_else(|| "-".to_owned(), |p| p.to_string());
            let ahead = s.ahead.map_or_else(|| "-".to_owned(), |a| a.to_string());
            let eta = s
                .eta
                .clone()
                .unwrap_or_else(|| "not known yet".to_owned());
            view! {
                <dl class="room-facts">
                    <div><dt>"Your place"</dt><dd class="position">{position}</dd></div>
                    <div><dt>"People ahead"</dt><dd class="ahead">{ahead}</dd></div>
                    <div><dt>"Your turn"</dt><dd class="eta">{eta}</dd></div>
                    {seats}
                </dl>
                <p class="muted">{waiting}</p>
            }
            .into_any()
        }
    }
}

/// Re-reads the place when the show's line moves (after a random 0.3 to
/// 1.5 s, one read per burst of moves), and every 20 s to check in; all of
/// it stops when the page goes away (a late read must not join the line
/// again from the seat map or checkout).
#[cfg(feature = "hydrate")]
fn follow_line(show: String, seq: u64, state: RwSignal<RoomPageData>, live: RwSignal<bool>) {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    let here = Arc::new(AtomicBool::new(true));
    let refresh = {
        let (show, here) = (show.clone(), here.clone());
        move || {
            if !here.load(Ordering::Relaxed) {
                return;
            }
            let (show, here) = (show.clone(), here.clone());
            leptos::task::spawn_local(async move {
                if let Ok(data) = room_page(show, false).await
                    && here.load(Ordering::Relaxed)
                {
                    state.set(data);
                }
            });
        }
    };
    let pending = Rc::new(Cell::new(false));
    let on_move = {
        let refresh = refresh.clone();
        move || {
            if pending.replace(true) {
                return;
            }
            let (pending, refresh) = (pending.clone(), refresh.clone());
            let jitter = 300.0 + js_sys::Math::random() * 1200.0;
            set_timeout(
                move || {
                    pending.set(false);
                    refresh();
                },
                Duration::from_millis(jitter as u64),
            );
        }
    };
    crate::live::follow(
        &show,
        seq,
        move |change| {
            if matches!(change, crate::live::LiveChange::Line {}) {
                on_move();
            }
        },
        move |open| live.set(open),
    );
    let check_ins = set_interval_with_handle(refresh, Duration::from_secs(20)).ok();
    on_cleanup(move || {
        here.store(false, Ordering::Relaxed);
        if let Some(check_ins) = check_ins {
            check_ins.clear();
        }
    });
}
