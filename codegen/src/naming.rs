//! Rust identifiers for names taken from the document: case conversion (`heck`), keywords,
//! invalid starts, and deterministic collision resolution.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that are keywords in some Rust edition.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "union",
];

/// Keywords that cannot be written as raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Names of the Rust prelude and of derive macros that generated code writes unqualified
/// (`Option`, `Default`, ...), and the names of the crates' types users import beside the
/// generated ones (`Value`, `Url`, maps): a schema that maps to one of these gets a suffix.
pub const PRELUDE_NAMES: &[&str] = &[
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Debug",
    "Display",
    "Serialize",
    "Deserialize",
    "Url",
    "Value",
    "Map",
    "BTreeMap",
    "HashMap",
    "Self",
];

/// The type names `aps-auth-generated` exports at its root beside the generated types: the
/// runtime crate's public types (`aps-auth-runtime`) and the generated module's `Client` and
/// `ClientBuilder`. The generated types are glob-re-exported beside them, so none may take one
/// of these names. `aps-auth-tests` (`runtime_contract.rs`) generates a document whose schemas
/// take every name the crate's `lib.rs` exports and fails if one keeps it.
pub const RUNTIME_NAMES: &[&str] = &[
    "AuthError",
    "AuthOption",
    "BasicCredentials",
    "Grants",
    "OperationAuth",
    "StaticToken",
    "TokenSource",
    "Client",
    "ClientBuilder",
    "ConfigError",
    "Error",
    "ApiError",
    "DecodeError",
    "RawBody",
    "StatusError",
    "ApiResponse",
    "RateLimit",
    "ScopeList",
    "SecretString",
    "OperationInfo",
    "OneOrMany",
    "Unparsed",
    "RetryPolicy",
    "Pages",
    "Items",
    "PageError",
];

/// Types every generated module defines itself, whatever the document says.
pub const GENERATED_NAMES: &[&str] = &["Scope", "Scopes"];

/// Every name a schema may not take: [`PRELUDE_NAMES`], [`RUNTIME_NAMES`], [`GENERATED_NAMES`].
pub fn reserved_type_names() -> Vec<&'static str> {
    [PRELUDE_NAMES, RUNTIME_NAMES, GENERATED_NAMES].concat()
}

/// Keeps the characters a Rust identifier may hold; everything else becomes a word break.
fn words(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// A `snake_case` identifier for a field, function or parameter name (`2FaEnabled` -> `_2fa_enabled`,
/// `type` -> `r#type`).
pub fn snake(name: &str) -> String {
    let mut s = words(name).to_snake_case();
    if s.is_empty() {
        s = "field".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    escape_keyword(s)
}

/// An `UpperCamelCase` identifier for a type or variant. A name that is already a valid Rust type
/// name (`JWKSResponse`) is kept as written, so users find the schema's own name.
pub fn camel(name: &str) -> String {
    let already_ok = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    let mut s = if already_ok {
        name.to_owned()
    } else {
        words(name).to_upper_camel_case()
    };
    if s.is_empty() {
        s = "Empty".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    escape_keyword(s)
}

fn escape_keyword(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// The name serde sees for a Rust identifier (without `r#`).
pub fn unraw(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// A set of identifiers in one scope. Claiming a taken name yields the next free `name2`, `name3`,
/// ... (or `name_2` for snake case names), so the outcome depends only on claim order.
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    /// A namespace in which `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namespace {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Takes `name` without claiming a variant of it (a name pinned by the name map, see
    /// [`crate::names`]): later claims of `name` get `name2`, `name_2`...
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// Frees `name` again, undoing the [`Namespace::claim`] that returned it (a claimed name that
    /// a pinned one replaces).
    pub fn release(&mut self, name: &str) {
        self.taken.remove(name);
    }

    /// Whether `name` is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Claims `candidate` or the first free variant of it.
    pub fn claim(&mut self, candidate: &str) -> String {
        if self.taken.insert(candidate.to_owned()) {
            return candidate.to_owned();
        }
        // `self_` + 2 is `self_2`, not `self__2` (and `Self_` + 2 is `Self2`).
        let base = unraw(candidate).trim_end_matches('_');
        let base = if base.is_empty() { "field" } else { base };
        let sep = if base.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            ""
        } else {
            "_"
        };
        (2..)
            .map(|n| format!("{base}{sep}{n}"))
            .find(|name| self.taken.insert(name.clone()))
            .unwrap_or_default()
    }
}

/// An ASCII identifier that is not `_`: a letter or `_`, then letters, digits and `_`.
fn is_plain_identifier(name: &str) -> bool {
    name != "_"
        && name.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
        && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Whether `name` can name a generated type, as a name map may pin it: an identifier that starts
/// with an upper case letter and is not a keyword (`Foo`, `Foo2`, `V1`, `Self_`, `Self_Call`).
pub fn is_type_name(name: &str) -> bool {
    is_plain_identifier(name)
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && !KEYWORDS.contains(&name)
}

/// Whether `name` can name a generated method, as a name map may pin it: a lower case identifier,
/// raw when it is a keyword (`get_token`, `get_token_2`, `r#type`, `self_`).
pub fn is_fn_name(name: &str) -> bool {
    let lower = !name.chars().any(|c| c.is_ascii_uppercase());
    match name.strip_prefix("r#") {
        Some(keyword) => KEYWORDS.contains(&keyword) && !NOT_RAW.contains(&keyword) && lower,
        None => is_plain_identifier(name) && !KEYWORDS.contains(&name) && lower,
    }
}

/// Chooses identifiers for a list of wire names in one scope. Names whose conversion is exact
/// (the wire name already equals the identifier) are claimed first, so `user_id` keeps `user_id`
/// even when `userId` comes earlier; the rest are claimed in document order.
pub fn assign(wire_names: &[&str], convert: fn(&str) -> String, ns: &mut Namespace) -> Vec<String> {
    let candidates: Vec<String> = wire_names.iter().map(|w| convert(w)).collect();
    let mut out: Vec<Option<String>> = vec![None; wire_names.len()];
    for (i, (wire, cand)) in wire_names.iter().zip(&candidates).enumerate() {
        if unraw(cand) == *wire {
            out[i] = Some(ns.claim(cand));
        }
    }
    for (i, cand) in candidates.iter().enumerate() {
        if out[i].is_none() {
            out[i] = Some(ns.claim(cand));
        }
    }
    out.into_iter().map(Option::unwrap_or_default).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(snake("2FaEnabled"), "_2fa_enabled");
        assert_eq!(snake("more info"), "more_info");
        assert_eq!(snake("use"), "r#use");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("userId"), "user_id");
        assert_eq!(camel("JWKSResponse"), "JWKSResponse");
        assert_eq!(camel("data:read"), "DataRead");
        assert_eq!(camel("user-profile:read"), "UserProfileRead");
        assert_eq!(camel("1"), "V1");
        assert_eq!(camel("not ok"), "NotOk");
        assert_eq!(camel("Self"), "Self_");
    }

    #[test]
    fn names_a_map_may_pin() {
        for ok in [
            "Foo",
            "Foo2",
            "JWKSResponse",
            "V1",
            "Self_",
            "Self_Call",
            "Option2",
        ] {
            assert!(is_type_name(ok), "{ok}");
        }
        for bad in [
            "", "foo", "_Foo", "1Foo", "Foo Bar", "r#Foo", "Self", "Foo-Bar",
        ] {
            assert!(!is_type_name(bad), "{bad}");
        }
        for ok in [
            "get_token",
            "get_token_2",
            "r#type",
            "self_",
            "_2fa",
            "authorize_url",
        ] {
            assert!(is_fn_name(ok), "{ok}");
        }
        for bad in [
            "",
            "_",
            "GetToken",
            "get-token",
            "type",
            "r#get",
            "r#self",
            "self",
        ] {
            assert!(!is_fn_name(bad), "{bad}");
        }
    }

    #[test]
    fn reserved_names_are_skipped_and_released_ones_reused() {
        let mut ns = Namespace::default();
        ns.reserve("Foo");
        assert!(ns.is_taken("Foo"));
        assert_eq!(ns.claim("Foo"), "Foo2");
        ns.release("Foo2");
        assert!(!ns.is_taken("Foo2"));
        assert_eq!(ns.claim("Foo"), "Foo2");
    }

    #[test]
    fn collisions_resolve_by_exact_match_then_order() {
        let mut ns = Namespace::default();
        assert_eq!(
            assign(&["userId", "user_id"], snake, &mut ns),
            ["user_id_2", "user_id"]
        );
        let mut ns = Namespace::with_reserved(&reserved_type_names());
        assert_eq!(
            assign(&["foo", "Foo", "Option"], camel, &mut ns),
            ["Foo2", "Foo", "Option2"]
        );
    }
}
