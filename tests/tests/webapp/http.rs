//! The web app over plain HTTP, without a browser or an authorization server (it runs
//! everywhere, fast): behind an https address its cookies are `Secure`; `/login` sends the
//! browser to the authorize URL with a PKCE challenge (never the verifier) and keeps the rest
//! server-side; pages without a session go to `/login`; a callback without a sign-in in
//! progress is refused with a page that says so; every answer carries the app's headers.

use aps_auth_tests::webapp::WebApp;

use super::APP;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};

/// The app behind `https://app.example.com`, with APS at a loopback address nobody answers on
/// (nothing here reaches APS).
fn app() -> WebApp {
    WebApp::start(
        APP,
        &[
            ("APS_CLIENT_ID", "webapp-client"),
            ("APS_CLIENT_SECRET", "webapp-secret-value"),
            ("APS_BASE_URL", "http://127.0.0.1:9"),
            ("APP_BASE_URL", "https://app.example.com"),
        ],
    )
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .no_proxy()
        .build()
        .unwrap()
}

#[tokio::test]
async fn login_keeps_the_request_server_side_and_sets_a_secure_cookie_off_loopback() {
    let app = app();
    let answer = http().get(app.url("/login")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()[CACHE_CONTROL], "no-store");
    let location = url::Url::parse(answer.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert!(
        location
            .as_str()
            .starts_with("http://127.0.0.1:9/authentication/v2/authorize?")
    );
    let query: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        param("redirect_uri"),
        Some("https://app.example.com/callback")
    );
    assert_eq!(param("code_challenge_method"), Some("S256"));
    assert_eq!(param("scope"), Some("data:read user-profile:read"));
    assert!(param("state").is_some() && param("code_verifier").is_none());

    let cookies: Vec<&str> = answer
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let cookie = cookies[0];
    assert!(cookie.starts_with("aps_sign_in="), "{cookie}");
    for flag in [
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
        "Max-Age=600",
    ] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    let id = cookie["aps_sign_in=".len()..].split(';').next().unwrap();
    assert_eq!(id.len(), 43);
    assert!(
        !location.as_str().contains(id),
        "the sign-in id stays in the cookie"
    );
    assert!(!app.log().contains("webapp-secret-value"));
}

#[tokio::test]
async fn without_a_session_pages_go_to_login_and_callbacks_are_refused() {
    let app = app();
    let http = http();
    for path in ["/", "/hubs/b.hub-1", "/projects/p/folders/f"] {
        let answer = http.get(app.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(answer.headers()[LOCATION], "/login", "{path}");
    }
    // A session cookie that is not one of the app's ids is ignored the same way.
    let answer = http
        .get(app.url("/"))
        .header("cookie", "aps_session=<script>")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()[LOCATION], "/login");

    let answer = http
        .get(app.url("/callback?code=c&state=s"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let csp = answer.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let page = answer.text().await.unwrap();
    assert!(
        page.contains("Sign-in refused")
            && page.contains("no sign-in is in progress in this browser"),
        "{page}"
    );

    let answer = http.get(app.url("/nowhere/<b>")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let answer = http.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let cleared = answer.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cleared.starts_with("aps_session=;")
            && cleared.contains("Max-Age=0")
            && cleared.contains("Secure"),
        "{cleared}"
    );
}
