//! A venue: what plays there.

use leptos::prelude::*;

use crate::focus::PageHeading;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::city::EventCards;
use crate::data::page_resource;
use crate::data::venue_page;

/// The events showing at one venue.
#[component]
pub fn VenuePage() -> impl IntoView {
    let params = use_params_map();
    let venue = move || params.read().get("venue").unwrap_or_default();
    let page = page_resource(venue, venue_page);
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let city_id = page.city.id.clone();
                        view! {
                            <Title text=format!("{} · {} · Seatwise", page.venue.name, page.city.name)/>
                            <PageHeading>{page.venue.name}</PageHeading>
                            <p class="muted">
                                {page.venue.address} " · "
                                <a href=format!("/cities/{city_id}")>{page.city.name}</a>
                            </p>
                            {page.events.is_empty().then(|| view! { <p class="notice">"No upcoming shows."</p> })}
                            <EventCards events=page.events city=city_id/>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <p class="error">{crate::data::message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
