//! Stage 2 output: the intermediate model. Everything here is validated and fully named: refs are
//! resolved to [`TypeId`]s, every identifier is a valid, collision-free Rust identifier, and docs
//! are plain text taken from the document. The emitter makes no decisions about the document: what
//! is boxed, where a key goes, which error type an operation has, all of it is decided here.

/// One API, ready to emit.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The first `servers` entry, used as the client's default base URL.
    pub default_server: Option<String>,
    /// Named types in emission order (component schemas, then inline types as discovered);
    /// [`TypeId`] indexes this list.
    pub types: Vec<TypeDef>,
    /// Operations in document order.
    pub operations: Vec<Operation>,
    /// OAuth 2.0 scopes declared by the security schemes, deduplicated, in document order.
    pub scopes: Vec<ScopeDef>,
    /// Where the document's own examples made a type accept more than the document declares
    /// (see [`crate::examples`]), in pointer order.
    pub relaxed: Vec<crate::examples::Decision>,
    /// The document's examples, each with the type the generated test decodes it into.
    pub examples: Vec<ExampleTest>,
}

/// One example of the document and the type it decodes into.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleTest {
    /// Where the example is (`#/components/schemas/Hubs/x-examples/example-1`).
    pub pointer: String,
    /// The example.
    pub value: serde_json::Value,
    /// The Rust type it decodes into.
    pub ty: TypeRef,
    /// A request body's example: encoded and decoded again, not only decoded.
    pub request: bool,
}

impl Api {
    /// The type a [`TypeId`] names.
    pub fn type_def(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }
}

/// A named type: an index into [`Api::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust type name.
    pub name: String,
    /// Where the schema is.
    pub pointer: String,
    /// Documentation text.
    pub doc: String,
    /// Whether the schema is `deprecated`.
    pub deprecated: bool,
    /// The shape.
    pub kind: TypeKind,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known properties.
    Struct {
        /// The properties, in document order.
        fields: Vec<Field>,
    },
    /// A set of strings.
    StringEnum {
        /// The values, in document order.
        variants: Vec<Variant>,
        /// Reachable from a response: an `Other(String)` variant keeps values the document does
        /// not list instead of failing.
        open: bool,
    },
    /// Another name for a type (`type Foo = String`).
    Alias(TypeRef),
    /// A transparent wrapper (`struct Foo(pub Vec<Foo>)`), for an alias that refers to itself.
    Newtype(TypeRef),
    /// One of several alternatives (`oneOf`/`anyOf`), plus `Other` for anything else.
    Union {
        /// The alternatives, in document order.
        variants: Vec<UnionVariant>,
        /// The keys leading to the discriminator value, when the alternatives are told apart by
        /// it: one key for a top-level property (what OpenAPI specifies), several for a path into
        /// nested objects (`attributes`, `extension`, `type`).
        tag: Option<Vec<String>>,
    },
}

/// An alternative of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// The Rust variant name.
    pub rust_name: String,
    /// The value type (structs and unions come [`TypeRef::Boxed`]: they can be large).
    pub ty: TypeRef,
    /// Documentation text.
    pub doc: String,
    /// The discriminator value that selects it.
    pub tag_value: Option<String>,
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The Rust identifier (possibly `r#type`).
    pub rust_name: String,
    /// Documentation text.
    pub doc: String,
    /// The value type, without the `Option` a nullable or optional property adds.
    pub ty: TypeRef,
    /// What the field holds and how a caller sets it.
    pub kind: FieldKind,
    /// Whether the property is `deprecated`.
    pub deprecated: bool,
}

/// What a struct field holds, and how a caller sets it: decided in lowering, printed by the
/// emitter and the API surface.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// A required property: an argument of the struct's `new()`, in field order; `Option<T>` when
    /// it may be `null` (`None` is then a value the caller passes).
    Required {
        /// The JSON / form property name.
        wire_name: String,
        /// The schema allows `null`.
        nullable: bool,
    },
    /// A property that may be absent: `Option<T>`, left out when `None`, set with `setter`.
    Optional {
        /// The JSON / form property name.
        wire_name: String,
        /// The `with_` setter's name (`with_email_id`).
        setter: String,
    },
    /// The additional properties of the object (`#[serde(flatten)]` map): empty after `new()`,
    /// set with `setter`.
    Extra {
        /// The `with_` setter's name.
        setter: String,
    },
}

impl Field {
    /// Whether the Rust type is wrapped in `Option`.
    pub fn optional(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Required { nullable: true, .. } | FieldKind::Optional { .. }
        )
    }

    /// Whether the field is an argument of `new()`.
    pub fn required(&self) -> bool {
        matches!(self.kind, FieldKind::Required { .. })
    }

    /// The property name on the wire; `None` for the additional properties.
    pub fn wire_name(&self) -> Option<&str> {
        match &self.kind {
            FieldKind::Required { wire_name, .. } | FieldKind::Optional { wire_name, .. } => {
                Some(wire_name)
            }
            FieldKind::Extra { .. } => None,
        }
    }

    /// The name of the `with_` setter, for a field that is not an argument of `new()`.
    pub fn setter(&self) -> Option<&str> {
        match &self.kind {
            FieldKind::Optional { setter, .. } | FieldKind::Extra { setter } => Some(setter),
            FieldKind::Required { .. } => None,
        }
    }
}

/// A string enum variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The Rust identifier.
    pub rust_name: String,
    /// The value on the wire.
    pub wire_value: String,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `String`.
    String,
    /// A string that holds a secret (`SecretString`, redacted `Debug`).
    Secret,
    /// A space-separated OAuth 2.0 scope list (`Scopes`).
    Scopes,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// Any JSON value.
    Json,
    /// Raw bytes (`Vec<u8>`), for binary request bodies.
    Bytes,
    /// A named type from [`Api::types`].
    Named(TypeId),
    /// `Vec<T>`.
    Array(Box<TypeRef>),
    /// `OneOrMany<T>`: an array, or one value of its item type (the runtime's `OneOrMany`), where
    /// the document's own example contradicts the single or the array shape it declares.
    OneOrMany(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// `Box<T>`, to break a recursive type.
    Boxed(Box<TypeRef>),
}

/// An OAuth 2.0 scope.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeDef {
    /// The Rust variant name.
    pub rust_name: String,
    /// The scope string.
    pub value: String,
    /// The description from the security scheme.
    pub doc: String,
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The Rust method name.
    pub fn_name: String,
    /// The operationId, or the name derived from method and path.
    pub id: String,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template as written.
    pub path: String,
    /// Where the operation is.
    pub pointer: String,
    /// Documentation text.
    pub doc: String,
    /// Whether the operation is `deprecated`.
    pub deprecated: bool,
    /// Whether the document marks the operation idempotent (`x-idempotent: true`): a call of it
    /// is retried even when its method (`POST`, `PATCH`) is not safe to repeat.
    pub idempotent: bool,
    /// The path, split into segments.
    pub segments: Vec<Segment>,
    /// The parameters, in declaration order (path-level ones first).
    pub params: Vec<Param>,
    /// The type name of the operation's call builder (`GetTokenCall`, `AuthorizeUrl`).
    pub builder: String,
    /// The request body.
    pub body: Option<RequestBody>,
    /// What the call takes: the positional arguments of the method that starts it, in order,
    /// then the setters of its builder (see [`Input`]).
    pub inputs: Vec<Input>,
    /// How the operation authenticates.
    pub auth: Auth,
    /// The server of this operation when the document gives it one of its own (operation or
    /// path `servers`), variables set to their defaults.
    pub server: Option<String>,
    /// A request, or a browser redirect for which a URL is built.
    pub kind: OperationKind,
    /// How the answers page, when they do (`lower/pagination.rs`): the call builder then has
    /// `pages()` (and `items()` when the item array is known).
    pub pagination: Option<Pagination>,
}

/// How a paged operation's next page is found: a next link in the answer (a URL, maybe
/// relative, that the next request goes to) or a cursor (a value the next request sends in a
/// query parameter), and where each page's items are.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// The next link, or the cursor: a string field of the success type (absent, `null` or
    /// blank on the last page).
    pub next: FieldPath,
    /// The query parameter (its wire name) the cursor is sent in; `None` when `next` is a link.
    pub param: Option<String>,
    /// The page's item array, when it is clear which one it is.
    pub items: Option<ItemArray>,
    /// Whether the document stated it (`x-aps-pagination`) rather than its shape showing it.
    pub stated: bool,
}

/// A value inside the success type, reached through struct fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    /// Where it is in the answer (a JSON pointer, `/links/next/href`).
    pub pointer: String,
    /// The fields followed from the success type, in order.
    pub steps: Vec<PathStep>,
}

/// One field of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq)]
pub struct PathStep {
    /// The Rust field name.
    pub field: String,
    /// Whether the field is an `Option`.
    pub optional: bool,
}

/// A page's item array: where it is and the type of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemArray {
    /// The array field (its last step is the array itself).
    pub path: FieldPath,
    /// The type of one item.
    pub item: TypeRef,
}

/// An HTTP method (the eight OpenAPI knows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `PUT`.
    Put,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
    /// `OPTIONS`.
    Options,
    /// `HEAD`.
    Head,
    /// `PATCH`.
    Patch,
    /// `TRACE`.
    Trace,
}

impl HttpMethod {
    /// Every method, in OpenAPI's order.
    pub const ALL: [HttpMethod; 8] = [
        HttpMethod::Get,
        HttpMethod::Put,
        HttpMethod::Post,
        HttpMethod::Delete,
        HttpMethod::Options,
        HttpMethod::Head,
        HttpMethod::Patch,
        HttpMethod::Trace,
    ];

    /// The method as HTTP writes it (`GET`), which is also its `reqwest::Method` constant.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Head => "HEAD",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Trace => "TRACE",
        }
    }

    /// The method a name stands for, in any case (`get`, `GET`).
    pub fn parse(name: &str) -> Option<HttpMethod> {
        HttpMethod::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One input of a call, decided in lowering: the emitter writes it as a positional argument of
/// the method that starts the call or as a setter of the call builder (and a field of the
/// builder either way), and the API surface lists it the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The argument's, setter's and builder field's name.
    pub name: String,
    /// What the input carries.
    pub source: InputSource,
    /// Argument or setter.
    pub passing: Passing,
}

/// What an [`Input`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputSource {
    /// The parameter at this index of [`Operation::params`].
    Param(usize),
    /// A bearer token that replaces the client's token source (`&str`).
    BearerToken,
    /// HTTP Basic client credentials that replace the client's (`(&str, &str)`).
    BasicAuth,
    /// The API key (`&str`).
    ApiKey,
    /// The request body.
    Body,
}

/// How a caller gives an [`Input`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passing {
    /// A positional argument of the method that starts the call.
    Argument,
    /// A setter of the call builder (the input is optional).
    Setter,
}

impl Operation {
    /// The positional arguments of the method that starts the call, in order.
    pub fn arguments(&self) -> impl Iterator<Item = &Input> {
        self.inputs
            .iter()
            .filter(|i| i.passing == Passing::Argument)
    }

    /// The input that carries `source`, if the call has one.
    pub fn input(&self, source: InputSource) -> Option<&Input> {
        self.inputs.iter().find(|i| i.source == source)
    }
}

/// One path segment: literal text and parameters.
pub type Segment = Vec<SegmentPart>;

/// Part of a path segment.
#[derive(Debug, Clone, PartialEq)]
pub enum SegmentPart {
    /// Literal text.
    Literal(String),
    /// The value of the parameter with this Rust field name in the parameters struct.
    Param {
        /// Field name.
        field: String,
        /// Its shape (a scalar, or an array joined with `,`).
        shape: ParamShape,
    },
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In the `Cookie` header.
    Cookie,
}

/// How an object-valued query parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    /// `form`, exploded: each property is its own query key (`a=1&b=2`).
    Explode,
    /// `form`, not exploded: `name=a,1,b,2`.
    Join,
    /// `deepObject`: `name[a]=1&name[b]=2`.
    DeepObject,
}

/// How an object-valued query parameter's properties are known.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectFields {
    /// A map: every key is a property; the values have this scalar type.
    Map(TypeRef),
    /// A struct of scalar fields.
    Struct(Vec<ObjectField>),
}

/// A scalar field of an object-valued parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectField {
    /// The Rust field name.
    pub rust_name: String,
    /// The property name on the wire.
    pub wire_name: String,
    /// Its type.
    pub ty: TypeRef,
    /// Whether the field is an `Option`.
    pub optional: bool,
}

/// How an array parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayStyle {
    /// `a=1&a=2` (form, explode; query parameters only).
    Repeat,
    /// Values joined with this separator (`a=1,2`).
    Join(char),
}

/// What a parameter holds and how it is written: one of three shapes, never a mix.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamShape {
    /// One scalar value (a string, number, boolean, string enum or scope list).
    Scalar(TypeRef),
    /// A list of scalars.
    Array {
        /// The item type (a scalar).
        item: TypeRef,
        /// How the items are written.
        style: ArrayStyle,
    },
    /// An object spread over the query string (query parameters only).
    Object {
        /// The Rust type of the value (a struct or a map).
        ty: TypeRef,
        /// How it is written.
        style: ObjectStyle,
        /// Its properties.
        fields: ObjectFields,
    },
}

impl ParamShape {
    /// The Rust type of the parameter's value.
    pub fn rust_type(&self) -> TypeRef {
        match self {
            ParamShape::Scalar(ty) | ParamShape::Object { ty, .. } => ty.clone(),
            ParamShape::Array { item, .. } => TypeRef::Array(Box::new(item.clone())),
        }
    }
}

/// An operation parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The Rust field name.
    pub rust_name: String,
    /// The name on the wire.
    pub wire_name: String,
    /// Documentation text.
    pub doc: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// What it holds and how it is written.
    pub shape: ParamShape,
    /// Whether it must be given.
    pub required: bool,
    /// Whether the parameter is `deprecated`.
    pub deprecated: bool,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// Encoding.
    pub media: Media,
    /// Value type: a named struct for forms, any type for JSON, `String` for text, `Bytes` otherwise.
    pub ty: TypeRef,
    /// Whether it must be given.
    pub required: bool,
    /// The body's documentation.
    pub doc: String,
    /// The `Content-Type` to send when the encoding's own is not the document's (a JSON body
    /// declared as `application/vnd.api+json`, a text or binary body's declared type).
    pub content_type: Option<String>,
}

/// A body encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `text/*`.
    Text,
    /// Anything else: raw bytes.
    Binary,
}

/// What a response body decodes into.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    /// No body (`()`).
    Empty,
    /// JSON of this type.
    Json(TypeRef),
    /// JSON of this type, or nothing (a `204` beside a `200`): `Option<T>`.
    OptionalJson(TypeRef),
    /// Text.
    Text,
    /// Bytes.
    Binary,
}

/// Authentication an operation needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// None.
    None,
    /// `Authorization: Bearer <token>` (oauth2, openIdConnect, http bearer), from the call or
    /// from the client's token source.
    Bearer {
        /// The requirement list allows calling without it.
        optional: bool,
        /// The schemes that take a bearer token, in the document's order, with the scopes the
        /// operation names for each.
        options: Vec<BearerOption>,
    },
    /// `Authorization: Basic` (http `basic`): client credentials from the call or from the
    /// client (RFC 6749 section 2.3.1 encoding).
    Basic {
        /// The scheme's name in `components.securitySchemes`.
        scheme: String,
        /// The requirement list allows calling without it.
        optional: bool,
        /// The Rust name of the operation's own `Authorization` header parameter, if it declares
        /// one: a call that sets it sends that header, not the credentials.
        own_header: Option<String>,
    },
    /// An API key.
    ApiKey {
        /// Header or query parameter name.
        name: String,
        /// Where the key goes.
        placement: KeyPlacement,
        /// The requirement list allows calling without it.
        optional: bool,
    },
}

/// One bearer-token scheme an operation accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerOption {
    /// The scheme's name in `components.securitySchemes`.
    pub scheme: String,
    /// It accepts application tokens (an OAuth 2.0 client-credentials flow, or http bearer).
    pub app: bool,
    /// It accepts user tokens (authorization code, implicit, password; OpenID Connect; http
    /// bearer).
    pub user: bool,
    /// The scopes the operation's requirement names for it.
    pub scopes: Vec<String>,
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlacement {
    /// A request header.
    Header,
    /// The query string of the request, after the operation's own parameters.
    Query,
    /// The query string of a URL built for a browser redirect, after the operation's parameters.
    UrlQuery,
}

/// The kind of an operation.
#[derive(Debug, Clone, PartialEq)]
pub enum OperationKind {
    /// An HTTP call.
    Call {
        /// The body of 2xx answers.
        success: ResponseBody,
        /// The JSON type of documented error answers: their shared type, or [`TypeRef::Json`].
        error: TypeRef,
    },
    /// A browser redirect (all documented answers are 3xx): a URL is built, nothing is sent.
    Redirect,
}
