//! The OAuth conventions, applied by property name (configurable in [`crate::Options`]): plain
//! string properties that hold secrets become `SecretString`, scope lists become `Scopes`, and
//! in the struct a form body defines, OAuth's `code` is a secret too.

use oas3::spec::Schema;

use super::{Lowered, Lowerer, Result};
use crate::error::Pointer;
use crate::model::{TypeKind, TypeRef};

impl Lowerer<'_> {
    /// Lowers a property, applying the OAuth conventions to plain strings.
    pub(super) fn lower_property(
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

    /// Form bodies carry credentials as plain fields (`code`, ...): the struct a form body's own
    /// schema (at `schema_ptr`) defines gets `SecretString` for the names in
    /// [`crate::Options::secret_form_fields`]. A `$ref`'d component is shared with other uses and
    /// keeps its types.
    pub(super) fn form_body_secrets(&mut self, ty: &TypeRef, schema_ptr: &Pointer) {
        let TypeRef::Named(id) = ty else { return };
        let own = schema_ptr.to_string();
        let def = &mut self.types[id.0];
        let inside = def.pointer == own || def.pointer.starts_with(&format!("{own}/"));
        if !inside {
            return;
        }
        let secret = &self.options.secret_form_fields;
        if let TypeKind::Struct { fields } = &mut def.kind {
            for f in fields.iter_mut().filter(|f| f.ty == TypeRef::String) {
                if f.wire_name().is_some_and(|w| secret.iter().any(|s| s == w)) {
                    f.ty = TypeRef::Secret;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::model::TypeRef;

    const DOC: &str = "components:\n  securitySchemes:\n    o: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://x/t', scopes: {'data:read': r}}}}\n  schemas:\n    T: {type: object, properties: {access_token: {type: string}, scope: {type: string}, code: {type: string}}}\npaths:\n  /token:\n    post:\n      operationId: token\n      requestBody:\n        content:\n          application/x-www-form-urlencoded:\n            schema: {type: object, properties: {code: {type: string}, name: {type: string}}}\n      responses: {'200': {description: ok}}\n";

    #[test]
    fn secret_and_scope_names_get_their_types() {
        let (api, _) = lowered(DOC);
        let t = fields(&api, "T");
        assert_eq!(t[0].ty, TypeRef::Secret);
        assert_eq!(t[1].ty, TypeRef::Scopes);
        assert_eq!(
            t[2].ty,
            TypeRef::String,
            "`code` outside a form body is an error code"
        );
    }

    #[test]
    fn a_form_body_code_is_a_secret() {
        let (api, _) = lowered(DOC);
        let body = fields(&api, "TokenRequest");
        assert_eq!(body[0].ty, TypeRef::Secret);
        assert_eq!(body[1].ty, TypeRef::String);
    }

    /// Secure Service Accounts: a key's PEM (`privateKey`) anywhere, a JWT-bearer `assertion` in
    /// a form body.
    #[test]
    fn a_private_key_and_a_form_body_assertion_are_secrets() {
        let doc = "components:\n  schemas:\n    K: {type: object, properties: {kid: {type: string}, privateKey: {type: string}, assertion: {type: string}}}\npaths:\n  /token:\n    post:\n      operationId: token\n      requestBody:\n        content:\n          application/x-www-form-urlencoded:\n            schema: {type: object, properties: {assertion: {type: string}}}\n      responses: {'200': {description: ok}}\n";
        let (api, _) = lowered(doc);
        let k = fields(&api, "K");
        assert_eq!(k[0].ty, TypeRef::String);
        assert_eq!(k[1].ty, TypeRef::Secret);
        assert_eq!(k[2].ty, TypeRef::String, "outside a form body");
        assert_eq!(fields(&api, "TokenRequest")[0].ty, TypeRef::Secret);
    }
}
