//! The text scanner: masks, in text that is not JSON, the values of secret keys, JWTs and
//! `Bearer` credentials, working on ASCII bytes only; and the scrubbers of decoder messages.

use super::{REDACTED, is_secret_key};

/// Characters of a key (and of a JWT segment, which is base64url: the same set).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Characters of an RFC 6750 `b64token` (the credential after `Bearer `).
fn is_b64token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// Masks, in text that is not JSON, the values of secret keys (`key=value`, `"key": value`,
/// `key: value`, quoted or not), JWTs and `Bearer` credentials.
pub fn redact_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `text[copied..i]` is still to be copied to `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) || (i > 0 && is_word_byte(bytes[i - 1])) {
            i += 1;
            continue;
        }
        // A word starts at `i`.
        let word_end = scan(bytes, i, is_word_byte);
        let word = &text[i..word_end];
        let masked = if let Some(span) = jwt_at(bytes, i) {
            Some(span)
        } else if word.eq_ignore_ascii_case("bearer") {
            bearer_value(bytes, word_end)
        } else if is_secret_key(word) {
            key_value(bytes, word_end)
        } else {
            None
        };
        match masked {
            Some((start, end)) => {
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end.max(word_end);
            }
            None => i = word_end,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The end of the run of bytes from `from` that `pred` accepts.
fn scan(bytes: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    bytes[from..]
        .iter()
        .position(|b| !pred(*b))
        .map_or(bytes.len(), |n| from + n)
}

fn skip_spaces(bytes: &[u8], from: usize) -> usize {
    scan(bytes, from, |b| b == b' ' || b == b'\t')
}

/// A JWT starting at `at`: `eyJ` and base64url segments separated by dots, at least two of them
/// (the third may be empty), or fewer when the text ends inside it (a truncated body).
fn jwt_at(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    if !bytes[at..].starts_with(b"eyJ") {
        return None;
    }
    let is_segment = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut end = scan(bytes, at, is_segment);
    let mut segments = 1;
    while segments < 3 && bytes.get(end) == Some(&b'.') {
        let next = scan(bytes, end + 1, is_segment);
        if next == end + 1 && next < bytes.len() {
            break;
        }
        end = next;
        segments += 1;
    }
    // A lone `eyJ...` segment at the very end is a JWT cut off by truncation.
    (segments >= 2 || end == bytes.len()).then_some((at, end))
}

/// The credential after `Bearer` ending at `from`: spaces, then a b64token (not an auth-param
/// such as `realm="..."`).
fn bearer_value(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let start = skip_spaces(bytes, from);
    if start == from {
        return None;
    }
    let mut end = scan(bytes, start, is_b64token_byte);
    end = scan(bytes, end, |b| b == b'=');
    if end == start || bytes.get(end) == Some(&b'"') {
        return None;
    }
    Some((start, end))
}

/// The value after a secret key ending at `from`: an optional closing quote (`"`, `'` or an
/// escaped `\"`), spaces, `=` or `:`, spaces, then the value (its quotes are kept).
fn key_value(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut at = from;
    if bytes[at..].starts_with(b"\\\"") {
        at += 2;
    } else if matches!(bytes.get(at), Some(b'"' | b'\'')) {
        at += 1;
    }
    at = skip_spaces(bytes, at);
    if !matches!(bytes.get(at), Some(b'=' | b':')) {
        return None;
    }
    let start = skip_spaces(bytes, at + 1);
    let mut end = value_end(bytes, start);
    let mask_start = match bytes.get(start) {
        Some(b'"' | b'\'') => start + 1,
        Some(b'\\') if bytes.get(start + 1) == Some(&b'"') => start + 2,
        _ => start,
    };
    // `Authorization: Bearer <credential>`: the scheme and its credential.
    let word = &bytes[start..end];
    if word.eq_ignore_ascii_case(b"bearer") || word.eq_ignore_ascii_case(b"basic") {
        let credential = skip_spaces(bytes, end);
        if credential > end {
            end = scan(bytes, scan(bytes, credential, is_b64token_byte), |b| {
                b == b'='
            });
        }
    }
    (end > mask_start).then_some((mask_start, end))
}

/// The end of a value starting at `start`: a quoted string (to its closing quote, or the end of
/// a truncated text), a bracketed JSON object or array, or a bare word.
fn value_end(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start) {
        None => start,
        Some(b'\\') if bytes.get(start + 1) == Some(&b'"') => {
            // An escaped string inside a JSON string: up to the next `\"`.
            let mut j = start + 2;
            while j < bytes.len() {
                if bytes[j..].starts_with(b"\\\"") {
                    return j;
                }
                j += 1;
            }
            bytes.len()
        }
        Some(&quote @ (b'"' | b'\'')) => {
            let mut escaped = false;
            for (j, &b) in bytes.iter().enumerate().skip(start + 1) {
                match b {
                    b'\\' if !escaped => escaped = true,
                    _ if b == quote && !escaped => return j,
                    _ => escaped = false,
                }
            }
            bytes.len()
        }
        Some(b'{' | b'[') => {
            // Up to the matching bracket, skipping strings; or the end of a truncated text.
            let mut depth = 0usize;
            let mut in_string = false;
            let mut escaped = false;
            for (j, &b) in bytes.iter().enumerate().skip(start) {
                if in_string {
                    match b {
                        b'\\' if !escaped => escaped = true,
                        b'"' if !escaped => in_string = false,
                        _ => escaped = false,
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
            }
            bytes.len()
        }
        Some(_) => scan(bytes, start, |b| {
            !b.is_ascii_whitespace()
                && !matches!(
                    b,
                    b'&' | b',' | b';' | b'"' | b'\'' | b'<' | b'>' | b'}' | b']' | b')' | b'\\'
                )
        }),
    }
}

/// Removes quoted values from a decoder message (`invalid type: string "..."`), which could
/// otherwise echo a secret.
pub fn scrub_message(message: &str) -> String {
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

/// A decoder message about a body that may carry tokens, with nothing of the body left: quoted
/// and backquoted values (`string "..."`, ``integer `123` ``, ``unknown field `x` ``) removed,
/// secrets masked as in a body, and any remaining long token-like word masked too.
pub fn scrub_sensitive_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in message.chars() {
        match open {
            Some(q) if c == q => {
                out.push_str("...");
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    open = Some(c);
                }
            }
        }
    }
    let out = redact_text(&out);
    // Words of 16 or more token characters are not decoder vocabulary.
    let bytes = out.as_bytes();
    let mut masked = String::with_capacity(out.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !is_b64token_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let end = scan(bytes, i, is_b64token_byte);
        if end - i >= 16 {
            masked.push_str(&out[copied..i]);
            masked.push_str(REDACTED);
            copied = end;
        }
        i = end;
    }
    masked.push_str(&out[copied..]);
    masked
}
