//! The web app (`aps-auth-webapp`) as a real process on 127.0.0.1, for the browser tests.
//!
//! This crate builds the app's program as its binary `webapp-under-test` (`src/bin/`, one line:
//! the app's own `run_from_env`), so that integration tests find it through
//! `env!("CARGO_BIN_EXE_webapp-under-test")` and cargo builds it before them.
//! [`WebApp::start`] runs it with `APP_LISTEN=127.0.0.1:0` and the given environment (nothing
//! else of the app's variables is inherited), reads its `LISTENING` line, collects its stderr
//! (its log) and stops it on drop.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// How long the app may take to print its `LISTENING` line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The app's environment variables: none is inherited from the test's environment.
const APP_VARIABLES: &[&str] = &[
    "APS_CLIENT_ID",
    "APS_CLIENT_SECRET",
    "APS_BASE_URL",
    "REDIS_URL",
    "APP_LISTEN",
    "APP_BASE_URL",
    "APS_TOKEN_KEYS",
    "APP_ALLOW_CLEAR_TOKENS",
];

/// A running app; dropping it kills the process.
pub struct WebApp {
    child: Child,
    base_url: String,
    log: Arc<Mutex<String>>,
}

impl WebApp {
    /// Starts `program` with `env` (and `APP_LISTEN=127.0.0.1:0` unless given) and waits for
    /// its `LISTENING http://127.0.0.1:<port>` line.
    ///
    /// # Panics
    ///
    /// When the program cannot start or does not print the line within 30 s (the message holds
    /// its log).
    pub fn start(program: &str, env: &[(&str, &str)]) -> WebApp {
        let mut command = Command::new(program);
        for name in APP_VARIABLES {
            command.env_remove(name);
        }
        command
            .env("APP_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "info");
        command.envs(env.iter().copied());
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the web app {program}: {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&log);
        thread::spawn(move || {
            let mut buf = [0_u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                lock(&sink).push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines, received) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = lines.send(line);
            }
        });
        let mut app = WebApp {
            child,
            base_url: String::new(),
            log,
        };
        match received.recv_timeout(START_TIMEOUT) {
            Ok(line) if line.starts_with("LISTENING http://127.0.0.1:") => {
                app.base_url = line["LISTENING ".len()..].to_owned();
                app
            }
            other => panic!(
                "the web app did not start within {START_TIMEOUT:?} (stdout: {other:?}); its log:\n{}",
                app.log()
            ),
        }
    }

    /// `http://127.0.0.1:<port>`, where it listens.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The URL of `path` (starting with `/`) on this instance.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Everything the app logged so far (its stderr).
    pub fn log(&self) -> String {
        lock(&self.log).clone()
    }
}

impl Drop for WebApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lock(text: &Mutex<String>) -> std::sync::MutexGuard<'_, String> {
    text.lock().unwrap_or_else(PoisonError::into_inner)
}
