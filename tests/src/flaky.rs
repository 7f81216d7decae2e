//! A scripted HTTP/1.1 server on 127.0.0.1 for the retry tests: each path answers from a
//! script of replies (`429`s with `Retry-After`, `503`s, `502`s, a dropped connection, an
//! answer cut off mid-body, a stall), then its steady reply; every request is logged (method,
//! path with query, headers) so tests count requests and check what was sent. One connection per
//! request (`Connection: close`). The server stops when dropped.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One answer of the server.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status, extra headers and a JSON body.
    Answer(u16, Vec<(&'static str, String)>, String),
    /// The connection is closed after the request is read, before any answer.
    Drop,
    /// The status line and headers of a `200` with a long `Content-Length`, a few bytes of body,
    /// then the connection is closed.
    Cut,
    /// Nothing is sent for this long, then the connection is closed.
    Stall(Duration),
}

impl Reply {
    /// A status with a JSON body and no extra header.
    pub fn status(code: u16, body: &str) -> Reply {
        Reply::Answer(code, Vec::new(), body.to_owned())
    }

    /// A status with `Retry-After: <value>`.
    pub fn retry_after(code: u16, value: &str) -> Reply {
        Reply::Answer(
            code,
            vec![("retry-after", value.to_owned())],
            r#"{"developerMessage":"slow down"}"#.to_owned(),
        )
    }
}

/// A request the server read.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET`, `POST`...
    pub method: String,
    /// The path with its query, as sent.
    pub target: String,
    /// The header block, as sent.
    pub headers: String,
}

#[derive(Default)]
struct State {
    /// Path -> replies still to give, in order.
    scripts: BTreeMap<String, VecDeque<Reply>>,
    /// Path -> the reply once its script is spent.
    steady: BTreeMap<String, Reply>,
    seen: Vec<Seen>,
}

/// The running server.
pub struct FlakyServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl FlakyServer {
    /// Starts a server on an ephemeral port of 127.0.0.1.
    pub async fn start() -> FlakyServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&shared)));
            }
        });
        FlakyServer { addr, state, task }
    }

    /// The base URL (`http://127.0.0.1:<port>`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `path` answers `script` in order, then `steady` to every later request.
    pub fn script(&self, path: &str, script: Vec<Reply>, steady: Reply) {
        let mut state = self.state.lock().expect("state");
        state.scripts.insert(path.to_owned(), script.into());
        state.steady.insert(path.to_owned(), steady);
    }

    /// Every request read so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().expect("state").seen.clone()
    }

    /// How many requests `method` `path` (without query) were read.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.target.split('?').next() == Some(path))
            .count()
    }
}

impl Drop for FlakyServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request, logs it and gives the path's next reply.
async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let mut first = head.lines().next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let reply = {
        let mut state = state.lock().expect("state");
        state.seen.push(Seen {
            method,
            target,
            headers: head.clone(),
        });
        let scripted = state.scripts.get_mut(&path).and_then(VecDeque::pop_front);
        scripted
            .or_else(|| state.steady.get(&path).cloned())
            .unwrap_or_else(|| Reply::status(404, r#"{"developerMessage":"no such route"}"#))
    };
    let out = match reply {
        Reply::Answer(code, headers, body) => {
            let mut out = format!(
                "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&body);
            out
        }
        Reply::Drop => return,
        Reply::Cut => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\nconnection: close\r\n\r\n{\"keys\": [".to_owned(),
        Reply::Stall(how_long) => {
            tokio::time::sleep(how_long).await;
            return;
        }
    };
    let _ = stream.write_all(out.as_bytes()).await;
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}
