//! `examples.rs` of a generated module (test builds only): one test that decodes every example
//! of the document into the type the generated code decodes it into (`api.examples`), through
//! the runtime's `answer` / `request` checks, and names each failing example by its pointer.
//!
//! The file is written as text, not through `quote` and `prettyplease`: it is a table of JSON
//! documents, kept pretty-printed in raw strings so that a changed example reads as a small diff.

use std::fmt::Write;

use super::Emitter;

impl Emitter<'_> {
    /// The test file, or `None` when the document has no example to decode.
    pub fn examples_file(&self, header: &str, source_name: &str) -> Option<String> {
        let api = self.api;
        if api.examples.is_empty() {
            return None;
        }
        let mut out = String::new();
        out.push_str(header);
        out.push_str(
            "\n//! The document's own examples, decoded into the generated types: an answer's example must\n\
             //! decode, a request's must decode, encode and decode again. A failure names the example's\n\
             //! JSON pointer in the document.\n\n",
        );
        out.push_str(
            "#[allow(unused_imports)] // a document whose examples are all of runtime types\n",
        );
        out.push_str("use super::types::*;\n");
        // The runtime's checks are named by their paths, so that a schema called `Check` keeps
        // its name here.
        out.push('\n');
        out.push_str("/// Every example of the document decodes into its generated type.\n");
        out.push_str("#[test]\n");
        out.push_str("fn the_documents_examples_decode() {\n");
        let contract = super::contract_prefix();
        let _ = writeln!(out, "    let cases: &[(&str, {contract}Check, &str)] = &[");
        for example in &api.examples {
            let ty = self.ty(&example.ty).to_string();
            let ty = tidy_type(&ty);
            let check = if example.request { "request" } else { "answer" };
            let json = serde_json::to_string_pretty(&example.value).unwrap_or_default();
            let hashes = "#".repeat(raw_hashes(&json));
            // `write!` to a String cannot fail.
            let _ = write!(
                out,
                "        (\n            {pointer:?},\n            {contract}{check}::<{ty}>,\n            r{hashes}\"{json}\"{hashes},\n        ),\n",
                pointer = example.pointer,
            );
        }
        out.push_str("    ];\n");
        let _ = writeln!(out, "    {contract}check_all({source_name:?}, cases);");
        out.push_str("}\n");
        Some(out)
    }
}

/// The number of `#` a raw string needs so that nothing in `text` ends it.
fn raw_hashes(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut most = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'"' {
            let run = bytes[i + 1..].iter().take_while(|c| **c == b'#').count();
            most = most.max(run + 1);
        }
    }
    most.max(1)
}

/// A type's tokens as Rust writes them (`Vec<Hub>`, not `Vec < Hub >`).
fn tidy_type(tokens: &str) -> String {
    tokens
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" ,", ",")
}

#[cfg(test)]
mod tests {
    use super::{raw_hashes, tidy_type};

    #[test]
    fn raw_strings_take_as_many_hashes_as_the_text_needs() {
        assert_eq!(raw_hashes(r#"{"a": 1}"#), 1);
        assert_eq!(raw_hashes(r##"{"a": "x"#"}"##), 2);
        assert_eq!(raw_hashes("plain"), 1);
    }

    #[test]
    fn types_print_as_rust_writes_them() {
        assert_eq!(
            tidy_type("std :: collections :: BTreeMap < String , Vec < Hub > >"),
            "std::collections::BTreeMap<String, Vec<Hub>>"
        );
    }
}
