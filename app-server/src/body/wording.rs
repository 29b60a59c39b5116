//! serde's and serde_json's error texts, read and reworded for clients:
//! no parser positions, no Rust type names.

use serde_json::Value;

/// A syntax error without " at line 1 column 32".
pub(super) fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rsplit_once(" at line ") {
        Some((head, tail)) if tail.starts_with(|c: char| c.is_ascii_digit()) => head.to_owned(),
        _ => text,
    }
}

/// The backticked name right after `prefix`: `count` in "missing field
/// `count`".
pub(super) fn backticked_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split_once('`').map(|(name, _)| name)
}

/// Every backticked name after `marker`: serde's list of what it expected.
pub(super) fn names_after(message: &str, marker: &str) -> Vec<String> {
    let Some((_, list)) = message.split_once(marker) else {
        return Vec::new();
    };
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// "; expected `a` or `b`", or nothing when serde named nothing.
pub(super) fn one_of(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!("; expected {}", listed(names, "or"))
    }
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
pub(super) fn listed(names: &[String], conjunction: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

/// What serde expected, in plain words, when `message` starts with `prefix`
/// ("invalid type: string \"four\", expected u64" gives "a whole number
/// of 0 or more").
pub(super) fn expected(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    let (_, expected) = rest.rsplit_once(", expected ")?;
    Some(plain(expected))
}

/// A Rust-flavoured expectation as a client would say it.
fn plain(expected: &str) -> String {
    let text = expected.trim();
    let said = match text {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number of 0 or more",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" | "bool" => "true or false",
        "a string" | "a borrowed string" | "a character" | "char" => "a string",
        "a sequence" | "a list" => "a list",
        "string or map" | "a map" | "map" => "an object",
        _ if text.starts_with("struct ") || text.starts_with("map ") => "an object",
        _ if text.starts_with("tuple") || text.starts_with("an array") => "a list",
        _ if text.starts_with("enum ") => "one of the documented values",
        _ if (text.starts_with("a ") || text.starts_with("an ")) && is_plain(text) => text,
        _ => "a value of the documented type",
    };
    said.to_owned()
}

/// No type names: no backticks, paths or generics, and no CamelCase word.
fn is_plain(text: &str) -> bool {
    !text.contains(['`', ':', '<', '_'])
        && !text
            .split_whitespace()
            .any(|word| word.starts_with(char::is_uppercase) && word.contains(char::is_lowercase))
}

/// The kind of a JSON value, for "must be a number, not a string".
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(number) if number.is_f64() => "a decimal number",
        Value::Number(_) => "a whole number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A refused value as the client sent it, cut after 40 characters.
pub(super) fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// What the reservation library's refusals say, and the code of each (its
/// `InputError`'s, as `app_web::refusal::codes::input_code` gives it):
/// the library's newtypes refuse a value through serde as text only.
const LIBRARY: &[(&str, &str)] = &[
    ("a request takes 1 to", "invalid_seat_count"),
    ("is listed twice", "duplicate_seat"),
    ("not a valid card number", "invalid_card_number"),
    ("is not a price category code", "invalid_category_code"),
    ("is not a currency code", "invalid_currency"),
    ("is not a position", "invalid_position"),
    ("is not an IANA time zone name", "unknown_time_zone"),
    ("malformed hold token", "malformed_hold_token"),
    ("is not a cancellation reason", "invalid_cancel_reason"),
    ("(expected a UUID)", "invalid_id"),
    (UUID_FAILED, "invalid_id"),
];

/// How the uuid crate's refusals start (ids are UUIDs).
const UUID_FAILED: &str = "UUID parsing failed";

/// The code of the library refusal `message` is, if it is one.
pub(super) fn library_code(message: &str) -> Option<&'static str> {
    LIBRARY
        .iter()
        .find(|(words, _)| message.contains(words))
        .map(|(_, code)| *code)
}

/// A library refusal's message for clients: the uuid crate's parser
/// details (character positions) become what an id is.
pub(super) fn library_message(message: &str) -> String {
    if message.starts_with(UUID_FAILED) {
        "not a valid id (expected a UUID)".to_owned()
    } else {
        message.to_owned()
    }
}
