//! What a changed method signature (or `new()`) and a changed token requirement mean for
//! callers: each argument added, removed, retyped or moved breaks them, as does a token that must
//! carry a scope more.

use super::diff::Change;

/// `token <scheme> (<whose>) scopes [a b]`: whose tokens and which scopes.
fn token_parts(line: &str) -> (&str, Vec<&str>) {
    let whose = line
        .split_once(" (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or("", |(whose, _)| whose);
    let scopes = line
        .rsplit_once(" scopes [")
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .map(|list| list.split_whitespace().collect())
        .unwrap_or_default();
    (whose, scopes)
}

/// Another token for an operation: asking for a scope more (or no longer taking tokens of some
/// grant) breaks every session whose grant lacks it, though code still compiles; asking for
/// less does not.
pub(super) fn token_change(key: &str, old: &str, new: &str) -> Change {
    let (old_whose, old_scopes) = token_parts(old);
    let (new_whose, new_scopes) = token_parts(new);
    let added: Vec<&str> = new_scopes
        .iter()
        .filter(|s| !old_scopes.contains(s))
        .copied()
        .collect();
    let grants = |whose: &str| match whose {
        "app" => (true, false),
        "user" => (false, true),
        _ => (true, true),
    };
    let ((old_app, old_user), (new_app, new_user)) = (grants(old_whose), grants(new_whose));
    let narrowed = (old_app && !new_app) || (old_user && !new_user);
    let mut why = Vec::new();
    if !added.is_empty() {
        why.push(format!(
            "now also requires {} (every session whose grant lacks {} starts failing)",
            added.join(" "),
            if added.len() == 1 { "it" } else { "them" }
        ));
    }
    if narrowed {
        why.push(format!(
            "no longer takes {old_whose} tokens but {new_whose} ones (sources of the others start failing)"
        ));
    }
    let why = if why.is_empty() {
        String::new()
    } else {
        format!("{}; ", why.join("; "))
    };
    Change {
        breaking: !why.is_empty(),
        what: format!("{key}: {why}now `{new}` (was `{old}`)"),
    }
}

/// `fn name(a: A, b: B) -> R`: the arguments (name, type) and what follows `->`.
fn split_signature(line: &str) -> Option<(Vec<(&str, &str)>, &str)> {
    let open = line.find('(')?;
    let mut depth = 0usize;
    let mut close = None;
    for (i, c) in line.char_indices().skip(open) {
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
    let inner = &line[open + 1..close];
    let returns = line[close + 1..].trim().strip_prefix("->")?.trim();
    let mut args = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                args.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !inner.trim().is_empty() {
        args.push(&inner[start..]);
    }
    let args = args
        .into_iter()
        .map(|a| a.trim().split_once(": ").map(|(n, t)| (n.trim(), t.trim())))
        .collect::<Option<Vec<_>>>()?;
    Some((args, returns))
}

/// The changes of a method's (or `new`'s) signature: each one breaks callers.
pub(super) fn signature_changes(key: &str, old: &str, new: &str, changes: &mut Vec<Change>) {
    let mut push = |what: String| {
        changes.push(Change {
            breaking: true,
            what: format!("{key}: {what}"),
        })
    };
    let (Some((old_args, old_ret)), Some((new_args, new_ret))) =
        (split_signature(old), split_signature(new))
    else {
        push(format!("now `{new}` (was `{old}`)"));
        return;
    };
    for (name, t) in &new_args {
        match old_args.iter().find(|(n, _)| n == name) {
            None => push(format!("new required param {name}: {t}")),
            Some((_, was)) if was != t => push(format!("param {name}: now {t} (was {was})")),
            Some(_) => {}
        }
    }
    for (name, t) in &old_args {
        if !new_args.iter().any(|(n, _)| n == name) {
            push(format!("removed required param {name}: {t}"));
        }
    }
    let names = |args: &[(&str, &str)], other: &[(&str, &str)]| -> Vec<String> {
        args.iter()
            .filter(|(n, _)| other.iter().any(|(m, _)| m == n))
            .map(|(n, _)| (*n).to_owned())
            .collect()
    };
    if names(&old_args, &new_args) != names(&new_args, &old_args) {
        push(format!(
            "required params reordered: ({})",
            new_args
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if old_ret != new_ret {
        push(format!("returns {new_ret} (was {old_ret})"));
    }
}
