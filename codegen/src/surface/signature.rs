//! What a changed method signature (or `new()`) and a changed token requirement mean for
//! callers: each argument added, removed, retyped or moved breaks them, as does a token that must
//! carry a scope more.

use super::diff::Change;
use super::item::{Arg, Entry};

/// Whose tokens and which scopes a `token` entry asks for.
fn token_parts(entry: &Entry) -> (&str, &[String]) {
    match entry {
        Entry::Token { whose, scopes, .. } => (whose, scopes),
        _ => ("", &[]),
    }
}

/// Another token for an operation: asking for a scope more (or no longer taking tokens of some
/// grant) breaks every session whose grant lacks it, though code still compiles; asking for
/// less does not.
pub(super) fn token_change(key: &str, old: &Entry, new: &Entry) -> Change {
    let (old_whose, old_scopes) = token_parts(old);
    let (new_whose, new_scopes) = token_parts(new);
    let added: Vec<&str> = new_scopes
        .iter()
        .filter(|s| !old_scopes.contains(s))
        .map(String::as_str)
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

/// The changes of a method's (or `new`'s) signature: each one breaks callers.
pub(super) fn signature_changes(
    key: &str,
    (old_args, old_ret): (&[Arg], &str),
    (new_args, new_ret): (&[Arg], &str),
    changes: &mut Vec<Change>,
) {
    let mut push = |what: String| {
        changes.push(Change {
            breaking: true,
            what: format!("{key}: {what}"),
        })
    };
    for Arg { name, ty } in new_args {
        match old_args.iter().find(|a| a.name == *name) {
            None => push(format!("new required param {name}: {ty}")),
            Some(was) if was.ty != *ty => push(format!("param {name}: now {ty} (was {})", was.ty)),
            Some(_) => {}
        }
    }
    for Arg { name, ty } in old_args {
        if !new_args.iter().any(|a| a.name == *name) {
            push(format!("removed required param {name}: {ty}"));
        }
    }
    let names = |args: &[Arg], other: &[Arg]| -> Vec<String> {
        args.iter()
            .filter(|a| other.iter().any(|b| b.name == a.name))
            .map(|a| a.name.clone())
            .collect()
    };
    if names(old_args, new_args) != names(new_args, old_args) {
        push(format!(
            "required params reordered: ({})",
            new_args
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if old_ret != new_ret {
        push(format!("returns {new_ret} (was {old_ret})"));
    }
}
