//! Search: a form (works without JavaScript) whose parameters live in the
//! URL; with JavaScript, results follow the typing after a short pause.

use leptos::prelude::*;

use crate::focus::PageHeading;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::data::page_resource;
use crate::data::{count, list_cities, message, search_events};

/// How long typing must pause before searching.
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(300);

/// Search results for `?q=&city=&from=&week=&cursor=` (`week=this`: this
/// week in the city's time zone).
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let results = page_resource(
        move || {
            let this_week = param("week") == "this";
            (
                param("q"),
                param("city"),
                param("from"),
                this_week,
                param("cursor"),
            )
        },
        |(q, city, from, this_week, cursor)| search_events(q, city, from, this_week, Some(cursor)),
    );
    let cities = page_resource(|| (), |_| list_cities());
    let navigate = use_navigate();
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let (city, from, week) = (param("city"), param("from"), param("week"));
        let navigate = navigate.clone();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                let url = format!(
                    "/search?q={}&city={city}&from={from}&week={week}",
                    encode(&text)
                );
                navigate(
                    &url,
                    leptos_router::NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            },
            DEBOUNCE,
        );
        pending.set_value(handle.ok());
    };
    let title = move || match param("q").trim() {
        "" => "Search · Seatwise".to_owned(),
        q => format!("Search: {q} · Seatwise"),
    };
    view! {
        <Title text=title/>
        <PageHeading>"Search"</PageHeading>
        <form action="/search" method="get" class="search" role="search" aria-label="Search events">
            <input name="q" type="search" placeholder="Film, artist, genre, venue..." aria-label="Words to search for" value=move || param("q") on:input=on_input/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let chosen = param("city");
                    let options = cities.await.unwrap_or_default();
                    view! {
                        <select name="city" aria-label="City">
                            <option value="">"All cities"</option>
                            {options
                                .into_iter()
                                .map(|c| {
                                    let selected = c.id == chosen;
                                    view! { <option value=c.id selected=selected>{c.name}</option> }
                                })
                                .collect_view()}
                        </select>
                    }
                })}
            </Suspense>
            <input name="from" type="date" aria-label="From date" value=move || param("from")/>
            <label>
                <input name="week" type="checkbox" value="this" checked=move || param("week") == "this"/>
                " This week"
            </label>
            <button type="submit">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p class="notice">"Searching..."</p> }>
            {move || Suspend::new(async move {
                let city = param("city");
                match results.await {
                    Ok(page) if page.hits.is_empty() => view! { <p class="notice">"Nothing found. Check the spelling or try fewer words."</p> }.into_any(),
                    Ok(page) => {
                        let next = page.next.map(|cursor| {
                            format!("/search?q={}&city={}&from={}&week={}&cursor={cursor}", encode(&param("q")), city, param("from"), param("week"))
                        });
                        view! {
                            <ul class="cards">
                                {page
                                    .hits
                                    .into_iter()
                                    .map(|hit| {
                                        let href = if city.is_empty() { format!("/events/{}", hit.id) } else { format!("/events/{}?city={city}", hit.id) };
                                        view! {
                                            <li>
                                                <a href=href>
                                                    <strong>{hit.title}</strong>
                                                    <span class="muted">{hit.kind}</span>
                                                    <span>{count(hit.shows, "show")} ", first " {hit.first_show}</span>
                                                </a>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                            {next.map(|href| view! { <a class="time" href=href>"Next page"</a> })}
                        }
                        .into_any()
                    }
                    Err(error) => view! { <p class="error">{message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Percent-encodes text for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
