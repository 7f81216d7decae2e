//! Errors and warnings the generator reports, each located by a JSON pointer into the document.

use std::fmt;

/// A JSON pointer (RFC 6901) into the OpenAPI document, printed as a URI fragment
/// (`#/paths/~1authentication~1v2~1token/post`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pointer(String);

impl Pointer {
    /// The pointer to the whole document (`#`).
    pub fn root() -> Self {
        Pointer(String::new())
    }

    /// A pointer to `token` inside the value this pointer names; `~` and `/` are escaped.
    pub fn push(&self, token: impl AsRef<str>) -> Self {
        let escaped = token.as_ref().replace('~', "~0").replace('/', "~1");
        Pointer(format!("{}/{}", self.0, escaped))
    }

    /// The pointer to the value that contains this one (the root stays the root).
    pub fn parent(&self) -> Self {
        match self.0.rfind('/') {
            Some(i) => Pointer(self.0[..i].to_owned()),
            None => Pointer::root(),
        }
    }

    /// Builds a pointer from a local reference such as `#/components/schemas/Foo`.
    pub fn from_fragment(fragment: &str) -> Option<Self> {
        let rest = fragment.strip_prefix('#')?;
        if rest.is_empty() || rest.starts_with('/') {
            Some(Pointer(rest.to_owned()))
        } else {
            None
        }
    }

    /// The unescaped reference tokens of this pointer.
    pub fn tokens(&self) -> impl Iterator<Item = String> + '_ {
        self.0
            .split('/')
            .skip(1)
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
    }

    /// Looks the pointer up in a JSON document.
    pub fn lookup<'a>(&self, doc: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        if self.0.is_empty() {
            Some(doc)
        } else {
            doc.pointer(&self.0)
        }
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What is wrong with a document the generator refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not YAML or JSON.
    Syntax(String),
    /// The document is well-formed but does not follow the OpenAPI schema at this place.
    Structure(String),
    /// The `openapi` version is not one this generator reads.
    UnsupportedVersion(String),
    /// A `$ref` names something the document does not contain.
    DanglingRef(String),
    /// A schema `type` that JSON Schema does not define.
    UnknownType(String),
    /// A schema that is neither an object nor a boolean.
    SchemaNotObject(String),
    /// Two operations share an `operationId`.
    DuplicateOperationId {
        /// The repeated operationId.
        id: String,
        /// Where it was first used.
        first: Pointer,
    },
    /// A `{name}` in a path template with no `in: path` parameter declaring it.
    UndeclaredPathParameter(String),
    /// A construct this generator does not turn into code.
    Unsupported(String),
    /// A bug in the generator itself.
    Internal(String),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Syntax(msg) => write!(f, "not valid YAML or JSON: {msg}"),
            ErrorKind::Structure(msg) => write!(f, "not a valid OpenAPI document here: {msg}"),
            ErrorKind::UnsupportedVersion(v) => write!(
                f,
                "unsupported OpenAPI version `{v}` (this generator reads 3.1.x and 3.0.x documents)"
            ),
            ErrorKind::DanglingRef(r) => {
                write!(
                    f,
                    "dangling $ref `{r}`: the document has nothing at that location"
                )
            }
            ErrorKind::UnknownType(t) => write!(
                f,
                "unknown schema type `{t}` (expected one of: string, integer, number, boolean, array, object, null)"
            ),
            ErrorKind::SchemaNotObject(found) => {
                write!(f, "a schema must be an object or a boolean, found {found}")
            }
            ErrorKind::DuplicateOperationId { id, first } => {
                write!(f, "duplicate operationId `{id}` (first used at {first})")
            }
            ErrorKind::UndeclaredPathParameter(name) => write!(
                f,
                "path template parameter `{{{name}}}` is not declared by any `in: path` parameter"
            ),
            ErrorKind::Unsupported(what) => write!(f, "unsupported: {what}"),
            ErrorKind::Internal(what) => {
                write!(f, "internal generator error (please report): {what}")
            }
        }
    }
}

/// A refused document: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Where in the document the problem is.
    pub pointer: Pointer,
    /// What the problem is.
    pub kind: ErrorKind,
}

impl SpecError {
    pub(crate) fn new(pointer: Pointer, kind: ErrorKind) -> Self {
        SpecError { pointer, kind }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.kind)
    }
}

impl std::error::Error for SpecError {}

/// Something the generator accepted but could not represent exactly; printed by `cargo xtask generate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where in the document.
    pub pointer: Pointer,
    /// What was done instead.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warning: {}: {}", self.pointer, self.message)
    }
}
