//! Reading a JSON request body so that each way it can be wrong gets its
//! own documented code, a message in plain English and the field's path.
//!
//! The body is read in two steps. First the bytes must be JSON at all (else
//! 400 `invalid_json`, with no parser position). Then the JSON value is
//! deserialized into the operation's type through `serde_path_to_error`,
//! which gives the path of the field that failed (`best_available.count`);
//! everything refused there is 422. serde reports errors as text only, so
//! the second step's errors are sorted by the fixed wording serde gives its
//! own categories (missing and unknown fields, wrong types and values);
//! anything else is a refusal of the reservation library's newtypes (their
//! `TryFrom` errors), each recognised by its message and given the code the
//! library's [`InputError`](reservation_core::InputError) has everywhere
//! (a unit test renders every one and checks it is recognised, so a changed
//! message fails a test, not a client). Messages name JSON kinds ("a whole
//! number", "an object"), never Rust types.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

use crate::error::ApiError;

mod wording;

/// The value of a JSON body, or why it is refused.
pub(crate) fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(
            "invalid_json",
            format!(
                "the request body is not valid JSON ({}); send a JSON object",
                wording::without_position(&error)
            ),
        )
    })?;
    // A `null` body says no more than an empty object: the same refusal
    // (the missing fields) is more useful than "not an object".
    if value.is_null() {
        value = Value::Object(serde_json::Map::new());
    }
    serde_path_to_error::deserialize::<_, T>(&value)
        .map_err(|error| refusal::<T>(&value, error.path(), &error.inner().to_string()))
}

/// The 422 for `message`, serde's error at `path` in `body`.
fn refusal<T: DeserializeOwned>(body: &Value, path: &Path, message: &str) -> ApiError {
    let segments: Vec<&Segment> = path.iter().collect();
    let here = at(body, &segments);
    let field = render(&segments, None);
    if let Some(name) = wording::backticked_after(message, "missing field ") {
        let field = render(&segments, Some(name));
        return ApiError::unprocessable("missing_field", format!("`{field}` is missing"))
            .with_details(serde_json::json!({ "field": field }));
    }
    for prefix in ["unknown field ", "unknown variant "] {
        if let Some(name) = wording::backticked_after(message, prefix) {
            let expected = wording::names_after(message, "expected ");
            // A text value that is not one of the allowed ones (an event's
            // `kind`), rather than a key that is not a field.
            if here.and_then(Value::as_str) == Some(name) {
                let text = format!(
                    "`{field}` is not allowed to be `{name}`{}",
                    wording::one_of(&expected)
                );
                return invalid(&field, "invalid_value", text);
            }
            let field = render(&segments, Some(name));
            return ApiError::unprocessable(
                "unknown_field",
                format!(
                    "`{field}` is not a field here{}",
                    wording::one_of(&expected)
                ),
            )
            .with_details(serde_json::json!({ "field": field }));
        }
    }
    if message.contains("map with a single key") || message.ends_with("expected string or map") {
        return one_of_fields::<T>(body, &segments, here);
    }
    let Some(here) = here else {
        return invalid(
            &field,
            "invalid_value",
            format!("`{field}` is refused: {message}"),
        );
    };
    if let Some(expected) = wording::expected(message, "invalid type: ") {
        let text = format!("`{field}` must be {expected}, not {}", wording::kind(here));
        return invalid(&field, "invalid_type", text);
    }
    if let Some(expected) = wording::expected(message, "invalid value: ")
        .or_else(|| wording::expected(message, "invalid length "))
    {
        let text = format!("`{field}` must be {expected}, not {}", wording::shown(here));
        return invalid(&field, "invalid_value", text);
    }
    // The library's own refusal of the value, in its words.
    let code = wording::library_code(message).unwrap_or("invalid_value");
    invalid(
        &field,
        code,
        format!("`{field}`: {}", wording::library_message(message)),
    )
}

/// A 422 with `code` about `field`.
fn invalid(field: &str, code: &'static str, message: String) -> ApiError {
    ApiError::unprocessable(code, message).with_details(serde_json::json!({ "field": field }))
}

/// An object that must hold exactly one of several fields (an enum, such
/// as a hold's `seats` or `best_available`) holds none or more than one.
/// Its field names are serde's: asked for a variant named "" it lists
/// them.
fn one_of_fields<T: DeserializeOwned>(
    body: &Value,
    segments: &[&Segment],
    here: Option<&Value>,
) -> ApiError {
    let names = variants::<T>(body, segments);
    let given: Vec<String> = here
        .and_then(Value::as_object)
        .map(|object| {
            object
                .keys()
                .map(|key| render(segments, Some(key.as_str())))
                .collect()
        })
        .unwrap_or_default();
    if !here.is_some_and(Value::is_object) {
        let field = render(segments, None);
        let kind = here.map_or("missing", wording::kind);
        let text = format!(
            "`{field}` must be an object with {}, not {kind}",
            wording::listed(&names, "or")
        );
        return invalid(&field, "invalid_type", text);
    }
    // A key that is none of the fields is unknown, whatever else is there.
    if let Some(stranger) = here
        .and_then(Value::as_object)
        .and_then(|object| object.keys().find(|key| !names.contains(key)))
        .filter(|_| !names.is_empty())
    {
        let field = render(segments, Some(stranger.as_str()));
        return ApiError::unprocessable(
            "unknown_field",
            format!("`{field}` is not a field here{}", wording::one_of(&names)),
        )
        .with_details(serde_json::json!({ "field": field }));
    }
    if given.len() > 1 {
        let text = format!(
            "send only one of {}",
            wording::listed(
                &names
                    .iter()
                    .map(|n| render(segments, Some(n.as_str())))
                    .collect::<Vec<_>>(),
                "or"
            )
        );
        return ApiError::unprocessable("conflicting_fields", text)
            .with_details(serde_json::json!({ "fields": given }));
    }
    if names.is_empty() {
        let field = render(segments, None);
        return invalid(
            &field,
            "invalid_type",
            format!("`{field}` must be an object"),
        );
    }
    let field = names
        .iter()
        .map(|name| render(segments, Some(name.as_str())))
        .collect::<Vec<_>>()
        .join(" or ");
    let text = format!("the body needs {}", wording::listed(&names, "or"));
    ApiError::unprocessable("missing_field", text)
        .with_details(serde_json::json!({ "field": field }))
}

/// The variant names of the enum at `segments`, as serde lists them.
fn variants<T: DeserializeOwned>(body: &Value, segments: &[&Segment]) -> Vec<String> {
    let mut probe = body.clone();
    let Some(slot) = at_mut(&mut probe, segments) else {
        return Vec::new();
    };
    *slot = Value::String(String::new());
    match serde_path_to_error::deserialize::<_, T>(&probe) {
        Ok(_) => Vec::new(),
        Err(error) => wording::names_after(&error.inner().to_string(), "expected "),
    }
}

/// The value at `segments`.
fn at<'v>(value: &'v Value, segments: &[&Segment]) -> Option<&'v Value> {
    segments
        .iter()
        .try_fold(value, |value, segment| match segment {
            Segment::Seq { index } => value.get(*index),
            Segment::Map { key } | Segment::Enum { variant: key } => value.get(key.as_str()),
            _ => None,
        })
}

/// The value at `segments`, to change.
fn at_mut<'v>(value: &'v mut Value, segments: &[&Segment]) -> Option<&'v mut Value> {
    segments
        .iter()
        .try_fold(value, |value, segment| match segment {
            Segment::Seq { index } => value.get_mut(*index),
            Segment::Map { key } | Segment::Enum { variant: key } => value.get_mut(key.as_str()),
            _ => None,
        })
}

/// A field's path as clients write it (`best_available.count`,
/// `seats[2]`), with `name` appended unless the path already ends in it;
/// the body itself is `body`.
fn render(segments: &[&Segment], name: Option<&str>) -> String {
    let mut path = String::new();
    let mut names: Vec<String> = segments
        .iter()
        .map(|segment| match segment {
            Segment::Seq { index } => format!("[{index}]"),
            Segment::Map { key } | Segment::Enum { variant: key } => key.clone(),
            _ => "?".to_owned(),
        })
        .collect();
    if let Some(name) = name
        && names.last().map(String::as_str) != Some(name)
    {
        names.push(name.to_owned());
    }
    for part in names {
        if !path.is_empty() && !part.starts_with('[') {
            path.push('.');
        }
        path.push_str(&part);
    }
    if path.is_empty() {
        "body".to_owned()
    } else {
        path
    }
}

#[cfg(test)]
mod tests;
