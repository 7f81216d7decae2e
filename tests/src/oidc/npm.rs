//! Node.js and npm: checking that Node.js 20+ is installed, advising how to install it (or
//! skipping, when `APS_AUTH_SKIP_NODE_TESTS=1`), and installing the server's npm dependencies
//! with `npm ci`, once per checkout even across concurrent test processes (a lock file, and a
//! ready marker in `node_modules`).

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use super::SKIP_ENV;

/// How long `npm ci` may take.
const NPM_CI_TIMEOUT: Duration = Duration::from_secs(300);
/// A cross-process install lock older than this is considered abandoned.
const STALE_LOCK: Duration = Duration::from_secs(600);
/// Marker written into `node_modules` once the dependencies are completely installed.
const READY_MARKER: &str = ".aps-auth-ready";

/// The server cannot run here and `APS_AUTH_SKIP_NODE_TESTS=1` allows skipping (a note was
/// printed to stderr).
#[derive(Debug)]
pub(super) struct Skipped;

/// Makes sure Node.js 20+ is installed and the npm dependencies of `dir` are installed (running
/// `npm ci` at most once per test process).
///
/// # Panics
///
/// When Node.js or npm is missing and skipping is not allowed (with install advice), or when
/// `npm ci` fails.
pub(super) fn ensure_node_and_dependencies(dir: &Path) -> Result<(), Skipped> {
    if let Err(why) = check_node() {
        return skip_or_panic(&why);
    }

    static INSTALL: OnceLock<Result<(), InstallError>> = OnceLock::new();
    match INSTALL.get_or_init(|| ensure_npm_dependencies(dir)) {
        Ok(()) => Ok(()),
        Err(InstallError::NpmMissing(why)) => skip_or_panic(why),
        Err(InstallError::Failed(e)) => {
            panic!(
                "cannot install the npm dependencies of {}: {e}",
                dir.display()
            )
        }
    }
}

/// The program name of Node.js.
pub(super) fn node_program() -> &'static str {
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

/// Returns [`Skipped`] (with a note) when skipping is allowed, else panics with install advice.
fn skip_or_panic(why: &str) -> Result<(), Skipped> {
    if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1") {
        eprintln!("note: {why}; skipping the OIDC server test because {SKIP_ENV}=1");
        Err(Skipped)
    } else {
        panic!("{}", install_advice(why));
    }
}

/// Checks that Node.js 20 or newer is installed (asking `node --version` once per process).
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
        match major_version(&version) {
            Some(major) if major >= 20 => Ok(()),
            _ => Err(format!("Node.js {version} is too old or unrecognised")),
        }
    });
    result.clone()
}

/// The major version in `node --version` output such as `v20.11.1`.
fn major_version(version: &str) -> Option<u32> {
    version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
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
                if is_abandoned(&lock) {
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

/// Whether the install lock file was last touched longer than [`STALE_LOCK`] ago.
fn is_abandoned(lock: &Path) -> bool {
    fs::metadata(lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > STALE_LOCK)
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
    let readers = collect_output(&mut child, &output);
    let status = wait_with_deadline(&mut child, Instant::now() + NPM_CI_TIMEOUT);
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

/// Appends the child's stdout and stderr, each read to its end on a thread, to `output`.
fn collect_output(child: &mut Child, output: &Arc<Mutex<String>>) -> Vec<JoinHandle<()>> {
    [
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
        let output = Arc::clone(output);
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            output
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_str(&text);
        })
    })
    .collect()
}

/// Waits for `npm ci` to exit; kills it at `deadline`.
fn wait_with_deadline(child: &mut Child, deadline: Instant) -> Result<ExitStatus, String> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`npm ci` did not finish within {NPM_CI_TIMEOUT:?}"));
            }
            Ok(None) => thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("cannot wait for `npm ci`: {e}")),
        }
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
    fn node_major_versions() {
        assert_eq!(major_version("v20.11.1"), Some(20));
        assert_eq!(major_version("v18.19.0"), Some(18));
        assert_eq!(major_version("22.0.0"), Some(22));
        assert_eq!(major_version("nightly"), None);
    }

    #[test]
    fn lock_file_names_differ_per_checkout() {
        // The published FNV-1a 64 test vector for "a".
        assert_eq!(fnv1a(Path::new("a")), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(
            fnv1a(Path::new("/x/tests/oidc")),
            fnv1a(Path::new("/y/tests/oidc"))
        );
    }

    #[test]
    fn install_advice_names_the_skip_variable() {
        let advice = install_advice("cannot run `node --version`");
        assert!(
            advice.starts_with("cannot run `node --version`. "),
            "{advice}"
        );
        assert!(advice.contains("APS_AUTH_SKIP_NODE_TESTS=1"), "{advice}");
    }
}
