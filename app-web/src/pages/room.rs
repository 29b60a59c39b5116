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

use crate::focus::PageHeading;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::data::page_resource;
use crate::data::{RoomPageData, SalePhase, message, room_page};

/// Where the Leave form posts: the `leave_room` server function.
const LEAVE_ROOM_URL: &str = "/_server/leave_room";

/// Seconds between reloads of the page without JavaScript.
pub const REFRESH_SECONDS: u32 = 10;

/// The waiting room of one show.
#[component]
pub fn RoomPage() -> impl IntoView {
    let params = use_params_map();
    let show = move || params.read().get("show").unwrap_or_default();
    let page = page_resource(show, |show| room_page(show, true));
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
        <section class="room" data-phase=move || state.with(|s| s.phase.as_str())>
            <PageHeading>"Waiting room · " {move || state.with(|s| s.title.clone())}</PageHeading>
            <p class="muted">{move || state.with(|s| format!("{} · {}", s.place, s.starts))}</p>
            <p class="headline" aria-live="polite" aria-atomic="true">{move || headline.get()}</p>
            <dl class="room-facts">
                {move || {
                    state
                        .with(facts)
                        .into_iter()
                        .map(|(label, class, value, small)| {
                            let small = (!small.is_empty()).then(|| view! { <small>{small}</small> });
                            view! { <div><dt>{label}</dt><dd class=class>{value}{small}</dd></div> }
                        })
                        .collect_view()
                }}
            </dl>
            <p class="muted">{move || state.with(note)}</p>
            <p hidden=move || state.with(|s| s.phase != SalePhase::Closed)>
                <a href=seats_link>"Go to the seats"</a>
            </p>
            <p class="muted">
                <span class="live" data-live=move || live.get().to_string()>
                    {move || if live.get() { "● Live" } else { "○ Refreshing every 10 s" }}
                </span>
                " Keep this page open: it moves on to the seats by itself when it's your turn. Leaving for more than two minutes loses your place."
            </p>
            // A plain form, with or without JavaScript: the server leaves and
            // redirects to the event's showtimes.
            <form class="release" method="post" action=LEAVE_ROOM_URL>
                <input type="hidden" name="show" value=show.clone()/>
                <button type="submit" class="secondary">"Leave the line"</button>
            </form>
        </section>
    }
}

/// The facts shown as they are now: label, class, value and a note under
/// it (plain data, so the page draws them with one view).
fn facts(s: &RoomPageData) -> Vec<(&'static str, &'static str, String, String)> {
    let seats = (
        "Seats free",
        "seats",
        s.seats_free.to_string(),
        format!("{} held by shoppers", s.seats_held),
    );
    let or_dash = |n: Option<u64>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
    match s.phase {
        SalePhase::Closed | SalePhase::NotOpen => Vec::new(),
        SalePhase::Lobby => vec![
            ("Sale opens", "opens", s.opens.clone(), String::new()),
            seats,
        ],
        SalePhase::Selling | SalePhase::AllHeld | SalePhase::SoldOut => vec![
            ("Your place", "position", or_dash(s.position), String::new()),
            ("People ahead", "ahead", or_dash(s.ahead), String::new()),
            (
                "Your turn",
                "eta",
                s.eta.clone().unwrap_or_else(|| "not known yet".to_owned()),
                String::new(),
            ),
            seats,
        ],
    }
}

/// The line under the facts.
fn note(s: &RoomPageData) -> String {
    let waiting = format!("{} people waiting in all.", s.waiting);
    match s.phase {
        SalePhase::Closed => String::new(),
        SalePhase::NotOpen => "Come back then: the lobby opens before the sale does.".to_owned(),
        SalePhase::Lobby => format!(
            "{waiting} Arriving earlier does not help: places are drawn at random when the sale opens."
        ),
        SalePhase::Selling | SalePhase::AllHeld | SalePhase::SoldOut => waiting,
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
