//! The integration guide's checklist program (`aps-auth-generated/examples/check_integration.rs`)
//! run end to end against real processes on 127.0.0.1: `oidc-provider` as APS Authentication
//! (a real three-legged sign-in with PKCE, driven headless), and the same server's Data
//! Management and OSS routes, which accept only its tokens with the right scopes.
//!
//! The example is compiled into this test (`#[path]`) and run in-process, so no second build
//! of the crate is needed; its `main` only reads the environment into the same `Config`.

#[allow(dead_code)]
#[path = "../../aps-auth-generated/examples/check_integration.rs"]
mod check_integration;

use std::time::Duration;

use aps_auth_tests::oidc::{BASIC_CLIENT, OidcServer};
use check_integration::{Config, check_integration};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_checklist_passes_against_the_test_server() {
    let Some(server) = OidcServer::start() else {
        return;
    };
    let (announce, mut authorize_url) = tokio::sync::mpsc::unbounded_channel();
    let config = Config {
        client_id: BASIC_CLIENT.0.into(),
        client_secret: BASIC_CLIENT.1.into(),
        base_url: Some(server.base_url().to_owned()),
        callback_port: 0,
        sign_in_timeout: Duration::from_secs(60),
        announce: Box::new(move |url| {
            let _ = announce.send(url.clone());
        }),
    };
    let program = tokio::spawn(check_integration(config));
    // The user's part: sign in and consent in the browser, which then follows the redirect to
    // the program's loopback callback.
    let url = tokio::time::timeout(Duration::from_secs(30), authorize_url.recv())
        .await
        .expect("the program shows the sign-in URL")
        .expect("announced");
    let redirect = server.authorize_headless(&url, "ada").await;
    let answer = reqwest::get(redirect.as_str())
        .await
        .expect("the callback answers");
    assert!(answer.status().is_success(), "{}", answer.status());

    let checks = tokio::time::timeout(Duration::from_secs(120), program)
        .await
        .expect("the checks end")
        .expect("no panic");
    let lines: Vec<&str> = checks.lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(checks.failed(), 0, "{lines:#?}");
    for expected in [
        "sign-in redirect",
        "code exchange",
        "user profile",
        "hubs",
        "projects",
        "top folders",
        "folder contents",
        "item",
        "refresh",
        "refreshed token works",
        "OSS: create bucket",
        "OSS: upload",
        "OSS: download and compare",
        "OSS: delete object",
        "OSS: delete bucket",
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("[ ok ] {expected}"))),
            "no ok line for {expected}: {lines:#?}"
        );
    }
    // It walked the answers as the service sends them (`tests/oidc/resources.mjs`): two top
    // folders (the second empty), the first holding a subfolder and two items, the first item a
    // Revit model whose extension data is strings, not the objects the schemas declare.
    for expected in [
        "[ ok ] top folders: 2 folder(s)",
        "[ ok ] folder contents: 3 entr(ies), 1 page(s)",
        "[ ok ] projects: 1 project(s) in the first hub, 1 page(s)",
        "[ ok ] item: `my_model.rvt`",
        // A multi-part upload through the transfer helper, and its ranged download.
        "[ ok ] OSS: upload (3 parts, signed S3 URLs): 10486760 bytes",
        "[ ok ] OSS: download and compare: 10486760 bytes, identical",
    ] {
        assert!(lines.contains(&expected), "no {expected:?} in {lines:#?}");
    }
    // The rate-limit headers are read and shown.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("[ ok ] hubs") && l.contains("requests left")),
        "{lines:#?}"
    );
    // The refresh token rotated, and nothing secret was printed.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("the refresh token rotated")),
        "{lines:#?}"
    );
    for line in &lines {
        assert!(!line.contains(BASIC_CLIENT.1), "{line}");
    }
    // The resource routes saw the calls (each with a token of the right scopes).
    let counts = server.resource_counts().await;
    assert!(counts.to_string().contains("hubs"), "{counts}");
}

/// Each operation asks the token source for exactly the scopes it declares: the routes refuse
/// a token lacking them (`403`), so a wrong request would fail; here a user session without
/// `data:read` is refused before anything is sent, naming the scope.
#[tokio::test]
async fn a_user_without_the_operations_scope_is_refused_before_sending() {
    use aps_auth_generated::generated::data_management;
    use aps_auth_generated::oauth::{ClientSecret, Credentials, OAuthClient, Token};
    use aps_auth_generated::{AuthError, Client, Error};
    let oauth = OAuthClient::builder(Credentials::confidential("id", ClientSecret::new("s")))
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let token = Token::from_stored(
        serde_json::from_value(serde_json::json!({
            "access_token": "a", "token_type": "Bearer", "expires_at_ms": 4_000_000_000_000u64,
            "lifetime_s": 3600, "scope": "user-profile:read", "refresh_token": "r"
        }))
        .unwrap(),
    );
    let api = Client::builder()
        .base_url("http://127.0.0.1:9")
        .token_source(oauth.session(token))
        .build()
        .unwrap();
    let err = data_management::Client::from_client(api)
        .get_hubs()
        .await
        .unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(&**auth, AuthError::MissingScopes { missing } if missing == &["data:read"]),
        "{err}"
    );
}
