//! Decoding generated structs (`object!`): a JSON object is read once into a map, then each field
//! is taken from it by one call of a generic method.
//!
//! This is what `#[derive(Deserialize)]` would do, with much less code per struct: the derive
//! writes a field enum, its visitor and a map and a sequence visitor for every struct, which
//! made about half of the time `cargo check` spends on a large generated crate (BENCHMARKS.md,
//! "Cost of the generated code"). Behaviour is the derive's: unknown keys are ignored (or kept
//! by a flattened map), a missing `Option` field is `None`, a missing required one is the error
//! "missing field `x`". Two differences: a key given twice keeps its last value, and an error
//! inside a field names the field path (`field `a`: field `b`: invalid type ...`) instead of a
//! line and column.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::lenient;

/// A JSON object whose fields are being taken.
pub struct Object(Map<String, Value>);

/// Why a field could not be decoded: the message, field path first.
#[derive(Debug)]
pub struct FieldError(String);

impl FieldError {
    pub(crate) fn new(message: String) -> Self {
        FieldError(message)
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Object {
    /// Reads a JSON object; anything else is an error naming what was expected.
    pub fn read<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        expecting: &'static str,
    ) -> Result<Object, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Object(map) => Ok(Object(map)),
            other => Err(<D::Error as serde::de::Error>::invalid_type(
                unexpected(&other),
                &expecting,
            )),
        }
    }

    /// A required field: missing is an error.
    pub fn required<T: DeserializeOwned>(&mut self, key: &'static str) -> Result<T, FieldError> {
        match self.0.remove(key) {
            Some(value) if lenient::active() => lenient::required(key, value, |v| decode(key, v)),
            Some(value) => decode(key, value),
            None => Err(FieldError(format!("missing field `{key}`"))),
        }
    }

    /// An optional (or nullable) field: missing or `null` is `None`. When an answer is decoded
    /// leniently (`lenient.rs`), a value that does not decode is kept aside and is `None` too.
    pub fn optional<T: DeserializeOwned>(
        &mut self,
        key: &'static str,
    ) -> Result<Option<T>, FieldError> {
        match self.0.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) if lenient::active() => lenient::optional(key, value, |v| decode(key, v)),
            Some(value) => decode(key, value).map(Some),
        }
    }

    /// The flattened map of a struct: every key the other fields did not take. It is listed
    /// last, so the others have taken theirs.
    pub fn rest<T: DeserializeOwned>(&mut self, _key: &'static str) -> Result<T, FieldError> {
        let rest = Value::Object(std::mem::take(&mut self.0));
        let decode = |v: Value| T::deserialize(v).map_err(|e| FieldError(e.to_string()));
        if lenient::active() {
            lenient::rest(rest, decode)
        } else {
            decode(rest)
        }
    }
}

fn decode<T: DeserializeOwned>(key: &str, value: Value) -> Result<T, FieldError> {
    T::deserialize(value).map_err(|e| FieldError(format!("field `{key}`: {e}")))
}

/// How serde names a JSON value in "invalid type" errors.
fn unexpected(value: &Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Unexpected::Signed(i),
            (_, Some(u), _) => Unexpected::Unsigned(u),
            (_, _, Some(f)) => Unexpected::Float(f),
            _ => Unexpected::Other("number"),
        },
        Value::String(_) => Unexpected::Other("string"),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// `Deserialize` for a generated struct:
/// `object!(Name { required(field, "wire"), optional(other, "other"), rest(extra, "") })`,
/// the flattened map (`rest`) last.
#[doc(hidden)]
#[macro_export]
macro_rules! object {
    ($name:ident { $( $kind:ident($field:ident, $wire:literal) ),* $(,)? }) => {
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #[allow(unused_mut, unused_variables)] // an empty struct takes nothing
                let mut object = $crate::__private::Object::read(
                    deserializer,
                    concat!("an object (", stringify!($name), ")"),
                )?;
                Ok($name {
                    $(
                        $field: object
                            .$kind($wire)
                            .map_err(<D::Error as $crate::__private::serde::de::Error>::custom)?,
                    )*
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq)]
    struct Inner {
        n: i64,
    }
    object!(Inner { required(n, "n") });

    #[derive(Debug, PartialEq)]
    struct Outer {
        r#type: String,
        inner: Option<Inner>,
        nullable: Option<String>,
        extra: BTreeMap<String, serde_json::Value>,
    }
    object!(Outer {
        required(r#type, "type"),
        optional(inner, "inner"),
        optional(nullable, "nullable"),
        rest(extra, ""),
    });

    #[derive(Debug, PartialEq)]
    struct Empty {}
    object!(Empty {});

    #[test]
    fn fields_are_taken_by_wire_name_and_the_rest_is_kept() {
        let outer: Outer =
            serde_json::from_str(r#"{"type":"t","inner":{"n":3},"nullable":null,"x":[1]}"#)
                .unwrap();
        assert_eq!(outer.r#type, "t");
        assert_eq!(outer.inner, Some(Inner { n: 3 }));
        assert_eq!(outer.nullable, None);
        assert_eq!(outer.extra.len(), 1);
        assert_eq!(outer.extra["x"], serde_json::json!([1]));
    }

    #[test]
    fn missing_optional_fields_are_none_and_unknown_keys_are_ignored() {
        let outer: Outer = serde_json::from_str(r#"{"type":"t"}"#).unwrap();
        assert_eq!(outer.inner, None);
        let empty: Empty = serde_json::from_str(r#"{"anything":1}"#).unwrap();
        assert_eq!(empty, Empty {});
    }

    #[test]
    fn errors_name_the_field_path() {
        let missing = serde_json::from_str::<Outer>(r#"{"inner":{"n":1}}"#).unwrap_err();
        assert!(
            missing.to_string().starts_with("missing field `type`"),
            "{missing}"
        );
        let nested =
            serde_json::from_str::<Outer>(r#"{"type":"t","inner":{"n":"x"}}"#).unwrap_err();
        assert!(
            nested
                .to_string()
                .starts_with("field `inner`: field `n`: invalid type: string \"x\", expected i64"),
            "{nested}"
        );
        let not_object = serde_json::from_str::<Inner>("[1]").unwrap_err();
        assert!(
            not_object
                .to_string()
                .starts_with("invalid type: sequence, expected an object (Inner)"),
            "{not_object}"
        );
    }

    #[test]
    fn a_huge_number_is_an_error_not_a_panic() {
        let error = serde_json::from_str::<Inner>(r#"{"n": 1e400}"#).unwrap_err();
        assert!(!error.to_string().is_empty());
        let error = serde_json::from_str::<Inner>(r#"{"n": 18446744073709551616}"#).unwrap_err();
        assert!(error.to_string().contains("field `n`"), "{error}");
    }
}
