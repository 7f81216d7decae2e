//! Descriptions from the document -> rustdoc text that renders as written and passes
//! `cargo doc` with warnings denied: no doctests from code blocks, no broken intra-doc links from
//! `[brackets]`, no unclosed HTML tags from `<words>`, no bare URLs.

/// Turns a description into rustdoc markdown.
pub fn sanitize(text: &str) -> String {
    let text = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', "    ");
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.trim().lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            // Every fence is plain text: rustdoc would compile an unmarked block as a doctest.
            out.push(if in_fence {
                "```".to_owned()
            } else {
                "```text".to_owned()
            });
            in_fence = !in_fence;
        } else if in_fence {
            out.push(line.trim_end().to_owned());
        } else {
            // Leading indentation would make an (untested-as-Rust-only-if-marked) code block.
            out.push(escape_inline(trimmed.trim_end()));
        }
    }
    if in_fence {
        out.push("```".into());
    }
    out.join("\n")
}

/// Escapes one line of prose, leaving inline code spans alone.
fn escape_inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '`' => {
                // Copy a code span verbatim when it is closed on this line.
                if let Some(end) = chars[i + 1..].iter().position(|&d| d == '`') {
                    out.extend(&chars[i..=i + 1 + end]);
                    i += end + 2;
                    continue;
                }
                out.push_str("\\`");
            }
            '[' => {
                if let Some(len) = markdown_link_len(&chars[i..]) {
                    let link: String = chars[i..i + len].iter().collect();
                    out.push_str(&link);
                    i += len;
                    continue;
                }
                out.push_str("\\[");
            }
            ']' => out.push_str("\\]"),
            '<' => {
                if let Some(len) = autolink_len(&chars[i..]) {
                    out.extend(&chars[i..i + len]);
                    i += len;
                    continue;
                }
                out.push_str("&lt;");
            }
            '>' => out.push_str("&gt;"),
            'h' if starts_with(&chars[i..], "http://") || starts_with(&chars[i..], "https://") => {
                let mut end = i;
                while end < chars.len()
                    && !chars[end].is_whitespace()
                    && !"<>\"'`".contains(chars[end])
                {
                    end += 1;
                }
                while end > i && ".,;:!?)]".contains(chars[end - 1]) {
                    end -= 1;
                }
                out.push('<');
                out.extend(&chars[i..end]);
                out.push('>');
                i = end;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn starts_with(chars: &[char], prefix: &str) -> bool {
    chars.len() >= prefix.len() && chars.iter().zip(prefix.chars()).all(|(a, b)| *a == b)
}

/// Length of `[text](http...)` at the start of `chars`, if it is one.
fn markdown_link_len(chars: &[char]) -> Option<usize> {
    let close = chars.iter().position(|&c| c == ']')?;
    if chars.get(close + 1) != Some(&'(') || chars[1..close].contains(&'[') {
        return None;
    }
    let end = chars[close..].iter().position(|&c| c == ')')? + close;
    let target: String = chars[close + 2..end].iter().collect();
    (target.starts_with("http://") || target.starts_with("https://")).then_some(end + 1)
}

/// Length of `<http...>` at the start of `chars`, if it is one.
fn autolink_len(chars: &[char]) -> Option<usize> {
    if !(starts_with(&chars[1..], "http://") || starts_with(&chars[1..], "https://")) {
        return None;
    }
    let end = chars.iter().position(|&c| c == '>' || c.is_whitespace())?;
    (chars[end] == '>').then_some(end + 1)
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn prose_is_made_safe_for_rustdoc() {
        assert_eq!(
            sanitize("See https://aps.autodesk.com."),
            "See <https://aps.autodesk.com>."
        );
        assert_eq!(
            sanitize("a [b] <c> `[x] <y>`"),
            "a \\[b\\] &lt;c&gt; `[x] <y>`"
        );
        assert_eq!(
            sanitize("[docs](https://x.y/z) and <https://a.b>"),
            "[docs](https://x.y/z) and <https://a.b>"
        );
        assert_eq!(
            sanitize("    indented\n```\nlet x;\n```"),
            "indented\n```text\nlet x;\n```"
        );
        assert_eq!(sanitize("```json\n{}"), "```text\n{}\n```");
    }
}
