//! [`OneOrMany`]: an array, or one value of its item type, for the places where a document's own
//! example contradicts the shape the document declares (the generator says so when it makes
//! one; see `codegen/src/examples/`).

use std::ops::Deref;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An array of `T`, or one `T` on its own: decodes from either, derefs to a slice, and encodes
/// in the shape it was decoded from (or built with).
///
/// ```
/// use aps_auth_runtime::OneOrMany;
///
/// let one: OneOrMany<u32> = serde_json::from_str("7").unwrap();
/// let many: OneOrMany<u32> = serde_json::from_str("[7, 8]").unwrap();
/// assert_eq!((one.len(), many.len()), (1, 2));
/// assert_eq!(serde_json::to_string(&one).unwrap(), "7");
/// assert_eq!(many.iter().sum::<u32>(), 15);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OneOrMany<T> {
    items: Vec<T>,
    single: bool,
}

impl<T> OneOrMany<T> {
    /// One value, encoded on its own.
    pub fn one(value: T) -> Self {
        OneOrMany {
            items: vec![value],
            single: true,
        }
    }

    /// Values, encoded as an array (however many there are).
    pub fn many(values: Vec<T>) -> Self {
        OneOrMany {
            items: values,
            single: false,
        }
    }

    /// Whether the value came (or goes) on its own rather than in an array.
    pub fn is_single(&self) -> bool {
        self.single
    }

    /// The values, as a `Vec`.
    pub fn into_vec(self) -> Vec<T> {
        self.items
    }
}

impl<T> Deref for OneOrMany<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T> From<Vec<T>> for OneOrMany<T> {
    fn from(values: Vec<T>) -> Self {
        OneOrMany::many(values)
    }
}

impl<T> IntoIterator for OneOrMany<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.single, self.items.as_slice()) {
            (true, [one]) => one.serialize(serializer),
            (_, items) => items.serialize(serializer),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(T::deserialize)
                .collect::<Result<Vec<T>, _>>()
                .map(OneOrMany::many)
                .map_err(<D::Error as serde::de::Error>::custom),
            one => T::deserialize(one)
                .map(OneOrMany::one)
                .map_err(<D::Error as serde::de::Error>::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OneOrMany;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Item {
        id: String,
    }

    #[test]
    fn one_and_many_decode_and_keep_their_shape() {
        let one: OneOrMany<Item> = serde_json::from_str(r#"{"id": "a"}"#).unwrap();
        assert!(one.is_single());
        assert_eq!(one[0].id, "a");
        assert_eq!(serde_json::to_string(&one).unwrap(), r#"{"id":"a"}"#);
        let many: OneOrMany<Item> = serde_json::from_str(r#"[{"id": "a"}, {"id": "b"}]"#).unwrap();
        assert!(!many.is_single());
        assert_eq!(
            many.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            serde_json::to_string(&many).unwrap(),
            r#"[{"id":"a"},{"id":"b"}]"#
        );
        let empty: OneOrMany<Item> = serde_json::from_str("[]").unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn an_item_of_the_wrong_shape_is_an_error() {
        assert!(serde_json::from_str::<OneOrMany<Item>>(r#"{"id": 1}"#).is_err());
        assert!(serde_json::from_str::<OneOrMany<Item>>(r#"[{"id": "a"}, 2]"#).is_err());
        assert!(serde_json::from_str::<OneOrMany<u8>>("300").is_err());
    }

    #[test]
    fn built_values_encode_as_built() {
        assert_eq!(
            serde_json::to_string(&OneOrMany::from(vec![1, 2])).unwrap(),
            "[1,2]"
        );
        assert_eq!(
            serde_json::to_string(&OneOrMany::from(vec![1])).unwrap(),
            "[1]"
        );
        assert_eq!(serde_json::to_string(&OneOrMany::one(1)).unwrap(), "1");
        assert_eq!(OneOrMany::one(5).into_vec(), vec![5]);
    }
}
