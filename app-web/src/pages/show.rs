//! A show: its seat map, drawn from the hall's layout.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::data::{SeatDot, show_page};

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
                    Ok(page) => {
                        let (available, held, booked) = page.counts;
                        view! {
                            <h1>{page.title}</h1>
                            <p class="muted">{page.place} " · " {page.starts}</p>
                            <p>{available} " seats available, " {held} " held, " {booked} " sold"</p>
                            <SeatMap seats=page.seats stage=page.stage/>
                            <ul class="legend">
                                <li><span class="swatch available"></span>"Available"</li>
                                <li><span class="swatch held"></span>"Held"</li>
                                <li><span class="swatch booked"></span>"Sold"</li>
                                <li><span class="swatch mine"></span>"Yours"</li>
                                {page.prices.into_iter().map(|p| view! { <li><strong>{p.name}</strong> " " {p.price}</li> }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The seats as SVG, scaled to the layout's extent, with the stage.
#[component]
fn SeatMap(seats: Vec<SeatDot>, stage: (String, f32, f32, f32, f32)) -> impl IntoView {
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
            {seats
                .into_iter()
                .map(|seat| {
                    let class = format!("seat {}{}{}", seat.status, if seat.mine { " mine" } else { "" }, if seat.accessible { " accessible" } else { "" });
                    let name = format!("Seat {}, {}, {}", seat.label, seat.price, seat.status);
                    let title = name.clone();
                    view! {
                        <circle class=class cx=seat.x cy=seat.y r="3.8" aria-label=name data-seat=seat.id>
                            <title>{title}</title>
                        </circle>
                    }
                })
                .collect_view()}
        </svg>
    }
}
