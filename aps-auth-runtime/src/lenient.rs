//! Decoding that degrades instead of failing the whole answer.
//!
//! An answer is decoded strictly first, at no extra cost. Only when that fails is it decoded a
//! second time in lenient mode (`decode`): a field that is optional in the generated type and
//! whose value does not decode becomes `None`, and its raw JSON is kept as an [`Unparsed`] the
//! caller reads from [`crate::ApiResponse::unparsed`]. A required field that fails makes its
//! nearest optional ancestor fail instead (that ancestor's whole value is kept); when there is
//! none, the answer is the strict decode's error, as before.
//!
//! The mode is a thread-local flag read by `object!`'s field decoders (`object.rs`): decoding is
//! synchronous, so the flag is set and cleared around one call on one thread, and strict decoding
//! pays one thread-local read per field. Secret-bearing answers (the OAuth layer's token answers)
//! are never decoded leniently: their raw values would be kept.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::object::FieldError;
use super::redact::{is_secret_key, redact_body, scrub_message};

/// A value of an answer the generated type could not read: where it was, the raw JSON, and why.
#[derive(Clone, PartialEq)]
pub struct Unparsed {
    pointer: String,
    value: Value,
    reason: String,
}

impl Unparsed {
    /// Where the value is in the answer, as a JSON pointer (`/data/3/attributes/extension`).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The value as the server sent it.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Why it did not decode (quoted values left out).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Debug for Unparsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value is shown as error bodies are: secret-looking parts redacted, all of it when
        // it sits under a secret-looking key.
        let secret = self.pointer.split('/').any(is_secret_key);
        let value = if secret {
            "[redacted]".to_owned()
        } else {
            redact_body(&self.value.to_string())
        };
        f.debug_struct("Unparsed")
            .field("pointer", &self.pointer)
            .field("value", &value)
            .field("reason", &self.reason)
            .finish()
    }
}

impl fmt::Display for Unparsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.reason)
    }
}

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static STATE: RefCell<State> = const { RefCell::new(State { path: Vec::new(), records: Vec::new() }) };
}

/// The field path being decoded and what was skipped so far.
struct State {
    path: Vec<&'static str>,
    records: Vec<Record>,
}

/// A skipped value before its place in the answer is known: the chain of field names that led
/// to it (array positions and map keys are found afterwards, see [`locate`]).
struct Record {
    chain: Vec<&'static str>,
    value: Value,
    reason: String,
}

/// Whether fields are being decoded leniently on this thread.
pub(crate) fn active() -> bool {
    ACTIVE.with(Cell::get)
}

/// Decodes a required field's value, keeping track of the path.
pub(crate) fn required<T: DeserializeOwned>(
    key: &'static str,
    value: Value,
    decode: impl FnOnce(Value) -> Result<T, FieldError>,
) -> Result<T, FieldError> {
    STATE.with(|s| s.borrow_mut().path.push(key));
    let result = decode(value);
    STATE.with(|s| s.borrow_mut().path.pop());
    result
}

/// Decodes an optional field's value; when it fails, keeps the raw value and gives `None`.
pub(crate) fn optional<T: DeserializeOwned>(
    key: &'static str,
    value: Value,
    decode: impl FnOnce(Value) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    let mark = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.path.push(key);
        s.records.len()
    });
    let raw = value.clone();
    let result = decode(value);
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if let Err(e) = &result {
            // What was skipped inside is part of this value, kept whole.
            s.records.truncate(mark);
            let chain = s.path.clone();
            s.records.push(Record {
                chain,
                value: raw,
                reason: scrub_message(&e.to_string()),
            });
        }
        s.path.pop();
    });
    Ok(result.ok())
}

/// A flattened map whose values do not decode: kept whole, and the map is empty.
pub(crate) fn rest<T: DeserializeOwned>(
    value: Value,
    decode: impl FnOnce(Value) -> Result<T, FieldError>,
) -> Result<T, FieldError> {
    let raw = value.clone();
    match decode(value) {
        Ok(t) => Ok(t),
        Err(e) => {
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                let chain = s.path.clone();
                s.records.push(Record {
                    chain,
                    value: raw,
                    reason: scrub_message(&e.to_string()),
                });
            });
            T::deserialize(Value::Object(serde_json::Map::new()))
                .map_err(|e| FieldError::new(e.to_string()))
        }
    }
}

/// Clears the lenient state when the decode ends, even by a panic.
struct Session;

impl Drop for Session {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(false));
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.path.clear();
            s.records.clear();
        });
    }
}

/// Decodes an answer's JSON body as the client does: strictly, and when that fails on the shape
/// of valid JSON (and `lenient` is set), leniently. Public for the crate's benchmarks only.
#[doc(hidden)]
pub fn decode_answer<T: DeserializeOwned>(
    body: &[u8],
    lenient: bool,
) -> Result<(T, Vec<Unparsed>), serde_json::Error> {
    match serde_json::from_slice(body) {
        Ok(whole) => Ok((whole, Vec::new())),
        Err(e) if lenient && e.is_data() => decode(body).map_err(|_| e),
        Err(e) => Err(e),
    }
}

/// The most values one answer may leave out. Lenient decoding is for an answer with a few
/// unexpected values; beyond this many, the strict error stands (and finding each value's place,
/// which grows with the answer, stays bounded against a hostile server).
pub(crate) const MAX_UNPARSED: usize = 256;

/// Decodes `body` leniently: the value and what was skipped, or the decoder's message.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<(T, Vec<Unparsed>), String> {
    let root: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let _session = Session;
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.path.clear();
        s.records.clear();
    });
    ACTIVE.with(|a| a.set(true));
    let decoded = T::deserialize(&root).map_err(|e| e.to_string())?;
    let records = STATE.with(|s| std::mem::take(&mut s.borrow_mut().records));
    if records.len() > MAX_UNPARSED {
        return Err(format!(
            "{} values do not fit (more than {MAX_UNPARSED})",
            records.len()
        ));
    }
    Ok((decoded, locate(records, &root)))
}

/// Finds each record's place in the answer: the path that follows its field names (through any
/// array positions and map keys) to a value equal to the one kept, each place used once.
fn locate(records: Vec<Record>, root: &Value) -> Vec<Unparsed> {
    let mut claimed = HashSet::new();
    records
        .into_iter()
        .map(|r| {
            let pointer = find(root, &r.chain, &r.value, String::new(), &claimed)
                .unwrap_or_else(|| r.chain.iter().map(|k| format!("/{}", escape(k))).collect());
            claimed.insert(pointer.clone());
            Unparsed {
                pointer,
                value: r.value,
                reason: r.reason,
            }
        })
        .collect()
}

fn find(
    value: &Value,
    chain: &[&str],
    target: &Value,
    at: String,
    claimed: &HashSet<String>,
) -> Option<String> {
    let Some((first, rest)) = chain.split_first() else {
        return (value == target && !claimed.contains(&at)).then_some(at);
    };
    match value {
        Value::Object(map) => {
            if let Some(child) = map.get(*first)
                && let Some(found) = find(
                    child,
                    rest,
                    target,
                    format!("{at}/{}", escape(first)),
                    claimed,
                )
            {
                return Some(found);
            }
            // A map of structs: the field is inside one of its values.
            map.iter()
                .filter(|(k, _)| k.as_str() != *first)
                .find_map(|(k, child)| {
                    find(child, chain, target, format!("{at}/{}", escape(k)), claimed)
                })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find(item, chain, target, format!("{at}/{i}"), claimed)),
        _ => None,
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;

    #[derive(Debug, PartialEq)]
    struct Extension {
        kind: String,
        data: Option<std::collections::BTreeMap<String, std::collections::BTreeMap<String, Value>>>,
    }
    object!(Extension { required(kind, "type"), optional(data, "data") });

    #[derive(Debug, PartialEq)]
    struct Item {
        id: String,
        size: Option<i64>,
        extension: Option<Extension>,
    }
    object!(Item { required(id, "id"), optional(size, "size"), optional(extension, "extension") });

    #[derive(Debug, PartialEq)]
    struct Listing {
        data: Vec<Item>,
    }
    object!(Listing { required(data, "data") });

    const ANSWER: &str = r#"{"data": [
        {"id": "a", "size": 1, "extension": {"type": "t", "data": {}}},
        {"id": "b", "size": "big", "extension": {"type": "t", "data": {"projectType": "BIM360"}}},
        {"id": "c", "extension": {"data": {}}}
    ]}"#;

    #[test]
    fn everything_else_is_kept_and_each_unread_value_is_named_by_its_pointer() {
        assert!(
            serde_json::from_str::<Listing>(ANSWER).is_err(),
            "strict decoding fails"
        );
        let (listing, unparsed) = decode::<Listing>(ANSWER.as_bytes()).unwrap();
        assert_eq!(listing.data.len(), 3);
        assert_eq!(listing.data[0].size, Some(1));
        assert_eq!(listing.data[1].id, "b");
        assert_eq!(listing.data[1].size, None);
        assert_eq!(
            listing.data[1].extension.as_ref().map(|e| e.kind.as_str()),
            Some("t")
        );
        assert_eq!(
            listing.data[1]
                .extension
                .as_ref()
                .and_then(|e| e.data.as_ref()),
            None
        );
        // A required field failing (`type` missing) drops its optional parent, kept whole.
        assert_eq!(listing.data[2].extension, None);
        let found: Vec<(&str, String)> = unparsed
            .iter()
            .map(|u| (u.pointer(), u.value().to_string()))
            .collect();
        assert_eq!(
            found,
            [
                ("/data/1/size", r#""big""#.to_owned()),
                (
                    "/data/1/extension/data",
                    r#"{"projectType":"BIM360"}"#.to_owned()
                ),
                ("/data/2/extension", r#"{"data":{}}"#.to_owned()),
            ]
        );
        assert!(
            unparsed[0].reason().contains("invalid type"),
            "{}",
            unparsed[0].reason()
        );
        assert!(!active(), "the mode ends with the decode");
    }

    #[test]
    fn an_answer_with_too_many_values_that_do_not_fit_is_not_decoded_leniently() {
        let item = |i: usize| format!(r#"{{"id": "{i}", "size": "big"}}"#);
        let many = |n: usize| {
            let items: Vec<String> = (0..n).map(item).collect();
            format!(r#"{{"data": [{}]}}"#, items.join(","))
        };
        let (_, unparsed) = decode::<Listing>(many(MAX_UNPARSED).as_bytes()).unwrap();
        assert_eq!(unparsed.len(), MAX_UNPARSED);
        assert_eq!(
            unparsed[MAX_UNPARSED - 1].pointer(),
            format!("/data/{}/size", MAX_UNPARSED - 1)
        );
        let err = decode::<Listing>(many(MAX_UNPARSED + 1).as_bytes()).unwrap_err();
        assert!(err.contains("more than 256"), "{err}");
        assert!(!active());
    }

    #[test]
    fn a_required_field_without_an_optional_ancestor_still_fails() {
        let err = decode::<Listing>(br#"{"data": [{"size": 1}]}"#).unwrap_err();
        assert!(err.contains("missing field `id`"), "{err}");
        assert!(decode::<Listing>(b"not json").is_err());
        assert!(!active());
    }

    #[test]
    fn debug_redacts_secret_looking_values() {
        let (_, unparsed) = decode::<Item>(
            br#"{"id": "x", "extension": {"type": "t", "data": {"access_token": "s3cr3t"}}}"#,
        )
        .unwrap();
        let shown = format!("{unparsed:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(
            unparsed[0].value()["access_token"],
            "s3cr3t",
            "the caller still gets the value"
        );
        let under_a_secret_key = Unparsed {
            pointer: "/credentials/access_token".into(),
            value: serde_json::json!({"jwt": "s3cr3t"}),
            reason: "invalid type".into(),
        };
        assert!(!format!("{under_a_secret_key:?}").contains("s3cr3t"));
    }
}
