//! A real Redis server for integration tests.
//!
//! [`RedisServer::start`] runs `redis-server` (Redis 7, the Debian package; CI installs it with
//! `bash scripts/install-test-deps`) on a free port of `127.0.0.1`, without persistence (`--save ""`,
//! `--appendonly no`), in a fresh directory under [`std::env::temp_dir`] that also holds its log.
//! Every test may start its own server; they share nothing. Dropping the [`RedisServer`] kills
//! the process and removes the directory.
//!
//! [`RedisServer::command`] speaks RESP by hand over a [`TcpStream`], so that tests can look at
//! the server's data (`GET`, `KEYS *`, `DBSIZE`, `FLUSHALL`) without a Redis client crate.
//!
//! ```no_run
//! use aps_auth_tests::redis::RedisServer;
//!
//! let redis = RedisServer::start();
//! assert_eq!(redis.command(&["SET", "key", "value"]), "+OK\r\n");
//! assert_eq!(redis.command(&["GET", "key"]), "$5\r\nvalue\r\n");
//! let url = redis.url(); // redis://127.0.0.1:<port>/
//! # let _ = url;
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The program started; found on `PATH`.
const PROGRAM: &str = "redis-server";

/// How long to wait for a started server to answer `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`RedisServer::restart`] keeps trying when the port is still busy.
const RESTART_BIND_TIMEOUT: Duration = Duration::from_secs(5);

/// How many fresh ports [`RedisServer::start`] tries when another process takes the one it chose.
const START_ATTEMPTS: usize = 5;

/// Connect, read and write timeout of one [`RedisServer::command`].
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// The log file in the server's directory, for its stdout and stderr.
const LOG_FILE: &str = "redis-server.log";

/// A running `redis-server` on `127.0.0.1`; dropping it stops the process and removes its
/// directory.
pub struct RedisServer {
    /// The server process; `None` after [`RedisServer::stop`].
    child: Option<Child>,
    /// The port it listens on, kept across [`RedisServer::restart`].
    port: u16,
    /// Its working directory (`--dir`), holding the log.
    dir: PathBuf,
}

/// Why a spawned server did not come up.
enum StartError {
    /// The port was taken (`Address already in use` in the log): worth another try.
    PortBusy,
    /// Anything else; the message says what.
    Other(String),
}

impl RedisServer {
    /// Starts `redis-server` on a free port of `127.0.0.1` and waits until it answers `PING`.
    ///
    /// # Panics
    ///
    /// When `redis-server` is not on `PATH` (the message says to run
    /// `bash scripts/install-test-deps`), or when it does not answer `PING` within 10 seconds
    /// (the message holds its log).
    pub fn start() -> RedisServer {
        let dir = fresh_dir();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            match spawn_and_wait(port, &dir) {
                Ok(child) => {
                    return RedisServer {
                        child: Some(child),
                        port,
                        dir,
                    };
                }
                Err(StartError::PortBusy) => continue,
                Err(StartError::Other(why)) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    panic!("{why}");
                }
            }
        }
        let log = read_log(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        panic!("redis-server found every one of {START_ATTEMPTS} free ports busy; log:\n{log}");
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port the server listens on (the same after [`RedisServer::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's directory (`--dir`), under [`std::env::temp_dir`]; removed on drop.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Everything the server has written to stdout and stderr so far, across restarts.
    pub fn log(&self) -> String {
        read_log(&self.dir)
    }

    /// Kills the server and waits for it to exit; it does not save anything. Does nothing when
    /// it is already stopped.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server, then starts it again on the same port and waits until it answers
    /// `PING`. The new server starts with an empty dataset (there is no persistence). When the
    /// port is still busy, it tries again for up to 5 seconds.
    ///
    /// # Panics
    ///
    /// When the server does not come back (the message holds its log).
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + RESTART_BIND_TIMEOUT;
        loop {
            match spawn_and_wait(self.port, &self.dir) {
                Ok(child) => {
                    self.child = Some(child);
                    return;
                }
                Err(StartError::PortBusy) if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(100));
                }
                Err(StartError::PortBusy) => panic!(
                    "redis-server could not restart: port {} stayed busy for {:?}; log:\n{}",
                    self.port,
                    RESTART_BIND_TIMEOUT,
                    self.log()
                ),
                Err(StartError::Other(why)) => panic!("redis-server could not restart: {why}"),
            }
        }
    }

    /// Sends one command (its arguments, e.g. `&["GET", "key"]`) on a new connection and returns
    /// the whole reply as RESP text, exactly as the server sent it, `\r\n` included: `+OK\r\n`,
    /// `$5\r\nvalue\r\n`, `$-1\r\n` (no such key), `:3\r\n`, `*1\r\n$3\r\nkey\r\n`,
    /// `-ERR ...\r\n`. An error reply is returned, not a panic.
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or the connection fails within 5 seconds.
    pub fn command(&self, args: &[&str]) -> String {
        send(self.port, args).unwrap_or_else(|e| {
            panic!(
                "redis command {args:?} on port {} failed: {e}; log:\n{}",
                self.port,
                self.log()
            )
        })
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Spawns `redis-server` on `port` in `dir` and waits until it answers `PING`; kills it when
/// it does not.
fn spawn_and_wait(port: u16, dir: &Path) -> Result<Child, StartError> {
    let log = log_file(dir).map_err(|e| {
        StartError::Other(format!("cannot open {}: {e}", dir.join(LOG_FILE).display()))
    })?;
    let log_start = log
        .metadata()
        .map_or(0, |m| usize::try_from(m.len()).unwrap_or(0));
    let log_for_stderr = log
        .try_clone()
        .map_err(|e| StartError::Other(format!("cannot share the log file: {e}")))?;
    let mut child = Command::new(PROGRAM)
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--save", ""])
        .args(["--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .args(["--daemonize", "no"])
        .args(["--protected-mode", "yes"])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_for_stderr)
        .spawn()
        .map_err(|e| StartError::Other(spawn_failure(&e)))?;

    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = read_log(dir);
            // Only this run's part of the log counts: an earlier run may have found it busy too.
            let this_run = log.get(log_start..).unwrap_or(&log);
            if this_run.contains("Address already in use") {
                return Err(StartError::PortBusy);
            }
            return Err(StartError::Other(format!(
                "redis-server on port {port} exited with {status} before answering PING; log:\n{log}"
            )));
        }
        if answers_ping(port) {
            return Ok(child);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(StartError::Other(format!(
                "redis-server on port {port} did not answer PING within {START_TIMEOUT:?}; log:\n{}",
                read_log(dir)
            )));
        }
        thread::sleep(Duration::from_millis(25));
    }
}

/// The panic message for a `redis-server` that could not be spawned.
fn spawn_failure(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        format!(
            "`{PROGRAM}` is not on PATH, and the Redis integration tests need it: run \
             `bash scripts/install-test-deps` (it installs the Debian package redis-server), \
             or install Redis 7 yourself"
        )
    } else {
        format!("cannot start `{PROGRAM}`: {e}")
    }
}

/// Whether a server on `port` answers `PING` with `+PONG` right now.
fn answers_ping(port: u16) -> bool {
    send(port, &["PING"]).is_ok_and(|reply| reply == "+PONG\r\n")
}

/// Sends one RESP command to `127.0.0.1:port` on a new connection and reads one whole reply.
fn send(port: u16, args: &[&str]) -> io::Result<String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(&encode(args))?;
    let mut reader = BufReader::new(stream);
    let mut reply = Vec::new();
    read_reply(&mut reader, &mut reply)?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

/// A command as a RESP array of bulk strings.
fn encode(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Reads one RESP2 reply (nested arrays included) from `reader`, appending its bytes to `out`.
fn read_reply(reader: &mut impl BufRead, out: &mut Vec<u8>) -> io::Result<()> {
    let start = out.len();
    let n = reader.read_until(b'\n', out)?;
    if n == 0 || !out.ends_with(b"\r\n") {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed in the middle of a reply",
        ));
    }
    let line = &out[start..out.len() - 2];
    let Some((&kind, rest)) = line.split_first() else {
        return Err(invalid("an empty reply line"));
    };
    let count = || -> io::Result<i64> {
        std::str::from_utf8(rest)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid("a length that is not a number"))
    };
    match kind {
        b'+' | b'-' | b':' => Ok(()),
        b'$' => match usize::try_from(count()?) {
            // `$-1`: no value.
            Err(_) => Ok(()),
            Ok(len) => {
                let mut body = vec![0_u8; len + 2];
                reader.read_exact(&mut body)?;
                out.extend_from_slice(&body);
                Ok(())
            }
        },
        b'*' => {
            // `*-1` (a null array) has no elements.
            for _ in 0..count()?.max(0) {
                read_reply(reader, out)?;
            }
            Ok(())
        }
        other => Err(invalid(&format!(
            "an unknown reply type {:?}",
            other as char
        ))),
    }
}

/// An [`io::ErrorKind::InvalidData`] error about a reply.
fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("redis sent {what}"))
}

/// A port of `127.0.0.1` that was free a moment ago: the operating system's pick for port 0.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("cannot find a free port on 127.0.0.1: {e}"))
}

/// Creates a new, empty directory under [`std::env::temp_dir`] for one server.
fn fresh_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "aps-auth-tests-redis-{}-{n}-{nanos}",
            std::process::id()
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return dir,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!("cannot create {}: {e}", dir.display()),
        }
    }
}

/// The server's log file in `dir`, opened for appending so that restarts keep earlier runs.
fn log_file(dir: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(LOG_FILE))
}

/// The text of the server's log in `dir`, or a note why there is none.
fn read_log(dir: &Path) -> String {
    let path = dir.join(LOG_FILE);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| format!("(cannot read {}: {e})", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Reads one reply from `bytes`, returning it and what is left.
    fn reply(bytes: &[u8]) -> (String, Vec<u8>) {
        let mut reader = BufReader::new(bytes);
        let mut out = Vec::new();
        read_reply(&mut reader, &mut out).expect("a whole reply");
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).expect("in memory");
        (String::from_utf8(out).expect("utf-8"), rest)
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings_with_byte_lengths() {
        assert_eq!(encode(&["PING"]), b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(
            encode(&["SET", "k", "", "é"]),
            "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n$2\r\né\r\n".as_bytes()
        );
    }

    #[test]
    fn one_whole_reply_is_read_and_no_more() {
        assert_eq!(
            reply(b"+OK\r\n+NEXT\r\n"),
            ("+OK\r\n".into(), b"+NEXT\r\n".to_vec())
        );
        assert_eq!(
            reply(b"$-1\r\n:1\r\n"),
            ("$-1\r\n".into(), b":1\r\n".to_vec())
        );
        assert_eq!(
            reply(b"$4\r\na\r\nb\r\n"),
            ("$4\r\na\r\nb\r\n".into(), Vec::new())
        );
        assert_eq!(
            reply(b"*2\r\n$1\r\na\r\n*1\r\n:5\r\n-ERR x\r\n"),
            (
                "*2\r\n$1\r\na\r\n*1\r\n:5\r\n".into(),
                b"-ERR x\r\n".to_vec()
            )
        );
        assert_eq!(reply(b"*0\r\n"), ("*0\r\n".into(), Vec::new()));
    }

    #[test]
    fn a_truncated_reply_is_an_error() {
        let mut out = Vec::new();
        assert!(read_reply(&mut BufReader::new(&b"$5\r\nab"[..]), &mut out).is_err());
        assert!(read_reply(&mut BufReader::new(&b"+OK"[..]), &mut out).is_err());
        assert!(read_reply(&mut BufReader::new(&b"?x\r\n"[..]), &mut out).is_err());
    }
}
