//! Removes token values from response bodies before they are kept in an error.

use serde_json::Value;

/// Keys whose values are secrets wherever they appear in a body.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code_verifier",
    "password",
];
const REDACTED: &str = "[redacted]";

/// Redacts a body: JSON structurally, anything else (truncated JSON, form-encoded) textually.
pub(crate) fn redact_body(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(mut value) => {
            redact_value(&mut value);
            value.to_string()
        }
        Err(_) => redact_text(text),
    }
}

fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if SECRET_KEYS.contains(&key.as_str()) {
                    *child = Value::String(REDACTED.into());
                } else {
                    redact_value(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// Masks `"key": "value"` and `key=value` occurrences in text that is not valid JSON.
fn redact_text(text: &str) -> String {
    let mut out = text.to_owned();
    for key in SECRET_KEYS {
        out = mask_after(&out, &format!("\"{key}\""), |rest| {
            // Skip `\s*:\s*"`, then mask to the closing quote (or the end of a truncated body).
            let trimmed = rest.trim_start();
            let after_colon = trimmed.strip_prefix(':')?.trim_start();
            let value = after_colon.strip_prefix('"')?;
            let start = rest.len() - value.len();
            let mut end = value.len();
            let mut escaped = false;
            for (i, c) in value.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = i;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            Some((start, start + end))
        });
        out = mask_after(&out, &format!("{key}="), |rest| {
            let end = rest.find(['&', ' ', '\n', '"']).unwrap_or(rest.len());
            Some((0, end))
        });
    }
    out
}

/// Replaces, after each occurrence of `marker`, the byte range `span` finds in the rest.
fn mask_after(text: &str, marker: &str, span: impl Fn(&str) -> Option<(usize, usize)>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(marker) {
        let after = pos + marker.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        if let Some((start, end)) = span(rest) {
            out.push_str(&rest[..start]);
            out.push_str(REDACTED);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// Removes quoted values from a decoder message (`invalid type: string "..."`), which could
/// otherwise echo a secret.
pub(crate) fn scrub_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    for c in message.chars() {
        if c == '"' {
            if in_quote {
                out.push_str("...\"");
            } else {
                out.push('"');
            }
            in_quote = !in_quote;
        } else if !in_quote {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_lose_their_tokens() {
        let body =
            r#"{"access_token":"eyJhbGci","nested":{"refresh_token":"r1"},"scope":"data:read"}"#;
        let out = redact_body(body);
        assert!(!out.contains("eyJhbGci") && !out.contains("r1"), "{out}");
        assert!(out.contains("data:read"));
    }

    #[test]
    fn truncated_and_form_bodies_lose_their_tokens() {
        let out = redact_body(r#"{"token_type":"Bearer","access_token" : "eyJhb\"Gci"#);
        assert_eq!(
            out,
            r#"{"token_type":"Bearer","access_token" : "[redacted]"#
        );
        let out = redact_body("access_token=abc&scope=x&refresh_token=def");
        assert_eq!(
            out,
            "access_token=[redacted]&scope=x&refresh_token=[redacted]"
        );
    }

    #[test]
    fn messages_lose_quoted_values() {
        assert_eq!(
            scrub_message(r#"invalid type: string "eyJ", expected i64 at line 1 column 9"#),
            r#"invalid type: string "...", expected i64 at line 1 column 9"#
        );
    }
}
