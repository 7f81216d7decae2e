//! HTTP Basic security, generated: Secure Service Accounts' token exchange
//! (`POST /authentication/v2/token`, `security: [{basic-authorization: []}]`) sends
//! `Authorization: Basic` with the call's or the client's credentials, each form-urlencoded
//! before base64 (RFC 6749 section 2.3.1), against `wiremock` on 127.0.0.1.

use std::time::Duration;

use aps_auth_generated::generated::secure_service_account::{self, types::*};
use aps_auth_generated::{AuthError, BasicCredentials, Client, Error};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "s3cr:t/+ x";
const ASSERTION: &str = "eyJhbGciOiJSUzI1NiJ9.e30.sig";

/// `Basic base64("my+id:s3cr%3At%2F%2B+x")`: id and secret form-urlencoded, then base64.
const BASIC: &str = "Basic bXkraWQ6czNjciUzQXQlMkYlMkIreA==";

fn ssa(
    server: &MockServer,
    credentials: Option<BasicCredentials>,
) -> secure_service_account::Client {
    let mut builder = Client::builder()
        .base_url(server.uri())
        .timeout(Some(Duration::from_secs(5)));
    if let Some(credentials) = credentials {
        builder = builder.basic_credentials(credentials);
    }
    secure_service_account::Client::from_client(builder.build().expect("client"))
}

fn request() -> ExchangeJwtAssertionRequest {
    ExchangeJwtAssertionRequest::new(GrantType::UrnIetfParamsOauthGrantTypeJwtBearer, ASSERTION)
}

async fn token_endpoint(server: &MockServer, authorization: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .and(header("authorization", authorization))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 3599}),
        ))
        .expect(times)
        .mount(server)
        .await;
}

/// Every request the server got carried exactly one `Authorization` header.
async fn one_authorization_header_each(server: &MockServer) {
    for request in server.received_requests().await.unwrap_or_default() {
        assert_eq!(request.headers.get_all("authorization").iter().count(), 1);
    }
}

#[tokio::test]
async fn the_clients_credentials_are_sent_as_http_basic() {
    let server = MockServer::start().await;
    token_endpoint(&server, BASIC, 1).await;
    let credentials = BasicCredentials::new("my id", SECRET);
    let client = ssa(&server, Some(credentials.clone()));
    let body = request();
    let answer = client.exchange_jwt_assertion().body(&body).await.unwrap();
    assert_eq!(answer.expires_in, Some(3599));
    one_authorization_header_each(&server).await;
    // The secret shows in no `Debug`.
    for debug in [format!("{credentials:?}"), format!("{client:?}")] {
        assert!(!debug.contains("s3cr"), "{debug}");
    }
}

#[tokio::test]
async fn the_calls_credentials_win_over_the_clients() {
    let server = MockServer::start().await;
    token_endpoint(&server, BASIC, 1).await;
    let client = ssa(
        &server,
        Some(BasicCredentials::new("other", "other-secret")),
    );
    let body = request();
    let call = client
        .exchange_jwt_assertion()
        .basic_auth("my id", SECRET)
        .body(&body);
    assert!(!format!("{call:?}").contains("s3cr"));
    call.await.unwrap();
    one_authorization_header_each(&server).await;
}

#[tokio::test]
async fn without_credentials_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let body = request();
    let error = ssa(&server, None)
        .exchange_jwt_assertion()
        .body(&body)
        .await
        .unwrap_err();
    let Error::Auth(auth) = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(
        **auth,
        AuthError::NoBasicCredentials {
            operation: "exchange_jwt_assertion"
        }
    ));
    assert!(error.to_string().contains("basic_credentials"), "{error}");
}

#[tokio::test]
async fn the_documents_own_authorization_parameter_is_sent_as_given() {
    let server = MockServer::start().await;
    token_endpoint(&server, "Basic aGFuZDptYWRl", 1).await;
    let client = ssa(&server, Some(BasicCredentials::new("my id", SECRET)));
    let body = request();
    client
        .exchange_jwt_assertion()
        .authorization("Basic aGFuZDptYWRl")
        .body(&body)
        .await
        .unwrap();
    one_authorization_header_each(&server).await;
}
