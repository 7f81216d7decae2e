//! The `chromedriver` process: found on `PATH`, started on a free loopback port (`--port=0`,
//! the port read from its banner) in a process group of its own, so that stopping it on drop
//! also stops the Chromium it started, even after a panic. Also a tiny blocking HTTP client for
//! what must happen in `Drop` (deleting the session, the failure screenshot).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long chromedriver may take to say it listens.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Read and write timeout of one blocking request.
const RAW_TIMEOUT: Duration = Duration::from_secs(15);

/// A program on `PATH`, if there is one.
pub(super) fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// A running chromedriver; dropping it kills its whole process group (Chromium included).
pub(super) struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts `program` on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// When it does not start or does not announce its port in time.
    pub(super) fn start(program: &Path) -> Driver {
        let mut child = Command::new(program)
            .args(["--port=0", "--allowed-ips=127.0.0.1", "--log-level=WARNING"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines, received) = mpsc::channel();
        thread::spawn(move || {
            // Keeps draining after the banner, so chromedriver never blocks on a full pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = lines.send(line);
            }
        });
        let deadline = std::time::Instant::now() + START_TIMEOUT;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            let Ok(line) = received.recv_timeout(left) else {
                break;
            };
            if let Some(port) = banner_port(&line) {
                return Driver { child, port };
            }
            seen.push(line);
        }
        let mut driver = Driver { child, port: 0 };
        driver.stop();
        panic!(
            "{} did not announce its port within {START_TIMEOUT:?}; it printed: {seen:?}",
            program.display()
        );
    }

    /// The port it listens on.
    pub(super) fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub(super) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        // The group's id is the child's pid (`process_group(0)`); a negative pid names the group.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The port in `ChromeDriver was started successfully on port 12345.`
fn banner_port(line: &str) -> Option<u16> {
    let rest = line.split("started successfully on port ").nth(1)?;
    rest.trim().trim_end_matches('.').parse().ok()
}

/// One blocking HTTP/1.1 request to 127.0.0.1:`port` (`Connection: close`), its body as text;
/// `None` on any failure. For `Drop`, where nothing async can run.
pub(super) fn raw_request(port: u16, method: &str, path: &str, body: &str) -> Option<String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, RAW_TIMEOUT).ok()?;
    stream.set_read_timeout(Some(RAW_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(RAW_TIMEOUT)).ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    // Read until the body is complete (chromedriver may keep the connection open).
    let mut answer = Vec::new();
    let mut buf = [0_u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf).ok()?;
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let head = head.to_ascii_lowercase();
            if head.contains("transfer-encoding: chunked") {
                if let Some(decoded) = dechunk(body) {
                    return Some(decoded);
                }
            } else if let Some(length) = content_length(&head) {
                if body.len() >= length {
                    return body.get(..length).map(str::to_owned);
                }
            } else if n == 0 {
                return Some(body.to_owned());
            }
        }
        if n == 0 {
            return None;
        }
    }
}

/// The `Content-Length` of a response head (lowercased).
fn content_length(head: &str) -> Option<usize> {
    head.lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
}

/// A chunked body decoded.
fn dechunk(mut body: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(rest.get(..size)?);
        body = rest.get(size..)?.strip_prefix("\r\n")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_names_the_port_and_chunks_decode() {
        assert_eq!(
            banner_port("ChromeDriver was started successfully on port 33433."),
            Some(33433)
        );
        assert_eq!(banner_port("Only local connections are allowed."), None);
        assert_eq!(
            dechunk("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").as_deref(),
            Some("hello world")
        );
        assert_eq!(dechunk("zz\r\n"), None);
    }
}
