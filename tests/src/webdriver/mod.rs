//! Headless Chromium driven through WebDriver (W3C, JSON over HTTP) by a small client on
//! `reqwest`: Debian's `chromium` and `chromium-driver` (`bash scripts/install-test-deps`),
//! chromedriver on a free loopback port, a fresh profile directory, everything stopped on drop.
//!
//! When the test panics, [`Chromium`]'s drop saves a screenshot of the page to
//! `<target>/browser-screenshots/<test>.png` and prints its path. The test is skipped (with a
//! note) only when `APS_AUTH_SKIP_BROWSER_TESTS=1`; otherwise a missing browser fails it with a
//! message naming the install script.

mod driver;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use driver::{Driver, on_path, raw_request};

/// Set to `1` to skip the browser tests (on a machine without Chromium).
pub const SKIP_ENV: &str = "APS_AUTH_SKIP_BROWSER_TESTS";

/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Timeout of one WebDriver command (a page load included).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long [`Chromium::wait_for`] and [`Chromium::wait_for_url`] wait.
const WAIT: Duration = Duration::from_secs(20);

/// Chromium's flags: headless, no sandbox (root in a container), nothing that talks to the
/// network by itself.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,900",
];

/// A headless Chromium with one WebDriver session.
pub struct Chromium {
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>/session/<id>`.
    session: String,
    /// `/session/<id>`, for the blocking requests of `Drop`.
    session_path: String,
    test: String,
    profile: PathBuf,
    // Dropped last: kills chromedriver and Chromium.
    driver: Driver,
}

impl Chromium {
    /// Starts chromedriver and a headless Chromium for the test `test` (the screenshot's name).
    /// `None` (with a note on stderr) when `APS_AUTH_SKIP_BROWSER_TESTS=1`.
    ///
    /// # Panics
    ///
    /// When `chromium` or `chromedriver` is not on `PATH` (the message says to run
    /// `bash scripts/install-test-deps`), or the session cannot be created.
    pub async fn start(test: &str) -> Option<Chromium> {
        if std::env::var(SKIP_ENV).as_deref() == Ok("1") {
            eprintln!("note: {SKIP_ENV}=1: skipping the browser test `{test}`");
            return None;
        }
        let missing = |program: &str| {
            panic!(
                "`{program}` is not on PATH: run `bash scripts/install-test-deps` (it installs \
                 Debian's chromium and chromium-driver), or set {SKIP_ENV}=1 to skip the browser tests"
            )
        };
        let chromium = on_path("chromium").unwrap_or_else(|| missing("chromium"));
        let chromedriver = on_path("chromedriver").unwrap_or_else(|| missing("chromedriver"));
        let profile =
            std::env::temp_dir().join(format!("aps-auth-chromium-{}-{}", std::process::id(), test));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).expect("cannot create the browser profile directory");
        let driver = Driver::start(&chromedriver);
        let http = reqwest::Client::builder()
            .timeout(COMMAND_TIMEOUT)
            .no_proxy()
            .build()
            .expect("HTTP client");
        let mut args: Vec<String> = FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": 20_000, "script": 10_000, "implicit": 0},
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"performance": "ALL"},
        }}});
        let answer = command(
            &http,
            "POST",
            &format!("{}/session", driver.url()),
            Some(capabilities),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot start a Chromium session: {e}"));
        let id = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in {answer}"))
            .to_owned();
        Some(Chromium {
            http,
            session: format!("{}/session/{id}", driver.url()),
            session_path: format!("/session/{id}"),
            test: test.to_owned(),
            profile,
            driver,
        })
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        command(&self.http, method, &format!("{}{path}", self.session), body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url}))).await;
    }

    /// The address of the page shown.
    pub async fn url(&self) -> String {
        self.call("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page's HTML as the browser has it.
    pub async fn source(&self) -> String {
        self.call("GET", "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        let script =
            json!({"script": "return document.body ? document.body.innerText : '';", "args": []});
        self.call("POST", "/execute/sync", Some(script))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first element matching the CSS selector, if any.
    pub async fn find(&self, css: &str) -> Option<String> {
        let body = json!({"using": "css selector", "value": css});
        let answer = command(
            &self.http,
            "POST",
            &format!("{}/element", self.session),
            Some(body),
        )
        .await;
        match answer {
            Ok(value) => value[ELEMENT].as_str().map(str::to_owned),
            Err(e) if e.contains("no such element") => None,
            Err(e) => panic!("WebDriver find {css}: {e}"),
        }
    }

    /// Waits (up to 20 s) for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(element) = self.find(css).await {
                return element;
            }
            assert!(
                start.elapsed() < WAIT,
                "no `{css}` after {WAIT:?} on {}:\n{}",
                self.url().await,
                self.text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to 20 s) until the address starts with `prefix`; returns it.
    pub async fn wait_for_url(&self, prefix: &str) -> String {
        let start = Instant::now();
        loop {
            let url = self.url().await;
            if url.starts_with(prefix) {
                return url;
            }
            assert!(
                start.elapsed() < WAIT,
                "still at {url} after {WAIT:?}, not {prefix}..."
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types `text` into the element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// The cookies the browser would send to the page shown (`name`, `value`, `httpOnly`,
    /// `secure`, `sameSite`, ...).
    pub async fn cookies(&self) -> Vec<Value> {
        match self.call("GET", "/cookie", None).await {
            Value::Array(cookies) => cookies,
            other => panic!("WebDriver GET /cookie: not a list: {other}"),
        }
    }

    /// The cookie `name` of the page shown, if the browser has it.
    pub async fn cookie(&self, name: &str) -> Option<Value> {
        self.cookies().await.into_iter().find(|c| c["name"] == name)
    }

    /// Every address the browser requested since the last call (from its performance log:
    /// redirects included, which the address bar never shows).
    pub async fn requested_urls(&self) -> Vec<String> {
        let entries = self
            .call("POST", "/se/log", Some(json!({"type": "performance"})))
            .await;
        let mut urls = Vec::new();
        for entry in entries.as_array().into_iter().flatten() {
            let Some(message) = entry["message"].as_str() else {
                continue;
            };
            let Ok(message) = serde_json::from_str::<Value>(message) else {
                continue;
            };
            if message["message"]["method"] == "Network.requestWillBeSent"
                && let Some(url) = message["message"]["params"]["request"]["url"].as_str()
            {
                urls.push(url.to_owned());
            }
        }
        urls
    }

    /// Saves a screenshot of the page to `<target>/browser-screenshots/<test>.png`; its path.
    fn screenshot(&self) -> Option<PathBuf> {
        let path = format!("{}/screenshot", self.session_path);
        let answer = raw_request(self.driver.port(), "GET", &path, "")?;
        let answer: Value = serde_json::from_str(&answer).ok()?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(answer["value"].as_str()?)
            .ok()?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).ok()?;
        let file = dir.join(format!("{}.png", self.test));
        std::fs::write(&file, png).ok()?;
        Some(file)
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        if std::thread::panicking() {
            match self.screenshot() {
                Some(file) => eprintln!(
                    "browser test `{}` failed: screenshot at {}",
                    self.test,
                    file.display()
                ),
                None => eprintln!(
                    "browser test `{}` failed: no screenshot could be taken",
                    self.test
                ),
            }
        }
        // Closes Chromium cleanly; the driver's drop then kills whatever is left of the group.
        let _ = raw_request(self.driver.port(), "DELETE", &self.session_path, "");
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Where screenshots go: `$CARGO_TARGET_DIR/browser-screenshots`, else the workspace's
/// `target/browser-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"))
        .join("browser-screenshots")
}

/// One WebDriver command: its `value`, or the error it answered (`error: message`).
async fn command(
    http: &reqwest::Client,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let method: reqwest::Method = method.parse().map_err(|e| format!("{e}"))?;
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let answer: Value = response
        .json()
        .await
        .map_err(|e| format!("{status}, not JSON: {e}"))?;
    let value = answer.get("value").cloned().unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(value);
    }
    Err(format!(
        "{status} {}: {}",
        value["error"].as_str().unwrap_or("?"),
        value["message"]
            .as_str()
            .unwrap_or("?")
            .lines()
            .next()
            .unwrap_or("")
    ))
}
