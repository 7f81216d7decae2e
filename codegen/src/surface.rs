//! The public API surface of a generated module, computed from the model, and what changed
//! between two surfaces.
//!
//! [`surface`] lists, like `cargo public-api`, one line per item and one indented line per
//! member, in a stable order (methods by name, then types by name; members in declaration
//! order). It describes the generated API as callers see it:
//!
//! - every operation is a method on the client taking its required inputs positionally (path
//!   parameters in path-template order, the other required parameters in document order, a
//!   required token or key, a required body) and returning a call builder with one setter per
//!   optional input, awaited directly (`IntoFuture`) or, for a browser redirect, finished with
//!   `.url()`:
//!   `fn get_token(body: &GetTokenRequest) -> TokenResponse, errors ErrorResponse`, then
//!   `  optional param scope: Scopes = query "scope"`; each parameter says where it goes and how
//!   it is written (`= path "id"`, `= query "tags" (repeated)`, `= header "x-user-id"`), a
//!   required one in a `required param` line of its own beside the signature, and each
//!   bearer-token scheme the client's source is asked for, with its scopes
//!   (`token 2-legged (app) scopes [data:read]`);
//! - every struct is `#[non_exhaustive]`, built with `new(required fields...)` and a
//!   `with_<field>` setter per optional field: `struct GetTokenRequest`,
//!   `  fn new(grant_type: GetTokenRequestGrantType)`,
//!   `  required field grant_type: GetTokenRequestGrantType`, `  optional field client_id: String`,
//!   with the JSON name where it is not the Rust name (`optional field email_id: String =
//!   "emailId"`);
//! - every enum is `#[non_exhaustive]`: `enum Scope`, `  variant DataRead = "data:read"`; a
//!   union dispatched on a discriminator shows where its tag is read and each variant's value
//!   (`enum Pet tag "kind"`, `  variant Cat(Box<Cat>) = "cat"`);
//! - aliases: `type Scopes = ScopeList<Scope>`.
//!
//! A deprecated item or member starts with `#[deprecated] `.
//!
//! [`diff`] compares two surfaces (texts, so an old one can be read back from a file) and
//! classifies each change: removing a method, type, field, variant or parameter, a new required
//! parameter or field, a changed type, signature or return type break callers; new methods and
//! types, new optional parameters and fields, and new enum variants (enums are non-exhaustive) do
//! not. Changes Rust code does not see are breaking too, for the wire: another JSON name, enum
//! value, union tag or tag value, a parameter sent elsewhere or written otherwise, and a token
//! that must carry a scope more (every session whose grant lacks it starts failing; a scope
//! less is not breaking).

use std::fmt;

use crate::model::{
    Api, ArrayStyle, Auth, Field, FieldKind, InputSource, KeyPlacement, Media, ObjectStyle,
    Operation, OperationKind, Param, ParamLocation, ParamShape, Passing, ResponseBody, TypeDef,
    TypeKind, TypeRef, UnionVariant,
};
use crate::naming::unraw;

/// The marker of a deprecated item or member.
const DEPRECATED: &str = "#[deprecated] ";

/// What separates a member's Rust form from its wire form (`optional field email_id: String =
/// "emailId"`, `optional param filter: String = query "filter"`, `variant Cat(Box<Cat>) = "cat"`).
const WIRE: &str = " = ";

/// What starts the line of an operation's HTTP Basic scheme (`basic <scheme> (required)`).
const BASIC: &str = "basic ";

/// What starts the wire part of a tagged union's line (`enum Pet tag "kind"`).
const TAG: &str = " tag ";

/// The start of the line of a schema the document's own example relaxed
/// (`relaxed #/components/schemas/X/properties/data: any JSON value (declared ..., ...)`).
const RELAXED: &str = "relaxed ";

/// The public API of the module generated from `api`, one line per item or member.
pub fn surface(api: &Api) -> String {
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    let mut ops: Vec<&Operation> = api.operations.iter().collect();
    ops.sort_by(|a, b| unraw(&a.fn_name).cmp(unraw(&b.fn_name)));
    for op in ops {
        blocks.push(operation(api, op));
    }
    let mut types: Vec<(String, Vec<String>)> =
        api.types.iter().map(|t| type_def(api, t)).collect();
    if !api.scopes.is_empty() {
        let mut variants: Vec<String> = api
            .scopes
            .iter()
            .map(|s| format!("variant {} = {:?}", s.rust_name, s.value))
            .collect();
        variants.push("variant Other(String)".into());
        types.push(("enum Scope".into(), variants));
        types.push(("type Scopes = ScopeList<Scope>".into(), Vec::new()));
    }
    types.sort_by(|a, b| item_name(&a.0).cmp(item_name(&b.0)).then(a.0.cmp(&b.0)));
    blocks.extend(types);
    // Where the document's own examples made a type accept more than it declares: the change
    // report shows a relaxation appear, and disappear when a later document fixes its example.
    for decision in &api.relaxed {
        blocks.push((
            format!("{RELAXED}{}: {}", decision.schema, decision.relaxation),
            Vec::new(),
        ));
    }
    let mut out = String::new();
    for (header, members) in blocks {
        out.push_str(&header);
        out.push('\n');
        for member in members {
            out.push_str("  ");
            out.push_str(&member);
            out.push('\n');
        }
    }
    out
}

/// The name in an item's line (`fn get_token(...)` -> `get_token`).
fn item_name(line: &str) -> &str {
    let line = line.strip_prefix(DEPRECATED).unwrap_or(line);
    let rest = line.split_once(' ').map_or(line, |(_, rest)| rest);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '#'))
        .unwrap_or(rest.len());
    unraw(&rest[..end])
}

fn deprecated(yes: bool, line: String) -> String {
    if yes {
        format!("{DEPRECATED}{line}")
    } else {
        line
    }
}

/// A type as the generated code names it.
fn ty(api: &Api, t: &TypeRef) -> String {
    match t {
        TypeRef::String => "String".into(),
        TypeRef::Secret => "SecretString".into(),
        TypeRef::Scopes => "Scopes".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::Json => "serde_json::Value".into(),
        TypeRef::Bytes => "Vec<u8>".into(),
        TypeRef::Named(id) => api.type_def(*id).name.clone(),
        TypeRef::Array(item) => format!("Vec<{}>", ty(api, item)),
        TypeRef::OneOrMany(item) => format!("OneOrMany<{}>", ty(api, item)),
        TypeRef::Map(value) => format!("BTreeMap<String, {}>", ty(api, value)),
        TypeRef::Boxed(inner) => format!("Box<{}>", ty(api, inner)),
    }
}

/// `fn name(required...) -> T, errors E` and one `optional param` line per setter.
fn operation(api: &Api, op: &Operation) -> (String, Vec<String>) {
    // The signature's arguments; one member line per required input with a wire form (its
    // location and name, which the signature does not show); one per optional input.
    let mut required = Vec::new();
    let mut wired = Vec::new();
    let mut optional = Vec::new();
    let mut input = |line: String, wire: Option<String>, is_required: bool, is_deprecated: bool| {
        let member = match &wire {
            Some(wire) => format!("{line}{WIRE}{wire}"),
            None => line.clone(),
        };
        if is_required {
            if wire.is_some() {
                wired.push(deprecated(
                    is_deprecated,
                    format!("required param {member}"),
                ));
            }
            required.push(line);
        } else {
            optional.push(deprecated(
                is_deprecated,
                format!("optional param {member}"),
            ));
        }
    };
    // `op.inputs`: the arguments in order, then the setters (lowering's `inputs.rs`).
    for i in &op.inputs {
        let is_required = i.passing == Passing::Argument;
        let (t, wire, is_deprecated) = match i.source {
            InputSource::Param(n) => {
                let p = &op.params[n];
                (
                    ty(api, &p.shape.rust_type()),
                    Some(param_wire(p)),
                    p.deprecated,
                )
            }
            InputSource::BearerToken => ("&str".to_owned(), None, false),
            InputSource::BasicAuth => ("(&str, &str)".to_owned(), None, false),
            InputSource::ApiKey => {
                let wire = match &op.auth {
                    Auth::ApiKey {
                        name, placement, ..
                    } => {
                        let place = match placement {
                            KeyPlacement::Header => "header",
                            KeyPlacement::Query | KeyPlacement::UrlQuery => "query",
                        };
                        Some(format!("{place} {name:?}"))
                    }
                    _ => None,
                };
                ("&str".to_owned(), wire, false)
            }
            InputSource::Body => {
                let t = match op.body.as_ref().map(|b| (b.media, &b.ty)) {
                    Some((Media::Json | Media::Form, t)) => format!("&{}", ty(api, t)),
                    Some((Media::Text, _)) => "&str".into(),
                    Some((Media::Binary, _)) | None => "&[u8]".into(),
                };
                (t, None, false)
            }
        };
        input(format!("{}: {t}", i.name), wire, is_required, is_deprecated);
    }
    wired.extend(optional);
    let mut optional = wired;
    let returns = match &op.kind {
        OperationKind::Redirect => "Url, browser redirect".to_owned(),
        OperationKind::Call { success, error } => {
            let success = match success {
                ResponseBody::Empty => "()".to_owned(),
                ResponseBody::Json(t) => ty(api, t),
                ResponseBody::OptionalJson(t) => format!("Option<{}>", ty(api, t)),
                ResponseBody::Text => "String".to_owned(),
                ResponseBody::Binary => "Vec<u8>".to_owned(),
            };
            format!("{success}, errors {}", ty(api, error))
        }
    };
    // Which tokens the client's source is asked for: a change of scopes shows in review.
    if let Auth::Bearer { options, .. } = &op.auth {
        for o in options {
            let whose = match (o.app, o.user) {
                (true, false) => "app",
                (false, true) => "user",
                _ => "any",
            };
            optional.push(format!(
                "token {} ({whose}) scopes [{}]",
                o.scheme,
                o.scopes.join(" ")
            ));
        }
    }
    // Which client credentials are sent, and whether a call may go without.
    if let Auth::Basic {
        scheme,
        optional: o,
        ..
    } = &op.auth
    {
        let need = if *o { "optional" } else { "required" };
        optional.push(format!("{BASIC}{scheme} ({need})"));
    }
    let header = format!("fn {}({}) -> {returns}", op.fn_name, required.join(", "));
    (deprecated(op.deprecated, header), optional)
}

/// Where a parameter goes and how it is written: `query "filter[type]" (joined ',')`.
fn param_wire(p: &Param) -> String {
    let place = match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    };
    let style = match &p.shape {
        ParamShape::Scalar(_) => String::new(),
        ParamShape::Array {
            style: ArrayStyle::Repeat,
            ..
        } => " (repeated)".into(),
        ParamShape::Array {
            style: ArrayStyle::Join(c),
            ..
        } => format!(" (joined {c:?})"),
        ParamShape::Object { style, .. } => match style {
            ObjectStyle::Explode => " (object, exploded)".into(),
            ObjectStyle::Join => " (object, joined)".into(),
            ObjectStyle::DeepObject => " (deepObject)".into(),
        },
    };
    format!("{place} {:?}{style}", p.wire_name)
}

/// The wire part of a union's line: the keys its tag is read at (`tag "kind"`,
/// `tag "attributes"."extension"."type"`).
fn tag_text(keys: &[String]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
    format!("{TAG}{}", keys.join("."))
}

/// One type: its line and its members.
fn type_def(api: &Api, t: &TypeDef) -> (String, Vec<String>) {
    let name = &t.name;
    let (header, members) = match &t.kind {
        TypeKind::Struct { fields } => (format!("struct {name}"), struct_members(api, fields)),
        TypeKind::Newtype(inner) => (format!("struct {name}({})", ty(api, inner)), Vec::new()),
        TypeKind::Alias(inner) => (format!("type {name} = {}", ty(api, inner)), Vec::new()),
        TypeKind::StringEnum { variants, open } => {
            let mut members: Vec<String> = variants
                .iter()
                .map(|v| format!("variant {} = {:?}", v.rust_name, v.wire_value))
                .collect();
            if *open {
                members.push("variant Other(String)".into());
            }
            (format!("enum {name}"), members)
        }
        TypeKind::Union { variants, tag } => {
            let mut members: Vec<String> = variants
                .iter()
                .map(
                    |UnionVariant {
                         rust_name,
                         ty: t,
                         tag_value,
                         ..
                     }| {
                        let line = format!("variant {rust_name}({})", ty(api, t));
                        match tag_value {
                            Some(value) if tag.is_some() => format!("{line}{WIRE}{value:?}"),
                            _ => line,
                        }
                    },
                )
                .collect();
            members.push("variant Other(serde_json::Value)".into());
            let header = match tag {
                Some(keys) => format!("enum {name}{}", tag_text(keys)),
                None => format!("enum {name}"),
            };
            (header, members)
        }
    };
    (deprecated(t.deprecated, header), members)
}

/// `fn new(required...)`, then one line per field.
fn struct_members(api: &Api, fields: &[Field]) -> Vec<String> {
    let mut args = Vec::new();
    let mut members = Vec::new();
    for f in fields {
        let t = ty(api, &f.ty);
        let line = match &f.kind {
            FieldKind::Required { nullable, .. } => {
                // Required but nullable: `None` is a value the caller passes.
                let t = if *nullable { format!("Option<{t}>") } else { t };
                args.push(format!("{}: {t}", f.rust_name));
                format!("required field {}: {t}", f.rust_name)
            }
            FieldKind::Optional { .. } | FieldKind::Extra { .. } => {
                format!("optional field {}: {t}", f.rust_name)
            }
        };
        // The JSON name, where it is not the Rust name (`email_id` for `emailId`).
        let line = match f.wire_name() {
            Some(wire) if wire != unraw(&f.rust_name) => format!("{line}{WIRE}{wire:?}"),
            _ => line,
        };
        members.push(deprecated(f.deprecated, line));
    }
    members.insert(0, format!("fn new({})", args.join(", ")));
    members
}

/// One change between two surfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Whether code that compiled against the old surface may not compile against the new one.
    pub breaking: bool,
    /// What changed, in Rust terms (`enum Scope: removed variant DataRead = "data:read"`).
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.breaking {
            "BREAKING"
        } else {
            "        "
        };
        write!(f, "{mark}  {}", self.what)
    }
}

/// One line of a surface: its text without the deprecation marker, and the marker.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Line<'a> {
    text: &'a str,
    deprecated: bool,
}

impl<'a> Line<'a> {
    fn new(line: &'a str) -> Self {
        match line.strip_prefix(DEPRECATED) {
            Some(text) => Line {
                text,
                deprecated: true,
            },
            None => Line {
                text: line,
                deprecated: false,
            },
        }
    }

    /// What identifies the line across versions: `fn get_token`, `struct X`, `field x`,
    /// `param scope`, `variant DataRead`, `fn new`.
    fn key(&self) -> String {
        // `relaxed <pointer>: <what> (<why>)`: the pointer and what was relaxed, not the why.
        if self.text.starts_with(RELAXED) {
            return self.text.split(" (").next().unwrap_or(self.text).to_owned();
        }
        // `token <scheme> (<whose>) scopes [...]`, `basic <scheme> (required)`: scheme names may
        // hold any character.
        for kind in ["token ", BASIC] {
            if let Some(rest) = self.text.strip_prefix(kind) {
                return format!("{kind}{}", rest.split(" (").next().unwrap_or(rest));
            }
        }
        let text = self
            .text
            .strip_prefix("required ")
            .or_else(|| self.text.strip_prefix("optional "))
            .unwrap_or(self.text);
        let (kind, rest) = text.split_once(' ').unwrap_or((text, ""));
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '#'))
            .unwrap_or(rest.len());
        format!("{kind} {}", &rest[..end])
    }
}

/// A surface read back: items in order, each with its members.
struct Item<'a> {
    line: Line<'a>,
    members: Vec<Line<'a>>,
}

fn parse(text: &str) -> Vec<Item<'_>> {
    let mut items: Vec<Item<'_>> = Vec::new();
    for raw in text.lines() {
        if raw.trim().is_empty() {
            continue;
        }
        match (raw.strip_prefix("  "), items.last_mut()) {
            (Some(member), Some(item)) => item.members.push(Line::new(member.trim_start())),
            _ => items.push(Item {
                line: Line::new(raw.trim()),
                members: Vec::new(),
            }),
        }
    }
    items
}

/// What changed from the `old` surface to the `new` one, breaking changes first (each group in
/// the new surface's order, then what was removed).
pub fn diff(old: &str, new: &str) -> Vec<Change> {
    let (old, new) = (parse(old), parse(new));
    let mut changes = Vec::new();
    let find = |items: &'_ [Item<'_>], key: &str| items.iter().position(|i| i.line.key() == key);
    for item in &new {
        let relaxed = item.line.text.strip_prefix(RELAXED);
        match (find(&old, &item.line.key()), relaxed) {
            (None, Some(what)) => changes.push(Change {
                breaking: false,
                what: format!("relaxed for the document's own example: {what}"),
            }),
            (None, None) => changes.push(Change {
                breaking: false,
                what: format!("added {}", item.line.text),
            }),
            // The same relaxation for another example: nothing changes for callers.
            (Some(_), Some(_)) => {}
            (Some(i), None) => compare_items(&old[i], item, &mut changes),
        }
    }
    for item in &old {
        if find(&new, &item.line.key()).is_some() {
            continue;
        }
        match item.line.text.strip_prefix(RELAXED) {
            // The type checks again what it declares: answers it accepted may now fail to
            // decode, though code still compiles.
            Some(what) => changes.push(Change {
                breaking: true,
                what: format!(
                    "strict again (the document's examples no longer contradict it; answers the relaxed type accepted may fail to decode): {}",
                    what.split(" (").next().unwrap_or(what)
                ),
            }),
            None => changes.push(Change {
                breaking: true,
                what: format!("removed {}", item.line.text),
            }),
        }
    }
    changes.sort_by_key(|c| !c.breaking);
    changes
}

fn compare_items(old: &Item<'_>, new: &Item<'_>, changes: &mut Vec<Change>) {
    let key = new.line.key();
    if old.line.text != new.line.text {
        let (old_rust, old_tag) = split_tag(old.line.text);
        let (new_rust, new_tag) = split_tag(new.line.text);
        if key.starts_with("fn ") {
            signature_changes(&key, old.line.text, new.line.text, changes);
        } else if old_rust == new_rust {
            // A union told apart by another property, or no longer (or newly) by one.
            changes.push(wire_change(
                &key,
                "tag",
                new_tag.unwrap_or("none (untagged)"),
                old_tag.unwrap_or("none (untagged)"),
            ));
        } else {
            changes.push(Change {
                breaking: true,
                what: format!("{key}: now `{}` (was `{}`)", new.line.text, old.line.text),
            });
        }
    }
    deprecation(&key, old.line, new.line, changes);
    for member in &new.members {
        let member_key = member.key();
        match old.members.iter().find(|m| m.key() == member_key) {
            // A required parameter is an argument of the method: the signature says it.
            None if member.text.starts_with("required param ") => {}
            // Calls without credentials now fail before sending.
            None if member.text.starts_with(BASIC) && member.text.ends_with("(required)") => {
                changes.push(Change {
                    breaking: true,
                    what: format!(
                        "{key}: now requires HTTP Basic client credentials (calls without them fail before sending): added {}",
                        member.text
                    ),
                })
            }
            None => changes.push(Change {
                // A required field is a new argument of `new`.
                breaking: member.text.starts_with("required "),
                what: format!(
                    "{key}: {} {}",
                    if member.text.starts_with("required ") {
                        "new"
                    } else {
                        "added"
                    },
                    member.text
                ),
            }),
            Some(was) => {
                if was.text != member.text {
                    compare_member(&key, &member_key, was.text, member.text, changes);
                }
                deprecation(&format!("{key}: {member_key}"), *was, *member, changes);
            }
        }
    }
    for member in &old.members {
        if member.text.starts_with("required param ") {
            continue; // the signature says it
        }
        if !new.members.iter().any(|m| m.key() == member.key()) {
            changes.push(Change {
                // Credentials the operation no longer asks for: calls still work.
                breaking: !member.key().starts_with("token ") && !member.key().starts_with(BASIC),
                what: format!("{key}: removed {}", member.text),
            });
        }
    }
}

/// One member that changed (`old` and `new` differ, deprecation aside).
fn compare_member(key: &str, member_key: &str, old: &str, new: &str, changes: &mut Vec<Change>) {
    if member_key.starts_with("token ") {
        changes.push(token_change(key, old, new));
        return;
    }
    if member_key.starts_with(BASIC) {
        // Credentials that became required break calls made without them.
        changes.push(Change {
            breaking: new.ends_with("(required)"),
            what: format!("{key}: now `{new}` (was `{old}`)"),
        });
        return;
    }
    let (old_rust, old_wire) = split_wire(old);
    let (new_rust, new_wire) = split_wire(new);
    let both_required = old.starts_with("required param ") && new.starts_with("required param ");
    if old_rust != new_rust && !both_required {
        changes.push(Change {
            breaking: true,
            what: format!("{key}: now `{new}` (was `{old}`)"),
        });
        return;
    }
    let what = if member_key.starts_with("param ") {
        "sent as"
    } else if member_key.starts_with("field ") {
        "wire name"
    } else if key.starts_with("enum ") && new_rust.ends_with(')') {
        "tag value"
    } else {
        "wire value"
    };
    // A parameter line of an older surface says nothing of the wire: nothing to compare.
    let unknown = member_key.starts_with("param ") && (old_wire.is_none() || new_wire.is_none());
    if old_wire != new_wire && !unknown {
        let none = "none".to_owned();
        changes.push(wire_change(
            &format!("{key}: {member_key}"),
            what,
            new_wire.as_ref().unwrap_or(&none),
            old_wire.as_ref().unwrap_or(&none),
        ));
    }
}

/// A change on the wire only: Rust code compiles as before, but what is sent or read differs.
fn wire_change(key: &str, what: &str, now: &str, was: &str) -> Change {
    Change {
        breaking: true,
        what: format!(
            "{key}: {what} now {now} (was {was}); breaking for the wire, though Rust code still compiles"
        ),
    }
}

/// A member line's Rust part and its wire part: the explicit one after ` = `, or for a field
/// without one its Rust name (the JSON name is written only where it differs).
fn split_wire(text: &str) -> (&str, Option<String>) {
    let wired = [
        "required field ",
        "optional field ",
        "required param ",
        "optional param ",
        "variant ",
    ];
    if !wired.iter().any(|p| text.starts_with(p)) {
        return (text, None);
    }
    if let Some((rust, wire)) = text.split_once(WIRE) {
        return (rust, Some(wire.to_owned()));
    }
    let field = text
        .strip_prefix("required field ")
        .or_else(|| text.strip_prefix("optional field "));
    let implied = field
        .and_then(|rest| rest.split_once(':'))
        .map(|(name, _)| format!("{:?}", unraw(name)));
    (text, implied)
}

/// An item line's Rust part and its union tag (`enum Pet tag "kind"`).
fn split_tag(text: &str) -> (&str, Option<&str>) {
    if !text.starts_with("enum ") {
        return (text, None);
    }
    match text.split_once(TAG) {
        Some((rust, tag)) => (rust, Some(tag)),
        None => (text, None),
    }
}

/// `token <scheme> (<whose>) scopes [a b]`: whose tokens and which scopes.
fn token_parts(line: &str) -> (&str, Vec<&str>) {
    let whose = line
        .split_once(" (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or("", |(whose, _)| whose);
    let scopes = line
        .rsplit_once(" scopes [")
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .map(|list| list.split_whitespace().collect())
        .unwrap_or_default();
    (whose, scopes)
}

/// Another token for an operation: asking for a scope more (or no longer taking tokens of some
/// grant) breaks every session whose grant lacks it, though code still compiles; asking for
/// less does not.
fn token_change(key: &str, old: &str, new: &str) -> Change {
    let (old_whose, old_scopes) = token_parts(old);
    let (new_whose, new_scopes) = token_parts(new);
    let added: Vec<&str> = new_scopes
        .iter()
        .filter(|s| !old_scopes.contains(s))
        .copied()
        .collect();
    let grants = |whose: &str| match whose {
        "app" => (true, false),
        "user" => (false, true),
        _ => (true, true),
    };
    let ((old_app, old_user), (new_app, new_user)) = (grants(old_whose), grants(new_whose));
    let narrowed = (old_app && !new_app) || (old_user && !new_user);
    let mut why = Vec::new();
    if !added.is_empty() {
        why.push(format!(
            "now also requires {} (every session whose grant lacks {} starts failing)",
            added.join(" "),
            if added.len() == 1 { "it" } else { "them" }
        ));
    }
    if narrowed {
        why.push(format!(
            "no longer takes {old_whose} tokens but {new_whose} ones (sources of the others start failing)"
        ));
    }
    let why = if why.is_empty() {
        String::new()
    } else {
        format!("{}; ", why.join("; "))
    };
    Change {
        breaking: !why.is_empty(),
        what: format!("{key}: {why}now `{new}` (was `{old}`)"),
    }
}

fn deprecation(what: &str, old: Line<'_>, new: Line<'_>, changes: &mut Vec<Change>) {
    if old.deprecated != new.deprecated {
        changes.push(Change {
            breaking: false,
            what: format!(
                "{what}: {}",
                if new.deprecated {
                    "now deprecated"
                } else {
                    "no longer deprecated"
                }
            ),
        });
    }
}

/// `fn name(a: A, b: B) -> R`: the arguments (name, type) and what follows `->`.
fn split_signature(line: &str) -> Option<(Vec<(&str, &str)>, &str)> {
    let open = line.find('(')?;
    let mut depth = 0usize;
    let mut close = None;
    for (i, c) in line.char_indices().skip(open) {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 && c == ')' {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let inner = &line[open + 1..close];
    let returns = line[close + 1..].trim().strip_prefix("->")?.trim();
    let mut args = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                args.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !inner.trim().is_empty() {
        args.push(&inner[start..]);
    }
    let args = args
        .into_iter()
        .map(|a| a.trim().split_once(": ").map(|(n, t)| (n.trim(), t.trim())))
        .collect::<Option<Vec<_>>>()?;
    Some((args, returns))
}

/// The changes of a method's (or `new`'s) signature: each one breaks callers.
fn signature_changes(key: &str, old: &str, new: &str, changes: &mut Vec<Change>) {
    let mut push = |what: String| {
        changes.push(Change {
            breaking: true,
            what: format!("{key}: {what}"),
        })
    };
    let (Some((old_args, old_ret)), Some((new_args, new_ret))) =
        (split_signature(old), split_signature(new))
    else {
        push(format!("now `{new}` (was `{old}`)"));
        return;
    };
    for (name, t) in &new_args {
        match old_args.iter().find(|(n, _)| n == name) {
            None => push(format!("new required param {name}: {t}")),
            Some((_, was)) if was != t => push(format!("param {name}: now {t} (was {was})")),
            Some(_) => {}
        }
    }
    for (name, t) in &old_args {
        if !new_args.iter().any(|(n, _)| n == name) {
            push(format!("removed required param {name}: {t}"));
        }
    }
    let names = |args: &[(&str, &str)], other: &[(&str, &str)]| -> Vec<String> {
        args.iter()
            .filter(|(n, _)| other.iter().any(|(m, _)| m == n))
            .map(|(n, _)| (*n).to_owned())
            .collect()
    };
    if names(&old_args, &new_args) != names(&new_args, &old_args) {
        push(format!(
            "required params reordered: ({})",
            new_args
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if old_ret != new_ret {
        push(format!("returns {new_ret} (was {old_ret})"));
    }
}

/// One line that counts the changes (`3 changes: 2 breaking, 1 non-breaking`), or says there are
/// none.
pub fn summary(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no change to the public API".into();
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    format!(
        "{} change{}: {breaking} breaking, {} non-breaking",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        changes.len() - breaking,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(body: &str) -> Api {
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{body}");
        let doc = crate::load::load(&text).unwrap_or_else(|e| panic!("{e}"));
        crate::lower::lower(&doc, &crate::Options::default())
            .unwrap_or_else(|e| panic!("{e}"))
            .0
    }

    const DOC: &str = r##"
paths:
  /users/{id}/items/{item}:
    get:
      operationId: getItem
      security: [{bearer: []}]
      parameters:
        - {name: item, in: path, required: true, schema: {type: integer}}
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: filter, in: query, schema: {type: string}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
        - {name: old, in: query, deprecated: true, schema: {type: boolean}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
        '404': {description: no, content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}}
  /items:
    post:
      operationId: createItem
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
      responses: {'204': {description: done}}
  /authorize:
    get:
      operationId: authorize
      parameters: [{name: client_id, in: query, required: true, schema: {type: string}}]
      responses: {'302': {description: go}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Item:
      type: object
      required: [name, note]
      properties:
        name: {type: string}
        note: {type: [string, 'null']}
        kind: {type: string, enum: [a, b-c]}
        tags: {type: array, items: {type: string}}
        legacy: {type: string, deprecated: true}
        emailId: {type: string}
    Problem: {type: object, properties: {detail: {type: string}}}
    Id: {type: string}
    Shape: {oneOf: [{$ref: '#/components/schemas/Item'}, {type: integer}]}
    Tagged:
      oneOf: [{$ref: '#/components/schemas/Item'}, {$ref: '#/components/schemas/Problem'}]
      discriminator: {propertyName: kind, mapping: {item: '#/components/schemas/Item'}}
"##;

    #[test]
    fn the_surface_lists_methods_then_types_with_their_members() {
        let surface = surface(&api(DOC));
        let expected = r#"fn authorize_url(client_id: String) -> Url, browser redirect
  required param client_id: String = query "client_id"
fn create_item(body: &Item) -> (), errors serde_json::Value
fn get_item(id: String, item: i64, x_trace: String) -> Item, errors Problem
  required param id: String = path "id"
  required param item: i64 = path "item"
  required param x_trace: String = header "X-Trace"
  optional param filter: String = query "filter"
  #[deprecated] optional param old: bool = query "old"
  optional param bearer_token: &str
  token bearer (any) scopes []
type Id = String
struct Item
  fn new(name: String, note: Option<String>)
  required field name: String
  required field note: Option<String>
  optional field kind: ItemKind
  optional field tags: Vec<String>
  #[deprecated] optional field legacy: String
  optional field email_id: String = "emailId"
enum ItemKind
  variant A = "a"
  variant BC = "b-c"
  variant Other(String)
struct Problem
  fn new()
  optional field detail: String
enum Shape
  variant Item(Box<Item>)
  variant Integer(i64)
  variant Other(serde_json::Value)
enum Tagged tag "kind"
  variant Item(Box<Item>) = "item"
  variant Problem(Box<Problem>) = "Problem"
  variant Other(serde_json::Value)
"#;
        assert_eq!(surface, expected, "\n{surface}");
    }

    #[test]
    fn the_surface_is_stable_under_reordering() {
        let reordered = DOC.replace(
            "    Problem: {type: object, properties: {detail: {type: string}}}\n    Id: {type: string}\n",
            "    Id: {type: string}\n    Problem: {type: object, properties: {detail: {type: string}}}\n",
        );
        assert_ne!(reordered, DOC);
        assert_eq!(surface(&api(&reordered)), surface(&api(DOC)));
    }

    fn changes(old: &str, new: &str) -> Vec<String> {
        diff(old, new).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_same_surface_has_no_changes() {
        let s = surface(&api(DOC));
        assert!(diff(&s, &s).is_empty());
        assert_eq!(summary(&[]), "no change to the public API");
    }

    #[test]
    fn removals_new_requirements_and_changed_types_break_callers() {
        let old = "fn get(id: String) -> Item, errors E\n  optional param q: String\n  optional param r: i64\nstruct Item\n  fn new(a: String)\n  required field a: String\n  optional field b: String\nenum Kind\n  variant A = \"a\"\n  variant B = \"b\"\ntype Gone = String\n";
        let new = "fn get(id: i64, extra: bool) -> Vec<Item>, errors E\n  optional param q: bool\nstruct Item\n  fn new(a: String, c: String)\n  required field a: String\n  required field c: String\n  required field b: String\nenum Kind\n  variant A = \"a\"\n";
        assert_eq!(
            changes(old, new),
            [
                "BREAKING  fn get: param id: now i64 (was String)",
                "BREAKING  fn get: new required param extra: bool",
                "BREAKING  fn get: returns Vec<Item>, errors E (was Item, errors E)",
                "BREAKING  fn get: now `optional param q: bool` (was `optional param q: String`)",
                "BREAKING  fn get: removed optional param r: i64",
                "BREAKING  struct Item: now `fn new(a: String, c: String)` (was `fn new(a: String)`)",
                "BREAKING  struct Item: new required field c: String",
                "BREAKING  struct Item: now `required field b: String` (was `optional field b: String`)",
                "BREAKING  enum Kind: removed variant B = \"b\"",
                "BREAKING  removed type Gone = String",
            ]
        );
    }

    #[test]
    fn additions_of_optional_things_new_items_and_variants_do_not() {
        let old = "fn get(id: String) -> Item, errors E\nstruct Item\n  fn new()\nenum Kind\n  variant A = \"a\"\n";
        let new = "fn get(id: String) -> Item, errors E\n  optional param q: String\nfn put() -> (), errors E\nstruct Item\n  fn new()\n  optional field b: String\nenum Kind\n  variant A = \"a\"\n  variant B = \"b\"\n  variant Other(String)\nstruct New\n  fn new()\n";
        let found = diff(old, new);
        assert!(found.iter().all(|c| !c.breaking), "{found:?}");
        assert_eq!(
            changes(old, new),
            [
                "          fn get: added optional param q: String",
                "          added fn put() -> (), errors E",
                "          struct Item: added optional field b: String",
                "          enum Kind: added variant B = \"b\"",
                "          enum Kind: added variant Other(String)",
                "          added struct New",
            ]
        );
        assert_eq!(summary(&found), "6 changes: 0 breaking, 6 non-breaking");
    }

    #[test]
    fn reordered_required_params_and_deprecations_are_reported() {
        let old = "fn get(a: String, b: String) -> (), errors E\nstruct S\n  fn new()\n  optional field x: String\n";
        let new = "#[deprecated] fn get(b: String, a: String) -> (), errors E\nstruct S\n  fn new()\n  #[deprecated] optional field x: String\n";
        assert_eq!(
            changes(old, new),
            [
                "BREAKING  fn get: required params reordered: (b, a)",
                "          fn get: now deprecated",
                "          struct S: field x: now deprecated",
            ]
        );
    }

    #[test]
    fn a_token_asking_for_a_scope_more_breaks_and_one_asking_for_less_does_not() {
        let old = "fn get() -> Item, errors E\n  optional param bearer_token: &str\n  token 3-legged (user) scopes [data:read data:create]\n  token 2-legged (app) scopes [data:read]\n";
        let new = "fn get() -> Item, errors E\n  optional param bearer_token: &str\n  token 3-legged (user) scopes [data:read data:write]\n";
        assert_eq!(
            changes(old, new),
            [
                "BREAKING  fn get: now also requires data:write (every session whose grant lacks it starts failing); now `token 3-legged (user) scopes [data:read data:write]` (was `token 3-legged (user) scopes [data:read data:create]`)",
                "          fn get: removed token 2-legged (app) scopes [data:read]",
            ]
        );
        // Fewer scopes, or tokens of more grants: every session that worked still does.
        let fewer = "fn get() -> Item, errors E\n  token 3-legged (any) scopes [data:read]\n";
        let before =
            "fn get() -> Item, errors E\n  token 3-legged (user) scopes [data:read data:create]\n";
        assert_eq!(
            changes(before, fewer),
            [
                "          fn get: now `token 3-legged (any) scopes [data:read]` (was `token 3-legged (user) scopes [data:read data:create]`)"
            ]
        );
        // Only user tokens where app tokens were taken.
        let narrowed = changes(
            "fn get() -> Item, errors E\n  token t (app) scopes []\n",
            "fn get() -> Item, errors E\n  token t (user) scopes []\n",
        );
        assert!(
            narrowed[0].starts_with("BREAKING  fn get: no longer takes app tokens"),
            "{narrowed:?}"
        );
    }

    /// The changes between the surfaces of `doc` with `from` and with `to` in its place.
    fn changed(doc: &str, from: &str, to: &str) -> (String, String, Vec<String>) {
        let old = surface(&api(&doc.replace("@", from)));
        let new = surface(&api(&doc.replace("@", to)));
        let found = changes(&old, &new);
        (old, new, found)
    }

    #[test]
    fn a_changed_json_name_is_breaking_though_the_rust_name_stays() {
        let doc =
            "components:\n  schemas:\n    User: {type: object, properties: {@: {type: string}}}\n";
        let (old, new, found) = changed(doc, "emailId", "email_id");
        assert!(
            old.contains("  optional field email_id: String = \"emailId\"\n"),
            "{old}"
        );
        assert!(new.contains("  optional field email_id: String\n"), "{new}");
        assert_eq!(
            found,
            [
                "BREAKING  struct User: field email_id: wire name now \"email_id\" (was \"emailId\"); breaking for the wire, though Rust code still compiles"
            ]
        );
        let (_, _, back) = changed(doc, "email_id", "emailId");
        assert_eq!(
            back,
            [
                "BREAKING  struct User: field email_id: wire name now \"emailId\" (was \"email_id\"); breaking for the wire, though Rust code still compiles"
            ]
        );
        // A keyword's raw identifier is its JSON name: nothing to show.
        let (same, _, none) = changed(doc, "type", "type");
        assert!(same.contains("  optional field r#type: String\n"), "{same}");
        assert!(none.is_empty());
    }

    #[test]
    fn a_parameter_moved_or_written_otherwise_is_breaking_for_the_wire() {
        let doc = "paths:\n  /a:\n    get:\n      operationId: a\n      parameters: [{name: tags, @, schema: {type: array, items: {type: string}}}]\n      responses: {'204': {description: ok}}\n";
        let (old, new, found) = changed(doc, "in: query", "in: header");
        assert!(
            old.contains("  optional param tags: Vec<String> = query \"tags\" (repeated)\n"),
            "{old}"
        );
        assert!(
            new.contains("  optional param tags: Vec<String> = header \"tags\" (joined ',')\n"),
            "{new}"
        );
        assert_eq!(
            found,
            [
                "BREAKING  fn a: param tags: sent as now header \"tags\" (joined ',') (was query \"tags\" (repeated)); breaking for the wire, though Rust code still compiles"
            ]
        );
        let (_, _, style) = changed(doc, "in: query", "in: query, style: pipeDelimited");
        assert_eq!(
            style,
            [
                "BREAKING  fn a: param tags: sent as now query \"tags\" (joined '|') (was query \"tags\" (repeated)); breaking for the wire, though Rust code still compiles"
            ]
        );
        // A required parameter: its signature is unchanged, its member line says where it goes.
        let (old, _, required) = changed(
            doc,
            "in: query, required: true",
            "in: header, required: true",
        );
        assert!(old.contains("fn a(tags: Vec<String>)"), "{old}");
        assert_eq!(
            required,
            [
                "BREAKING  fn a: param tags: sent as now header \"tags\" (joined ',') (was query \"tags\" (repeated)); breaking for the wire, though Rust code still compiles"
            ]
        );
        // A surface written before parameters showed the wire: no change reported for it.
        let before = old.replace(" = query \"tags\" (repeated)", "");
        assert!(
            changes(&before, &old).is_empty(),
            "{:?}",
            changes(&before, &old)
        );
    }

    #[test]
    fn a_unions_tag_and_its_values_are_breaking_for_the_wire() {
        let doc = "components:\n  schemas:\n    Cat: {type: object, properties: {kind: {type: string}}}\n    Dog: {type: object, properties: {kind: {type: string}}}\n    Pet:\n      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]\n      @\n";
        let tagged =
            "discriminator: {propertyName: kind, mapping: {cat: '#/components/schemas/Cat'}}";
        let (old, new, found) = changed(doc, tagged, &tagged.replace("kind", "type"));
        assert!(
            old.contains("enum Pet tag \"kind\"\n  variant Cat(Box<Cat>) = \"cat\"\n"),
            "{old}"
        );
        assert!(new.contains("enum Pet tag \"type\"\n"), "{new}");
        assert_eq!(
            found,
            [
                "BREAKING  enum Pet: tag now \"type\" (was \"kind\"); breaking for the wire, though Rust code still compiles"
            ]
        );
        let (_, _, mapping) = changed(doc, tagged, &tagged.replace("cat:", "feline:"));
        assert_eq!(
            mapping,
            [
                "BREAKING  enum Pet: variant Cat: tag value now \"feline\" (was \"cat\"); breaking for the wire, though Rust code still compiles"
            ]
        );
        let (_, _, untagged) = changed(doc, tagged, "description: no tag");
        assert_eq!(
            untagged[0],
            "BREAKING  enum Pet: tag now none (untagged) (was \"kind\"); breaking for the wire, though Rust code still compiles"
        );
        assert!(
            untagged.contains(&"BREAKING  enum Pet: variant Cat: tag value now none (was \"cat\"); breaking for the wire, though Rust code still compiles".to_owned()),
            "{untagged:?}"
        );
        // A path: each key quoted.
        assert_eq!(
            tag_text(&["attributes".into(), "extension".into(), "type".into()]),
            " tag \"attributes\".\"extension\".\"type\""
        );
    }

    #[test]
    fn a_string_enums_changed_value_is_breaking_for_the_wire() {
        let found = changes(
            "enum Kind\n  variant A = \"a\"\n",
            "enum Kind\n  variant A = \"A\"\n",
        );
        assert_eq!(
            found,
            [
                "BREAKING  enum Kind: variant A: wire value now \"A\" (was \"a\"); breaking for the wire, though Rust code still compiles"
            ]
        );
    }

    #[test]
    fn a_removed_or_renamed_operation_is_breaking() {
        let s = surface(&api(DOC));
        let renamed = s.replace("fn create_item(", "fn add_item(");
        let found = changes(&s, &renamed);
        assert_eq!(
            found,
            [
                "BREAKING  removed fn create_item(body: &Item) -> (), errors serde_json::Value",
                "          added fn add_item(body: &Item) -> (), errors serde_json::Value",
            ]
        );
        assert_eq!(
            summary(&diff(&s, &renamed)),
            "2 changes: 1 breaking, 1 non-breaking"
        );
    }

    #[test]
    fn a_relaxation_shows_when_it_appears_and_when_the_type_is_strict_again() {
        let body = "components:\n  schemas:\n    Link:\n      type: object\n      required: [href]\n      properties: {href: {type: string}}\n      example: EXAMPLE\n";
        let relaxed = surface(&api(&body.replace("EXAMPLE", "{}")));
        let strict = surface(&api(&body.replace("EXAMPLE", "{href: /x}")));
        assert!(
            relaxed.contains("relaxed #/components/schemas/Link: `href` optional (required, the example omits it)\n"),
            "{relaxed}"
        );
        let relaxing = changes(&strict, &relaxed);
        assert!(
            relaxing.contains(&"          relaxed for the document's own example: #/components/schemas/Link: `href` optional (required, the example omits it)".to_owned()),
            "{relaxing:?}"
        );
        let fixed = changes(&relaxed, &strict);
        assert!(
            fixed.contains(&"BREAKING  strict again (the document's examples no longer contradict it; answers the relaxed type accepted may fail to decode): #/components/schemas/Link: `href` optional".to_owned()),
            "{fixed:?}"
        );
        // Another example needing the same relaxation changes nothing.
        let other = relaxed.replace("the example omits it", "another example omits it");
        assert!(
            !changes(&relaxed, &other)
                .iter()
                .any(|c| c.contains("relaxed"))
        );
    }

    #[test]
    fn http_basic_shows_and_newly_required_credentials_break() {
        let doc = "components: {securitySchemes: {basic-authorization: {type: http, scheme: basic}}}\npaths:\n  /token:\n    post:\n      operationId: token\n      @\n      responses: {'204': {description: ok}}\n";
        let (old, new, found) = changed(
            doc,
            "description: open",
            "security: [{basic-authorization: []}]",
        );
        assert_eq!(old, "fn token() -> (), errors serde_json::Value\n");
        assert_eq!(
            new,
            "fn token() -> (), errors serde_json::Value\n  optional param basic_auth: (&str, &str)\n  basic basic-authorization (required)\n"
        );
        assert_eq!(
            found,
            [
                "BREAKING  fn token: now requires HTTP Basic client credentials (calls without them fail before sending): added basic basic-authorization (required)",
                "          fn token: added optional param basic_auth: (&str, &str)",
            ]
        );
        let (_, _, relaxed) = changed(
            doc,
            "security: [{basic-authorization: []}]",
            "security: [{basic-authorization: []}, {}]",
        );
        assert_eq!(
            relaxed,
            [
                "          fn token: now `basic basic-authorization (optional)` (was `basic basic-authorization (required)`)"
            ]
        );
    }
}
