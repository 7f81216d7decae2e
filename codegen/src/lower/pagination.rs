//! Which operations page, and how: a pass over the lowered model that gives an operation a
//! [`Pagination`] when its success type carries a next link.
//!
//! From the shape (a `GET` whose JSON answer is a struct): the first of `/links/next/href`
//! (JSON:API's link object, Data Management's listings), `/links/next` (a JSON:API link as a
//! string) and `/next` (OSS's buckets and objects) that is a string field; the item array is
//! `/data`, `/items` or `/results`, when exactly one of them is an array field.
//!
//! Without a next link, a cursor: the first of [`CURSORS`] that is a string field, when the
//! operation has an optional query parameter among [`CURSOR_PARAMS`]; the next page is the same
//! request with that parameter set to the cursor.
//!
//! The vendor extension `x-aps-pagination` on the operation states or overrides it:
//! `x-aps-pagination: false` turns paging off; `x-aps-pagination: {next: /links/next/href,
//! items: /data}` names the next link (a string field) and, optionally, the item array (an
//! array field), as JSON pointers into the success body; `param: <query parameter>` beside
//! `next` makes `next` a cursor sent in that parameter. A stated pointer that leads nowhere, or
//! a `param` that is not a query parameter of the operation, is refused, naming the extension.

use serde_json::Value;

use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::*;

/// Where a next link is looked for, in order.
const NEXT_LINKS: [&str; 3] = ["/links/next/href", "/links/next", "/next"];
/// Where a cursor is looked for, in order.
const CURSORS: [&str; 6] = [
    "/nextCursor",
    "/next_cursor",
    "/nextPageToken",
    "/next_page_token",
    "/nextToken",
    "/continuationToken",
];
/// The query parameters a cursor is sent in, in order.
const CURSOR_PARAMS: [&str; 6] = [
    "cursor",
    "pageToken",
    "page_token",
    "nextToken",
    "continuationToken",
    "after",
];
/// Where an item array is looked for.
const ITEM_ARRAYS: [&str; 3] = ["/data", "/items", "/results"];
/// The vendor extension.
pub(crate) const EXTENSION: &str = "x-aps-pagination";

/// Sets [`Operation::pagination`] on every operation that pages.
pub(super) fn detect(api: &mut Api, raw: &Value) -> Result<(), SpecError> {
    for i in 0..api.operations.len() {
        let op = &api.operations[i];
        let op_ptr = Pointer::from_fragment(&op.pointer).unwrap_or_default();
        let stated = op_ptr.lookup(raw).and_then(|o| o.get(EXTENSION));
        let at = op_ptr.push(EXTENSION);
        let success = match &op.kind {
            OperationKind::Call {
                success: ResponseBody::Json(t),
                ..
            } => Some(t),
            _ => None,
        };
        let pagination = match (stated, success) {
            (Some(Value::Bool(false)), _) => None,
            (Some(Value::Object(map)), Some(t)) => Some(stated_pagination(api, op, t, map, &at)?),
            (Some(_), None) => {
                return Err(refuse(
                    &at,
                    "only an operation with a JSON success body can page",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(refuse(
                    &at,
                    "must be `false` or an object with `next` (and maybe `items`)",
                ));
            }
            (None, Some(t)) if op.method == HttpMethod::Get => shaped(api, op, t),
            (None, _) => None,
        };
        api.operations[i].pagination = pagination;
    }
    Ok(())
}

fn refuse(at: &Pointer, why: &str) -> SpecError {
    SpecError::new(
        at.clone(),
        ErrorKind::Structure(format!("`{EXTENSION}` {why}")),
    )
}

/// The pagination an operation's extension states.
fn stated_pagination(
    api: &Api,
    op: &Operation,
    success: &TypeRef,
    map: &serde_json::Map<String, Value>,
    at: &Pointer,
) -> Result<Pagination, SpecError> {
    let Some(next) = map.get("next").and_then(Value::as_str) else {
        return Err(refuse(
            at,
            "needs `next`: the JSON pointer of the next link",
        ));
    };
    let next = next_link(api, success, next).ok_or_else(|| {
        refuse(
            at,
            &format!("names `next: {next}`, which is not a string field of the success body"),
        )
    })?;
    let param = match map.get("param") {
        None | Some(Value::Null) => None,
        Some(Value::String(param)) if query_param(op, param) => Some(param.clone()),
        Some(_) => {
            return Err(refuse(
                at,
                "names a `param` that is not a query parameter of the operation",
            ));
        }
    };
    let items = match map.get("items") {
        None | Some(Value::Null) => None,
        Some(Value::String(items)) => Some(item_array(api, success, items).ok_or_else(|| {
            refuse(
                at,
                &format!("names `items: {items}`, which is not an array field of the success body"),
            )
        })?),
        Some(_) => return Err(refuse(at, "`items` must be a JSON pointer")),
    };
    Ok(Pagination {
        next,
        param,
        items,
        stated: true,
    })
}

/// The pagination the success type's shape shows, if any.
fn shaped(api: &Api, op: &Operation, success: &TypeRef) -> Option<Pagination> {
    let link = NEXT_LINKS
        .iter()
        .find_map(|pointer| next_link(api, success, pointer));
    let (next, param) = match link {
        Some(link) => (link, None),
        None => {
            let param = CURSOR_PARAMS.iter().find(|p| query_param(op, p))?;
            let cursor = CURSORS
                .iter()
                .find_map(|pointer| next_link(api, success, pointer))?;
            (cursor, Some((*param).to_owned()))
        }
    };
    let mut arrays = ITEM_ARRAYS
        .iter()
        .filter_map(|pointer| item_array(api, success, pointer));
    let items = match (arrays.next(), arrays.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    };
    Some(Pagination {
        next,
        param,
        items,
        stated: false,
    })
}

/// Whether the operation has an optional query parameter named `name` (a scalar).
fn query_param(op: &Operation, name: &str) -> bool {
    op.params.iter().any(|p| {
        p.location == ParamLocation::Query
            && p.wire_name == name
            && !p.required
            && matches!(p.shape, ParamShape::Scalar(_))
    })
}

fn next_link(api: &Api, success: &TypeRef, pointer: &str) -> Option<FieldPath> {
    let (path, ty) = follow(api, success, pointer)?;
    matches!(resolved(api, &ty), TypeRef::String).then_some(path)
}

fn item_array(api: &Api, success: &TypeRef, pointer: &str) -> Option<ItemArray> {
    let (path, ty) = follow(api, success, pointer)?;
    match resolved(api, &ty) {
        TypeRef::Array(item) => Some(ItemArray {
            path,
            item: *item.clone(),
        }),
        _ => None,
    }
}

/// A type with boxes and aliases seen through.
fn resolved<'a>(api: &'a Api, ty: &'a TypeRef) -> &'a TypeRef {
    match ty {
        TypeRef::Boxed(inner) => resolved(api, inner),
        TypeRef::Named(id) => match &api.type_def(*id).kind {
            TypeKind::Alias(inner) => resolved(api, inner),
            _ => ty,
        },
        _ => ty,
    }
}

/// The struct fields `pointer` goes through from `ty`, and the type it ends at.
fn follow(api: &Api, ty: &TypeRef, pointer: &str) -> Option<(FieldPath, TypeRef)> {
    let tokens = Pointer::from_fragment(&format!("#{pointer}"))?;
    let mut steps = Vec::new();
    let mut ty = ty.clone();
    for token in tokens.tokens() {
        let TypeRef::Named(id) = resolved(api, &ty) else {
            return None;
        };
        let TypeKind::Struct { fields } = &api.type_def(*id).kind else {
            return None;
        };
        let field = fields
            .iter()
            .find(|f| f.wire_name() == Some(token.as_str()))?;
        steps.push(PathStep {
            field: field.rust_name.clone(),
            optional: field.optional(),
        });
        ty = field.ty.clone();
    }
    (!steps.is_empty()).then(|| {
        (
            FieldPath {
                pointer: pointer.to_owned(),
                steps,
            },
            ty,
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::Options;
    use crate::model::Pagination;

    fn pagination(spec: &str) -> Result<Option<Pagination>, String> {
        let text = format!("openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{spec}");
        let doc = crate::load::load(&text).map_err(|e| e.to_string())?;
        let (api, _) = crate::lower::lower(&doc, &Options::default()).map_err(|e| e.to_string())?;
        Ok(api.operations[0].pagination.clone())
    }

    const JSON_API: &str = "paths:\n  /c:\n    get:\n      operationId: list\nEXT      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: object\n                required: [data]\n                properties:\n                  links: {type: object, properties: {next: {type: object, required: [href], properties: {href: {type: string}}}}}\n                  data: {type: array, items: {type: object, properties: {id: {type: string}}}}\n                  included: {type: array, items: {type: string}}\n";

    #[test]
    fn a_json_api_next_link_object_and_its_data_are_found() {
        let p = pagination(&JSON_API.replace("EXT", "")).unwrap().unwrap();
        assert_eq!(p.next.pointer, "/links/next/href");
        let steps: Vec<_> = p
            .next
            .steps
            .iter()
            .map(|s| (s.field.as_str(), s.optional))
            .collect();
        assert_eq!(steps, [("links", true), ("next", true), ("href", false)]);
        let items = p.items.unwrap();
        assert_eq!(items.path.pointer, "/data");
        assert!(!items.path.steps[0].optional);
        assert!(!p.stated);
    }

    #[test]
    fn a_next_url_field_and_items_are_found() {
        let spec = "paths:\n  /b:\n    get:\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {next: {type: string}, items: {type: array, items: {type: integer}}}}}}}\n";
        let p = pagination(spec).unwrap().unwrap();
        assert_eq!(p.next.pointer, "/next");
        assert_eq!(p.items.unwrap().path.pointer, "/items");
    }

    #[test]
    fn a_cursor_and_its_query_parameter_are_found_or_stated() {
        let spec = "paths:\n  /b:\n    get:\n      parameters: [{name: pageToken, in: query, schema: {type: string}}]\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {nextPageToken: {type: string}, results: {type: array, items: {type: integer}}}}}}}\n";
        let p = pagination(spec).unwrap().unwrap();
        assert_eq!(p.next.pointer, "/nextPageToken");
        assert_eq!(p.param.as_deref(), Some("pageToken"));
        // Without the parameter, a cursor is not a way to the next page.
        let without = spec.replace(
            "parameters: [{name: pageToken, in: query, schema: {type: string}}]\n      ",
            "",
        );
        assert_eq!(pagination(&without).unwrap(), None);
        let stated = without.replace("      responses:", "      parameters: [{name: from, in: query, schema: {type: string}}]\n      x-aps-pagination: {next: /nextPageToken, param: from}\n      responses:");
        let p = pagination(&stated).unwrap().unwrap();
        assert_eq!(p.param.as_deref(), Some("from"));
        let bad = stated.replace("param: from", "param: nope");
        assert!(pagination(&bad).unwrap_err().contains("param"));
    }

    #[test]
    fn no_next_link_or_not_a_get_is_not_paged() {
        let spec = "paths:\n  /b:\n    get:\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {next: {type: integer}}}}}}\n";
        assert_eq!(pagination(spec).unwrap(), None);
        let post = JSON_API.replace("get:", "post:").replace("EXT", "");
        assert_eq!(pagination(&post).unwrap(), None);
    }

    #[test]
    fn the_extension_turns_it_off_or_states_it() {
        let off = JSON_API.replace("EXT", "      x-aps-pagination: false\n");
        assert_eq!(pagination(&off).unwrap(), None);
        let stated = JSON_API.replace(
            "EXT",
            "      x-aps-pagination: {next: /links/next/href, items: /included}\n",
        );
        let p = pagination(&stated).unwrap().unwrap();
        assert!(p.stated);
        assert_eq!(p.items.unwrap().path.pointer, "/included");
    }

    #[test]
    fn a_stated_pointer_that_leads_nowhere_is_refused() {
        let bad = JSON_API.replace("EXT", "      x-aps-pagination: {next: /links/prev}\n");
        let e = pagination(&bad).unwrap_err();
        assert!(
            e.contains("x-aps-pagination") && e.contains("/links/prev"),
            "{e}"
        );
        let bad = JSON_API.replace("EXT", "      x-aps-pagination: {next: /data}\n");
        assert!(pagination(&bad).is_err());
        let bad = JSON_API.replace("EXT", "      x-aps-pagination: yes\n");
        assert!(pagination(&bad).is_err());
    }
}
