//! The typed surface: an [`Item`] per method, type or relaxation, each a [`Line`] and member
//! lines. `render.rs` builds them from the model, `parse.rs` reads them back from a surface's
//! text (a committed snapshot, [`Item::parse_all`]), and `diff.rs` compares them field by field.
//! Their `Display` is the surface's text format.

use std::fmt;

use super::{BASIC, DEPRECATED, PAGES, RELAXED, TAG, WIRE};
use crate::naming::unraw;

/// One item of a surface and its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The item's own line.
    pub line: Line,
    /// Its members, in declaration order.
    pub members: Vec<Line>,
}

/// One line of a surface: an entry, maybe deprecated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `#[deprecated]`.
    pub deprecated: bool,
    /// What the line lists.
    pub entry: Entry,
}

/// A named argument of a method or of `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// Its name.
    pub name: String,
    /// Its type, as the generated code writes it.
    pub ty: String,
}

/// What a line lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A method on the client: `fn get(id: String) -> Item, errors E`.
    Fn {
        /// The method name.
        name: String,
        /// Its positional arguments.
        args: Vec<Arg>,
        /// What follows `->` (`Item, errors E`, `Url, browser redirect`).
        returns: String,
    },
    /// A struct's constructor: `fn new(a: String)`.
    New(Vec<Arg>),
    /// `struct Name`, or a newtype `struct Name(Inner)`.
    Struct {
        /// The type name.
        name: String,
        /// A newtype's inner type.
        inner: Option<String>,
    },
    /// `enum Name`, or a union told apart by a tag: `enum Pet tag "kind"`.
    Enum {
        /// The type name.
        name: String,
        /// The keys the tag is read at, as written (`"attributes"."type"`).
        tag: Option<String>,
    },
    /// `type Name = Target`.
    Alias {
        /// The alias name.
        name: String,
        /// What it names.
        target: String,
    },
    /// `relaxed <pointer>: <what> (<why>)`: a schema the document's own example relaxed.
    Relaxed(String),
    /// `required field x: T = "wire"` / `optional field ...`.
    Field {
        /// An argument of `new`.
        required: bool,
        /// The Rust name.
        name: String,
        /// The Rust type.
        ty: String,
        /// The JSON name, where it is not the Rust name (as written, quoted).
        wire: Option<String>,
    },
    /// `required param x: T = query "x"` / `optional param ...`.
    Param {
        /// An argument of the method.
        required: bool,
        /// The Rust name.
        name: String,
        /// The Rust type.
        ty: String,
        /// Where it goes and how it is written (`query "tags" (repeated)`), when the line says.
        wire: Option<String>,
    },
    /// `variant Name`, `variant Name(Payload)`, with its wire value or tag value.
    Variant {
        /// The Rust name.
        name: String,
        /// The value it holds.
        payload: Option<String>,
        /// The wire value or tag value, as written (quoted).
        wire: Option<String>,
    },
    /// `token <scheme> (<whose>) scopes [a b]`: a token the client's source is asked for.
    Token {
        /// The security scheme.
        scheme: String,
        /// `app`, `user` or `any`.
        whose: String,
        /// The scopes asked for.
        scopes: Vec<String>,
    },
    /// `basic <scheme> (required)`: HTTP Basic client credentials.
    Basic {
        /// The security scheme.
        scheme: String,
        /// Calls without credentials fail.
        required: bool,
    },
    /// `pages next=/links/next/href items=/data (Item)`: the call builder's `pages()` follows
    /// that next link (or, with `param=<name>`, sends that cursor in that query parameter);
    /// `items()` streams the items of that array, of that type.
    Pages {
        /// The JSON pointer of the next link or cursor.
        next: String,
        /// The query parameter a cursor is sent in.
        param: Option<String>,
        /// The JSON pointer of the item array and the item type.
        items: Option<(String, String)>,
    },
    /// A line this version does not read (an older format): compared as text.
    Other(String),
}

impl Entry {
    /// What identifies the entry across versions: `fn get_token`, `struct X`, `field x`,
    /// `param scope`, `variant DataRead`, `fn new`, `token <scheme>`, `relaxed <pointer>: <what>`.
    pub fn key(&self) -> String {
        match self {
            Entry::Fn { name, .. } => format!("fn {name}"),
            Entry::New(_) => "fn new".into(),
            Entry::Struct { name, .. } => format!("struct {name}"),
            Entry::Enum { name, .. } => format!("enum {name}"),
            Entry::Alias { name, .. } => format!("type {name}"),
            // The pointer and what was relaxed, not why.
            Entry::Relaxed(text) => format!("{RELAXED}{}", text.split(" (").next().unwrap_or(text)),
            Entry::Field { name, .. } => format!("field {name}"),
            Entry::Param { name, .. } => format!("param {name}"),
            Entry::Variant { name, .. } => format!("variant {name}"),
            Entry::Token { scheme, .. } => format!("token {scheme}"),
            Entry::Basic { scheme, .. } => format!("{BASIC}{scheme}"),
            Entry::Pages { .. } => "pages".into(),
            Entry::Other(text) => {
                let (kind, rest) = text.split_once(' ').unwrap_or((text, ""));
                format!("{kind} {}", name_at_start(rest))
            }
        }
    }

    /// The item's name, for ordering (`fn get_token(...)` -> `get_token`).
    pub fn name(&self) -> &str {
        match self {
            Entry::Fn { name, .. }
            | Entry::Struct { name, .. }
            | Entry::Enum { name, .. }
            | Entry::Alias { name, .. }
            | Entry::Field { name, .. }
            | Entry::Param { name, .. }
            | Entry::Variant { name, .. } => unraw(name),
            Entry::Token { scheme, .. } | Entry::Basic { scheme, .. } => scheme,
            Entry::New(_) => "new",
            Entry::Pages { .. } => "pages",
            Entry::Relaxed(text) | Entry::Other(text) => text,
        }
    }

    /// Whether it is a required field or parameter (an argument of `new` or of the method).
    pub fn is_required(&self) -> bool {
        matches!(
            self,
            Entry::Field { required: true, .. } | Entry::Param { required: true, .. }
        )
    }

    /// The entry without its wire part (what Rust code sees) and the wire part: the explicit one,
    /// or for a field without one its Rust name (the JSON name is written only where it differs).
    pub fn split_wire(&self) -> (Entry, Option<String>) {
        match self {
            Entry::Field {
                required,
                name,
                ty,
                wire,
            } => {
                let rust = Entry::Field {
                    required: *required,
                    name: name.clone(),
                    ty: ty.clone(),
                    wire: None,
                };
                let implied = || format!("{:?}", unraw(name));
                (rust, Some(wire.clone().unwrap_or_else(implied)))
            }
            Entry::Param {
                required,
                name,
                ty,
                wire,
            } => {
                let rust = Entry::Param {
                    required: *required,
                    name: name.clone(),
                    ty: ty.clone(),
                    wire: None,
                };
                (rust, wire.clone())
            }
            Entry::Variant {
                name,
                payload,
                wire,
            } => {
                let rust = Entry::Variant {
                    name: name.clone(),
                    payload: payload.clone(),
                    wire: None,
                };
                (rust, wire.clone())
            }
            other => (other.clone(), None),
        }
    }
}

/// The identifier at the start of `text` (`get(id: String)` -> `get`).
pub(super) fn name_at_start(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '#'))
        .unwrap_or(text.len());
    &text[..end]
}

impl Line {
    /// A line that is not deprecated.
    pub fn plain(entry: Entry) -> Line {
        Line {
            deprecated: false,
            entry,
        }
    }
}

fn args_text(args: &[Arg]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| format!("{}: {}", a.name, a.ty))
        .collect();
    args.join(", ")
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wire = |f: &mut fmt::Formatter<'_>, wire: &Option<String>| match wire {
            Some(w) => write!(f, "{WIRE}{w}"),
            None => Ok(()),
        };
        match self {
            Entry::Fn {
                name,
                args,
                returns,
            } => write!(f, "fn {name}({}) -> {returns}", args_text(args)),
            Entry::New(args) => write!(f, "fn new({})", args_text(args)),
            Entry::Struct { name, inner: None } => write!(f, "struct {name}"),
            Entry::Struct {
                name,
                inner: Some(inner),
            } => write!(f, "struct {name}({inner})"),
            Entry::Enum { name, tag: None } => write!(f, "enum {name}"),
            Entry::Enum {
                name,
                tag: Some(tag),
            } => write!(f, "enum {name}{TAG}{tag}"),
            Entry::Alias { name, target } => write!(f, "type {name} = {target}"),
            Entry::Relaxed(text) => write!(f, "{RELAXED}{text}"),
            Entry::Field {
                required,
                name,
                ty,
                wire: w,
            } => {
                let need = if *required { "required" } else { "optional" };
                write!(f, "{need} field {name}: {ty}")?;
                wire(f, w)
            }
            Entry::Param {
                required,
                name,
                ty,
                wire: w,
            } => {
                let need = if *required { "required" } else { "optional" };
                write!(f, "{need} param {name}: {ty}")?;
                wire(f, w)
            }
            Entry::Variant {
                name,
                payload,
                wire: w,
            } => {
                write!(f, "variant {name}")?;
                if let Some(p) = payload {
                    write!(f, "({p})")?;
                }
                wire(f, w)
            }
            Entry::Token {
                scheme,
                whose,
                scopes,
            } => write!(f, "token {scheme} ({whose}) scopes [{}]", scopes.join(" ")),
            Entry::Basic { scheme, required } => {
                let need = if *required { "required" } else { "optional" };
                write!(f, "{BASIC}{scheme} ({need})")
            }
            Entry::Pages { next, param, items } => {
                write!(f, "{PAGES}{next}")?;
                if let Some(param) = param {
                    write!(f, " param={param}")?;
                }
                match items {
                    Some((pointer, ty)) => write!(f, " items={pointer} ({ty})"),
                    None => Ok(()),
                }
            }
            Entry::Other(text) => f.write_str(text),
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.deprecated {
            f.write_str(DEPRECATED)?;
        }
        self.entry.fmt(f)
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.line)?;
        for member in &self.members {
            writeln!(f, "  {member}")?;
        }
        Ok(())
    }
}
