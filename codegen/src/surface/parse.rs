//! Reading a surface's text back into typed [`Item`]s (a committed snapshot is text): the
//! inverse of their `Display`. A line this version does not read is kept as
//! [`Entry::Other`], compared as text.

use super::item::{Arg, Entry, Item, Line, name_at_start};
use super::{BASIC, DEPRECATED, PAGES, RELAXED, TAG, WIRE};

impl Item {
    /// A surface's text read back: items in order, each with its members.
    pub fn parse_all(text: &str) -> Vec<Item> {
        let mut items: Vec<Item> = Vec::new();
        for raw in text.lines() {
            if raw.trim().is_empty() {
                continue;
            }
            match (raw.strip_prefix("  "), items.last_mut()) {
                (Some(member), Some(item)) => item.members.push(Line::parse(member.trim_start())),
                _ => items.push(Item {
                    line: Line::parse(raw.trim()),
                    members: Vec::new(),
                }),
            }
        }
        items
    }
}

impl Line {
    /// Reads one line (without its indentation).
    fn parse(text: &str) -> Line {
        match text.strip_prefix(DEPRECATED) {
            Some(rest) => Line {
                deprecated: true,
                entry: Entry::parse(rest),
            },
            None => Line::plain(Entry::parse(text)),
        }
    }
}

impl Entry {
    /// Reads one line (without its indentation and deprecation marker).
    pub(super) fn parse(text: &str) -> Entry {
        parse_entry(text).unwrap_or_else(|| Entry::Other(text.to_owned()))
    }
}

/// `text` split at ` = ` into what Rust sees and the wire part.
fn wire_of(text: &str) -> (&str, Option<String>) {
    match text.split_once(WIRE) {
        Some((rust, wire)) => (rust, Some(wire.to_owned())),
        None => (text, None),
    }
}

fn parse_entry(text: &str) -> Option<Entry> {
    if let Some(rest) = text.strip_prefix(RELAXED) {
        return Some(Entry::Relaxed(rest.to_owned()));
    }
    if let Some(rest) = text.strip_prefix("fn ") {
        let name = name_at_start(rest);
        let (args, returns) = split_signature(&rest[name.len()..])?;
        return Some(match (name, returns) {
            ("new", None) => Entry::New(args),
            (_, Some(returns)) => Entry::Fn {
                name: name.to_owned(),
                args,
                returns: returns.to_owned(),
            },
            _ => return None,
        });
    }
    if let Some(rest) = text.strip_prefix("struct ") {
        let name = name_at_start(rest);
        let inner = rest[name.len()..]
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'));
        return Some(Entry::Struct {
            name: name.to_owned(),
            inner: inner.map(str::to_owned),
        });
    }
    if let Some(rest) = text.strip_prefix("enum ") {
        let (name, tag) = match rest.split_once(TAG) {
            Some((name, tag)) => (name, Some(tag.to_owned())),
            None => (rest, None),
        };
        return Some(Entry::Enum {
            name: name.to_owned(),
            tag,
        });
    }
    if let Some(rest) = text.strip_prefix("type ") {
        let (name, target) = rest.split_once(" = ")?;
        return Some(Entry::Alias {
            name: name.to_owned(),
            target: target.to_owned(),
        });
    }
    for (prefix, field, required) in [
        ("required field ", true, true),
        ("optional field ", true, false),
        ("required param ", false, true),
        ("optional param ", false, false),
    ] {
        let Some(rest) = text.strip_prefix(prefix) else {
            continue;
        };
        let (rust, wire) = wire_of(rest);
        let (name, ty) = rust.split_once(": ")?;
        let (name, ty) = (name.to_owned(), ty.to_owned());
        return Some(match field {
            true => Entry::Field {
                required,
                name,
                ty,
                wire,
            },
            false => Entry::Param {
                required,
                name,
                ty,
                wire,
            },
        });
    }
    if let Some(rest) = text.strip_prefix("variant ") {
        let (rust, wire) = wire_of(rest);
        let name = name_at_start(rust);
        let payload = rust[name.len()..]
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'));
        return Some(Entry::Variant {
            name: name.to_owned(),
            payload: payload.map(str::to_owned),
            wire,
        });
    }
    if let Some(rest) = text.strip_prefix("token ") {
        let (scheme, rest) = rest.split_once(" (")?;
        let (whose, rest) = rest.split_once(')')?;
        let scopes = rest.strip_prefix(" scopes [")?.strip_suffix(']')?;
        return Some(Entry::Token {
            scheme: scheme.to_owned(),
            whose: whose.to_owned(),
            scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        });
    }
    if let Some(rest) = text.strip_prefix(PAGES) {
        let (rest, items) = match rest.split_once(" items=") {
            Some((next, items)) => {
                let (pointer, ty) = items.split_once(" (")?;
                let ty = ty.strip_suffix(')')?;
                (next, Some((pointer.to_owned(), ty.to_owned())))
            }
            None => (rest, None),
        };
        let (next, param) = match rest.split_once(" param=") {
            Some((next, param)) => (next, Some(param.to_owned())),
            None => (rest, None),
        };
        return Some(Entry::Pages {
            next: next.to_owned(),
            param,
            items,
        });
    }
    if let Some(rest) = text.strip_prefix(BASIC) {
        let (scheme, need) = rest.rsplit_once(" (")?;
        return Some(Entry::Basic {
            scheme: scheme.to_owned(),
            required: need == "required)",
        });
    }
    None
}

/// `(a: A, b: B) -> R` (or `(a: A)` for `new`): the arguments and what follows `->`.
fn split_signature(text: &str) -> Option<(Vec<Arg>, Option<&str>)> {
    let inner_start = text.strip_prefix('(')?;
    let mut depth = 1usize;
    let mut close = None;
    for (i, c) in inner_start.char_indices() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 && c == ')' {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let inner = &inner_start[..close];
    let after = inner_start[close + 1..].trim();
    let returns = match after {
        "" => None,
        _ => Some(after.strip_prefix("->")?.trim()),
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !inner.trim().is_empty() {
        parts.push(&inner[start..]);
    }
    let args = parts
        .into_iter()
        .map(|a| {
            let (name, ty) = a.trim().split_once(": ")?;
            Some(Arg {
                name: name.trim().to_owned(),
                ty: ty.trim().to_owned(),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some((args, returns))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{DOC, api};
    use super::super::{items, surface};
    use super::*;

    #[test]
    fn a_surface_read_back_is_the_items_it_was_written_from() {
        let api = api(DOC);
        assert_eq!(Item::parse_all(&surface(&api)), items(&api));
    }

    #[test]
    fn lines_are_read_into_their_parts() {
        let items = Item::parse_all(
            "#[deprecated] fn get(id: String, tags: Vec<(i64, String)>) -> Item, errors E\n  token 3-legged (user) scopes [data:read data:write]\n  basic b (required)\n  optional param q: String = query \"q\" (joined ',')\nenum Pet tag \"kind\"\n  variant Cat(Box<Cat>) = \"cat\"\nwhat is this\n",
        );
        let get = &items[0];
        assert!(get.line.deprecated);
        let arg = |name: &str, ty: &str| Arg {
            name: name.into(),
            ty: ty.into(),
        };
        assert_eq!(
            get.line.entry,
            Entry::Fn {
                name: "get".into(),
                args: vec![arg("id", "String"), arg("tags", "Vec<(i64, String)>")],
                returns: "Item, errors E".into(),
            }
        );
        assert_eq!(
            get.members[0].entry,
            Entry::Token {
                scheme: "3-legged".into(),
                whose: "user".into(),
                scopes: vec!["data:read".into(), "data:write".into()],
            }
        );
        assert_eq!(
            get.members[1].entry,
            Entry::Basic {
                scheme: "b".into(),
                required: true
            }
        );
        assert_eq!(
            get.members[2].entry,
            Entry::Param {
                required: false,
                name: "q".into(),
                ty: "String".into(),
                wire: Some("query \"q\" (joined ',')".into()),
            }
        );
        assert_eq!(
            items[1].line.entry,
            Entry::Enum {
                name: "Pet".into(),
                tag: Some("\"kind\"".into())
            }
        );
        assert_eq!(
            items[1].members[0].entry,
            Entry::Variant {
                name: "Cat".into(),
                payload: Some("Box<Cat>".into()),
                wire: Some("\"cat\"".into()),
            }
        );
        assert_eq!(items[2].line.entry, Entry::Other("what is this".into()));
        assert_eq!(items[2].line.entry.key(), "what is");
    }
}
