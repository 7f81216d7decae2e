//! [`SentSecrets`]: what a request sent that the server must never be seen to echo, and the
//! masking of each of those values in server text, as itself and in its encoded forms.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use reqwest::header::HeaderValue;
use serde_json::Value;

use super::{REDACTED, redact_text, redact_value};

/// What a request sent that the server must never be seen to echo: a client secret, a code, a
/// PKCE verifier, a refresh token, an assertion, the credential of its `Authorization` header.
/// They travel with the request to where its error is built, which masks each of them in every
/// text the server sent (bodies, `error_description`, APS's `developerMessage`...), as itself
/// and in its encoded forms. `Debug` shows how many there are, nothing else.
#[derive(Clone, Default)]
pub struct SentSecrets(Vec<String>);

impl fmt::Debug for SentSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SentSecrets({} [redacted])", self.0.len())
    }
}

/// Server text redacted by the text scanner and with these secrets masked.
pub trait RedactSent {
    /// Redacts every text of `self` that came from the server, masking `sent`.
    fn redact_sent(&mut self, sent: &SentSecrets);
}

impl RedactSent for Value {
    fn redact_sent(&mut self, sent: &SentSecrets) {
        redact_value(self, sent);
    }
}

impl RedactSent for () {
    fn redact_sent(&mut self, _: &SentSecrets) {}
}

impl SentSecrets {
    /// Adds a value the request sends (an empty one is no secret).
    pub fn add(&mut self, value: &str) {
        if !value.is_empty() && !self.0.iter().any(|v| v == value) {
            self.0.push(value.to_owned());
            // Longest first: a secret that contains another is masked whole.
            self.0.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// Adds every value of `other`.
    pub fn extend(&mut self, other: &SentSecrets) {
        for value in &other.0 {
            self.add(value);
        }
    }

    /// Adds the credential of an `Authorization` header value: a bearer token, or the Basic
    /// credential and the password it encodes (form-urlencoded, as RFC 6749 section 2.3.1 has
    /// the client secret).
    pub fn add_authorization(&mut self, value: &HeaderValue) {
        let Ok(value) = value.to_str() else {
            return;
        };
        let Some((scheme, credential)) = value.trim().split_once(' ') else {
            self.add(value.trim());
            return;
        };
        let credential = credential.trim();
        self.add(credential);
        if scheme.eq_ignore_ascii_case("basic")
            && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credential)
            && let Ok(decoded) = String::from_utf8(decoded)
            && let Some((_, password)) = decoded.split_once(':')
        {
            self.add(password);
            let plain: String = url::form_urlencoded::parse(format!("p={password}").as_bytes())
                .map(|(_, v)| v.into_owned())
                .collect();
            self.add(&plain);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Server text for an error: every sent secret masked, then JWTs, `Bearer` credentials and
    /// secret keys' values as in a body.
    pub fn redact(&self, text: &str) -> String {
        redact_text(&self.mask(text, false))
    }

    /// `text` with every occurrence of a sent secret replaced by `[redacted]`: written as itself,
    /// with any of its bytes percent-encoded (either case of hex) or, for a space, as `+`, or
    /// JSON-escaped (`\"`, `\\`, `\/`, `\u00XX`). With `cut`, a secret cut short by the end of the
    /// text is masked too.
    pub fn mask<'t>(&self, text: &'t str, cut: bool) -> Cow<'t, str> {
        if self.0.is_empty() || text.is_empty() {
            return Cow::Borrowed(text);
        }
        let bytes = text.as_bytes();
        let mut out = String::new();
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            let first = bytes[i];
            let found = (text.is_char_boundary(i)).then(|| {
                self.0
                    .iter()
                    .filter(|secret| {
                        secret.as_bytes()[0] == first || matches!(first, b'%' | b'+' | b'\\')
                    })
                    .find_map(|secret| occurrence_end(bytes, i, secret.as_bytes(), cut))
            });
            match found.flatten() {
                Some(end) if end > i && text.is_char_boundary(end) => {
                    out.push_str(&text[copied..i]);
                    out.push_str(REDACTED);
                    copied = end;
                    i = end;
                }
                _ => i += 1,
            }
        }
        if copied == 0 {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// The byte an escape at `at` stands for, and where the escape ends: `%XX`, `+` (a space in a
/// form), or a JSON escape of an ASCII character.
fn escaped_byte(text: &[u8], at: usize) -> Option<(u8, usize)> {
    let hex = |digits: &[u8]| -> Option<u32> {
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    match *text.get(at)? {
        b'%' => {
            let digits = text.get(at + 1..at + 3)?;
            if !digits.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            Some((u8::try_from(hex(digits)?).ok()?, at + 3))
        }
        b'+' => Some((b' ', at + 1)),
        b'\\' => match *text.get(at + 1)? {
            c @ (b'"' | b'\\' | b'/') => Some((c, at + 2)),
            b'u' => {
                let digits = text.get(at + 2..at + 6)?;
                if !digits.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let code = hex(digits)?;
                (code < 0x80).then_some((code as u8, at + 6))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Where an occurrence of `secret` that starts at `at` ends, each of its bytes written as itself
/// or escaped ([`escaped_byte`]); with `cut`, an occurrence the end of the text cuts short ends
/// there. Where a byte reads both ways (a `%` of the secret before `25`), both are tried, within
/// a bounded number of steps.
fn occurrence_end(text: &[u8], at: usize, secret: &[u8], cut: bool) -> Option<usize> {
    let mut budget = secret.len().saturating_mul(4).max(64);
    let mut pending = vec![(at, 0usize)];
    while let Some((mut j, mut k)) = pending.pop() {
        loop {
            if k == secret.len() {
                return Some(j);
            }
            if j == text.len() {
                // The text ended inside the secret.
                if cut && j > at {
                    return Some(j);
                }
                break;
            }
            budget = budget.checked_sub(1)?;
            let want = secret[k];
            let literal = (text[j] == want).then_some(j + 1);
            let escaped = escaped_byte(text, j)
                .filter(|(byte, _)| *byte == want)
                .map(|(_, end)| end);
            j = match (literal, escaped) {
                (Some(literal), Some(escaped)) => {
                    pending.push((escaped, k + 1));
                    literal
                }
                (Some(next), None) | (None, Some(next)) => next,
                // An escape the end of a cut text interrupts.
                (None, None) if cut && matches!(text[j], b'%' | b'\\') && text.len() - j < 6 => {
                    return Some(text.len());
                }
                (None, None) => break,
            };
            k += 1;
        }
    }
    None
}
