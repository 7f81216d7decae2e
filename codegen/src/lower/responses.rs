//! Answers: what a call's 2xx bodies decode into (one type, an enum of several, `Option` beside
//! a `204`), the error type its 4xx/5xx/`default` bodies share (else JSON), and which operations
//! are browser redirects (only 3xx answers to a bodiless `GET`): those build a URL instead.

use oas3::spec::{Operation as OasOperation, Response};

use super::media::{classify_media, media_rank};
use super::{Lowerer, Result};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::{Media, OperationKind, ResponseBody, TypeDef, TypeKind, TypeRef, UnionVariant};
use crate::naming::{self, Namespace};

impl Lowerer<'_> {
    /// Whether the operation is a call (and what it answers) or a browser redirect.
    pub(super) fn responses(
        &mut self,
        op: &OasOperation,
        ptr: &Pointer,
        base: &str,
        method: &str,
        has_body: bool,
    ) -> Result<OperationKind> {
        let mut success: Vec<ResponseBody> = Vec::new();
        let mut errors: Vec<TypeRef> = Vec::new();
        let mut redirects = 0;
        let responses_ptr = ptr.push("responses");
        for (code, resp) in op.responses.iter().flatten() {
            let r_ptr = responses_ptr.push(code);
            let class = status_class(code, &r_ptr)?;
            let resp = self.resolve(resp, &r_ptr)?;
            let hint = if class == b'2' {
                format!("{base}Response")
            } else {
                format!("{base}Error")
            };
            let body = self.response_body(&resp, &r_ptr, &hint)?;
            match (class, body) {
                (b'2', body) if !success.contains(&body) => success.push(body),
                (b'3', _) => redirects += 1,
                (b'4' | b'5', ResponseBody::Json(t)) if !errors.contains(&t) => errors.push(t),
                _ => {}
            }
        }
        if success.is_empty() && redirects > 0 && method == "GET" && !has_body {
            return Ok(OperationKind::Redirect);
        }
        let success = self.success_body(success, &responses_ptr, base)?;
        // One error type when the documented error bodies share it; otherwise any JSON.
        let error = match errors.as_slice() {
            [one] => one.clone(),
            _ => TypeRef::Json,
        };
        Ok(OperationKind::Call { success, error })
    }

    /// The body of one answer, in its preferred supported media type.
    fn response_body(
        &mut self,
        resp: &Response,
        r_ptr: &Pointer,
        hint: &str,
    ) -> Result<ResponseBody> {
        let chosen = resp
            .content
            .iter()
            .filter_map(|(mime, mt)| classify_media(mime).map(|m| (m, mime, mt)))
            .min_by_key(|(m, _, _)| media_rank(*m));
        Ok(match chosen {
            None if resp.content.is_empty() => ResponseBody::Empty,
            None => ResponseBody::Binary,
            Some((Media::Json | Media::Form, mime, mt)) => match &mt.schema {
                Some(schema) => {
                    let schema_ptr = r_ptr.push("content").push(mime).push("schema");
                    ResponseBody::Json(self.lower_schema(schema, &schema_ptr, hint, None)?.ty)
                }
                None => ResponseBody::Json(TypeRef::Json),
            },
            Some((Media::Text, _, _)) => ResponseBody::Text,
            Some((Media::Binary, _, _)) => ResponseBody::Binary,
        })
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
            _ if json.len() == bodies.len() => self.success_union(&json, ptr, base),
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

    /// `<Operation>Response`: an untagged enum of the JSON success bodies.
    fn success_union(&mut self, json: &[TypeRef], ptr: &Pointer, base: &str) -> TypeRef {
        let name = self.inline_name(&naming::camel(&format!("{base}Response")), ptr);
        let id = self.new_type(name.clone());
        let mut ns = Namespace::with_reserved(&["Other"]);
        let variants = json
            .iter()
            .map(|t| {
                let base = self.variant_base(t);
                UnionVariant {
                    rust_name: ns.claim(&base),
                    ty: t.clone(),
                    doc: format!("A success answer with a `{base}` body."),
                    tag_value: None,
                }
            })
            .collect();
        let def = TypeDef {
            name,
            pointer: ptr.to_string(),
            doc: format!("The success answers of `{ptr}`, told apart by their shape."),
            deprecated: false,
            kind: TypeKind::Union {
                variants,
                tag: None,
            },
        };
        self.define(id, def);
        TypeRef::Named(id)
    }
}

/// The first digit of a status code, range (`4XX`) or `default` (counted as `4`); anything else
/// is refused.
fn status_class(code: &str, r_ptr: &Pointer) -> Result<u8> {
    match code {
        "default" => Ok(b'4'),
        c if c.len() == 3
            && (c.bytes().all(|b| b.is_ascii_digit()) || c[1..].eq_ignore_ascii_case("XX")) =>
        {
            Ok(c.as_bytes()[0])
        }
        _ => Err(SpecError::new(
            r_ptr.clone(),
            ErrorKind::Structure(format!(
                "`{code}` is not an HTTP status code, range (`4XX`) or `default`"
            )),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::status_class;
    use crate::error::Pointer;

    #[test]
    fn status_classes() {
        let p = Pointer::root();
        assert_eq!(status_class("200", &p).ok(), Some(b'2'));
        assert_eq!(status_class("4XX", &p).ok(), Some(b'4'));
        assert_eq!(status_class("5xx", &p).ok(), Some(b'5'));
        assert_eq!(status_class("default", &p).ok(), Some(b'4'));
        assert!(status_class("20", &p).is_err());
        assert!(status_class("ok!", &p).is_err());
    }
}
