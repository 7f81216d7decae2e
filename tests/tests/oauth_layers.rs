//! The OAuth layer (`aps-auth-generated/src/oauth/`) has one direction: its files form a graph
//! without cycles. Every `.rs` file under the directory (submodules included) is a node; an edge
//! is a `super::x` or `crate::oauth::x` path in its code (comments and its `#[cfg(test)]` module
//! left out), resolved to the file that defines `x` (through the re-exports of `mod.rs` when `x`
//! is an item rather than a module). The facade `mod.rs`, which declares and re-exports, is not
//! a node.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module's path below `oauth` (`["client"]`, `["oidc", "keys"]`; `[]` is `mod.rs`).
type Module = Vec<String>;

/// The module a file defines, from its path relative to the layer's directory.
fn module_of(relative: &Path) -> Module {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().unwrap_or_default();
    if file != "mod.rs" {
        parts.push(file.trim_end_matches(".rs").to_owned());
    }
    parts
}

/// The text without `//` comments and without its `#[cfg(test)] mod ... { ... }` modules.
fn code_of(text: &str) -> String {
    let mut code: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    while let Some(at) = code.find("#[cfg(test)]") {
        let rest = &code[at..];
        let Some(open) = rest.find('{') else { break };
        let is_module = rest[..open].contains("mod ");
        if !is_module {
            code.replace_range(at..at + "#[cfg(test)]".len(), "");
            continue;
        }
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        code.replace_range(at..at + end, "");
    }
    code
}

/// The identifiers a path names right after `prefix` (one, or each item of a `{...}` group),
/// with what follows each (`client::OAuthClient` -> `["client", "OAuthClient"]`).
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        // `super::` inside a longer path (`a::super::`) does not occur; skip `xsuper::`.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let close = group.find('}').unwrap_or(group.len());
            for item in group[..close].split(',') {
                let item = item.trim();
                if !item.is_empty() {
                    out.push(segments(item));
                }
            }
        } else {
            out.push(segments(rest));
        }
    }
    out
}

/// The leading `a::b::c` identifiers of a path.
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    loop {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        out.push(rest[..len].to_owned());
        match rest[len..].strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// The modules that `pub use` each item name in each `mod.rs` (`OAuthClient` -> `client`).
fn reexports(files: &BTreeMap<Module, String>) -> BTreeMap<(Module, String), Module> {
    let mut out = BTreeMap::new();
    for (module, text) in files {
        let code = code_of(text);
        for statement in code.split(';') {
            let statement = statement.trim();
            let Some(used) = statement
                .strip_prefix("pub use ")
                .or_else(|| statement.strip_prefix("pub(crate) use "))
            else {
                continue;
            };
            let used = used.trim();
            let Some((from, items)) = used.split_once("::") else {
                continue;
            };
            let mut source = module.clone();
            source.push(from.to_owned());
            let items = items.trim().trim_start_matches('{').trim_end_matches('}');
            for item in items.split(',') {
                let name = item.trim().rsplit("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    out.insert((module.clone(), name.to_owned()), source.clone());
                }
            }
        }
    }
    out
}

/// The module graph of the files (module -> the modules it uses), `mod.rs` files left out.
fn graph(
    files: &BTreeMap<Module, String>,
    facades: &BTreeSet<Module>,
) -> BTreeMap<Module, BTreeSet<Module>> {
    let exported = reexports(files);
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text) in files {
        if facades.contains(module) {
            continue;
        }
        let code = code_of(text);
        let parent: Module = module[..module.len() - 1].to_vec();
        let mut used = Vec::new();
        for path in paths_after(&code, "super::") {
            used.push((parent.clone(), path));
        }
        for path in paths_after(&code, "crate::oauth::") {
            used.push((Vec::new(), path));
        }
        let targets = edges.entry(module.clone()).or_default();
        for (mut base, path) in used {
            let mut path = path.into_iter().peekable();
            // `super::super::x`
            while path.peek().is_some_and(|s| s == "super") {
                path.next();
                base.pop();
            }
            let mut target = base.clone();
            for segment in path {
                let mut deeper = target.clone();
                deeper.push(segment.clone());
                if files.contains_key(&deeper) {
                    target = deeper;
                    continue;
                }
                if let Some(source) = exported.get(&(target.clone(), segment)) {
                    target = source.clone();
                }
                break;
            }
            if &target != module && !facades.contains(&target) {
                targets.insert(target);
            }
        }
    }
    edges
}

/// A cycle of the graph, if it has one (as the modules along it).
fn cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        marks: &mut BTreeMap<Module, Mark>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = stack.iter().position(|m| m == node).unwrap_or(0);
                let mut found = stack[from..].to_vec();
                found.push(node.clone());
                return Some(found);
            }
            None => {}
        }
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, marks, stack) {
                return Some(found);
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in edges.keys() {
        if let Some(found) = visit(node, edges, &mut marks, &mut Vec::new()) {
            return Some(found);
        }
    }
    None
}

fn read_tree(
    root: &Path,
    dir: &Path,
    out: &mut BTreeMap<Module, String>,
    facades: &mut BTreeSet<Module>,
) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("the OAuth layer's directory")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(root, &path, out, facades);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).expect("below the root");
            let module = module_of(relative);
            if path.file_name().is_some_and(|n| n == "mod.rs") {
                facades.insert(module.clone());
            }
            out.insert(module, std::fs::read_to_string(&path).expect("readable"));
        }
    }
}

fn show(path: &[Module]) -> String {
    path.iter()
        .map(|m| m.join("::"))
        .collect::<Vec<_>>()
        .join(" -> ")
}

#[test]
fn the_oauth_layer_has_no_cycle_among_its_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../aps-auth-generated/src/oauth");
    let (mut files, mut facades) = (BTreeMap::new(), BTreeSet::new());
    read_tree(&root, &root, &mut files, &mut facades);
    let edges = graph(&files, &facades);
    // Every file but the facades is in the graph, and the layer does use itself.
    assert_eq!(edges.len(), files.len() - facades.len());
    assert!(edges.len() >= 20, "{:?}", edges.keys());
    let client = vec!["client".to_owned()];
    assert!(
        edges[&vec!["oidc".to_owned()]].contains(&client),
        "the graph sees `use super::client::OAuthClient`: {edges:#?}"
    );
    if let Some(found) = cycle(&edges) {
        panic!("the OAuth layer has a cycle: {}", show(&found));
    }
}

#[test]
fn a_cycle_through_a_group_a_reexport_or_a_submodule_is_found() {
    let file = |m: &[&str], text: &str| {
        (
            m.iter().map(|s| (*s).to_owned()).collect::<Module>(),
            text.to_owned(),
        )
    };
    let files: BTreeMap<Module, String> = [
        file(&[], "mod a; mod b; mod c; pub use a::Thing;"),
        file(
            &["a"],
            "use super::{b::B, c::d::D};\n// use super::nothing;\npub struct Thing;",
        ),
        file(&["b"], "pub struct B;"),
        file(&["c"], "mod d;"),
        file(&["c", "d"], "fn f() -> crate::oauth::Thing { todo() }"),
    ]
    .into_iter()
    .collect();
    let facades: BTreeSet<Module> = [Vec::new()].into_iter().collect();
    let edges = graph(&files, &facades);
    let found = cycle(&edges).expect("a -> c::d -> a is a cycle");
    assert!(show(&found).contains("c::d"), "{}", show(&found));
    // Without the re-exported item's use, no cycle.
    let mut files = files;
    files.insert(vec!["c".into(), "d".into()], "fn f() {}".into());
    files.insert(vec!["c".into()], "use super::b::B;".into());
    assert_eq!(cycle(&graph(&files, &facades)), None);
    // A test module may use anything.
    files.insert(
        vec!["b".into()],
        "pub struct B;\n#[cfg(test)]\nmod tests {\n    use super::super::a::Thing;\n    fn x() { let _ = \"{}\"; }\n}\n".into(),
    );
    assert_eq!(cycle(&graph(&files, &facades)), None);
}
