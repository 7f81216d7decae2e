//! The glue every generated enum needs, written once: `as_str`, `Display`, `From<&str>` and the
//! serde impls of string enums, and the serde impls of `oneOf`/`anyOf` enums. The generator
//! writes each enum's definition (its variants and their docs) and one macro call beside it,
//! so the generated files stay small and the glue is the same everywhere.
//!
//! The macros are exported for generated code only: `#[doc(hidden)]`, named through the runtime
//! contract (`::aps_auth_runtime::contract::open_enum!`...), not part of the crate's API.

/// `Display` and `Serialize` through the enum's `as_str`: shared by both string enum macros.
#[doc(hidden)]
#[macro_export]
macro_rules! as_str_impls {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

/// A closed string enum (unknown values are refused): `as_str`, `Display`, `Serialize`,
/// `Deserialize`. `closed_enum!(Name { Variant = "wire", ... })`.
#[doc(hidden)]
#[macro_export]
macro_rules! closed_enum {
    ($name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as it is written on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )*
                }
            }
        }

        $crate::as_str_impls!($name);

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                match value.as_str() {
                    $( $wire => Ok($name::$variant), )*
                    other => Err(<D::Error as $crate::__private::serde::de::Error>::unknown_variant(
                        other,
                        &[$( $wire ),*],
                    )),
                }
            }
        }
    };
}

/// An open string enum (`Other(String)` keeps unlisted values): `as_str`, `From<&str>`,
/// `Display`, `Serialize`, `Deserialize`. `open_enum!(Name { Variant = "wire", ... })`.
#[doc(hidden)]
#[macro_export]
macro_rules! open_enum {
    ($name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Other(value) => value,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        $crate::as_str_impls!($name);

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                Ok($name::from(value.as_str()))
            }
        }
    };
}

/// The serde impls of a `oneOf`/`anyOf` enum whose last variant is `Other(serde_json::Value)`.
///
/// - `one_of!(Name { A, B })`: untagged; decoding tries each alternative in order (as serde's
///   `untagged` does) and keeps a value none accepts in `Other`.
/// - `one_of!(Name, tag = "kind" { A = "a", B = "b" })`: dispatched on the `kind` property;
///   a value with an unknown or missing tag is kept in `Other`, and a known tag whose body
///   does not match its alternative is an error.
/// - `one_of!(Name, path = ["attributes", "extension", "type"] { ... })`: the same, the tag
///   read at that path of keys into nested objects (a document whose discriminator
///   `propertyName` is such a path; `tag = "kind"` is `path = ["kind"]`).
///
/// Serialising writes the alternative's own value either way.
#[doc(hidden)]
#[macro_export]
macro_rules! one_of {
    ($name:ident { $($variant:ident),* $(,)? }) => {
        $crate::one_of!(@serialize $name { $($variant),* });

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <$crate::__private::serde_json::Value as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                $(
                    if let Ok(alternative) = $crate::__private::serde::Deserialize::deserialize(&value) {
                        return Ok($name::$variant(alternative));
                    }
                )*
                Ok($name::Other(value))
            }
        }
    };
    ($name:ident, tag = $tag:literal { $($variant:ident = $value:literal),* $(,)? }) => {
        $crate::one_of!($name, path = [$tag] { $($variant = $value),* });
    };
    ($name:ident, path = [$($key:literal),+ $(,)?] { $($variant:ident = $value:literal),* $(,)? }) => {
        $crate::one_of!(@serialize $name { $($variant),* });

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <$crate::__private::serde_json::Value as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                let tag = Some(&value)
                    $( .and_then(|v| v.get($key)) )+
                    .and_then($crate::__private::serde_json::Value::as_str);
                match tag {
                    $(
                        Some($value) => $crate::__private::serde::Deserialize::deserialize(&value)
                            .map($name::$variant)
                            .map_err(<D::Error as $crate::__private::serde::de::Error>::custom),
                    )*
                    _ => Ok($name::Other(value)),
                }
            }
        }
    };
    (@serialize $name:ident { $($variant:ident),* }) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( $name::$variant(value) => $crate::__private::serde::Serialize::serialize(value, serializer), )*
                    $name::Other(value) => $crate::__private::serde::Serialize::serialize(value, serializer),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Closed {
        Fast,
        Slow,
    }
    closed_enum!(Closed {
        Fast = "fast",
        Slow = "slow"
    });

    #[derive(Debug, Clone, PartialEq)]
    enum Open {
        Fast,
        Other(String),
    }
    open_enum!(Open { Fast = "fast" });

    #[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
    struct Cat {
        kind: String,
        lives: u8,
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Untagged {
        Number(i64),
        Cat(Box<Cat>),
        Other(serde_json::Value),
    }
    one_of!(Untagged { Number, Cat });

    #[derive(Debug, Clone, PartialEq)]
    enum Tagged {
        Cat(Box<Cat>),
        Other(serde_json::Value),
    }
    one_of!(Tagged, tag = "kind" { Cat = "cat" });

    #[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
    struct Publish {
        attributes: serde_json::Value,
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Command {
        Check(Box<Cat>),
        Publish(Box<Publish>),
        Other(serde_json::Value),
    }
    one_of!(Command, path = ["attributes", "extension", "type"] {
        Check = "commands:check",
        Publish = "commands:publish",
    });

    #[test]
    fn a_closed_enum_round_trips_and_refuses_unknown_values() {
        assert_eq!(Closed::Slow.to_string(), "slow");
        assert_eq!(serde_json::to_string(&Closed::Fast).unwrap(), "\"fast\"");
        assert_eq!(
            serde_json::from_str::<Closed>("\"slow\"").unwrap(),
            Closed::Slow
        );
        let error = serde_json::from_str::<Closed>("\"warp\"").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown variant `warp`, expected `fast` or `slow`"),
            "{error}"
        );
    }

    #[test]
    fn an_open_enum_keeps_unlisted_values() {
        assert_eq!(
            serde_json::from_str::<Open>("\"fast\"").unwrap(),
            Open::Fast
        );
        let other = serde_json::from_str::<Open>("\"warp\"").unwrap();
        assert_eq!(other, Open::Other("warp".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"warp\"");
        assert_eq!(Open::from("fast").as_str(), "fast");
    }

    #[test]
    fn an_untagged_union_tries_each_alternative_in_order() {
        let number: Untagged = serde_json::from_str("7").unwrap();
        assert_eq!(number, Untagged::Number(7));
        let cat: Untagged = serde_json::from_str(r#"{"kind":"cat","lives":9}"#).unwrap();
        assert!(matches!(&cat, Untagged::Cat(c) if c.lives == 9));
        assert_eq!(
            serde_json::to_value(&cat).unwrap(),
            serde_json::json!({"kind": "cat", "lives": 9})
        );
        let other: Untagged = serde_json::from_str("\"neither\"").unwrap();
        assert_eq!(other, Untagged::Other(serde_json::json!("neither")));
    }

    #[test]
    fn a_tagged_union_dispatches_on_its_tag() {
        let cat: Tagged = serde_json::from_str(r#"{"kind":"cat","lives":3}"#).unwrap();
        assert!(matches!(&cat, Tagged::Cat(c) if c.lives == 3));
        let unknown: Tagged = serde_json::from_str(r#"{"kind":"dog"}"#).unwrap();
        assert_eq!(unknown, Tagged::Other(serde_json::json!({"kind": "dog"})));
        // A known tag with a body that does not fit is an error, not `Other`.
        assert!(serde_json::from_str::<Tagged>(r#"{"kind":"cat","lives":"many"}"#).is_err());
    }

    #[test]
    fn a_path_tagged_union_reads_its_tag_in_nested_objects() {
        let publish: Command = serde_json::from_value(serde_json::json!({
            "type": "commands",
            "attributes": {"status": "committed", "extension": {"type": "commands:publish", "version": "1.0.0"}},
        }))
        .unwrap();
        assert!(matches!(&publish, Command::Publish(p) if p.attributes["status"] == "committed"));
        // The path's tag chooses the alternative, whatever a top-level `type` says.
        let check: Command = serde_json::from_value(serde_json::json!({
            "kind": "cat", "lives": 1, "attributes": {"extension": {"type": "commands:check"}},
        }))
        .unwrap();
        assert!(matches!(&check, Command::Check(c) if c.lives == 1));
        for other in [
            serde_json::json!({"attributes": {"extension": {"type": "commands:other"}}}),
            serde_json::json!({"attributes": {"extension": "commands:publish"}}),
            serde_json::json!({"type": "commands:publish"}),
            serde_json::json!(["commands:publish"]),
        ] {
            let decoded: Command = serde_json::from_value(other.clone()).unwrap();
            assert_eq!(decoded, Command::Other(other));
        }
        assert_eq!(
            serde_json::to_value(&publish).unwrap()["attributes"]["extension"]["type"],
            "commands:publish"
        );
    }
}
