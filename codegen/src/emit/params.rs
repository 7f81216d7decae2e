//! Parameters: the statements that write each parameter shape (held in a field of the call
//! builder, `self.<field>`) into the path, the query, headers or the `Cookie` header (through the
//! runtime contract's `Pairs`). `value` arguments are token streams of places holding the value.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::ident;
use crate::model::{
    ArrayStyle, ObjectFields, ObjectStyle, Param, ParamShape, Segment, SegmentPart, TypeRef,
};

/// An owned `String` expression for a scalar value behind a reference `value`.
fn scalar_string(value: &TokenStream, t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote!(#value.clone()),
        TypeRef::Secret => quote!(#value.expose_secret().to_owned()),
        _ => quote!(#value.to_string()),
    }
}

/// An owned `String` for a list of scalars joined with `sep` (`value` is a reference to it).
fn joined(value: &TokenStream, item: &TypeRef, sep: char) -> TokenStream {
    let sep = sep.to_string();
    if *item == TypeRef::String {
        return quote!(#value.join(#sep));
    }
    let item = scalar_string(&quote!(item), item);
    quote!(#value.iter().map(|item| #item).collect::<Vec<String>>().join(#sep))
}

/// Statements that push a parameter onto `target` (`query`, `headers` or `cookies`).
pub(super) fn push_param(target: &Ident, p: &Param) -> TokenStream {
    let field = ident(&p.rust_name);
    let wire = &p.wire_name;
    let push_value = |value: TokenStream| match &p.shape {
        ParamShape::Object { style, fields, .. } => {
            push_object(target, wire, *style, fields, &value)
        }
        ParamShape::Array {
            item,
            style: ArrayStyle::Repeat,
        } => {
            let item = scalar_string(&quote!(item), item);
            quote! { for item in #value.iter() { #target.push(#wire, #item); } }
        }
        ParamShape::Array {
            item,
            style: ArrayStyle::Join(sep),
        } => {
            let s = joined(&value, item, *sep);
            quote! { #target.push(#wire, #s); }
        }
        ParamShape::Scalar(ty) => {
            let s = scalar_string(&value, ty);
            quote! { #target.push(#wire, #s); }
        }
    };
    if p.required {
        push_value(quote!(self.#field))
    } else {
        let inner = push_value(quote!(value));
        quote! { if let Some(value) = &self.#field { #inner } }
    }
}

/// Statements that spread an object-valued query parameter (`value` is a place of its value).
fn push_object(
    target: &Ident,
    name: &str,
    style: ObjectStyle,
    fields: &ObjectFields,
    value: &TokenStream,
) -> TokenStream {
    match (style, fields) {
        (ObjectStyle::Explode | ObjectStyle::DeepObject, ObjectFields::Struct(fields)) => {
            let pushes = fields.iter().map(|f| {
                let field = ident(&f.rust_name);
                let key = match style {
                    ObjectStyle::DeepObject => format!("{name}[{}]", f.wire_name),
                    _ => f.wire_name.clone(),
                };
                if f.optional {
                    let s = scalar_string(&quote!(item), &f.ty);
                    quote! { if let Some(item) = &#value.#field { #target.push(#key, #s); } }
                } else {
                    let s = scalar_string(&quote!(#value.#field), &f.ty);
                    quote! { #target.push(#key, #s); }
                }
            });
            quote! { #( #pushes )* }
        }
        (ObjectStyle::Join, ObjectFields::Struct(fields)) => {
            let parts = fields.iter().map(|f| {
                let field = ident(&f.rust_name);
                let wire = &f.wire_name;
                if f.optional {
                    let s = scalar_string(&quote!(item), &f.ty);
                    quote! { if let Some(item) = &#value.#field { parts.extend([String::from(#wire), #s]); } }
                } else {
                    let s = scalar_string(&quote!(#value.#field), &f.ty);
                    quote! { parts.extend([String::from(#wire), #s]); }
                }
            });
            quote! {
                let mut parts: Vec<String> = Vec::new();
                #( #parts )*
                #target.push(#name, parts.join(","));
            }
        }
        (ObjectStyle::Explode, ObjectFields::Map(inner)) => {
            let s = scalar_string(&quote!(item), inner);
            quote! { for (key, item) in #value.iter() { #target.push(key.clone(), #s); } }
        }
        (ObjectStyle::DeepObject, ObjectFields::Map(inner)) => {
            let s = scalar_string(&quote!(item), inner);
            let pattern = format!("{name}[{{key}}]");
            quote! { for (key, item) in #value.iter() { #target.push(format!(#pattern), #s); } }
        }
        (ObjectStyle::Join, ObjectFields::Map(inner)) => {
            let s = scalar_string(&quote!(item), inner);
            quote! {
                #target.push(#name, #value.iter().flat_map(|(key, item)| [key.clone(), #s]).collect::<Vec<String>>().join(","));
            }
        }
    }
}

/// Collects header or cookie parameters into `target` and applies them with the runtime's
/// `apply` (`with_headers`, `with_cookies`); nothing when there are none.
pub(super) fn pairs_stmt(target: &Ident, params: &[&Param], apply: TokenStream) -> TokenStream {
    if params.is_empty() {
        return quote!();
    }
    let pushes = params.iter().map(|p| push_param(target, p));
    let contract = super::contract();
    quote! {
        let mut #target = #contract::Pairs::new();
        #( #pushes )*
        let request = #contract::#apply(request, &#target)?;
    }
}

/// The expression for one path segment (a `&str`), percent-encoded later by the runtime.
pub(super) fn segment_expr(segment: &Segment) -> TokenStream {
    match segment.as_slice() {
        [SegmentPart::Literal(text)] => quote!(#text),
        [
            SegmentPart::Param {
                field,
                shape: ParamShape::Scalar(TypeRef::String),
            },
        ] => {
            let field = ident(field);
            quote!(self.#field.as_str())
        }
        [SegmentPart::Param { field, shape }] => {
            let field = ident(field);
            let s = path_string(&quote!(self.#field), shape);
            quote!(&#s)
        }
        parts => {
            let mut fmt = String::new();
            let mut args = Vec::new();
            for part in parts {
                match part {
                    SegmentPart::Literal(text) => {
                        fmt.push_str(&text.replace('{', "{{").replace('}', "}}"))
                    }
                    SegmentPart::Param { field, shape } => {
                        fmt.push_str("{}");
                        let field = ident(field);
                        args.push(match shape {
                            ParamShape::Array { .. } => path_string(&quote!(self.#field), shape),
                            // Every other path parameter type implements `Display`.
                            _ => quote!(self.#field),
                        });
                    }
                }
            }
            quote!(&format!(#fmt, #( #args ),*))
        }
    }
}

/// An owned `String` for a path parameter: a scalar, or an array joined with its separator.
fn path_string(value: &TokenStream, shape: &ParamShape) -> TokenStream {
    match shape {
        ParamShape::Array {
            item,
            style: ArrayStyle::Join(sep),
        } => joined(value, item, *sep),
        ParamShape::Array { item, .. } => joined(value, item, ','),
        ParamShape::Scalar(ty) | ParamShape::Object { ty, .. } => scalar_string(value, ty),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{file, squash};

    fn ops(params: &str) -> String {
        file(
            &format!(
                "paths:\n  /items/{{id}}:\n    get:\n      operationId: list\n      parameters:\n{params}      responses: {{'204': {{description: ok}}}}\n"
            ),
            "operations.rs",
        )
    }

    #[test]
    fn each_shape_is_written_its_way() {
        let out = ops(concat!(
            "        - {name: id, in: path, required: true, schema: {type: array, items: {type: integer}}}\n",
            "        - {name: tag, in: query, schema: {type: array, items: {type: string}}}\n",
            "        - {name: q, in: query, style: spaceDelimited, schema: {type: array, items: {type: string}}}\n",
            "        - {name: f, in: query, style: deepObject, schema: {type: object, additionalProperties: {type: string}}}\n",
            "        - {name: X-Trace, in: header, schema: {type: integer}}\n",
        ));
        assert!(
            out.contains(&squash(
                r#"&self.id.iter().map(|item| item.to_string()).collect::<Vec<String>>().join(",")"#
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash(
                r#"for item in value.iter() { query.push("tag", item.clone()); }"#
            )),
            "{out}"
        );
        assert!(
            out.contains(&squash(r#"query.push("q", value.join(" "));"#)),
            "{out}"
        );
        assert!(
            out.contains(&squash(r#"query.push(format!("f[{key}]"), item.clone());"#)),
            "{out}"
        );
        assert!(
            out.contains(&squash(
                "::aps_auth_runtime::contract::with_headers(request, &headers)?"
            )),
            "{out}"
        );
    }
}
