//! A real OAuth 2.0 / OpenID Connect authorization server for integration tests.
//!
//! [`OidcServer::start`] runs `tests/oidc/server.mjs` (the `oidc-provider` npm package, configured
//! to look like Autodesk APS Authentication v2) with Node.js on a random port of `127.0.0.1`.
//! Every test may start its own server; they share nothing.
//!
//! Endpoints, relative to [`OidcServer::base_url`]:
//!
//! | What                    | Path                                        |
//! |-------------------------|---------------------------------------------|
//! | authorization           | `/authentication/v2/authorize`              |
//! | token                   | `/authentication/v2/token`                  |
//! | revocation              | `/authentication/v2/revoke`                 |
//! | introspection           | `/authentication/v2/introspect`             |
//! | JWKS                    | `/authentication/v2/keys`                   |
//! | end session             | `/authentication/v2/logout`                 |
//! | user profile (APS-like) | `/userprofile/v1/users/@me`                 |
//! | token request counters  | `GET /__test/counts`, `POST /__test/reset`  |
//! | resource route counters | `GET /__test/resource-counts`               |
//!
//! Fake APS resource routes (`tests/oidc/resources.mjs`), paths as in Autodesk's Data Management
//! and OSS documents, answering JSON that validates against their schemas:
//!
//! | Route                                                                   | Scope (any of)            |
//! |-------------------------------------------------------------------------|---------------------------|
//! | `GET /project/v1/hubs`                                                  | `data:read`               |
//! | `GET /project/v1/hubs/{hub_id}/projects`                                | `data:read`               |
//! | `GET /project/v1/hubs/{hub_id}/projects/{project_id}/topFolders`        | `data:read`               |
//! | `GET /data/v1/projects/{project_id}/folders/{folder_id}/contents`       | `data:read`               |
//! | `GET /data/v1/projects/{project_id}/items/{item_id}`                    | `data:read`               |
//! | `POST /oss/v2/buckets`                                                  | `bucket:create`           |
//! | `DELETE /oss/v2/buckets/{bucketKey}`                                    | `bucket:delete`           |
//! | `GET /oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3upload`    | `data:write`, `data:create` |
//! | `POST /oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3upload`   | `data:write`, `data:create` |
//! | `GET /oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3download`  | `data:read`               |
//! | `DELETE /oss/v2/buckets/{bucketKey}/objects/{objectKey}`                | `data:write`              |
//! | `PUT /s3-fake/upload/{id}`, `GET /s3-fake/download/{id}` (signed URLs)   | none: the URL is the key  |
//!
//! They need `Authorization: Bearer <access token>` of this server (opaque tokens, looked up in
//! the provider's storage; 401 otherwise) with the route's scope (403 naming it otherwise). Data
//! Management routes take user (three-legged) and app (two-legged) tokens, OSS routes app tokens
//! only. The Data Management data is fixed: [`HUB_ID`], [`PROJECT_ID`], [`TOP_FOLDER_ID`],
//! [`ITEM_ID`]; unknown ids answer 404 with a JSON:API error document. Buckets and objects live
//! in the server's memory; a signed upload URL works once.
//!
//! The configured clients are [`BASIC_CLIENT`], [`POST_CLIENT`], [`WEIRD_CLIENT`] and
//! [`PUBLIC_CLIENT_ID`]; all may use every scope in [`APS_SCOPES`] plus `openid` and
//! `offline_access`.
//!
//! This file holds the public face: the constants and [`OidcServer`]. The work is done in
//! submodules, one concern each:
//!
//! - `npm`: finding Node.js and npm, and installing the server's npm dependencies once;
//! - `process`: the `node server.mjs` child process, from spawn to stop;
//! - `browser`: a headless browser through the server's login and consent pages;
//! - `cookie_jar`: the cookies that browser keeps between requests.

mod browser;
mod cookie_jar;
mod npm;
mod process;

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use process::ServerProcess;

/// `(client_id, client_secret)` of the confidential client that authenticates with HTTP Basic
/// (`client_secret_basic`); grants `client_credentials`, `authorization_code` and `refresh_token`.
pub const BASIC_CLIENT: (&str, &str) = ("basic-client", "basic-secret");

/// `(client_id, client_secret)` of the confidential client that authenticates with form
/// parameters (`client_secret_post`); grants `client_credentials`, `authorization_code` and
/// `refresh_token`.
pub const POST_CLIENT: (&str, &str) = ("post-client", "post-secret");

/// `(client_id, client_secret)` of a `client_secret_basic` client (grant `client_credentials`
/// only) whose secret contains characters that must be form-urlencoded before base64 encoding
/// (RFC 6749 section 2.3.1): `+`, `/`, `:`, `%`, `&`, `=` and a space.
pub const WEIRD_CLIENT: (&str, &str) = ("weird-client", "s3cr+t/:%&= x");

/// Client id of the public client (`token_endpoint_auth_method` `none`, PKCE);
/// grants `authorization_code` and `refresh_token`.
pub const PUBLIC_CLIENT_ID: &str = "public-client";

/// The redirect URI registered for every client that may use the authorization code flow.
///
/// The clients are `native` (RFC 8252), so the same URI with any port, e.g.
/// `http://127.0.0.1:54321/callback`, is accepted too.
pub const REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// The APS Authentication v2 scopes the server knows (besides `openid` and `offline_access`).
pub const APS_SCOPES: &[&str] = &[
    "data:read",
    "data:write",
    "data:create",
    "data:search",
    "bucket:create",
    "bucket:read",
    "bucket:update",
    "bucket:delete",
    "code:all",
    "account:read",
    "account:write",
    "user-profile:read",
];

/// The one Data Management hub of the fake resource routes.
pub const HUB_ID: &str = "b.hub-1";

/// The one project of [`HUB_ID`].
pub const PROJECT_ID: &str = "b.project-1";

/// The one top folder of [`PROJECT_ID`] (percent-encode it in paths).
pub const TOP_FOLDER_ID: &str = "urn:adsk.wipprod:fs.folder:co.top-folder-1";

/// The one item in [`TOP_FOLDER_ID`] (percent-encode it in paths).
pub const ITEM_ID: &str = "urn:adsk.wipprod:dm.lineage:item-1";

/// Environment variable that, set to `1`, makes [`OidcServer::start`] return `None` instead of
/// panicking when Node.js or npm is not installed.
pub const SKIP_ENV: &str = "APS_AUTH_SKIP_NODE_TESTS";

/// Timeout of every HTTP request the harness itself makes.
const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// A running test authorization server (a `node server.mjs` child process).
///
/// Dropping it kills the child process and waits for it to exit. The server also exits on its
/// own when its stdin closes, so it does not outlive a killed test process.
pub struct OidcServer {
    /// The node process; stopped when dropped.
    process: ServerProcess,
    /// HTTP client without redirects and cookies, with timeouts.
    http: reqwest::Client,
}

impl OidcServer {
    /// Starts a new server on a random port of 127.0.0.1.
    ///
    /// Installs the npm dependencies first (with `npm ci` in `tests/oidc`) when
    /// `tests/oidc/node_modules` is missing or incomplete; this is done once, even when many
    /// tests or test binaries start servers concurrently.
    ///
    /// Returns `None` only when Node.js (or npm, when it is needed) is missing and the
    /// environment variable `APS_AUTH_SKIP_NODE_TESTS=1` is set (a note is printed to stderr).
    ///
    /// # Panics
    ///
    /// When Node.js 20+ or npm is missing and `APS_AUTH_SKIP_NODE_TESTS` is not `1`, when
    /// `npm ci` fails, or when the server does not print its `LISTENING` line within 30 s (the
    /// panic message includes the server's stderr).
    pub fn start() -> Option<OidcServer> {
        let dir = server_dir();
        npm::ensure_node_and_dependencies(&dir).ok()?;
        Some(OidcServer {
            process: ServerProcess::spawn(&dir),
            http: harness_http_client(),
        })
    }

    /// The server's base URL and issuer, `http://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> &str {
        self.process.base_url()
    }

    /// The URL of `path` (which starts with `/`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// Everything the server has written to stderr so far (for diagnostics).
    pub fn stderr(&self) -> String {
        self.process.stderr()
    }

    /// The token endpoint request counters (`GET /__test/counts`):
    /// `{"token": {"client_credentials": n, "authorization_code": n, "refresh_token": n}}`.
    ///
    /// Every POST to the token endpoint counts, successful or not, under its `grant_type`.
    pub async fn token_counts(&self) -> serde_json::Value {
        let response = self
            .http
            .get(self.url("/__test/counts"))
            .send()
            .await
            .expect("GET /__test/counts failed");
        assert!(
            response.status().is_success(),
            "GET /__test/counts: {}",
            response.status()
        );
        response
            .json()
            .await
            .expect("GET /__test/counts: invalid JSON")
    }

    /// The resource route request counters (`GET /__test/resource-counts`): an object with one
    /// member per route, `"<METHOD> <path template>"` (for example
    /// `"GET /project/v1/hubs/{hub_id}/projects"` or `"PUT /s3-fake/upload/{id}"`), to a count.
    ///
    /// Every request that reaches a route counts, whatever the answer (401 and 403 included).
    pub async fn resource_counts(&self) -> serde_json::Value {
        let response = self
            .http
            .get(self.url("/__test/resource-counts"))
            .send()
            .await
            .expect("GET /__test/resource-counts failed");
        assert!(
            response.status().is_success(),
            "GET /__test/resource-counts: {}",
            response.status()
        );
        response
            .json()
            .await
            .expect("GET /__test/resource-counts: invalid JSON")
    }

    /// Sets all token endpoint and resource route request counters back to zero
    /// (`POST /__test/reset`).
    pub async fn reset_counts(&self) {
        let response = self
            .http
            .post(self.url("/__test/reset"))
            .send()
            .await
            .expect("POST /__test/reset failed");
        assert!(
            response.status().is_success(),
            "POST /__test/reset: {}",
            response.status()
        );
    }

    /// Drives the server's development login and consent pages over plain HTTP, as a browser
    /// would, for an authorization URL the caller built (with `client_id`, `redirect_uri`,
    /// `scope`, `state`, `code_challenge`, ...), logging in as the account `login` (any password
    /// is accepted) and granting everything asked.
    ///
    /// Returns the final redirect target, i.e. the `Location` that points at the request's
    /// `redirect_uri` (same scheme, host and path; any port) with `code` and `state`, or with
    /// `error`, without requesting it.
    ///
    /// # Panics
    ///
    /// When the server answers with anything else than a redirect or one of its interaction
    /// pages (for example its error page for an unknown client or a redirect URI that is not
    /// registered), or after too many steps.
    pub async fn authorize_headless(&self, authorize_url: &Url, login: &str) -> Url {
        browser::HeadlessBrowser::new(&self.http, || self.stderr())
            .authorize(authorize_url, login)
            .await
    }
}

impl std::fmt::Debug for OidcServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcServer")
            .field("base_url", &self.base_url())
            .field("pid", &self.process.pid())
            .finish_non_exhaustive()
    }
}

/// `tests/oidc`, the directory of the node server.
pub fn server_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

/// The harness's own HTTP client: no redirects followed, no cookies kept, with timeouts.
fn harness_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(HTTP_TIMEOUT)
        .build()
        .expect("cannot build the harness HTTP client")
}
