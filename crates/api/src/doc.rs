//! The OpenAPI 3.1 document, generated from the operations' and the wire
//! types' Rust definitions (`utoipa`). `docs/openapi.json` is this
//! document, checked in; a test fails when it is stale.

use crate::live::LiveEvent;
use crate::problem::Problem;
use crate::{carts, holds, routes, sales};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Dangol register API",
        description = "The register's side of Dangol, on the shop PC: identify a customer, read their card, push the cart and hear its discounts before payment, report the sale exactly once, refunds and the customer's voice. Every request carries the token from the token file (Authorization: Bearer) and is addressed to 127.0.0.1 or localhost; every refusal is application/problem+json with a stable type. See docs/register-api.md."
    ),
    paths(
        routes::search,
        routes::customer,
        sales::feedback,
        routes::quote,
        carts::push,
        carts::read,
        carts::choose,
        carts::close,
        carts::events,
        holds::hold,
        holds::read,
        holds::release,
        sales::report,
        sales::refund,
        routes::openapi,
        routes::reference
    ),
    components(schemas(Problem, LiveEvent)),
    modifiers(&Token),
    security(("token" = [])),
    tags(
        (name = "identify", description = "Who the customer is"),
        (name = "quote", description = "What the cart is owed, before payment"),
        (name = "carts", description = "The register's cart at the counter, the cashier's choices on it, and the events"),
        (name = "points", description = "Points held for a redemption at payment"),
        (name = "sales", description = "Completed sales and refunds, each once per Idempotency-Key"),
        (name = "meta", description = "This document, and this reference as a page"),
    )
)]
pub struct ApiDoc;

struct Token;

impl Modify for Token {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token file's 64 hex digits"))
                    .build(),
            ),
        );
    }
}

/// The document as JSON.
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document is plain data");
    camel_case_links(&mut doc);
    doc
}

/// utoipa 5.5 writes a response link's fields in snake case
/// (`operation_id`); OpenAPI names them in camel case (`operationId`), and
/// a tool following the link finds no operation otherwise.
fn camel_case_links(doc: &mut serde_json::Value) {
    let operations = doc.get_mut("paths").and_then(|p| p.as_object_mut()).into_iter().flat_map(|p| p.values_mut());
    let responses = operations
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|r| r.values_mut());
    for link in responses
        .filter_map(|r| r.get_mut("links").and_then(|l| l.as_object_mut()))
        .flat_map(|l| l.values_mut())
        .filter_map(|l| l.as_object_mut())
    {
        for (snake, camel) in
            [("operation_id", "operationId"), ("operation_ref", "operationRef"), ("request_body", "requestBody")]
        {
            if let Some(v) = link.remove(snake) {
                link.insert(camel.to_string(), v);
            }
        }
    }
}

/// The document as the checked-in file holds it.
pub fn pretty() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("the document is plain data");
    text.push('\n');
    text
}
