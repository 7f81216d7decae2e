//! `cargo xtask evolve`: our own spec-evolution suite. Each scenario edits the APS document the
//! way a real update does (additive, representational, breaking), then checks the promise of
//! `cargo xtask generate`:
//!
//! - a document the OAuth layer can no longer work with is refused before anything is written,
//!   with a sentence naming the operation (`layer.rs`);
//! - otherwise the generated crate, OAuth layer, examples and benches included, builds
//!   clippy-clean and its unit tests pass;
//! - after a non-breaking update, a downstream crate written against today's API
//!   (`xtask/evolve/downstream/`) still compiles;
//! - the change report names the change and marks exactly the breaking ones `BREAKING`.
//!
//! Each scenario gets a scratch workspace in `target/evolve/<scenario>/` (a copy of
//! `aps-auth-generated` with the scenario's generated code, and the downstream crate) that shares
//! the workspace's `target/` and `Cargo.lock`, so dependencies are built once.
//! `cargo xtask evolve NAME...` runs only the named scenarios.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use aps_auth_codegen::{Options, load, surface};
use serde_json::{Value, json};
use xtask::documents;
use xtask::layer;

use crate::scratch::{self, copy_dir, read, write};

/// What a scenario must lead to.
enum Expect {
    /// The API does not change (names are pinned, the representation moved).
    Unchanged,
    /// Only additions: nothing breaks; the report names this.
    Additive(&'static str),
    /// A change that breaks callers; the report marks this line `BREAKING`.
    Breaking(&'static str),
    /// `generate` refuses: the OAuth layer's needs are not met; the sentence names this.
    Refused(&'static str),
}

/// One realistic update of the document.
struct Scenario {
    name: &'static str,
    what: &'static str,
    expect: Expect,
    edit: fn(&mut Value),
}

const PRIMARY: &str = documents::PRIMARY;
const TOKEN: &str = "/authentication/v2/token";
const KEYS: &str = "/authentication/v2/keys";
const AUTHORIZE: &str = "/authentication/v2/authorize";
const PROFILE: &str = "/userprofile/v1/users/@me";

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "optional-inputs",
            what: "new optional parameters, form fields, model properties and enum values",
            expect: Expect::Additive("kid"),
            edit: |doc| {
                push_param(
                    doc,
                    KEYS,
                    "get",
                    json!({"name": "kid", "in": "query", "schema": {"type": "string"}}),
                );
                push_param(
                    doc,
                    PROFILE,
                    "get",
                    json!({"name": "x-ads-region", "in": "header", "schema": {"type": "string", "enum": ["US", "EMEA"]}}),
                );
                let form = &mut doc["paths"][TOKEN]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
                    ["schema"];
                form["properties"]["device_code"] = json!({"type": "string"});
                if let Some(e) = form["properties"]["grant_type"]["enum"].as_array_mut() {
                    e.push(json!("urn:ietf:params:oauth:grant-type:device_code"));
                }
                doc["components"]["schemas"]["UserProfile"]["properties"]["locale"] =
                    json!({"type": "string"});
            },
        },
        Scenario {
            name: "token-answer-composed",
            what: "the token answer re-described as an allOf of a shared base, a nullable field, an id_token",
            expect: Expect::Additive("id_token"),
            edit: |doc| {
                let schemas = &mut doc["components"]["schemas"];
                let mut base = schemas["TokenResponse"].clone();
                base["properties"]["refresh_token"]["type"] = json!(["string", "null"]);
                schemas["TokenBase"] = base;
                schemas["TokenResponse"] = json!({
                    "description": "A token answer.",
                    "allOf": [
                        {"$ref": "#/components/schemas/TokenBase"},
                        {"type": "object", "properties": {"id_token": {"type": "string"}}}
                    ]
                });
            },
        },
        Scenario {
            name: "token-answer-one-of",
            what: "the token answer becomes a oneOf of two token schemas (application, user); the layer, its tests and the benches read answers in their own types",
            expect: Expect::Breaking("TokenResponse"),
            edit: |doc| {
                let schemas = &mut doc["components"]["schemas"];
                let mut application = schemas["TokenResponse"].clone();
                if let Some(p) = application["properties"].as_object_mut() {
                    p.remove("refresh_token");
                }
                application["required"] = json!(["access_token"]);
                let mut user = schemas["TokenResponse"].clone();
                user["properties"]["id_token"] = json!({"type": "string"});
                user["required"] = json!(["access_token", "refresh_token"]);
                schemas["ApplicationToken"] = application;
                schemas["UserToken"] = user;
                schemas["TokenResponse"] = json!({
                    "description": "A token answer: an application's or a user's.",
                    "oneOf": [
                        {"$ref": "#/components/schemas/UserToken"},
                        {"$ref": "#/components/schemas/ApplicationToken"}
                    ]
                });
            },
        },
        Scenario {
            name: "ids-dropped-schema-renamed",
            what: "operations lose their operationId, a schema is renamed (the name map keeps the Rust names)",
            expect: Expect::Unchanged,
            edit: |doc| {
                for (path, method) in [(TOKEN, "post"), (KEYS, "get"), (PROFILE, "get")] {
                    doc["paths"][path][method]
                        .as_object_mut()
                        .map(|o| o.remove("operationId"));
                }
                rename_schema(doc, "UserProfile", "AccountProfile");
            },
        },
        Scenario {
            name: "new-paths",
            what: "new paths with path, header and query parameters, and an unauthenticated one",
            expect: Expect::Additive("get_user_picture"),
            edit: |doc| {
                doc["paths"]["/userprofile/v1/users/{userId}/picture"] = json!({"get": {
                    "operationId": "getUserPicture",
                    "security": [{"OAuth2ThreeLegged": ["user-profile:read"]}],
                    "parameters": [
                        {"name": "userId", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "size", "in": "query", "schema": {"type": "integer", "format": "int32"}},
                        {"name": "x-request-id", "in": "header", "required": true, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "The picture.", "content": {"image/png": {}}}}
                }});
                doc["paths"]["/authentication/v2/status"] = json!({"get": {
                    "operationId": "getServiceStatus",
                    "security": [],
                    "responses": {"200": {"description": "Service status.", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}}
                }});
            },
        },
        Scenario {
            name: "pkce-on-authorize",
            what: "the authorize endpoint documents PKCE and response_mode (the layer sends each once)",
            expect: Expect::Additive("code_challenge"),
            edit: |doc| {
                for p in [
                    json!({"name": "code_challenge", "in": "query", "schema": {"type": "string"}}),
                    json!({"name": "code_challenge_method", "in": "query", "schema": {"type": "string", "enum": ["S256", "plain"]}}),
                    json!({"name": "response_mode", "in": "query", "schema": {"type": "string", "enum": ["query", "form_post"]}}),
                ] {
                    push_param(doc, AUTHORIZE, "get", p);
                }
            },
        },
        Scenario {
            name: "changed-type-removed-value",
            what: "a model field changes type and an enum loses a value",
            expect: Expect::Breaking("email_verified"),
            edit: |doc| {
                doc["components"]["schemas"]["UserProfile"]["properties"]["emailVerified"] =
                    json!({"type": "string"});
                let grant = &mut doc["paths"][TOKEN]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
                    ["schema"]["properties"]["grant_type"]["enum"];
                if let Some(e) = grant.as_array_mut() {
                    e.retain(|v| v != "refresh_token");
                }
            },
        },
        Scenario {
            name: "layer-operation-removed",
            what: "the revocation endpoint disappears (the OAuth layer uses it)",
            expect: Expect::Refused("`revoke_token`"),
            edit: |doc| {
                doc["paths"]
                    .as_object_mut()
                    .map(|p| p.remove("/authentication/v2/revoke"));
            },
        },
        Scenario {
            name: "layer-operation-changed",
            what: "the user profile call starts requiring a parameter the layer does not send",
            expect: Expect::Refused("`get_user_profile`"),
            edit: |doc| {
                push_param(
                    doc,
                    PROFILE,
                    "get",
                    json!({"name": "fields", "in": "query", "required": true, "schema": {"type": "string"}}),
                );
            },
        },
    ]
}

/// Adds a parameter to an operation.
fn push_param(doc: &mut Value, path: &str, method: &str, param: Value) {
    let op = &mut doc["paths"][path][method];
    if !op["parameters"].is_array() {
        op["parameters"] = json!([]);
    }
    if let Some(ps) = op["parameters"].as_array_mut() {
        ps.push(param);
    }
}

/// Renames a component schema and every `$ref` to it.
fn rename_schema(doc: &mut Value, from: &str, to: &str) {
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut()
        && let Some(schema) = schemas.remove(from)
    {
        schemas.insert(to.to_owned(), schema);
    }
    let (old, new) = (
        format!("#/components/schemas/{from}"),
        format!("#/components/schemas/{to}"),
    );
    fn walk(v: &mut Value, old: &str, new: &str) {
        match v {
            Value::Object(map) => {
                if map.get("$ref").and_then(Value::as_str) == Some(old) {
                    map.insert("$ref".into(), Value::String(new.to_owned()));
                }
                map.values_mut().for_each(|x| walk(x, old, new));
            }
            Value::Array(items) => items.iter_mut().for_each(|x| walk(x, old, new)),
            _ => {}
        }
    }
    walk(doc, &old, &new);
}

/// Runs the scenarios (all, or those named in `args`) and prints a table.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let base_text = std::fs::read_to_string(root.join("spec").join(PRIMARY))
        .map_err(|e| format!("cannot read spec/{PRIMARY}: {e}"))?;
    let base: Value = load::parse_text(&base_text).map_err(|e| e.to_string())?;
    let base_surface = generate(root, "base", &base, root)?.surface;
    let template = workspace_template(root)?;
    let mut failures = Vec::new();
    println!("| scenario | update | expected | report | build | time (s) |");
    println!("|---|---|---|---|---|---:|");
    for scenario in scenarios() {
        if !args.is_empty() && !args.iter().any(|a| a == scenario.name) {
            continue;
        }
        let started = Instant::now();
        let result = run_one(root, &scenario, &base, &base_surface, &template);
        let (report, build) = match &result {
            Ok(cells) => cells.clone(),
            Err(why) => {
                failures.push(format!("{}: {why}", scenario.name));
                (
                    "FAILED".into(),
                    why.lines().next().unwrap_or_default().to_owned(),
                )
            }
        };
        println!(
            "| {} | {} | {} | {} | {} | {:.0} |",
            scenario.name,
            scenario.what,
            expected(&scenario.expect),
            report,
            build,
            started.elapsed().as_secs_f64()
        );
    }
    match failures.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "{} scenario(s) failed:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        )),
    }
}

fn expected(expect: &Expect) -> String {
    match expect {
        Expect::Unchanged => "no API change".into(),
        Expect::Additive(what) => format!("additive (`{what}`)"),
        Expect::Breaking(what) => format!("breaking (`{what}`)"),
        Expect::Refused(what) => format!("refused ({what})"),
    }
}

/// One scenario: generate, check refusal and report, build. Returns the report and build cells.
fn run_one(
    root: &Path,
    scenario: &Scenario,
    base: &Value,
    base_surface: &str,
    template: &str,
) -> Result<(String, String), String> {
    let dir = root.join("target/evolve").join(scenario.name);
    let mut doc = base.clone();
    (scenario.edit)(&mut doc);
    let generated = generate(root, scenario.name, &doc, &dir);
    if let Expect::Refused(what) = scenario.expect {
        let err = match generated {
            Ok(_) => return Err("generate accepted a document the OAuth layer cannot use".into()),
            Err(err) => err,
        };
        if !err.contains(what) {
            return Err(format!("the refusal does not name {what}: {err}"));
        }
        return Ok((
            format!("refused: {}", err.lines().next().unwrap_or_default()),
            "-".into(),
        ));
    }
    let generated = generated?;
    let changes = surface::diff(base_surface, &generated.surface);
    let report = check_report(&scenario.expect, &changes)?;
    let compatible = !matches!(scenario.expect, Expect::Breaking(_));
    build(root, &dir, &generated.files, template, compatible)?;
    let build = match compatible {
        true => "crate + downstream clippy-clean, unit tests pass",
        false => "crate clippy-clean, unit tests pass",
    };
    Ok((report, build.into()))
}

/// What the report must say, checked; the report's cell.
fn check_report(expect: &Expect, changes: &[surface::Change]) -> Result<String, String> {
    let breaking: Vec<&surface::Change> = changes.iter().filter(|c| c.breaking).collect();
    let all = changes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    match expect {
        Expect::Unchanged if changes.is_empty() => Ok("no change".into()),
        Expect::Unchanged => Err(format!("the API changed:\n{all}")),
        Expect::Additive(_) if !breaking.is_empty() => {
            Err(format!("an additive update reported as breaking:\n{all}"))
        }
        Expect::Additive(what) | Expect::Breaking(what) if !all.contains(what) => {
            Err(format!("the report does not name `{what}`:\n{all}"))
        }
        Expect::Additive(_) => Ok(format!("{} addition(s)", changes.len())),
        Expect::Breaking(what) if !breaking.iter().any(|c| c.to_string().contains(what)) => {
            Err(format!("`{what}` is not marked BREAKING:\n{all}"))
        }
        Expect::Breaking(_) => Ok(format!(
            "{} change(s), {} BREAKING",
            changes.len(),
            breaking.len()
        )),
        Expect::Refused(_) => Err("unreachable: refusals are handled before".into()),
    }
}

/// What `generate` produced for a scenario's document.
struct Generated {
    files: Vec<aps_auth_codegen::GeneratedFile>,
    surface: String,
}

/// Generates `doc` as the primary document of a scratch `spec/` in `dir` (with the workspace's
/// name map), after the OAuth layer's check, as `cargo xtask generate` would.
fn generate(root: &Path, name: &str, doc: &Value, dir: &Path) -> Result<Generated, String> {
    let spec = dir.join("spec");
    std::fs::create_dir_all(&spec).map_err(|e| e.to_string())?;
    if spec != root.join("spec") {
        let text = serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?;
        std::fs::write(spec.join(PRIMARY), text).map_err(|e| e.to_string())?;
        let names = root.join("spec").join(documents::NAMES_DIR);
        if names.is_dir() {
            copy_dir(&names, &spec.join(documents::NAMES_DIR))?;
        }
    }
    let docs = documents::discover(&spec, "spec")?;
    let primary = &docs[0];
    let options = Options {
        source_name: primary.source_name.clone(),
        names: primary.read_names()?,
        ..Options::default()
    };
    let text = std::fs::read_to_string(&primary.path).map_err(|e| e.to_string())?;
    let (api, _) =
        aps_auth_codegen::document_model(&text, &options).map_err(|e| format!("{name}: {e}"))?;
    let problems = layer::problems(&api, &primary.source_name);
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let outputs = documents::generate_documents(&docs)?;
    let surface = outputs
        .first()
        .map(|o| o.surface.clone())
        .unwrap_or_default();
    let files = outputs.into_iter().flat_map(|o| o.files).collect();
    Ok(Generated { files, surface })
}

/// The scratch workspace's manifest: the workspace's package and dependency tables, with the
/// generated crate and (for compatible updates) the downstream crate as members.
fn workspace_template(root: &Path) -> Result<String, String> {
    Ok(format!(
        "# Scratch workspace written by `cargo xtask evolve`.\n[workspace]\nresolver = \"3\"\nmembers = [@MEMBERS@]\n\n{}",
        scratch::workspace_tables(root)?
    ))
}

/// Writes the scratch workspace and builds it: clippy (warnings denied) over every target of the
/// generated crate (and the downstream crate when `downstream`), then the crate's unit tests.
fn build(
    root: &Path,
    dir: &Path,
    files: &[aps_auth_codegen::GeneratedFile],
    template: &str,
    downstream: bool,
) -> Result<(), String> {
    let krate = dir.join("aps-auth-generated");
    let _ = std::fs::remove_dir_all(&krate);
    for part in ["src", "examples", "benches"] {
        copy_dir(
            &root.join("aps-auth-generated").join(part),
            &krate.join(part),
        )?;
    }
    // Packages named after the scenario (the library keeps its name `aps_auth_generated`), so
    // every scenario has fingerprints of its own in the shared target directory.
    let scenario = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let package = format!("evolve-{scenario}");
    let manifest = read(&root.join("aps-auth-generated/Cargo.toml"))?
        .replacen(
            "name = \"aps-auth-generated\"",
            &format!("name = \"{package}\""),
            1,
        )
        .replacen(
            "\n[features]",
            "\n[lib]\nname = \"aps_auth_generated\"\n\n[features]",
            1,
        );
    write(&krate.join("Cargo.toml"), &manifest)?;
    let generated = krate.join("src/generated");
    let _ = std::fs::remove_dir_all(&generated);
    for file in files {
        let path = generated.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap_or(&generated)).map_err(|e| e.to_string())?;
        write(&path, &file.contents)?;
    }
    // `lib.rs` includes these as doctests.
    for doc in ["README.md", "MIGRATION.md"] {
        write(&dir.join(doc), &read(&root.join(doc))?)?;
    }
    let down = dir.join("downstream");
    let _ = std::fs::remove_dir_all(&down);
    copy_dir(&root.join("xtask/evolve/downstream/src"), &down.join("src"))?;
    let manifest =
        read(&root.join("xtask/evolve/downstream/Cargo.toml.in"))?.replace("@SCENARIO@", &scenario);
    write(&down.join("Cargo.toml"), &manifest)?;
    let members = match downstream {
        true => "\"aps-auth-generated\", \"downstream\"",
        false => "\"aps-auth-generated\"",
    };
    write(
        &dir.join("Cargo.toml"),
        &template.replace("@MEMBERS@", members),
    )?;
    write(&dir.join("Cargo.lock"), &read(&root.join("Cargo.lock"))?)?;
    let clippy = [
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ];
    cargo(root, dir, &clippy)?;
    cargo(root, dir, &["test", "-p", &package, "--lib", "--quiet"])
}

/// Runs cargo in the scratch workspace with the workspace's target directory (or the one
/// `CARGO_TARGET_DIR` names, as cargo itself would).
fn cargo(root: &Path, dir: &Path, args: &[&str]) -> Result<(), String> {
    let target = scratch::target_dir(root);
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("Compiling") && !l.trim_start().starts_with("Checking")
        })
        .take(40)
        .collect();
    Err(format!("cargo {} failed:\n{}", args[0], errors.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_have_unique_names_and_edit_the_document() {
        let text = std::fs::read_to_string(
            xtask::freshness::workspace_root()
                .join("spec")
                .join(PRIMARY),
        )
        .unwrap();
        let base: Value = load::parse_text(&text).unwrap();
        let mut names = Vec::new();
        for s in scenarios() {
            assert!(!names.contains(&s.name), "{}", s.name);
            names.push(s.name);
            let mut doc = base.clone();
            (s.edit)(&mut doc);
            assert_ne!(doc, base, "{} changes nothing", s.name);
        }
    }

    #[test]
    fn renaming_a_schema_moves_its_refs() {
        let mut doc = json!({"components": {"schemas": {"A": {"type": "string"}}}, "x": {"$ref": "#/components/schemas/A"}});
        rename_schema(&mut doc, "A", "B");
        assert_eq!(
            doc,
            json!({"components": {"schemas": {"B": {"type": "string"}}}, "x": {"$ref": "#/components/schemas/B"}})
        );
    }
}
