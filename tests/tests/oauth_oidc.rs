//! The OAuth layer against a real OAuth 2.0 / OpenID Connect server (`oidc-provider`, configured
//! with the APS paths, on 127.0.0.1): both flows end to end, and each refusal as a typed error.

use std::time::Duration;

use aps_auth_generated::oauth::{
    AuthorizationCode, ClientAuthMethod, ClientSecret, Credentials, OAuthClient, OAuthError,
    OAuthErrorCode, RetryPolicy,
};
use aps_auth_generated::{GetTokenRequest, GetTokenRequestGrantType, Scope, Scopes, SecretString};
use aps_auth_tests::oidc::{
    BASIC_CLIENT, OidcServer, POST_CLIENT, PUBLIC_CLIENT_ID, REDIRECT_URI, WEIRD_CLIENT,
};

/// Starts a server, or returns from the test when Node.js is missing and skipping is allowed.
macro_rules! server {
    () => {
        match OidcServer::start() {
            Some(server) => server,
            None => return,
        }
    };
}

fn client(server: &OidcServer, credentials: Credentials) -> OAuthClient {
    OAuthClient::builder(credentials)
        .base_url(server.base_url())
        .timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap()
}

fn basic() -> Credentials {
    Credentials::confidential(BASIC_CLIENT.0, ClientSecret::new(BASIC_CLIENT.1))
}

fn scopes(s: &str) -> Scopes {
    s.parse().unwrap()
}

/// Runs the authorize step in the test server's login and consent pages and reads the redirect.
async fn sign_in(
    server: &OidcServer,
    client: &OAuthClient,
    scope: &str,
) -> (
    aps_auth_generated::oauth::AuthorizationRequest,
    AuthorizationCode,
) {
    let request = client
        .start_authorization("http://127.0.0.1:43210/callback", &scopes(scope))
        .unwrap();
    let redirect = server.authorize_headless(request.url(), "ada").await;
    let code = request
        .callback(redirect.as_str())
        .unwrap_or_else(|e| panic!("{e}: {redirect}"));
    (request, code)
}

#[tokio::test]
async fn two_legged_with_basic_auth_body_auth_and_an_awkward_secret() {
    let server = server!();
    for credentials in [
        basic(),
        Credentials::confidential(POST_CLIENT.0, ClientSecret::new(POST_CLIENT.1))
            .with_auth_method(ClientAuthMethod::RequestBody),
        Credentials::confidential(WEIRD_CLIENT.0, ClientSecret::new(WEIRD_CLIENT.1)),
    ] {
        let name = credentials.client_id().to_owned();
        let token = client(&server, credentials)
            .two_legged()
            .token(&scopes("data:read bucket:read"))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            token.scopes().contains(&Scope::DataRead)
                && token.scopes().contains(&Scope::BucketRead),
            "{name}"
        );
        assert!(token.expires_in() > Duration::from_secs(3000), "{name}");
        assert!(!token.access_token().expose_secret().is_empty());
    }
}

#[tokio::test]
async fn a_wrong_secret_is_refused_as_invalid_client() {
    let server = server!();
    let wrong = Credentials::confidential(BASIC_CLIENT.0, ClientSecret::new("not-the-secret"));
    let err = client(&server, wrong)
        .two_legged()
        .token(&scopes("data:read"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&OAuthErrorCode::InvalidClient), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(!format!("{err:?}{err}").contains("not-the-secret"));
}

#[tokio::test]
async fn a_hundred_concurrent_callers_cause_one_token_request() {
    let server = server!();
    server.reset_counts().await;
    let provider = client(&server, basic()).two_legged();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move {
                provider
                    .token(&scopes("data:read"))
                    .await
                    .map(|t| t.access_token().clone())
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap());
    }
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
    let counts = server.token_counts().await;
    assert_eq!(counts["token"]["client_credentials"], 1, "{counts}");
}

#[tokio::test]
async fn authorization_code_with_pkce_then_profile_refresh_introspect_revoke() {
    let server = server!();
    for credentials in [Credentials::public(PUBLIC_CLIENT_ID), basic()] {
        let name = credentials.client_id().to_owned();
        let client = client(&server, credentials);
        let (request, code) = sign_in(&server, &client, "data:read user-profile:read").await;
        let token = client
            .exchange_code(&request, code)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(token.scopes().contains(&Scope::UserProfileRead), "{name}");
        let first_refresh = token.refresh_token().expect("a refresh token").clone();

        let profile = client.user_profile(token.access_token()).await.unwrap();
        assert_eq!(profile.user_id.as_deref(), Some("ada"));

        let introspected = client
            .introspect(token.access_token().expose_secret())
            .await
            .unwrap();
        assert!(introspected.active, "{name}");

        // Refresh rotates the refresh token; the old one is then refused.
        let session = client.session(token.clone());
        let refreshed = session.refresh().await.unwrap();
        let second_refresh = refreshed.refresh_token().unwrap().clone();
        assert_ne!(
            first_refresh, second_refresh,
            "{name}: the refresh token was not rotated"
        );
        assert_ne!(refreshed.access_token(), token.access_token());
        let err = client.refresh(&first_refresh).await.unwrap_err();
        assert_eq!(
            err.code(),
            Some(&OAuthErrorCode::InvalidGrant),
            "{name}: {err:?}"
        );

        // Revoked tokens introspect as inactive: a normal answer, not an error.
        client
            .revoke_access_token(refreshed.access_token())
            .await
            .unwrap();
        let introspected = client
            .introspect(refreshed.access_token().expose_secret())
            .await
            .unwrap();
        assert!(!introspected.active, "{name}");
        let err = client
            .user_profile(refreshed.access_token())
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    }
}

#[tokio::test]
async fn a_session_refreshes_once_for_concurrent_callers() {
    let server = server!();
    let client = client(&server, basic());
    let (request, code) = sign_in(&server, &client, "data:read").await;
    let token = client.exchange_code(&request, code).await.unwrap();
    server.reset_counts().await;
    let session = client.session(token);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.refresh().await.map(|t| t.access_token().clone()) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let counts = server.token_counts().await;
    assert_eq!(counts["token"]["refresh_token"], 1, "{counts}");
}

#[tokio::test]
async fn refusals_of_the_three_legged_flow_are_typed() {
    let server = server!();
    let client = client(&server, Credentials::public(PUBLIC_CLIENT_ID));

    // A replayed code.
    let (request, code) = sign_in(&server, &client, "data:read").await;
    client.exchange_code(&request, code.clone()).await.unwrap();
    let err = client.exchange_code(&request, code).await.unwrap_err();
    assert_eq!(
        err.code(),
        Some(&OAuthErrorCode::InvalidGrant),
        "replay: {err:?}"
    );

    // The wrong PKCE verifier: a code from one authorization exchanged with another's verifier.
    let (_, code) = sign_in(&server, &client, "data:read").await;
    let other = client
        .start_authorization("http://127.0.0.1:43210/callback", &scopes("data:read"))
        .unwrap();
    let err = client.exchange_code(&other, code).await.unwrap_err();
    assert_eq!(
        err.code(),
        Some(&OAuthErrorCode::InvalidGrant),
        "verifier: {err:?}"
    );

    // The wrong redirect_uri, with the right verifier (through the generated operation).
    let (request, code) = sign_in(&server, &client, "data:read").await;
    let err = client
        .api()
        .get_token(
            &GetTokenRequest::new(GetTokenRequestGrantType::AuthorizationCode)
                .with_client_id(PUBLIC_CLIENT_ID)
                .with_code(SecretString::new(code.expose_secret()))
                .with_redirect_uri("http://127.0.0.1:43210/elsewhere")
                .with_code_verifier(SecretString::new(request.pkce_verifier().expose_secret())),
        )
        .await
        .map_err(OAuthError::from)
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&OAuthErrorCode::InvalidGrant),
        "redirect_uri: {err:?}"
    );

    // A forged state is refused locally: no token request reaches the server.
    server.reset_counts().await;
    let request = client
        .start_authorization("http://127.0.0.1:43210/callback", &scopes("data:read"))
        .unwrap();
    let redirect = server.authorize_headless(request.url(), "ada").await;
    let mut forged = redirect.clone();
    let pairs: Vec<(String, String)> = redirect
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, "forged-state".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let forged = forged.to_string();
    assert!(matches!(
        request.callback(&forged),
        Err(OAuthError::StateMismatch)
    ));
    let counts = server.token_counts().await;
    assert_eq!(counts["token"]["authorization_code"], 0, "{counts}");
}

#[tokio::test]
async fn the_server_reports_authorize_errors_through_the_redirect() {
    let server = server!();
    // The server requires PKCE: the same request without the code challenge comes back as an
    // error redirect.
    let client = client(&server, Credentials::public(PUBLIC_CLIENT_ID));
    let request = client
        .start_authorization(REDIRECT_URI, &scopes("data:read"))
        .unwrap();
    let mut url = request.url().clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("code_challenge"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut().clear().extend_pairs(kept);
    let redirect = server.authorize_headless(&url, "ada").await;
    let err = request.callback(redirect.as_str()).unwrap_err();
    let OAuthError::Authorization { error, description } = &err else {
        panic!("{err:?} from {redirect}")
    };
    assert_eq!(*error, OAuthErrorCode::InvalidRequest);
    assert!(
        description
            .as_deref()
            .unwrap_or_default()
            .to_lowercase()
            .contains("pkce"),
        "{err}"
    );
}

#[tokio::test]
async fn jwks_and_logout() {
    let server = server!();
    let client = OAuthClient::builder(basic())
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let keys = client.keys().await.unwrap();
    let key = &keys.keys[0];
    assert_eq!(key.kty, "RSA");
    assert!(key.n.is_some() && key.e.is_some() && key.kid.is_some());
    let logout = client.logout_url(Some("http://127.0.0.1/bye")).unwrap();
    assert_eq!(logout.path(), "/authentication/v2/logout");
    assert_eq!(
        logout.query(),
        Some("post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%2Fbye")
    );
}
