//! "My tickets": everything this browser's session has bought, holds or
//! waits for, each linked to its own page, so a closed tab loses nothing.

use leptos::prelude::*;

use crate::focus::PageHeading;
use leptos_meta::Title;

use crate::data::page_resource;
use crate::data::{TicketItem, my_tickets};

/// The visitor's bookings, holds and waits.
#[component]
pub fn TicketsPage() -> impl IntoView {
    let page = page_resource(|| (), |_| my_tickets());
    view! {
        <Title text="My tickets · Seatwise"/>
        <PageHeading>"My tickets"</PageHeading>
        <Suspense fallback=|| view! { <p class="notice">"Loading your tickets..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) if data.is_empty() => view! {
                        <p class="notice">"Nothing here yet: tickets you buy, seats you hold and waitlists you join in this browser show up here."</p>
                        <p><a href="/">"Browse shows"</a></p>
                    }
                    .into_any(),
                    Ok(data) => view! {
                        <Section heading="Seats held for you" items=data.holds/>
                        <Section heading="Waitlists" items=data.waits/>
                        <Section heading="Bookings" items=data.bookings/>
                    }
                    .into_any(),
                    Err(error) => view! { <p class="error">{crate::data::message(&error)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One list, left out when empty.
#[component]
fn Section(heading: &'static str, items: Vec<TicketItem>) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <h2>{heading}</h2>
            <ul class="cards">
                {items
                    .into_iter()
                    .map(|item| view! {
                        <li class:over=item.over>
                            <a href=item.href>
                                <strong>{item.title}</strong>
                                <span>{item.venue} " · " {item.starts}</span>
                                <span class="muted">{item.state}</span>
                            </a>
                        </li>
                    })
                    .collect_view()}
            </ul>
        }
    })
}
