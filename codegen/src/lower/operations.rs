//! Paths and webhooks: one [`Operation`] per method of each path, with its name (the
//! `operationId`, or one derived from method and path; `_url` for browser redirects), docs,
//! body, parameters, auth and answers. Webhooks get models for their payloads, no methods.

use std::collections::BTreeMap;

use oas3::spec::{ObjectOrReference, Operation as OasOperation, Parameter};

use super::media::classify_media;
use super::{Lowerer, Result};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::{HttpMethod, Media, Operation, OperationKind};
use crate::naming::{self, Namespace};

/// The vendor extension that marks an operation idempotent (`x-idempotent: true`; `oas3` keeps
/// extensions without their `x-`), so its calls are retried whatever their method.
pub(crate) const IDEMPOTENT: &str = "idempotent";

impl Lowerer<'_> {
    /// Every operation of `paths`, in document order, with collision-free method names.
    pub(super) fn operations(&mut self) -> Result<Vec<Operation>> {
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
                let id = operation_id(op, &method, path, &op_ptr, &mut ids)?;
                if let Some(mut op) =
                    self.operation(path, &method, op, &item.parameters, &op_ptr, id)?
                {
                    if op.server.is_none() {
                        op.server = own_server(&item.servers);
                    }
                    ops.push(op);
                }
            }
        }
        name_methods(&mut ops);
        self.name_builders(&mut ops);
        Ok(ops)
    }

    /// Webhooks are calls the API makes to you: their payload schemas become models (no client
    /// methods), named after the webhook (`newPet` -> `NewPetPayload`).
    pub(super) fn webhooks(&mut self) -> Result<()> {
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

    /// One operation; `None` when it is skipped (with a warning) for an unsupported body.
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
            Some(rb) => match self.request_body(rb, &ptr.push("requestBody"), &base)? {
                Some(body) => Some(body),
                None => return Ok(None),
            },
        };
        let (segments, params) = self.parameters(path, op, path_level, ptr, &base)?;
        let auth = self.auth(op, ptr)?;
        let kind = self.responses(op, ptr, &base, method, body.is_some())?;
        let auth = super::auth::for_kind(auth, &kind);
        let auth = super::auth::with_own_header(auth, &params);
        let http_method = HttpMethod::parse(method).ok_or_else(|| {
            SpecError::new(
                ptr.clone(),
                ErrorKind::Unsupported(format!("the HTTP method `{method}`")),
            )
        })?;
        let mut operation = Operation {
            fn_name: String::new(),
            id,
            method: http_method,
            path: path.to_owned(),
            pointer: ptr.to_string(),
            doc,
            deprecated: op.deprecated == Some(true),
            idempotent: op.extensions.get(IDEMPOTENT) == Some(&serde_json::Value::Bool(true)),
            segments,
            params,
            builder: String::new(),
            body,
            inputs: Vec::new(),
            auth,
            kind,
            server: own_server(&op.servers),
            pagination: None,
        };
        operation.inputs = super::inputs::inputs(&operation);
        Ok(Some(operation))
    }
}

impl Lowerer<'_> {
    /// Each operation's call builder type: `<Operation>Call`, or `<Operation>Url` for a browser
    /// redirect; named after every schema type, so a schema never loses its name to a builder.
    fn name_builders(&mut self, ops: &mut [Operation]) {
        for op in ops.iter_mut() {
            let suffix = match op.kind {
                OperationKind::Redirect => "Url",
                OperationKind::Call { .. } => "Call",
            };
            // Converted as one name (`self` -> `SelfCall`, not the escaped `Self_` + `Call`).
            let whole = naming::camel(&op.id);
            let name = match whole.ends_with(suffix) {
                true => whole,
                false => naming::camel(&format!("{} {suffix}", op.id)),
            };
            op.builder = self.type_ns.claim(&name);
        }
    }
}

/// The operation's `operationId` (refusing a duplicate), or `<method> <path>` without one.
fn operation_id(
    op: &OasOperation,
    method: &str,
    path: &str,
    op_ptr: &Pointer,
    ids: &mut BTreeMap<String, Pointer>,
) -> Result<String> {
    let Some(id) = &op.operation_id else {
        return Ok(format!(
            "{} {}",
            method.to_ascii_lowercase(),
            path.replace(['{', '}'], "")
        ));
    };
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
    Ok(id.clone())
}

/// Method names: the id in snake case, collision-free; a redirect builds a URL rather than
/// calling, and its name says so (`authorize_url`).
fn name_methods(ops: &mut [Operation]) {
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
}

/// The first of an operation's or path's own `servers`, with its variables at their defaults;
/// `None` when it has none, or a relative one (which the document's server already covers).
fn own_server(servers: &[oas3::spec::Server]) -> Option<String> {
    let server = servers.first()?;
    let url = server
        .variables
        .iter()
        .fold(server.url.clone(), |url, (name, var)| {
            url.replace(&format!("{{{name}}}"), &var.default)
        });
    (url.starts_with("https://") || url.starts_with("http://")).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::error::ErrorKind;

    #[test]
    fn methods_are_named_from_ids_or_method_and_path() {
        let (api, _) = lowered(
            "paths:\n  /users/{id}:\n    parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n    get: {responses: {'200': {description: ok}}}\n  /authorize:\n    get: {operationId: authorize, responses: {'302': {description: go}}}\n",
        );
        let names: Vec<&str> = api.operations.iter().map(|o| o.fn_name.as_str()).collect();
        assert_eq!(names, ["get_users_id", "authorize_url"]);
    }

    #[test]
    fn builders_are_named_after_the_whole_id() {
        let (api, _) = lowered(
            "paths:\n  /a: {get: {operationId: self, responses: {'200': {description: ok}}}}\n  /b: {get: {operationId: getTokenCall, responses: {'200': {description: ok}}}}\n",
        );
        let names: Vec<&str> = api.operations.iter().map(|o| o.builder.as_str()).collect();
        assert_eq!(names, ["SelfCall", "GetTokenCall"]);
    }

    #[test]
    fn a_repeated_operation_id_is_refused_where_it_repeats() {
        let err = lower_doc(
            "paths:\n  /a: {get: {operationId: x, responses: {'200': {description: ok}}}}\n  /b: {get: {operationId: x, responses: {'200': {description: ok}}}}\n",
        )
        .unwrap_err();
        assert!(matches!(err.kind, ErrorKind::DuplicateOperationId { .. }));
        assert_eq!(err.pointer.to_string(), "#/paths/~1b/get/operationId");
    }

    #[test]
    fn webhook_payloads_become_models() {
        let (api, _) = lowered(
            "webhooks:\n  newPet:\n    post:\n      requestBody: {content: {application/json: {schema: {type: object, properties: {id: {type: integer}}}}}}\n      responses: {'200': {description: ok}}\n",
        );
        assert!(api.operations.is_empty());
        assert_eq!(fields(&api, "NewPetPayload")[0].rust_name, "id");
    }
}
