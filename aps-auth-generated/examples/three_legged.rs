//! Three-legged (authorization code + PKCE) sign-in, then the user's profile.
//!
//! ```sh
//! APS_CLIENT_ID=... APS_CLIENT_SECRET=... cargo run --example three_legged
//! ```
//!
//! Register `http://127.0.0.1:8080/callback` as a callback URL of your APS app (or set
//! `APS_CALLBACK_PORT`). `APS_CLIENT_SECRET` may be left unset for a public (PKCE-only) app;
//! `APS_BASE_URL` overrides the API's address. The example listens on 127.0.0.1 for the
//! redirect, prints the URL to open, exchanges the code and calls the profile endpoint.

use std::process::ExitCode;
use std::time::Duration;

use aps_auth_generated::Scopes;
use aps_auth_generated::oauth::{
    AuthorizationCode, AuthorizationRequest, ClientSecret, Credentials, OAuthClient,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let id = std::env::var("APS_CLIENT_ID").map_err(|_| "set APS_CLIENT_ID")?;
    let credentials = match std::env::var("APS_CLIENT_SECRET") {
        Ok(secret) => Credentials::confidential(id, ClientSecret::new(secret)),
        Err(_) => Credentials::public(id),
    };
    let mut builder = OAuthClient::builder(credentials);
    if let Ok(base) = std::env::var("APS_BASE_URL") {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;

    let port: u16 = std::env::var("APS_CALLBACK_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let redirect_uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr()?.port()
    );
    let scopes: Scopes = "data:read user-profile:read".parse()?;
    let request = client.start_authorization(&redirect_uri, &scopes)?;
    println!(
        "Open this URL in your browser and sign in:\n\n  {}\n",
        request.url()
    );

    let code = tokio::time::timeout(Duration::from_secs(300), wait_for_code(&listener, &request))
        .await
        .map_err(|_| "no callback within 5 minutes")??;
    let token = client.exchange_code(&request, code).await?;
    println!(
        "signed in: token expires in {} s, scopes {}",
        token.expires_in().as_secs(),
        token.scopes()
    );

    let profile = client.user_profile(token.access_token()).await?;
    println!(
        "user: {} {} <{}> (id {})",
        profile.first_name.as_deref().unwrap_or("?"),
        profile.last_name.as_deref().unwrap_or("?"),
        profile.email_id.as_deref().unwrap_or("?"),
        profile.user_id.as_deref().unwrap_or("?"),
    );
    Ok(())
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
        // "GET /callback?code=...&state=... HTTP/1.1"
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
