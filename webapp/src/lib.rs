//! The integration guide's web app: a user signs in with their Autodesk account (three-legged
//! OAuth with PKCE), then browses their Data Management hubs, projects and folders; the app
//! calls APS on their behalf with tokens it keeps server-side and refreshes as they expire.
//!
//! - [`App`]: the settings, the OAuth client, the token store and the sign-ins in progress;
//!   [`App::router`] gives the routes, [`serve`] runs them.
//! - Several instances behind a load balancer without sticky sessions share one Redis
//!   (`REDIS_URL`): the token store (sessions, refreshed with rotation under the store's lock)
//!   and the sign-ins in progress, so the callback may land on another instance than `/login`.
//! - With `APS_TOKEN_KEYS` both are sealed at rest under that key ring (`EncryptedStore`,
//!   `KeyRing::seal`); without it they are in clear, which [`Config::from_lookup`] refuses on
//!   Redis off loopback unless `APP_ALLOW_CLEAR_TOKENS=1`.
//! - The browser only ever holds random opaque ids (cookies `HttpOnly`, `SameSite=Lax`,
//!   `Secure` unless on loopback http); no token, code, verifier or secret reaches a page, a
//!   cookie, a URL of the app's or a log line.
//!
//! Routes: `/` (profile and hubs), `/hubs/{hub}` (its projects), `/hubs/{hub}/projects/{project}`
//! (its top folders), `/projects/{project}/folders/{folder}` (its contents, every page),
//! `/login`, `/callback`, `/logout` (`POST` signs out: revoke, forget).

pub mod config;
pub mod cookie;
pub mod html;
pub mod pages;
pub mod pending;
pub mod sign_in;

use std::sync::Arc;

use aps_auth_generated::Client;
use aps_auth_generated::oauth::{
    ClientSecret, Credentials, EncryptedStore, MemoryStore, OAuthClient, RedisStore, TokenStore,
};
use axum::Router;
use axum::routing::get;
use url::Url;

pub use config::{Config, ConfigError};

/// The scopes the app asks the user for: what its pages need, nothing more.
pub const SCOPES: &str = "data:read user-profile:read";

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The OAuth or API client refused its settings.
    #[error("APS client: {0}")]
    Client(#[from] aps_auth_generated::ConfigError),
    /// The token store could not be set up.
    #[error(transparent)]
    Store(#[from] aps_auth_generated::oauth::StoreError),
    /// The store of sign-ins could not be set up.
    #[error(transparent)]
    Pending(#[from] pending::PendingError),
    /// The listening socket.
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}

/// The token store of the settings: Redis when `REDIS_URL` is set, memory otherwise; its
/// entries sealed under `APS_TOKEN_KEYS` ([`EncryptedStore`]) when set. Wrap it here to change
/// how tokens are kept (every session goes through it).
pub fn token_store(config: &Config) -> Result<Arc<dyn TokenStore>, StartError> {
    Ok(match (&config.redis_url, &config.token_keys) {
        (Some(url), Some(keys)) => {
            Arc::new(EncryptedStore::new(RedisStore::new(url)?, keys.clone()))
        }
        (Some(url), None) => Arc::new(RedisStore::new(url)?),
        (None, Some(keys)) => Arc::new(EncryptedStore::new(MemoryStore::new(), keys.clone())),
        (None, None) => Arc::new(MemoryStore::new()),
    })
}

/// What every request handler shares.
#[derive(Debug)]
pub struct App {
    /// The OAuth client (credentials, token store).
    pub oauth: OAuthClient,
    /// The API client (profile, Data Management), without a token source: each request adds the
    /// user's session.
    pub api: Client,
    /// The sign-ins in progress.
    pub pending: pending::PendingSignIns,
    /// The app's address as browsers see it.
    pub base_url: Url,
    /// `<base_url>/callback`.
    pub redirect_uri: String,
    /// Whether cookies are `Secure` (not on loopback http).
    pub secure_cookies: bool,
}

impl App {
    /// The app for `config`, whose own address is `base_url` (the configured one, or the
    /// listening address), keeping tokens in `store`.
    pub fn new(
        config: &Config,
        base_url: Url,
        store: Arc<dyn TokenStore>,
    ) -> Result<App, StartError> {
        let credentials = Credentials::confidential(
            config.client_id.clone(),
            ClientSecret::new(config.client_secret.clone()),
        );
        let mut oauth = OAuthClient::builder(credentials).token_store(store);
        let mut api = Client::builder();
        if let Some(aps) = &config.aps_base_url {
            oauth = oauth.base_url(aps.clone());
            api = api.base_url(aps.clone());
        }
        let pending = match &config.redis_url {
            Some(url) => pending::PendingSignIns::redis(url, config.token_keys.clone())?,
            None => pending::PendingSignIns::memory(),
        };
        let redirect_uri = format!("{}/callback", base_url.as_str().trim_end_matches('/'));
        Ok(App {
            oauth: oauth.build()?,
            api: api.build()?,
            pending,
            secure_cookies: !config::is_loopback_http(&base_url),
            base_url,
            redirect_uri,
        })
    }

    /// The routes.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/", get(pages::home))
            .route("/hubs/{hub}", get(pages::hub))
            .route("/hubs/{hub}/projects/{project}", get(pages::project))
            .route("/projects/{project}/folders/{folder}", get(pages::folder))
            .route("/login", get(sign_in::login))
            .route("/callback", get(sign_in::callback))
            .route("/logout", get(sign_in::logout_page).post(sign_in::logout))
            .fallback(pages::not_found)
            .with_state(self)
    }
}

/// Binds `config.listen`, builds the app (its base URL defaults to `http://<bound address>`),
/// calls `ready` with the bound address and serves until the process ends.
pub async fn serve(
    config: Config,
    ready: impl FnOnce(std::net::SocketAddr, &App),
) -> Result<(), StartError> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let bound = listener.local_addr()?;
    let base_url = match &config.base_url {
        Some(url) => url.clone(),
        None => Url::parse(&format!("http://{bound}")).map_err(|e| ConfigError {
            variable: "APP_LISTEN",
            reason: format!("no URL for {bound}: {e}"),
        })?,
    };
    if config.clear_on_redis() {
        tracing::warn!(
            "APS_TOKEN_KEYS is not set: tokens and sign-ins in progress are stored in clear on \
             Redis (allowed on loopback or with APP_ALLOW_CLEAR_TOKENS=1); set it to seal them"
        );
    }
    let app = Arc::new(App::new(&config, base_url, token_store(&config)?)?);
    ready(bound, &app);
    axum::serve(listener, app.router())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting connections and let the requests under way finish (a
/// refresh in flight saves its rotated refresh token).
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

/// The program: logs to stderr, reads [`Config::from_env`], serves, and prints
/// `LISTENING http://<bound address>` on stdout once it accepts connections (a test or a
/// supervisor reads the port there when `APP_LISTEN` asked for port 0). Returns on a fatal
/// error only, having said why on stderr.
pub async fn run_from_env() -> std::process::ExitCode {
    use std::io::Write as _;
    // A second call in one process keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("aps-auth-webapp: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let config_key_id = config
        .token_keys
        .as_ref()
        .map(|k| k.current_id().to_owned());
    let served = serve(config, |bound, app| {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "LISTENING http://{bound}");
        let _ = out.flush();
        tracing::info!(
            redirect_uri = %app.redirect_uri,
            secure_cookies = app.secure_cookies,
            sealed_with_key = config_key_id.as_deref().unwrap_or("none"),
            "serving"
        );
    })
    .await;
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aps-auth-webapp: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
