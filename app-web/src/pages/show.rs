//! A show: its seat map, drawn from the hall's layout, kept current by the
//! show's live changes, with seat picking and holding.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::focus::PageHeading;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::seat_map::{Legend, SeatMap, Seats, seats as count_seats};
#[cfg(feature = "hydrate")]
use crate::data::SeatState;
use crate::data::page_resource;
use crate::data::{HoldBest, HoldSeats, JoinWait, SeatDot, ShowPageData, message, show_page};

/// Most seats one visitor may pick (the library enforces it too).
const MAX_SEATS: usize = 10;

/// The seat map of one show.
#[component]
pub fn ShowPage() -> impl IntoView {
    let params = use_params_map();
    let show = move || params.read().get("show").unwrap_or_default();
    let page = page_resource(show, show_page);
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
        <leptos_meta::Title text=format!("{} · {} · Seatwise", page.title, page.starts)/>
        <PageHeading>{page.title}</PageHeading>
        <p class="muted">{page.place} " · " {page.starts}</p>
        // Not a live region: everyone's holds change the counts all the time.
        <p class="counts">
            <span class="live" data-live=move || live.get().to_string()>
                {move || if live.get() { "● Live" } else { "○ Not live" }}
            </span>
            " "
            {move || {
                let (available, held, booked) = counts.get();
                format!("{} available, {held} held, {booked} sold", count_seats(available))
            }}
        </p>
        {match page.closed {
            Some(why) => view! { <p class="notice" role="status">{why}</p> }.into_any(),
            None => view! {
                <Picker show=page.id seats=page.seats sections=page.sections stage=page.stage currency=page.currency states=seats selected notice/>
            }
            .into_any(),
        }}
        <Legend>
            {page.prices.into_iter().map(|p| view! { <li><strong>{p.name}</strong> " " {p.price}</li> }).collect_view()}
        </Legend>
    }
}

/// The best-seats form, the seat map with selection, the running total,
/// and the hold button. The form comes first so that keyboard users reach
/// it before the map.
#[component]
fn Picker(
    show: String,
    seats: Vec<SeatDot>,
    sections: Vec<String>,
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
            "{} {} · total {}.{:02} {currency}",
            count_seats(labels.len() as u64),
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
        <div class="picker best">
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
            <span class="or">" or pick seats on the map:"</span>
        </div>
        {view! { <SeatMap seats=seats sections=sections stage=stage states=states selected=selected toggle=toggle/> }.into_any()}
        <div class="picker" id="after-seat-map" tabindex="-1" aria-live="polite">
            <p>{summary}</p>
            {move || notice.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            // Focusable even with nothing picked, so it says why it waits.
            <button
                aria-disabled=move || selected.read().is_empty().then_some("true")
                disabled=move || hold.pending().get()
                on:click=move |_| {
                    if selected.read_untracked().is_empty() {
                        notice.set(Some("Pick at least one seat first.".to_owned()));
                    } else {
                        hold.dispatch(HoldSeats { show: show_for_hold.clone(), seats: selected.get() });
                    }
                }
            >
                "Hold these seats"
            </button>
        </div>
    }
}
