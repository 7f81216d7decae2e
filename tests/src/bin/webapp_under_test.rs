//! The web app's program, built in this crate so that its integration tests can start it as a
//! real process (`env!("CARGO_BIN_EXE_webapp-under-test")`): exactly `aps-auth-webapp`'s `main`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    aps_auth_webapp::run_from_env().await
}
