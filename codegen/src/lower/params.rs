//! Operation parameters: path-level ones overridden by the operation's, each with a Rust field
//! name and one [`ParamShape`]: a scalar, an array of scalars with its style (`form` repeated or
//! joined, `spaceDelimited`, `pipeDelimited`), or an object spread over the query (`form`
//! exploded or joined, `deepObject`). What has no such shape is refused, skipped or sent as a
//! `String`, with a pointer. The path template is split in `path.rs`.

use oas3::spec::{
    ObjectOrReference, Operation as OasOperation, Parameter, ParameterIn, ParameterStyle,
};

use super::annotations::Annotations;
use super::{Lowered, Lowerer, Result, prose};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::{
    ArrayStyle, ObjectField, ObjectFields, ObjectStyle, Param, ParamLocation, ParamShape, Segment,
    TypeKind, TypeRef,
};
use crate::naming::{self, Namespace};

impl Lowerer<'_> {
    /// The operation's path segments and parameters.
    pub(super) fn parameters(
        &mut self,
        path: &str,
        op: &OasOperation,
        path_level: &[ObjectOrReference<Parameter>],
        ptr: &Pointer,
        base: &str,
    ) -> Result<(Vec<Segment>, Vec<Param>)> {
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

        let wire: Vec<&str> = declared.iter().map(|(p, _)| p.name.as_str()).collect();
        // The call builder's own fields and methods are not free for parameters.
        let mut ns = Namespace::with_reserved(super::inputs::BUILDER_NAMES);
        let rust_names = naming::assign(&wire, naming::snake, &mut ns);
        let mut params = Vec::new();
        for ((p, p_ptr), rust_name) in declared.iter().zip(rust_names) {
            if let Some(param) = self.parameter(p, p_ptr, rust_name, base)? {
                params.push(param);
            }
        }
        let segments = self.path_segments(path, &mut params, ptr)?;
        Ok((segments, params))
    }

    /// One parameter; `None` (with a warning) for an optional one that cannot be generated.
    fn parameter(
        &mut self,
        p: &Parameter,
        p_ptr: &Pointer,
        rust_name: String,
        base: &str,
    ) -> Result<Option<Param>> {
        let location = match p.location {
            ParameterIn::Path => ParamLocation::Path,
            ParameterIn::Query => ParamLocation::Query,
            ParameterIn::Header => ParamLocation::Header,
            ParameterIn::Cookie => ParamLocation::Cookie,
        };
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
        // Parameters are written as text: a secret-named one is a plain string here.
        let ty = match lowered.ty {
            TypeRef::Secret => TypeRef::String,
            other => other,
        };
        let Some(shape) = self.shape(p, p_ptr, location, ty)? else {
            return Ok(None);
        };
        let doc = prose(&p.description)
            .or(lowered.doc)
            .unwrap_or_else(|| format!("The `{}` parameter.", p.name));
        Ok(Some(Param {
            rust_name,
            wire_name: p.name.clone(),
            doc: match &annotations {
                Some(a) => a.append_to(doc),
                None => doc,
            },
            location,
            shape,
            required: p.required == Some(true) || location == ParamLocation::Path,
            deprecated: p.deprecated == Some(true),
        }))
    }

    /// The parameter's shape; `None` (with a warning) for an optional object-valued parameter
    /// that cannot be written, an error for a required or path one.
    fn shape(
        &mut self,
        p: &Parameter,
        p_ptr: &Pointer,
        location: ParamLocation,
        ty: TypeRef,
    ) -> Result<Option<ParamShape>> {
        let object_valued = matches!(&ty, TypeRef::Map(_))
            || self.is_struct(&ty)
            || p.style == Some(ParameterStyle::DeepObject);
        if object_valued {
            let object = match location {
                ParamLocation::Query => self.object_shape(&ty, p.style, p.explode),
                _ => None,
            };
            if let Some((style, fields)) = object {
                return Ok(Some(ParamShape::Object { ty, style, fields }));
            }
            // Object parameters outside the query, or with nested values: not generated.
            if p.required == Some(true) || location == ParamLocation::Path {
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
            return Ok(None);
        }
        // An array, also behind a component that names one (`$ref` to `type: array`).
        let array = match &ty {
            TypeRef::Array(item) => Some((**item).clone()),
            TypeRef::Named(_) => match self.alias_target(&ty) {
                Some(TypeRef::Array(item)) => Some(*item),
                _ => None,
            },
            _ => None,
        };
        if let Some(item) = &array
            && self.is_scalar(item)
        {
            let style = array_style(p.style, p.explode, location);
            return Ok(Some(ParamShape::Array {
                item: item.clone(),
                style,
            }));
        }
        if self.is_scalar(&ty) {
            return Ok(Some(ParamShape::Scalar(ty)));
        }
        let why = match array {
            Some(_) => "an array whose items are not scalars (arrays, objects or unions)",
            None => {
                "a union (`oneOf`/`anyOf`) or any JSON value, which has no one way to be written"
            }
        };
        self.warn(
            p_ptr,
            format!(
                "parameter `{}` is {why}; it is generated as a `String` that the caller writes in the wire format",
                p.name
            ),
        );
        Ok(Some(ParamShape::Scalar(TypeRef::String)))
    }

    /// How an object-valued query parameter spreads over the query string, when its values are
    /// scalars (a struct of scalar fields, or a map of scalars).
    fn object_shape(
        &self,
        ty: &TypeRef,
        style: Option<ParameterStyle>,
        explode: Option<bool>,
    ) -> Option<(ObjectStyle, ObjectFields)> {
        let style = match (style, explode) {
            (Some(ParameterStyle::DeepObject), _) => ObjectStyle::DeepObject,
            (None | Some(ParameterStyle::Form), None | Some(true)) => ObjectStyle::Explode,
            (None | Some(ParameterStyle::Form), Some(false)) => ObjectStyle::Join,
            _ => return None,
        };
        match ty {
            TypeRef::Map(inner) if self.is_scalar(inner) => {
                Some((style, ObjectFields::Map((**inner).clone())))
            }
            TypeRef::Named(id) => {
                let TypeKind::Struct { fields } = &self.types[id.0].kind else {
                    return None;
                };
                let fields = fields
                    .iter()
                    .map(|f| {
                        let wire_name = f.wire_name()?;
                        self.is_scalar(&f.ty).then(|| ObjectField {
                            rust_name: f.rust_name.clone(),
                            wire_name: wire_name.to_owned(),
                            ty: f.ty.clone(),
                            optional: f.optional(),
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some((style, ObjectFields::Struct(fields)))
            }
            _ => None,
        }
    }
}

/// How an array parameter is written: `spaceDelimited`/`pipeDelimited` join with their
/// separator; `form` (the query's default) repeats the name unless `explode: false`; everything
/// else, path parameters included, joins with `,`.
fn array_style(
    style: Option<ParameterStyle>,
    explode: Option<bool>,
    location: ParamLocation,
) -> ArrayStyle {
    match (style, explode, location) {
        (_, _, ParamLocation::Path) => ArrayStyle::Join(','),
        (Some(ParameterStyle::SpaceDelimited), _, _) => ArrayStyle::Join(' '),
        (Some(ParameterStyle::PipeDelimited), _, _) => ArrayStyle::Join('|'),
        (None | Some(ParameterStyle::Form), None | Some(true), ParamLocation::Query) => {
            ArrayStyle::Repeat
        }
        _ => ArrayStyle::Join(','),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_styles() {
        use ParamLocation::*;
        assert_eq!(array_style(None, None, Query), ArrayStyle::Repeat);
        assert_eq!(array_style(None, Some(false), Query), ArrayStyle::Join(','));
        let space = Some(ParameterStyle::SpaceDelimited);
        assert_eq!(array_style(space, None, Query), ArrayStyle::Join(' '));
        let pipe = Some(ParameterStyle::PipeDelimited);
        assert_eq!(array_style(pipe, None, Header), ArrayStyle::Join('|'));
        assert_eq!(array_style(None, None, Header), ArrayStyle::Join(','));
        // A path parameter is always joined with `,` (RFC 6570 simple expansion).
        assert_eq!(array_style(space, None, Path), ArrayStyle::Join(','));
    }

    #[test]
    fn an_array_behind_a_component_is_an_array_parameter() {
        // Autodesk's `filter[type]`: a `$ref` to a component that is an array of a string enum.
        let (api, warnings) = crate::lower::test_support::lowered(
            "paths:\n  /things:\n    get:\n      parameters:\n        - {name: 'filter[type]', in: query, schema: {$ref: '#/components/schemas/Kinds'}}\n        - {name: odd, in: query, schema: {oneOf: [{type: string}, {type: array, items: {type: string}}]}}\n      responses: {'204': {description: ok}}\ncomponents:\n  schemas:\n    Kinds: {type: array, items: {$ref: '#/components/schemas/Kind'}}\n    Kind: {type: string, enum: [folders, items]}\n",
        );
        let params = &api.operations[0].params;
        let ParamShape::Array { item, style } = &params[0].shape else {
            panic!("{:?}", params[0].shape)
        };
        assert!(matches!(item, TypeRef::Named(_)));
        assert_eq!(*style, ArrayStyle::Repeat);
        let odd: Vec<&str> = warnings
            .iter()
            .filter(|w| w.message.contains("wire format"))
            .map(|w| w.message.as_str())
            .collect();
        assert_eq!(odd.len(), 1, "{odd:?}");
        assert!(odd[0].contains("`odd` is a union"), "{}", odd[0]);
    }
}
