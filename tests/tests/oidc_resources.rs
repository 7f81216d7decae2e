//! The fake APS resource routes of the test OIDC server (`tests/oidc/resources.mjs`), driven with
//! raw HTTP as an integrator's program would: real tokens from the server (two-legged with
//! `client_credentials`, three-legged through the headless sign-in), the Data Management walk
//! hubs -> projects -> top folders -> contents -> item, the OSS bucket / signed S3 upload /
//! signed S3 download cycle, and the refusals (401 without a valid token of this server, 403
//! without the route's scope). Every answer is checked against the schema Autodesk's published
//! document (`spec/data-management.yaml`, `spec/oss.yaml`) declares for it, but for the few
//! [`DEVIATIONS`] of the service from those schemas (most shown by the document's own examples),
//! and decoded by the generated clients (`data_management`, `oss`) as a program would.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use aps_auth_generated::generated::data_management::{
    self,
    types::{FolderContentsDataItem, ItemData},
};
use aps_auth_generated::generated::oss::{
    self,
    types::{Completes3uploadBody, CreateBucketsPayload, PolicyKey, Region},
};
use aps_auth_generated::{Client, StaticToken};
use aps_auth_tests::oidc::{
    BASIC_CLIENT, HUB_ID, ITEM_ID, OidcServer, POST_CLIENT, PROJECT_ID, PUBLIC_CLIENT_ID,
    TOP_FOLDER_ID,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

const TOKEN: &str = "/authentication/v2/token";
/// The contents route's template.
const CONTENTS: &str = "/data/v1/projects/{project_id}/folders/{folder_id}/contents";

// More of the fixed Data Management data of `tests/oidc/resources.mjs`.
/// The second top folder of [`PROJECT_ID`], empty.
const EMPTY_FOLDER_ID: &str = "urn:adsk.wipprod:fs.folder:co.empty-folder-1";
/// The subfolder of [`TOP_FOLDER_ID`], empty.
const SUB_FOLDER_ID: &str = "urn:adsk.wipprod:fs.folder:co.sub-folder-1";
/// The tip version of [`ITEM_ID`] (a Revit cloud model).
const VERSION_ID: &str = "urn:adsk.wipprod:fs.file:vf.item-1?version=1";
/// The second item of [`TOP_FOLDER_ID`] (a PDF file), and its tip version.
const PDF_ITEM_ID: &str = "urn:adsk.wipprod:dm.lineage:item-2";
const PDF_VERSION_ID: &str = "urn:adsk.wipprod:fs.file:vf.item-2?version=1";
const DM: Api = Api::DataManagement;
const OSS: Api = Api::Oss;

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
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap()
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
fn enc(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/// A two-legged (client credentials) access token of `client` with `scope`.
async fn app_token(server: &OidcServer, (id, secret): (&str, &str), scope: &str) -> String {
    let response = http()
        .post(server.url(TOKEN))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], scope, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// The token response of a three-legged sign-in: the public client asks for `scope` with PKCE,
/// the harness's headless browser logs in as `login` and consents, the code is exchanged.
async fn user_tokens(server: &OidcServer, login: &str, scope: &str) -> Value {
    let verifier = format!("{login}-verifier-0123456789abcdefghijklmnopqrstuvwxyz-0123456789");
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let redirect_uri = "http://127.0.0.1:43210/callback";
    let mut authorize = Url::parse(&server.url("/authentication/v2/authorize")).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", PUBLIC_CLIENT_ID)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", scope)
        .append_pair("state", "resource-tests")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let target = server.authorize_headless(&authorize, login).await;
    let code = target
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {target}"));
    let response = http()
        .post(server.url(TOKEN))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect_uri),
            ("client_id", PUBLIC_CLIENT_ID),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], scope, "{body}");
    body
}

/// The access token of a three-legged sign-in with `scope`.
async fn user_token(server: &OidcServer, scope: &str) -> String {
    user_tokens(server, "ada", scope).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// Requests and answers
// ---------------------------------------------------------------------------------------------

/// One answer: status, content type (without parameters), raw body and headers.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
    headers: reqwest::header::HeaderMap,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answer is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// Sends `method url` with an optional bearer token and JSON body.
async fn call(method: Method, url: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
    let mut request = http().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    send(request).await
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let body = response.bytes().await.unwrap().to_vec();
    Answer {
        status,
        content_type,
        body,
        headers,
    }
}

// ---------------------------------------------------------------------------------------------
// Checking answers against Autodesk's documents
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Api {
    DataManagement,
    Oss,
}

impl Api {
    fn document(self) -> &'static Value {
        static DM_DOC: OnceLock<Value> = OnceLock::new();
        static OSS_DOC: OnceLock<Value> = OnceLock::new();
        let (cell, file) = match self {
            Api::DataManagement => (&DM_DOC, "spec/data-management.yaml"),
            Api::Oss => (&OSS_DOC, "spec/oss.yaml"),
        };
        cell.get_or_init(|| {
            yaml_serde::from_str(&aps_auth_tests::read(file)).expect("the document is YAML")
        })
    }
}

/// Resolves a local `$ref` (`#/components/...`) of `doc`.
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("non-local $ref {reference}"));
        node = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("dangling $ref {reference}"));
    }
    node
}

/// The schema `api`'s document declares for `method template` answering `status` (the first
/// media type's), or `None` when the document declares no body for it.
fn declared_schema(api: Api, method: &str, template: &str, status: u16) -> Option<&'static Value> {
    let doc = api.document();
    let operation = &doc["paths"][template][method.to_lowercase()];
    assert!(operation.is_object(), "{api:?} has no {method} {template}");
    // Error answers the document does not list are only checked to be JSON.
    let Some(response) = operation["responses"].get(status.to_string()) else {
        assert!(
            status >= 400,
            "{api:?} {method} {template} declares no {status}"
        );
        return None;
    };
    let response = resolve(doc, response);
    let content = response.get("content")?.as_object()?;
    let (_, media) = content.iter().next()?;
    media.get("schema").map(|schema| resolve(doc, schema))
}

/// Checks `value` against an OpenAPI 3.0 `schema` of `doc`: `$ref`, `type`, `nullable`, `enum`,
/// `required`, `properties`, `additionalProperties`, `items`, `minItems`, `allOf`, `anyOf` and
/// `oneOf` (`pattern` and `format` are not checked). Appends one line per violation, but for
/// those `tolerated` says to pass over (also inside the alternatives of `anyOf` and `oneOf`).
fn check(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    tolerated: &dyn Fn(&str) -> bool,
    errors: &mut Vec<String>,
) {
    let schema = resolve(doc, schema);
    if value.is_null() && schema["nullable"] == json!(true) {
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for sub in all {
            check(doc, sub, value, at, tolerated, errors);
        }
    }
    for (keyword, exactly_one) in [("anyOf", false), ("oneOf", true)] {
        if let Some(options) = schema[keyword].as_array() {
            let passing = options
                .iter()
                .filter(|sub| {
                    let mut e = Vec::new();
                    check(doc, sub, value, at, tolerated, &mut e);
                    e.iter().all(|line| tolerated(line))
                })
                .count();
            if passing == 0 || (exactly_one && passing > 1) {
                errors.push(format!("{at}: {passing} of the {keyword} schemas match"));
            }
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    let type_ok = match schema["type"].as_str() {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some(other) => panic!("{at}: unknown type {other}"),
    };
    if !type_ok {
        errors.push(format!("{at}: {value} is not of type {}", schema["type"]));
        return;
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            if !object.contains_key(name) {
                errors.push(format!("{at}: required member {name} is missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, member) in object {
            let at = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => check(doc, sub, member, &at, tolerated, errors),
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) => errors.push(format!("{at}: not allowed")),
                    extra @ Value::Object(_) => check(doc, extra, member, &at, tolerated, errors),
                    _ => {}
                },
            }
        }
    }
    if let Some(array) = value.as_array() {
        if let Some(min) = schema["minItems"].as_u64()
            && (array.len() as u64) < min
        {
            errors.push(format!("{at}: fewer than {min} items"));
        }
        if let Some(items) = schema.get("items") {
            for (i, item) in array.iter().enumerate() {
                check(doc, items, item, &format!("{at}[{i}]"), tolerated, errors);
            }
        }
    }
}

/// Where the service's answers depart from the schemas of its document, as the test server's
/// answers do: (what, the document's example that shows it, if any, which violation lines of
/// [`check`] it explains, given the route template).
struct Deviation {
    what: &'static str,
    shown_by: Option<&'static str>,
    explains: fn(template: &str, line: &str) -> bool,
}

const DEVIATIONS: &[Deviation] = &[
    Deviation {
        what: "`attributes.extension.data` values are strings, numbers, booleans, arrays, null \
               (the schemas say objects)",
        shown_by: Some("/components/schemas/TopFolders/x-examples/example-1"),
        explains: |_, line| {
            line.contains(".attributes.extension.data.")
                && line.ends_with(r#"is not of type "object""#)
        },
    },
    Deviation {
        what: "a version's `extension` may lack the `schema` link the schema requires",
        shown_by: Some("/components/schemas/CreatedVersion/x-examples/example-1"),
        explains: |_, line| {
            line.starts_with("$.included[")
                && line.ends_with(".attributes.extension: required member schema is missing")
        },
    },
    Deviation {
        what: "an empty folder's contents are `data: []` (the schema says `minItems: 1`)",
        shown_by: None,
        explains: |template, line| template == CONTENTS && line == "$.data: fewer than 1 items",
    },
];

/// Asserts that `answer` has `status` and a JSON body that validates against the schema the
/// document declares for it, but for the [`DEVIATIONS`] (and that it is JSON at all when the
/// document declares none).
fn assert_conforms(api: Api, method: &str, template: &str, answer: &Answer, status: u16) -> Value {
    let body = answer.json();
    assert_eq!(answer.status, status, "{method} {template}: {body}");
    if let Some(schema) = declared_schema(api, method, template, status) {
        let tolerated = |line: &str| DEVIATIONS.iter().any(|d| (d.explains)(template, line));
        let mut errors = Vec::new();
        check(api.document(), schema, &body, "$", &tolerated, &mut errors);
        errors.retain(|line| !tolerated(line));
        assert!(
            errors.is_empty(),
            "{method} {template} {status} does not match {api:?}'s schema:\n{}\n{body:#}",
            errors.join("\n")
        );
    }
    body
}

// ---------------------------------------------------------------------------------------------
// The routes
// ---------------------------------------------------------------------------------------------

/// A Data Management route: (template, concrete path for the fixed data).
fn dm_routes() -> Vec<(&'static str, String)> {
    vec![
        ("/project/v1/hubs", "/project/v1/hubs".to_owned()),
        (
            "/project/v1/hubs/{hub_id}/projects",
            format!("/project/v1/hubs/{}/projects", enc(HUB_ID)),
        ),
        (
            "/project/v1/hubs/{hub_id}/projects/{project_id}/topFolders",
            format!(
                "/project/v1/hubs/{}/projects/{}/topFolders",
                enc(HUB_ID),
                enc(PROJECT_ID)
            ),
        ),
        (
            "/data/v1/projects/{project_id}/folders/{folder_id}/contents",
            format!(
                "/data/v1/projects/{}/folders/{}/contents",
                enc(PROJECT_ID),
                enc(TOP_FOLDER_ID)
            ),
        ),
        (
            "/data/v1/projects/{project_id}/items/{item_id}",
            format!(
                "/data/v1/projects/{}/items/{}",
                enc(PROJECT_ID),
                enc(ITEM_ID)
            ),
        ),
    ]
}

/// Every bearer-protected route: (method, template, path, scopes of which one is needed).
fn protected_routes() -> Vec<(Method, String, String, &'static [&'static str])> {
    let mut routes: Vec<_> = dm_routes()
        .into_iter()
        .map(|(template, path)| {
            (
                Method::GET,
                template.to_owned(),
                path,
                &["data:read"] as &[&str],
            )
        })
        .collect();
    let object = "/oss/v2/buckets/some-bucket/objects/some-object";
    let write_or_create: &[&str] = &["data:write", "data:create"];
    routes.extend([
        (
            Method::POST,
            "/oss/v2/buckets".to_owned(),
            "/oss/v2/buckets".to_owned(),
            &["bucket:create"] as &[&str],
        ),
        (
            Method::DELETE,
            "/oss/v2/buckets/{bucketKey}".to_owned(),
            "/oss/v2/buckets/some-bucket".to_owned(),
            &["bucket:delete"],
        ),
        (
            Method::GET,
            "/oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3upload".to_owned(),
            format!("{object}/signeds3upload"),
            write_or_create,
        ),
        (
            Method::POST,
            "/oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3upload".to_owned(),
            format!("{object}/signeds3upload"),
            write_or_create,
        ),
        (
            Method::GET,
            "/oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3download".to_owned(),
            format!("{object}/signeds3download"),
            &["data:read"],
        ),
        (
            Method::DELETE,
            "/oss/v2/buckets/{bucketKey}/objects/{objectKey}".to_owned(),
            object.to_owned(),
            &["data:write"],
        ),
    ]);
    routes
}

/// The body sent to a route in the refusal tests (valid where a body is expected).
fn body_for(method: &Method, template: &str) -> Option<Value> {
    match (method.as_str(), template) {
        ("POST", "/oss/v2/buckets") => {
            Some(json!({"bucketKey": "some-bucket", "policyKey": "transient"}))
        }
        ("POST", _) => Some(json!({"uploadKey": "some-upload"})),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn no_token_a_forged_or_a_dead_token_gets_401() {
    let server = server!();
    let tokens = user_tokens(&server, "ada", "openid data:read data:write").await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    let id_token = tokens["id_token"].as_str().unwrap().to_owned();
    // A token of this server, then revoked.
    let revoked = app_token(&server, BASIC_CLIENT, "data:read bucket:delete").await;
    let response = http()
        .post(server.url("/authentication/v2/revoke"))
        .basic_auth(BASIC_CLIENT.0, Some(BASIC_CLIENT.1))
        .form(&[("token", revoked.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.reset_counts().await;

    let bad_headers = [
        None,
        Some("Bearer".to_owned()),
        Some("Bearer not-a-token-of-this-server".to_owned()),
        Some(format!(
            "Basic {}",
            STANDARD.encode("basic-client:basic-secret")
        )),
        // Tokens of this server that are not (live) access tokens.
        Some(format!("Bearer {revoked}")),
        Some(format!("Bearer {refresh_token}")),
        Some(format!("Bearer {id_token}")),
    ];
    let routes = protected_routes();
    for (method, template, path, _) in &routes {
        for header in &bad_headers {
            let mut request = http().request(method.clone(), server.url(path));
            if let Some(header) = header {
                request = request.header("Authorization", header);
            }
            if let Some(body) = body_for(method, template) {
                request = request.json(&body);
            }
            let answer = send(request).await;
            let body = answer.json();
            assert_eq!(
                answer.status, 401,
                "{method} {path} with {header:?}: {body}"
            );
            assert_eq!(answer.content_type, "application/json", "{method} {path}");
            assert_eq!(body["errorCode"], "AUTH-001", "{body}");
            assert!(
                answer.header("www-authenticate").starts_with("Bearer"),
                "{method} {path}"
            );
            if template.starts_with("/project/") || template.starts_with("/data/") {
                assert_conforms(DM, method.as_str(), template, &answer, 401);
            }
        }
    }

    // Every refused request was counted, by route.
    let counts = server.resource_counts().await;
    for (method, template, _, _) in &routes {
        assert_eq!(
            counts[format!("{method} {template}")],
            bad_headers.len(),
            "{counts}"
        );
    }
}

#[tokio::test]
async fn a_valid_token_without_the_scope_gets_403_naming_it() {
    let server = server!();
    // Two-legged and three-legged tokens of this server, with none of the routes' scopes.
    let app = app_token(&server, BASIC_CLIENT, "bucket:read data:search").await;
    let user = user_token(&server, "user-profile:read").await;
    for token in [&app, &user] {
        for (method, template, path, scopes) in protected_routes() {
            let answer = call(
                method.clone(),
                &server.url(&path),
                Some(token),
                body_for(&method, &template).as_ref(),
            )
            .await;
            let body = answer.json();
            assert_eq!(answer.status, 403, "{method} {path}: {body}");
            assert_eq!(body["errorCode"], "AUTH-010", "{body}");
            assert_eq!(body["missingScopes"], json!(scopes), "{body}");
            let message = body["developerMessage"].as_str().unwrap();
            assert!(
                scopes.iter().all(|s| message.contains(s)),
                "{method} {path}: {message}"
            );
            assert!(
                answer
                    .header("www-authenticate")
                    .contains("insufficient_scope"),
                "{method} {path}"
            );
            if template.starts_with("/project/") || template.starts_with("/data/") {
                assert_conforms(DM, method.as_str(), &template, &answer, 403);
            }
        }
    }

    // A user token with data:read reads Data Management but not OSS: OSS needs an app token.
    let user = user_token(&server, "data:read data:write bucket:create").await;
    let answer = call(
        Method::POST,
        &server.url("/oss/v2/buckets"),
        Some(&user),
        Some(&json!({"bucketKey": "users-bucket", "policyKey": "transient"})),
    )
    .await;
    assert_eq!(answer.status, 403, "{}", answer.json());
    assert!(
        answer.json()["developerMessage"]
            .as_str()
            .unwrap()
            .contains("two-legged"),
        "{}",
        answer.json()
    );
}

#[tokio::test]
async fn the_data_management_walk_with_a_user_token() {
    let server = server!();
    let token = user_token(&server, "data:read").await;
    server.reset_counts().await;

    // Each step takes the ids from the previous answer, as a program would.
    let get = |path: String| {
        let url = server.url(&path);
        let token = token.clone();
        async move { call(Method::GET, &url, Some(&token), None).await }
    };
    let answer = get("/project/v1/hubs".to_owned()).await;
    assert_eq!(answer.content_type, "application/vnd.api+json");
    let hubs = assert_conforms(DM, "GET", "/project/v1/hubs", &answer, 200);
    assert_eq!(hubs["data"].as_array().unwrap().len(), 1, "{hubs}");
    let hub_id = hubs["data"][0]["id"].as_str().unwrap();
    assert_eq!(hub_id, HUB_ID);

    let template = "/project/v1/hubs/{hub_id}/projects";
    let answer = get(format!("/project/v1/hubs/{}/projects", enc(hub_id))).await;
    assert_eq!(answer.content_type, "application/vnd.api+json");
    let projects = assert_conforms(DM, "GET", template, &answer, 200);
    let project_id = projects["data"][0]["id"].as_str().unwrap();
    assert_eq!(project_id, PROJECT_ID);

    let template = "/project/v1/hubs/{hub_id}/projects/{project_id}/topFolders";
    let answer = get(format!(
        "/project/v1/hubs/{}/projects/{}/topFolders",
        enc(hub_id),
        enc(project_id)
    ))
    .await;
    let folders = assert_conforms(DM, "GET", template, &answer, 200);
    // Two top folders: the first holds the items, the second is empty.
    assert_eq!(folders["data"].as_array().unwrap().len(), 2, "{folders}");
    assert_eq!(folders["data"][1]["id"], EMPTY_FOLDER_ID, "{folders}");
    assert_eq!(
        folders["data"][1]["attributes"]["objectCount"], 0,
        "{folders}"
    );
    let folder_id = folders["data"][0]["id"].as_str().unwrap();
    assert_eq!(folder_id, TOP_FOLDER_ID);
    // The folder's own link to its contents leads to the same route.
    let contents_link = folders["data"][0]["relationships"]["contents"]["links"]["related"]["href"]
        .as_str()
        .unwrap()
        .to_owned();

    let answer = call(Method::GET, &contents_link, Some(&token), None).await;
    assert_eq!(answer.content_type, "application/vnd.api+json");
    let contents = assert_conforms(DM, "GET", CONTENTS, &answer, 200);
    // A subfolder comes first, as in the document's example; the first item follows.
    assert_eq!(contents["data"][0]["type"], "folders", "{contents}");
    let item = contents["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["type"] == "items")
        .unwrap_or_else(|| panic!("no item in {contents}"));
    let item_id = item["id"].as_str().unwrap();
    assert_eq!(item_id, ITEM_ID);

    let template = "/data/v1/projects/{project_id}/items/{item_id}";
    let answer = get(format!(
        "/data/v1/projects/{}/items/{}",
        enc(project_id),
        enc(item_id)
    ))
    .await;
    let fetched = assert_conforms(DM, "GET", template, &answer, 200);
    assert_eq!(fetched["data"]["id"], item_id);
    assert_eq!(fetched["data"]["attributes"], item["attributes"]);
    assert_eq!(
        fetched["included"][0]["id"],
        item["relationships"]["tip"]["data"]["id"]
    );

    let counts = server.resource_counts().await;
    for (template, _) in dm_routes() {
        assert_eq!(counts[format!("GET {template}")], 1, "{counts}");
    }

    // Unknown ids: 404 with a JSON:API error document.
    let unknown = [
        (
            "/project/v1/hubs/{hub_id}/projects",
            "/project/v1/hubs/b.no-such-hub/projects".to_owned(),
        ),
        (
            "/project/v1/hubs/{hub_id}/projects/{project_id}/topFolders",
            format!(
                "/project/v1/hubs/{}/projects/b.nope/topFolders",
                enc(HUB_ID)
            ),
        ),
        (
            "/data/v1/projects/{project_id}/folders/{folder_id}/contents",
            format!(
                "/data/v1/projects/{}/folders/{}/contents",
                enc(PROJECT_ID),
                enc("urn:adsk.wipprod:fs.folder:co.nope")
            ),
        ),
        (
            "/data/v1/projects/{project_id}/items/{item_id}",
            format!("/data/v1/projects/b.nope/items/{}", enc(ITEM_ID)),
        ),
        (
            "/data/v1/projects/{project_id}/items/{item_id}",
            format!(
                "/data/v1/projects/{}/items/{}",
                enc(PROJECT_ID),
                enc("urn:adsk.wipprod:dm.lineage:nope")
            ),
        ),
    ];
    for (template, path) in unknown {
        let answer = get(path.clone()).await;
        assert_eq!(answer.content_type, "application/vnd.api+json", "{path}");
        let body = assert_conforms(DM, "GET", template, &answer, 404);
        assert_eq!(body["jsonapi"]["version"], "1.0", "{body}");
        assert_eq!(body["errors"][0]["status"], "404", "{body}");
        assert!(body["errors"][0]["detail"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn the_data_management_routes_also_take_an_app_token() {
    let server = server!();
    let token = app_token(&server, BASIC_CLIENT, "data:read").await;
    for (template, path) in dm_routes() {
        let answer = call(Method::GET, &server.url(&path), Some(&token), None).await;
        assert_conforms(DM, "GET", template, &answer, 200);
    }
}

/// The OSS templates used below.
const BUCKETS: &str = "/oss/v2/buckets";
const BUCKET: &str = "/oss/v2/buckets/{bucketKey}";
const OBJECT: &str = "/oss/v2/buckets/{bucketKey}/objects/{objectKey}";
const UPLOAD: &str = "/oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3upload";
const DOWNLOAD: &str = "/oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3download";

/// Uploads `parts` (one signed URL each) to `bucket/object` and completes the upload; returns
/// the completion's object details.
async fn upload(
    server: &OidcServer,
    token: &str,
    bucket: &str,
    object: &str,
    parts: &[&[u8]],
) -> Value {
    let object_path = format!("/oss/v2/buckets/{}/objects/{}", enc(bucket), enc(object));
    let answer = call(
        Method::GET,
        &server.url(&format!(
            "{object_path}/signeds3upload?parts={}&minutesExpiration=5",
            parts.len()
        )),
        Some(token),
        None,
    )
    .await;
    let signed = assert_conforms(OSS, "GET", UPLOAD, &answer, 200);
    let urls: Vec<&str> = signed["urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), parts.len(), "{signed}");
    let upload_key = signed["uploadKey"].as_str().unwrap();

    let mut etags = Vec::new();
    for (url, bytes) in urls.iter().zip(parts) {
        // Signed URLs point back at this server and need no token.
        assert!(url.starts_with(&server.url("/s3-fake/upload/")), "{url}");
        let put = send(http().put(*url).body(bytes.to_vec())).await;
        assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
        etags.push(put.header("etag").trim_matches('"').to_owned());
        // A signed upload URL works once.
        let again = send(http().put(*url).body(bytes.to_vec())).await;
        assert_eq!(again.status, 403);
    }

    let size: usize = parts.iter().map(|p| p.len()).sum();
    let answer = call(
        Method::POST,
        &server.url(&format!("{object_path}/signeds3upload")),
        Some(token),
        Some(&json!({"uploadKey": upload_key, "size": size, "eTags": etags})),
    )
    .await;
    let details = assert_conforms(OSS, "POST", UPLOAD, &answer, 200);
    assert_eq!(details["bucketKey"], bucket, "{details}");
    assert_eq!(details["objectKey"], object, "{details}");
    assert_eq!(details["size"], size, "{details}");
    assert!(details["objectId"].is_string() && details["location"].is_string());
    details
}

/// Downloads `bucket/object` through a signed S3 download URL.
async fn download(server: &OidcServer, token: &str, bucket: &str, object: &str) -> Vec<u8> {
    let path = format!(
        "/oss/v2/buckets/{}/objects/{}/signeds3download",
        enc(bucket),
        enc(object)
    );
    let answer = call(Method::GET, &server.url(&path), Some(token), None).await;
    let signed = assert_conforms(OSS, "GET", DOWNLOAD, &answer, 200);
    assert_eq!(signed["status"], "complete", "{signed}");
    let url = signed["url"].as_str().unwrap();
    assert!(url.starts_with(&server.url("/s3-fake/download/")), "{url}");
    let got = send(http().get(url)).await;
    assert_eq!(got.status, 200);
    assert_eq!(signed["size"], got.body.len(), "{signed}");
    got.body
}

#[tokio::test]
async fn the_oss_cycle_with_a_two_legged_token() {
    let server = server!();
    let token = app_token(
        &server,
        BASIC_CLIENT,
        "bucket:create bucket:read bucket:delete data:read data:write",
    )
    .await;
    server.reset_counts().await;
    let bucket = "aps-auth-tests-bucket";
    let object = "reports/checklist 1.bin";
    let bucket_path = format!("/oss/v2/buckets/{}", enc(bucket));
    let object_path = format!("{bucket_path}/objects/{}", enc(object));

    // Create the bucket; a second time is a conflict.
    let create = json!({"bucketKey": bucket, "policyKey": "transient"});
    let answer = call(
        Method::POST,
        &server.url(BUCKETS),
        Some(&token),
        Some(&create),
    )
    .await;
    let created = assert_conforms(OSS, "POST", BUCKETS, &answer, 200);
    assert_eq!(created["bucketKey"], bucket, "{created}");
    assert_eq!(created["bucketOwner"], BASIC_CLIENT.0, "{created}");
    assert_eq!(created["policyKey"], "transient", "{created}");
    let answer = call(
        Method::POST,
        &server.url(BUCKETS),
        Some(&token),
        Some(&create),
    )
    .await;
    assert_conforms(OSS, "POST", BUCKETS, &answer, 409);
    // A bucket key against the document's pattern is refused.
    let answer = call(
        Method::POST,
        &server.url(BUCKETS),
        Some(&token),
        Some(&json!({"bucketKey": "Has Capitals", "policyKey": "transient"})),
    )
    .await;
    assert_eq!(answer.status, 400);

    // Upload every byte value, download it, compare.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let details = upload(&server, &token, bucket, object, &[&bytes]).await;
    let sha1 = details["sha1"].as_str().unwrap();
    assert!(
        sha1.len() == 40 && sha1.bytes().all(|b| b.is_ascii_hexdigit()),
        "{details}"
    );
    assert_eq!(download(&server, &token, bucket, object).await, bytes);

    // An unknown signed URL is refused.
    let forged = send(http().put(server.url("/s3-fake/upload/forged")).body("x")).await;
    assert_eq!(forged.status, 403);

    // Another application may not touch this bucket.
    let other = app_token(&server, POST_CLIENT, "bucket:delete data:write").await;
    let answer = call(
        Method::DELETE,
        &server.url(&bucket_path),
        Some(&other),
        None,
    )
    .await;
    assert_eq!(answer.status, 403);

    // Delete the object: its download is gone.
    let answer = call(
        Method::DELETE,
        &server.url(&object_path),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let answer = call(
        Method::GET,
        &server.url(&format!("{object_path}/signeds3download")),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(answer.status, 404);
    let answer = call(
        Method::DELETE,
        &server.url(&object_path),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(answer.status, 404);

    // Delete the bucket: then it is unknown.
    let answer = call(
        Method::DELETE,
        &server.url(&bucket_path),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let answer = call(
        Method::DELETE,
        &server.url(&bucket_path),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(answer.status, 404);
    let answer = call(
        Method::GET,
        &server.url(&format!("{object_path}/signeds3upload")),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(answer.status, 404);

    let counts = server.resource_counts().await;
    let expected = [
        (format!("POST {BUCKETS}"), 3),
        (format!("GET {UPLOAD}"), 2),
        ("PUT /s3-fake/upload/{id}".to_owned(), 3),
        (format!("POST {UPLOAD}"), 1),
        (format!("GET {DOWNLOAD}"), 2),
        ("GET /s3-fake/download/{id}".to_owned(), 1),
        (format!("DELETE {OBJECT}"), 2),
        (format!("DELETE {BUCKET}"), 3),
    ];
    for (route, n) in expected {
        assert_eq!(counts[&route], n, "{route}: {counts}");
    }
}

#[tokio::test]
async fn a_chunked_upload_with_a_data_create_token() {
    let server = server!();
    // data:create is enough for the signed upload, either scope of the route will do.
    let token = app_token(
        &server,
        BASIC_CLIENT,
        "bucket:create data:create data:read bucket:delete",
    )
    .await;
    let bucket = "chunked-bucket";
    let answer = call(
        Method::POST,
        &server.url(BUCKETS),
        Some(&token),
        Some(&json!({"bucketKey": bucket, "policyKey": "temporary"})),
    )
    .await;
    assert_conforms(OSS, "POST", BUCKETS, &answer, 200);
    let first = vec![7u8; 3000];
    let second = b"the last part".to_vec();
    upload(&server, &token, bucket, "two-parts", &[&first, &second]).await;
    let mut whole = first.clone();
    whole.extend_from_slice(&second);
    assert_eq!(download(&server, &token, bucket, "two-parts").await, whole);
    // data:write is needed to delete an object; data:create is not enough.
    let object = format!("/oss/v2/buckets/{bucket}/objects/two-parts");
    let answer = call(Method::DELETE, &server.url(&object), Some(&token), None).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.json()["missingScopes"], json!(["data:write"]));
    let answer = call(
        Method::DELETE,
        &server.url(&format!("/oss/v2/buckets/{bucket}")),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn both_kinds_of_client_may_be_granted_every_route_scope() {
    let server = server!();
    let scope = "data:read data:write data:create bucket:create bucket:read bucket:delete";
    app_token(&server, BASIC_CLIENT, scope).await;
    app_token(&server, POST_CLIENT, scope).await;
    let user = user_token(&server, scope).await;
    let answer = call(
        Method::GET,
        &server.url("/project/v1/hubs"),
        Some(&user),
        None,
    )
    .await;
    assert_eq!(answer.status, 200);
}

// ---------------------------------------------------------------------------------------------
// The answers as the service sends them, decoded by the generated clients
// ---------------------------------------------------------------------------------------------

/// A client of the generated APIs that sends `token`; each call is bounded (15 s).
fn api(server: &OidcServer, token: &str) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .token_source(StaticToken::new(token.to_owned()))
        .timeout(Some(Duration::from_secs(15)))
        .build()
        .unwrap()
}

/// `extension.data` of a decoded resource, which must be there.
fn ext_data<'a>(
    data: &'a Option<BTreeMap<String, Value>>,
    what: &str,
) -> &'a BTreeMap<String, Value> {
    data.as_ref()
        .unwrap_or_else(|| panic!("{what}: no extension data"))
}

/// Each tolerated deviation that cites an example of the document is a violation that example
/// really has: the test server departs from the schemas only where Autodesk's own examples do
/// (or, for the empty folder, where the service does and no example shows it).
#[test]
fn each_tolerated_deviation_is_in_the_documents_own_example() {
    let doc = DM.document();
    for deviation in DEVIATIONS {
        let Some(pointer) = deviation.shown_by else {
            continue;
        };
        let (schema, _) = pointer.split_once("/x-examples/").unwrap();
        let schema = doc.pointer(schema).unwrap_or_else(|| panic!("no {schema}"));
        let example = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("no example {pointer}"));
        let mut errors = Vec::new();
        check(doc, schema, example, "$", &|_| false, &mut errors);
        assert!(
            errors.iter().any(|line| (deviation.explains)("", line)),
            "{}: {pointer} has no such violation: {errors:#?}",
            deviation.what
        );
    }
}

#[tokio::test]
async fn the_answers_as_the_service_sends_them_decode_into_the_generated_types() {
    let server = server!();
    let token = user_token(&server, "data:read").await;
    let dm = data_management::Client::from_client(api(&server, &token));

    // A hub's extension data is empty, as in the Hubs example.
    let hubs = dm.get_hubs().await.unwrap().into_inner().data.unwrap();
    assert_eq!(hubs.len(), 1, "{hubs:?}");
    assert_eq!(hubs[0].id.as_deref(), Some(HUB_ID));
    let extension = hubs[0].attributes.as_ref().unwrap().extension.as_ref();
    assert_eq!(extension.unwrap().data, Some(BTreeMap::new()));

    // A project's: a string.
    let projects = dm
        .get_hub_projects(HUB_ID)
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    assert_eq!(projects[0].id, PROJECT_ID);
    let extension = projects[0].attributes.extension.as_ref().unwrap();
    let data = ext_data(&extension.data, "project");
    assert_eq!(data["projectType"], json!("BIM360"), "{data:?}");

    // Top folders': arrays, a boolean, a string; the second folder is empty.
    let folders = dm
        .get_project_top_folders(HUB_ID, PROJECT_ID)
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    let ids: Vec<&str> = folders.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, [TOP_FOLDER_ID, EMPTY_FOLDER_ID]);
    let extension = folders[0].attributes.extension.as_ref().unwrap();
    let data = ext_data(&extension.data, "top folder");
    let allowed = data["allowedTypes"].as_array().unwrap();
    assert!(
        allowed.contains(&json!("items:autodesk.bim360:File")),
        "{data:?}"
    );
    assert!(data["visibleTypes"].is_array(), "{data:?}");
    assert_eq!(data["isRoot"], json!(false), "{data:?}");
    assert_eq!(data["folderType"], json!("normal"), "{data:?}");
    assert_eq!(data["namingStandardIds"], json!([]), "{data:?}");
    assert_eq!(folders[0].attributes.object_count, 3);
    assert_eq!(folders[1].attributes.object_count, 0);

    // Folder contents: a subfolder, then the two items, their tip versions included.
    let contents = dm
        .get_folder_contents(PROJECT_ID, TOP_FOLDER_ID)
        .await
        .unwrap()
        .into_inner();
    let entries = contents.data.unwrap();
    assert_eq!(entries.len(), 3, "{entries:?}");
    let FolderContentsDataItem::FolderData(subfolder) = &entries[0] else {
        panic!("not decoded as a folder: {:?}", entries[0]);
    };
    assert_eq!(subfolder.id, SUB_FOLDER_ID);
    // Entries of folder contents carry only their `self` link.
    assert!(subfolder.links.web_view.is_none(), "{subfolder:?}");
    let extension = subfolder.attributes.extension.as_ref().unwrap();
    assert!(ext_data(&extension.data, "subfolder")["allowedTypes"].is_array());
    let items: Vec<&ItemData> = entries[1..]
        .iter()
        .map(|entry| match entry {
            FolderContentsDataItem::ItemData(item) => &**item,
            other => panic!("not decoded as an item: {other:?}"),
        })
        .collect();
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [ITEM_ID, PDF_ITEM_ID]);
    let data = ext_data(&items[0].attributes.extension.data, "model item");
    assert_eq!(data["sourceFileName"], json!("my_model.rvt"), "{data:?}");
    assert_eq!(
        ext_data(&items[1].attributes.extension.data, "pdf item").len(),
        0
    );

    let versions = contents.included.unwrap();
    let ids: Vec<&str> = versions.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, [VERSION_ID, PDF_VERSION_ID]);
    let model = ext_data(&versions[0].attributes.extension.data, "model version");
    assert_eq!(
        model["processState"],
        json!("PROCESSING_COMPLETE"),
        "{model:?}"
    );
    assert_eq!(model["isCompositeDesign"], json!(false), "{model:?}");
    assert_eq!(model["modelVersion"], json!(1), "{model:?}");
    let pdf = &versions[1].attributes.extension;
    let data = ext_data(&pdf.data, "pdf version");
    assert_eq!(data.get("tempUrn"), Some(&Value::Null), "{data:?}");
    assert_eq!(data["storageType"], json!("OSS"), "{data:?}");
    assert_eq!(data["properties"], json!({}), "{data:?}");
    // This version's extension has no `schema` link, as in the CreatedVersion example.
    assert!(pdf.schema.is_none(), "{pdf:?}");
    assert!(versions[0].attributes.extension.schema.is_some());

    // An item fetched alone: its `webView` link too, and its tip version.
    for (item_id, version_id) in [(ITEM_ID, VERSION_ID), (PDF_ITEM_ID, PDF_VERSION_ID)] {
        let item = dm.get_item(PROJECT_ID, item_id).await.unwrap().into_inner();
        let data = item.data.unwrap();
        assert_eq!(data.id, item_id);
        assert!(data.links.web_view.is_some(), "{data:?}");
        let listed = items.iter().find(|i| i.id == item_id).unwrap();
        assert_eq!(data.attributes, listed.attributes);
        assert_eq!(item.included.unwrap()[0].id, version_id);
    }
}

#[tokio::test]
async fn an_empty_folder_answers_no_entries_and_decodes() {
    let server = server!();
    let token = app_token(&server, BASIC_CLIENT, "data:read").await;
    let dm = data_management::Client::from_client(api(&server, &token));
    for folder in [EMPTY_FOLDER_ID, SUB_FOLDER_ID] {
        let path = format!(
            "/data/v1/projects/{}/folders/{}/contents",
            enc(PROJECT_ID),
            enc(folder)
        );
        // As the service sends it: `data: []`, nothing included.
        let answer = call(Method::GET, &server.url(&path), Some(&token), None).await;
        assert_eq!(answer.content_type, "application/vnd.api+json");
        let body = assert_conforms(DM, "GET", CONTENTS, &answer, 200);
        assert_eq!(body["data"], json!([]), "{body}");
        assert!(body.get("included").is_none(), "{body}");

        let contents = dm
            .get_folder_contents(PROJECT_ID, folder)
            .await
            .unwrap_or_else(|e| panic!("{folder}: {e}"))
            .into_inner();
        assert_eq!(contents.data.map(|d| d.len()), Some(0), "{folder}");
        assert!(contents.included.is_none(), "{folder}");
        assert_eq!(
            contents.links.self_.href.as_deref(),
            Some(server.url(&path).as_str())
        );
    }
}

#[tokio::test]
async fn oss_object_details_give_the_hex_sha1_of_the_uploaded_bytes() {
    let server = server!();
    let token = app_token(
        &server,
        BASIC_CLIENT,
        "bucket:create bucket:delete data:read data:write",
    )
    .await;
    let oss = oss::Client::from_client(api(&server, &token));
    let bucket = "sha1-bucket";
    oss.create_bucket(
        Region::US,
        &CreateBucketsPayload::new(bucket, PolicyKey::Transient),
    )
    .await
    .unwrap();
    // Published SHA-1 test vectors (FIPS 180-2's "abc"; the second in two parts), as the
    // lowercase hex digest the service sends, not the base64 the document's `format: byte`
    // would mean.
    let cases: [(&str, &[&[u8]], &str); 2] = [
        ("abc", &[b"abc"], "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            "the fox",
            &[b"The quick brown ", b"fox jumps over the lazy dog"],
            "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
        ),
    ];
    for (object, parts, sha1) in cases {
        let signed = oss
            .signed_s3_upload(bucket, object)
            .parts(parts.len() as i64)
            .await
            .unwrap()
            .into_inner();
        assert_eq!(signed.urls.len(), parts.len());
        let mut etags = Vec::new();
        for (url, bytes) in signed.urls.iter().zip(parts) {
            let put = send(http().put(url).body(bytes.to_vec())).await;
            assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
            etags.push(put.header("etag").trim_matches('"').to_owned());
        }
        let size: usize = parts.iter().map(|p| p.len()).sum();
        let details = oss
            .complete_signed_s3_upload(
                bucket,
                object,
                "application/json",
                &Completes3uploadBody::new(signed.upload_key).with_e_tags(etags),
            )
            .await
            .unwrap()
            .into_inner();
        assert_eq!(details.sha1.as_deref(), Some(sha1), "{details:?}");
        assert_eq!(details.size, Some(size as i64), "{details:?}");
        assert_eq!(details.object_key.as_deref(), Some(object));
        // The signed download's answer gives the same digest.
        let download = oss
            .signed_s3_download(bucket, object)
            .await
            .unwrap()
            .into_inner();
        assert_eq!(download.sha1.as_deref(), Some(sha1), "{download:?}");
        oss.delete_object(bucket, object).await.unwrap();
    }
    oss.delete_bucket(bucket).await.unwrap();
}
