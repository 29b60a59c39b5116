//! How one seat is drawn, on the map and in the legend: its state shows
//! as a shape as well as a colour (a filled disc, a ring, an X, a check),
//! and wheelchair and companion places carry a letter.

use leptos::prelude::*;

use crate::data::SeatState;

/// The seat's radius in layout units (seats are at least 7.6 apart).
pub const RADIUS: f32 = 3.8;

/// The mark drawn over a seat, as an SVG path around (0, 0).
fn mark(state: SeatState, picked: bool) -> &'static str {
    match (state, picked) {
        (SeatState::Booked, _) => "M-2-2L2 2M2-2L-2 2",
        (SeatState::Available, true) => "M-2 0.2L-0.6 1.7L2.2-1.6",
        _ => "",
    }
}

/// A wheelchair place ("W") or a companion seat ("C"): the letter drawn on it.
pub fn flag_letter(accessible: bool, companion: bool) -> Option<&'static str> {
    if accessible {
        Some("W")
    } else if companion {
        Some("C")
    } else {
        None
    }
}

/// What is drawn over a seat at (0, 0): the mark of its state, or the
/// letter of a wheelchair or companion place (which then stands for the
/// mark; the circle's fill and outline still tell the state).
#[component]
pub fn SeatMark(
    /// Its state.
    #[prop(into)]
    state: Signal<SeatState>,
    /// Picked by this visitor.
    #[prop(into)]
    picked: Signal<bool>,
    /// The letter for a wheelchair or companion place.
    letter: Option<&'static str>,
) -> impl IntoView {
    match letter {
        Some(letter) => view! {
            <text class="flag" aria-hidden="true" text-anchor="middle" y="1.7">{letter}</text>
        }
        .into_any(),
        None => view! {
            <path class="mark" aria-hidden="true" d=move || mark(state.get(), picked.get())></path>
        }
        .into_any(),
    }
}

/// The key to the map: each state drawn as on the map, and the letters.
#[component]
pub fn Legend(children: Children) -> impl IntoView {
    let sample = |class: &'static str, state: SeatState, picked: bool, text: &'static str| {
        view! {
            <li>
                <svg class="glyph" viewBox="-5 -5 10 10" aria-hidden="true">
                    <circle class=class r=RADIUS></circle>
                    <SeatMark state picked letter=None/>
                </svg>
                {text}
            </li>
        }
    };
    view! {
        <ul class="legend">
            {sample("available", SeatState::Available, false, "Available")}
            {sample("held", SeatState::Held, false, "Held (ring)")}
            {sample("booked", SeatState::Booked, false, "Sold (X)")}
            {sample("available selected", SeatState::Available, true, "Selected (check)")}
            {sample("held mine", SeatState::Held, false, "Yours")}
            <li>
                <svg class="glyph" viewBox="-5 -5 10 10" aria-hidden="true">
                    <circle class="available" r=RADIUS></circle>
                    <SeatMark state=SeatState::Available picked=false letter=Some("W")/>
                </svg>
                "Wheelchair place (W); C: companion seat"
            </li>
            {children()}
        </ul>
    }
}
