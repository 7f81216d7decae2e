//! Snapshots of the generated code: for every document in `spec/`, generated as
//! `cargo xtask generate` generates it (so a spec update shows up as a snapshot diff in review),
//! and for small fixture specs, one per group of naming and type rules.

use aps_auth_codegen::{Options, generate, naming};
use aps_auth_tests::{read, workspace_root};
use xtask::freshness::{Mode, Target};

/// The primary document: it generates the root module.
const SPEC: &str = "spec/aps-authentication-v2.yaml";

/// `spec/` and `aps-auth-generated/src/generated/`, as `cargo xtask generate` and
/// `cargo xtask check` see them.
fn workspace_target() -> Target {
    Target::workspace(&workspace_root()).unwrap_or_else(|e| panic!("{e}"))
}

/// What `cargo xtask generate` writes for `spec/`: every document, with its layout (the primary
/// document's files at the top, another document's under `<module>/`).
fn spec_files() -> Vec<(String, String)> {
    workspace_target()
        .expected_files()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

/// One fixture document generated alone, with default options.
fn fixture_files(relative: &str) -> Vec<(String, String)> {
    let options = Options {
        source_name: relative.to_owned(),
        ..Options::default()
    };
    let output = generate(&read(relative), &options).unwrap_or_else(|e| panic!("{relative}: {e}"));
    output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

/// The primary document's files, as `aps__types.rs` and so on. The other documents' modules
/// (hundreds of kilobytes each) are not copied here: the committed code itself is checked by
/// `committed_generated_code_is_up_to_date`, and their public API by the surface snapshots.
#[test]
fn aps_spec_snapshots() {
    for (path, contents) in spec_files() {
        if !path.contains('/') {
            insta::assert_snapshot!(format!("aps__{path}"), contents);
        }
    }
}

#[test]
fn fixture_snapshots() {
    for fixture in ["naming", "types", "composition", "operations", "examples"] {
        let relative = format!("tests/fixtures/{fixture}.yaml");
        let options = Options {
            source_name: relative.clone(),
            ..Options::default()
        };
        let output =
            generate(&read(&relative), &options).unwrap_or_else(|e| panic!("{relative}: {e}"));
        for file in &output.files {
            insta::assert_snapshot!(format!("{fixture}__{}", file.path), file.contents);
        }
        let warnings: Vec<String> = output.warnings.iter().map(ToString::to_string).collect();
        insta::assert_snapshot!(format!("{fixture}__warnings"), warnings.join("\n"));
    }
}

/// Two documents side by side, as `spec/` with a second API dropped in: the first is the root
/// module, the second a submodule with its own `Client`.
#[test]
fn multi_document_snapshots() {
    use aps_auth_codegen::Layout;
    let cases = [
        (
            "a-main.yaml",
            Layout::Root {
                submodules: vec!["second_api".into()],
            },
        ),
        ("second-api.json", Layout::Nested),
    ];
    for (file, layout) in cases {
        let relative = format!("tests/fixtures/multi/{file}");
        let options = Options {
            source_name: relative.clone(),
            layout,
            ..Options::default()
        };
        let output =
            generate(&read(&relative), &options).unwrap_or_else(|e| panic!("{relative}: {e}"));
        for generated in &output.files {
            insta::assert_snapshot!(
                format!("multi__{file}__{}", generated.path),
                generated.contents
            );
        }
    }
}

/// The check `cargo xtask check` runs: every file the generator produces for `spec/` is committed
/// as generated, and no other `.rs` file is left in the generated directory.
#[test]
fn committed_generated_code_is_up_to_date() {
    let report = workspace_target()
        .ensure(Mode::Check)
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(error) = report.stale_error() {
        panic!("{error}");
    }
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(spec_files(), spec_files(), "spec/");
    for relative in ["tests/fixtures/naming.yaml", "tests/fixtures/types.yaml"] {
        assert_eq!(
            fixture_files(relative),
            fixture_files(relative),
            "{relative}"
        );
    }
}

#[test]
fn every_generated_file_carries_the_header() {
    let target = workspace_target();
    assert_eq!(
        target.docs[0].source_name, SPEC,
        "the primary document comes first"
    );
    for file in target.expected_files().unwrap_or_else(|e| panic!("{e}")) {
        let path = &file.path;
        // A file in a directory comes from that submodule's document; others from the primary.
        let module = path.split_once('/').map(|(module, _)| module);
        let doc = target
            .docs
            .iter()
            .find(|d| d.module.as_deref().map(naming::unraw) == module)
            .unwrap_or_else(|| panic!("{path}: no document generates it"));
        assert!(
            file.contents.starts_with(&format!(
                "// @generated by aps-auth-codegen from `{}`",
                doc.source_name
            )),
            "{path}"
        );
        assert!(
            file.contents
                .lines()
                .nth(1)
                .is_some_and(|l| l.contains("Do not edit by hand")),
            "{path}"
        );
    }
}
