//! A city: what plays there, and its venues.

use leptos::prelude::*;

use crate::focus::PageHeading;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::data::page_resource;
use crate::data::{EventView, city_events, count};

/// The events showing in one city.
#[component]
pub fn CityPage() -> impl IntoView {
    let params = use_params_map();
    let city = move || params.read().get("city").unwrap_or_default();
    let page = page_resource(city, city_events);
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let city_id = page.city.id.clone();
                        view! {
                        <Title text=format!("{} · Seatwise", page.city.name)/>
                        <PageHeading>"What's on in " {page.city.name}</PageHeading>
                        <EventCards events=page.events city=city_id/>
                        <h2>"Venues"</h2>
                        <ul class="cards venues">
                            {page
                                .venues
                                .into_iter()
                                .map(|venue| view! {
                                    <li>
                                        <a href=format!("/venues/{}", venue.id)>
                                            <strong>{venue.name}</strong>
                                            <span class="muted">{venue.address}</span>
                                        </a>
                                    </li>
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                    }
                    Err(error) => view! { <p class="error">{crate::data::message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Events as cards, each linking to its showtimes in `city`.
#[component]
pub(crate) fn EventCards(events: Vec<EventView>, city: String) -> impl IntoView {
    view! {
        <ul class="cards">
            {events
                .into_iter()
                .map(|event| view! {
                    <li>
                        <a href=format!("/events/{}?city={}", event.id, city)>
                            <strong>{event.title}</strong>
                            <span class="muted">{event.kind} " · " {event.genres.join(", ")}</span>
                            <span>{count(event.shows, "show")} ", next " {event.next_show}</span>
                        </a>
                    </li>
                })
                .collect_view()}
        </ul>
    }
}
