//! "My tickets" (`/tickets`): a session's bookings, holds and waits, linked
//! from every page's header, rendered complete on the server.

use reservation_core::HolderId;

use super::{fixture_app, get, main_of, one_at_a_time};

#[test]
fn my_tickets_lists_the_sessions_booking_and_its_link_works() {
    one_at_a_time(async {
        let (app, f) = fixture_app().await;
        let me = HolderId::random();
        let paid = f.hold(f.show, me, &["J5", "J6"]).await.unwrap();
        let booking = f.engine.confirm(&paid.token, me, f.card()).await.unwrap();
        let open = f.hold(f.show, me, &["A1"]).await.unwrap();

        let (status, _, html) = get(&app, "/tickets", Some(me)).await;
        assert_eq!(status, axum::http::StatusCode::OK);
        let main = main_of(&html);
        assert!(main.contains(">My tickets</h1>"), "{main}");
        let to_booking = format!("href=\"/bookings/{}\"", booking.id);
        assert!(main.contains(&to_booking), "{main}");
        assert!(
            main.contains("Avengers: Endgame") && main.contains("Grand Cinema"),
            "{main}"
        );
        assert!(main.contains("Wed 2 Jan, 06:00 CST"), "{main}");
        assert!(main.contains("2 tickets · 30.00 EUR"), "{main}");
        assert!(
            main.contains(&format!("href=\"/checkout/{}\"", open.token)),
            "the open hold leads to checkout: {main}"
        );
        assert!(main.contains("left to pay"), "{main}");

        let (status, _, page) = get(&app, &format!("/bookings/{}", booking.id), Some(me)).await;
        assert_eq!(status, axum::http::StatusCode::OK);
        let page = main_of(&page);
        assert!(page.contains("Booked: Avengers: Endgame"), "{page}");
        assert_eq!(page.matches("<svg").count(), 2, "the QR codes: {page}");

        let (_, _, theirs) = get(&app, "/tickets", Some(HolderId::random())).await;
        let theirs = main_of(&theirs);
        assert!(theirs.contains("Nothing here yet"), "{theirs}");
        assert!(
            theirs.contains("href=\"/\""),
            "the empty page leads to browsing"
        );
        assert!(!theirs.contains(&booking.id.to_string()), "{theirs}");
    });
}

#[test]
fn every_page_s_header_links_to_my_tickets() {
    one_at_a_time(async {
        let (app, _) = fixture_app().await;
        let (_, _, html) = get(&app, "/", None).await;
        let header = &html[html.find("<header").unwrap()..html.find("</header>").unwrap()];
        assert!(
            header.contains("href=\"/tickets\"") && header.contains("My tickets"),
            "{header}"
        );
    });
}
