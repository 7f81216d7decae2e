//! The document's examples (found and checked by [`crate::examples`]) matched with the Rust type
//! each one decodes into, for the generated test: a schema's example with the type generated for
//! that schema, an answer's with the operation's success or error body, a request's with its body.

use serde_json::Value;

use crate::error::Pointer;
use crate::examples::Target;
use crate::load::Document;
use crate::model::{Api, ExampleTest, Media, OperationKind, ResponseBody, TypeId, TypeRef};

/// The longest chain of component `$ref`s followed to find a schema's type.
const MAX_REFS: usize = 64;

/// Fills `api.examples`; examples without a type of their own to decode into (a schema lowered to
/// a primitive, an answer without a JSON body, any JSON value) are only checked, not tested.
pub(super) fn resolve(mut api: Api, doc: &Document) -> Api {
    let mut tests: Vec<ExampleTest> = Vec::new();
    for case in &doc.examples.cases {
        let Some((ty, request)) = target_type(&api, doc, &case.target) else {
            continue;
        };
        if ty == TypeRef::Json {
            continue;
        }
        let pointer = case.example.to_string();
        if tests.iter().any(|t| t.pointer == pointer && t.ty == ty) {
            continue;
        }
        tests.push(ExampleTest {
            pointer,
            value: case.value.clone(),
            ty,
            request,
        });
    }
    api.examples = tests;
    api
}

fn target_type(api: &Api, doc: &Document, target: &Target) -> Option<(TypeRef, bool)> {
    match target {
        Target::Schema(ptr) => {
            let ptr = follow_refs(&doc.raw, ptr)?.to_string();
            let id = api.types.iter().position(|t| t.pointer == ptr)?;
            Some((TypeRef::Named(TypeId(id)), false))
        }
        Target::Response { operation, error } => {
            let op = find_operation(api, operation)?;
            let OperationKind::Call {
                success,
                error: error_ty,
            } = &op.kind
            else {
                return None;
            };
            if *error {
                return Some((error_ty.clone(), false));
            }
            match success {
                ResponseBody::Json(ty) | ResponseBody::OptionalJson(ty) => {
                    Some((ty.clone(), false))
                }
                ResponseBody::Empty | ResponseBody::Text | ResponseBody::Binary => None,
            }
        }
        Target::Request { operation } => {
            let body = find_operation(api, operation)?.body.as_ref()?;
            matches!(body.media, Media::Json | Media::Form).then(|| (body.ty.clone(), true))
        }
    }
}

fn find_operation<'a>(api: &'a Api, pointer: &Pointer) -> Option<&'a crate::model::Operation> {
    let pointer = pointer.to_string();
    api.operations.iter().find(|op| op.pointer == pointer)
}

/// The schema a node stands for: itself, or what its `$ref`s lead to.
fn follow_refs(raw: &Value, ptr: &Pointer) -> Option<Pointer> {
    let mut ptr = ptr.clone();
    for _ in 0..MAX_REFS {
        match ptr.lookup(raw)?.get("$ref").and_then(Value::as_str) {
            Some(reference) => ptr = Pointer::from_fragment(reference)?,
            None => return Some(ptr),
        }
    }
    None
}
