//! Behaviour of every generated operation against a real HTTP server on 127.0.0.1 (`wiremock`):
//! exact method, path, headers and form body on the way out; success and every kind of error
//! answer on the way back.

use std::time::Duration;

use aps_auth_generated::{
    AuthorizePrompt, AuthorizeResponseType, Client, Error, GetTokenRequest,
    GetTokenRequestGrantType, IntrospectTokenRequest, RevokeTokenRequest,
    RevokeTokenRequestTokenTypeHint, Scope, Scopes, SecretString,
};
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LWFjY2Vzcy10b2tlbg.sig";
const REFRESH: &str = "r3fr3sh-t0k3n-v4lue";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .timeout(Some(Duration::from_secs(5)))
        .build()
        .expect("client")
}

fn form_content_type() -> wiremock::matchers::HeaderExactMatcher {
    header("content-type", "application/x-www-form-urlencoded")
}

fn two_legged(scope: &str) -> GetTokenRequest {
    GetTokenRequest::new(GetTokenRequestGrantType::ClientCredentials)
        .with_client_id("my-client")
        .with_client_secret(SecretString::new("s+/:%&= x"))
        .with_scope(scope.parse::<Scopes>().unwrap())
}

fn json_answer(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

#[tokio::test]
async fn get_token_sends_the_exact_form_and_decodes_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .and(form_content_type())
        .and(body_string(
            "grant_type=client_credentials&client_id=my-client&client_secret=s%2B%2F%3A%25%26%3D+x&scope=data%3Aread+bucket%3Aread",
        ))
        .respond_with(
            json_answer(
                200,
                json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3599, "scope": "data:read bucket:read new:scope"}),
            )
            .insert_header("X-RateLimit-Limit", "100")
            .insert_header("X-RateLimit-Remaining", "99")
            .insert_header("X-RateLimit-Reset", "1700000000"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .get_token(&two_legged("data:read bucket:read"))
        .await
        .expect("token");
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer
            .access_token
            .as_ref()
            .map(SecretString::expose_secret),
        Some(TOKEN)
    );
    assert_eq!(answer.expires_in, Some(3599));
    assert_eq!(answer.token_type.as_deref(), Some("Bearer"));
    let scopes = answer.scope.clone().unwrap();
    assert_eq!(
        scopes.0,
        vec![
            Scope::DataRead,
            Scope::BucketRead,
            Scope::Other("new:scope".into())
        ]
    );
    assert_eq!(scopes.to_string(), "data:read bucket:read new:scope");
    let limits = answer.rate_limit();
    assert_eq!(
        (limits.limit, limits.remaining, limits.reset),
        (Some(100), Some(99), Some(1_700_000_000))
    );
    let debug = format!("{answer:?}");
    assert!(
        !debug.contains(TOKEN) && debug.contains("[redacted]"),
        "{debug}"
    );
}

#[tokio::test]
async fn get_token_exchanges_a_code_and_refreshes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .and(form_content_type())
        .and(body_string(
            "grant_type=authorization_code&client_id=app&code=c0de&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&code_verifier=v3rifier",
        ))
        .respond_with(json_answer(
            200,
            json!({"access_token": TOKEN, "refresh_token": REFRESH, "token_type": "Bearer", "expires_in": 3600}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .and(body_string(
            "grant_type=refresh_token&client_id=app&refresh_token=r3fr3sh-t0k3n-v4lue",
        ))
        .respond_with(json_answer(
            200,
            json!({"access_token": "new", "refresh_token": "rotated", "expires_in": 3600}),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let exchanged = client
        .get_token(
            &GetTokenRequest::new(GetTokenRequestGrantType::AuthorizationCode)
                .with_client_id("app")
                .with_code(SecretString::new("c0de"))
                .with_redirect_uri("http://127.0.0.1:8080/callback")
                .with_code_verifier(SecretString::new("v3rifier")),
        )
        .await
        .expect("exchange");
    let refresh = exchanged
        .into_inner()
        .refresh_token
        .expect("a refresh token");
    assert_eq!(refresh.expose_secret(), REFRESH);
    let refreshed = client
        .get_token(
            &GetTokenRequest::new(GetTokenRequestGrantType::RefreshToken)
                .with_client_id("app")
                .with_refresh_token(refresh),
        )
        .await
        .expect("refresh");
    assert_eq!(
        refreshed.refresh_token.as_ref().unwrap().expose_secret(),
        "rotated"
    );
}

#[tokio::test]
async fn revoke_token_posts_the_form_and_ignores_any_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/revoke"))
        .and(form_content_type())
        .and(body_string("token=r3fr3sh-t0k3n-v4lue&token_type_hint=refresh_token&client_id=app&client_secret=shh"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("OK, whatever", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server)
        .revoke_token(
            &RevokeTokenRequest::new(
                SecretString::new(REFRESH),
                RevokeTokenRequestTokenTypeHint::RefreshToken,
                "app",
            )
            .with_client_secret(SecretString::new("shh")),
        )
        .await
        .expect("revoked");
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn introspect_token_decodes_active_and_inactive() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/introspect"))
        .and(form_content_type())
        .and(body_string("token=live&client_id=app"))
        .respond_with(json_answer(
            200,
            json!({"active": true, "scope": "data:read", "client_id": "app", "exp": 1700003600, "userid": "U1", "extra": 1}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/introspect"))
        .and(body_string("token=dead"))
        .respond_with(json_answer(200, json!({"active": false})))
        .mount(&server)
        .await;
    let client = client(&server);
    let live = client
        .introspect_token(
            &IntrospectTokenRequest::new(SecretString::new("live")).with_client_id("app"),
        )
        .await
        .expect("introspect");
    assert_eq!(live.active, Some(true));
    assert_eq!(live.exp, Some(1_700_003_600));
    assert_eq!(live.userid.as_deref(), Some("U1"));
    assert!(live.scope.as_ref().unwrap().contains(&Scope::DataRead));
    let dead = client
        .introspect_token(&IntrospectTokenRequest::new(SecretString::new("dead")))
        .await
        .expect("inactive is an answer, not an error");
    assert_eq!(dead.active, Some(false));
}

#[tokio::test]
async fn get_keys_decodes_the_key_set() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/authentication/v2/keys"))
        .respond_with(json_answer(
            200,
            json!({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "n": "0vx7", "e": "AQAB", "alg": "RS256"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let keys = client(&server).get_keys().await.expect("keys").into_inner();
    let key = &keys.keys.as_ref().unwrap()[0];
    assert_eq!(key.kid.as_deref(), Some("k1"));
    assert_eq!(key.r#use.as_deref(), Some("sig"));
    assert_eq!(key.alg.as_deref(), Some("RS256"));
}

#[tokio::test]
async fn get_user_profile_sends_the_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/userprofile/v1/users/@me"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(json_answer(
            200,
            json!({"userId": "U1", "userName": "ada", "emailId": "ada@example.com", "emailVerified": true,
                   "2FaEnabled": true, "profileImages": {"sizeX20": "https://img/20", "sizeX360": "https://img/360"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let profile = client(&server)
        .get_user_profile()
        .bearer_token(TOKEN)
        .await
        .expect("profile");
    assert_eq!(profile.user_id.as_deref(), Some("U1"));
    assert_eq!(profile._2fa_enabled, Some(true));
    let images = profile.profile_images.as_ref().unwrap();
    assert_eq!(images.size_x360.as_deref(), Some("https://img/360"));
    // And the model round-trips through serde with the wire names.
    let back = serde_json::to_value(profile.body()).unwrap();
    assert_eq!(back["2FaEnabled"], json!(true));
    assert_eq!(back["profileImages"]["sizeX20"], json!("https://img/20"));
}

#[tokio::test]
async fn a_documented_json_error_is_decoded() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .respond_with(json_answer(
            400,
            json!({"developerMessage": "grant_type is invalid", "errorCode": "AUTH-001", "more info": "https://aps/docs"}),
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .get_token(&two_legged("data:read"))
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 400);
    assert_eq!(
        api.body.developer_message.as_deref(),
        Some("grant_type is invalid")
    );
    assert_eq!(api.body.error_code.as_deref(), Some("AUTH-001"));
    assert_eq!(api.body.more_info.as_deref(), Some("https://aps/docs"));
    assert!(err.to_string().starts_with("HTTP 400 Bad Request"), "{err}");
}

#[tokio::test]
async fn an_oauth_error_keeps_error_and_description_in_the_raw_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .respond_with(json_answer(
            401,
            json!({"error": "invalid_client", "error_description": "bad secret"}),
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .get_token(&two_legged("data:read"))
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 401);
    let raw: serde_json::Value = serde_json::from_str(api.raw.as_str()).unwrap();
    assert_eq!(raw["error"], "invalid_client");
    assert_eq!(raw["error_description"], "bad secret");
}

#[tokio::test]
async fn an_html_error_page_is_a_status_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .respond_with(
            ResponseTemplate::new(502)
                .set_body_raw("<html><body>Bad gateway</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .get_token(&two_legged("data:read"))
        .await
        .unwrap_err();
    let Error::Status(status) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(status.status, 502);
    assert_eq!(status.content_type.as_deref(), Some("text/html"));
    assert!(
        status.reason.contains("expected a JSON error body"),
        "{}",
        status.reason
    );
    assert!(status.body.as_str().contains("Bad gateway"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
}

#[tokio::test]
async fn an_empty_error_body_is_a_status_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/userprofile/v1/users/@me"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let err = client(&server)
        .get_user_profile()
        .bearer_token("expired")
        .await
        .unwrap_err();
    let Error::Status(status) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(status.status, 401);
    assert_eq!(status.reason, "the body is empty");
}

#[tokio::test]
async fn a_success_with_the_wrong_content_type_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/authentication/v2/keys"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<html>login</html>", "text/html; charset=utf-8"),
        )
        .mount(&server)
        .await;
    let err = client(&server).get_keys().await.unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert!(
        decode.reason.contains("got `text/html; charset=utf-8`"),
        "{}",
        decode.reason
    );
}

#[tokio::test]
async fn an_empty_success_body_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/authentication/v2/keys"))
        .respond_with(ResponseTemplate::new(200).insert_header("content-type", "application/json"))
        .mount(&server)
        .await;
    let err = client(&server).get_keys().await.unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.reason, "expected a JSON body, got an empty body");
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_that_does_not_leak_the_token() {
    let server = MockServer::start().await;
    let truncated = format!(
        r#"{{"token_type":"Bearer","access_token":"{TOKEN}","refresh_token":"{REFRESH}","expi"#
    );
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(truncated, "application/json"))
        .mount(&server)
        .await;
    let err = client(&server)
        .get_token(&two_legged("data:read"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    for shown in [format!("{err}"), format!("{err:?}")] {
        assert!(
            !shown.contains(TOKEN) && !shown.contains(REFRESH),
            "{shown}"
        );
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

#[tokio::test]
async fn a_wrongly_typed_token_answer_does_not_leak_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .respond_with(json_answer(
            200,
            json!({"access_token": TOKEN, "expires_in": "3600"}),
        ))
        .mount(&server)
        .await;
    // Decoded leniently (the default): the token is kept, the odd value listed, nothing shown.
    let answer = client(&server)
        .get_token(&two_legged("data:read"))
        .await
        .expect("the rest of the answer decodes");
    assert_eq!(answer.unparsed().len(), 1);
    assert_eq!(answer.unparsed()[0].pointer(), "/expires_in");
    assert!(!format!("{answer:?}").contains(TOKEN));
    // Strictly: an error that does not show the token either.
    let strict = Client::builder()
        .base_url(server.uri())
        .strict_decoding(true)
        .build()
        .unwrap();
    let err = strict
        .get_token(&two_legged("data:read"))
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert!(
        decode.reason.contains("invalid type: string"),
        "{}",
        decode.reason
    );
    for shown in [format!("{err}"), format!("{err:?}")] {
        assert!(!shown.contains(TOKEN), "{shown}");
    }
}

#[tokio::test]
async fn redirects_are_not_followed_on_api_calls() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/authentication/v2/keys"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "https://elsewhere.invalid/"),
        )
        .mount(&server)
        .await;
    let err = client(&server).get_keys().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302), "{err:?}");
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/authentication/v2/keys"))
        .respond_with(json_answer(200, json!({"keys": []})).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .timeout(Some(Duration::from_millis(200)))
        // A timeout is retried by default (tests/tests/retry.rs); here, the timeout alone.
        .retry_policy(aps_auth_generated::RetryPolicy::none())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.get_keys().await.unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert!(transport.is_timeout(), "{transport:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/gateway/authentication/v2/keys"))
        .respond_with(json_answer(200, json!({"keys": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/gateway", server.uri()))
        .build()
        .unwrap();
    assert!(
        client
            .get_keys()
            .await
            .unwrap()
            .keys
            .as_ref()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn authorize_url_encodes_every_parameter_and_sends_nothing() {
    let client = Client::new().unwrap();
    let url = client
        .authorize_url(
            AuthorizeResponseType::Code,
            "my client",
            "http://127.0.0.1:8080/callback?x=1&y=2",
            [Scope::DataRead, Scope::DataWrite, Scope::UserProfileRead]
                .into_iter()
                .collect::<Scopes>(),
        )
        .state("s+t/a=t&e")
        .nonce("n0nce")
        .prompt(AuthorizePrompt::Login)
        .url();
    assert_eq!(
        url.as_str(),
        "https://developer.api.autodesk.com/authentication/v2/authorize?response_type=code&client_id=my+client\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback%3Fx%3D1%26y%3D2\
         &scope=data%3Aread+data%3Awrite+user-profile%3Aread&state=s%2Bt%2Fa%3Dt%26e&nonce=n0nce&prompt=login"
    );
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(
        pairs[2],
        (
            "redirect_uri".into(),
            "http://127.0.0.1:8080/callback?x=1&y=2".into()
        )
    );
    assert_eq!(
        pairs[3],
        (
            "scope".into(),
            "data:read data:write user-profile:read".into()
        )
    );
    assert_eq!(pairs[4], ("state".into(), "s+t/a=t&e".into()));
}

#[test]
fn optional_parameters_are_left_out_of_urls() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9/base")
        .build()
        .unwrap();
    assert_eq!(
        client.logout_url().url().as_str(),
        "http://127.0.0.1:9/base/authentication/v2/logout"
    );
    assert_eq!(
        client
            .logout_url()
            .post_logout_redirect_uri("https://app.example/bye")
            .url()
            .as_str(),
        "http://127.0.0.1:9/base/authentication/v2/logout?post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye"
    );
}

#[test]
fn clients_refuse_plain_http_to_remote_hosts() {
    let err = Client::builder()
        .base_url("http://developer.api.autodesk.com")
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("plain http is only allowed for loopback hosts"),
        "{err}"
    );
}

#[test]
fn enums_and_scopes_round_trip_through_serde() {
    let grant: GetTokenRequestGrantType = serde_json::from_str("\"authorization_code\"").unwrap();
    assert_eq!(grant, GetTokenRequestGrantType::AuthorizationCode);
    assert_eq!(
        serde_json::to_string(&grant).unwrap(),
        "\"authorization_code\""
    );
    assert_eq!(grant.to_string(), "authorization_code");
    assert!(serde_json::from_str::<GetTokenRequestGrantType>("\"password\"").is_err());
    let scopes: Scopes = serde_json::from_str("\"data:read  custom:thing\"").unwrap();
    assert_eq!(
        scopes.0,
        vec![Scope::DataRead, Scope::Other("custom:thing".into())]
    );
    assert_eq!(
        serde_json::to_string(&scopes).unwrap(),
        "\"data:read custom:thing\""
    );
    assert_eq!(Scope::KNOWN.len(), 12);
    assert!(Scope::KNOWN.iter().all(|s| Scope::from(s.as_str()) == *s));
}

#[tokio::test]
async fn a_success_body_over_the_limit_is_refused_without_its_body() {
    let server = MockServer::start().await;
    let small = json!({"keys": [], "pad": "x".repeat(900)}).to_string();
    let large = json!({"keys": [], "pad": "y".repeat(4000), "access_token": TOKEN}).to_string();
    Mock::given(method("GET"))
        .and(path("/authentication/v2/keys"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(small, "application/json"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/authentication/v2/keys"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(large, "application/json"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .max_body_size(1024)
        .build()
        .unwrap();
    // Under the limit: read and decoded as usual.
    client.get_keys().await.expect("a body under the limit");
    // Over it: refused, with nothing of the body kept.
    let err = client.get_keys().await.unwrap_err();
    let Error::BodyTooLarge { status, limit } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((status.as_u16(), *limit), (200, 1024));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert!(err.raw_body().is_none());
    for shown in [format!("{err}"), format!("{err:?}")] {
        assert!(!shown.contains("yyyy") && !shown.contains(TOKEN), "{shown}");
        assert!(shown.contains("1024"), "{shown}");
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that answers one request with `chunks` as a chunked body
/// (no `Content-Length`, so only reading tells the size).
fn chunked_server(chunks: Vec<String>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
            line.clear();
        }
        let mut stream = stream;
        let mut answer = String::from(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        );
        for chunk in chunks {
            answer.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
        }
        answer.push_str("0\r\n\r\n");
        // The client may hang up as soon as it has read enough.
        let _ = stream.write_all(answer.as_bytes());
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_chunked_success_body_over_the_limit_is_refused_while_reading() {
    let mut chunks = vec![format!(r#"{{"keys":[],"access_token":"{TOKEN}","pad":""#)];
    chunks.extend((0..8).map(|_| "z".repeat(500)));
    chunks.push(r#""}"#.into());
    let client = Client::builder()
        .base_url(chunked_server(chunks))
        .max_body_size(2048)
        .timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap();
    let err = client.get_keys().await.unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 2048, .. }),
        "{err:?}"
    );
    for shown in [format!("{err}"), format!("{err:?}")] {
        assert!(!shown.contains("zzzz") && !shown.contains(TOKEN), "{shown}");
    }
}

#[tokio::test]
async fn a_token_answer_that_does_not_decode_keeps_no_body() {
    use aps_auth_generated::oauth::{ClientSecret, Credentials, OAuthClient, OAuthError};
    const OPAQUE: &str = "opaque-4cc355-t0k3n";
    let server = MockServer::start().await;
    let html = format!(
        "<html><p>Signed in. access_token={TOKEN}&amp;refresh_token={REFRESH}</p>\
         <p>Your token is <b>{OPAQUE}</b></p></html>"
    );
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(html, "text/html"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // A token of the wrong type: the decoder's message would quote it.
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"access_token": 987654321987654321, "token_type": "Bearer", "expires_in": 3600}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let oauth = OAuthClient::builder(Credentials::confidential(
        "my-client",
        ClientSecret::new("s3cr3t"),
    ))
    .base_url(server.uri())
    .build()
    .unwrap();
    let scopes: Scopes = "data:read".parse().unwrap();
    for secrets in [&[TOKEN, REFRESH, OPAQUE][..], &["987654321987654321"]] {
        let err = oauth.two_legged().token(&scopes).await.unwrap_err();
        let OAuthError::Http(http) = &err else {
            panic!("{err:?}")
        };
        let Error::Decode(decode) = &**http else {
            panic!("{err:?}")
        };
        assert!(
            decode.body.is_withheld() && decode.body.is_empty(),
            "{err:?}"
        );
        assert!(decode.reason.contains("withheld"), "{}", decode.reason);
        for shown in [format!("{err}"), format!("{err:?}")] {
            for secret in secrets {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }
}

#[tokio::test]
async fn a_redirect_is_never_followed_even_by_a_client_told_to() {
    use aps_auth_generated::oauth::{ClientSecret, Credentials, OAuthClient};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/authentication/v2/token"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/elsewhere"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(json_answer(200, json!({"access_token": TOKEN})))
        .expect(0)
        .mount(&server)
        .await;
    let following = || reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(5));

    let client = Client::builder()
        .base_url(server.uri())
        .http_client(following())
        .build()
        .unwrap();
    let err = client
        .get_token(&two_legged("data:read"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(307), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    let oauth = OAuthClient::builder(Credentials::confidential(
        "my-client",
        ClientSecret::new("s3cr3t"),
    ))
    .base_url(server.uri())
    .http_client(following())
    .build()
    .unwrap();
    let err = oauth
        .two_legged()
        .token(&"data:read".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(307), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn one_unexpected_value_is_left_out_and_listed_and_the_rest_of_the_answer_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/userprofile/v1/users/@me"))
        .respond_with(json_answer(
            200,
            json!({"userId": "U1", "userName": "ada", "emailVerified": "yes",
                   "profileImages": {"sizeX20": "https://img/20", "sizeX360": 360}}),
        ))
        .mount(&server)
        .await;
    let profile = client(&server)
        .get_user_profile()
        .bearer_token(TOKEN)
        .await
        .expect("the rest of the answer decodes");
    assert_eq!(profile.user_name.as_deref(), Some("ada"));
    assert_eq!(profile.email_verified, None);
    let images = profile.profile_images.as_ref().expect("kept");
    assert_eq!(images.size_x20.as_deref(), Some("https://img/20"));
    assert_eq!(images.size_x360, None);
    assert!(!profile.is_complete());
    let unparsed: Vec<(&str, serde_json::Value)> = profile
        .unparsed()
        .iter()
        .map(|u| (u.pointer(), u.value().clone()))
        .collect();
    assert_eq!(
        unparsed,
        [
            ("/emailVerified", json!("yes")),
            ("/profileImages/sizeX360", json!(360)),
        ]
    );

    // A client that asks for strict decoding gets the error instead.
    let strict = Client::builder()
        .base_url(server.uri())
        .strict_decoding(true)
        .build()
        .unwrap();
    let err = strict
        .get_user_profile()
        .bearer_token(TOKEN)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn an_answer_whose_required_parts_do_not_decode_is_still_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .respond_with(json_answer(200, json!({"sub": 7, "name": "Ada"})))
        .mount(&server)
        .await;
    let err = client(&server)
        .get_user_info()
        .bearer_token(TOKEN)
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert!(decode.reason.contains("sub"), "{}", decode.reason);
}
