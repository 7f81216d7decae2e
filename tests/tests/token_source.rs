//! Spec-driven authentication: a client given a token source once; each operation asks it for a
//! token for exactly the scopes its `security` names, through a scheme the source can serve.
//! Against a wiremock server on 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aps_auth_generated::oauth::{Credentials, OAuthClient, RetryPolicy, Token};
use aps_auth_generated::{
    AuthError, AuthOption, Client, Error, Grants, Scopes, SecretString, StaticToken, TokenSource,
};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROFILE: &str = "/userprofile/v1/users/@me";

fn profile_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"userId": "U1", "userName": "ada"}))
}

/// A source that records what it is asked for and hands out `t1`, `t2`, ...
#[derive(Debug, Default)]
struct Recording {
    asked: Mutex<Vec<(String, Vec<String>)>>,
    invalidated: Mutex<Vec<String>>,
}

impl TokenSource for Recording {
    fn grants(&self) -> Grants {
        Grants::ANY
    }

    fn token<'a>(
        &'a self,
        option: &'a AuthOption,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<SecretString, AuthError>> + Send + 'a>,
    > {
        let mut asked = self.asked.lock().unwrap();
        asked.push((
            option.scheme.to_owned(),
            option.scopes.iter().map(|s| (*s).to_owned()).collect(),
        ));
        let token = SecretString::new(format!("t{}", asked.len()));
        Box::pin(async move { Ok(token) })
    }

    fn invalidate<'a>(
        &'a self,
        token: &'a SecretString,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>> {
        self.invalidated
            .lock()
            .unwrap()
            .push(token.expose_secret().to_owned());
        Box::pin(async { true })
    }
}

fn client(server: &MockServer) -> aps_auth_generated::ClientBuilder {
    Client::builder().base_url(server.uri())
}

fn user_token(access: &str, scope: &str) -> Token {
    Token::from_stored(
        serde_json::from_value(json!({
            "access_token": access, "token_type": "Bearer",
            "expires_at_ms": 4_000_000_000_000u64, "lifetime_s": 3600,
            "scope": scope, "refresh_token": "r1"
        }))
        .unwrap(),
    )
}

#[tokio::test]
async fn an_operation_asks_the_source_for_exactly_its_declared_scopes() {
    let server = MockServer::start().await;
    Mock::given(path(PROFILE))
        .and(header("authorization", "Bearer t1"))
        .respond_with(profile_answer())
        .expect(1)
        .mount(&server)
        .await;
    let source = Arc::new(Recording::default());
    let api = client(&server)
        .token_source(source.clone())
        .build()
        .unwrap();
    let answer = api.get_user_profile().await.unwrap();
    assert_eq!(answer.status(), 200);
    // The document: `security: [{OAuth2ThreeLegged: [user-profile:read]}]`.
    assert_eq!(
        *source.asked.lock().unwrap(),
        [(
            "OAuth2ThreeLegged".to_owned(),
            vec!["user-profile:read".to_owned()]
        )]
    );
}

#[tokio::test]
async fn without_a_source_or_a_token_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(path(PROFILE))
        .respond_with(profile_answer())
        .expect(0)
        .mount(&server)
        .await;
    let err = client(&server)
        .build()
        .unwrap()
        .get_user_profile()
        .await
        .unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(
            **auth,
            AuthError::NoTokenSource {
                operation: "get_user_profile"
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_token_given_to_the_call_wins_over_the_source() {
    let server = MockServer::start().await;
    Mock::given(path(PROFILE))
        .and(header("authorization", "Bearer mine"))
        .respond_with(profile_answer())
        .expect(1)
        .mount(&server)
        .await;
    let source = Arc::new(Recording::default());
    let api = client(&server)
        .token_source(source.clone())
        .build()
        .unwrap();
    api.get_user_profile().bearer_token("mine").await.unwrap();
    assert!(source.asked.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_application_token_is_not_offered_to_a_user_only_operation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(profile_answer())
        .expect(0)
        .mount(&server)
        .await;
    let oauth = OAuthClient::builder(Credentials::public("spa"))
        .base_url(server.uri())
        .build()
        .unwrap();
    let api = client(&server)
        .token_source(oauth.two_legged())
        .build()
        .unwrap();
    let err = api.get_user_profile().await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    let AuthError::NoMatchingScheme { schemes, .. } = &**auth else {
        panic!("{err:?}")
    };
    assert_eq!(schemes, &["OAuth2ThreeLegged"]);
}

#[tokio::test]
async fn a_session_whose_grant_lacks_the_scope_is_refused_naming_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(profile_answer())
        .expect(0)
        .mount(&server)
        .await;
    let oauth = OAuthClient::builder(Credentials::public("spa"))
        .base_url(server.uri())
        .build()
        .unwrap();
    let session = oauth.session(user_token("a1", "data:read"));
    let api = client(&server).token_source(session).build().unwrap();
    let err = api.get_user_profile().await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("{err:?}")
    };
    let AuthError::MissingScopes { missing } = &**auth else {
        panic!("{err:?}")
    };
    assert_eq!(missing, &["user-profile:read"]);
    assert!(err.to_string().contains("user-profile:read"), "{err}");
}

/// A `401` to the session's token: the session refreshes, and the call is sent once more.
#[tokio::test]
async fn a_refused_token_is_renewed_and_the_call_retried_once() {
    let server = MockServer::start().await;
    Mock::given(path(PROFILE))
        .and(header("authorization", "Bearer a1"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(PROFILE))
        .and(header("authorization", "Bearer a2"))
        .respond_with(profile_answer())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "a2", "refresh_token": "r2", "expires_in": 3600,
            "scope": "user-profile:read"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let oauth = OAuthClient::builder(Credentials::public("spa"))
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let session = oauth.session(user_token("a1", "user-profile:read"));
    let api = client(&server)
        .token_source(session.clone())
        .build()
        .unwrap();
    api.get_user_profile().await.unwrap();
    assert_eq!(
        session.current().refresh_token().unwrap().expose_secret(),
        "r2"
    );
}

/// A refresh answer without `scope` (RFC 6749 section 6: the scope originally granted) keeps the
/// grant's scopes, so the operation is still sent with the new token.
#[tokio::test]
async fn a_refresh_answer_without_scope_keeps_the_grants_scopes() {
    let server = MockServer::start().await;
    Mock::given(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "a2", "refresh_token": "r2", "expires_in": 3600
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(PROFILE))
        .and(header("authorization", "Bearer a2"))
        .respond_with(profile_answer())
        .expect(2)
        .mount(&server)
        .await;
    let oauth = OAuthClient::builder(Credentials::public("spa"))
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    // Expired: the first call refreshes.
    let expired = Token::from_stored(
        serde_json::from_value(json!({
            "access_token": "a1", "token_type": "Bearer", "expires_at_ms": 0, "lifetime_s": 3600,
            "scope": "user-profile:read data:read", "refresh_token": "r1"
        }))
        .unwrap(),
    );
    let session = oauth.session(expired);
    let api = client(&server)
        .token_source(session.clone())
        .build()
        .unwrap();
    for _ in 0..2 {
        let answer = api.get_user_profile().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    let current = session.current();
    assert_eq!(current.access_token().expose_secret(), "a2");
    assert_eq!(current.scopes().to_string(), "user-profile:read data:read");
}

/// A static token has nothing else to offer: its `401` is the answer, sent once.
#[tokio::test]
async fn a_static_token_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path(PROFILE))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let api = client(&server)
        .token_source(StaticToken::new("fixed"))
        .timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap();
    let err = api.get_user_profile().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

/// A `401` to a two-legged token: the provider forgets it (also in its store), fetches another.
#[tokio::test]
async fn a_refused_application_token_is_forgotten_and_fetched_again() {
    let server = MockServer::start().await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "app-1", "expires_in": 3600
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "app-2", "expires_in": 3600
        })))
        .expect(1)
        .mount(&server)
        .await;
    let oauth = OAuthClient::builder(Credentials::public("svc"))
        .base_url(server.uri())
        .build()
        .unwrap();
    let provider = oauth.two_legged();
    let scopes = "data:read".parse().unwrap();
    assert_eq!(
        provider
            .token(&scopes)
            .await
            .unwrap()
            .access_token()
            .expose_secret(),
        "app-1"
    );
    provider.forget("app-1").await;
    assert_eq!(
        provider
            .token(&scopes)
            .await
            .unwrap()
            .access_token()
            .expose_secret(),
        "app-2"
    );
    // A second provider of the same client (sharing its store) sees the new one, not the old.
    assert_eq!(
        oauth
            .two_legged()
            .token(&scopes)
            .await
            .unwrap()
            .access_token()
            .expose_secret(),
        "app-2"
    );
}

/// `forget` finds the refused token's own scope set: the other scope sets keep their tokens, in
/// the cache and in the store, and a token the provider never handed out changes nothing.
#[tokio::test]
async fn forgetting_a_token_touches_its_own_scope_set_only() {
    let server = MockServer::start().await;
    let issued = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = issued.clone();
    Mock::given(path("/authentication/v2/token"))
        .respond_with(move |_: &wiremock::Request| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": format!("app-{n}"), "expires_in": 3600}))
        })
        .mount(&server)
        .await;
    let oauth = OAuthClient::builder(Credentials::public("svc"))
        .base_url(server.uri())
        .build()
        .unwrap();
    let provider = oauth.two_legged();
    let (read, write): (Scopes, Scopes) =
        ("data:read".parse().unwrap(), "data:write".parse().unwrap());
    let token = |scopes: Scopes| {
        let provider = provider.clone();
        async move {
            let token = provider.token(&scopes).await.unwrap();
            token.access_token().expose_secret().to_owned()
        }
    };
    assert_eq!(token(read.clone()).await, "app-1");
    assert_eq!(token(write.clone()).await, "app-2");
    provider.forget("never-issued").await;
    provider.forget("app-1").await;
    assert_eq!(
        token(write.clone()).await,
        "app-2",
        "the other set's cache stays"
    );
    assert_eq!(
        token(read.clone()).await,
        "app-3",
        "the refused one is fetched again"
    );
    let other = oauth.two_legged();
    let from_store = other.token(&write).await.unwrap();
    assert_eq!(
        from_store.access_token().expose_secret(),
        "app-2",
        "the store keeps it"
    );
    assert_eq!(issued.load(std::sync::atomic::Ordering::SeqCst), 3);
}

/// A Data Management body goes out as the JSON:API media type its document declares, with the
/// token from the source.
#[tokio::test]
async fn a_json_api_body_is_sent_as_json_api() {
    use aps_auth_generated::generated::data_management::{self, types::ModifyFolderPayload};
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/data/v1/projects/p1/folders/f1"))
        .and(header("content-type", "application/vnd.api+json"))
        .and(header("authorization", "Bearer t1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            json!({"jsonapi": {"version": "1.0"}}).to_string(),
            "application/vnd.api+json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let source = Arc::new(Recording::default());
    let api = client(&server)
        .token_source(source.clone())
        .build()
        .unwrap();
    let body: ModifyFolderPayload = serde_json::from_value(json!({
        "jsonapi": {"version": "1.0"},
        "data": {"type": "folders", "id": "f1", "attributes": {"displayName": "renamed"}}
    }))
    .unwrap();
    let answer = data_management::Client::from_client(api)
        .patch_folder("p1", "f1")
        .body(&body)
        .await;
    // The document's answer schema may want more than this stub sends; what matters here is
    // what reached the server.
    let _ = answer;
    assert_eq!(source.asked.lock().unwrap()[0].1, ["data:write"]);
}
