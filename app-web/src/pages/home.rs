//! Home: pick a city.

use leptos::prelude::*;

use crate::focus::PageHeading;
use leptos_meta::Title;

use crate::data::list_cities;
use crate::data::page_resource;

/// The home page: the cities with shows.
#[component]
pub fn HomePage() -> impl IntoView {
    let cities = page_resource(|| (), |_| list_cities());
    view! {
        <Title text="Tickets for cinemas, concerts and theatre · Seatwise"/>
        <PageHeading>"Tickets for cinemas, concerts and theatre"</PageHeading>
        <h2>"Choose your city"</h2>
        <Suspense fallback=|| view! { <p class="notice">"Loading cities..."</p> }>
            {move || Suspend::new(async move {
                match cities.await {
                    Ok(list) => view! {
                        <ul class="cards">
                            {list
                                .into_iter()
                                .map(|city| view! {
                                    <li>
                                        <a href=format!("/cities/{}", city.id)>
                                            <strong>{city.name}</strong>
                                            <span class="muted">{city.country}</span>
                                        </a>
                                    </li>
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(error) => view! { <p class="error">{crate::data::message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
