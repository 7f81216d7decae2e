//! The web app (`webapp/`) in a real browser: headless Chromium driven over WebDriver signs in
//! through the test OAuth server's real login and consent pages, browses Data Management
//! (every page of a paged folder), sees its session refreshed (access tokens live 3 s here),
//! and signs out; two instances share one real Redis and the callback lands on the other one;
//! forged and replayed callbacks are refused with a page that says so; cookie flags as
//! specified; no secret in any page, log, cookie or app URL. Both instances seal what they keep
//! in Redis under one key ring: a raw dump of Redis holds no token, `state` or PKCE verifier,
//! and one instance restarted with a rotated ring keeps the session going.
//!
//! Skipped only with `APS_AUTH_SKIP_BROWSER_TESTS=1` (or `APS_AUTH_SKIP_NODE_TESTS=1` without
//! Node.js); a failure saves a screenshot under `target/browser-screenshots/`.

use std::future::Future;
use std::time::Duration;

use aps_auth_generated::oauth::{
    ClientSecret, Credentials, EncryptedStore, KeyRing, OAuthClient, RedisStore, StoreKey, Token,
};
use aps_auth_tests::oidc::{BASIC_CLIENT, HUB_ID, OidcServer, PROJECT_ID};
use aps_auth_tests::redis::RedisServer;
use aps_auth_tests::webapp::WebApp;

use super::APP;
use super::at_rest::{assert_none_in, dump, key_text, pending_sign_in, ring, ring_text};
use aps_auth_tests::webdriver::Chromium;
use serde_json::Value;

/// Bound of one test's browser work.
const TEST_TIMEOUT: Duration = Duration::from_secs(150);

/// The account typed on the login page.
const LOGIN: &str = "alice";

/// A folder of 2,345 items served in 12 pages (tests/oidc/paging.mjs).
const BIG_FOLDER_ID: &str = "urn:adsk.wipprod:fs.folder:co.big-folder-1";

/// Runs `scenario` within [`TEST_TIMEOUT`] (a timeout is a panic, so the browser's drop takes a
/// screenshot).
async fn bounded(scenario: impl Future<Output = ()>) {
    tokio::time::timeout(TEST_TIMEOUT, scenario)
        .await
        .unwrap_or_else(|_| panic!("the browser test took longer than {TEST_TIMEOUT:?}"));
}

/// An id as a path segment.
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// The app's environment against `oidc` (and `redis`), with `base_url` as its public address,
/// sealing under `keys` (`APS_TOKEN_KEYS`).
fn app_env<'a>(
    oidc: &'a OidcServer,
    redis: Option<&'a str>,
    base_url: Option<&'a str>,
    keys: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("APS_CLIENT_ID", BASIC_CLIENT.0),
        ("APS_CLIENT_SECRET", BASIC_CLIENT.1),
        ("APS_BASE_URL", oidc.base_url()),
    ];
    env.extend(redis.map(|url| ("REDIS_URL", url)));
    env.extend(base_url.map(|url| ("APP_BASE_URL", url)));
    env.extend(keys.map(|keys| ("APS_TOKEN_KEYS", keys)));
    env
}

/// On the provider's login page: types the credentials, then grants consent.
async fn sign_in_at_provider(browser: &Chromium, oidc: &OidcServer) {
    browser.wait_for_url(oidc.base_url()).await;
    browser.type_into("input[name=login]", LOGIN).await;
    browser.type_into("input[name=password]", "anything").await;
    browser.click("button[type=submit]").await;
    browser.wait_for("input[name=prompt][value=consent]").await;
    browser.click("button[type=submit]").await;
}

/// Asserts a cookie's flags: `HttpOnly`, `SameSite=Lax`, not `Secure` (the app is on loopback
/// http), and a value that is a random opaque id.
fn assert_cookie_flags(cookie: &Value) {
    assert_eq!(cookie["httpOnly"], true, "{cookie}");
    assert_eq!(cookie["sameSite"], "Lax", "{cookie}");
    assert_eq!(cookie["secure"], false, "{cookie}");
    let value = cookie["value"].as_str().unwrap_or_default();
    assert_eq!(value.len(), 43, "a 256-bit base64url id: {cookie}");
}

/// The session kept in Redis under the session cookie's id, opened with `keys` as the app's
/// `EncryptedStore` opens it (an entry that does not open fails the test).
async fn stored_session(redis_url: &str, keys: &KeyRing, session_id: &str) -> Option<(u64, Token)> {
    let store = EncryptedStore::new(RedisStore::new(redis_url).unwrap(), keys.clone());
    let key = StoreKey::session(BASIC_CLIENT.0, session_id);
    let entry = store
        .load_verified(&key)
        .await
        .expect("Redis answers, the entry opens");
    entry.map(|e| (e.version, Token::from_stored(e.token)))
}

/// The access, refresh and ID tokens of `token`, as text.
fn secrets_of(token: &Token) -> Vec<String> {
    let mut secrets = vec![token.access_token().expose_secret().to_owned()];
    secrets.extend(token.refresh_token().map(|t| t.expose_secret().to_owned()));
    secrets.extend(token.id_token().map(|t| t.expose_secret().to_owned()));
    secrets
}

/// The version of the key that sealed the session's entry, read raw from Redis: `v1.<id>.`.
fn sealed_with(redis: &RedisServer, session_id: &str) -> String {
    let key = format!(
        "aps-auth:{}",
        StoreKey::session(BASIC_CLIENT.0, session_id).as_str()
    );
    let reply = redis.command(&["HGET", &key, "t"]);
    let stand_in = reply.split("\r\n").nth(1).unwrap_or_default();
    let envelope = stand_in
        .split("\"access_token\":\"")
        .nth(1)
        .unwrap_or_default();
    envelope.split('.').take(2).collect::<Vec<_>>().join(".")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sign_in_browse_refresh_and_sign_out_in_a_real_browser() {
    let Some(browser) = Chromium::start("two_instances_sign_in_browse_refresh_and_sign_out").await
    else {
        return;
    };
    let Some(oidc) = OidcServer::start_with_access_token_ttl(3) else {
        return;
    };
    let redis = RedisServer::start();
    let redis_url = redis.url();
    // Both instances seal with key 1; B answers the callbacks of sign-ins started on A (A's
    // public address is B's).
    let (old_ring, keys) = (ring_text(("1", 1), &[]), ring(("1", 1), &[]));
    let new_ring = ring_text(("2", 2), &[("1", 1)]);
    let b = WebApp::start(
        APP,
        &app_env(&oidc, Some(&redis_url), None, Some(&old_ring)),
    );
    let a_env = |keys| app_env(&oidc, Some(&redis_url), Some(b.base_url()), Some(keys));
    let mut a = WebApp::start(APP, &a_env(&old_ring));
    bounded(async {
        let stored_session = |keys, id| stored_session(&redis_url, keys, id);
        let mut seen = Vec::new(); // every page source and app URL the browser got

        // Opening A sends the browser to the provider's real login page.
        browser.goto(&a.url("/")).await;
        browser.wait_for_url(oidc.base_url()).await;
        let sign_in = browser
            .cookie("aps_sign_in")
            .await
            .expect("a sign-in cookie");
        assert_cookie_flags(&sign_in);
        // The request's parts wait in Redis, under a hash of the sign-in id, for any instance.
        // They are sealed: the test's copy of the ring opens them under their key, and no
        // `state` or PKCE verifier is in Redis, in clear or in base64.
        let (pending, raw, parts) = pending_sign_in(&redis, &keys);
        assert!(!pending.contains(sign_in["value"].as_str().unwrap()));
        assert!(raw.starts_with("v1.1."), "{raw}");
        let pending_secrets = ["state", "verifier"].map(|field| {
            let value = parts[field].as_str().expect("state and verifier");
            (field, value.to_owned())
        });
        assert_none_in(&dump(&redis), &pending_secrets);
        sign_in_at_provider(&browser, &oidc).await;
        let home = browser.wait_for_url(&b.url("/")).await;
        assert_eq!(
            home,
            b.url("/"),
            "the callback landed on B, which sent the user home"
        );
        let requested = browser.requested_urls().await;
        assert!(requested.contains(&a.url("/login")), "{requested:#?}");
        let authorize = parts["url"].as_str().unwrap().to_owned();
        assert!(
            requested.contains(&authorize),
            "the opened parts are the sign-in's"
        );
        assert!(
            requested
                .iter()
                .any(|u| u.starts_with(&b.url("/callback?")))
                && !requested.iter().any(|u| u.starts_with(&a.url("/callback"))),
            "the callback went to B, not A: {requested:#?}"
        );
        seen.extend(
            requested
                .into_iter()
                .filter(|u| u.starts_with(a.base_url())),
        );
        // B took them out: nothing is left to replay.
        assert_eq!(
            redis.command(&["KEYS", "aps-auth-webapp:sign-in:*"]),
            "*0\r\n"
        );
        browser.wait_for("#hubs").await;
        let text = browser.text().await;
        assert!(
            text.contains("Test User (alice)") && text.contains("Test Hub"),
            "{text}"
        );
        seen.push(browser.source().await);

        // The session cookie: flags as specified, an opaque id; the sign-in cookie is gone.
        let cookie = browser
            .cookie("aps_session")
            .await
            .expect("a session cookie");
        assert_cookie_flags(&cookie);
        assert!(browser.cookie("aps_sign_in").await.is_none());
        let session_id = cookie["value"].as_str().unwrap().to_owned();
        let names = redis.command(&["KEYS", "*"]);
        assert!(
            names.contains("aps-auth:v1:3l:") && !names.contains(&session_id),
            "{names}"
        );
        let (_, first) = stored_session(&keys, &session_id).await.expect("in Redis");

        // A hub's projects on B (by clicking), a project's top folders and a folder on A (the
        // session comes from Redis: A never saw this sign-in).
        browser.click("#hubs a").await;
        browser.wait_for("#projects").await;
        assert!(browser.text().await.contains("Test Project"));
        seen.push(browser.source().await);
        browser
            .goto(&a.url(&format!(
                "/hubs/{}/projects/{}",
                segment(HUB_ID),
                segment(PROJECT_ID)
            )))
            .await;
        browser.wait_for("#folders").await;
        assert!(
            browser.text().await.contains("Project Files"),
            "{}",
            browser.text().await
        );
        browser.click("#folders a").await;
        browser.wait_for("#items").await;
        let text = browser.text().await;
        assert!(text.contains("3 entr(ies), 1 page(s)"), "{text}");
        seen.push(browser.source().await);

        // Once the access token has expired, browsing refreshes the session (a rotated refresh
        // token, saved to Redis) while listing a folder of 12 pages. (The pages above may have
        // refreshed it already on a slow machine: wait for the expiry of the one stored now.)
        let (version, current) = stored_session(&keys, &session_id).await.expect("in Redis");
        tokio::time::sleep_until((current.expires_at() + Duration::from_millis(300)).into()).await;
        let refreshes = oidc.grant_count("refresh_token").await;
        browser
            .goto(&a.url(&format!(
                "/projects/{}/folders/{}",
                segment(PROJECT_ID),
                segment(BIG_FOLDER_ID)
            )))
            .await;
        browser.wait_for("#items").await;
        let text = browser.text().await;
        assert!(
            text.contains("2345 entr(ies), 12 page(s)") && text.contains("file-2344.pdf"),
            "{}",
            &text[..text.len().min(500)]
        );
        assert!(
            oidc.grant_count("refresh_token").await > refreshes,
            "no refresh while browsing"
        );
        let (refreshed_version, refreshed) =
            stored_session(&keys, &session_id).await.expect("in Redis");
        assert!(refreshed_version > version);
        assert_ne!(refreshed.access_token(), current.access_token());
        assert_ne!(
            refreshed.refresh_token(),
            current.refresh_token(),
            "rotated"
        );
        seen.push(browser.source().await);
        // B uses the refreshed session.
        browser.goto(&b.url("/")).await;
        assert!(browser.text().await.contains("Test User (alice)"));
        // Redis holds none of the session's tokens so far, in clear or in base64.
        let mut token_secrets: Vec<(&str, String)> = [&first, &current, &refreshed]
            .into_iter()
            .flat_map(secrets_of)
            .map(|secret| ("token", secret))
            .collect();
        let raw = dump(&redis);
        assert!(
            raw.contains("aps-auth-sealed"),
            "the session is in the dump: {raw}"
        );
        assert_none_in(&raw, &token_secrets);

        // Rotation: A restarts with key 2 current and key 1 kept. It reads the session sealed
        // with key 1; its next refresh seals it with key 2.
        assert_eq!(sealed_with(&redis, &session_id), "v1.1");
        seen.extend(
            browser
                .requested_urls()
                .await
                .into_iter()
                .filter(|u| u.starts_with(a.base_url()) || u.starts_with(b.base_url())),
        );
        seen.push(a.log());
        a = WebApp::start(APP, &a_env(&new_ring));
        let keys = ring(("2", 2), &[("1", 1)]);
        browser.goto(&a.url("/")).await;
        browser.wait_for("#hubs").await;
        assert!(browser.text().await.contains("Test User (alice)"));
        let (version, current) = stored_session(&keys, &session_id).await.expect("in Redis");
        tokio::time::sleep_until((current.expires_at() + Duration::from_millis(300)).into()).await;
        browser.goto(&a.url("/")).await;
        browser.wait_for("#hubs").await;
        let (rotated_version, rotated) = stored_session(&keys, &session_id).await.expect("kept");
        assert!(rotated_version > version, "refreshed after the restart");
        assert_ne!(rotated.refresh_token(), current.refresh_token(), "rotated");
        assert_eq!(
            sealed_with(&redis, &session_id),
            "v1.2",
            "sealed with the new key"
        );
        token_secrets.extend(secrets_of(&rotated).into_iter().map(|s| ("token", s)));
        assert_none_in(&dump(&redis), &token_secrets);

        // Sign out on A: the tokens are revoked, the session forgotten, the cookie cleared.
        browser.goto(&a.url("/")).await;
        browser.click("#logout").await;
        browser.wait_for("#signed-out").await;
        let text = browser.text().await;
        assert!(
            text.contains("your tokens were revoked and forgotten"),
            "{text}"
        );
        seen.push(browser.source().await);
        assert!(browser.cookie("aps_session").await.is_none());
        assert!(
            stored_session(&keys, &session_id).await.is_none(),
            "forgotten"
        );
        let oauth = OAuthClient::builder(Credentials::confidential(
            BASIC_CLIENT.0,
            ClientSecret::new(BASIC_CLIENT.1),
        ))
        .base_url(oidc.base_url())
        .build()
        .unwrap();
        for token in secrets_of(&rotated).into_iter().take(2) {
            assert!(!oauth.introspect(&token).await.unwrap().active, "revoked");
        }

        // No secret anywhere the app put something: pages, app URLs, logs, cookie values.
        seen.extend(
            browser
                .requested_urls()
                .await
                .into_iter()
                .filter(|u| u.starts_with(a.base_url()) || u.starts_with(b.base_url())),
        );
        seen.extend([a.log(), b.log(), session_id]);
        // The client secret, the keys, the tokens, the sign-in's `state` and verifier.
        let mut secrets = vec![BASIC_CLIENT.1.to_owned(), key_text(1), key_text(2)];
        secrets.extend(token_secrets.into_iter().map(|(_, secret)| secret));
        secrets.extend(pending_secrets.into_iter().map(|(_, secret)| secret));
        for secret in &secrets {
            for text in &seen {
                assert!(
                    !text.contains(secret.as_str()),
                    "a secret in: {}",
                    &text[..text.len().min(300)]
                );
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_replayed_callbacks_are_refused_in_a_real_browser() {
    let Some(browser) = Chromium::start("forged_and_replayed_callbacks_are_refused").await else {
        return;
    };
    let Some(oidc) = OidcServer::start() else {
        return;
    };
    // One instance, tokens in memory (no REDIS_URL).
    let app = WebApp::start(APP, &app_env(&oidc, None, None, None));
    bounded(async {
        // A sign-in is under way; a callback with another state comes back: refused.
        browser.goto(&app.url("/login")).await;
        browser.wait_for_url(oidc.base_url()).await;
        browser
            .goto(&app.url("/callback?code=forged-code&state=forged-state"))
            .await;
        browser.wait_for("#refused").await;
        let text = browser.text().await;
        assert!(
            text.contains("Sign-in refused")
                && text.contains("state does not match (a forged callback is refused)"),
            "{text}"
        );
        assert!(browser.cookie("aps_session").await.is_none());

        // A real sign-in, then its callback once more: refused, and the session stays.
        browser.requested_urls().await;
        browser.goto(&app.url("/")).await;
        sign_in_at_provider(&browser, &oidc).await;
        browser.wait_for_url(&app.url("/")).await;
        browser.wait_for("#hubs").await;
        assert!(browser.text().await.contains("Test User (alice)"));
        let callback = browser
            .requested_urls()
            .await
            .into_iter()
            .find(|u| u.starts_with(&app.url("/callback?")))
            .expect("the browser went through the callback");
        browser.goto(&callback).await;
        browser.wait_for("#refused").await;
        let text = browser.text().await;
        assert!(
            text.contains("this callback was already used (a replayed callback is refused)"),
            "{text}"
        );
        browser.goto(&app.url("/")).await;
        browser.wait_for("#hubs").await;
        assert!(
            browser.text().await.contains("Test User (alice)"),
            "the session survived the replay"
        );
        assert!(!app.log().contains(BASIC_CLIENT.1));
    })
    .await;
}
