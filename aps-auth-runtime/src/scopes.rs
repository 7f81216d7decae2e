//! [`ScopeList`]: an OAuth 2.0 scope list, written on the wire as one space-separated string
//! (RFC 6749 section 3.3). Each generated module defines its own `Scope` enum (the scopes its
//! document declares, plus `Other`) and `pub type Scopes = ScopeList<Scope>`.

use std::fmt;
use std::str::FromStr;

/// A list of scopes in order, written as `data:read data:write`.
///
/// `S` is a generated `Scope` enum: it converts from any string (unknown scopes are kept in its
/// `Other` variant) and back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScopeList<S>(pub Vec<S>);

impl<S> Default for ScopeList<S> {
    fn default() -> Self {
        ScopeList(Vec::new())
    }
}

impl<S> ScopeList<S> {
    /// An empty list.
    pub fn new() -> Self {
        ScopeList(Vec::new())
    }

    /// The scopes in order.
    pub fn iter(&self) -> std::slice::Iter<'_, S> {
        self.0.iter()
    }

    /// The number of scopes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<S: PartialEq> ScopeList<S> {
    /// Whether the list holds `scope`.
    pub fn contains(&self, scope: &S) -> bool {
        self.0.contains(scope)
    }
}

impl<S, T: Into<S>> FromIterator<T> for ScopeList<S> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        ScopeList(iter.into_iter().map(Into::into).collect())
    }
}

impl<'a, S> IntoIterator for &'a ScopeList<S> {
    type Item = &'a S;
    type IntoIter = std::slice::Iter<'a, S>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<S: for<'a> From<&'a str>> FromStr for ScopeList<S> {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(s.split_ascii_whitespace().map(S::from).collect())
    }
}

impl<S: AsRef<str>> fmt::Display for ScopeList<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope.as_ref())?;
        }
        Ok(())
    }
}

impl<S: AsRef<str>> serde::Serialize for ScopeList<S> {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, S: for<'a> From<&'a str>> serde::Deserialize<'de> for ScopeList<S> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(deserializer)?;
        Ok(s.split_ascii_whitespace().map(S::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::ScopeList;

    /// A stand-in for a generated `Scope`.
    #[derive(Debug, Clone, PartialEq)]
    struct Word(String);

    impl From<&str> for Word {
        fn from(s: &str) -> Self {
            Word(s.to_owned())
        }
    }

    impl AsRef<str> for Word {
        fn as_ref(&self) -> &str {
            &self.0
        }
    }

    #[test]
    fn space_separated_on_the_wire() {
        let list: ScopeList<Word> = "  data:read\tdata:write ".parse().unwrap();
        assert_eq!(list.len(), 2);
        assert!(list.contains(&Word("data:write".into())));
        assert_eq!(list.to_string(), "data:read data:write");
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, "\"data:read data:write\"");
        let back: ScopeList<Word> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, list);
        assert!(ScopeList::<Word>::new().is_empty());
        assert_eq!(ScopeList::<Word>::default().to_string(), "");
    }
}
