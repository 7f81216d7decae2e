//! `aps-auth-webapp`: the web app, configured from the environment (see the crate docs and the
//! README). Prints `LISTENING <address>` on stdout once it accepts connections.

use std::io::Write as _;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let config = match aps_auth_webapp::Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("aps-auth-webapp: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = aps_auth_webapp::serve(config, |bound, app| {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "LISTENING http://{bound}");
        let _ = out.flush();
        tracing::info!(
            redirect_uri = %app.redirect_uri,
            secure_cookies = app.secure_cookies,
            "serving"
        );
    })
    .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aps-auth-webapp: {e}");
            ExitCode::FAILURE
        }
    }
}
