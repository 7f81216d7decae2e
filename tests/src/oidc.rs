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
//!
//! The configured clients are [`BASIC_CLIENT`], [`POST_CLIENT`], [`WEIRD_CLIENT`] and
//! [`PUBLIC_CLIENT_ID`]; all may use every scope in [`APS_SCOPES`] plus `openid` and
//! `offline_access`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use url::Url;

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

/// Environment variable that, set to `1`, makes [`OidcServer::start`] return `None` instead of
/// panicking when Node.js or npm is not installed.
pub const SKIP_ENV: &str = "APS_AUTH_SKIP_NODE_TESTS";

/// How long to wait for the server's `LISTENING` line.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `npm ci` may take.
const NPM_CI_TIMEOUT: Duration = Duration::from_secs(300);
/// A cross-process install lock older than this is considered abandoned.
const STALE_LOCK: Duration = Duration::from_secs(600);
/// Timeout of every HTTP request the harness itself makes.
const HTTP_TIMEOUT: Duration = Duration::from_secs(15);
/// Marker written into `node_modules` once the dependencies are completely installed.
const READY_MARKER: &str = ".aps-auth-ready";

/// A running test authorization server (a `node server.mjs` child process).
///
/// Dropping it kills the child process and waits for it to exit. The server also exits on its
/// own when its stdin closes, so it does not outlive a killed test process.
pub struct OidcServer {
    /// The node process.
    child: Child,
    /// Held open so that the server keeps running; closing it stops the server.
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:<port>`, also the issuer.
    base_url: String,
    /// Everything the server wrote to stderr so far.
    stderr: Arc<Mutex<String>>,
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

        if let Err(why) = check_node() {
            return skip_or_panic(&why);
        }

        static INSTALL: OnceLock<Result<(), InstallError>> = OnceLock::new();
        match INSTALL.get_or_init(|| ensure_npm_dependencies(&dir)) {
            Ok(()) => {}
            Err(InstallError::NpmMissing(why)) => return skip_or_panic(why),
            Err(InstallError::Failed(e)) => {
                panic!(
                    "cannot install the npm dependencies of {}: {e}",
                    dir.display()
                )
            }
        }

        Some(Self::spawn(&dir))
    }

    /// Spawns `node server.mjs` in `dir` and waits for its `LISTENING` line.
    fn spawn(dir: &Path) -> OidcServer {
        let mut child = Command::new(node_program())
            .arg("server.mjs")
            .current_dir(dir)
            .env("PORT", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `node server.mjs` in {}: {e}", dir.display()));

        let stdin = child.stdin.take();

        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_thread = {
            let mut pipe = child.stderr.take().expect("stderr is piped");
            let stderr = Arc::clone(&stderr);
            thread::spawn(move || {
                let mut buf = [0_u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let text = String::from_utf8_lossy(&buf[..n]);
                    stderr
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push_str(&text);
                }
            })
        };

        let (tx, rx) = mpsc::channel::<String>();
        {
            let stdout = child.stdout.take().expect("stdout is piped");
            thread::spawn(move || {
                let mut lines = BufReader::new(stdout).lines();
                // The first line is the LISTENING line; afterwards keep draining the pipe.
                for line in lines.by_ref() {
                    let Ok(line) = line else { break };
                    let _ = tx.send(line);
                }
            });
        }

        let line = rx.recv_timeout(START_TIMEOUT);
        let base_url = match &line {
            Ok(line) => line.strip_prefix("LISTENING ").map(str::to_owned),
            Err(_) => None,
        };
        let Some(base_url) = base_url else {
            let _ = child.kill();
            let status = child.wait().ok();
            let _ = stderr_thread.join();
            let stderr = stderr.lock().unwrap_or_else(|e| e.into_inner()).clone();
            panic!(
                "the test OIDC server (node server.mjs in {}) did not start within {:?}: \
                 stdout: {line:?}, exit status: {}, stderr:\n{stderr}",
                dir.display(),
                START_TIMEOUT,
                status.map_or_else(|| "unknown".to_owned(), |s: ExitStatus| s.to_string()),
            );
        };

        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .connect_timeout(HTTP_TIMEOUT)
            .build()
            .expect("cannot build the harness HTTP client");

        OidcServer {
            child,
            stdin,
            base_url,
            stderr,
            http,
        }
    }

    /// The server's base URL and issuer, `http://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The URL of `path` (which starts with `/`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Everything the server has written to stderr so far (for diagnostics).
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
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

    /// Sets all token endpoint request counters back to zero (`POST /__test/reset`).
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
        let redirect_uri = authorize_url
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| REDIRECT_URI.to_owned());
        let redirect_uri = Url::parse(&redirect_uri)
            .unwrap_or_else(|e| panic!("invalid redirect_uri {redirect_uri:?}: {e}"));

        let mut jar = CookieJar::default();
        let mut url = authorize_url.clone();
        let mut form: Option<Vec<(&str, &str)>> = None;

        for _ in 0..20 {
            let request = match form.take() {
                Some(fields) => self.http.post(url.clone()).form(&fields),
                None => self.http.get(url.clone()),
            };
            let request = match jar.header_for(&url) {
                Some(cookie) => request.header(COOKIE, cookie),
                None => request,
            };
            let response = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("authorize_headless: request to {url} failed: {e}"));
            jar.store(&url, response.headers());
            let status = response.status();

            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_else(|| {
                        panic!("authorize_headless: {status} without Location from {url}")
                    });
                let next = url.join(location).unwrap_or_else(|e| {
                    panic!("authorize_headless: bad Location {location:?}: {e}")
                });
                if is_redirect_target(&next, &redirect_uri) {
                    return next;
                }
                url = next;
                continue;
            }

            let body = response.text().await.unwrap_or_default();
            if !status.is_success() {
                panic!(
                    "authorize_headless: {url} answered {status}:\n{body}\nserver stderr:\n{}",
                    self.stderr()
                );
            }
            let action = form_action(&body).unwrap_or_else(|| {
                panic!("authorize_headless: no form on the page at {url}:\n{body}")
            });
            let action = url
                .join(&action)
                .unwrap_or_else(|e| panic!("authorize_headless: bad form action {action:?}: {e}"));
            if body.contains(r#"name="prompt" value="login""#) {
                form = Some(vec![
                    ("prompt", "login"),
                    ("login", login),
                    ("password", "anything"),
                ]);
            } else if body.contains(r#"name="prompt" value="consent""#) {
                form = Some(vec![("prompt", "consent")]);
            } else {
                panic!("authorize_headless: unknown interaction page at {url}:\n{body}");
            }
            url = action;
        }
        panic!("authorize_headless: too many steps, last URL {url}");
    }
}

impl Drop for OidcServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl std::fmt::Debug for OidcServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcServer")
            .field("base_url", &self.base_url)
            .field("pid", &self.child.id())
            .finish_non_exhaustive()
    }
}

/// `tests/oidc`, the directory of the node server.
pub fn server_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

/// Whether `candidate` points at `redirect_uri` (same scheme, host and path; any port).
fn is_redirect_target(candidate: &Url, redirect_uri: &Url) -> bool {
    candidate.scheme() == redirect_uri.scheme()
        && candidate.host_str() == redirect_uri.host_str()
        && candidate.path() == redirect_uri.path()
}

/// The `action` of the first `<form>` of an HTML page, HTML entities in it decoded.
fn form_action(html: &str) -> Option<String> {
    let form = &html[html.find("<form")?..];
    let tag = &form[..form.find('>')?];
    let start = tag.find("action=\"")? + "action=\"".len();
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&#x2F;", "/")
            .replace("&#47;", "/")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// A minimal cookie store: `(name, path) -> value`, sent to paths the cookie path matches.
#[derive(Default)]
struct CookieJar {
    /// Cookies by name and path.
    cookies: BTreeMap<(String, String), String>,
}

impl CookieJar {
    /// Stores (or removes, when expired or empty) the cookies of every `Set-Cookie` header.
    fn store(&mut self, url: &Url, headers: &reqwest::header::HeaderMap) {
        for header in headers.get_all(SET_COOKIE) {
            let Ok(header) = header.to_str() else {
                continue;
            };
            let mut parts = header.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
            let mut path = default_cookie_path(url);
            let mut expired = value.is_empty();
            for attribute in parts {
                let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
                let (key, val) = (key.trim().to_ascii_lowercase(), val.trim());
                match key.as_str() {
                    "path" if val.starts_with('/') => path = val.to_owned(),
                    "max-age" if val.parse::<i64>().is_ok_and(|s| s <= 0) => expired = true,
                    "expires" if val.contains("1970") => expired = true,
                    _ => {}
                }
            }
            if expired {
                self.cookies.remove(&(name, path));
            } else {
                self.cookies.insert((name, path), value);
            }
        }
    }

    /// The `Cookie` header value for a request to `url`, if any cookie applies.
    fn header_for(&self, url: &Url) -> Option<String> {
        let request_path = url.path();
        let mut matching: Vec<(&(String, String), &String)> = self
            .cookies
            .iter()
            .filter(|((_, path), _)| path_matches(request_path, path))
            .collect();
        // Longer paths first (RFC 6265 section 5.4).
        matching.sort_by_key(|((_, path), _)| std::cmp::Reverse(path.len()));
        let header = matching
            .iter()
            .map(|((name, _), value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        (!header.is_empty()).then_some(header)
    }
}

/// RFC 6265 section 5.1.4 default path of a cookie set by a response to `url`.
fn default_cookie_path(url: &Url) -> String {
    let path = url.path();
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path[..i].to_owned(),
    }
}

/// RFC 6265 section 5.1.4 path-match.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/')))
}

/// The program name of Node.js.
fn node_program() -> &'static str {
    if cfg!(windows) { "node.exe" } else { "node" }
}

/// The program name of npm.
fn npm_program() -> &'static str {
    if cfg!(windows) { "npm.cmd" } else { "npm" }
}

/// The advice printed when Node.js or npm is unusable.
fn install_advice(why: &str) -> String {
    format!(
        "{why}. The OIDC integration tests need Node.js 20 or newer with npm on PATH: install it \
         (e.g. `apt-get install nodejs npm`, or from https://nodejs.org/), or set {SKIP_ENV}=1 \
         to skip these tests."
    )
}

/// Returns `None` (with a note) when skipping is allowed, else panics with install advice.
fn skip_or_panic(why: &str) -> Option<OidcServer> {
    if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1") {
        eprintln!("note: {why}; skipping the OIDC server test because {SKIP_ENV}=1");
        None
    } else {
        panic!("{}", install_advice(why));
    }
}

/// Checks that Node.js 20 or newer is installed.
fn check_node() -> Result<(), String> {
    static NODE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = NODE.get_or_init(|| {
        let output = Command::new(node_program())
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run `node --version` ({e})"))?;
        if !output.status.success() {
            return Err(format!("`node --version` failed ({})", output.status));
        }
        let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let major = version
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok());
        match major {
            Some(major) if major >= 20 => Ok(()),
            _ => Err(format!("Node.js {version} is too old or unrecognised")),
        }
    });
    result.clone()
}

/// Why the npm dependencies could not be installed.
#[derive(Debug, Clone)]
enum InstallError {
    /// npm is not installed.
    NpmMissing(String),
    /// `npm ci` failed or timed out.
    Failed(String),
}

/// Makes sure `dir/node_modules` is completely installed, running `npm ci` if it is not.
///
/// Safe across processes: the installer holds a lock file (created with `create_new`) in the
/// system temporary directory, others wait for it; completion is marked by
/// `node_modules/.aps-auth-ready`.
fn ensure_npm_dependencies(dir: &Path) -> Result<(), InstallError> {
    let node_modules = dir.join("node_modules");
    let marker = node_modules.join(READY_MARKER);
    let lock = std::env::temp_dir().join(format!("aps-auth-oidc-npm-{:016x}.lock", fnv1a(dir)));
    let deadline = Instant::now() + NPM_CI_TIMEOUT + Duration::from_secs(60);

    loop {
        if marker.exists() {
            return Ok(());
        }
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => {
                let result = install_locked(dir, &node_modules, &marker);
                let _ = fs::remove_file(&lock);
                return result;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let abandoned = fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > STALE_LOCK);
                if abandoned {
                    let _ = fs::remove_file(&lock);
                    continue;
                }
                if Instant::now() > deadline {
                    return Err(InstallError::Failed(format!(
                        "timed out waiting for another process to install the npm dependencies \
                         (lock file {})",
                        lock.display()
                    )));
                }
                thread::sleep(Duration::from_millis(200));
            }
            Err(e) => {
                return Err(InstallError::Failed(format!(
                    "cannot create the lock file {}: {e}",
                    lock.display()
                )));
            }
        }
    }
}

/// Installs the dependencies while holding the install lock.
fn install_locked(dir: &Path, node_modules: &Path, marker: &Path) -> Result<(), InstallError> {
    if marker.exists() {
        return Ok(());
    }
    // npm writes node_modules/.package-lock.json last: its presence means a finished install
    // (for example a manual `npm ci`/`npm install`), which is adopted as is.
    let complete = node_modules.join(".package-lock.json").exists()
        && node_modules
            .join("oidc-provider")
            .join("package.json")
            .exists();
    if !complete {
        run_npm_ci(dir)?;
    }
    fs::write(marker, b"npm dependencies installed\n")
        .map_err(|e| InstallError::Failed(format!("cannot write {}: {e}", marker.display())))
}

/// Runs `npm ci` in `dir`, bounded by [`NPM_CI_TIMEOUT`].
fn run_npm_ci(dir: &Path) -> Result<(), InstallError> {
    let mut child = Command::new(npm_program())
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| InstallError::NpmMissing(format!("cannot run `npm ci` ({e})")))?;

    let output = Arc::new(Mutex::new(String::new()));
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|mut pipe| {
        let output = Arc::clone(&output);
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            output
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_str(&text);
        })
    })
    .collect();

    let deadline = Instant::now() + NPM_CI_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("`npm ci` did not finish within {NPM_CI_TIMEOUT:?}"));
            }
            Ok(None) => thread::sleep(Duration::from_millis(100)),
            Err(e) => break Err(format!("cannot wait for `npm ci`: {e}")),
        }
    };
    for reader in readers {
        let _ = reader.join();
    }
    let output = output.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(InstallError::Failed(format!(
            "`npm ci` in {} failed ({status}):\n{output}",
            dir.display()
        ))),
        Err(msg) => Err(InstallError::Failed(format!("{msg}:\n{output}"))),
    }
}

/// FNV-1a hash of a path, to name the lock file of one checkout.
fn fnv1a(path: &Path) -> u64 {
    path.to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_paths() {
        assert!(path_matches("/interaction/abc", "/interaction/abc"));
        assert!(path_matches("/interaction/abc/abort", "/interaction/abc"));
        assert!(!path_matches("/interaction/abcd", "/interaction/abc"));
        assert!(path_matches("/anything", "/"));
    }

    #[test]
    fn form_actions() {
        let html =
            r#"<p>x</p><form autocomplete="off" action="/interaction/a&amp;b" method="post">"#;
        assert_eq!(form_action(html).as_deref(), Some("/interaction/a&b"));
        assert_eq!(form_action("<p>no form</p>"), None);
    }

    #[test]
    fn redirect_targets_ignore_the_port() {
        let registered = Url::parse(REDIRECT_URI).unwrap();
        let with_port = Url::parse("http://127.0.0.1:54321/callback?code=x&state=y").unwrap();
        assert!(is_redirect_target(&with_port, &registered));
        let other = Url::parse("http://127.0.0.1:54321/authentication/v2/authorize/x").unwrap();
        assert!(!is_redirect_target(&other, &registered));
    }
}
