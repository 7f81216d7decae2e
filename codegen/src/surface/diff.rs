//! What changed between two surfaces (texts, so an old one can be read back from a file): both
//! are read as typed [`Item`]s, each item and member of one is matched with the other's by its
//! key, and each change is classified as breaking callers or not.

use std::fmt;

use super::item::{Entry, Item, Line};
use super::signature::{signature_changes, token_change};

/// One change between two surfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Whether code that compiled against the old surface may not compile against the new one.
    pub breaking: bool,
    /// What changed, in Rust terms (`enum Scope: removed variant DataRead = "data:read"`).
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.breaking {
            "BREAKING"
        } else {
            "        "
        };
        write!(f, "{mark}  {}", self.what)
    }
}

/// What changed from the `old` surface to the `new` one, breaking changes first (each group in
/// the new surface's order, then what was removed).
pub fn diff(old: &str, new: &str) -> Vec<Change> {
    diff_items(&Item::parse_all(old), &Item::parse_all(new))
}

/// [`diff`] of surfaces already read.
pub fn diff_items(old: &[Item], new: &[Item]) -> Vec<Change> {
    let mut changes = Vec::new();
    let find = |items: &[Item], key: &str| items.iter().position(|i| i.line.entry.key() == key);
    for item in new {
        match (find(old, &item.line.entry.key()), &item.line.entry) {
            (None, Entry::Relaxed(what)) => changes.push(Change {
                breaking: false,
                what: format!("relaxed for the document's own example: {what}"),
            }),
            (None, _) => changes.push(Change {
                breaking: false,
                what: format!("added {}", item.line.entry),
            }),
            // The same relaxation for another example: nothing changes for callers.
            (Some(_), Entry::Relaxed(_)) => {}
            (Some(i), _) => compare_items(&old[i], item, &mut changes),
        }
    }
    for item in old {
        if find(new, &item.line.entry.key()).is_some() {
            continue;
        }
        match &item.line.entry {
            // The type checks again what it declares: answers it accepted may now fail to
            // decode, though code still compiles.
            Entry::Relaxed(what) => changes.push(Change {
                breaking: true,
                what: format!(
                    "strict again (the document's examples no longer contradict it; answers the relaxed type accepted may fail to decode): {}",
                    what.split(" (").next().unwrap_or(what)
                ),
            }),
            entry => changes.push(Change {
                breaking: true,
                what: format!("removed {entry}"),
            }),
        }
    }
    changes.sort_by_key(|c| !c.breaking);
    changes
}

fn compare_items(old: &Item, new: &Item, changes: &mut Vec<Change>) {
    let key = new.line.entry.key();
    match (&old.line.entry, &new.line.entry) {
        (a, b) if a == b => {}
        (
            Entry::Fn {
                args: old_args,
                returns: old_returns,
                ..
            },
            Entry::Fn { args, returns, .. },
        ) => signature_changes(&key, (old_args, old_returns), (args, returns), changes),
        // A union told apart by another property, or no longer (or newly) by one.
        (Entry::Enum { tag: old_tag, .. }, Entry::Enum { tag, .. }) => {
            changes.push(wire_change(
                &key,
                "tag",
                tag.as_deref().unwrap_or("none (untagged)"),
                old_tag.as_deref().unwrap_or("none (untagged)"),
            ));
        }
        (was, now) => changes.push(Change {
            breaking: true,
            what: format!("{key}: now `{now}` (was `{was}`)"),
        }),
    }
    deprecation(&key, &old.line, &new.line, changes);
    for member in &new.members {
        let member_key = member.entry.key();
        match old.members.iter().find(|m| m.entry.key() == member_key) {
            // A required parameter is an argument of the method: the signature says it.
            None if matches!(member.entry, Entry::Param { required: true, .. }) => {}
            // Calls without credentials now fail before sending.
            None if matches!(member.entry, Entry::Basic { required: true, .. }) => {
                changes.push(Change {
                    breaking: true,
                    what: format!(
                        "{key}: now requires HTTP Basic client credentials (calls without them fail before sending): added {}",
                        member.entry
                    ),
                })
            }
            None => changes.push(Change {
                // A required field is a new argument of `new`.
                breaking: member.entry.is_required(),
                what: format!(
                    "{key}: {} {}",
                    if member.entry.is_required() {
                        "new"
                    } else {
                        "added"
                    },
                    member.entry
                ),
            }),
            Some(was) => {
                if was.entry != member.entry {
                    compare_member(&key, &member_key, &was.entry, &member.entry, changes);
                }
                deprecation(&format!("{key}: {member_key}"), was, member, changes);
            }
        }
    }
    for member in &old.members {
        if matches!(member.entry, Entry::Param { required: true, .. }) {
            continue; // the signature says it
        }
        if !new
            .members
            .iter()
            .any(|m| m.entry.key() == member.entry.key())
        {
            changes.push(Change {
                // Credentials the operation no longer asks for: calls still work.
                breaking: !matches!(member.entry, Entry::Token { .. } | Entry::Basic { .. }),
                what: format!("{key}: removed {}", member.entry),
            });
        }
    }
}

/// One member that changed (`old` and `new` differ, deprecation aside).
fn compare_member(
    key: &str,
    member_key: &str,
    old: &Entry,
    new: &Entry,
    changes: &mut Vec<Change>,
) {
    match (old, new) {
        (Entry::Token { .. }, Entry::Token { .. }) => {
            changes.push(token_change(key, old, new));
            return;
        }
        // Another next link changes no caller; `items()` gone or of another type does.
        (Entry::Pages { items: was, .. }, Entry::Pages { items: now, .. }) => {
            let items_kept = match (was, now) {
                (Some((_, was)), Some((_, now))) => was == now,
                (Some(_), None) => false,
                (None, _) => true,
            };
            changes.push(Change {
                breaking: !items_kept,
                what: format!("{key}: now `{new}` (was `{old}`)"),
            });
            return;
        }
        // Credentials that became required break calls made without them.
        (Entry::Basic { .. }, Entry::Basic { required, .. }) => {
            changes.push(Change {
                breaking: *required,
                what: format!("{key}: now `{new}` (was `{old}`)"),
            });
            return;
        }
        _ => {}
    }
    let (old_rust, old_wire) = old.split_wire();
    let (new_rust, new_wire) = new.split_wire();
    let both_required = matches!(
        (old, new),
        (
            Entry::Param { required: true, .. },
            Entry::Param { required: true, .. }
        )
    );
    if old_rust != new_rust && !both_required {
        changes.push(Change {
            breaking: true,
            what: format!("{key}: now `{new}` (was `{old}`)"),
        });
        return;
    }
    let what = match new {
        Entry::Param { .. } => "sent as",
        Entry::Field { .. } => "wire name",
        Entry::Variant {
            payload: Some(_), ..
        } if key.starts_with("enum ") => "tag value",
        _ => "wire value",
    };
    // A parameter line of an older surface says nothing of the wire: nothing to compare.
    let unknown = matches!(new, Entry::Param { .. }) && (old_wire.is_none() || new_wire.is_none());
    if old_wire != new_wire && !unknown {
        let none = "none".to_owned();
        changes.push(wire_change(
            &format!("{key}: {member_key}"),
            what,
            new_wire.as_ref().unwrap_or(&none),
            old_wire.as_ref().unwrap_or(&none),
        ));
    }
}

/// A change on the wire only: Rust code compiles as before, but what is sent or read differs.
fn wire_change(key: &str, what: &str, now: &str, was: &str) -> Change {
    Change {
        breaking: true,
        what: format!(
            "{key}: {what} now {now} (was {was}); breaking for the wire, though Rust code still compiles"
        ),
    }
}

fn deprecation(what: &str, old: &Line, new: &Line, changes: &mut Vec<Change>) {
    if old.deprecated != new.deprecated {
        changes.push(Change {
            breaking: false,
            what: format!(
                "{what}: {}",
                if new.deprecated {
                    "now deprecated"
                } else {
                    "no longer deprecated"
                }
            ),
        });
    }
}

/// One line that counts the changes (`3 changes: 2 breaking, 1 non-breaking`), or says there are
/// none.
pub fn summary(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no change to the public API".into();
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    format!(
        "{} change{}: {breaking} breaking, {} non-breaking",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        changes.len() - breaking,
    )
}

#[cfg(test)]
mod tests {
    use super::super::render::tag_text;
    use super::super::surface;
    use super::super::test_support::{DOC, api};
    use super::*;

    fn changes(old: &str, new: &str) -> Vec<String> {
        diff(old, new).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_same_surface_has_no_changes() {
        let s = surface(&api(DOC));
        assert!(diff(&s, &s).is_empty());
        assert_eq!(summary(&[]), "no change to the public API");
    }

    #[test]
    fn removals_new_requirements_and_changed_types_break_callers() {
        let old = "fn get(id: String) -> Item, errors E\n  optional param q: String\n  optional param r: i64\nstruct Item\n  fn new(a: String)\n  required field a: String\n  optional field b: String\nenum Kind\n  variant A = \"a\"\n  variant B = \"b\"\ntype Gone = String\n";
        let new = "fn get(id: i64, extra: bool) -> Vec<Item>, errors E\n  optional param q: bool\nstruct Item\n  fn new(a: String, c: String)\n  required field a: String\n  required field c: String\n  required field b: String\nenum Kind\n  variant A = \"a\"\n";
        assert_eq!(
            changes(old, new),
            [
                "BREAKING  fn get: param id: now i64 (was String)",
                "BREAKING  fn get: new required param extra: bool",
                "BREAKING  fn get: returns Vec<Item>, errors E (was Item, errors E)",
                "BREAKING  fn get: now `optional param q: bool` (was `optional param q: String`)",
                "BREAKING  fn get: removed optional param r: i64",
                "BREAKING  struct Item: now `fn new(a: String, c: String)` (was `fn new(a: String)`)",
                "BREAKING  struct Item: new required field c: String",
                "BREAKING  struct Item: now `required field b: String` (was `optional field b: String`)",
                "BREAKING  enum Kind: removed variant B = \"b\"",
                "BREAKING  removed type Gone = String",
            ]
        );
    }

    #[test]
    fn additions_of_optional_things_new_items_and_variants_do_not() {
        let old = "fn get(id: String) -> Item, errors E\nstruct Item\n  fn new()\nenum Kind\n  variant A = \"a\"\n";
        let new = "fn get(id: String) -> Item, errors E\n  optional param q: String\nfn put() -> (), errors E\nstruct Item\n  fn new()\n  optional field b: String\nenum Kind\n  variant A = \"a\"\n  variant B = \"b\"\n  variant Other(String)\nstruct New\n  fn new()\n";
        let found = diff(old, new);
        assert!(found.iter().all(|c| !c.breaking), "{found:?}");
        assert_eq!(
            changes(old, new),
            [
                "          fn get: added optional param q: String",
                "          added fn put() -> (), errors E",
                "          struct Item: added optional field b: String",
                "          enum Kind: added variant B = \"b\"",
                "          enum Kind: added variant Other(String)",
                "          added struct New",
            ]
        );
        assert_eq!(summary(&found), "6 changes: 0 breaking, 6 non-breaking");
    }

    #[test]
    fn reordered_required_params_and_deprecations_are_reported() {
        let old = "fn get(a: String, b: String) -> (), errors E\nstruct S\n  fn new()\n  optional field x: String\n";
        let new = "#[deprecated] fn get(b: String, a: String) -> (), errors E\nstruct S\n  fn new()\n  #[deprecated] optional field x: String\n";
        assert_eq!(
            changes(old, new),
            [
                "BREAKING  fn get: required params reordered: (b, a)",
                "          fn get: now deprecated",
                "          struct S: field x: now deprecated",
            ]
        );
    }

    #[test]
    fn a_token_asking_for_a_scope_more_breaks_and_one_asking_for_less_does_not() {
        let old = "fn get() -> Item, errors E\n  optional param bearer_token: &str\n  token 3-legged (user) scopes [data:read data:create]\n  token 2-legged (app) scopes [data:read]\n";
        let new = "fn get() -> Item, errors E\n  optional param bearer_token: &str\n  token 3-legged (user) scopes [data:read data:write]\n";
        assert_eq!(
            changes(old, new),
            [
                "BREAKING  fn get: now also requires data:write (every session whose grant lacks it starts failing); now `token 3-legged (user) scopes [data:read data:write]` (was `token 3-legged (user) scopes [data:read data:create]`)",
                "          fn get: removed token 2-legged (app) scopes [data:read]",
            ]
        );
        // Fewer scopes, or tokens of more grants: every session that worked still does.
        let fewer = "fn get() -> Item, errors E\n  token 3-legged (any) scopes [data:read]\n";
        let before =
            "fn get() -> Item, errors E\n  token 3-legged (user) scopes [data:read data:create]\n";
        assert_eq!(
            changes(before, fewer),
            [
                "          fn get: now `token 3-legged (any) scopes [data:read]` (was `token 3-legged (user) scopes [data:read data:create]`)"
            ]
        );
        // Only user tokens where app tokens were taken.
        let narrowed = changes(
            "fn get() -> Item, errors E\n  token t (app) scopes []\n",
            "fn get() -> Item, errors E\n  token t (user) scopes []\n",
        );
        assert!(
            narrowed[0].starts_with("BREAKING  fn get: no longer takes app tokens"),
            "{narrowed:?}"
        );
    }

    /// The changes between the surfaces of `doc` with `from` and with `to` in its place.
    fn changed(doc: &str, from: &str, to: &str) -> (String, String, Vec<String>) {
        let old = surface(&api(&doc.replace("@", from)));
        let new = surface(&api(&doc.replace("@", to)));
        let found = changes(&old, &new);
        (old, new, found)
    }

    #[test]
    fn a_changed_json_name_is_breaking_though_the_rust_name_stays() {
        let doc =
            "components:\n  schemas:\n    User: {type: object, properties: {@: {type: string}}}\n";
        let (old, new, found) = changed(doc, "emailId", "email_id");
        assert!(
            old.contains("  optional field email_id: String = \"emailId\"\n"),
            "{old}"
        );
        assert!(new.contains("  optional field email_id: String\n"), "{new}");
        assert_eq!(
            found,
            [
                "BREAKING  struct User: field email_id: wire name now \"email_id\" (was \"emailId\"); breaking for the wire, though Rust code still compiles"
            ]
        );
        let (_, _, back) = changed(doc, "email_id", "emailId");
        assert_eq!(
            back,
            [
                "BREAKING  struct User: field email_id: wire name now \"emailId\" (was \"email_id\"); breaking for the wire, though Rust code still compiles"
            ]
        );
        // A keyword's raw identifier is its JSON name: nothing to show.
        let (same, _, none) = changed(doc, "type", "type");
        assert!(same.contains("  optional field r#type: String\n"), "{same}");
        assert!(none.is_empty());
    }

    #[test]
    fn a_parameter_moved_or_written_otherwise_is_breaking_for_the_wire() {
        let doc = "paths:\n  /a:\n    get:\n      operationId: a\n      parameters: [{name: tags, @, schema: {type: array, items: {type: string}}}]\n      responses: {'204': {description: ok}}\n";
        let (old, new, found) = changed(doc, "in: query", "in: header");
        assert!(
            old.contains("  optional param tags: Vec<String> = query \"tags\" (repeated)\n"),
            "{old}"
        );
        assert!(
            new.contains("  optional param tags: Vec<String> = header \"tags\" (joined ',')\n"),
            "{new}"
        );
        assert_eq!(
            found,
            [
                "BREAKING  fn a: param tags: sent as now header \"tags\" (joined ',') (was query \"tags\" (repeated)); breaking for the wire, though Rust code still compiles"
            ]
        );
        let (_, _, style) = changed(doc, "in: query", "in: query, style: pipeDelimited");
        assert_eq!(
            style,
            [
                "BREAKING  fn a: param tags: sent as now query \"tags\" (joined '|') (was query \"tags\" (repeated)); breaking for the wire, though Rust code still compiles"
            ]
        );
        // A required parameter: its signature is unchanged, its member line says where it goes.
        let (old, _, required) = changed(
            doc,
            "in: query, required: true",
            "in: header, required: true",
        );
        assert!(old.contains("fn a(tags: Vec<String>)"), "{old}");
        assert_eq!(
            required,
            [
                "BREAKING  fn a: param tags: sent as now header \"tags\" (joined ',') (was query \"tags\" (repeated)); breaking for the wire, though Rust code still compiles"
            ]
        );
        // A surface written before parameters showed the wire: no change reported for it.
        let before = old.replace(" = query \"tags\" (repeated)", "");
        assert!(
            changes(&before, &old).is_empty(),
            "{:?}",
            changes(&before, &old)
        );
    }

    #[test]
    fn a_unions_tag_and_its_values_are_breaking_for_the_wire() {
        let doc = "components:\n  schemas:\n    Cat: {type: object, properties: {kind: {type: string}}}\n    Dog: {type: object, properties: {kind: {type: string}}}\n    Pet:\n      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]\n      @\n";
        let tagged =
            "discriminator: {propertyName: kind, mapping: {cat: '#/components/schemas/Cat'}}";
        let (old, new, found) = changed(doc, tagged, &tagged.replace("kind", "type"));
        assert!(
            old.contains("enum Pet tag \"kind\"\n  variant Cat(Box<Cat>) = \"cat\"\n"),
            "{old}"
        );
        assert!(new.contains("enum Pet tag \"type\"\n"), "{new}");
        assert_eq!(
            found,
            [
                "BREAKING  enum Pet: tag now \"type\" (was \"kind\"); breaking for the wire, though Rust code still compiles"
            ]
        );
        let (_, _, mapping) = changed(doc, tagged, &tagged.replace("cat:", "feline:"));
        assert_eq!(
            mapping,
            [
                "BREAKING  enum Pet: variant Cat: tag value now \"feline\" (was \"cat\"); breaking for the wire, though Rust code still compiles"
            ]
        );
        let (_, _, untagged) = changed(doc, tagged, "description: no tag");
        assert_eq!(
            untagged[0],
            "BREAKING  enum Pet: tag now none (untagged) (was \"kind\"); breaking for the wire, though Rust code still compiles"
        );
        assert!(
            untagged.contains(&"BREAKING  enum Pet: variant Cat: tag value now none (was \"cat\"); breaking for the wire, though Rust code still compiles".to_owned()),
            "{untagged:?}"
        );
        // A path: each key quoted.
        assert_eq!(
            tag_text(&["attributes".into(), "extension".into(), "type".into()]),
            "\"attributes\".\"extension\".\"type\""
        );
    }

    #[test]
    fn a_string_enums_changed_value_is_breaking_for_the_wire() {
        let found = changes(
            "enum Kind\n  variant A = \"a\"\n",
            "enum Kind\n  variant A = \"A\"\n",
        );
        assert_eq!(
            found,
            [
                "BREAKING  enum Kind: variant A: wire value now \"A\" (was \"a\"); breaking for the wire, though Rust code still compiles"
            ]
        );
    }

    #[test]
    fn a_removed_or_renamed_operation_is_breaking() {
        let s = surface(&api(DOC));
        let renamed = s.replace("fn create_item(", "fn add_item(");
        let found = changes(&s, &renamed);
        assert_eq!(
            found,
            [
                "BREAKING  removed fn create_item(body: &Item) -> (), errors serde_json::Value",
                "          added fn add_item(body: &Item) -> (), errors serde_json::Value",
            ]
        );
        assert_eq!(
            summary(&diff(&s, &renamed)),
            "2 changes: 1 breaking, 1 non-breaking"
        );
    }

    #[test]
    fn a_relaxation_shows_when_it_appears_and_when_the_type_is_strict_again() {
        let body = "components:\n  schemas:\n    Link:\n      type: object\n      required: [href]\n      properties: {href: {type: string}}\n      example: EXAMPLE\n";
        let relaxed = surface(&api(&body.replace("EXAMPLE", "{}")));
        let strict = surface(&api(&body.replace("EXAMPLE", "{href: /x}")));
        assert!(
            relaxed.contains("relaxed #/components/schemas/Link: `href` optional (required, the example omits it)\n"),
            "{relaxed}"
        );
        let relaxing = changes(&strict, &relaxed);
        assert!(
            relaxing.contains(&"          relaxed for the document's own example: #/components/schemas/Link: `href` optional (required, the example omits it)".to_owned()),
            "{relaxing:?}"
        );
        let fixed = changes(&relaxed, &strict);
        assert!(
            fixed.contains(&"BREAKING  strict again (the document's examples no longer contradict it; answers the relaxed type accepted may fail to decode): #/components/schemas/Link: `href` optional".to_owned()),
            "{fixed:?}"
        );
        // Another example needing the same relaxation changes nothing.
        let other = relaxed.replace("the example omits it", "another example omits it");
        assert!(
            !changes(&relaxed, &other)
                .iter()
                .any(|c| c.contains("relaxed"))
        );
    }

    #[test]
    fn paging_appearing_is_added_and_disappearing_breaks() {
        let doc = "paths:\n  /c:\n    get:\n      operationId: list\n      @\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {next: {type: string}, items: {type: array, items: {type: integer}}}}}}}\n";
        let (old, new, found) = changed(doc, "x-aps-pagination: false", "description: paged");
        assert!(old.starts_with("fn list() -> ListResponse, errors serde_json::Value\nstruct"));
        assert!(
            new.contains("\n  pages next=/next items=/items (i64)\n"),
            "{new}"
        );
        assert_eq!(
            found,
            ["          fn list: added pages next=/next items=/items (i64)"]
        );
        let gone = changes(&new, &old);
        assert_eq!(
            gone,
            ["BREAKING  fn list: removed pages next=/next items=/items (i64)"]
        );
        // The surface reads back.
        assert!(diff(&new, &new).is_empty());
        // A cursor: its query parameter shows, and reads back.
        let cursor = "paths:\n  /c:\n    get:\n      operationId: list\n      parameters: [{name: pageToken, in: query, schema: {type: string}}]\n      @\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {nextPageToken: {type: string}}}}}}\n";
        let (_, new, found) = changed(cursor, "x-aps-pagination: false", "description: paged");
        assert_eq!(
            found,
            ["          fn list: added pages next=/nextPageToken param=pageToken"]
        );
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn http_basic_shows_and_newly_required_credentials_break() {
        let doc = "components: {securitySchemes: {basic-authorization: {type: http, scheme: basic}}}\npaths:\n  /token:\n    post:\n      operationId: token\n      @\n      responses: {'204': {description: ok}}\n";
        let (old, new, found) = changed(
            doc,
            "description: open",
            "security: [{basic-authorization: []}]",
        );
        assert_eq!(old, "fn token() -> (), errors serde_json::Value\n");
        assert_eq!(
            new,
            "fn token() -> (), errors serde_json::Value\n  optional param basic_auth: (&str, &str)\n  basic basic-authorization (required)\n"
        );
        assert_eq!(
            found,
            [
                "BREAKING  fn token: now requires HTTP Basic client credentials (calls without them fail before sending): added basic basic-authorization (required)",
                "          fn token: added optional param basic_auth: (&str, &str)",
            ]
        );
        let (_, _, relaxed) = changed(
            doc,
            "security: [{basic-authorization: []}]",
            "security: [{basic-authorization: []}, {}]",
        );
        assert_eq!(
            relaxed,
            [
                "          fn token: now `basic basic-authorization (optional)` (was `basic basic-authorization (required)`)"
            ]
        );
    }
}
