//! The OpenAPI document of every route, generated from the handlers' and
//! the library types' annotations.

use std::sync::LazyLock;

use axum::Json;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{admin, catalog, events, holds, me, room, shows, tickets, waits};
use crate::error::catalogue;

/// The API's OpenAPI 3 document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Seatwise API", description = "Browse, search, hold seats, pay, wait. Errors are JSON with a stable code."),
    paths(
        catalog::cities,
        catalog::events_in_city,
        catalog::events_at_venue,
        catalog::event,
        catalog::search,
        shows::show,
        shows::seat_map,
        events::stream,
        holds::create,
        holds::status,
        holds::release,
        holds::extend,
        holds::confirm,
        holds::booking,
        holds::cancel_booking,
        me::tickets,
        tickets::verify,
        waits::join,
        waits::status,
        waits::cancel,
        room::join,
        room::status,
        room::leave,
        admin::catalog::create_city,
        admin::catalog::create_venue,
        admin::catalog::create_hall,
        admin::catalog::create_performer,
        admin::catalog::create_event,
        admin::catalog::create_show,
        admin::updates::update_city,
        admin::updates::update_venue,
        admin::updates::update_performer,
        admin::updates::update_event,
        admin::sales::pause,
        admin::sales::resume,
        admin::sales::reschedule,
        admin::sales::cancel,
        document,
    ),
    components(schemas(reservation_core::catalog::search::SearchSort, reservation_core::ShowEvent)),
    modifiers(&CommonResponses, &ErrorCodes, &Links, &EventStream, &OrganizerToken),
    tags(
        (name = "catalog", description = "Cities, events, venues, search"),
        (name = "shows", description = "A show, its seat map and its live changes"),
        (name = "holds", description = "Holds, payment and bookings"),
        (name = "waits", description = "The first-come-first-served waitlist"),
        (name = "rooms", description = "A show's on-sale waiting room: a fair line; admitted visitors get a pass to hold seats and wait"),
        (name = "admin", description = "For organizers, with the server's admin token: put on cities, venues, halls from a seating-layout document, performers, events and shows, and correct cities, venues, performers and events"),
    )
)]
pub(crate) struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "catalog", responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub(crate) async fn document() -> Json<serde_json::Value> {
    static DOCUMENT: LazyLock<serde_json::Value> = LazyLock::new(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        camel_case_links(&mut document);
        document
    });
    Json(DOCUMENT.clone())
}

/// utoipa 5.5 writes a link's fields in snake case (`operation_id`); OpenAPI
/// spells them `operationId`, `operationRef`, `requestBody`.
fn camel_case_links(document: &mut serde_json::Value) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    let responses = paths
        .values_mut()
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation["responses"].as_object_mut())
        .flat_map(|responses| responses.values_mut());
    for response in responses {
        let Some(links) = response.get_mut("links").and_then(|l| l.as_object_mut()) else {
            continue;
        };
        for link in links
            .values_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            for (snake, camel) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
                ("request_body", "requestBody"),
            ] {
                if let Some(value) = link.remove(snake) {
                    link.insert(camel.to_owned(), value);
                }
            }
        }
    }
}

/// Answers every operation may give besides its own: a malformed path or
/// query (400); for JSON bodies, not JSON (400), too large (413), not sent
/// as JSON (415) or of refused content (422); for hold creation, the rate
/// limit (429).
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (_, operation) in operations(openapi) {
            let mut add = |status: &str, description: &str| {
                let error = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Error")))
                    .build();
                let response = ResponseBuilder::new()
                    .description(description)
                    .content("application/json", error)
                    .build();
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert(RefOr::T(response));
            };
            add(
                "400",
                "Malformed path or query, or a body that is not JSON (`invalid_json`)",
            );
            if operation.request_body.is_some() {
                add("413", "Body too large (`body_too_large`)");
                add("415", "Body not sent as JSON (`unsupported_media_type`)");
                add(
                    "422",
                    "The body's content is refused: a missing, unknown or mistyped field, or a value out of range (see `code` and `details.field`)",
                );
            }
            if operation.operation_id.as_deref() == Some("create_hold") {
                add("429", "Too many holds: see Retry-After");
            }
        }
    }
}

/// Every error `code` the API answers with, and what each means, on the
/// error schema: clients switch on codes, so the list is part of the API.
struct ErrorCodes;

impl Modify for ErrorCodes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let Some(RefOr::T(Schema::Object(detail))) = components.schemas.get_mut("ErrorDetail")
        else {
            return;
        };
        let codes = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(catalogue::CODES.iter().map(|(code, _)| *code)))
            .description(Some(format!(
                "Stable machine-readable code, one of:\n\n{}",
                catalogue::markdown()
            )))
            .build();
        detail
            .properties
            .insert("code".to_owned(), RefOr::T(Schema::Object(codes)));
    }
}

/// How the ids in answers feed later operations: a hold's token, a
/// booking's id, a wait's id (clients and API fuzzers follow these).
struct Links;

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let links: [(&str, &str, &str, &[&str]); 3] = [
            (
                "create_hold",
                "201",
                "token",
                &["hold_status", "release_hold", "confirm_hold", "extend_hold"],
            ),
            (
                "confirm_hold",
                "200",
                "booking",
                &["get_booking", "cancel_booking"],
            ),
            (
                "join_waitlist",
                "201",
                "wait",
                &["wait_status", "cancel_wait"],
            ),
        ];
        for (_, operation) in operations(openapi) {
            let Some((_, status, parameter, targets)) = links
                .iter()
                .find(|(from, ..)| operation.operation_id.as_deref() == Some(*from))
            else {
                continue;
            };
            let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status) else {
                continue;
            };
            let field = if *parameter == "token" { "token" } else { "id" };
            for target in *targets {
                let link = LinkBuilder::new()
                    .operation_id(*target)
                    .parameter(*parameter, format!("$response.body#/{field}"))
                    .build();
                response.links.insert((*target).to_owned(), RefOr::T(link));
            }
        }
    }
}

/// The show's event stream: each event is `id` (the sequence), `event`
/// (`change` or `resync`) and `data`, a ShowEvent as JSON for `change`.
struct EventStream;

impl Modify for EventStream {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let envelope = serde_json::json!({
            "type": "object",
            "required": ["data"],
            "properties": {
                "id": { "type": "string", "description": "The event's sequence number" },
                "event": { "type": "string", "enum": ["change", "resync"] },
                "data": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": { "$ref": "#/components/schemas/ShowEvent" }
                }
            }
        });
        let Ok(envelope) = serde_json::from_value::<utoipa::openapi::schema::Schema>(envelope)
        else {
            return;
        };
        for (_, operation) in operations(openapi) {
            if operation.operation_id.as_deref() != Some("stream") {
                continue;
            }
            if let Some(RefOr::T(response)) = operation.responses.responses.get_mut("200") {
                response.content.insert(
                    "text/event-stream".to_owned(),
                    ContentBuilder::new().schema(Some(envelope.clone())).build(),
                );
            }
        }
    }
}

/// Every operation of the document, with its path.
fn operations(
    openapi: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = (&String, &mut Operation)> {
    openapi.paths.paths.iter_mut().flat_map(|(path, item)| {
        [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
        .map(move |operation| (path, operation))
    })
}

/// The organizer routes' security scheme: the admin token as a bearer token.
struct OrganizerToken;

impl Modify for OrganizerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "organizer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The server's admin token (--admin-token)"))
                    .build(),
            ),
        );
    }
}
