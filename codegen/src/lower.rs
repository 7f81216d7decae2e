//! Stage 2: parsed document -> intermediate model ([`crate::model`]).
//!
//! This is where every decision about the document is made: `$ref`s are resolved (a dangling one
//! is an error), inline schemas get stable derived names (parent name + property name), Rust
//! identifiers are chosen and de-duplicated, and constructs the emitter cannot express are either
//! refused with a [`SpecError`] or accepted with a [`Warning`] saying what was done instead.

use std::collections::{BTreeMap, BTreeSet};

use oas3::spec::{
    ObjectOrReference, ObjectSchema, Operation as OasOperation, Parameter, ParameterIn,
    ParameterStyle, Schema, SchemaType as Type, SchemaTypeSet as TypeSet, SecurityScheme,
};
use serde_json::Value;

use crate::Options;
use crate::error::{ErrorKind, Pointer, SpecError, Warning};
use crate::load::Document;
use crate::model::*;
use crate::naming::{self, Namespace, RESERVED_TYPE_NAMES};

type Result<T> = std::result::Result<T, SpecError>;

/// Lowers a loaded document into the intermediate model.
pub fn lower(doc: &Document, options: &Options) -> Result<(Api, Vec<Warning>)> {
    let mut lowerer = Lowerer {
        doc,
        options,
        types: Vec::new(),
        type_ns: Namespace::with_reserved(RESERVED_TYPE_NAMES),
        components: BTreeMap::new(),
        warnings: Vec::new(),
        has_scopes: false,
        merging: Vec::new(),
    };
    let scopes = lowerer.scopes()?;
    lowerer.has_scopes = !scopes.is_empty();
    lowerer.components()?;
    let operations = lowerer.operations()?;
    lowerer.webhooks()?;
    newtype_recursive_aliases(&mut lowerer.types);
    box_recursive_fields(&mut lowerer.types);
    open_response_enums(&mut lowerer.types, &operations);
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
        types: lowerer.types,
        operations,
        scopes,
    };
    Ok((api, lowerer.warnings))
}

struct Lowerer<'a> {
    doc: &'a Document,
    options: &'a Options,
    types: Vec<TypeDef>,
    type_ns: Namespace,
    /// Component schema name -> Rust type name.
    components: BTreeMap<String, String>,
    warnings: Vec<Warning>,
    has_scopes: bool,
    /// The component `$ref`s of the `allOf`s being merged right now (see `lower_composition`).
    merging: Vec<String>,
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

impl Lowerer<'_> {
    fn warn(&mut self, pointer: &Pointer, message: impl Into<String>) {
        self.warnings.push(Warning {
            pointer: pointer.clone(),
            message: message.into(),
        });
    }

    // ---- security schemes and scopes -------------------------------------------------------

    fn scopes(&mut self) -> Result<Vec<ScopeDef>> {
        let spec = &self.doc.spec;
        let mut seen: Vec<(String, String)> = Vec::new();
        let Some(components) = &spec.components else {
            return Ok(Vec::new());
        };
        for (name, scheme) in &components.security_schemes {
            let ptr = Pointer::root()
                .push("components")
                .push("securitySchemes")
                .push(name);
            let scheme = self.resolve(scheme, &ptr)?;
            if let SecurityScheme::OAuth2 { flows, .. } = scheme {
                let maps = [
                    flows.implicit.as_ref().map(|f| &f.scopes),
                    flows.password.as_ref().map(|f| &f.scopes),
                    flows.client_credentials.as_ref().map(|f| &f.scopes),
                    flows.authorization_code.as_ref().map(|f| &f.scopes),
                ];
                for (value, doc) in maps.into_iter().flatten().flatten() {
                    if !seen.iter().any(|(v, _)| v == value) {
                        seen.push((value.clone(), doc.clone()));
                    }
                }
            }
        }
        let mut ns = Namespace::with_reserved(&["Other"]);
        let wire: Vec<&str> = seen.iter().map(|(v, _)| v.as_str()).collect();
        let names = naming::assign(&wire, naming::camel, &mut ns);
        Ok(seen
            .into_iter()
            .zip(names)
            .map(|((value, doc), rust_name)| ScopeDef {
                rust_name,
                value,
                doc,
            })
            .collect())
    }

    fn resolve<T: oas3::spec::FromRef + Clone>(
        &self,
        item: &ObjectOrReference<T>,
        ptr: &Pointer,
    ) -> Result<T> {
        match item {
            ObjectOrReference::Object(t) => Ok(t.clone()),
            ObjectOrReference::Ref { ref_path, .. } => {
                let ref_ptr = ptr.push("$ref");
                self.check_local_ref(ref_path, &ref_ptr)?;
                item.resolve(&self.doc.spec).map_err(|e| {
                    SpecError::new(
                        ref_ptr,
                        ErrorKind::Structure(format!("cannot follow `{ref_path}`: {e}")),
                    )
                })
            }
        }
    }

    // ---- schemas ---------------------------------------------------------------------------

    fn components(&mut self) -> Result<()> {
        let Some(components) = &self.doc.spec.components else {
            return Ok(());
        };
        let names: Vec<&str> = components.schemas.keys().map(String::as_str).collect();
        let rust_names = naming::assign(&names, naming::camel, &mut self.type_ns);
        self.components = names
            .iter()
            .map(|n| (*n).to_owned())
            .zip(rust_names)
            .collect();
        for (name, schema) in &components.schemas {
            let ptr = Pointer::root()
                .push("components")
                .push("schemas")
                .push(name);
            let rust_name = self.components[name].clone();
            let lowered = self.lower_schema(schema, &ptr, &rust_name, Some(&rust_name))?;
            // It names itself without defining anything (`$ref` to itself, maybe through a
            // nullable wrapper): there is no schema to generate.
            let undefined = !self.types.iter().any(|t| t.name == rust_name);
            if undefined && lowered.ty == TypeRef::Named(rust_name.clone()) {
                return Err(SpecError::new(
                    ptr,
                    ErrorKind::Unsupported("a schema that is only a `$ref` to itself".into()),
                ));
            }
            if lowered.ty != TypeRef::Named(rust_name.clone()) {
                // A primitive, array or map component: an alias keeps its name usable.
                let ty = if lowered.nullable {
                    TypeRef::Json
                } else {
                    lowered.ty
                };
                self.types.push(TypeDef {
                    name: rust_name.clone(),
                    pointer: ptr.to_string(),
                    doc: lowered
                        .doc
                        .unwrap_or_else(|| format!("The `{name}` schema.")),
                    deprecated: lowered.deprecated,
                    kind: TypeKind::Alias(ty),
                });
            }
        }
        self.check_alias_cycles()
    }

    /// Refuses components that are only `$ref`s to each other, in a cycle: no schema to generate.
    fn check_alias_cycles(&self) -> Result<()> {
        for start in &self.types {
            let mut current = start;
            for _ in 0..=self.types.len() {
                let TypeKind::Alias(TypeRef::Named(next)) = &current.kind else {
                    break;
                };
                let Some(next) = self.types.iter().find(|t| &t.name == next) else {
                    break;
                };
                if next.name == start.name {
                    return Err(SpecError::new(
                        Pointer::from_fragment(&start.pointer).unwrap_or_default(),
                        ErrorKind::Unsupported(
                            "a cycle of `$ref`s that never reaches a schema".into(),
                        ),
                    ));
                }
                current = next;
            }
        }
        Ok(())
    }

    fn schema_ref(&self, ref_path: &str, ptr: &Pointer) -> Result<String> {
        let ref_ptr = ptr.push("$ref");
        if let Some(name) = ref_path.strip_prefix("#/components/schemas/") {
            let name = name.replace("~1", "/").replace("~0", "~");
            if let Some(rust) = self.components.get(&name) {
                return Ok(rust.clone());
            }
        }
        self.check_local_ref(ref_path, &ref_ptr)?;
        Err(SpecError::new(
            ref_ptr,
            ErrorKind::Unsupported(format!(
                "schema $ref `{ref_path}` (schema refs must name `#/components/schemas/<name>`)"
            )),
        ))
    }

    /// Refuses an external `$ref` and one that points at nothing in the document.
    fn check_local_ref(&self, ref_path: &str, ref_ptr: &Pointer) -> Result<()> {
        if !ref_path.starts_with('#') {
            return Err(SpecError::new(
                ref_ptr.clone(),
                ErrorKind::Unsupported(format!(
                    "external $ref `{ref_path}` (only local `#/...` refs)"
                )),
            ));
        }
        match Pointer::from_fragment(ref_path).and_then(|p| p.lookup(&self.doc.raw)) {
            Some(_) => Ok(()),
            None => Err(SpecError::new(
                ref_ptr.clone(),
                ErrorKind::DanglingRef(ref_path.to_owned()),
            )),
        }
    }

    /// Lowers a schema. `hint` names an inline struct or enum if one is needed; `fixed` is the
    /// already-claimed name to use instead (component schemas).
    fn lower_schema(
        &mut self,
        schema: &Schema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<&str>,
    ) -> Result<Lowered> {
        match schema {
            Schema::Boolean(b) if b.0 => Ok(Lowered::plain(TypeRef::Json)),
            Schema::Boolean(_) => Err(SpecError::new(
                ptr.clone(),
                ErrorKind::Unsupported(
                    "the `false` schema, which no value satisfies, as a value type".into(),
                ),
            )),
            Schema::Object(obj) => match obj.as_ref() {
                ObjectOrReference::Ref {
                    ref_path,
                    description,
                    summary,
                } => {
                    let name = self.schema_ref(ref_path, ptr)?;
                    Ok(Lowered {
                        ty: TypeRef::Named(name),
                        nullable: false,
                        doc: prose(description).or_else(|| prose(summary)),
                        deprecated: false,
                    })
                }
                ObjectOrReference::Object(s) => self.lower_object_schema(s, ptr, hint, fixed),
            },
        }
    }

    fn lower_object_schema(
        &mut self,
        s: &ObjectSchema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<&str>,
    ) -> Result<Lowered> {
        let doc = prose(&s.description).or_else(|| prose(&s.title));
        let deprecated = s.deprecated == Some(true);
        let with = |ty: TypeRef, nullable: bool| Lowered {
            ty,
            nullable,
            doc: doc.clone(),
            deprecated,
        };

        if !s.all_of.is_empty() || !s.one_of.is_empty() || !s.any_of.is_empty() {
            return self.lower_composition(s, ptr, hint, fixed, doc, deprecated);
        }

        // A string `const` is a one-value enum, so the value is in the type.
        if let Some(Value::String(value)) = &s.const_value
            && s.enum_values.is_empty()
        {
            let as_enum = ObjectSchema {
                enum_values: vec![Value::String(value.clone())],
                const_value: None,
                ..s.clone()
            };
            return self.lower_object_schema(&as_enum, ptr, hint, fixed);
        }

        // String enums become Rust enums.
        if !s.enum_values.is_empty() {
            let nullable = s.enum_values.iter().any(Value::is_null);
            let mut strings: Option<Vec<&str>> = s
                .enum_values
                .iter()
                .filter(|v| !v.is_null())
                .map(Value::as_str)
                .collect();
            if let Some(values) = &mut strings {
                // A value listed twice is one variant.
                let mut seen = BTreeSet::new();
                values.retain(|v| seen.insert(*v));
            }
            if let Some(values) = strings.filter(|v| !v.is_empty()) {
                let name = self.type_name(hint, fixed);
                // `Other` is kept free for the catch-all of open (response) enums.
                let mut ns = Namespace::with_reserved(&["Other"]);
                let rust_names = naming::assign(&values, naming::camel, &mut ns);
                let variants = values
                    .iter()
                    .zip(rust_names)
                    .map(|(v, rust_name)| Variant {
                        rust_name,
                        wire_value: (*v).to_owned(),
                    })
                    .collect();
                self.types.push(TypeDef {
                    name: name.clone(),
                    pointer: ptr.to_string(),
                    doc: doc
                        .clone()
                        .unwrap_or_else(|| format!("One of the values of `{ptr}`.")),
                    deprecated,
                    kind: TypeKind::StringEnum {
                        variants,
                        open: false,
                    },
                });
                return Ok(with(TypeRef::Named(name), nullable));
            }
        }

        let (types, nullable) = match &s.schema_type {
            None => (Vec::new(), false),
            Some(TypeSet::Single(t)) => (vec![*t], false),
            Some(TypeSet::Multiple(ts)) => (
                ts.iter().copied().filter(|t| *t != Type::Null).collect(),
                ts.contains(&Type::Null),
            ),
        };
        let single = match types.as_slice() {
            [] if !s.properties.is_empty() || s.additional_properties.is_some() => {
                Some(Type::Object)
            }
            [] if s.items.is_some() || !s.prefix_items.is_empty() => Some(Type::Array),
            [] => None,
            [t] => Some(*t),
            [_, ..] => {
                self.warn(
                    ptr,
                    "a schema with several non-null types is represented as `serde_json::Value`",
                );
                return Ok(with(TypeRef::Json, nullable));
            }
        };
        let ty = match single {
            None | Some(Type::Null) => TypeRef::Json,
            Some(Type::String) => TypeRef::String,
            Some(Type::Boolean) => TypeRef::Bool,
            Some(Type::Integer) => match s.format.as_deref() {
                Some("int32") => TypeRef::I32,
                _ => TypeRef::I64,
            },
            Some(Type::Number) => match s.format.as_deref() {
                Some("float") => TypeRef::F32,
                _ => TypeRef::F64,
            },
            Some(Type::Array) => {
                if !s.prefix_items.is_empty() {
                    self.warn(
                        ptr,
                        "`prefixItems` (tuples) are represented as `Vec<serde_json::Value>`",
                    );
                    TypeRef::Array(Box::new(TypeRef::Json))
                } else if let Some(items) = &s.items {
                    let item =
                        self.lower_schema(items, &ptr.push("items"), &format!("{hint}Item"), None)?;
                    TypeRef::Array(Box::new(item.ty))
                } else {
                    TypeRef::Array(Box::new(TypeRef::Json))
                }
            }
            Some(Type::Object) => {
                return self
                    .lower_object(s, ptr, hint, fixed)
                    .map(|ty| with(ty, nullable));
            }
        };
        Ok(with(ty, nullable))
    }

    /// `allOf`, `oneOf`, `anyOf`: the nullable idiom and single-element wrappers unwrap; an
    /// `allOf` of objects merges into one struct; a `oneOf`/`anyOf` becomes an enum (untagged,
    /// or dispatched on its `discriminator`); anything else is kept as JSON with a warning.
    fn lower_composition(
        &mut self,
        s: &ObjectSchema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<&str>,
        doc: Option<String>,
        deprecated: bool,
    ) -> Result<Lowered> {
        let with = |ty: TypeRef, nullable: bool| Lowered {
            ty,
            nullable,
            doc: doc.clone(),
            deprecated,
        };
        let (alts, key) = if !s.one_of.is_empty() {
            (&s.one_of, "oneOf")
        } else {
            (&s.any_of, "anyOf")
        };
        let non_null: Vec<(usize, &Schema)> = alts
            .iter()
            .enumerate()
            .filter(|(_, x)| !is_null_schema(x))
            .collect();
        let simple = s.properties.is_empty() && s.enum_values.is_empty();
        let one_kind = s.one_of.is_empty() || s.any_of.is_empty();
        if simple && s.all_of.is_empty() && one_kind && non_null.len() == 1 {
            let (i, inner) = non_null[0];
            let mut l =
                self.lower_schema(inner, &ptr.push(key).push(i.to_string()), hint, fixed)?;
            l.nullable = l.nullable || non_null.len() < alts.len();
            l.doc = doc.clone().or(l.doc);
            return Ok(l);
        }
        if simple && s.one_of.is_empty() && s.any_of.is_empty() && s.all_of.len() == 1 {
            let mut l =
                self.lower_schema(&s.all_of[0], &ptr.push("allOf").push("0"), hint, fixed)?;
            l.doc = doc.clone().or(l.doc);
            return Ok(l);
        }
        let nullable = s.is_nullable() == Some(true);
        if s.one_of.is_empty() && s.any_of.is_empty() {
            if let Some(merged) = self.merge_all_of(s, ptr, 0)? {
                // While the merged struct's properties are lowered, the components merged into it
                // may not be merged again (a property that refers back would recurse forever).
                let refs = all_of_refs(s);
                let depth = self.merging.len();
                self.merging.extend(refs);
                let ty = self.lower_object(&merged, ptr, hint, fixed);
                self.merging.truncate(depth);
                return Ok(with(ty?, nullable));
            }
            self.warn(
                ptr,
                "an allOf whose parts are not all objects is represented as `serde_json::Value`",
            );
            return Ok(with(TypeRef::Json, nullable));
        }
        if simple && s.all_of.is_empty() && one_kind {
            let (ty, has_null) = self.lower_union(s, alts, key, ptr, hint, fixed)?;
            return Ok(with(ty, nullable || has_null));
        }
        self.warn(ptr, "a schema that mixes allOf/oneOf/anyOf with properties is represented as `serde_json::Value`");
        Ok(with(TypeRef::Json, nullable))
    }

    /// The object schema an `allOf` of objects amounts to: properties and `required` of every part
    /// (first definition wins), or `None` when a part is not an object.
    fn merge_all_of(
        &self,
        s: &ObjectSchema,
        ptr: &Pointer,
        depth: usize,
    ) -> Result<Option<ObjectSchema>> {
        if depth > 16 {
            return Ok(None);
        }
        let mut merged = ObjectSchema {
            all_of: Vec::new(),
            ..s.clone()
        };
        for (i, part) in s.all_of.iter().enumerate() {
            let part_ptr = ptr.push("allOf").push(i.to_string());
            let os = match part {
                Schema::Boolean(b) if b.0 => continue,
                Schema::Boolean(_) => return Ok(None),
                Schema::Object(o) => match o.as_ref() {
                    ObjectOrReference::Object(os) => os.clone(),
                    ObjectOrReference::Ref { ref_path, .. } => {
                        self.schema_ref(ref_path, &part_ptr)?; // refuses a dangling ref
                        if self.merging.contains(ref_path) {
                            return Ok(None);
                        }
                        match self.component_object(ref_path, 0) {
                            Some(os) => os,
                            None => return Ok(None),
                        }
                    }
                },
            };
            let os = if os.all_of.is_empty() {
                os
            } else {
                match self.merge_all_of(&os, &part_ptr, depth + 1)? {
                    Some(m) => m,
                    None => return Ok(None),
                }
            };
            let object_like = match &os.schema_type {
                Some(TypeSet::Single(Type::Object)) => true,
                Some(TypeSet::Multiple(ts)) => {
                    ts.iter().all(|t| matches!(t, Type::Object | Type::Null))
                }
                Some(_) => false,
                None => os.items.is_none() && os.enum_values.is_empty(),
            };
            if !object_like || !os.one_of.is_empty() || !os.any_of.is_empty() {
                return Ok(None);
            }
            for (name, schema) in os.properties.iter() {
                if !merged.properties.contains_key(name) {
                    merged.properties.insert(name.clone(), schema.clone());
                }
            }
            for name in os.required {
                if !merged.required.contains(&name) {
                    merged.required.push(name);
                }
            }
            if merged.additional_properties.is_none() {
                merged.additional_properties = os.additional_properties;
            }
            if prose(&merged.description).is_none() {
                merged.description = os.description;
            }
        }
        Ok(Some(merged))
    }

    /// The inline object schema a component `$ref` names (following refs).
    fn component_object(&self, ref_path: &str, depth: usize) -> Option<ObjectSchema> {
        let name = ref_path
            .strip_prefix("#/components/schemas/")?
            .replace("~1", "/")
            .replace("~0", "~");
        let schema = self.doc.spec.components.as_ref()?.schemas.get(&name)?;
        match schema {
            Schema::Object(o) => match o.as_ref() {
                ObjectOrReference::Object(os) => Some(os.clone()),
                ObjectOrReference::Ref { ref_path, .. } if depth < 16 => {
                    self.component_object(ref_path, depth + 1)
                }
                ObjectOrReference::Ref { .. } => None,
            },
            Schema::Boolean(_) => None,
        }
    }

    /// A `oneOf`/`anyOf` as an enum with one variant per alternative (struct variants boxed) and
    /// an `Other(serde_json::Value)` that keeps anything else. Returns the type and whether a
    /// `null` alternative was dropped (the caller makes the type optional).
    fn lower_union(
        &mut self,
        s: &ObjectSchema,
        alts: &[Schema],
        key: &str,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<&str>,
    ) -> Result<(TypeRef, bool)> {
        let name = self.type_name(hint, fixed);
        let slot = self.reserve_slot(&name, ptr);
        let mut ns = Namespace::with_reserved(&["Other"]);
        let mut variants = Vec::new();
        let mut has_null = false;
        let mut refs = Vec::new();
        for (i, alt) in alts.iter().enumerate() {
            if is_null_schema(alt) {
                has_null = true;
                continue;
            }
            let alt_ptr = ptr.push(key).push(i.to_string());
            let lowered =
                self.lower_schema(alt, &alt_ptr, &format!("{name}Variant{}", i + 1), None)?;
            let base = variant_base(&lowered.ty);
            refs.push(match alt {
                Schema::Object(o) => match o.as_ref() {
                    ObjectOrReference::Ref { ref_path, .. } => Some(ref_path.clone()),
                    ObjectOrReference::Object(_) => None,
                },
                Schema::Boolean(_) => None,
            });
            variants.push(UnionVariant {
                rust_name: ns.claim(&base),
                ty: lowered.ty,
                doc: lowered
                    .doc
                    .unwrap_or_else(|| format!("Alternative {} of `{ptr}`.", i + 1)),
                tag_value: None,
            });
        }
        let mut tag = None;
        if let Some(d) = &s.discriminator {
            // The tag value of each alternative: the mapping's key for its $ref, or the schema name.
            let values: Option<Vec<String>> = refs
                .iter()
                .map(|r| {
                    let r = r.as_ref()?;
                    let mapped = d.mapping.as_ref().and_then(|m| {
                        m.iter()
                            .find(|(_, target)| *target == r || r.ends_with(&format!("/{target}")))
                            .map(|(k, _)| k.clone())
                    });
                    mapped.or_else(|| r.rsplit('/').next().map(str::to_owned))
                })
                .collect();
            match values {
                Some(values) => {
                    for (variant, value) in variants.iter_mut().zip(values) {
                        variant.tag_value = Some(value);
                    }
                    tag = Some(d.property_name.clone());
                }
                None => self.warn(
                    &ptr.push("discriminator"),
                    "a discriminator over inline alternatives is ignored: the enum is untagged",
                ),
            }
        }
        self.types[slot] = TypeDef {
            name: name.clone(),
            pointer: ptr.to_string(),
            doc: prose(&s.description)
                .or_else(|| prose(&s.title))
                .unwrap_or_else(|| format!("One of the alternatives of `{ptr}`.")),
            deprecated: s.deprecated == Some(true),
            kind: TypeKind::Union { variants, tag },
        };
        Ok((TypeRef::Named(name), has_null))
    }

    /// Takes the place of a type in emission order before lowering its members, so a parent is
    /// emitted before the inline types of its fields; the caller fills it in.
    fn reserve_slot(&mut self, name: &str, ptr: &Pointer) -> usize {
        self.types.push(TypeDef {
            name: name.to_owned(),
            pointer: ptr.to_string(),
            doc: String::new(),
            deprecated: false,
            kind: TypeKind::Struct { fields: Vec::new() },
        });
        self.types.len() - 1
    }

    fn type_name(&mut self, hint: &str, fixed: Option<&str>) -> String {
        match fixed {
            Some(name) => name.to_owned(),
            None => self.type_ns.claim(&naming::camel(hint)),
        }
    }

    fn lower_object(
        &mut self,
        s: &ObjectSchema,
        ptr: &Pointer,
        hint: &str,
        fixed: Option<&str>,
    ) -> Result<TypeRef> {
        let additional = match &s.additional_properties {
            Some(Schema::Boolean(b)) if !b.0 => None,
            Some(Schema::Boolean(_)) => Some(TypeRef::Json),
            Some(schema) => Some(
                self.lower_schema(
                    schema,
                    &ptr.push("additionalProperties"),
                    &format!("{hint}Value"),
                    None,
                )?
                .ty,
            ),
            None => None,
        };
        if s.properties.is_empty() {
            return Ok(TypeRef::Map(Box::new(additional.unwrap_or(TypeRef::Json))));
        }
        let name = self.type_name(hint, fixed);
        let slot = self.reserve_slot(&name, ptr);
        let wire: Vec<&str> = s.properties.keys().map(String::as_str).collect();
        let mut field_ns = Namespace::default();
        let mut rust_names = naming::assign(&wire, naming::snake, &mut field_ns);
        let mut fields = Vec::new();
        for ((wire_name, schema), rust_name) in s.properties.iter().zip(rust_names.drain(..)) {
            let prop_ptr = ptr.push("properties").push(wire_name);
            let prop_hint = format!("{name}{}", naming::camel(wire_name));
            let lowered = self.lower_property(wire_name, schema, &prop_ptr, &prop_hint)?;
            let annotations = Annotations::of(schema);
            let doc = lowered
                .doc
                .unwrap_or_else(|| format!("The `{wire_name}` property."));
            fields.push(Field {
                doc: annotations.append_to(doc),
                rust_name,
                wire_name: wire_name.clone(),
                ty: lowered.ty,
                // A read-only property is required in answers only, a write-only one in requests
                // only: one Rust type serves both, so it is optional.
                required: s.required.contains(wire_name)
                    && !annotations.read_only
                    && !annotations.write_only,
                nullable: lowered.nullable,
                flatten: false,
                deprecated: lowered.deprecated,
            });
        }
        if let Some(ty) = additional {
            fields.push(Field {
                rust_name: field_ns.claim("additional_properties"),
                wire_name: String::new(),
                doc: "Properties not listed in the schema (`additionalProperties`).".into(),
                ty: TypeRef::Map(Box::new(ty)),
                required: true,
                nullable: false,
                flatten: true,
                deprecated: false,
            });
        }
        self.types[slot] = TypeDef {
            name: name.clone(),
            pointer: ptr.to_string(),
            doc: prose(&s.description)
                .or_else(|| prose(&s.title))
                .unwrap_or_else(|| match fixed {
                    Some(_) => format!("The `{}` schema.", ptr.tokens().last().unwrap_or_default()),
                    None => format!("The object at `{ptr}`."),
                }),
            deprecated: s.deprecated == Some(true),
            kind: TypeKind::Struct { fields },
        };
        Ok(TypeRef::Named(name))
    }

    /// Lowers a property, applying the OAuth conventions to plain strings: secret-bearing names
    /// become `SecretString`, scope lists become `Scopes`.
    fn lower_property(
        &mut self,
        wire: &str,
        schema: &Schema,
        ptr: &Pointer,
        hint: &str,
    ) -> Result<Lowered> {
        let mut lowered = self.lower_schema(schema, ptr, hint, None)?;
        if lowered.ty == TypeRef::String {
            if self.options.secret_fields.iter().any(|f| f == wire) {
                lowered.ty = TypeRef::Secret;
            } else if self.has_scopes && self.options.scope_fields.iter().any(|f| f == wire) {
                lowered.ty = TypeRef::Scopes;
            }
        }
        Ok(lowered)
    }

    // ---- operations ------------------------------------------------------------------------

    fn operations(&mut self) -> Result<Vec<Operation>> {
        let doc = self.doc;
        let Some(paths) = &doc.spec.paths else {
            return Ok(Vec::new());
        };
        let mut ops = Vec::new();
        let mut ids: BTreeMap<String, Pointer> = BTreeMap::new();
        for (path, item) in paths {
            let path_ptr = Pointer::root().push("paths").push(path);
            if let Some(r) = &item.reference {
                return Err(SpecError::new(
                    path_ptr.push("$ref"),
                    ErrorKind::Unsupported(format!("path item $ref `{r}`")),
                ));
            }
            for (method, op) in item.methods() {
                let method = method.as_str().to_owned();
                let op_ptr = path_ptr.push(method.to_ascii_lowercase());
                let id = match &op.operation_id {
                    Some(id) => {
                        if let Some(first) = ids.get(id) {
                            return Err(SpecError::new(
                                op_ptr.push("operationId"),
                                ErrorKind::DuplicateOperationId {
                                    id: id.clone(),
                                    first: first.clone(),
                                },
                            ));
                        }
                        ids.insert(id.clone(), op_ptr.clone());
                        id.clone()
                    }
                    None => format!(
                        "{} {}",
                        method.to_ascii_lowercase(),
                        path.replace(['{', '}'], "")
                    ),
                };
                if let Some(op) =
                    self.operation(path, &method, op, &item.parameters, &op_ptr, id)?
                {
                    ops.push(op);
                }
            }
        }
        // A redirect builds a URL rather than calling: its name says so.
        let wanted: Vec<String> = ops
            .iter()
            .map(|op| match op.kind {
                OperationKind::Redirect => format!("{}_url", op.id),
                OperationKind::Call { .. } => op.id.clone(),
            })
            .collect();
        let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        let mut fn_ns = Namespace::default();
        for (op, name) in ops
            .iter_mut()
            .zip(naming::assign(&wanted, naming::snake, &mut fn_ns))
        {
            op.fn_name = name;
        }
        Ok(ops)
    }

    /// Webhooks are calls the API makes to you: their payload schemas become models (no client
    /// methods), named after the webhook (`newPet` -> `NewPetPayload`).
    fn webhooks(&mut self) -> Result<()> {
        let doc = self.doc;
        for (name, item) in &doc.spec.webhooks {
            let item_ptr = Pointer::root().push("webhooks").push(name);
            for (method, op) in item.methods() {
                let op_ptr = item_ptr.push(method.as_str().to_ascii_lowercase());
                let Some(body) = &op.request_body else {
                    continue;
                };
                let body_ptr = op_ptr.push("requestBody");
                let body = self.resolve(body, &body_ptr)?;
                let chosen = body
                    .content
                    .iter()
                    .filter(|(mime, _)| {
                        matches!(classify_media(mime), Some(Media::Json | Media::Form))
                    })
                    .find_map(|(mime, mt)| mt.schema.as_ref().map(|s| (mime, s)));
                match chosen {
                    Some((mime, schema)) => {
                        let hint = format!("{}Payload", naming::camel(name));
                        self.lower_schema(
                            schema,
                            &body_ptr.push("content").push(mime).push("schema"),
                            &hint,
                            None,
                        )?;
                    }
                    None if !body.content.is_empty() => self.warn(
                        &body_ptr,
                        "a webhook payload that is not JSON or a form has no model",
                    ),
                    None => {}
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &OasOperation,
        path_level: &[ObjectOrReference<Parameter>],
        ptr: &Pointer,
        id: String,
    ) -> Result<Option<Operation>> {
        let base = naming::camel(&id);
        let mut doc = [op.summary.as_deref(), op.description.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        if doc.is_empty() {
            doc = format!("Calls `{method} {path}`.");
        }

        // Request body first: an unsupported media type skips the operation.
        let body = match &op.request_body {
            None => None,
            Some(rb) => {
                let rb_ptr = ptr.push("requestBody");
                let rb = self.resolve(rb, &rb_ptr)?;
                let chosen = rb
                    .content
                    .iter()
                    .filter_map(|(mime, mt)| classify_media(mime).map(|m| (m, mime, mt)))
                    .min_by_key(|(m, _, _)| media_rank(*m));
                let Some((media, mime, mt)) = chosen else {
                    let kinds: Vec<&str> = rb.content.keys().map(String::as_str).collect();
                    self.warn(
                        &rb_ptr,
                        format!(
                            "operation skipped: request body media type(s) {kinds:?} not supported"
                        ),
                    );
                    return Ok(None);
                };
                let content_ptr = rb_ptr.push("content").push(mime);
                let ty = match (media, &mt.schema) {
                    (Media::Json | Media::Form, Some(schema)) => {
                        let before = self.types.len();
                        let hint = format!("{base}Request");
                        let lowered =
                            self.lower_schema(schema, &content_ptr.push("schema"), &hint, None)?;
                        if media == Media::Form {
                            self.mark_form_secrets(before, &lowered.ty);
                        }
                        lowered.ty
                    }
                    (Media::Json, None) => TypeRef::Json,
                    (Media::Form, None) => {
                        return Err(SpecError::new(
                            content_ptr,
                            ErrorKind::Unsupported(
                                "a form-urlencoded body without a schema".into(),
                            ),
                        ));
                    }
                    (Media::Text, _) => TypeRef::String,
                    (Media::Binary, _) => TypeRef::Bytes,
                };
                if media == Media::Form && !matches!(ty, TypeRef::Named(_)) {
                    return Err(SpecError::new(
                        content_ptr.push("schema"),
                        ErrorKind::Unsupported(
                            "a form-urlencoded body whose schema is not an object".into(),
                        ),
                    ));
                }
                Some(RequestBody {
                    media,
                    ty,
                    required: rb.required == Some(true),
                    doc: prose(&rb.description).unwrap_or_else(|| "The request body.".into()),
                })
            }
        };

        let (segments, params) = self.parameters(path, op, path_level, ptr, &base)?;
        let auth = self.auth(op, ptr)?;
        let kind = self.responses(op, ptr, &base, method, body.is_some())?;
        Ok(Some(Operation {
            fn_name: String::new(),
            id,
            method: method.to_owned(),
            path: path.to_owned(),
            pointer: ptr.to_string(),
            doc,
            deprecated: op.deprecated == Some(true),
            segments,
            params,
            body,
            auth,
            kind,
        }))
    }

    /// Form bodies carry credentials as plain fields (`code`, ...): the struct defined for an inline
    /// form body (at index `from` or later) gets `SecretString` for the names in
    /// [`Options::secret_form_fields`].
    fn mark_form_secrets(&mut self, from: usize, ty: &TypeRef) {
        let TypeRef::Named(name) = ty else { return };
        let secret = &self.options.secret_form_fields;
        for def in self.types[from..].iter_mut().filter(|d| &d.name == name) {
            if let TypeKind::Struct { fields } = &mut def.kind {
                for f in fields.iter_mut().filter(|f| f.ty == TypeRef::String) {
                    if secret.contains(&f.wire_name) {
                        f.ty = TypeRef::Secret;
                    }
                }
            }
        }
    }

    fn parameters(
        &mut self,
        path: &str,
        op: &OasOperation,
        path_level: &[ObjectOrReference<Parameter>],
        ptr: &Pointer,
        base: &str,
    ) -> Result<(Vec<Segment>, Option<ParamsStruct>)> {
        // Path-level parameters first, overridden by operation-level ones with the same name and place.
        let path_ptr = ptr.parent();
        let mut declared: Vec<(Parameter, Pointer)> = Vec::new();
        for (i, p) in path_level.iter().enumerate() {
            let p_ptr = path_ptr.push("parameters").push(i.to_string());
            declared.push((self.resolve(p, &p_ptr)?, p_ptr));
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let p_ptr = ptr.push("parameters").push(i.to_string());
            let p = self.resolve(p, &p_ptr)?;
            declared.retain(|(q, _)| !(q.name == p.name && q.location == p.location));
            declared.push((p, p_ptr));
        }

        let mut kept: Vec<(Parameter, Pointer, ParamLocation)> = Vec::new();
        for (p, p_ptr) in declared {
            let location = match p.location {
                ParameterIn::Path => ParamLocation::Path,
                ParameterIn::Query => ParamLocation::Query,
                ParameterIn::Header => ParamLocation::Header,
                ParameterIn::Cookie => ParamLocation::Cookie,
            };
            kept.push((p, p_ptr, location));
        }

        let wire: Vec<&str> = kept.iter().map(|(p, _, _)| p.name.as_str()).collect();
        let mut ns = Namespace::default();
        let rust_names = naming::assign(&wire, naming::snake, &mut ns);
        let mut params = Vec::new();
        for ((p, p_ptr, location), rust_name) in kept.iter().zip(rust_names) {
            let hint = format!("{base}{}", naming::camel(&p.name));
            let schema = match (&p.schema, &p.content) {
                (Some(s), _) => Some((s, p_ptr.push("schema"))),
                (None, Some(content)) => content.iter().next().and_then(|(mime, mt)| {
                    mt.schema
                        .as_ref()
                        .map(|s| (s, p_ptr.push("content").push(mime).push("schema")))
                }),
                (None, None) => None,
            };
            let annotations = schema.as_ref().map(|(s, _)| Annotations::of(s));
            let lowered = match schema {
                Some((s, s_ptr)) => self.lower_property(&p.name, s, &s_ptr, &hint)?,
                None => Lowered::plain(TypeRef::String),
            };
            let mut ty = match lowered.ty {
                TypeRef::Secret => TypeRef::String,
                other => other,
            };
            let object_valued = matches!(&ty, TypeRef::Map(_))
                || self.is_struct(&ty)
                || p.style == Some(ParameterStyle::DeepObject);
            let mut object = None;
            if object_valued && *location == ParamLocation::Query {
                object = self.object_param(&ty, p.style, p.explode);
            }
            if object_valued && object.is_none() {
                // Object parameters outside the query, or with nested values: not generated.
                if p.required == Some(true) || *location == ParamLocation::Path {
                    return Err(SpecError::new(
                        p_ptr.clone(),
                        ErrorKind::Unsupported(format!("object-valued parameter `{}`", p.name)),
                    ));
                }
                self.warn(
                    p_ptr,
                    format!(
                        "optional object-valued parameter `{}` is not generated",
                        p.name
                    ),
                );
                continue;
            }
            if object.is_none()
                && !self.is_scalar(&ty)
                && !matches!(&ty, TypeRef::Array(inner) if self.is_scalar(inner))
            {
                self.warn(
                    p_ptr,
                    format!(
                        "parameter `{}` has a schema without a simple Rust type (composition or nested array); \
                         it is generated as a `String` that the caller writes in the wire format",
                        p.name
                    ),
                );
                ty = TypeRef::String;
            }
            let array_style = match (p.style, p.explode, location) {
                (Some(ParameterStyle::SpaceDelimited), _, _) => ArrayStyle::Join(' '),
                (Some(ParameterStyle::PipeDelimited), _, _) => ArrayStyle::Join('|'),
                (None | Some(ParameterStyle::Form), None | Some(true), ParamLocation::Query) => {
                    ArrayStyle::Repeat
                }
                _ => ArrayStyle::Join(','),
            };
            params.push(Param {
                rust_name,
                wire_name: p.name.clone(),
                doc: {
                    let doc = prose(&p.description)
                        .or(lowered.doc)
                        .unwrap_or_else(|| format!("The `{}` parameter.", p.name));
                    match &annotations {
                        Some(a) => a.append_to(doc),
                        None => doc,
                    }
                },
                location: *location,
                ty,
                required: p.required == Some(true) || *location == ParamLocation::Path,
                array_style,
                object,
                deprecated: p.deprecated == Some(true),
            });
        }

        // Split the path template into segments, checking every `{name}` is declared.
        let mut segments = Vec::new();
        for raw_segment in path.trim_start_matches('/').split('/') {
            if path == "/" {
                break;
            }
            let mut parts = Vec::new();
            let mut rest = raw_segment;
            while let Some(open) = rest.find('{') {
                let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                    break;
                };
                if open > 0 {
                    parts.push(SegmentPart::Literal(rest[..open].to_owned()));
                }
                let name = &rest[open + 1..close];
                let Some(param) = params
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.wire_name == name)
                else {
                    return Err(SpecError::new(
                        ptr.clone(),
                        ErrorKind::UndeclaredPathParameter(name.to_owned()),
                    ));
                };
                parts.push(SegmentPart::Param {
                    field: param.rust_name.clone(),
                    ty: param.ty.clone(),
                });
                rest = &rest[close + 1..];
            }
            if !rest.is_empty() || parts.is_empty() {
                parts.push(SegmentPart::Literal(rest.to_owned()));
            }
            segments.push(parts);
        }
        for p in params.iter().filter(|p| p.location == ParamLocation::Path) {
            if !path.contains(&format!("{{{}}}", p.wire_name)) {
                self.warn(
                    ptr,
                    format!(
                        "path parameter `{}` does not appear in the path template",
                        p.wire_name
                    ),
                );
            }
        }
        params.retain(|p| {
            p.location != ParamLocation::Path || path.contains(&format!("{{{}}}", p.wire_name))
        });

        let params = if params.is_empty() {
            None
        } else {
            Some(ParamsStruct {
                name: self.type_ns.claim(&naming::camel(&format!("{base}Params"))),
                params,
            })
        };
        Ok((segments, params))
    }

    /// How an object-valued query parameter spreads over the query string, when its values are
    /// scalars (a struct of scalar fields, or a map of scalars).
    fn object_param(
        &self,
        ty: &TypeRef,
        style: Option<ParameterStyle>,
        explode: Option<bool>,
    ) -> Option<ObjectParam> {
        let style = match (style, explode) {
            (Some(ParameterStyle::DeepObject), _) => ObjectStyle::DeepObject,
            (None | Some(ParameterStyle::Form), None | Some(true)) => ObjectStyle::Explode,
            (None | Some(ParameterStyle::Form), Some(false)) => ObjectStyle::Join,
            _ => return None,
        };
        match ty {
            TypeRef::Map(inner) if self.is_scalar(inner) => Some(ObjectParam {
                style,
                fields: None,
            }),
            TypeRef::Named(name) => {
                let def = self.types.iter().find(|t| &t.name == name)?;
                let TypeKind::Struct { fields } = &def.kind else {
                    return None;
                };
                let fields = fields
                    .iter()
                    .map(|f| {
                        (!f.flatten && self.is_scalar(&f.ty)).then(|| ObjectField {
                            rust_name: f.rust_name.clone(),
                            wire_name: f.wire_name.clone(),
                            ty: f.ty.clone(),
                            optional: f.optional(),
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(ObjectParam {
                    style,
                    fields: Some(fields),
                })
            }
            _ => None,
        }
    }

    fn is_struct(&self, ty: &TypeRef) -> bool {
        self.is_struct_at(ty, 0)
    }

    fn is_struct_at(&self, ty: &TypeRef, depth: usize) -> bool {
        match ty {
            TypeRef::Named(name) if depth < 32 => self.types.iter().any(|t| {
                &t.name == name
                    && match &t.kind {
                        TypeKind::Struct { .. } => true,
                        TypeKind::Alias(inner) => self.is_struct_at(inner, depth + 1),
                        TypeKind::StringEnum { .. }
                        | TypeKind::Union { .. }
                        | TypeKind::Newtype(_) => false,
                    }
            }),
            _ => false,
        }
    }

    fn is_scalar(&self, ty: &TypeRef) -> bool {
        self.is_scalar_at(ty, 0)
    }

    fn is_scalar_at(&self, ty: &TypeRef, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        match ty {
            TypeRef::String
            | TypeRef::Secret
            | TypeRef::Scopes
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::F32
            | TypeRef::F64 => true,
            TypeRef::Named(name) => self.types.iter().any(|t| {
                &t.name == name
                    && match &t.kind {
                        TypeKind::StringEnum { .. } => true,
                        TypeKind::Union { .. } | TypeKind::Newtype(_) => false,
                        TypeKind::Alias(inner) => self.is_scalar_at(inner, depth + 1),
                        TypeKind::Struct { .. } => false,
                    }
            }),
            TypeRef::Json
            | TypeRef::Bytes
            | TypeRef::Array(_)
            | TypeRef::Map(_)
            | TypeRef::Boxed(_) => false,
        }
    }

    fn auth(&mut self, op: &OasOperation, ptr: &Pointer) -> Result<Auth> {
        // `security: []` on an operation (no auth) differs from no `security` key (inherit).
        let own = ptr
            .lookup(&self.doc.raw)
            .and_then(|o| o.get("security"))
            .is_some();
        let (requirements, req_ptr) = match own {
            true => (op.security.clone(), ptr.push("security")),
            false => (
                self.doc.spec.security.clone(),
                Pointer::root().push("security"),
            ),
        };
        if requirements.is_empty() {
            return Ok(Auth::None);
        }
        let optional = requirements.iter().any(|r| r.0.is_empty());
        let Some((i, req)) = requirements
            .iter()
            .enumerate()
            .find(|(_, r)| !r.0.is_empty())
        else {
            return Ok(Auth::None);
        };
        let schemes = self
            .doc
            .spec
            .components
            .as_ref()
            .map(|c| &c.security_schemes);
        let mut found = Vec::new();
        for name in req.0.keys() {
            let scheme_ptr = Pointer::root()
                .push("components")
                .push("securitySchemes")
                .push(name);
            let Some(scheme) = schemes.and_then(|s| s.get(name)) else {
                return Err(SpecError::new(
                    req_ptr.push(i.to_string()).push(name),
                    ErrorKind::DanglingRef(format!("#/components/securitySchemes/{name}")),
                ));
            };
            found.push(self.resolve(scheme, &scheme_ptr)?);
        }
        for scheme in found {
            match scheme {
                SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIdConnect { .. } => {
                    return Ok(Auth::Bearer { optional });
                }
                SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                    return Ok(Auth::Bearer { optional });
                }
                SecurityScheme::ApiKey { name, location, .. }
                    if location == "header" || location == "query" =>
                {
                    return Ok(Auth::ApiKey {
                        name,
                        in_header: location == "header",
                        optional,
                    });
                }
                other => {
                    let what = match other {
                        SecurityScheme::Http { scheme, .. } => format!("http `{scheme}`"),
                        SecurityScheme::ApiKey { location, .. } => {
                            format!("apiKey in `{location}`")
                        }
                        _ => "this security scheme".into(),
                    };
                    self.warn(&req_ptr, format!("{what} authentication is not generated; add it with a custom reqwest client"));
                }
            }
        }
        Ok(Auth::None)
    }

    /// What a call's 2xx answers decode into. Several JSON bodies become an untagged enum
    /// `<Operation>Response`; a JSON body beside an empty one (`200` and `204`) becomes optional.
    fn success_body(
        &mut self,
        success: Vec<ResponseBody>,
        ptr: &Pointer,
        base: &str,
    ) -> Result<ResponseBody> {
        let has_empty = success.contains(&ResponseBody::Empty);
        let mut bodies: Vec<ResponseBody> = success
            .into_iter()
            .filter(|b| *b != ResponseBody::Empty)
            .collect();
        let json: Vec<TypeRef> = bodies
            .iter()
            .filter_map(|b| match b {
                ResponseBody::Json(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        let ty = match bodies.len() {
            0 => return Ok(ResponseBody::Empty),
            1 if json.is_empty() => return Ok(bodies.remove(0)),
            1 => json[0].clone(),
            _ if json.len() == bodies.len() => {
                let name = self
                    .type_ns
                    .claim(&naming::camel(&format!("{base}Response")));
                let mut ns = Namespace::with_reserved(&["Other"]);
                let variants = json
                    .iter()
                    .map(|t| UnionVariant {
                        rust_name: ns.claim(&variant_base(t)),
                        ty: t.clone(),
                        doc: format!("A success answer with a `{}` body.", variant_base(t)),
                        tag_value: None,
                    })
                    .collect();
                self.types.push(TypeDef {
                    name: name.clone(),
                    pointer: ptr.to_string(),
                    doc: format!("The success answers of `{ptr}`, told apart by their shape."),
                    deprecated: false,
                    kind: TypeKind::Union {
                        variants,
                        tag: None,
                    },
                });
                TypeRef::Named(name)
            }
            _ => {
                self.warn(
                    ptr,
                    "success answers of different media types: decoded as `serde_json::Value`",
                );
                TypeRef::Json
            }
        };
        Ok(if has_empty {
            ResponseBody::OptionalJson(ty)
        } else {
            ResponseBody::Json(ty)
        })
    }

    fn responses(
        &mut self,
        op: &OasOperation,
        ptr: &Pointer,
        base: &str,
        method: &str,
        has_body: bool,
    ) -> Result<OperationKind> {
        let mut success: Vec<ResponseBody> = Vec::new();
        let mut errors: Vec<Option<TypeRef>> = Vec::new();
        let mut redirects = 0;
        let responses_ptr = ptr.push("responses");
        for (code, resp) in op.responses.iter().flatten() {
            let r_ptr = responses_ptr.push(code);
            let class = match code.as_str() {
                "default" => b'4',
                c if c.len() == 3
                    && (c.bytes().all(|b| b.is_ascii_digit())
                        || c[1..].eq_ignore_ascii_case("XX")) =>
                {
                    c.as_bytes()[0]
                }
                _ => {
                    return Err(SpecError::new(
                        r_ptr,
                        ErrorKind::Structure(format!(
                            "`{code}` is not an HTTP status code, range (`4XX`) or `default`"
                        )),
                    ));
                }
            };
            let resp = self.resolve(resp, &r_ptr)?;
            let hint = if class == b'2' {
                format!("{base}Response")
            } else {
                format!("{base}Error")
            };
            let chosen = resp
                .content
                .iter()
                .filter_map(|(mime, mt)| classify_media(mime).map(|m| (m, mime, mt)))
                .min_by_key(|(m, _, _)| media_rank(*m));
            let body = match chosen {
                None if resp.content.is_empty() => ResponseBody::Empty,
                None => ResponseBody::Binary,
                Some((Media::Json | Media::Form, mime, mt)) => match &mt.schema {
                    Some(schema) => {
                        let l = self.lower_schema(
                            schema,
                            &r_ptr.push("content").push(mime).push("schema"),
                            &hint,
                            None,
                        )?;
                        ResponseBody::Json(l.ty)
                    }
                    None => ResponseBody::Json(TypeRef::Json),
                },
                Some((Media::Text, _, _)) => ResponseBody::Text,
                Some((Media::Binary, _, _)) => ResponseBody::Binary,
            };
            match class {
                b'2' if !success.contains(&body) => {
                    success.push(body);
                }
                b'3' => redirects += 1,
                b'4' | b'5' => errors.push(match body {
                    ResponseBody::Json(t) => Some(t),
                    _ => None,
                }),
                _ => {}
            }
        }
        if success.is_empty() && redirects > 0 && method == "GET" && !has_body {
            return Ok(OperationKind::Redirect);
        }
        let success = self.success_body(success, &responses_ptr, base)?;
        let distinct: BTreeSet<String> =
            errors.iter().flatten().map(|t| format!("{t:?}")).collect();
        let error = if distinct.len() == 1 {
            errors.into_iter().flatten().next()
        } else {
            None
        };
        Ok(OperationKind::Call { success, error })
    }
}

/// Keywords that do not change a property's Rust type but must not be lost: they go into its
/// docs (`const`, `default`, `format`, `readOnly`, `writeOnly`, bounds).
struct Annotations {
    notes: Vec<String>,
    read_only: bool,
    write_only: bool,
}

impl Annotations {
    fn of(schema: &Schema) -> Annotations {
        let mut out = Annotations {
            notes: Vec::new(),
            read_only: false,
            write_only: false,
        };
        let Schema::Object(o) = schema else {
            return out;
        };
        let ObjectOrReference::Object(s) = o.as_ref() else {
            return out;
        };
        let json = |v: &Value| v.to_string();
        if let Some(c) = &s.const_value {
            out.notes.push(format!("Always `{}`.", json(c)));
        }
        if let Some(d) = &s.default {
            out.notes.push(format!("Default: `{}`.", json(d)));
        }
        if let Some(f) = &s.format {
            let mapping = match f.as_str() {
                "int32" => " (`i32`)",
                "int64" => " (`i64`)",
                "float" => " (`f32`)",
                "double" => " (`f64`)",
                "date-time" | "date" | "time" | "uri" | "uuid" | "email" | "binary" | "byte" => {
                    " (kept as a `String`)"
                }
                _ => "",
            };
            out.notes.push(format!("Format: `{f}`{mapping}."));
        }
        let bounds: Vec<String> = [
            ("minimum", s.minimum.as_ref()),
            ("exclusiveMinimum", s.exclusive_minimum.as_ref()),
            ("maximum", s.maximum.as_ref()),
            ("exclusiveMaximum", s.exclusive_maximum.as_ref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("`{k}` {v}")))
        .collect();
        if !bounds.is_empty() {
            out.notes.push(format!("Bounds: {}.", bounds.join(", ")));
        }
        if s.read_only == Some(true) {
            out.read_only = true;
            out.notes
                .push("Read-only: sent by the server; leave it `None` in requests.".into());
        }
        if s.write_only == Some(true) {
            out.write_only = true;
            out.notes
                .push("Write-only: sent in requests; never in answers.".into());
        }
        out
    }

    fn append_to(&self, doc: String) -> String {
        if self.notes.is_empty() {
            doc
        } else {
            format!("{doc}\n\n{}", self.notes.join(" "))
        }
    }
}

/// The `$ref`s among an `allOf`'s parts.
fn all_of_refs(s: &ObjectSchema) -> Vec<String> {
    s.all_of
        .iter()
        .filter_map(|part| match part {
            Schema::Object(o) => match o.as_ref() {
                ObjectOrReference::Ref { ref_path, .. } => Some(ref_path.clone()),
                ObjectOrReference::Object(_) => None,
            },
            Schema::Boolean(_) => None,
        })
        .collect()
}

/// The Rust name of a type as a union variant (`Dog`, `String`, `Integer`...).
fn variant_base(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(n) => n.clone(),
        TypeRef::String | TypeRef::Secret => "String".into(),
        TypeRef::Scopes => "Scopes".into(),
        TypeRef::I32 | TypeRef::I64 => "Integer".into(),
        TypeRef::F32 | TypeRef::F64 => "Number".into(),
        TypeRef::Bool => "Boolean".into(),
        TypeRef::Array(_) => "Array".into(),
        TypeRef::Map(_) => "Object".into(),
        TypeRef::Json | TypeRef::Bytes | TypeRef::Boxed(_) => "Value".into(),
    }
}

/// `{type: 'null'}`.
fn is_null_schema(schema: &Schema) -> bool {
    matches!(schema, Schema::Object(o) if matches!(o.as_ref(), ObjectOrReference::Object(os) if os.schema_type == Some(TypeSet::Single(Type::Null))))
}

/// A description or title, unless it is blank (which would leave an item undocumented).
fn prose(text: &Option<String>) -> Option<String> {
    text.as_ref().filter(|t| !t.trim().is_empty()).cloned()
}

fn classify_media(mime: &str) -> Option<Media> {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Some(Media::Json)
    } else if essence == "application/x-www-form-urlencoded" {
        Some(Media::Form)
    } else if essence.starts_with("multipart/") {
        None
    } else if essence.starts_with("text/") || essence.ends_with("/xml") || essence.ends_with("+xml")
    {
        Some(Media::Text)
    } else {
        Some(Media::Binary)
    }
}

fn media_rank(media: Media) -> u8 {
    match media {
        Media::Json => 0,
        Media::Form => 1,
        Media::Text => 2,
        Media::Binary => 3,
    }
}

/// Rust type aliases cannot refer to themselves (`type Tree = Vec<Tree>`): such an alias becomes
/// a transparent newtype struct instead.
fn newtype_recursive_aliases(types: &mut [TypeDef]) {
    let aliases: BTreeMap<String, TypeRef> = types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Alias(ty) => Some((t.name.clone(), ty.clone())),
            _ => None,
        })
        .collect();
    for t in types.iter_mut() {
        let TypeKind::Alias(ty) = &t.kind else {
            continue;
        };
        let mut stack = Vec::new();
        collect_names(ty, &mut stack);
        let mut seen = BTreeSet::new();
        let mut recursive = false;
        while let Some(name) = stack.pop() {
            if name == t.name {
                recursive = true;
                break;
            }
            if seen.insert(name.clone())
                && let Some(next) = aliases.get(&name)
            {
                collect_names(next, &mut stack);
            }
        }
        if recursive {
            t.kind = TypeKind::Newtype(ty.clone());
        }
    }
}

/// String enums reachable from a response become open: an answer with a value the document
/// does not list (yet) still decodes.
fn open_response_enums(types: &mut [TypeDef], operations: &[Operation]) {
    let mut stack: Vec<String> = Vec::new();
    for op in operations {
        if let OperationKind::Call { success, error } = &op.kind {
            if let ResponseBody::Json(ty) | ResponseBody::OptionalJson(ty) = success {
                collect_names(ty, &mut stack);
            }
            if let Some(ty) = error {
                collect_names(ty, &mut stack);
            }
        }
    }
    let index: BTreeMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        let Some(&i) = index.get(&name) else { continue };
        if !seen.insert(name) {
            continue;
        }
        match &mut types[i].kind {
            TypeKind::StringEnum { open, .. } => *open = true,
            TypeKind::Struct { fields } => {
                fields.iter().for_each(|f| collect_names(&f.ty, &mut stack))
            }
            TypeKind::Alias(ty) | TypeKind::Newtype(ty) => collect_names(ty, &mut stack),
            TypeKind::Union { variants, .. } => variants
                .iter()
                .for_each(|v| collect_names(&v.ty, &mut stack)),
        }
    }
}

fn collect_names(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Boxed(inner) => {
            collect_names(inner, out)
        }
        _ => {}
    }
}

/// Boxes struct fields whose type leads back to the struct itself without passing through a
/// `Vec` or map (which already allocate), so recursive schemas compile.
fn box_recursive_fields(types: &mut [TypeDef]) {
    let direct: BTreeMap<String, Vec<String>> = types
        .iter()
        .map(|t| {
            let targets = match &t.kind {
                TypeKind::Struct { fields } => {
                    fields.iter().filter_map(|f| direct_name(&f.ty)).collect()
                }
                TypeKind::Alias(ty) | TypeKind::Newtype(ty) => {
                    direct_name(ty).into_iter().collect()
                }
                TypeKind::Union { variants, .. } => {
                    variants.iter().filter_map(|v| direct_name(&v.ty)).collect()
                }
                TypeKind::StringEnum { .. } => Vec::new(),
            };
            (t.name.clone(), targets)
        })
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(direct.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    for t in types.iter_mut() {
        let name = t.name.clone();
        if let TypeKind::Struct { fields } = &mut t.kind {
            for f in fields.iter_mut() {
                if let Some(target) = direct_name(&f.ty)
                    && reaches(&target, &name)
                {
                    f.ty = TypeRef::Boxed(Box::new(f.ty.clone()));
                }
            }
        }
    }
}

fn direct_name(ty: &TypeRef) -> Option<String> {
    match ty {
        TypeRef::Named(n) => Some(n.clone()),
        _ => None,
    }
}
