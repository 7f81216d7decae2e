//! The layout of the generated calls of the runtime's macros (`::aps_auth_runtime::contract::object!`,
//! `open_enum!`, `builder!`, ...). prettyplease prints a macro's arguments as a paragraph of
//! tokens (`Vec < T >`, `crate ::X`, entries wrapped at 100 columns); these calls are laid out as
//! Rust is written, one entry per line, so a property added to a document is one added line in
//! the diff a reviewer reads, not a reflowed paragraph.
//!
//! The arguments are identifiers, paths, types, attributes and string literals (wire names,
//! which may hold any character): spacing and line breaks outside string literals are all that
//! change. A call this does not recognise is left as prettyplease printed it.

use std::sync::LazyLock;

/// The path every call of a runtime macro starts with (`::aps_auth_runtime::contract::`).
static CALL: LazyLock<String> = LazyLock::new(crate::emit::contract_prefix);

/// Lines longer than this are broken (prettyplease's own width).
pub(super) const WIDTH: usize = 100;

/// Lays out every runtime macro call that starts a line of `text`.
pub(super) fn layout(text: String) -> String {
    if !text.contains(CALL.as_str()) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(CALL.as_str()) {
        let at_line_start = at == 0 || rest[..at].ends_with('\n');
        out.push_str(&rest[..at]);
        let call = &rest[at..];
        match at_line_start.then(|| lay_out_call(call)).flatten() {
            Some((len, laid_out)) => {
                out.push_str(&laid_out);
                rest = &call[len..];
            }
            None => {
                out.push_str(&CALL);
                rest = &call[CALL.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `call` starts with [`CALL`]: the length of the call up to its `;`, and its new text.
fn lay_out_call(call: &str) -> Option<(usize, String)> {
    let after = &call[CALL.len()..];
    let bang = after.find("!(")?;
    let name = &after[..bang];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let open = CALL.len() + bang + 2;
    let close = open + matching(&call[open..], ')')?;
    if !call[close + 1..].starts_with(';') {
        return None;
    }
    let args = &call[open..close];
    let head = format!("{}{name}!(", *CALL);
    let text = match top_level(args, '{') {
        Some(brace) => {
            let end = brace + 1 + matching(&args[brace + 1..], '}')?;
            if !args[end + 1..].trim().is_empty() {
                return None;
            }
            let header = normalize(&args[..brace]);
            let entries: Vec<String> = split_top_level(&args[brace + 1..end])
                .iter()
                .map(|e| normalize(e))
                .filter(|e| !e.is_empty())
                .collect();
            if entries.is_empty() {
                format!("{head}{header} {{}});")
            } else {
                let mut text = format!("{head}{header} {{\n");
                for entry in entries {
                    text.push_str("    ");
                    text.push_str(&entry);
                    text.push_str(",\n");
                }
                text.push_str("});");
                text
            }
        }
        None => {
            let args = normalize(args);
            let one_line = format!("{head}{args});");
            if one_line.len() <= WIDTH {
                one_line
            } else {
                format!("{head}\n    {args}\n);")
            }
        }
    };
    Some((close + 2, text))
}

/// The byte offset in `text` of the `close` bracket that closes the one just before `text`,
/// skipping string literals and nested brackets.
fn matching(text: &str, close: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => skip_string(&mut chars)?,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return (c == close).then_some(i),
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The offset of the first `wanted` outside brackets and string literals.
fn top_level(text: &str, wanted: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => skip_string(&mut chars)?,
            c if c == wanted && depth == 0 => return Some(i),
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            // `>` closes a generic, except in `=>` and `->`.
            '>' if !text[..i].ends_with(['=', '-']) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// `text` split at its top-level commas.
fn split_top_level(mut text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    while let Some(comma) = top_level(text, ',') {
        parts.push(&text[..comma]);
        text = &text[comma + 1..];
    }
    parts.push(text);
    parts
}

/// Advances past the rest of a string literal whose `"` was just read.
fn skip_string(chars: &mut std::str::CharIndices<'_>) -> Option<()> {
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next()?;
            }
            '"' => return Some(()),
            _ => {}
        }
    }
    None
}

/// One entry on one line: whitespace outside string literals collapsed, and the spaces
/// prettyplease puts inside paths and generics (`crate ::X`, `Vec < T >`, `a : T`) removed.
fn normalize(entry: &str) -> String {
    let mut out = String::with_capacity(entry.len());
    let mut code = String::new();
    let mut chars = entry.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            out.push_str(&tidy(&code));
            code.clear();
            out.push('"');
            while let Some(c) = chars.next() {
                out.push(c);
                if c == '\\' {
                    if let Some(escaped) = chars.next() {
                        out.push(escaped);
                    }
                } else if c == '"' {
                    break;
                }
            }
        } else {
            code.push(c);
        }
    }
    out.push_str(&tidy(&code));
    out.trim().to_owned()
}

/// Spacing of code outside string literals.
fn tidy(code: &str) -> String {
    let collapsed = code.split_whitespace().collect::<Vec<_>>().join(" ");
    // Keep a space at either end that separated this code from a string literal.
    let space_if = |kept: bool| {
        if kept && !collapsed.is_empty() {
            " "
        } else {
            ""
        }
    };
    let lead = space_if(code.starts_with(char::is_whitespace));
    let trail = space_if(code.ends_with(char::is_whitespace));
    let tidied = collapsed
        .replace(" ::", "::")
        .replace(":: ", "::")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" :", ":")
        // A path from the crate root (`::aps_auth_runtime::X`) after `:`, `,` or `=>` keeps the
        // space the rules above took from it.
        .replace(":::", ": ::")
        .replace(",::", ", ::")
        .replace("=>::", "=> ::");
    format!("{lead}{tidied}{trail}")
}

#[cfg(test)]
mod tests {
    use super::layout;

    #[test]
    fn a_path_from_the_crate_root_keeps_its_separating_space() {
        assert_eq!(
            layout(
                "::aps_auth_runtime::contract::setters!(\n    S { with_a(a, \"a\") : ::aps_auth_runtime::SecretString, with_b(b, \"b\") :\n    Vec < ::aps_auth_runtime::OneOrMany < B > > }\n);\n".to_owned()
            ),
            "::aps_auth_runtime::contract::setters!(S {\n    with_a(a, \"a\"): ::aps_auth_runtime::SecretString,\n    with_b(b, \"b\"): Vec<::aps_auth_runtime::OneOrMany<B>>,\n});\n"
        );
    }

    #[test]
    fn entries_go_one_per_line_and_types_read_as_rust() {
        let printed = "struct A;\n::aps_auth_runtime::contract::object!(\n    TokenResponse { optional(access_token, \"access_token\"), required(kind,\n    \"kind\"), rest(extra, \"\") }\n);\nfn f() {}\n";
        assert_eq!(
            layout(printed.to_owned()),
            "struct A;\n::aps_auth_runtime::contract::object!(TokenResponse {\n    optional(access_token, \"access_token\"),\n    required(kind, \"kind\"),\n    rest(extra, \"\"),\n});\nfn f() {}\n"
        );
    }

    #[test]
    fn string_literals_are_left_exactly_as_they_are() {
        // Wire values may hold commas, brackets, quotes, spaces and `::`.
        let printed = "::aps_auth_runtime::contract::open_enum!(\n    Odd { A = \"a, b\", B = \"{ x }\", C = \"q\\\"uote) \", D = \"x  ::  <y >\" }\n);\n";
        assert_eq!(
            layout(printed.to_owned()),
            "::aps_auth_runtime::contract::open_enum!(Odd {\n    A = \"a, b\",\n    B = \"{ x }\",\n    C = \"q\\\"uote) \",\n    D = \"x  ::  <y >\",\n});\n"
        );
    }

    #[test]
    fn a_call_without_entries_or_braces_stays_on_one_line() {
        assert_eq!(
            layout("::aps_auth_runtime::contract::object!(Empty {});\n".to_owned()),
            "::aps_auth_runtime::contract::object!(Empty {});\n"
        );
        assert_eq!(
            layout(
                "::aps_auth_runtime::contract::builder!(\n    ACall => Vec < Option < crate ::B > >, serde_json::Value\n);\n"
                    .to_owned()
            ),
            "::aps_auth_runtime::contract::builder!(ACall => Vec<Option<crate::B>>, serde_json::Value);\n"
        );
        assert_eq!(
            layout(
                "::aps_auth_runtime::contract::one_of!(\n    Pet, tag = \"kind\" { Cat = \"cat\" }\n);\n"
                    .to_owned()
            ),
            "::aps_auth_runtime::contract::one_of!(Pet, tag = \"kind\" {\n    Cat = \"cat\",\n});\n"
        );
    }

    #[test]
    fn a_call_inside_an_expression_is_left_alone() {
        let text = "let x = ::aps_auth_runtime::contract::Pairs::new();\n";
        assert_eq!(layout(text.to_owned()), text);
    }
}
