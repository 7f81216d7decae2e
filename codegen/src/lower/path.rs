//! Path templates: `/users/{id}/items/{kind}.json` split into segments of literal text and
//! parameters; every `{name}` must be a declared path parameter, and a declared one the template
//! does not use is dropped with a warning.

use super::{Lowerer, Result};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::{Param, ParamLocation, Segment, SegmentPart};

impl Lowerer<'_> {
    /// The template's segments; path parameters the template does not name leave `params`, and
    /// the others are put in call order.
    pub(super) fn path_segments(
        &mut self,
        path: &str,
        params: &mut Vec<Param>,
        ptr: &Pointer,
    ) -> Result<Vec<Segment>> {
        let segments = split_template(path, params).map_err(|name| {
            SpecError::new(ptr.clone(), ErrorKind::UndeclaredPathParameter(name))
        })?;
        let unused = |p: &Param| {
            p.location == ParamLocation::Path && !path.contains(&format!("{{{}}}", p.wire_name))
        };
        for p in params.iter().filter(|p| unused(p)) {
            self.warn(
                ptr,
                format!(
                    "path parameter `{}` does not appear in the path template",
                    p.wire_name
                ),
            );
        }
        params.retain(|p| !unused(p));
        // Call order: path parameters as the template names them, then the others as declared
        // (the order of a method's arguments and of the surface).
        let position = |p: &Param| {
            segments
                .iter()
                .flatten()
                .position(|part| matches!(part, SegmentPart::Param { field, .. } if *field == p.rust_name))
                .unwrap_or(usize::MAX)
        };
        params.sort_by_key(|p| position(p));
        Ok(segments)
    }
}

/// Splits a path template into segments; `Err(name)` for a `{name}` that is not a path parameter.
fn split_template(path: &str, params: &[Param]) -> std::result::Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    if path == "/" {
        return Ok(segments);
    }
    for raw_segment in path.trim_start_matches('/').split('/') {
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
            let param = params
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.wire_name == name)
                .ok_or_else(|| name.to_owned())?;
            parts.push(SegmentPart::Param {
                field: param.rust_name.clone(),
                shape: param.shape.clone(),
            });
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() || parts.is_empty() {
            parts.push(SegmentPart::Literal(rest.to_owned()));
        }
        segments.push(parts);
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ParamShape, TypeRef};

    fn path_param(name: &str) -> Param {
        Param {
            rust_name: name.to_owned(),
            wire_name: name.to_owned(),
            doc: String::new(),
            location: ParamLocation::Path,
            shape: ParamShape::Scalar(TypeRef::String),
            required: true,
            deprecated: false,
        }
    }

    #[test]
    fn templates_split_into_literals_and_parameters() {
        let segments = split_template(
            "/users/{id}/file.{ext}",
            &[path_param("id"), path_param("ext")],
        )
        .expect("declared");
        assert_eq!(segments.len(), 3);
        assert_eq!(segments[0], vec![SegmentPart::Literal("users".into())]);
        assert!(matches!(&segments[1][..], [SegmentPart::Param { field, .. }] if field == "id"));
        assert!(matches!(
            &segments[2][..],
            [SegmentPart::Literal(l), SegmentPart::Param { .. }] if l == "file."
        ));
        assert_eq!(split_template("/", &[]), Ok(vec![]));
    }

    #[test]
    fn an_undeclared_parameter_is_named() {
        assert_eq!(split_template("/a/{b}", &[]), Err("b".to_owned()));
    }
}
