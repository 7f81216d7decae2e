//! The integration guide's checklist, run against a real APS app: sign in (three-legged, PKCE),
//! then call what an integrator validates, and print one line per capability.
//!
//! ```sh
//! APS_CLIENT_ID=... APS_CLIENT_SECRET=... \
//!   cargo run --example check_integration --features data-management,oss
//! ```
//!
//! Register `http://127.0.0.1:8080/callback` as a callback URL of your APS app (or set
//! `APS_CALLBACK_PORT`; `0` picks a free port). `APS_BASE_URL` overrides the API's address. The
//! program prints the URL to open, waits for the redirect, then checks: the user profile; Data
//! Management's hubs, the first hub's projects, its top folders, a folder's contents and an item
//! (the projects and the contents listed whole, every page followed);
//! a refresh (the new access token works, a rotated refresh token is kept); the rate-limit
//! headers; and, with a two-legged token, an OSS bucket: create, upload a file of three parts
//! (11 MiB) through signed S3 URLs with the transfer helper, download it back in ranges, compare,
//! delete. Each line is `ok` or the typed error; the
//! exit code is non-zero if any check failed. No token or secret is printed.
//!
//! Every API call gets its token from the client's token source, for the scopes the operation
//! declares: the user session for Data Management, the two-legged provider for OSS.

use std::fmt::Display;
use std::future::poll_fn;
use std::io::Write as _;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aps_auth_generated::generated::data_management::{self, types::FolderContentsDataItem};
use aps_auth_generated::generated::oss::{
    self,
    types::{CreateBucketsPayload, PolicyKey, Region},
};
use aps_auth_generated::oauth::{
    AuthorizationCode, AuthorizationRequest, ClientSecret, Credentials, OAuthClient, UserSession,
};
use aps_auth_generated::transfer::{MIN_PART_SIZE, Transfer};
use aps_auth_generated::{Client, Items, PageError, RateLimit};
use futures_core::Stream;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The scopes the user is asked for: what the checks below need, nothing more.
const USER_SCOPES: &str = "data:read user-profile:read";
/// How long the user has to sign in.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let checks = check_integration(config).await;
    if checks.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What the checks need.
pub struct Config {
    /// The APS app's client id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// The API's address (default: production).
    pub base_url: Option<String>,
    /// The loopback port of the callback (`0`: any free port).
    pub callback_port: u16,
    /// How long the user has to sign in.
    pub sign_in_timeout: Duration,
    /// Tells the user where to sign in (prints the URL).
    pub announce: Box<dyn Fn(&url::Url) + Send + Sync>,
}

impl Config {
    /// From `APS_CLIENT_ID`, `APS_CLIENT_SECRET`, `APS_BASE_URL`, `APS_CALLBACK_PORT`.
    pub fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
        Ok(Config {
            client_id: var("APS_CLIENT_ID")?,
            client_secret: var("APS_CLIENT_SECRET")?,
            base_url: std::env::var("APS_BASE_URL").ok(),
            callback_port: match std::env::var("APS_CALLBACK_PORT") {
                Ok(port) => port
                    .parse()
                    .map_err(|_| format!("APS_CALLBACK_PORT `{port}` is not a port"))?,
                Err(_) => 8080,
            },
            sign_in_timeout: SIGN_IN_TIMEOUT,
            announce: Box::new(|url| {
                println!("Open this URL in your browser and sign in:\n\n  {url}\n");
            }),
        })
    }
}

/// Runs every check, printing a line for each; the checklist tells what failed.
pub async fn check_integration(config: Config) -> Checklist {
    let mut checks = Checklist::default();
    if let Err(e) = run(&mut checks, config).await {
        checks.fail("setup", e);
    }
    println!(
        "\n{} checks: {} ok, {} failed",
        checks.lines.len(),
        checks.lines.len() - checks.failed(),
        checks.failed()
    );
    checks
}

/// The lines printed so far: whether the check passed, and the line.
#[derive(Default)]
pub struct Checklist {
    /// Each check: passed, and its line.
    pub lines: Vec<(bool, String)>,
}

impl Checklist {
    /// How many checks failed.
    pub fn failed(&self) -> usize {
        self.lines.iter().filter(|(ok, _)| !ok).count()
    }

    fn pass(&mut self, what: &str, detail: impl Display) {
        let line = format!("[ ok ] {what}: {detail}");
        println!("{line}");
        self.lines.push((true, line));
    }

    fn fail(&mut self, what: &str, error: impl Display) {
        let line = format!("[FAIL] {what}: {error}");
        println!("{line}");
        self.lines.push((false, line));
    }

    /// Records `result`, giving back its value when it is ok.
    fn check<T, E: Display>(
        &mut self,
        what: &str,
        result: Result<T, E>,
        detail: impl FnOnce(&T) -> String,
    ) -> Option<T> {
        match result {
            Ok(value) => {
                self.pass(what, detail(&value));
                Some(value)
            }
            Err(e) => {
                self.fail(what, e);
                None
            }
        }
    }

    fn skip(&mut self, what: &str, because: &str) {
        self.fail(what, format!("not checked: {because}"));
    }
}

/// A spinner on stderr while a slow step runs (when stderr is a terminal).
struct Progress {
    done: Arc<AtomicBool>,
}

impl Progress {
    fn start(label: &'static str) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return Progress { done };
        }
        let flag = done.clone();
        tokio::spawn(async move {
            let frames = ['|', '/', '-', '\\'];
            let started = Instant::now();
            let mut i = 0;
            while !flag.load(Ordering::Relaxed) {
                eprint!(
                    "\r{} {label} ({} s)",
                    frames[i % frames.len()],
                    started.elapsed().as_secs()
                );
                let _ = std::io::stderr().flush();
                i += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            eprint!("\r{}\r", " ".repeat(label.len() + 16));
        });
        Progress { done }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

async fn run(checks: &mut Checklist, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let base = config.base_url.clone();
    let oauth = {
        let mut builder = OAuthClient::builder(Credentials::confidential(
            config.client_id.clone(),
            ClientSecret::new(config.client_secret.clone()),
        ));
        if let Some(base) = &base {
            builder = builder.base_url(base);
        }
        builder.build()?
    };

    // --- three-legged sign-in -----------------------------------------------------------------
    let listener = TcpListener::bind(("127.0.0.1", config.callback_port)).await?;
    let redirect_uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr()?.port()
    );
    let request = oauth.start_authorization(&redirect_uri, &USER_SCOPES.parse()?)?;
    (config.announce)(request.url());
    let code = {
        let _progress = Progress::start("waiting for the sign-in");
        tokio::time::timeout(config.sign_in_timeout, wait_for_code(&listener, &request))
            .await
            .map_err(|_| "no sign-in in time")?
    };
    let code = checks.check("sign-in redirect (state checked)", code, |_| {
        "code received".into()
    });
    let Some(code) = code else {
        return Ok(());
    };
    let token = checks.check(
        "code exchange (PKCE S256)",
        oauth.exchange_code(&request, code).await,
        |t| {
            format!(
                "scopes {}, expires in {} s",
                t.scopes(),
                t.expires_in().as_secs()
            )
        },
    );
    let Some(token) = token else {
        return Ok(());
    };
    let session = oauth.session(token);
    // Every operation of this client asks the user's session for its token.
    let user_api = api(base.as_deref())?.with_token_source(session.clone());

    user_checks(checks, &user_api, &session).await;

    // --- two-legged: OSS ----------------------------------------------------------------------
    let app_api = api(base.as_deref())?.with_token_source(oauth.two_legged());
    oss_checks(checks, &app_api).await;
    Ok(())
}

fn api(base: Option<&str>) -> Result<Client, aps_auth_generated::ConfigError> {
    let mut builder = Client::builder();
    if let Some(base) = base {
        builder = builder.base_url(base);
    }
    builder.build()
}

fn rate_limit(limit: RateLimit) -> String {
    match (limit.limit, limit.remaining) {
        (Some(l), Some(r)) => format!("{r} of {l} requests left in the window"),
        _ => "the server sent no X-RateLimit headers".into(),
    }
}

/// Profile, the Data Management walk, and the refresh.
async fn user_checks(checks: &mut Checklist, api: &Client, session: &UserSession) {
    checks.check("user profile", api.get_user_profile().await, |p| {
        format!("user {}", p.user_id.as_deref().unwrap_or("?"))
    });

    let dm = data_management::Client::from_client(api.clone());
    let hubs = checks.check("hubs", dm.get_hubs().await, |h| {
        format!(
            "{} hub(s); {}",
            h.data.as_ref().map_or(0, Vec::len),
            rate_limit(h.rate_limit())
        )
    });
    let hub = hubs.and_then(|h| {
        h.into_inner()
            .data
            .and_then(|d| d.into_iter().find_map(|hub| hub.id))
    });
    let Some(hub) = hub else {
        for what in ["projects", "top folders", "folder contents", "item"] {
            checks.skip(what, "no hub");
        }
        return refresh_check(checks, api, session).await;
    };
    let projects = every_item(dm.get_hub_projects(&hub).items()).await;
    let projects = checks.check("projects", projects, |(p, pages)| {
        format!("{} project(s) in the first hub, {pages} page(s)", p.len())
    });
    let project = projects.and_then(|(p, _)| p.into_iter().next().map(|p| p.id));
    let Some(project) = project else {
        for what in ["top folders", "folder contents", "item"] {
            checks.skip(what, "no project");
        }
        return refresh_check(checks, api, session).await;
    };
    let folders = checks.check(
        "top folders",
        dm.get_project_top_folders(&hub, &project).await,
        |f| format!("{} folder(s)", f.data.as_ref().map_or(0, Vec::len)),
    );
    let folder = folders.and_then(|f| {
        f.into_inner()
            .data
            .and_then(|d| d.into_iter().next())
            .map(|f| f.id)
    });
    let item = match folder {
        Some(folder) => {
            let contents = every_item(dm.get_folder_contents(&project, &folder).items()).await;
            let contents = checks.check("folder contents", contents, |(c, pages)| {
                format!("{} entr(ies), {pages} page(s)", c.len())
            });
            contents.and_then(|(c, _)| {
                c.into_iter().find_map(|entry| match entry {
                    FolderContentsDataItem::ItemData(item) => Some(item.id),
                    _ => None,
                })
            })
        }
        None => {
            checks.skip("folder contents", "no top folder");
            None
        }
    };
    match item {
        Some(item) => {
            checks.check("item", dm.get_item(&project, &item).await, |i| {
                i.data.as_ref().map_or("no data".into(), |d| {
                    format!("`{}`", d.attributes.display_name)
                })
            });
        }
        None => checks.skip("item", "the folder holds no item"),
    }
    refresh_check(checks, api, session).await;
}

/// Every item of a paged listing, every page followed, and how many pages that took.
async fn every_item<T, I: Unpin, E>(
    mut items: Items<'_, T, I, E>,
) -> Result<(Vec<I>, u64), PageError<E>> {
    let mut all = Vec::new();
    while let Some(item) = poll_fn(|cx| Pin::new(&mut items).poll_next(cx)).await {
        all.push(item?);
    }
    Ok((all, items.pages_requested()))
}

/// A refresh: the new access token works, and a rotated refresh token is what the session keeps.
async fn refresh_check(checks: &mut Checklist, api: &Client, session: &UserSession) {
    let before = session.current();
    let fresh = checks.check("refresh", session.refresh().await, |t| {
        let rotated = match (before.refresh_token(), t.refresh_token()) {
            (Some(old), Some(new)) if old != new => "the refresh token rotated",
            (Some(_), Some(_)) => "the refresh token was kept",
            _ => "no refresh token",
        };
        format!("new access token, {rotated}")
    });
    let Some(fresh) = fresh else {
        return checks.skip("refreshed token works", "no refresh");
    };
    let kept = session.current().refresh_token() == fresh.refresh_token()
        && fresh.access_token() != before.access_token();
    if !kept {
        return checks.fail(
            "refreshed token works",
            "the session does not hold the refreshed tokens",
        );
    }
    checks.check("refreshed token works", api.get_user_profile().await, |p| {
        rate_limit(p.rate_limit())
    });
}

/// Create a bucket, upload through a signed URL, download, compare, delete.
async fn oss_checks(checks: &mut Checklist, api: &Client) {
    let oss = oss::Client::from_client(api.clone());
    let suffix: String = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let bucket = format!("aps-auth-check-{suffix}");
    let object = "check.txt";
    // Three parts: two of S3's smallest part size (5 MiB), and a short last one.
    let payload: Vec<u8> = b"aps-auth integration check\n"
        .iter()
        .copied()
        .cycle()
        .take(2 * MIN_PART_SIZE as usize + 1000)
        .collect();

    let created = checks.check(
        "OSS: create bucket",
        oss.create_bucket(
            Region::US,
            &CreateBucketsPayload::new(&bucket, PolicyKey::Transient),
        )
        .await,
        |b| format!("`{}`", b.bucket_key.as_deref().unwrap_or("?")),
    );
    if created.is_none() {
        for what in [
            "OSS: upload",
            "OSS: download and compare",
            "OSS: delete object",
            "OSS: delete bucket",
        ] {
            checks.skip(what, "no bucket");
        }
        return;
    }
    let uploaded = {
        let _progress = Progress::start("uploading");
        upload(&oss, &bucket, object, &payload).await
    };
    let uploaded = checks.check("OSS: upload (3 parts, signed S3 URLs)", uploaded, |size| {
        format!("{size} bytes")
    });
    if uploaded.is_some() {
        let downloaded = {
            let _progress = Progress::start("downloading");
            download(&oss, &bucket, object).await
        };
        let same = downloaded.and_then(|bytes| {
            if bytes == payload {
                Ok(bytes.len())
            } else {
                Err(format!(
                    "{} bytes came back, not the {} sent",
                    bytes.len(),
                    payload.len()
                ))
            }
        });
        checks.check("OSS: download and compare", same, |n| {
            format!("{n} bytes, identical")
        });
        checks.check(
            "OSS: delete object",
            oss.delete_object(&bucket, object).await,
            |_| "deleted".into(),
        );
    } else {
        checks.skip("OSS: download and compare", "no upload");
        checks.skip("OSS: delete object", "no upload");
    }
    checks.check(
        "OSS: delete bucket",
        oss.delete_bucket(&bucket).await,
        |_| "deleted".into(),
    );
}

/// Upload through the transfer helper: signed URLs in a batch, the parts `PUT` in parallel (the
/// URLs are the credential: no token), then OSS completes the object.
async fn upload(
    oss: &oss::Client,
    bucket: &str,
    object: &str,
    payload: &[u8],
) -> Result<i64, String> {
    let transfer = Transfer::new(oss.clone())
        .map_err(|e| e.to_string())?
        .part_size(MIN_PART_SIZE);
    let done = transfer
        .upload(bucket, object)
        .from_reader(payload, Some(payload.len() as u64))
        .await
        .map_err(|e| e.to_string())?;
    Ok(done.size.unwrap_or(payload.len() as i64))
}

/// Download through the transfer helper: ranges fetched in parallel, written in order, size and
/// SHA-1 checked.
async fn download(oss: &oss::Client, bucket: &str, object: &str) -> Result<Vec<u8>, String> {
    let transfer = Transfer::new(oss.clone()).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    transfer
        .download(bucket, object)
        .to_writer(&mut bytes)
        .await
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Serves the callback: reads each request's target until one is the redirect, answers the
/// browser, and checks the redirect (state, error) without sending anything to APS.
async fn wait_for_code(
    listener: &TcpListener,
    request: &AuthorizationRequest,
) -> Result<AuthorizationCode, Box<dyn std::error::Error>> {
    loop {
        let (stream, _) = listener.accept().await?;
        let (read, mut write) = stream.into_split();
        let mut line = String::new();
        BufReader::new(read).read_line(&mut line).await?;
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        if !target.starts_with("/callback") {
            write
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await?;
            continue;
        }
        let result = request.callback(&target);
        let body = match &result {
            Ok(_) => "Signed in. You can close this window.".to_owned(),
            Err(e) => format!("Sign-in failed: {e}"),
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        write.write_all(answer.as_bytes()).await?;
        return Ok(result?);
    }
}
