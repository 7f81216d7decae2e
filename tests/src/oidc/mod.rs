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
//! | signing key rotation    | `POST /__test/rotate-keys[?keep_old=1]`     |
//! | resource route counters | `GET /__test/resource-counts`               |
//! | fake S3 faults, counters | `POST /__test/s3-faults`, `GET /__test/s3-stats` |
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
//! They need `Authorization: Bearer <access token>` of this server (opaque tokens looked up in
//! the provider's storage, or [`JWT_CLIENT`]'s JWTs checked against the current JWKS; 401
//! otherwise) with the route's scope (403 naming it otherwise). Data Management routes take user
//! (three-legged) and app (two-legged) tokens, OSS routes app tokens only. The Data Management
//! data is fixed: [`HUB_ID`], [`PROJECT_ID`], [`TOP_FOLDER_ID`], [`ITEM_ID`]; unknown ids answer
//! 404 with a JSON:API error document. Buckets live in the server's memory, uploaded parts and
//! objects in a temp directory removed when the server stops; a signed upload URL works once.
//! Uploads come in parts (`parts`, `firstPart`, `uploadKey`), downloads answer `Range` with 206.
//!
//! The configured clients are [`BASIC_CLIENT`], [`POST_CLIENT`], [`WEIRD_CLIENT`],
//! [`PUBLIC_CLIENT_ID`], [`JWT_CLIENT`] (JWT access tokens) and [`SSA_CLIENT`] (the JWT-bearer
//! grant of APS Secure Service Accounts); all may use every scope in [`APS_SCOPES`] plus `openid`
//! and `offline_access`. ID tokens are RS256 with the `kid` of the current signing key, and carry
//! the authorization request's `nonce`. The signing key can be rotated during a test
//! ([`OidcServer::rotate_keys`]); the JWKS answers `Cache-Control: public, max-age=60`.
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

/// `(client_id, client_secret)` of the confidential client (`client_secret_basic`; grants
/// `client_credentials`, `authorization_code` and `refresh_token`, redirect URI [`REDIRECT_URI`])
/// whose access tokens are RS256 JWTs signed with the server's current key (header `kid`,
/// `typ` `at+jwt`), with the claims `iss` (the issuer, [`OidcServer::base_url`]), `aud`
/// ([`JWT_ACCESS_TOKEN_AUDIENCE`]), `sub` (the user, or the client id for `client_credentials`),
/// `client_id`, `scope`, `iat`, `exp` (`iat` + 3600) and `jti`. Its ID tokens are as every
/// client's. Every other client gets opaque access tokens.
pub const JWT_CLIENT: (&str, &str) = ("jwt-client", "jwt-secret");

/// The `aud` of [`JWT_CLIENT`]'s JWT access tokens (also its default resource indicator; any
/// other `resource` parameter is refused with `invalid_target`).
pub const JWT_ACCESS_TOKEN_AUDIENCE: &str = "https://developer.api.autodesk.com";

/// The grant type of the JWT-bearer grant (RFC 7523), as APS Secure Service Accounts use it.
pub const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// `(client_id, client_secret)` of the confidential client (`client_secret_basic`) allowed the
/// [`JWT_BEARER_GRANT_TYPE`] grant (and `client_credentials`), for the service account
/// [`SSA_SERVICE_ACCOUNT_ID`].
///
/// The grant takes `assertion` and `scope` and checks, in this order (the first failure answers
/// `400 {"error": "invalid_grant", "error_description": "<check>: <detail>"}`, `<check>` being
/// the word in backquotes):
///
/// - `assertion`: present, a compact JWS with JSON header and claims;
/// - `alg`: the header `alg` is `RS256`;
/// - `kid`: the header `kid` is [`SSA_KEY_ID`] (a key of a service account of this client);
/// - `signature`: verifies with that key's public half (private half: [`SSA_TEST_KEY_PEM`]);
/// - `iss`: the client id;
/// - `sub`: the key's service account, [`SSA_SERVICE_ACCOUNT_ID`];
/// - `aud`: the token endpoint URL, `<base_url>/authentication/v2/token` (a string, or an array
///   containing it);
/// - `exp`: a number in the future;
/// - `iat`: a number, not more than 60 s in the future;
/// - `exp`: at most 300 s after `iat`;
/// - `scope`: present, and every scope one of [`APS_SCOPES`].
///
/// On success: `{"access_token": <opaque>, "token_type": "Bearer", "expires_in": 3600,
/// "scope": <the scopes>}`; the token is a user (three-legged) token of the service account (the
/// resource routes and the profile endpoint take it).
pub const SSA_CLIENT: (&str, &str) = ("ssa-client", "ssa-secret");

/// The service account of [`SSA_CLIENT`]: the `sub` of its assertions.
pub const SSA_SERVICE_ACCOUNT_ID: &str = "ssa-account-1";

/// The key id of the service account key: the header `kid` of its assertions.
pub const SSA_KEY_ID: &str = "ssa-kid-1";

/// Path of the TEST-ONLY private key (PKCS#8 PEM, RSA 2048) of the service account key
/// [`SSA_KEY_ID`], committed on purpose as a test fixture. It protects nothing.
pub const SSA_TEST_KEY_PEM: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/keys/jwt/ssa-test-only.pem");

/// The key id of the server's signing key before any [`OidcServer::rotate_keys`].
pub const INITIAL_SIGNING_KEY_ID: &str = "aps-auth-test-only-rs256";

/// The `max-age` of the JWKS's `Cache-Control: public, max-age=60` header, in seconds.
pub const JWKS_MAX_AGE_SECS: u64 = 60;

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
        Self::start_with(&[])
    }

    /// As [`OidcServer::start`], with opaque access tokens that expire after `seconds` (instead
    /// of 3600), so that a test sees sessions refresh.
    pub fn start_with_access_token_ttl(seconds: u32) -> Option<OidcServer> {
        Self::start_with(&[("APS_TEST_ACCESS_TOKEN_TTL", seconds.max(1).to_string())])
    }

    fn start_with(env: &[(&str, String)]) -> Option<OidcServer> {
        let dir = server_dir();
        npm::ensure_node_and_dependencies(&dir).ok()?;
        Some(OidcServer {
            process: ServerProcess::spawn(&dir, env),
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

    /// Scripts the fake S3's faults (`POST /__test/s3-faults`, replacing the script): a list of
    /// `{"op": "put", "part": n, "kind": "status" | "expire" | "drop" | "slow", ...}` or
    /// `{"op": "get", "start": <first byte>, ...}` entries, with `times` (default 1), `status`
    /// and `ms`; see `tests/oidc/s3.mjs`.
    pub async fn s3_faults(&self, faults: serde_json::Value) {
        let response = self
            .http
            .post(self.url("/__test/s3-faults"))
            .json(&faults)
            .send()
            .await
            .expect("POST /__test/s3-faults failed");
        assert!(
            response.status().is_success(),
            "POST /__test/s3-faults: {}",
            response.status()
        );
    }

    /// The fake S3's counters (`GET /__test/s3-stats`): `{"puts": {"<part>": n}, "gets":
    /// {"<range start>": n}}`, every PUT and GET that reached a valid signed URL.
    pub async fn s3_stats(&self) -> serde_json::Value {
        let response = self
            .http
            .get(self.url("/__test/s3-stats"))
            .send()
            .await
            .expect("GET /__test/s3-stats failed");
        response
            .json()
            .await
            .expect("GET /__test/s3-stats: invalid JSON")
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

    /// The number of token endpoint requests with this `grant_type` since the start or the
    /// last [`OidcServer::reset_counts`] (0 when there was none), from
    /// [`OidcServer::token_counts`]. Grant types other than the three listed there (for example
    /// [`JWT_BEARER_GRANT_TYPE`]) appear in that body only once requested.
    pub async fn grant_count(&self, grant_type: &str) -> u64 {
        let counts = self.token_counts().await;
        counts["token"][grant_type].as_u64().unwrap_or(0)
    }

    /// The number of [`JWT_BEARER_GRANT_TYPE`] token requests (successful or not) since the
    /// start or the last [`OidcServer::reset_counts`].
    pub async fn jwt_bearer_grant_count(&self) -> u64 {
        self.grant_count(JWT_BEARER_GRANT_TYPE).await
    }

    /// The JWKS (`GET /authentication/v2/keys`): `{"keys": [<public RSA JWKs>]}`, the current
    /// signing key first.
    pub async fn jwks(&self) -> serde_json::Value {
        let response = self
            .http
            .get(self.url("/authentication/v2/keys"))
            .send()
            .await
            .expect("GET /authentication/v2/keys failed");
        assert!(
            response.status().is_success(),
            "GET /authentication/v2/keys: {}",
            response.status()
        );
        response
            .json()
            .await
            .expect("GET /authentication/v2/keys: invalid JSON")
    }

    /// Rotates the server's signing key (`POST /__test/rotate-keys`): a new RSA 2048 key with a
    /// new `kid` signs every ID token and JWT access token from now on. The JWKS keeps the
    /// previous public keys when `keep_old`, else holds the new key only. Returns the new `kid`.
    ///
    /// The server builds a new `oidc-provider` object in the same process (it reads its keys
    /// once): the HTTP server, the issuer, the counters, the resource routes' state and the
    /// in-memory storage stay, so sessions, grants, opaque tokens and refresh tokens remain
    /// valid. Lost: JWT access tokens and ID tokens signed by a dropped key (the resource routes
    /// refuse such JWTs; such an ID token is no longer a valid `id_token_hint`).
    pub async fn rotate_keys(&self, keep_old: bool) -> String {
        let mut url = self.url("/__test/rotate-keys");
        if keep_old {
            url.push_str("?keep_old=1");
        }
        let response = self
            .http
            .post(url)
            .send()
            .await
            .expect("POST /__test/rotate-keys failed");
        assert!(
            response.status().is_success(),
            "POST /__test/rotate-keys: {}",
            response.status()
        );
        let body: serde_json::Value = response
            .json()
            .await
            .expect("POST /__test/rotate-keys: invalid JSON");
        body["kid"]
            .as_str()
            .unwrap_or_else(|| panic!("POST /__test/rotate-keys: no kid in {body}"))
            .to_owned()
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

/// The TEST-ONLY service account private key ([`SSA_TEST_KEY_PEM`]), PEM text.
pub fn ssa_test_key_pem() -> String {
    std::fs::read_to_string(SSA_TEST_KEY_PEM)
        .unwrap_or_else(|e| panic!("cannot read {SSA_TEST_KEY_PEM}: {e}"))
}

/// A new throwaway RSA 2048 private key (PKCS#8 PEM), generated by Node.js's `crypto`, for
/// tests that need a key the server does not know (for example a JWT-bearer assertion signed
/// with the wrong key). Needs Node.js, as [`OidcServer::start`] does.
///
/// # Panics
///
/// When `node` cannot be run or fails.
pub fn throwaway_rsa_private_key_pem() -> String {
    let script = "const { privateKey } = require('node:crypto').generateKeyPairSync('rsa', \
                  { modulusLength: 2048 }); \
                  process.stdout.write(privateKey.export({ type: 'pkcs8', format: 'pem' }));";
    let output = std::process::Command::new(npm::node_program())
        .arg("-e")
        .arg(script)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node to generate an RSA key: {e}"));
    assert!(
        output.status.success(),
        "node failed to generate an RSA key: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the PEM is UTF-8")
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
