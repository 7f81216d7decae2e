//! Signing in and out: `/login` starts the three-legged flow and keeps the request's parts
//! server-side; `/callback` takes them out once, checks the redirect (state, redirect URI,
//! issuer), exchanges the code and opens a session under a new random id; `/logout` revokes the
//! tokens and forgets the session.

use std::sync::Arc;
use std::time::Duration;

use aps_auth_generated::oauth::{AuthorizationRequest, OAuthError, StoreKey};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use crate::App;
use crate::cookie::{self, Id, SESSION_COOKIE, SIGN_IN_COOKIE, SIGN_IN_SECONDS};
use crate::html::{self, escape, page, redirect, respond};
use crate::pending::PendingError;

/// Why a callback was refused. Its text is what the refusal page says (it holds no secret: the
/// layer's errors are redacted).
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// No sign-in in progress for this browser: the callback was already used (a replayed
    /// callback), or the sign-in expired or was started in another browser.
    #[error(
        "no sign-in is in progress in this browser: this callback was already used (a replayed \
         callback is refused), or the sign-in expired or was started elsewhere"
    )]
    NotPending,
    /// The redirect's `state` is not the one of the sign-in this browser started.
    #[error(
        "the callback does not answer the sign-in this browser started: its state does not match \
         (a forged callback is refused)"
    )]
    Forged(#[source] OAuthError),
    /// The redirect is not a valid answer (wrong address, wrong issuer, an error from APS such
    /// as a denied consent).
    #[error("the callback was refused: {0}")]
    Redirect(#[source] OAuthError),
    /// The code exchange failed.
    #[error("the code exchange failed: {0}")]
    Exchange(#[source] OAuthError),
    /// The sign-ins in progress could not be read.
    #[error(transparent)]
    Pending(#[from] PendingError),
    /// No random numbers for a session id.
    #[error("no randomness for a session id: {0}")]
    Random(getrandom::Error),
}

impl CallbackError {
    /// The status of the refusal page.
    fn status(&self) -> StatusCode {
        match self {
            CallbackError::NotPending | CallbackError::Forged(_) | CallbackError::Redirect(_) => {
                StatusCode::BAD_REQUEST
            }
            CallbackError::Exchange(_) => StatusCode::BAD_GATEWAY,
            CallbackError::Pending(_) | CallbackError::Random(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// `GET /login`: a new sign-in (its id in a cookie, its request parts in the shared store),
/// then off to APS.
pub async fn login(State(app): State<Arc<App>>) -> Response {
    let started = async {
        let scopes = crate::SCOPES
            .parse()
            .map_err(|e| format!("the app's scopes: {e}"))?;
        let request = app
            .oauth
            .start_authorization(&app.redirect_uri, &scopes)
            .map_err(|e| e.to_string())?;
        let id = Id::generate().map_err(|e| e.to_string())?;
        app.pending
            .put(
                &id,
                &request.to_parts(),
                Duration::from_secs(SIGN_IN_SECONDS),
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((id, request))
    };
    match started.await {
        Ok((id, request)) => redirect(
            request.url().as_str(),
            &[cookie::set(
                SIGN_IN_COOKIE,
                &id,
                Some(SIGN_IN_SECONDS),
                app.secure_cookies,
            )],
        ),
        Err(e) => {
            tracing::warn!(error = %e, "cannot start a sign-in");
            problem(StatusCode::SERVICE_UNAVAILABLE, "Cannot sign in now", &e)
        }
    }
}

/// `GET /callback`: the redirect back from APS, on whichever instance it lands.
pub async fn callback(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let cleared = cookie::clear(SIGN_IN_COOKIE, app.secure_cookies);
    match finish_sign_in(&app, &headers, &uri).await {
        Ok(session) => {
            tracing::info!("signed in");
            redirect(
                "/",
                &[
                    cookie::set(SESSION_COOKIE, &session, None, app.secure_cookies),
                    cleared,
                ],
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "callback refused");
            let body = format!(
                "<p id=\"refused\">{}</p><p><a href=\"/login\">Sign in again</a></p>",
                escape(&e.to_string())
            );
            respond(e.status(), page("Sign-in refused", None, &body), &[cleared])
        }
    }
}

/// Takes the sign-in out of the store, checks the redirect, exchanges the code and keeps the
/// session in the token store under a new id (never the sign-in's: no fixation).
pub async fn finish_sign_in(
    app: &App,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Id, CallbackError> {
    let sign_in = cookie::read(headers, SIGN_IN_COOKIE).ok_or(CallbackError::NotPending)?;
    let parts = app
        .pending
        .take(&sign_in)
        .await?
        .ok_or(CallbackError::NotPending)?;
    let request = AuthorizationRequest::from_parts(parts).map_err(CallbackError::Redirect)?;
    let path_and_query = uri.path_and_query().map_or("/callback", |p| p.as_str());
    let code = request.callback(path_and_query).map_err(|e| match e {
        OAuthError::StateMismatch => CallbackError::Forged(e),
        e => CallbackError::Redirect(e),
    })?;
    let token = app
        .oauth
        .exchange_code(&request, code)
        .await
        .map_err(CallbackError::Exchange)?;
    let session = Id::generate().map_err(CallbackError::Random)?;
    app.oauth.shared_session(session.as_str(), token).await;
    Ok(session)
}

/// `GET /logout`: a page with the sign-out button (signing out is a `POST`, which a `SameSite`
/// cookie keeps other sites from sending).
pub async fn logout_page() -> Response {
    let body = "<form method=\"post\" action=\"/logout\">\
                <button id=\"logout\" type=\"submit\">Sign out</button></form>";
    respond(StatusCode::OK, page("Sign out", None, body), &[])
}

/// `POST /logout`: revokes the session's tokens at APS and forgets the session.
pub async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let cleared = cookie::clear(SESSION_COOKIE, app.secure_cookies);
    let Some(id) = cookie::read(&headers, SESSION_COOKIE) else {
        return respond(
            StatusCode::OK,
            page(
                "Signed out",
                None,
                "<p id=\"signed-out\">You were not signed in.</p>",
            ),
            &[cleared],
        );
    };
    let text = match sign_out(&app, &id).await {
        Ok(()) => "You are signed out: your tokens were revoked and forgotten.".to_owned(),
        Err(e) => {
            tracing::warn!(error = %e, "sign-out incomplete");
            format!("You are signed out here, but not everything went well: {e}")
        }
    };
    let body = format!(
        "<p id=\"signed-out\">{}</p><p><a href=\"/login\">Sign in again</a></p>",
        escape(&text)
    );
    tracing::info!("signed out");
    respond(StatusCode::OK, page("Signed out", None, &body), &[cleared])
}

/// Revokes the refresh and access tokens of session `id`, then removes it from the token store
/// (whatever the revocation answered). The first error, if any.
async fn sign_out(app: &App, id: &Id) -> Result<(), OAuthError> {
    let mut result = Ok(());
    match app.oauth.resume_session(id.as_str()).await {
        Ok(session) => {
            let token = session.current();
            if let Some(refresh) = token.refresh_token() {
                result = app.oauth.revoke_refresh_token(refresh).await;
            }
            let access = app.oauth.revoke_access_token(token.access_token()).await;
            result = result.and(access);
        }
        Err(OAuthError::SignInRequired(_)) => {}
        Err(e) => result = Err(e),
    }
    let key = StoreKey::session(app.oauth.credentials().client_id(), id.as_str());
    let store = app.oauth.token_store();
    let removed = match store.load(&key).await {
        Ok(Some(entry)) => store.remove(&key, entry.version).await,
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    result.and(removed.map_err(OAuthError::Store))
}

/// A page saying what went wrong (`what`: a heading; `detail`: text without secrets).
pub fn problem(status: StatusCode, what: &str, detail: &str) -> Response {
    let body = format!("<p id=\"problem\">{}</p>", html::escape(detail));
    respond(status, page(what, None, &body), &[])
}
