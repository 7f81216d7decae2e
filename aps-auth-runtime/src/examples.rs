//! What the generated example tests call (`src/generated/**/examples.rs`, test builds only): the
//! document's own examples, decoded into the generated types.
//!
//! - An answer's example must decode (strictly: nothing is skipped).
//! - A request's example must decode, encode, and decode again to the same JSON, and what it
//!   encodes must be what the example says wherever it keeps a value (a property the type does
//!   not declare is dropped, and the generator warns about it).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One check: the example's JSON text in, why it failed out.
pub type Check = fn(&str) -> Result<(), String>;

/// An answer's example decodes into `T`.
pub fn answer<T: DeserializeOwned>(json: &str) -> Result<(), String> {
    serde_json::from_str::<T>(json)
        .map(drop)
        .map_err(|e| format!("does not decode: {e}"))
}

/// A request's example decodes into `T`, encodes, and decodes again to the same JSON.
pub fn request<T: Serialize + DeserializeOwned>(json: &str) -> Result<(), String> {
    let original: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let decoded: T =
        serde_json::from_value(original.clone()).map_err(|e| format!("does not decode: {e}"))?;
    let encoded = serde_json::to_value(&decoded).map_err(|e| format!("does not encode: {e}"))?;
    let again: T = serde_json::from_value(encoded.clone())
        .map_err(|e| format!("what it encodes does not decode again: {e}"))?;
    let twice = serde_json::to_value(&again).map_err(|e| format!("does not encode again: {e}"))?;
    if twice != encoded {
        return Err(format!("encoding is not stable: {encoded} then {twice}"));
    }
    kept_as_given(&original, &encoded, "")
}

/// Every value `encoded` keeps is the one `original` gives at that place (numbers compared by
/// value, so `1.0` and `1` agree).
fn kept_as_given(original: &Value, encoded: &Value, at: &str) -> Result<(), String> {
    match (original, encoded) {
        (Value::Object(o), Value::Object(e)) => e.iter().try_for_each(|(k, v)| match o.get(k) {
            Some(given) => kept_as_given(given, v, &format!("{at}/{k}")),
            None if v.is_null() => Ok(()),
            None => Err(format!(
                "encoding adds `{at}/{k}`, which the example does not give"
            )),
        }),
        (Value::Array(o), Value::Array(e)) if o.len() == e.len() => o
            .iter()
            .zip(e)
            .enumerate()
            .try_for_each(|(i, (o, e))| kept_as_given(o, e, &format!("{at}/{i}"))),
        (Value::Number(o), Value::Number(e)) if o.as_f64() == e.as_f64() => Ok(()),
        (o, e) if o == e => Ok(()),
        (o, e) => Err(format!("encoding changes `{at}` from {o} to {e}")),
    }
}

/// Runs every check, then fails once, naming each example that failed by its JSON pointer.
pub fn check_all(document: &str, cases: &[(&str, Check, &str)]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(pointer, check, json)| {
            check(json).err().map(|why| format!("{pointer}: {why}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} examples of {document} fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Body {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<i64>,
    }

    #[test]
    fn answers_decode_or_say_why() {
        assert!(answer::<Body>(r#"{"name": "a", "extra": 1}"#).is_ok());
        let why = answer::<Body>(r#"{"size": 1}"#).unwrap_err();
        assert!(why.contains("missing field `name`"), "{why}");
    }

    #[test]
    fn requests_round_trip_and_keep_what_they_are_given() {
        assert!(request::<Body>(r#"{"name": "a", "size": 2}"#).is_ok());
        // An undeclared property is dropped (the generator warns), never changed.
        assert!(request::<Body>(r#"{"name": "a", "note": "x"}"#).is_ok());
        let changed = kept_as_given(
            &serde_json::json!({"a": 1}),
            &serde_json::json!({"a": 2}),
            "",
        );
        assert!(changed.unwrap_err().contains("`/a`"));
    }

    #[test]
    #[should_panic(expected = "#/components/schemas/Body/example: does not decode")]
    fn a_failure_names_the_pointer() {
        check_all(
            "doc.yaml",
            &[("#/components/schemas/Body/example", answer::<Body>, "{}")],
        );
    }
}
