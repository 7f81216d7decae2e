//! Two-legged (client credentials) token.
//!
//! ```sh
//! APS_CLIENT_ID=... APS_CLIENT_SECRET=... cargo run --example two_legged -- data:read bucket:read
//! ```
//!
//! `APS_BASE_URL` overrides the API's address (default: production). Prints the token's expiry,
//! scopes and rate limit, never the token.

use std::process::ExitCode;

use aps_auth_generated::Scopes;
use aps_auth_generated::oauth::{ClientSecret, Credentials, OAuthClient};

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
    let secret = std::env::var("APS_CLIENT_SECRET").map_err(|_| "set APS_CLIENT_SECRET")?;
    let mut builder =
        OAuthClient::builder(Credentials::confidential(id, ClientSecret::new(secret)));
    if let Ok(base) = std::env::var("APS_BASE_URL") {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;

    let args: Vec<String> = std::env::args().skip(1).collect();
    let scopes: Scopes = if args.is_empty() {
        "data:read".parse()?
    } else {
        args.join(" ").parse()?
    };
    let token = client.two_legged().token(&scopes).await?;
    println!("token type: {}", token.token_type());
    println!("expires in: {} s", token.expires_in().as_secs());
    println!("scopes:     {}", token.scopes());
    let limit = token.rate_limit();
    if let (Some(remaining), Some(limit)) = (limit.remaining, limit.limit) {
        println!("rate limit: {remaining}/{limit} requests left");
    }
    Ok(())
}
