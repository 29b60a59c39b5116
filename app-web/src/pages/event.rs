//! An event in a city: venues and showtimes, by venue and day; without a
//! city, the cities where it plays.

use leptos::prelude::*;

use crate::focus::PageHeading;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::data::page_resource;
use crate::data::{count, event_page};

/// Venues and showtimes of one event in one city.
#[component]
pub fn EventPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        (
            params.read().get("event").unwrap_or_default(),
            query.read().get("city").unwrap_or_default(),
        )
    };
    let page = page_resource(key, |(event, city)| event_page(event, city));
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! {
                        <Title text=match &page.city {
                            Some(city) => format!("{} · {} · Seatwise", page.title, city.name),
                            None => format!("{} · Seatwise", page.title),
                        }/>
                        <PageHeading>{page.title}</PageHeading>
                        <p class="muted">{page.facts}</p>
                        <p>{page.description}</p>
                        {(!page.performers.is_empty()).then(|| view! { <p>"With " {page.performers.join(", ")}</p> })}
                        {match page.city {
                            Some(city) => view! {
                                <h2>"Showtimes in " <a href=format!("/cities/{}", city.id)>{city.name}</a></h2>
                            }
                            .into_any(),
                            None if page.cities.is_empty() => view! {
                                <p class="notice">"No upcoming shows."</p>
                            }
                            .into_any(),
                            None => view! {
                                <h2>"Pick a city"</h2>
                                <ul class="cards cities">
                                    {page
                                        .cities
                                        .into_iter()
                                        .map(|city| view! {
                                            <li><a href=format!("?city={}", city.id)><strong>{city.name}</strong></a></li>
                                        })
                                        .collect_view()}
                                </ul>
                            }
                            .into_any(),
                        }}
                        {page
                            .venues
                            .into_iter()
                            .map(|venue| view! {
                                <section class="venue">
                                    <h3>
                                        <a href=format!("/venues/{}", venue.venue.id)>{venue.venue.name}</a>
                                        <span class="muted">" · " {venue.venue.address}</span>
                                    </h3>
                                    {venue
                                        .days
                                        .into_iter()
                                        .map(|day| view! {
                                            <div class="day">
                                                <span class="day-name">{day.day}</span>
                                                {day
                                                    .shows
                                                    .into_iter()
                                                    .map(|show| {
                                                        // The visible words are the name (no aria-label to contradict them).
                                                        view! {
                                                            <a class="time" href=format!("/shows/{}", show.id)>
                                                                {show.time}
                                                                <small>" " {count(show.available, "seat")} " free"</small>
                                                            </a>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </div>
                                        })
                                        .collect_view()}
                                </section>
                            })
                            .collect_view()}
                    }
                    .into_any(),
                    Err(error) => view! { <p class="error">{crate::data::message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
