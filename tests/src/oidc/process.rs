//! The `node server.mjs` child process: spawning it, waiting for the `LISTENING` line that
//! names its port, collecting its stderr for diagnostics, and stopping it on drop.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::npm::node_program;

/// How long to wait for the server's `LISTENING` line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `node server.mjs`; dropping it stops the process.
pub(super) struct ServerProcess {
    /// The node process.
    child: Child,
    /// Held open so that the server keeps running; closing it stops the server.
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:<port>`, also the issuer.
    base_url: String,
    /// Everything the server wrote to stderr so far.
    stderr: Arc<Mutex<String>>,
    /// The fake S3's parts and objects (`S3_FAKE_DIR`), removed on drop.
    s3_dir: PathBuf,
}

/// Numbers the servers of this test process, for their S3 directories.
static SERVERS: AtomicU32 = AtomicU32::new(0);

impl ServerProcess {
    /// Spawns `node server.mjs` in `dir` with `PORT=0` (and `env`) and waits for its
    /// `LISTENING` line.
    ///
    /// # Panics
    ///
    /// When node cannot be started, or when the line does not come within [`START_TIMEOUT`]
    /// (the process is then killed, and its stderr is part of the message).
    pub(super) fn spawn(dir: &Path, env: &[(&str, String)]) -> ServerProcess {
        let s3_dir = std::env::temp_dir().join(format!(
            "aps-auth-s3-{}-{}",
            std::process::id(),
            SERVERS.fetch_add(1, Ordering::Relaxed)
        ));
        let mut child = Command::new(node_program())
            .arg("server.mjs")
            .current_dir(dir)
            .env("PORT", "0")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("S3_FAKE_DIR", &s3_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `node server.mjs` in {}: {e}", dir.display()));

        let stdin = child.stdin.take();
        let (stderr, stderr_thread) = collect_stderr(&mut child);
        let stdout_lines = forward_stdout_lines(&mut child);

        let line = stdout_lines.recv_timeout(START_TIMEOUT);
        let base_url = line.as_deref().ok().and_then(listening_base_url);
        let Some(base_url) = base_url else {
            let _ = child.kill();
            let status = child.wait().ok();
            let _ = stderr_thread.join();
            let _ = std::fs::remove_dir_all(&s3_dir);
            let stderr = lock(&stderr).clone();
            panic!(
                "the test OIDC server (node server.mjs in {}) did not start within {:?}: \
                 stdout: {line:?}, exit status: {}, stderr:\n{stderr}",
                dir.display(),
                START_TIMEOUT,
                status.map_or_else(|| "unknown".to_owned(), |s: ExitStatus| s.to_string()),
            );
        };

        ServerProcess {
            child,
            stdin,
            base_url: base_url.to_owned(),
            stderr,
            s3_dir,
        }
    }

    /// `http://127.0.0.1:<port>`, as the server announced it.
    pub(super) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Everything the server has written to stderr so far.
    pub(super) fn stderr(&self) -> String {
        lock(&self.stderr).clone()
    }

    /// The operating system's id of the node process.
    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.s3_dir);
    }
}

/// The base URL in the server's first stdout line, `LISTENING http://127.0.0.1:<port>`.
fn listening_base_url(line: &str) -> Option<&str> {
    line.strip_prefix("LISTENING ")
}

/// Copies the child's stderr into a shared string, on a thread that ends with the pipe.
fn collect_stderr(child: &mut Child) -> (Arc<Mutex<String>>, JoinHandle<()>) {
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let stderr = Arc::new(Mutex::new(String::new()));
    let collected = Arc::clone(&stderr);
    let thread = thread::spawn(move || {
        let mut buf = [0_u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            lock(&collected).push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    (stderr, thread)
}

/// Sends the child's stdout lines to the returned channel, and keeps draining the pipe after
/// nobody listens any more (so that the server never blocks on a full pipe).
fn forward_stdout_lines(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel::<String>();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    rx
}

/// Locks a shared string, also when a thread panicked while holding it.
fn lock(text: &Mutex<String>) -> std::sync::MutexGuard<'_, String> {
    text.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_names_the_base_url() {
        assert_eq!(
            listening_base_url("LISTENING http://127.0.0.1:40123"),
            Some("http://127.0.0.1:40123")
        );
        assert_eq!(listening_base_url("Listening on 40123"), None);
        assert_eq!(listening_base_url(""), None);
    }
}
