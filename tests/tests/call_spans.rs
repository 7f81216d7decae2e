//! One `tracing` span per generated call, with OpenTelemetry's HTTP client fields, captured by a
//! hand-written subscriber around calls to a real server on 127.0.0.1: its name and fields, the
//! resend count after retries, and that no field carries a token, a query value or the filled
//! path.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aps_auth_generated::generated::data_management;
use aps_auth_generated::{Client, RetryPolicy};
use aps_auth_tests::flaky::{FlakyServer, Reply};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A captured span: its name and its fields (as text), in recording order.
#[derive(Debug, Clone, Default)]
struct Captured {
    name: &'static str,
    fields: BTreeMap<String, String>,
}

/// Records every span and its fields; ignores events.
#[derive(Clone, Default)]
struct Capture {
    next: Arc<AtomicU64>,
    spans: Arc<Mutex<BTreeMap<u64, Captured>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut captured = Captured {
            name: span.metadata().name(),
            fields: BTreeMap::new(),
        };
        span.record(&mut Fields(&mut captured.fields));
        self.spans.lock().unwrap().insert(id, captured);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(captured) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(&mut captured.fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

impl Capture {
    /// The `aps.call` spans, in creation order.
    fn calls(&self) -> Vec<Captured> {
        self.spans
            .lock()
            .unwrap()
            .values()
            .filter(|s| s.name == "aps.call")
            .cloned()
            .collect()
    }
}

fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_elapsed: Duration::from_secs(20),
    }
}

// Current-thread runtime: the subscriber set for this thread sees the whole call.
#[tokio::test]
async fn a_call_has_one_span_with_http_client_fields_and_no_secret() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = FlakyServer::start().await;
    let port = url::Url::parse(&server.url()).unwrap().port().unwrap();
    let client = Client::builder()
        .base_url(server.url())
        .retry_policy(fast(3))
        .build()
        .unwrap();

    // A success after two throttled answers.
    server.script(
        "/authentication/v2/keys",
        vec![Reply::retry_after(429, "0"), Reply::status(503, "{}")],
        Reply::status(200, r#"{"keys": []}"#),
    );
    client.get_keys().await.expect("keys");
    let calls = capture.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let f = &calls[0].fields;
    let field = |name: &str| f.get(name).map(String::as_str);
    assert_eq!(field("otel.name"), Some("getKeys"));
    assert_eq!(field("otel.kind"), Some("client"));
    assert_eq!(field("http.request.method"), Some("GET"));
    assert_eq!(field("url.template"), Some("/authentication/v2/keys"));
    assert_eq!(field("server.address"), Some("127.0.0.1"));
    assert_eq!(field("server.port"), Some(port.to_string().as_str()));
    assert_eq!(field("http.response.status_code"), Some("200"));
    assert_eq!(field("http.request.resend_count"), Some("2"));
    assert_eq!(field("error.type"), None);

    // A failed call with a token, a path parameter and query values: none is in a field.
    let dm = data_management::Client::from_client(client.clone());
    server.script(
        "/project/v1/hubs/b.hub-SECRET-ID/projects",
        vec![Reply::status(502, "{}")],
        Reply::status(404, r#"{"developerMessage":"no"}"#),
    );
    dm.get_hub_projects("b.hub-SECRET-ID")
        .filter_id(vec!["query-SECRET-value".to_owned()])
        .bearer_token("token-SECRET-value")
        .await
        .expect_err("404");
    // The request did carry them.
    let sent = server.seen();
    let last = sent.last().unwrap();
    assert!(last.target.contains("query-SECRET-value"), "{last:?}");
    assert!(last.headers.contains("token-SECRET-value"), "{last:?}");

    let calls = capture.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let f = &calls[1].fields;
    let field = |name: &str| f.get(name).map(String::as_str);
    assert_eq!(field("otel.name"), Some("getHubProjects"));
    assert_eq!(
        field("url.template"),
        Some("/project/v1/hubs/{hub_id}/projects")
    );
    assert_eq!(field("http.response.status_code"), Some("404"));
    assert_eq!(field("http.request.resend_count"), Some("1"));
    assert_eq!(field("error.type"), Some("404"));
    for captured in &calls {
        for (name, value) in &captured.fields {
            assert!(!value.contains("SECRET"), "{name} = {value}");
        }
    }
}

#[tokio::test]
async fn a_call_that_never_got_an_answer_says_why() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = FlakyServer::start().await;
    let client = Client::builder()
        .base_url(server.url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    server.script(
        "/authentication/v2/keys",
        vec![],
        Reply::Stall(Duration::from_secs(5)),
    );
    client
        .get_keys()
        .timeout(Duration::from_millis(50))
        .await
        .expect_err("stalled");
    let calls = capture.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let f = &calls[0].fields;
    assert_eq!(f.get("error.type").map(String::as_str), Some("timeout"));
    assert_eq!(f.get("http.response.status_code"), None);
    // Sent once: no resend count.
    assert_eq!(f.get("http.request.resend_count"), None);
}
