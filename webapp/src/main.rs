//! `aps-auth-webapp`: the web app, configured from the environment (see the crate docs and the
//! README). Prints `LISTENING <address>` on stdout once it accepts connections.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    aps_auth_webapp::run_from_env().await
}
