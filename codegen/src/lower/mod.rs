//! Stage 2: parsed document -> intermediate model ([`crate::model`]).
//!
//! This is where every decision about the document is made: `$ref`s are resolved (a dangling one
//! is an error), inline schemas get stable derived names (parent name + property name), Rust
//! identifiers are chosen and de-duplicated, and constructs the emitter cannot express are either
//! refused with a [`SpecError`] or accepted with a [`Warning`] saying what was done instead.
//!
//! One `impl Lowerer` is spread over files by concept, each owning its rule end to end:
//!
//! | file | concept |
//! |---|---|
//! | `components.rs` | component schemas and their names |
//! | `refs.rs` | following `$ref`s, refusing external and dangling ones |
//! | `schema.rs` | one schema -> one type: primitives, arrays, string enums |
//! | `object.rs` | structs, maps, `additionalProperties` |
//! | `compose.rs` | `allOf` merging, nullable wrappers |
//! | `union.rs` | `oneOf`/`anyOf` enums and discriminators (`discriminator.rs`: where the tag is read) |
//! | `annotations.rs` | `const`, `default`, `format`, bounds, `readOnly`/`writeOnly` into docs |
//! | `oauth.rs` | the OAuth conventions: secret fields, scope lists, form-body secrets |
//! | `operations.rs` | paths, methods, names of methods, webhooks |
//! | `body.rs` | request bodies and their media types (`media.rs`) |
//! | `params.rs` | parameters and their shapes; `path.rs`: path templates |
//! | `inputs.rs` | a call's API shape: which inputs are arguments (in which order), which setters |
//! | `responses.rs` | success bodies, error types, redirects |
//! | `auth.rs` | security schemes, scopes, how an operation authenticates |
//! | `pagination.rs` | which operations page and how: a next link and an item array, from shapes or `x-aps-pagination` |
//! | `fixups.rs` | whole-model passes: recursion, open enums, boxing, final type order |
//! | `merge.rs` | identical inline types generated once |
//! | `pinning.rs` | lowering with a name map: pins given where types are created, the map of the result |

mod annotations;
mod auth;
mod body;
mod components;
mod compose;
pub(crate) mod discriminator;
mod enums;
mod examples;
mod fixups;
mod inputs;
mod media;
mod merge;
mod oauth;
mod object;
mod operations;
mod pagination;
mod params;
mod path;
mod pinning;
mod refs;
mod responses;
mod schema;
mod union;

use std::collections::{BTreeMap, BTreeSet};

use crate::Options;
use crate::error::{Pointer, SpecError, Warning};
use crate::load::Document;
use crate::model::*;
use crate::names::Pins;
use crate::naming::{self, Namespace};

pub(crate) use pinning::lower_with_names;

type Result<T> = std::result::Result<T, SpecError>;

/// Lowers a loaded document into the intermediate model, every name derived afresh (see
/// [`crate::names`] for names pinned by a name map).
pub fn lower(doc: &Document, options: &Options) -> Result<(Api, Vec<Warning>)> {
    lower_pinned(doc, options, &Pins::default()).map(|(api, warnings, _)| (api, warnings))
}

/// What lowering tells the name map (see [`crate::names`]) about the types it named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Named {
    /// Component schema name -> its type's name.
    pub(crate) components: BTreeMap<String, String>,
    /// The inline pins given to a type.
    pub(crate) pins_given: BTreeSet<String>,
    /// The pointers of the inline types merged into an identical one, with its name.
    pub(crate) merged: Vec<merge::Merged>,
}

/// [`lower`] with the names `pins` pins, each given where its type is created; also says how
/// components were named.
pub(crate) fn lower_pinned(
    doc: &Document,
    options: &Options,
    pins: &Pins,
) -> Result<(Api, Vec<Warning>, Named)> {
    let mut type_ns = Namespace::with_reserved(&naming::reserved_type_names());
    pins.reserve_types(&mut type_ns);
    let mut lowerer = Lowerer {
        doc,
        options,
        types: Vec::new(),
        order: Vec::new(),
        type_ns,
        components: BTreeMap::new(),
        warnings: doc.warnings.clone(),
        has_scopes: false,
        merging: Vec::new(),
        pins,
        pins_given: BTreeSet::new(),
    };
    let scopes = lowerer.scopes()?;
    lowerer.has_scopes = !scopes.is_empty();
    lowerer.components()?;
    let mut operations = lowerer.operations()?;
    lowerer.webhooks()?;
    let mut named = Named {
        components: lowerer
            .components
            .iter()
            .map(|(c, id)| (c.clone(), lowerer.types[id.0].name.clone()))
            .collect(),
        pins_given: std::mem::take(&mut lowerer.pins_given),
        merged: Vec::new(),
    };
    let component_ids = lowerer.components.values().copied().collect();
    // Every inline name the name map holds: names generated before (resolved or not).
    let published: BTreeSet<String> = options
        .names
        .iter()
        .flat_map(|map| map.inline.values().cloned())
        .collect();
    let (types, merged) = fixups::run(
        lowerer.types,
        &lowerer.order,
        &mut operations,
        &component_ids,
        &named.pins_given,
        &published,
    )?;
    named.merged = merged;
    let spec = &doc.spec;
    let api = Api {
        title: spec.info.title.clone(),
        version: spec.info.version.clone(),
        description: spec.info.description.clone(),
        default_server: spec.servers.first().map(|server| {
            server
                .variables
                .iter()
                .fold(server.url.clone(), |url, (name, var)| {
                    url.replace(&format!("{{{name}}}"), &var.default)
                })
        }),
        types,
        operations,
        scopes,
        relaxed: doc.examples.decisions.clone(),
        examples: Vec::new(),
    };
    let mut api = examples::resolve(api, doc);
    pagination::detect(&mut api, &doc.raw)?;
    Ok((api, lowerer.warnings, named))
}

/// The lowering state: the document, the types defined so far, the names taken.
struct Lowerer<'a> {
    doc: &'a Document,
    options: &'a Options,
    /// Every type by id, in the order ids were handed out (see [`Lowerer::new_type`]).
    types: Vec<TypeDef>,
    /// Emission order: a type's place is taken when lowering it starts, so a parent comes before
    /// the inline types of its fields.
    order: Vec<TypeId>,
    type_ns: Namespace,
    /// Component schema name -> its type, handed out before any schema is lowered so `$ref`s
    /// (recursive ones included) resolve at once.
    components: BTreeMap<String, TypeId>,
    warnings: Vec<Warning>,
    has_scopes: bool,
    /// The component `$ref`s of the `allOf`s being merged right now (see `lower_composition`).
    merging: Vec<String>,
    /// Names the document's name map pins (reserved in `type_ns`).
    pins: &'a Pins,
    /// The inline pins given so far: two types created for one schema (a path-level parameter
    /// of two operations) do not both take its pin.
    pins_given: BTreeSet<String>,
}

/// A lowered schema: its type, whether it admits `null`, and docs from a `$ref`'s siblings or the
/// schema itself.
struct Lowered {
    ty: TypeRef,
    nullable: bool,
    doc: Option<String>,
    deprecated: bool,
}

impl Lowered {
    fn plain(ty: TypeRef) -> Self {
        Lowered {
            ty,
            nullable: false,
            doc: None,
            deprecated: false,
        }
    }
}

/// The type registry: ids, names, emission order, and questions about a type's shape.
impl Lowerer<'_> {
    fn warn(&mut self, pointer: &Pointer, message: impl Into<String>) {
        self.warnings.push(Warning {
            pointer: pointer.clone(),
            message: message.into(),
        });
    }

    /// Hands out an id for a type named `name`; it is emitted once placed ([`Lowerer::place`]).
    fn new_type(&mut self, name: String) -> TypeId {
        self.types.push(TypeDef {
            name,
            pointer: String::new(),
            doc: String::new(),
            deprecated: false,
            kind: TypeKind::Struct { fields: Vec::new() },
        });
        TypeId(self.types.len() - 1)
    }

    /// The name of a type (not a component) about to be created for the schema at `ptr`: the
    /// name the name map pins for it, else `candidate` or its first free variant.
    fn inline_name(&mut self, candidate: &str, ptr: &Pointer) -> String {
        let pins: &Pins = self.pins;
        match pins.inline(&self.doc.raw, ptr) {
            Some(pinned) if self.pins_given.insert(pinned.to_owned()) => pinned.to_owned(),
            _ => self.type_ns.claim(candidate),
        }
    }

    /// The id for a type about to be defined for the schema at `ptr`: `fixed` for a component
    /// schema, else a new one named after `hint` (or as the name map pins it).
    fn type_for(&mut self, hint: &str, fixed: Option<TypeId>, ptr: &Pointer) -> TypeId {
        match fixed {
            Some(id) => id,
            None => {
                let name = self.inline_name(&naming::camel(hint), ptr);
                self.new_type(name)
            }
        }
    }

    /// Takes the type's place in emission order (before its members are lowered).
    fn place(&mut self, id: TypeId, ptr: &Pointer) {
        if !self.order.contains(&id) {
            self.order.push(id);
        }
        self.types[id.0].pointer = ptr.to_string();
    }

    /// Defines a type (placing it now unless it already has its place); it keeps the name it
    /// was created with.
    fn define(&mut self, id: TypeId, mut def: TypeDef) {
        def.name = self.types[id.0].name.clone();
        if !self.order.contains(&id) {
            self.order.push(id);
        }
        self.types[id.0] = def;
    }

    /// The name of a type.
    fn name_of(&self, id: TypeId) -> &str {
        &self.types[id.0].name
    }

    /// Whether a type has been defined (placed) yet.
    fn is_defined(&self, id: TypeId) -> bool {
        self.order.contains(&id)
    }

    /// The definition behind a type reference, following aliases (whose chains `components`
    /// proved acyclic; the walk stops after as many steps as there are types all the same).
    fn kind_behind(&self, ty: &TypeRef) -> Option<&TypeKind> {
        let mut ty = ty;
        for _ in 0..=self.types.len() {
            let TypeRef::Named(id) = ty else { return None };
            match &self.types[id.0].kind {
                TypeKind::Alias(inner) => ty = inner,
                kind => return Some(kind),
            }
        }
        None
    }

    /// Whether a type is a struct (through aliases).
    fn is_struct(&self, ty: &TypeRef) -> bool {
        matches!(self.kind_behind(ty), Some(TypeKind::Struct { .. }))
    }

    /// Whether a type is written as one string: primitives, string enums (through aliases).
    fn is_scalar(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::String
            | TypeRef::Secret
            | TypeRef::Scopes
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::F32
            | TypeRef::F64 => true,
            TypeRef::Named(_) => match self.kind_behind(ty) {
                Some(TypeKind::StringEnum { .. }) => true,
                // An alias to a primitive.
                None => self.alias_target(ty).is_some_and(|t| self.is_scalar(&t)),
                Some(_) => false,
            },
            TypeRef::Json
            | TypeRef::Bytes
            | TypeRef::Array(_)
            | TypeRef::OneOrMany(_)
            | TypeRef::Map(_)
            | TypeRef::Boxed(_) => false,
        }
    }

    /// The first non-named type an alias chain reaches (`type A = B; type B = i64` -> `i64`).
    fn alias_target(&self, ty: &TypeRef) -> Option<TypeRef> {
        let mut ty = ty;
        for _ in 0..=self.types.len() {
            match ty {
                TypeRef::Named(id) => match &self.types[id.0].kind {
                    TypeKind::Alias(inner) => ty = inner,
                    _ => return None,
                },
                other => return Some(other.clone()),
            }
        }
        None
    }
}

/// A description or title, unless it is blank (which would leave an item undocumented).
fn prose(text: &Option<String>) -> Option<String> {
    text.as_ref().filter(|t| !t.trim().is_empty()).cloned()
}

/// Small documents lowered in the unit tests of each concept file.
#[cfg(test)]
mod test_support {
    use super::*;

    /// Lowers `openapi: 3.1.0` + a minimal `info` + `body` (YAML at the document's top level).
    pub(super) fn lower_doc(body: &str) -> Result<(Api, Vec<Warning>)> {
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{body}");
        let doc = crate::load::load(&text)?;
        lower(&doc, &Options::default())
    }

    /// [`lower_doc`], which must succeed.
    pub(super) fn lowered(body: &str) -> (Api, Vec<Warning>) {
        lower_doc(body).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The type named `name`.
    pub(super) fn type_named<'a>(api: &'a Api, name: &str) -> &'a TypeDef {
        api.types
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no type {name}"))
    }

    /// The fields of struct `name`.
    pub(super) fn fields<'a>(api: &'a Api, name: &str) -> &'a [Field] {
        match &type_named(api, name).kind {
            TypeKind::Struct { fields } => fields,
            other => panic!("{name} is not a struct: {other:?}"),
        }
    }

    /// The Rust name of the type a reference names.
    pub(super) fn name_of<'a>(api: &'a Api, ty: &TypeRef) -> &'a str {
        match ty {
            TypeRef::Named(id) => &api.type_def(*id).name,
            TypeRef::Boxed(inner) => name_of(api, inner),
            other => panic!("not a named type: {other:?}"),
        }
    }
}
