//! Top-level calls of the runtime's macros (`::aps_auth_runtime::contract::object!(...);`,
//! `setters!`, `open_enum!`, ...) printed straight from their tokens, in the layout
//! `macro_calls.rs` gives them, without the `syn` parse and `prettyplease` print the rest of a
//! file goes through. They are the large, regular part of the output (an entry per field, per
//! setter, per value), and a macro's arguments are only tokens to `syn` and `prettyplease`
//! anyway.
//!
//! [`split`] cuts a file's tokens at its top-level calls; [`call_text`] prints one, or says it
//! cannot (a token it has no rule for), and the call then goes the `syn` way. A test checks, on
//! every fixture and committed document, that the result is byte-for-byte the `syn` way's.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

use super::macro_calls::WIDTH;

/// A run of a file's tokens: ordinary items, or one runtime macro call already printed.
pub(super) enum Segment {
    /// Items for `syn` and `prettyplease`.
    Items(TokenStream),
    /// A call's text, without its final newline.
    Call(String),
}

/// `tokens` cut at the top-level runtime macro calls [`call_text`] can print.
pub(super) fn split(tokens: TokenStream) -> Vec<Segment> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut segments = Vec::new();
    let mut items: Vec<TokenTree> = Vec::new();
    let mut i = 0;
    while i < trees.len() {
        let call = (starts_item(&items) && is_path_start(&trees[i..]))
            .then(|| call_at(&trees[i..]))
            .flatten();
        match call {
            Some((len, text)) => {
                if !items.is_empty() {
                    segments.push(Segment::Items(items.drain(..).collect()));
                }
                segments.push(Segment::Call(text));
                i += len;
            }
            None => {
                items.push(trees[i].clone());
                i += 1;
            }
        }
    }
    if !items.is_empty() {
        segments.push(Segment::Items(items.into_iter().collect()));
    }
    segments
}

/// Whether an item may start after `items`: not after an outer attribute (`#[...]`), which
/// belongs to what follows it.
fn starts_item(items: &[TokenTree]) -> bool {
    match items {
        [.., TokenTree::Punct(p), TokenTree::Group(g)] => {
            !(p.as_char() == '#' && g.delimiter() == Delimiter::Bracket)
        }
        _ => true,
    }
}

fn is_path_start(trees: &[TokenTree]) -> bool {
    matches!(trees.first(), Some(TokenTree::Punct(p)) if p.as_char() == ':')
}

/// `::aps_auth_runtime::contract::NAME!(ARGS);` at the start of `trees`: how many trees it
/// spans and its text.
fn call_at(trees: &[TokenTree]) -> Option<(usize, String)> {
    let words = [crate::emit::RUNTIME_CRATE, "contract"];
    let mut i = 0;
    for word in words {
        path_sep(trees, i)?;
        i += 2;
        match trees.get(i)? {
            TokenTree::Ident(id) if id == word => i += 1,
            _ => return None,
        }
    }
    path_sep(trees, i)?;
    i += 2;
    let name = match trees.get(i)? {
        TokenTree::Ident(id) => id.to_string(),
        _ => return None,
    };
    let bang = matches!(trees.get(i + 1)?, TokenTree::Punct(p) if p.as_char() == '!');
    let args = match trees.get(i + 2)? {
        TokenTree::Group(g) if bang && g.delimiter() == Delimiter::Parenthesis => g.stream(),
        _ => return None,
    };
    match trees.get(i + 3)? {
        TokenTree::Punct(p) if p.as_char() == ';' => {}
        _ => return None,
    }
    Some((i + 4, call_text(&name, args)?))
}

/// `::` at `trees[i..]`.
fn path_sep(trees: &[TokenTree], i: usize) -> Option<()> {
    match (trees.get(i)?, trees.get(i + 1)?) {
        (TokenTree::Punct(a), TokenTree::Punct(b))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':' =>
        {
            Some(())
        }
        _ => None,
    }
}

/// A call of the runtime macro `name` with `args`, laid out as `macro_calls.rs` lays it out:
/// `NAME!(HEADER {` + one entry per line + `});`, or on one line when it has no braces.
pub(super) fn call_text(name: &str, args: TokenStream) -> Option<String> {
    let head = format!("{}{name}!(", crate::emit::contract_prefix());
    let trees: Vec<TokenTree> = args.into_iter().collect();
    let brace = trees
        .iter()
        .position(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace));
    let Some(brace) = brace else {
        let args = print(&trees)?;
        let one_line = format!("{head}{args});");
        return Some(if one_line.len() <= WIDTH {
            one_line
        } else {
            format!("{head}\n    {args}\n);")
        });
    };
    if brace + 1 != trees.len() {
        return None;
    }
    let TokenTree::Group(body) = &trees[brace] else {
        return None;
    };
    let header = print(&trees[..brace])?;
    let body: Vec<TokenTree> = body.stream().into_iter().collect();
    let mut entries = Vec::new();
    for entry in split_entries(&body) {
        if !entry.is_empty() {
            entries.push(print(entry)?);
        }
    }
    if entries.is_empty() {
        return Some(format!("{head}{header} {{}});"));
    }
    let mut text = format!("{head}{header} {{\n");
    for entry in entries {
        text.push_str("    ");
        text.push_str(&entry);
        text.push_str(",\n");
    }
    text.push_str("});");
    Some(text)
}

/// `trees` split at its commas outside generics (`a: Map<K, V>, b` is two entries).
fn split_entries(trees: &[TokenTree]) -> Vec<&[TokenTree]> {
    let mut entries = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, tree) in trees.iter().enumerate() {
        let TokenTree::Punct(p) = tree else { continue };
        let after_joint = i > 0
            && matches!(&trees[i - 1], TokenTree::Punct(q) if q.spacing() == Spacing::Joint && matches!(q.as_char(), '=' | '-'));
        match p.as_char() {
            '<' => depth += 1,
            '>' if !after_joint => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                entries.push(&trees[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    entries.push(&trees[start..]);
    entries
}

/// What the last printed token was, for the space before the next one.
#[derive(Clone, Copy, PartialEq)]
enum Last {
    Start,
    Word,
    Comma,
    Colon,
    PathSep,
    Angle,
    Close,
    Eq,
    Arrow,
    Hash,
    Open,
}

/// Tokens on one line, spaced as Rust is written (`a: Vec<::x::Y>`, `#[deprecated] b`,
/// `K = "v"`, `A => B`, `p = ["a", "b"]`); `None` for a token this has no rule for.
fn print(trees: &[TokenTree]) -> Option<String> {
    let mut out = String::new();
    print_into(trees, &mut out, Last::Start)?;
    Some(out)
}

fn print_into(trees: &[TokenTree], out: &mut String, mut last: Last) -> Option<Last> {
    let mut i = 0;
    while i < trees.len() {
        match &trees[i] {
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if matches!(
                    last,
                    Last::Word | Last::Comma | Last::Colon | Last::Eq | Last::Arrow | Last::Close
                ) || (last == Last::Angle && out.ends_with('>'))
                {
                    out.push(' ');
                }
                out.push_str(&trees[i].to_string());
                last = Last::Word;
            }
            TokenTree::Punct(p) => {
                let next = match trees.get(i + 1) {
                    Some(TokenTree::Punct(n)) if p.spacing() == Spacing::Joint => Some(n.as_char()),
                    _ => None,
                };
                match (p.as_char(), next) {
                    (':', Some(':')) => {
                        if matches!(last, Last::Comma | Last::Colon | Last::Arrow) {
                            out.push(' ');
                        }
                        out.push_str("::");
                        last = Last::PathSep;
                        i += 1;
                    }
                    ('=', Some('>')) => {
                        out.push_str(" =>");
                        last = Last::Arrow;
                        i += 1;
                    }
                    (':', None) => {
                        out.push(':');
                        last = Last::Colon;
                    }
                    (',', None) => {
                        out.push(',');
                        last = Last::Comma;
                    }
                    ('<' | '>', None) => {
                        out.push(p.as_char());
                        last = Last::Angle;
                    }
                    ('=', None) => {
                        out.push_str(" =");
                        last = Last::Eq;
                    }
                    ('#', None) => {
                        if last != Last::Start {
                            out.push(' ');
                        }
                        out.push('#');
                        last = Last::Hash;
                    }
                    _ => return None,
                }
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ('(', ')'),
                    Delimiter::Bracket => ('[', ']'),
                    _ => return None,
                };
                if matches!(last, Last::Comma | Last::Colon | Last::Eq | Last::Arrow) {
                    out.push(' ');
                }
                out.push(open);
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                print_into(&inner, out, Last::Open)?;
                out.push(close);
                last = Last::Close;
            }
        }
        i += 1;
    }
    Some(last)
}
