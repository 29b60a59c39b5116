//! A show: its seat map, drawn from the hall's layout, kept current by the
//! show's live changes, with seat picking and holding.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::data::{
    HoldBest, HoldSeats, JoinWait, SeatDot, SeatState, ShowPageData, message, show_page,
};

/// Most seats one visitor may pick (the library enforces it too).
const MAX_SEATS: usize = 10;

/// Margin around the seats in the drawing, in layout units.
const MARGIN: f32 = 12.0;

/// The seat map of one show.
#[component]
pub fn ShowPage() -> impl IntoView {
    let params = use_params_map();
    let show = move || params.read().get("show").unwrap_or_default();
    let page = Resource::new(show, show_page);
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading the seat map..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Show page=page/> }.into_any(),
                    Err(error) => view! { <p class="error">{message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The state of every seat, by id, as signals the drawing reads.
type Seats = StoredValue<HashMap<String, RwSignal<SeatState>>>;

#[component]
fn Show(page: ShowPageData) -> impl IntoView {
    let seats: Seats = StoredValue::new(
        page.seats
            .iter()
            .map(|s| (s.id.clone(), RwSignal::new(s.status)))
            .collect(),
    );
    let counts = RwSignal::new(page.counts);
    let selected = RwSignal::new(Vec::<String>::new());
    let notice = RwSignal::new(None::<String>);
    let live = RwSignal::new(false);
    let labels: HashMap<String, String> = page
        .seats
        .iter()
        .map(|s| (s.id.clone(), s.label.clone()))
        .collect();
    // Live: apply everyone's holds, sales and releases as they happen.
    let (show_id, seq) = (page.id.clone(), page.seq);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let labels = labels.clone();
            crate::live::follow(
                &show_id,
                seq,
                move |change| {
                    let Some((ids, state)) = change.seats() else {
                        return;
                    };
                    for id in ids {
                        let Some(status) = seats.with_value(|s| s.get(id).copied()) else {
                            continue;
                        };
                        let before = status.get_untracked();
                        if before == state {
                            continue;
                        }
                        counts.update(|(available, held, booked)| {
                            for (seat, delta) in [(before, u32::MAX), (state, 1)] {
                                let slot = match seat {
                                    SeatState::Available => &mut *available,
                                    SeatState::Held => &mut *held,
                                    SeatState::Booked => &mut *booked,
                                };
                                *slot = slot.wrapping_add(delta);
                            }
                        });
                        status.set(state);
                        if state != SeatState::Available && selected.read_untracked().contains(id) {
                            selected.update(|chosen| chosen.retain(|s| s != id));
                            let label = labels.get(id).cloned().unwrap_or_default();
                            notice.set(Some(format!(
                                "Seat {label} was just taken by someone else."
                            )));
                        }
                    }
                },
                move |open| live.set(open),
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&show_id, seq, &labels);
    });
    view! {
        <h1>{page.title}</h1>
        <p class="muted">{page.place} " · " {page.starts}</p>
        <p aria-live="polite">
            <span class="live" data-live=move || live.get().to_string()>
                {move || if live.get() { "● Live" } else { "○ Not live" }}
            </span>
            " "
            {move || {
                let (available, held, booked) = counts.get();
                format!("{available} seats available, {held} held, {booked} sold")
            }}
        </p>
        {match page.closed {
            Some(why) => view! { <p class="notice" role="status">{why}</p> }.into_any(),
            None => view! {
                <Picker show=page.id seats=page.seats stage=page.stage currency=page.currency states=seats selected notice/>
            }
            .into_any(),
        }}
        <ul class="legend">
            <li><span class="swatch available"></span>"Available"</li>
            <li><span class="swatch held"></span>"Held"</li>
            <li><span class="swatch booked"></span>"Sold"</li>
            <li><span class="swatch mine"></span>"Yours / selected"</li>
            {page.prices.into_iter().map(|p| view! { <li><strong>{p.name}</strong> " " {p.price}</li> }).collect_view()}
        </ul>
    }
}

/// The seat map with selection, the running total, and the hold buttons.
#[component]
fn Picker(
    show: String,
    seats: Vec<SeatDot>,
    stage: (String, f32, f32, f32, f32),
    currency: String,
    states: Seats,
    selected: RwSignal<Vec<String>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let prices: Vec<(String, String, i64)> = seats
        .iter()
        .map(|s| (s.id.clone(), s.label.clone(), s.cents))
        .collect();
    let toggle = Callback::new(move |seat: String| {
        selected.update(|chosen| {
            if let Some(at) = chosen.iter().position(|s| *s == seat) {
                chosen.remove(at);
                notice.set(None);
            } else if chosen.len() == MAX_SEATS {
                notice.set(Some(format!(
                    "You can pick at most {MAX_SEATS} seats at a time."
                )));
            } else {
                chosen.push(seat);
                notice.set(None);
            }
        });
    });
    let summary = move || {
        let chosen = selected.get();
        let picked: Vec<&(String, String, i64)> = prices
            .iter()
            .filter(|(id, _, _)| chosen.contains(id))
            .collect();
        let cents: i64 = picked.iter().map(|(_, _, c)| c).sum();
        let labels: Vec<&str> = picked.iter().map(|(_, l, _)| l.as_str()).collect();
        format!(
            "{} seats {} · total {}.{:02} {currency}",
            labels.len(),
            labels.join(", "),
            cents / 100,
            cents % 100
        )
    };
    let hold = ServerAction::<HoldSeats>::new();
    let best = ServerAction::<HoldBest>::new();
    let wait = ServerAction::<JoinWait>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        let holds = [hold.value().get(), best.value().get()]
            .into_iter()
            .flatten();
        let holds = holds.map(|outcome| outcome.map(|token| format!("/checkout/{token}")));
        let waits = wait
            .value()
            .get()
            .into_iter()
            .map(|outcome| outcome.map(|id| format!("/waits/{id}")));
        for outcome in holds.chain(waits) {
            match outcome {
                Ok(path) => navigate(&path, Default::default()),
                Err(error) => notice.set(Some(message(&error))),
            }
        }
    });
    let best_count = RwSignal::new(2u8);
    let (show_for_hold, show_for_wait) = (show.clone(), show.clone());
    view! {
        <SeatMap seats=seats stage=stage states=states selected=selected toggle=toggle/>
        <div class="picker" aria-live="polite">
            <p>{summary}</p>
            {move || notice.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <button
                disabled=move || selected.read().is_empty() || hold.pending().get()
                on:click=move |_| {
                    hold.dispatch(HoldSeats { show: show_for_hold.clone(), seats: selected.get() });
                }
            >
                "Hold these seats"
            </button>
            <span class="or">" or "</span>
            <label>
                "best "
                <select on:change=move |ev| best_count.set(event_target_value(&ev).parse().unwrap_or(2))>
                    {(1..=MAX_SEATS as u8).map(|n| view! { <option value=n selected=n == 2>{n}</option> }).collect_view()}
                </select>
            </label>
            <button
                disabled=move || best.pending().get()
                on:click=move |_| {
                    best.dispatch(HoldBest { show: show.clone(), count: best_count.get() });
                }
            >
                "Hold the best seats"
            </button>
            <button
                class="secondary"
                title="When the seats you want are held by others, wait in line: freed seats go to waiters first, in order"
                disabled=move || wait.pending().get()
                on:click={
                    let show = show_for_wait.clone();
                    move |_| {
                        wait.dispatch(JoinWait { show: show.clone(), count: best_count.get() });
                    }
                }
            >
                "Wait for that many seats"
            </button>
        </div>
    }
}

/// The seats as SVG, scaled to the layout's extent, with the stage. Free
/// seats can be picked with the mouse or, focused, with Enter or Space.
#[component]
fn SeatMap(
    seats: Vec<SeatDot>,
    stage: (String, f32, f32, f32, f32),
    states: Seats,
    selected: RwSignal<Vec<String>>,
    toggle: Callback<String>,
) -> impl IntoView {
    let (label, sx, sy, sw, sh) = stage;
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (sx, sy, sx + sw, sy + sh);
    for seat in &seats {
        min_x = min_x.min(seat.x);
        min_y = min_y.min(seat.y);
        max_x = max_x.max(seat.x);
        max_y = max_y.max(seat.y);
    }
    let view_box = format!(
        "{} {} {} {}",
        min_x - MARGIN,
        min_y - MARGIN,
        max_x - min_x + 2.0 * MARGIN,
        max_y - min_y + 2.0 * MARGIN
    );
    view! {
        <svg class="seat-map" viewBox=view_box role="group" aria-label="Seat map">
            <rect class="stage" x=sx y=sy width=sw height=sh rx="3"></rect>
            <text class="stage-label" x=sx + sw / 2.0 y=sy + sh / 2.0 + 3.0 text-anchor="middle">{label}</text>
            {seats.into_iter().map(|seat| view! { <SeatDotView seat states selected toggle/> }).collect_view()}
        </svg>
    }
}

/// One seat: its state follows the live changes.
#[component]
fn SeatDotView(
    seat: SeatDot,
    states: Seats,
    selected: RwSignal<Vec<String>>,
    toggle: Callback<String>,
) -> impl IntoView {
    let status = states
        .with_value(|s| s.get(&seat.id).copied())
        .unwrap_or_else(|| RwSignal::new(seat.status));
    let free = move || status.get() == SeatState::Available;
    let id = seat.id.clone();
    let (id_for_key, id_for_class, id_for_click) =
        (seat.id.clone(), seat.id.clone(), seat.id.clone());
    let flags = format!(
        "{}{}",
        if seat.mine { " mine" } else { "" },
        if seat.accessible { " accessible" } else { "" }
    );
    let class = move || {
        let picked = if selected.read().contains(&id_for_class) {
            " selected"
        } else {
            ""
        };
        format!("seat {}{flags}{picked}", status.get().as_str())
    };
    let (seat_label, price) = (seat.label.clone(), seat.price.clone());
    let name = move || format!("Seat {seat_label}, {price}, {}", status.get().as_str());
    let title = name.clone();
    view! {
        <circle
            class=class
            cx=seat.x
            cy=seat.y
            r="3.8"
            aria-label=name
            data-seat=seat.id
            tabindex=move || if free() { "0" } else { "-1" }
            role="checkbox"
            aria-checked=move || if selected.read().contains(&id) { "true" } else { "false" }
            on:click=move |_| if free() { toggle.run(id_for_click.clone()) }
            on:keydown=move |ev| {
                if free() && (ev.key() == "Enter" || ev.key() == " ") {
                    ev.prevent_default();
                    toggle.run(id_for_key.clone());
                }
            }
        >
            <title>{title}</title>
        </circle>
    }
}
