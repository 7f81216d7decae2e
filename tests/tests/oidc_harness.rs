//! Checks the test OIDC server (`tests/oidc/server.mjs`) and its harness (`aps_auth_tests::oidc`)
//! with raw HTTP requests only.

use aps_auth_tests::oidc::{
    BASIC_CLIENT, OidcServer, POST_CLIENT, PUBLIC_CLIENT_ID, REDIRECT_URI, WEIRD_CLIENT,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

const TOKEN: &str = "/authentication/v2/token";

/// Starts a server, or returns from the test when Node.js is missing and skipping is allowed.
macro_rules! server {
    () => {
        match OidcServer::start() {
            Some(server) => server,
            None => return,
        }
    };
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .unwrap()
}

/// RFC 6749 2.3.1: form-urlencode id and secret, then base64 `id:secret`.
fn basic_auth((id, secret): (&str, &str)) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

async fn post_form(
    server: &OidcServer,
    path: &str,
    auth: Option<String>,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let mut request = http().post(server.url(path)).form(form);
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
    };
    (status, body)
}

fn assert_client_credentials_token(status: u16, body: &Value, scope: &str) {
    assert_eq!(status, 200, "{body}");
    assert!(
        body["access_token"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert_eq!(body["token_type"], "Bearer", "{body}");
    assert_eq!(body["expires_in"], 3600, "{body}");
    assert_eq!(body["scope"], scope, "{body}");
}

#[tokio::test]
async fn client_credentials_with_client_secret_basic() {
    let server = server!();
    let scope = "data:read bucket:read";
    let (status, body) = post_form(
        &server,
        TOKEN,
        Some(basic_auth(BASIC_CLIENT)),
        &[("grant_type", "client_credentials"), ("scope", scope)],
    )
    .await;
    assert_client_credentials_token(status, &body, scope);

    let (status, body) = post_form(
        &server,
        TOKEN,
        Some(basic_auth((BASIC_CLIENT.0, "wrong"))),
        &[("grant_type", "client_credentials"), ("scope", scope)],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("invalid_client")),
        "{body}"
    );
}

#[tokio::test]
async fn client_credentials_with_a_secret_that_needs_form_urlencoding() {
    let server = server!();
    let scope = "data:read data:write code:all";
    let (status, body) = post_form(
        &server,
        TOKEN,
        Some(basic_auth(WEIRD_CLIENT)),
        &[("grant_type", "client_credentials"), ("scope", scope)],
    )
    .await;
    assert_client_credentials_token(status, &body, scope);

    // Without the form-urlencoding step the server refuses the credentials.
    let raw = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", WEIRD_CLIENT.0, WEIRD_CLIENT.1))
    );
    let (status, body) = post_form(
        &server,
        TOKEN,
        Some(raw),
        &[("grant_type", "client_credentials"), ("scope", scope)],
    )
    .await;
    assert_ne!(status, 200, "{body}");
}

#[tokio::test]
async fn client_credentials_with_client_secret_post() {
    let server = server!();
    let scope = "bucket:create bucket:delete";
    let (status, body) = post_form(
        &server,
        TOKEN,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            ("client_id", POST_CLIENT.0),
            ("client_secret", POST_CLIENT.1),
        ],
    )
    .await;
    assert_client_credentials_token(status, &body, scope);
}

fn pkce() -> (String, String) {
    let verifier = format!(
        "{}-verifier-0123456789abcdefghijklmnopqrstuvwxyz",
        std::process::id()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn authorize_url(
    server: &OidcServer,
    redirect_uri: &str,
    scope: &str,
    challenge: Option<&str>,
) -> Url {
    let mut url = Url::parse(&server.url("/authentication/v2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", PUBLIC_CLIENT_ID)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", scope)
        .append_pair("state", "the-state");
    if let Some(challenge) = challenge {
        url.query_pairs_mut()
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
    }
    url
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn authorization_code_with_pkce_refresh_rotation_and_profile() {
    let server = server!();
    let (verifier, challenge) = pkce();
    // The registered redirect URI has no port; native clients may use any loopback port.
    let redirect_uri = "http://127.0.0.1:54321/callback";
    assert_eq!(REDIRECT_URI, "http://127.0.0.1/callback");
    let scope = "data:read user-profile:read";

    let target = server
        .authorize_headless(
            &authorize_url(&server, redirect_uri, scope, Some(&challenge)),
            "alice",
        )
        .await;
    assert_eq!(target.port(), Some(54321), "{target}");
    assert_eq!(
        query(&target, "state").as_deref(),
        Some("the-state"),
        "{target}"
    );
    let code = query(&target, "code").unwrap_or_else(|| panic!("no code in {target}"));

    // A wrong verifier is refused.
    let (status, body) = post_form(
        &server,
        TOKEN,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect_uri),
            ("client_id", PUBLIC_CLIENT_ID),
            (
                "code_verifier",
                "x-wrong-verifier-0123456789abcdefghijklmnopqrstuvwxyz",
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalid_grant")),
        "{body}"
    );

    // That consumed the code; get a new one.
    let target = server
        .authorize_headless(
            &authorize_url(&server, redirect_uri, scope, Some(&challenge)),
            "alice",
        )
        .await;
    let code = query(&target, "code").unwrap_or_else(|| panic!("no code in {target}"));
    let (status, tokens) = post_form(
        &server,
        TOKEN,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect_uri),
            ("client_id", PUBLIC_CLIENT_ID),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer", "{tokens}");
    assert_eq!(tokens["expires_in"], 3600, "{tokens}");
    assert_eq!(tokens["scope"], scope, "{tokens}");
    let access_token = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh_1 = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();

    // The profile endpoint.
    let response = http()
        .get(server.url("/userprofile/v1/users/@me"))
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let profile: Value = response.json().await.unwrap();
    assert_eq!(profile["userId"], "alice", "{profile}");
    assert_eq!(profile["emailId"], "alice@example.com", "{profile}");
    assert_eq!(profile["2FaEnabled"], false, "{profile}");
    let response = http()
        .get(server.url("/userprofile/v1/users/@me"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["errorCode"], "AUTH-001", "{error}");

    // Refresh: a new (rotated) refresh token.
    let (status, refreshed) = post_form(
        &server,
        TOKEN,
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_1),
            ("client_id", PUBLIC_CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    let refresh_2 = refreshed["refresh_token"]
        .as_str()
        .expect("a rotated refresh token");
    assert_ne!(refresh_2, refresh_1);
    assert_ne!(refreshed["access_token"].as_str().unwrap(), access_token);

    // The old refresh token is refused.
    let (status, body) = post_form(
        &server,
        TOKEN,
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_1),
            ("client_id", PUBLIC_CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalid_grant")),
        "{body}"
    );

    let counts = server.token_counts().await;
    assert_eq!(
        counts,
        json!({"token": {"client_credentials": 0, "authorization_code": 2, "refresh_token": 2}})
    );
}

#[tokio::test]
async fn authorization_code_for_confidential_client_and_missing_pkce() {
    let server = server!();
    let (verifier, challenge) = pkce();
    let mut url = Url::parse(&server.url("/authentication/v2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", BASIC_CLIENT.0)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "data:read data:write")
        .append_pair("state", "s1")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let target = server.authorize_headless(&url, "bob").await;
    let code = query(&target, "code").unwrap_or_else(|| panic!("no code in {target}"));
    let (status, tokens) = post_form(
        &server,
        TOKEN,
        Some(basic_auth(BASIC_CLIENT)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "data:read data:write", "{tokens}");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");

    // PKCE is required: without a code_challenge the server redirects back with an error.
    let target = server
        .authorize_headless(
            &authorize_url(&server, REDIRECT_URI, "data:read", None),
            "bob",
        )
        .await;
    assert_eq!(
        query(&target, "error").as_deref(),
        Some("invalid_request"),
        "{target}"
    );
    assert_eq!(
        query(&target, "state").as_deref(),
        Some("the-state"),
        "{target}"
    );
}

#[tokio::test]
async fn introspection_and_revocation() {
    let server = server!();
    let (_, body) = post_form(
        &server,
        TOKEN,
        Some(basic_auth(BASIC_CLIENT)),
        &[("grant_type", "client_credentials"), ("scope", "data:read")],
    )
    .await;
    let token = body["access_token"].as_str().unwrap().to_owned();

    let introspect_form = [("token", token.as_str())];
    let introspect = || {
        post_form(
            &server,
            "/authentication/v2/introspect",
            Some(basic_auth(BASIC_CLIENT)),
            &introspect_form,
        )
    };
    let (status, body) = introspect().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], true, "{body}");
    assert_eq!(body["client_id"], BASIC_CLIENT.0, "{body}");
    assert_eq!(body["scope"], "data:read", "{body}");

    let (status, body) = post_form(
        &server,
        "/authentication/v2/revoke",
        Some(basic_auth(BASIC_CLIENT)),
        &[("token", &token), ("token_type_hint", "access_token")],
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = introspect().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false, "{body}");
}

#[tokio::test]
async fn keys_profile_of_app_token_and_counts() {
    let server = server!();
    let response = http()
        .get(server.url("/authentication/v2/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let jwks: Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().expect("keys");
    assert!(!keys.is_empty(), "{jwks}");
    assert!(
        keys.iter().all(|k| k.get("d").is_none()),
        "private key material in {jwks}"
    );

    let discovery: Value = http()
        .get(server.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], server.base_url());
    assert_eq!(discovery["token_endpoint"], server.url(TOKEN));

    server.reset_counts().await;
    for _ in 0..3 {
        let (status, body) = post_form(
            &server,
            TOKEN,
            Some(basic_auth(BASIC_CLIENT)),
            &[("grant_type", "client_credentials"), ("scope", "data:read")],
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    // A failing request counts too.
    let (status, body) = post_form(
        &server,
        TOKEN,
        Some(basic_auth(BASIC_CLIENT)),
        &[("grant_type", "refresh_token"), ("refresh_token", "nope")],
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // A two-legged token does not give a user profile.
    let (_, body) = post_form(
        &server,
        TOKEN,
        Some(basic_auth(BASIC_CLIENT)),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "user-profile:read"),
        ],
    )
    .await;
    let response = http()
        .get(server.url("/userprofile/v1/users/@me"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    assert_eq!(
        server.token_counts().await,
        json!({"token": {"client_credentials": 4, "authorization_code": 0, "refresh_token": 1}})
    );
    server.reset_counts().await;
    assert_eq!(
        server.token_counts().await,
        json!({"token": {"client_credentials": 0, "authorization_code": 0, "refresh_token": 0}})
    );
}

#[tokio::test]
async fn many_servers_start_concurrently_and_stop_on_drop() {
    let handles: Vec<_> = (0..6)
        .map(|_| std::thread::spawn(OidcServer::start))
        .collect();
    let servers: Vec<OidcServer> = handles
        .into_iter()
        .filter_map(|h| h.join().unwrap())
        .collect();
    let mut urls: Vec<&str> = servers.iter().map(OidcServer::base_url).collect();
    urls.sort_unstable();
    urls.dedup();
    assert_eq!(urls.len(), servers.len());
    let Some(first) = servers.first() else { return };
    let url = first.url("/authentication/v2/keys");
    assert_eq!(http().get(&url).send().await.unwrap().status(), 200);
    drop(servers);
    assert!(
        http().get(&url).send().await.is_err(),
        "the server still answers after drop"
    );
}
