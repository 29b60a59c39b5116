//! A booking: one ticket per seat.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::data::booking_page;
use crate::data::page_resource;
use crate::focus::PageHeading;

/// The confirmation of one booking.
#[component]
pub fn BookingPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("booking").unwrap_or_default();
    let page = page_resource(id, booking_page);
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading your booking..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let state = if page.cancelled.is_some() { "Cancelled: " } else { "Booked: " };
                        view! {
                        <leptos_meta::Title text=format!("Booking · {} · Seatwise", page.title)/>
                        <PageHeading>{state} {page.title}</PageHeading>
                        {page.cancelled.map(|why| view! { <p class="notice" role="status">{why}</p> })}
                        <p class="muted">"Booking " {page.id} " · paid " {page.total} " with the card ending " {page.card}</p>
                        <ul class="tickets">
                            {page
                                .tickets
                                .into_iter()
                                .map(|t| view! {
                                    <li class="ticket">
                                        <strong>"Seat " {t.label.clone()}</strong>
                                        <span>{t.price}</span>
                                        {t.ticket.map(|ticket| view! {
                                            <figure class="qr" role="img" aria-label=format!("QR code of the ticket for seat {}", t.label) inner_html=ticket.qr_svg></figure>
                                            <small class="muted code">{ticket.code}</small>
                                        })}
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
