//! Sentences: serde's messages rewritten to name the thing that is wrong ("a server must be an
//! object, found a number").

use serde_json::Value;

use super::SCHEME_TYPES;
use super::role::Role;
use crate::error::Pointer;
use crate::load::kind_of;

/// The plain sentence for a value no rule explained: what it should be, and what it has.
pub(super) fn not_valid(raw: &Value, ptr: &Pointer, role: &Role) -> String {
    let what = role.bare().unwrap_or("value here");
    match ptr.lookup(raw) {
        Some(Value::Object(map)) if map.is_empty() => {
            format!("this is not a valid {what}: it is an empty mapping")
        }
        Some(Value::Object(map)) => {
            let mut keys: Vec<String> = map.keys().take(8).map(|k| format!("`{k}`")).collect();
            if map.len() > 8 {
                keys.push("...".into());
            }
            format!(
                "this is not a valid {what}: it has the keys {}",
                keys.join(", ")
            )
        }
        Some(other) => format!("this is not a valid {what}: it is {}", kind_of(other)),
        None => format!("this is not a valid {what}"),
    }
}

/// What the url crate says of a URL it cannot read.
const URL_ERRORS: [&str; 10] = [
    "empty host",
    "invalid international domain name",
    "invalid port number",
    "invalid IPv4 address",
    "invalid IPv6 address",
    "invalid domain character",
    "relative URL without a base",
    "relative URL with a cannot-be-a-base base",
    "a cannot-be-a-base URL doesn't have a host to set",
    "URLs more than 4 GB are not supported",
];

/// serde's message for the value at `ptr`, as a sentence that names the thing.
pub(super) fn translate(raw: &Value, ptr: &Pointer, role: &Role, message: &str) -> String {
    let value = ptr.lookup(raw);
    let subject = subject(raw, ptr, role);
    if let Some(reason) = URL_ERRORS.iter().find(|e| message.contains(**e))
        && let Some(Value::String(url)) = value
    {
        return format!("{subject} must be an absolute URL, found `{url}` ({reason})");
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("{subject} needs `{field}`");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (found, rest) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        if *role == Role::SecurityScheme {
            return format!(
                "unknown security scheme type `{found}` (expected one of {SCHEME_TYPES})"
            );
        }
        return match allowed.as_slice() {
            [] => format!("{subject} does not allow `{found}`"),
            [one] => format!("{subject} must be `{one}`, found `{found}`"),
            many => format!(
                "{subject} must be one of {}, found `{found}`",
                many.join(", ")
            ),
        };
    }
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let found = match value {
                Some(Value::String(s)) if prefix == "invalid value: " => format!("`{s}`"),
                Some(value) => kind_of(value).to_owned(),
                None => unexpected.to_owned(),
            };
            let last = ptr.tokens().last().unwrap_or_default();
            return format!(
                "{subject} must be {}, found {found}",
                in_words(expected, &last)
            );
        }
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("{subject} has `{field}` twice");
    }
    message.to_owned()
}

/// serde's name of an expected shape, in words; `key` is where the value is (for the names
/// `oas3`'s enums allow).
pub(super) fn in_words(expected: &str, key: &str) -> String {
    // serde_json's answer when an enum is given something other than a name.
    if matches!(expected, "string or map" | "map with a single key") {
        return match key {
            "in" => "one of path, query, header, cookie".into(),
            "style" => {
                "one of matrix, label, form, simple, spaceDelimited, pipeDelimited, deepObject"
                    .into()
            }
            _ => "one of the names allowed here".into(),
        };
    }
    let words = match expected {
        "" => "something else",
        "a map" => "a mapping",
        "a sequence" => "a list",
        "a string" | "a borrowed string" | "a character" => "a string",
        "a boolean" => "true or false",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "f32" | "f64" | "a JSON number" => "a number",
        "a string representing an URL" => "an absolute URL",
        "unit" => "null",
        "variant identifier" => "one of the names allowed here",
        other if other.starts_with("struct ") => "an object",
        other if other.starts_with("enum ") => "one of the names allowed here",
        other => other,
    };
    words.to_owned()
}

/// How a sentence names the value at `ptr`: by its role (`a parameter`, `the OAuth 2.0
/// `clientCredentials` flow`), or by its key (`` `title` ``).
pub(super) fn subject(raw: &Value, ptr: &Pointer, role: &Role) -> String {
    if *role == Role::SecurityScheme
        && let Some(ty) = ptr
            .lookup(raw)
            .and_then(|v| v.get("type"))
            .and_then(Value::as_str)
    {
        return format!("a security scheme of type `{ty}`");
    }
    if let Some(noun) = role.noun() {
        return noun;
    }
    let tokens: Vec<String> = ptr.tokens().collect();
    match tokens.as_slice() {
        [] => "the document".into(),
        [.., parent, last] if last.parse::<usize>().is_ok() => {
            format!("entry {last} of `{parent}`")
        }
        [.., last] => format!("`{last}`"),
    }
}
