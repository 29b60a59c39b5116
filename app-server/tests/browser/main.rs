//! Browser tests: Debian's headless Chromium, driven through chromedriver,
//! against the real app-server binary with its in-memory demo store and the
//! hydrated pages. Each scenario is what a buyer does; screenshots go to
//! `target/browser/`.
//!
//! Needs the pages' bundle (`<target>/site/pkg`, or `SEATWISE_SITE_ROOT`) and
//! `chromedriver`; `cargo xtask test` builds the one and installs the other.
//! The scenarios run one after another (timings are asserted), each in fresh
//! browsers.

#![allow(clippy::unwrap_used)] // a test may panic on setup failure

mod axe;
#[path = "../common/mod.rs"]
mod common;
mod harness;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::server::{Api, Server, berlin_metropolis_shows, capacity};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use harness::{
    Driver, Failure, Outcome, Viewport, arrive, check, element, eventually, follow, js, live,
    screenshot,
};
use serde_json::json;

/// The organizer token of the main server.
const ORGANIZER: &str = "browser-organizer-token-0123456789";

fn main() -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(run())
}

async fn run() -> ExitCode {
    let site = std::env::var_os("SEATWISE_SITE_ROOT").map_or_else(
        || harness::target_dir().join("site"),
        std::path::PathBuf::from,
    );
    assert!(
        site.join("pkg/app_web_bg.wasm").exists(),
        "no pages bundle in {}: run `cargo xtask test` (it builds the bundle first)",
        site.display()
    );
    let driver = Driver::start().await;
    let server = Server::start(&site, &["--admin-token", ORGANIZER]).await;
    // Holds of 8 s, no grace: the waitlist scenario sees one expire.
    let short_holds = Server::start(&site, &["--hold-seconds", "8", "--grace-seconds", "0"]).await;
    // Holds of 65 s: the checkout's last-minute warning comes after 5 s.
    let minute_holds =
        Server::start(&site, &["--hold-seconds", "65", "--grace-seconds", "0"]).await;
    // The demo's waiting room with its sale open at once, one shopper at a time.
    let one_at_a_time = Server::start(
        &site,
        &[
            "--demo-room-sale-delay-seconds",
            "0",
            "--demo-room-max-active",
            "1",
        ],
    )
    .await;
    // The waiting room in its lobby for the whole run, for axe.
    let lobby = Server::start(&site, &["--demo-room-sale-delay-seconds", "3600"]).await;
    let (mut ran, mut failed) = (0, 0);
    macro_rules! scenario {
        ($name:ident, $($arg:expr),*) => {
            ran += 1;
            let started = Instant::now();
            match $name($($arg),*).await {
                Ok(()) => println!("test {} ... ok ({:.1?})", stringify!($name), started.elapsed()),
                Err(error) => {
                    failed += 1;
                    println!("test {} ... FAILED: {error}", stringify!($name));
                }
            }
        };
    }
    scenario!(search_walk_hold_and_pay, &driver, &server);
    scenario!(eleventh_seat_is_refused, &driver, &server);
    scenario!(
        a_hold_shows_in_another_browser_within_a_second,
        &driver,
        &server
    );
    scenario!(
        a_waiter_is_offered_seats_when_a_hold_expires,
        &driver,
        &short_holds
    );
    scenario!(the_seat_map_fits_a_phone, &driver, &server);
    scenario!(
        two_browsers_in_a_waiting_room_take_their_turns,
        &driver,
        &one_at_a_time
    );
    scenario!(
        without_javascript_the_waiting_room_reloads_into_the_seats,
        &driver,
        &one_at_a_time
    );
    scenario!(
        an_organizers_show_is_found_booked_and_cancelled,
        &driver,
        &server
    );
    scenario!(the_buyers_pages_pass_axe, &driver, &server, &lobby);
    scenario!(
        the_last_minute_is_announced_and_more_time_given,
        &driver,
        &minute_holds
    );
    scenario!(keyboard_users_tab_past_the_arena_map, &driver, &server);
    scenario!(arrow_keys_walk_the_arena_and_space_picks, &driver, &server);
    scenario!(a_phone_zooms_into_an_arena_section, &driver, &server);
    println!("browser tests: {} passed, {failed} failed", ran - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs `scenario` in a fresh browser, closing it whatever happens.
async fn in_browser<F, Fut>(driver: &Driver, viewport: Viewport, scenario: F) -> Outcome
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let browser = driver.browser(viewport).await;
    let outcome = scenario(browser.clone()).await;
    let _ = browser.close().await;
    outcome
}

/// Clicks the first `n` free seats; returns their ids.
async fn pick_free_seats(browser: &Client, n: usize) -> Result<Vec<String>, Failure> {
    let free = browser
        .find_all(Locator::Css("circle.seat.available"))
        .await?;
    let mut ids = Vec::new();
    for seat in free.into_iter().take(n) {
        seat.click().await?;
        ids.push(
            seat.attr("data-seat")
                .await
                .ok()
                .flatten()
                .unwrap_or_default(),
        );
    }
    Ok(ids)
}

async fn selected_count(browser: &Client) -> u64 {
    count_of(browser, "circle.seat[aria-checked=\"true\"]").await
}

/// How many elements match `css`.
async fn count_of(browser: &Client, css: &str) -> u64 {
    js(
        browser,
        &format!("return document.querySelectorAll('{css}').length"),
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

async fn click_button(browser: &Client, text: &str) -> Outcome {
    browser
        .find(Locator::XPath(&format!("//button[contains(., '{text}')]")))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Searches for `text` from the home page's header.
async fn search_for(b: &Client, server: &Server, text: &str) -> Outcome {
    b.goto(&server.url("/")).await?;
    element(b, "header input[name=q]")
        .await?
        .send_keys(&format!("{text}\u{E007}"))
        .await?;
    arrive(b, "/search").await?;
    Ok(())
}

/// Pays at checkout with the card `number`.
async fn pay_with(b: &Client, number: &str) -> Outcome {
    let card = element(b, "input[name=card]").await?;
    card.clear().await?;
    card.send_keys(number).await?;
    element(b, "form.pay button").await?.click().await?;
    Ok(())
}

async fn search_walk_hold_and_pay(driver: &Driver, server: &Server) -> Outcome {
    in_browser(driver, Viewport::Desktop, |b| async move {
        // A typo still finds the film.
        search_for(&b, server, "metropolsi").await?;
        follow(&b, "Metropolis").await?;
        arrive(&b, "/events/").await?;
        follow(&b, "Berlin").await?;
        arrive(&b, "/events/").await?;
        // The city, then the film again, then its first showtime.
        follow(&b, "Berlin").await?;
        arrive(&b, "/cities/").await?;
        follow(&b, "Metropolis").await?;
        element(&b, "a.time").await?.click().await?;
        arrive(&b, "/shows/").await?;
        live(&b).await?;
        pick_free_seats(&b, 3).await?;
        let summary = element(&b, ".picker p").await?.text().await?;
        check!(summary.starts_with("3 seats"), "running total: {summary}");
        screenshot(&b, "seat-map").await?;
        click_button(&b, "Hold these seats").await?;
        arrive(&b, "/checkout/").await?;
        let countdown = element(&b, ".countdown").await?.text().await?;
        check!(
            countdown.contains("held for 5:00") || countdown.contains("held for 4:5"),
            "countdown from the server's expiry: {countdown}"
        );
        screenshot(&b, "checkout").await?;
        // A declined card keeps the hold; an approved one books.
        pay_with(&b, "4000 0000 0000 0002").await?;
        let refusal = element(&b, "p.error[role=alert]").await?.text().await?;
        check!(refusal.contains("declined"), "declined card: {refusal}");
        pay_with(&b, "4242 4242 4242 4242").await?;
        arrive(&b, "/bookings/").await?;
        element(&b, "figure.qr svg").await?;
        let codes = b.find_all(Locator::Css("ul.tickets .code")).await?;
        check!(codes.len() == 3, "one ticket per seat, got {}", codes.len());
        let qr = js(
            &b,
            "return document.querySelectorAll('figure.qr svg').length",
        )
        .await;
        check!(qr == 3, "a QR code per ticket, got {qr}");
        let mut api = Api::new(server);
        for code in codes {
            let code = code.text().await?;
            let (status, genuine) = api
                .post("/api/v1/tickets/verify", json!({ "code": code }))
                .await;
            check!(status == 200, "ticket code {code} verifies: {genuine}");
        }
        screenshot(&b, "booking").await?;
        Ok(())
    })
    .await
}

async fn eleventh_seat_is_refused(driver: &Driver, server: &Server) -> Outcome {
    let show = berlin_metropolis_shows(&server.base).await[1]["id"].clone();
    in_browser(driver, Viewport::Desktop, |b| async move {
        b.goto(&server.url(&format!("/shows/{}", show.as_str().unwrap_or_default())))
            .await?;
        live(&b).await?;
        pick_free_seats(&b, 11).await?;
        let selected = selected_count(&b).await;
        check!(selected == 10, "10 seats selected, not {selected}");
        let notice = element(&b, ".picker p.error[role=alert]")
            .await?
            .text()
            .await?;
        check!(
            notice.contains("at most 10 seats"),
            "the 11th seat's message: {notice}"
        );
        screenshot(&b, "eleventh-seat").await?;
        Ok(())
    })
    .await
}

async fn a_hold_shows_in_another_browser_within_a_second(
    driver: &Driver,
    server: &Server,
) -> Outcome {
    let show = berlin_metropolis_shows(&server.base).await[2]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let url = server.url(&format!("/shows/{show}"));
    let (a, b) = (
        driver.browser(Viewport::Desktop).await,
        driver.browser(Viewport::Desktop).await,
    );
    let outcome = async {
        a.goto(&url).await?;
        b.goto(&url).await?;
        live(&a).await?;
        live(&b).await?;
        let seats = pick_free_seats(&a, 2).await?;
        let state_in_b = |wanted: &'static str| {
            let (b, seats) = (&b, &seats);
            async move {
                for seat in seats {
                    let class = js(
                        b,
                        &format!("return document.querySelector('[data-seat=\"{seat}\"]').getAttribute('class')"),
                    )
                    .await;
                    if !class.as_str().unwrap_or_default().contains(wanted) {
                        return None;
                    }
                }
                Some(())
            }
        };
        let clicked = Instant::now();
        click_button(&a, "Hold these seats").await?;
        eventually(Duration::from_secs(1), "the hold shows in the other browser", || {
            state_in_b("held")
        })
        .await?;
        println!("    hold seen by the other browser {:.0?} after the click", clicked.elapsed());
        screenshot(&b, "live-other-browser").await?;
        arrive(&a, "/checkout/").await?;
        let released = Instant::now();
        click_button(&a, "Cancel and release").await?;
        eventually(Duration::from_secs(1), "the release shows in the other browser", || {
            state_in_b("available")
        })
        .await?;
        println!("    release seen {:.0?} after the click", released.elapsed());
        Ok::<(), Failure>(())
    }
    .await;
    let _ = a.close().await;
    let _ = b.close().await;
    outcome
}

async fn a_waiter_is_offered_seats_when_a_hold_expires(
    driver: &Driver,
    server: &Server,
) -> Outcome {
    // The smallest hall: sessions of the API hold every seat.
    let shows = berlin_metropolis_shows(&server.base).await;
    let show = shows.iter().min_by_key(|s| capacity(s)).unwrap();
    let (id, mut free) = (show["id"].as_str().unwrap().to_owned(), capacity(show));
    while free > 0 {
        let count = free.min(10);
        let (status, hold) = Api::new(server)
            .post(
                &format!("/api/v1/shows/{id}/holds"),
                json!({ "best_available": { "count": count } }),
            )
            .await;
        check!(status == 201, "filling the show: {hold}");
        free -= count;
    }
    in_browser(driver, Viewport::Desktop, |b| async move {
        b.goto(&server.url(&format!("/shows/{id}"))).await?;
        live(&b).await?;
        check!(
            js(
                &b,
                "return document.querySelectorAll('circle.seat.available').length"
            )
            .await
                == 0,
            "every seat is held by others"
        );
        click_button(&b, "Wait for that many seats").await?;
        arrive(&b, "/waits/").await?;
        let place = element(&b, ".countdown").await?.text().await?;
        check!(place.contains("number 1 in line"), "first in line: {place}");
        screenshot(&b, "waitlist").await?;
        // The holds run out after 8 s; the waiter's seats are held for them.
        arrive(&b, "/checkout/").await?;
        element(&b, "ul.lines li.total").await?;
        let seats = b.find_all(Locator::Css("ul.lines li")).await?;
        check!(
            seats.len() == 3,
            "2 offered seats and the total, got {} lines",
            seats.len()
        );
        screenshot(&b, "waitlist-offer").await?;
        Ok(())
    })
    .await
}

async fn the_seat_map_fits_a_phone(driver: &Driver, server: &Server) -> Outcome {
    let show = berlin_metropolis_shows(&server.base).await[3]["id"].clone();
    in_browser(driver, Viewport::Phone, |b| async move {
        b.goto(&server.url(&format!("/shows/{}", show.as_str().unwrap_or_default())))
            .await?;
        live(&b).await?;
        let overflow = js(
            &b,
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
        )
        .await;
        check!(
            overflow == 0,
            "no sideways scrolling at 390 px, overflow {overflow}"
        );
        pick_free_seats(&b, 2).await?;
        check!(
            selected_count(&b).await == 2,
            "seats can be picked at phone width"
        );
        screenshot(&b, "phone-seat-map").await?;
        Ok(())
    })
    .await
}

/// The text of the first `css` element, or "" when there is none.
async fn text_of(browser: &Client, css: &str) -> String {
    js(
        browser,
        &format!("return document.querySelector('{css}')?.textContent ?? ''"),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Waits (up to `limit`) until the page is exactly `path`.
async fn arrive_at(browser: &Client, path: &str, limit: Duration) -> Outcome {
    eventually(limit, &format!("reach {path}"), || async {
        (harness::current_path(browser).await == path).then_some(())
    })
    .await?;
    Ok(())
}

/// A room of one shopper at a time: A is admitted and buys; meanwhile B,
/// behind a visitor of the API, watches its place go from 2 to 1 as A's
/// booking frees the slot, and gets in when that visitor leaves.
async fn two_browsers_in_a_waiting_room_take_their_turns(
    driver: &Driver,
    server: &Server,
) -> Outcome {
    let show = app_server::demo::room_show();
    let (seats, room) = (format!("/shows/{show}"), format!("/shows/{show}/room"));
    let (a, b) = (
        driver.browser(Viewport::Desktop).await,
        driver.browser(Viewport::Desktop).await,
    );
    let mut other = Api::new(server);
    let outcome = async {
        // A arrives at the seat map, is sent to the room, and is let in
        // within a pace or two.
        a.goto(&server.url(&seats)).await?;
        arrive_at(&a, &seats, Duration::from_secs(15)).await?;
        live(&a).await?;
        // Someone joins through the API, then B: second in line.
        let (status, joined) = other.post(&format!("/api/v1{room}"), json!(null)).await;
        check!(status == 201, "the API visitor joins: {joined}");
        check!(
            joined["standing"]["position"] == 1,
            "first in line: {joined}"
        );
        b.goto(&server.url(&seats)).await?;
        arrive(&b, &room).await?;
        live(&b).await?;
        let title = b.title().await?;
        check!(
            title.starts_with("#2 in line · Waiting room"),
            "the room's title: {title}"
        );
        let place = text_of(&b, "dd.position").await;
        check!(place == "2", "B is second in line, not {place}");
        let headline = text_of(&b, ".headline").await;
        check!(
            headline.contains("number 2 in line"),
            "headline: {headline}"
        );
        screenshot(&b, "waiting-room").await?;
        // A buys; the slot goes to the API visitor, and B moves up.
        pick_free_seats(&a, 2).await?;
        click_button(&a, "Hold these seats").await?;
        arrive(&a, "/checkout/").await?;
        element(&a, "form.pay button").await?.click().await?;
        arrive(&a, "/bookings/").await?;
        let moved = Instant::now();
        eventually(
            Duration::from_secs(10),
            "B moves to first in line",
            || async { (text_of(&b, "dd.position").await == "1").then_some(()) },
        )
        .await?;
        println!(
            "    B saw its place change {:.0?} after A's booking",
            moved.elapsed()
        );
        let headline = text_of(&b, ".headline").await;
        check!(
            headline.contains("number 1 in line"),
            "headline: {headline}"
        );
        check!(
            harness::current_path(&b).await == room,
            "B waits while the API visitor shops"
        );
        let (_, admitted) = other.get(&format!("/api/v1{room}")).await;
        check!(
            admitted["standing"]["state"] == "admitted",
            "the API visitor is admitted: {admitted}"
        );
        // The API visitor gives up its turn: B goes to the seats and holds.
        let (status, _) = other.delete(&format!("/api/v1{room}")).await;
        check!(status == 204, "the API visitor leaves: {status}");
        arrive_at(&b, &seats, Duration::from_secs(10)).await?;
        live(&b).await?;
        pick_free_seats(&b, 1).await?;
        click_button(&b, "Hold these seats").await?;
        arrive(&b, "/checkout/").await?;
        // B's booking frees the one slot for the next scenario.
        element(&b, "form.pay button").await?.click().await?;
        arrive(&b, "/bookings/").await?;
        Ok::<(), Failure>(())
    }
    .await;
    let _ = a.close().await;
    let _ = b.close().await;
    outcome
}

/// With JavaScript off, the waiting page reloads itself, and once the
/// visitor is admitted the server sends it to the seat map, which the pass
/// cookie opens.
async fn without_javascript_the_waiting_room_reloads_into_the_seats(
    driver: &Driver,
    server: &Server,
) -> Outcome {
    let show = app_server::demo::room_show();
    let (seats, room) = (format!("/shows/{show}"), format!("/shows/{show}/room"));
    let b = driver.browser_without_javascript().await;
    let outcome = async {
        b.goto(&server.url(&seats)).await?;
        arrive(&b, &room).await?;
        let headline = element(&b, ".headline").await?.text().await?;
        check!(
            headline.contains("in line"),
            "the room without JavaScript: {headline}"
        );
        let refresh = b
            .find_all(Locator::Css("meta[http-equiv=refresh]"))
            .await?
            .len();
        check!(refresh == 1, "a refresh meta, found {refresh}");
        // Admitted within a second; the next reload (10 s) leads to the seats.
        arrive_at(&b, &seats, Duration::from_secs(15)).await?;
        element(&b, "svg.seat-map").await?;
        let live = element(&b, ".live").await?.text().await?;
        check!(
            live.contains("Not live"),
            "the page was not hydrated: {live}"
        );
        Ok::<(), Failure>(())
    }
    .await;
    let _ = b.close().await;
    outcome
}

/// An organizer puts on a show through the admin API; a buyer finds it by
/// search, books two seats and gets tickets; the organizer cancels it; the
/// buyer's booking page says so, with the reason and the refund, and shows
/// no codes any more.
async fn an_organizers_show_is_found_booked_and_cancelled(
    driver: &Driver,
    server: &Server,
) -> Outcome {
    let mut organizer = Api::new(server).organizer(ORGANIZER);
    let city = created(
        "city",
        organizer
            .post(
                "/api/v1/admin/cities",
                json!({ "name": "Potsdam", "country": "DE",
                        "location": { "lat": 52.4, "lon": 13.06 }, "time_zone": "Europe/Berlin" }),
            )
            .await,
    )?;
    let venue = created(
        "venue",
        organizer
            .post(
                "/api/v1/admin/venues",
                json!({ "city": city, "name": "Thalia Arthouse",
                        "location": { "lat": 52.39, "lon": 13.1 } }),
            )
            .await,
    )?;
    let layout: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/layouts/studio.json"
    ))?)?;
    let hall = created(
        "hall",
        organizer
            .post(&format!("/api/v1/admin/venues/{venue}/halls"), layout)
            .await,
    )?;
    let event = created(
        "event",
        organizer
            .post(
                "/api/v1/admin/events",
                json!({ "kind": "concert", "title": "Quartetto Gelato", "duration_minutes": 90 }),
            )
            .await,
    )?;
    let starts_at = (time::OffsetDateTime::now_utc() + time::Duration::days(3))
        .format(&time::format_description::well_known::Rfc3339)?;
    let show = created(
        "show",
        organizer
            .post(
                "/api/v1/admin/shows",
                json!({ "event": event, "venue": venue, "hall": hall, "starts_at": starts_at,
                        "currency": "EUR", "prices": { "A": 1800, "P": 2400 } }),
            )
            .await,
    )?;

    in_browser(driver, Viewport::Desktop, |b| async move {
        search_for(&b, server, "quartetto gelatto").await?;
        follow(&b, "Quartetto Gelato").await?;
        arrive(&b, "/events/").await?;
        follow(&b, "Potsdam").await?;
        arrive(&b, "/events/").await?;
        element(&b, "a.time").await?.click().await?;
        let path = arrive(&b, "/shows/").await?;
        check!(path.contains(&show), "the organizer's show: {path}");
        live(&b).await?;
        pick_free_seats(&b, 2).await?;
        click_button(&b, "Hold these seats").await?;
        arrive(&b, "/checkout/").await?;
        pay_with(&b, "4242 4242 4242 4242").await?;
        arrive(&b, "/bookings/").await?;
        element(&b, "figure.qr svg").await?;

        let (status, cancelled) = organizer
            .post(
                &format!("/api/v1/admin/shows/{show}/cancel"),
                json!({ "reason": "Storm warning" }),
            )
            .await;
        check!(status == 200, "cancelled: {status} {cancelled}");
        b.refresh().await?;
        let heading = element(&b, "h1").await?.text().await?;
        check!(
            heading.starts_with("Cancelled: Quartetto Gelato"),
            "{heading}"
        );
        let notice = element(&b, "p.notice[role=status]").await?.text().await?;
        check!(
            notice.contains("The show was cancelled (Storm warning)")
                && notice.contains("has been refunded to the card ending 4242"),
            "{notice}"
        );
        let codes = js(
            &b,
            "return document.querySelectorAll('figure.qr svg').length",
        )
        .await;
        check!(
            codes == 0,
            "a cancelled booking shows no codes, got {codes}"
        );
        screenshot(&b, "booking-cancelled").await?;
        Ok(())
    })
    .await
}

/// The id of what an organizer's request created, or why it was not.
fn created(what: &str, (status, body): (u16, serde_json::Value)) -> Result<String, Failure> {
    check!(status == 201, "{what} created: {status} {body}");
    Ok(body["id"].as_str().unwrap_or_default().to_owned())
}

/// axe-core on every page of a buyer's path, from the home page to the
/// booking, my tickets and the waiting room (on `lobby`, whose sale never
/// opens during the run): all violations are printed
/// with their counts; any serious or critical one fails.
async fn the_buyers_pages_pass_axe(driver: &Driver, server: &Server, lobby: &Server) -> Outcome {
    let source = axe::script()?;
    let show = berlin_metropolis_shows(&server.base).await[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    in_browser(driver, Viewport::Desktop, |b| async move {
        let mut audits = Vec::new();
        let source = source.as_str();
        // Checks the page's title when one is given, then runs axe.
        macro_rules! audit {
            () => {
                audits.push(axe::audit(&b, source).await?)
            };
            ($title:expr) => {
                titled(&b, $title).await?;
                audit!()
            };
        }
        b.goto(&server.url("/")).await?;
        audit!();
        search_for(&b, server, "metropolis").await?;
        element(&b, "ul.cards").await?;
        audit!("Search: metropolis · Seatwise");
        follow(&b, "Metropolis").await?;
        arrive(&b, "/events/").await?;
        audit!();
        follow(&b, "Berlin").await?;
        element(&b, "a.time").await?;
        audit!("Metropolis · Berlin · Seatwise");
        follow(&b, "Berlin").await?;
        arrive(&b, "/cities/").await?;
        audit!("Berlin · Seatwise");
        element(&b, "ul.venues a").await?.click().await?;
        arrive(&b, "/venues/").await?;
        audit!();
        b.goto(&server.url(&format!("/shows/{show}"))).await?;
        live(&b).await?;
        audit!();
        pick_free_seats(&b, 1).await?;
        click_button(&b, "Hold these seats").await?;
        arrive(&b, "/checkout/").await?;
        audit!("Checkout · Metropolis · Seatwise");
        pay_with(&b, "4242 4242 4242 4242").await?;
        arrive(&b, "/bookings/").await?;
        element(&b, "figure.qr svg").await?;
        audit!("Booking · Metropolis · Seatwise");
        b.goto(&server.url("/tickets")).await?;
        element(&b, "ul.cards").await?;
        audit!("My tickets · Seatwise");
        let room = app_server::demo::room_show();
        b.goto(&lobby.url(&format!("/shows/{room}"))).await?;
        arrive(&b, &format!("/shows/{room}/room")).await?;
        live(&b).await?;
        audit!();
        let failing: Vec<String> = audits.iter().flat_map(axe::Audit::failing).collect();
        check!(
            failing.is_empty(),
            "serious or critical axe violations:\n  {}",
            failing.join("\n  ")
        );
        Ok(())
    })
    .await
}

/// Waits (up to 5 s) until the focus is on an element matching `css`.
async fn focus_on(b: &Client, css: &str) -> Outcome {
    let script = format!("return document.activeElement?.matches('{css}') ?? false");
    let focused = eventually(Duration::from_secs(5), "focus", || async {
        (js(b, &script).await == true).then_some(())
    })
    .await;
    if focused.is_ok() {
        return Ok(());
    }
    let now = js(b, "return document.activeElement?.outerHTML.slice(0, 80)").await;
    Err(format!("focus on {css}: not within 5 s (it is on {now})").into())
}

/// WCAG 2.2.1 and 2.4.3 at checkout: after holding, the focus is on the
/// checkout's heading; a minute before the end one alert offers more time,
/// which moves the countdown up by 2 minutes and is not offered again; a
/// declined card marks the card field; after paying, the focus is on the
/// booking's heading.
async fn the_last_minute_is_announced_and_more_time_given(
    driver: &Driver,
    server: &Server,
) -> Outcome {
    let show = berlin_metropolis_shows(&server.base).await[0]["id"].clone();
    in_browser(driver, Viewport::Desktop, |b| async move {
        b.goto(&server.url(&format!("/shows/{}", show.as_str().unwrap_or_default())))
            .await?;
        live(&b).await?;
        pick_free_seats(&b, 1).await?;
        click_button(&b, "Hold these seats").await?;
        arrive(&b, "/checkout/").await?;
        focus_on(&b, "h1").await?;
        check!(
            element(&b, ".countdown").await?.attr("aria-live").await? == Some("off".into()),
            "the countdown stays silent"
        );
        check!(
            text_of(&b, "[role=alert]").await.is_empty(),
            "no warning yet"
        );

        let warning = eventually(
            Duration::from_secs(15),
            "the last-minute warning",
            || async {
                let text = text_of(&b, ".hold-warning[role=alert]").await;
                (!text.is_empty()).then_some(text)
            },
        )
        .await?;
        check!(
            warning.contains("I need more time"),
            "a way to ask for more time: {warning}"
        );
        let before = text_of(&b, ".countdown").await;
        check!(
            before.contains("held for 0:") || before.contains("held for 1:00"),
            "{before}"
        );
        screenshot(&b, "checkout-last-minute").await?;
        click_button(&b, "I need more time").await?;
        let after = eventually(Duration::from_secs(5), "the countdown moved up", || async {
            let text = text_of(&b, ".countdown").await;
            (text.contains("held for 2:5") || text.contains("held for 3:00")).then_some(text)
        })
        .await?;
        check!(
            js(
                &b,
                "return document.querySelectorAll('.hold-warning, form.extend').length"
            )
            .await
                == 0,
            "no more time is offered after the extension: {after}"
        );
        focus_on(&b, ".countdown").await?;

        pay_with(&b, "4000 0000 0000 0002").await?;
        element(&b, "p#pay-error[role=alert]").await?;
        let card = element(&b, "input[name=card]").await?;
        check!(
            card.attr("aria-invalid").await? == Some("true".into())
                && card.attr("aria-describedby").await? == Some("pay-error".into()),
            "the declined card is marked and described"
        );
        pay_with(&b, "4242 4242 4242 4242").await?;
        arrive(&b, "/bookings/").await?;
        focus_on(&b, "h1").await?;
        Ok(())
    })
    .await
}

/// Opens the Berlin arena's show on `day` (0, 2, 4...: arenas play every
/// other day), 2,650 seats in four sections, and waits until it is live.
async fn open_arena(browser: &Client, server: &Server, day: u8) -> Outcome {
    let show = reservation_core::ShowId::from_name(&format!("Berlin Arena / Main/{day}/20"));
    browser.goto(&server.url(&format!("/shows/{show}"))).await?;
    live(browser).await?;
    Ok(())
}

/// Presses `key` on whatever has the keyboard focus.
async fn press(browser: &Client, key: Key) -> Outcome {
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    browser.perform_actions(keys).await?;
    Ok(())
}

/// How many seats of the map are in the Tab order.
async fn tab_stops(browser: &Client) -> u64 {
    count_of(browser, "svg.seat-map [tabindex=\"0\"]").await
}

/// Waits (up to 2 s) until the focused element's accessible name starts
/// with `name`.
async fn focus_reaches(browser: &Client, name: &str) -> Outcome {
    eventually(
        Duration::from_secs(2),
        &format!("focus on {name}"),
        || async {
            let label = js(
                browser,
                "return document.activeElement?.getAttribute('aria-label') ?? ''",
            )
            .await;
            label
                .as_str()
                .unwrap_or_default()
                .starts_with(name)
                .then_some(())
        },
    )
    .await?;
    Ok(())
}

/// The 2,650-seat arena is one Tab stop: from the skip link, Tab reaches
/// the control after the map in a few presses; the skip link jumps there;
/// the best-seats form comes before the map.
async fn keyboard_users_tab_past_the_arena_map(driver: &Driver, server: &Server) -> Outcome {
    in_browser(driver, Viewport::Desktop, |b| async move {
        open_arena(&b, server, 0).await?;
        let seats = count_of(&b, "circle.seat").await;
        check!(seats == 2650, "the arena's seats: {seats}");
        let best_first = js(
            &b,
            "const best = [...document.querySelectorAll('button')].find(e => e.textContent.includes('Hold the best seats')); \
             return !!(best.compareDocumentPosition(document.querySelector('svg.seat-map')) & Node.DOCUMENT_POSITION_FOLLOWING)",
        )
        .await;
        check!(best_first == true, "the best-seats form comes before the map");
        js(&b, "document.querySelector('a.skip').focus()").await;
        let past_the_map = "const map = document.querySelector('svg.seat-map'); \
             const at = document.activeElement; \
             return !map.contains(at) && !!(map.compareDocumentPosition(at) & Node.DOCUMENT_POSITION_FOLLOWING)";
        let (mut presses, mut path) = (0, Vec::new());
        loop {
            press(&b, Key::Tab).await?;
            presses += 1;
            let at = js(&b, "const e = document.activeElement; return `${e.tagName}.${e.getAttribute('class')}`").await;
            path.push(at.as_str().unwrap_or_default().to_owned());
            if js(&b, past_the_map).await == true {
                break;
            }
            check!(presses < 20, "not past the map after {presses} Tab presses");
        }
        let next = text_of(&b, ":focus").await;
        println!(
            "    {presses} Tab presses from the skip link past the arena's map ({}), to {next:?}",
            path.join(", ")
        );
        check!(presses <= 5, "{presses} Tab presses past the map");
        check!(next.contains("Hold these seats"), "after the map: {next}");
        js(&b, "document.querySelector('a.skip').focus()").await;
        press(&b, Key::Enter).await?;
        let at = js(&b, "return document.activeElement.id").await;
        check!(at == "after-seat-map", "the skip link leads past the map, to {at}");
        Ok(())
    })
    .await
}

/// Waits (up to 5 s: a client-side navigation sets it a moment later)
/// until the page's title is `expected`.
async fn titled(browser: &Client, expected: &str) -> Outcome {
    let shown = eventually(Duration::from_secs(5), "the title", || async {
        let title = browser.title().await.unwrap_or_default();
        (title == expected).then_some(())
    })
    .await;
    match shown {
        Ok(()) => Ok(()),
        Err(_) => Err(format!(
            "title of {}: {:?}, not {expected:?}",
            harness::current_path(browser).await,
            browser.title().await.unwrap_or_default()
        )
        .into()),
    }
}

/// Arrow keys move the focus from seat to seat and row to row, End and
/// PageDown along the row and to the next section; Space picks.
async fn arrow_keys_walk_the_arena_and_space_picks(driver: &Driver, server: &Server) -> Outcome {
    in_browser(driver, Viewport::Desktop, |b| async move {
        open_arena(&b, server, 2).await?;
        let stops = tab_stops(&b).await;
        check!(stops == 1, "one Tab stop in the map, not {stops}");
        js(&b, "document.querySelector('svg.seat-map [tabindex=\"0\"]').focus()").await;
        focus_reaches(&b, "Row FA, seat 1, ").await?;
        press(&b, Key::Right).await?;
        focus_reaches(&b, "Row FA, seat 2, ").await?;
        press(&b, Key::Down).await?;
        focus_reaches(&b, "Row FB, seat 2, ").await?;
        press(&b, Key::End).await?;
        focus_reaches(&b, "Row FB, seat 40, ").await?;
        // The nearest seat of the left tier's first row (x 126 of 501).
        press(&b, Key::PageDown).await?;
        focus_reaches(&b, "Row WA, seat 15, ").await?;
        press(&b, Key::Space).await?;
        let checked = eventually(Duration::from_secs(2), "Space picks the seat", || async {
            (js(&b, "return document.activeElement.getAttribute('aria-checked')").await == "true")
                .then_some(())
        })
        .await;
        checked?;
        let summary = element(&b, "#after-seat-map p").await?.text().await?;
        check!(summary.starts_with("1 seat WA15"), "running total: {summary}");
        let stops = tab_stops(&b).await;
        check!(stops == 1, "still one Tab stop, not {stops}");
        let wheelchair = js(
            &b,
            "return document.querySelector('[aria-label^=\"Row FT, seat 1,\"]').getAttribute('aria-label')",
        )
        .await;
        check!(
            wheelchair.as_str().is_some_and(|l| l.contains("wheelchair place")),
            "a wheelchair place says so: {wheelchair}"
        );
        Ok(())
    })
    .await
}

/// On a phone the arena's seats are specks; zoomed to a section they are
/// tap targets of at least 24 px (44 meant), and a tap picks one.
async fn a_phone_zooms_into_an_arena_section(driver: &Driver, server: &Server) -> Outcome {
    in_browser(driver, Viewport::Phone, |b| async move {
        open_arena(&b, server, 4).await?;
        let size = "const r = document.querySelector('circle.seat.available[data-section=\"0\"]').getBoundingClientRect(); \
             return Math.min(r.width, r.height)";
        let overview = js(&b, size).await.as_f64().unwrap_or(0.0);
        element(&b, "label.zoom select")
            .await?
            .select_by_value("0")
            .await?;
        element(&b, "svg.seat-map.zoomed").await?;
        let zoomed = js(&b, size).await.as_f64().unwrap_or(0.0);
        println!("    tap targets {overview:.1} px in the overview, {zoomed:.1} px zoomed to a section");
        let big_enough = zoomed.total_cmp(&24.0).is_ge();
        check!(big_enough, "zoomed tap targets of {zoomed} px");
        let seat = element(&b, "circle.seat.available[aria-label^=\"Row FC, seat 3,\"]").await?;
        seat.click().await?;
        eventually(Duration::from_secs(2), "the tapped seat is picked", || async {
            (seat.attr("aria-checked").await.ok()?.as_deref() == Some("true")).then_some(())
        })
        .await?;
        let overflow = js(
            &b,
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
        )
        .await;
        let wide = js(
            &b,
            "return [...document.querySelectorAll('body *')] \
               .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1) \
               .slice(0, 4).map(e => e.tagName + '.' + e.getAttribute('class'))",
        )
        .await;
        check!(overflow == 0, "the page does not scroll sideways: {overflow} px, {wide}");
        // The screenshot: the zoom control and the section's corner, row letters and all.
        js(&b, "document.querySelector('label.zoom').scrollIntoView(); document.querySelector('.seat-map-frame').scrollTo(0, 0)").await;
        screenshot(&b, "arena-phone-zoomed").await?;
        Ok(())
    })
    .await
}
