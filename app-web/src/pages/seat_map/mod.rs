//! The seat map: one composite widget, after the WAI-ARIA grid pattern.
//!
//! The `<svg>` is the `grid`, each row a `row` (named after its section and
//! row), each seat a `gridcell` holding a `checkbox` (checked when picked,
//! `aria-disabled` when held or sold). A roving tabindex makes the whole
//! map one Tab stop: the last focused seat, or at first the first free one.
//! Arrow keys move along a row and between rows (to the nearest seat by
//! x), Home and End to a row's ends, PageUp and PageDown between sections;
//! Space or Enter picks or unpicks. Big halls can be zoomed to a section,
//! which draws its seats at least 44 CSS pixels wide (a phone's tap
//! target); moving into another section follows with the zoom.

pub mod glyph;
mod nav;

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::reactive::computed::Selector;

use crate::data::{SeatDot, SeatState};
pub use glyph::Legend;
use glyph::{RADIUS, SeatMark, flag_letter};
use nav::{Move, Nav, Spot};

/// The state of every seat, by id, as signals the drawing reads.
pub type Seats = StoredValue<HashMap<String, RwSignal<SeatState>>>;

/// Margin around the seats in the drawing, in layout units (room for the
/// row letters).
const MARGIN: f32 = 12.0;

/// CSS pixels per layout unit in a zoomed section: seats 7.6 units wide
/// become about 44 px, the recommended tap target.
const ZOOM_SCALE: f32 = 5.8;

/// "1 seat", "2 seats".
pub fn seats(n: impl Into<u64>) -> String {
    match n.into() {
        1 => "1 seat".to_owned(),
        n => format!("{n} seats"),
    }
}

/// A rectangle of the drawing, in layout units.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bounds {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

impl Bounds {
    /// The box around `points`, with the margin (`None`: no points).
    fn around(points: impl Iterator<Item = (f32, f32)>) -> Option<Self> {
        let (mut min_x, mut min_y) = (f32::INFINITY, f32::INFINITY);
        let (mut max_x, mut max_y) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
        for (x, y) in points {
            (min_x, min_y) = (min_x.min(x), min_y.min(y));
            (max_x, max_y) = (max_x.max(x), max_y.max(y));
        }
        (min_x <= max_x).then_some(Self {
            x: min_x - MARGIN,
            y: min_y - MARGIN,
            width: max_x - min_x + 2.0 * MARGIN,
            height: max_y - min_y + 2.0 * MARGIN,
        })
    }

    fn view_box(&self) -> String {
        format!("{} {} {} {}", self.x, self.y, self.width, self.height)
    }
}

/// The seats as SVG with the stage, the row letters at both ends of each
/// row, a skip link before it, and the zoom to a section.
#[component]
pub fn SeatMap(
    /// Every seat.
    seats: Vec<SeatDot>,
    /// Section names, in the hall's order.
    sections: Vec<String>,
    /// The stage: label, x, y, width, height.
    stage: (String, f32, f32, f32, f32),
    /// Each seat's state, following the live changes.
    states: Seats,
    /// The seats this visitor picked.
    selected: RwSignal<Vec<String>>,
    /// Picks or unpicks a free seat.
    toggle: Callback<String>,
) -> impl IntoView {
    let (label, sx, sy, sw, sh) = stage;
    let nav = Nav::new(
        &seats
            .iter()
            .map(|s| Spot {
                row: s.row,
                section: s.section,
                x: s.x,
            })
            .collect::<Vec<_>>(),
    );
    let status = move |seat: &SeatDot| {
        states
            .with_value(|s| s.get(&seat.id).copied())
            .unwrap_or_else(|| RwSignal::new(seat.status))
    };
    let first_free = nav
        .order()
        .find(|&i| seats[i].status == SeatState::Available)
        .unwrap_or(0);
    let focus = RwSignal::new(first_free);
    let tab_stop = Selector::new(move || focus.get());
    let zoom = RwSignal::new(None::<u32>);
    let stage_corners = [(sx, sy), (sx + sw, sy + sh)];
    let whole = Bounds::around(seats.iter().map(|s| (s.x, s.y)).chain(stage_corners));
    let parts: Vec<Option<Bounds>> = (0..sections.len() as u32)
        .map(|n| Bounds::around(seats.iter().filter(|s| s.section == n).map(|s| (s.x, s.y))))
        .collect();
    let shown = move || {
        zoom.get()
            .and_then(|n| parts.get(n as usize).copied().flatten())
    };
    let shown_box = shown.clone();
    let view_box = move || shown_box().or(whole).map(|b| b.view_box());
    let zoom_width = {
        let shown = shown.clone();
        move || shown().map(|b| b.width * ZOOM_SCALE)
    };
    let zoom_height = move || shown().map(|b| b.height * ZOOM_SCALE);
    // What the keyboard handler needs of each seat: its id, section, signal.
    let cells: StoredValue<Vec<(String, u32, RwSignal<SeatState>)>> = StoredValue::new(
        seats
            .iter()
            .map(|s| (s.id.clone(), s.section, status(s)))
            .collect(),
    );
    let section_of = move |i: usize| cells.with_value(|c| c.get(i).map(|c| c.1));
    // Picks or unpicks seat `i` when it is free.
    let pick = move |i: usize| {
        let free = cells.with_value(|c| {
            c.get(i)
                .filter(|c| c.2.get_untracked() == SeatState::Available)
                .map(|c| c.0.clone())
        });
        if let Some(id) = free {
            toggle.run(id);
        }
    };
    // Moves the tab stop (and the zoom, when it shows another section) to
    // seat `i`, and the keyboard focus once the drawing has followed.
    let go_to = move |i: usize| {
        focus.set(i);
        if let (Some(zoomed), Some(section)) = (zoom.get_untracked(), section_of(i))
            && zoomed != section
        {
            zoom.set(Some(section));
        }
        request_animation_frame(move || focus_seat(i));
    };
    let nav = StoredValue::new(nav);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(at) = seat_index(&ev) else {
            return;
        };
        let key = ev.key();
        if key == " " || key == "Enter" {
            ev.prevent_default();
            pick(at);
        } else if let Some(how) = Move::from_key(&key) {
            ev.prevent_default();
            go_to(nav.with_value(|n| n.step(at, how)));
        }
    };
    // Zooming moves the tab stop into the section shown.
    let zoom_to = move |section: Option<u32>| {
        zoom.set(section);
        let Some(section) = section else {
            return;
        };
        if section_of(focus.get_untracked()) != Some(section) {
            let free = |i: usize| {
                cells.with_value(|c| c.get(i).map(|c| c.2.get_untracked()))
                    == Some(SeatState::Available)
            };
            let first = nav.with_value(|n| {
                let inside: Vec<usize> = n
                    .order()
                    .filter(|&i| section_of(i) == Some(section))
                    .collect();
                inside
                    .iter()
                    .copied()
                    .find(|&i| free(i))
                    .or(inside.first().copied())
            });
            if let Some(first) = first {
                focus.set(first);
            }
        }
    };
    let rows = nav.with_value(|n| n.rows().to_vec());
    let seats = StoredValue::new(seats);
    let drawn_rows = rows
        .into_iter()
        .map(|row| {
            let first = row.seats.first().map_or(0, |s| s.0);
            let (name, y) = seats.with_value(|all| {
                let seat = &all[first];
                let section = sections.get(seat.section as usize).cloned().unwrap_or_default();
                (format!("{section}, row {}", seat.row_label), seat.y)
            });
            let row_label = seats.with_value(|all| all[first].row_label.clone());
            let left = row.seats.first().map_or(0.0, |s| s.1) - RADIUS - 2.0;
            let right = row.seats.last().map_or(0.0, |s| s.1) + RADIUS + 2.0;
            let cells = row
                .seats
                .iter()
                .map(|&(i, _)| {
                    let seat = seats.with_value(|all| all[i].clone());
                    let state = status(&seat);
                    let tab = Signal::derive({
                        let tab_stop = tab_stop.clone();
                        move || tab_stop.selected(&i)
                    });
                    view! { <SeatCell seat index=i state selected tab/> }.into_any()
                })
                .collect_view();
            view! {
                <g role="row" aria-label=name>
                    <text class="row-label" aria-hidden="true" x=left y=y + 1.3 text-anchor="end">{row_label.clone()}</text>
                    {cells}
                    <text class="row-label" aria-hidden="true" x=right y=y + 1.3>{row_label}</text>
                </g>
            }
            .into_any()
        })
        .collect_view();
    let zoomable = sections.len() > 1;
    let options = sections
        .iter()
        .enumerate()
        .map(|(n, name)| view! { <option value=n.to_string()>{name.clone()}</option> })
        .collect_view();
    view! {
        <a class="skip" href="#after-seat-map" on:click=move |ev| {
            ev.prevent_default();
            focus_by_id("after-seat-map");
        }>"Skip the seat map"</a>
        {zoomable.then(|| view! {
            <label class="zoom">
                "Show "
                <select on:change=move |ev| zoom_to(event_target_value(&ev).parse().ok())>
                    <option value="all">"the whole hall"</option>
                    {options}
                </select>
            </label>
        })}
        <div class="seat-map-frame">
            <svg
                class=move || if zoom.get().is_some() { "seat-map zoomed" } else { "seat-map" }
                viewBox=view_box
                width=zoom_width
                height=zoom_height
                role="grid"
                aria-label="Seat map"
                // Chromium makes the grid itself a Tab stop otherwise.
                tabindex="-1"
                on:keydown=on_key
                on:click=move |ev| {
                    if let Some(at) = seat_index(&ev) {
                        pick(at);
                    }
                }
                on:focusin=move |ev| {
                    if let Some(at) = seat_index(&ev) {
                        focus.set(at);
                    }
                }
            >
                <rect class="stage" x=sx y=sy width=sw height=sh rx="3"></rect>
                <text class="stage-label" x=sx + sw / 2.0 y=sy + sh / 2.0 + 3.0 text-anchor="middle">{label}</text>
                {drawn_rows}
            </svg>
        </div>
    }
    .into_any()
}

/// One seat: a grid cell holding its checkbox; its state follows the live
/// changes.
#[component]
fn SeatCell(
    seat: SeatDot,
    /// Its place in the map's seats (`data-index`).
    index: usize,
    state: RwSignal<SeatState>,
    selected: RwSignal<Vec<String>>,
    /// Whether it is the map's Tab stop.
    tab: Signal<bool>,
) -> impl IntoView {
    let id = seat.id.clone();
    let picked = Memo::new(move |_| selected.read().contains(&id));
    let flags = format!(
        "{}{}{}",
        if seat.mine { " mine" } else { "" },
        if seat.accessible { " accessible" } else { "" },
        if seat.companion { " companion" } else { "" },
    );
    let class = move || {
        let picked = if picked.get() { " selected" } else { "" };
        format!("seat {}{flags}{picked}", state.get().as_str())
    };
    let place = match (seat.accessible, seat.companion) {
        (true, _) => ", wheelchair place",
        (false, true) => ", companion seat",
        _ => "",
    };
    let name = format!(
        "Row {}, seat {}{place}, {}",
        seat.row_label, seat.number, seat.price
    );
    let label = move || format!("{name}, {}", state.get().as_str());
    let title = label.clone();
    view! {
        <g role="gridcell" transform=format!("translate({} {})", seat.x, seat.y)>
            <circle
                class=class
                r=RADIUS
                role="checkbox"
                aria-label=label
                aria-checked=move || picked.get().to_string()
                aria-disabled=move || (state.get() != SeatState::Available).then_some("true")
                tabindex=move || if tab.get() { "0" } else { "-1" }
                data-seat=seat.id
                data-index=index
                data-section=seat.section
            >
                <title>{title}</title>
            </circle>
            <SeatMark state picked letter=flag_letter(seat.accessible, seat.companion)/>
        </g>
    }
    .into_any()
}

/// The seat (its `data-index`) an event happened on.
fn seat_index(ev: &leptos::web_sys::Event) -> Option<usize> {
    let target = ev.target()?;
    let element: &leptos::web_sys::Element = leptos::wasm_bindgen::JsCast::dyn_ref(&target)?;
    element.get_attribute("data-index")?.parse().ok()
}

/// Puts the keyboard focus on seat `index`.
fn focus_seat(index: usize) {
    let found = document().query_selector(&format!("circle[data-index=\"{index}\"]"));
    if let Ok(Some(seat)) = found
        && let Some(seat) =
            leptos::wasm_bindgen::JsCast::dyn_ref::<leptos::web_sys::SvgElement>(&seat)
    {
        let _ = seat.focus();
    }
}

/// Puts the keyboard focus on the element with this id.
fn focus_by_id(id: &str) {
    if let Some(element) = document().get_element_by_id(id)
        && let Some(element) =
            leptos::wasm_bindgen::JsCast::dyn_ref::<leptos::web_sys::HtmlElement>(&element)
    {
        let _ = element.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_seat_or_seats() {
        assert_eq!(seats(1u32), "1 seat");
        assert_eq!(seats(0u32), "0 seats");
        assert_eq!(seats(2usize as u64), "2 seats");
    }

    #[test]
    fn bounds_keep_a_margin() {
        let b = Bounds::around([(0.0, 0.0), (10.0, 5.0)].into_iter());
        assert_eq!(b.map(|b| b.view_box()), Some("-12 -12 34 29".to_owned()));
        assert_eq!(Bounds::around(std::iter::empty()), None);
    }
}
