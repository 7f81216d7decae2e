//! Request bodies: the preferred supported media type (JSON, then form, text, bytes), its type,
//! and the OAuth form-body secrets. Form bodies must be objects; multipart skips the operation.

use oas3::spec::{ObjectOrReference, RequestBody as OasRequestBody};

use super::media::{classify_media, media_rank};
use super::{Lowerer, Result, prose};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::{Media, RequestBody, TypeRef};

impl Lowerer<'_> {
    /// The operation's body, or `None` (with a warning) when no media type is supported and the
    /// operation is skipped.
    pub(super) fn request_body(
        &mut self,
        rb: &ObjectOrReference<OasRequestBody>,
        rb_ptr: &Pointer,
        base: &str,
    ) -> Result<Option<RequestBody>> {
        let rb = self.resolve(rb, rb_ptr)?;
        let chosen = rb
            .content
            .iter()
            .filter_map(|(mime, mt)| classify_media(mime).map(|m| (m, mime, mt)))
            .min_by_key(|(m, _, _)| media_rank(*m));
        let Some((media, mime, mt)) = chosen else {
            let kinds: Vec<&str> = rb.content.keys().map(String::as_str).collect();
            self.warn(
                rb_ptr,
                format!("operation skipped: request body media type(s) {kinds:?} not supported"),
            );
            return Ok(None);
        };
        let content_ptr = rb_ptr.push("content").push(mime);
        let schema_ptr = content_ptr.push("schema");
        let ty = match (media, &mt.schema) {
            (Media::Json | Media::Form, Some(schema)) => {
                let hint = format!("{base}Request");
                let ty = self.lower_schema(schema, &schema_ptr, &hint, None)?.ty;
                if media == Media::Form {
                    self.form_body_secrets(&ty, &schema_ptr);
                }
                ty
            }
            (Media::Json, None) => TypeRef::Json,
            (Media::Form, None) => {
                return Err(SpecError::new(
                    content_ptr,
                    ErrorKind::Unsupported("a form-urlencoded body without a schema".into()),
                ));
            }
            (Media::Text, _) => TypeRef::String,
            (Media::Binary, _) => TypeRef::Bytes,
        };
        if media == Media::Form && !matches!(ty, TypeRef::Named(_)) {
            return Err(SpecError::new(
                schema_ptr,
                ErrorKind::Unsupported(
                    "a form-urlencoded body whose schema is not an object".into(),
                ),
            ));
        }
        Ok(Some(RequestBody {
            media,
            ty,
            required: rb.required == Some(true),
            doc: prose(&rb.description).unwrap_or_else(|| "The request body.".into()),
            content_type: declared_content_type(media, mime),
        }))
    }
}

/// The `Content-Type` a body is sent with when it is not what its encoding sets by itself:
/// reqwest writes `application/json` for JSON and `application/x-www-form-urlencoded` for forms,
/// and nothing for text or bytes. A wildcard (`*/*`, `image/*`) names no type to send.
fn declared_content_type(media: Media, mime: &str) -> Option<String> {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let needed = match media {
        Media::Json => essence != "application/json",
        Media::Form => false,
        Media::Text | Media::Binary => true,
    };
    (needed && !essence.is_empty() && !essence.contains('*')).then(|| mime.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::model::{Media, TypeRef};

    #[test]
    fn a_json_api_body_is_sent_with_its_declared_type() {
        use super::declared_content_type as ct;
        assert_eq!(
            ct(Media::Json, "application/vnd.api+json").as_deref(),
            Some("application/vnd.api+json")
        );
        assert_eq!(ct(Media::Json, "application/json; charset=utf-8"), None);
        assert_eq!(ct(Media::Form, "application/x-www-form-urlencoded"), None);
        assert_eq!(
            ct(Media::Binary, "application/octet-stream").as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(ct(Media::Binary, "*/*"), None);
        assert_eq!(ct(Media::Text, "text/plain").as_deref(), Some("text/plain"));
    }

    fn with_body(content: &str) -> String {
        format!(
            "paths:\n  /a:\n    post:\n      operationId: a\n      requestBody: {{required: true, content: {{{content}}}}}\n      responses: {{'204': {{description: ok}}}}\n"
        )
    }

    #[test]
    fn json_is_preferred_over_other_media_types() {
        let (api, _) = lowered(&with_body(
            "text/plain: {}, application/json: {schema: {type: integer}}",
        ));
        let body = api.operations[0].body.as_ref().expect("body");
        assert_eq!(
            (body.media, &body.ty, body.required),
            (Media::Json, &TypeRef::I64, true)
        );
    }

    #[test]
    fn multipart_skips_the_operation_with_a_warning() {
        let (api, warnings) = lowered(&with_body("multipart/form-data: {schema: {type: object}}"));
        assert!(api.operations.is_empty());
        assert!(warnings[0].message.contains("operation skipped"));
    }

    #[test]
    fn a_form_body_must_be_an_object() {
        let err = lower_doc(&with_body(
            "application/x-www-form-urlencoded: {schema: {type: string}}",
        ))
        .unwrap_err();
        assert!(err.pointer.to_string().ends_with("/schema"), "{err}");
    }
}
