//! The committed spec: it loads, holds what the APS document holds, and is the seed document
//! reformatted (same words in the same order, nothing added).

use aps_auth_codegen::load::load;
use aps_auth_tests::{read, workspace_root};
use serde_json::Value;

const SPEC: &str = "spec/aps-authentication-v2.yaml";

#[test]
fn the_spec_loads_with_everything_in_it() {
    let text = read(SPEC);
    let doc = load(&text).expect("the spec loads");
    let spec = &doc.spec;
    assert_eq!(spec.openapi, "3.1.0");
    assert_eq!(spec.info.version, "2.0.0");
    let paths: Vec<&str> = spec
        .paths
        .as_ref()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        paths,
        [
            "/authentication/v2/authorize",
            "/authentication/v2/token",
            "/authentication/v2/revoke",
            "/authentication/v2/keys",
            "/userprofile/v1/users/@me",
            "/authentication/v2/introspect",
            "/authentication/v2/logout",
            // Added through the workflow (OpenID Connect):
            "/.well-known/openid-configuration",
            "/userinfo"
        ]
    );
    let ids: Vec<String> = spec
        .operations()
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect();
    assert_eq!(ids.len(), 9, "{ids:?}");
    let components = spec.components.as_ref().unwrap();
    let schemas: Vec<&str> = components.schemas.keys().map(String::as_str).collect();
    assert_eq!(
        schemas,
        [
            "TokenResponse",
            "IntrospectionResponse",
            "JWKSResponse",
            "OpenIdConfiguration",
            "UserInfo",
            "UserProfile",
            "ErrorResponse"
        ]
    );

    // Folded block scalars became single-line strings, and typed scalars kept their types.
    let raw = &doc.raw;
    let description = raw["info"]["description"].as_str().unwrap();
    assert!(description.starts_with("The Autodesk Authentication API provides OAuth 2.0"));
    assert!(!description.contains('\n'));
    assert_eq!(
        raw["components"]["schemas"]["TokenResponse"]["properties"]["expires_in"]["example"],
        Value::from(3600)
    );
    assert!(raw["components"]["schemas"]["UserProfile"]["properties"]["2FaEnabled"].is_object());
    assert!(raw["components"]["schemas"]["ErrorResponse"]["properties"]["more info"].is_object());
    let two_legged = &raw["components"]["securitySchemes"]["OAuth2TwoLegged"]["flows"]["clientCredentials"]
        ["scopes"];
    assert_eq!(two_legged.as_object().unwrap().len(), 11);
}

/// The seed (`../shared/seeds/000_*.txt`) is the same YAML with its line breaks flattened, so the
/// spec's whitespace-separated words must be exactly the seed's.
#[test]
fn the_spec_is_the_seed_reformatted() {
    let seeds = workspace_root().join("../shared/seeds");
    let Some(seed) = std::fs::read_dir(&seeds)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("000_"))
        })
    else {
        eprintln!(
            "note: no seed under {}; comparison skipped",
            seeds.display()
        );
        return;
    };
    let seed = std::fs::read_to_string(&seed).unwrap();
    let spec = read(SPEC);
    // Additions made through the project's own workflow are fenced by comments; the rest must
    // be the seed word for word.
    let mut kept = Vec::new();
    let mut added = false;
    for line in spec.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("# Added (not in the seed)") {
            added = true;
        } else if trimmed.starts_with("# End of addition") {
            added = false;
            continue;
        }
        if !added {
            kept.push(line);
        }
    }
    let spec = kept.join("\n");
    let seed_words: Vec<&str> = seed.split_whitespace().collect();
    let spec_words: Vec<&str> = spec.split_whitespace().collect();
    if let Some(i) = seed_words.iter().zip(&spec_words).position(|(a, b)| a != b) {
        panic!(
            "word {i} differs: seed `{}`, spec `{}`",
            seed_words[i], spec_words[i]
        );
    }
    assert_eq!(seed_words.len(), spec_words.len());
}
