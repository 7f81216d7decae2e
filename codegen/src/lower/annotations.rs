//! Keywords that do not change a type but must not be lost: `const`, `default`, `format`,
//! bounds, `readOnly`/`writeOnly` go into the docs; `readOnly`/`writeOnly` also make a field
//! optional (one Rust type serves requests and answers).

use oas3::spec::{ObjectOrReference, Schema};
use serde_json::Value;

/// Keywords that do not change a property's Rust type but must not be lost: they go into its
/// docs (`const`, `default`, `format`, `readOnly`, `writeOnly`, bounds).
pub(super) struct Annotations {
    notes: Vec<String>,
    pub(super) read_only: bool,
    pub(super) write_only: bool,
}

impl Annotations {
    /// The annotations of a schema (none for a `$ref` or a boolean schema).
    pub(super) fn of(schema: &Schema) -> Annotations {
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

    /// `doc` followed by the notes.
    pub(super) fn append_to(&self, doc: String) -> String {
        if self.notes.is_empty() {
            doc
        } else {
            format!("{doc}\n\n{}", self.notes.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Annotations;

    #[test]
    fn keywords_become_notes() {
        let schema: oas3::spec::Schema = serde_json::from_str(
            r#"{"type":"integer","format":"int32","default":5,"minimum":1,"readOnly":true}"#,
        )
        .unwrap();
        let a = Annotations::of(&schema);
        assert!(a.read_only && !a.write_only);
        let doc = a.append_to("Count.".into());
        assert!(doc.starts_with("Count.\n\n"));
        for note in [
            "Default: `5`.",
            "Format: `int32` (`i32`).",
            "`minimum` 1",
            "Read-only",
        ] {
            assert!(doc.contains(note), "{note} in {doc}");
        }
    }
}
