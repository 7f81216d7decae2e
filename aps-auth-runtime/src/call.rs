//! One generated call, end to end: the client's (or the call's) [`RetryPolicy`] applied when the
//! request is safe to repeat, the call's timeout, and one `tracing` span per call.
//!
//! ## The span
//!
//! Every call runs in one span named `aps.call` (span names are static in `tracing`) at level
//! `INFO`, carrying OpenTelemetry's HTTP client fields; `tracing-opentelemetry` names the
//! exported span after `otel.name`, the document's operation id:
//!
//! | field | value |
//! |---|---|
//! | `otel.name` | the operation id (`operationId`, or the name derived from method and path) |
//! | `otel.kind` | `client` |
//! | `http.request.method` | `GET`, `POST`... |
//! | `url.template` | the path template as the document writes it (never the filled path) |
//! | `server.address`, `server.port` | the host the request goes to, and its port |
//! | `http.response.status_code` | the last answer's status, when there was one |
//! | `http.request.resend_count` | how many times the request was sent again (only when it was) |
//! | `error.type` | when the call failed: the status code, or `timeout`, `connect`, `transport`, `decode`, `body_too_large`, `redirected`, `invalid_request`, `auth` |
//!
//! No field carries a query value, a header, a body or a token.

use std::future::Future;
use std::time::Duration;

use reqwest::{Request, RequestBuilder};
use tracing::Instrument;
use tracing::field::Empty;

use crate::client::Client;
use crate::contract::OperationInfo;
use crate::error::Error;
use crate::response::ApiResponse;
use crate::retry::{Repeat, RetryPolicy, run};

/// What a call's builder may override for that call (`.retry_policy(..)`, `.timeout(..)`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// The retry policy, instead of the client's.
    pub retry: Option<RetryPolicy>,
    /// The timeout of each attempt, instead of the client's.
    pub timeout: Option<Duration>,
}

/// Whether the HTTP method `method` may be sent again without changing more than sending it
/// once would (RFC 9110 section 9.2.2): `GET`, `HEAD`, `OPTIONS`, `TRACE`, `PUT`, `DELETE`.
fn idempotent_method(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE"
    )
}

/// Whether a call of `operation` may be retried: its method is idempotent or the document
/// marks it so (`x-idempotent: true`).
pub(crate) fn repeatable(operation: &OperationInfo) -> bool {
    operation.idempotent || idempotent_method(operation.method)
}

#[doc(hidden)]
impl Client {
    /// Sends a generated call of `operation` with `send` (one of the `send_*` methods, maybe
    /// through `send_authorized`), retrying as the call's or the client's policy says when the
    /// operation is safe to repeat and the request can be rebuilt, inside the call's span (see
    /// the module docs). A call that failed after more than one attempt is an
    /// [`Error::Retried`].
    pub async fn send_operation<T, E, F, Fut>(
        &self,
        operation: &'static OperationInfo,
        options: &CallOptions,
        request: RequestBuilder,
        send: F,
    ) -> Result<ApiResponse<T>, Error<E>>
    where
        F: Fn(RequestBuilder) -> Fut,
        Fut: Future<Output = Result<ApiResponse<T>, Error<E>>>,
    {
        let (http, built) = request.build_split();
        let span = call_span(operation, built.as_ref().ok());
        let result = async {
            let built = built.map_err(Error::Transport)?;
            let policy = options.retry.unwrap_or(*self.retry_policy());
            // A body held in memory can be sent again (a stream cannot): `try_clone` without
            // the clone.
            let rebuildable = built.body().is_none_or(|b| b.as_bytes().is_some());
            let repeat = match repeatable(operation) && rebuildable {
                true => Repeat::Safe,
                false => Repeat::Never,
            };
            if repeat == Repeat::Never || policy.max_attempts <= 1 {
                let request = with_timeout(built, options.timeout, None);
                return send(RequestBuilder::from_parts(http, request)).await;
            }
            let (result, attempts) = run(&policy, repeat, operation.operation_id, |left| {
                let again = built
                    .try_clone()
                    .map(|r| {
                        RequestBuilder::from_parts(
                            http.clone(),
                            with_timeout(r, options.timeout, left),
                        )
                    })
                    .map(&send);
                async move {
                    match again {
                        Some(sent) => sent.await,
                        None => Err(Error::InvalidRequest(
                            "the request's body cannot be sent again".into(),
                        )),
                    }
                }
            })
            .await;
            if attempts > 1 {
                span.record("http.request.resend_count", attempts - 1);
            }
            match result {
                Err(last) if attempts > 1 => Err(Error::Retried {
                    attempts,
                    last: Box::new(last),
                }),
                other => other,
            }
        }
        .instrument(span.clone())
        .await;
        match &result {
            Ok(answer) => {
                span.record("http.response.status_code", answer.status().as_u16());
            }
            Err(err) => {
                if let Some(status) = err.status() {
                    span.record("http.response.status_code", status.as_u16());
                }
                span.record("error.type", error_type(err).as_str());
            }
        }
        result
    }
}

/// `request` with the call's timeout, and a retry's capped by what is `left` of the deadline.
fn with_timeout(mut request: Request, call: Option<Duration>, left: Option<Duration>) -> Request {
    if let Some(timeout) = call {
        *request.timeout_mut() = Some(timeout);
    }
    if let Some(left) = left {
        let timeout = request.timeout().map_or(left, |t| (*t).min(left));
        *request.timeout_mut() = Some(timeout);
    }
    request
}

/// The span of one call (see the module docs): the operation's identity and the host, nothing
/// of the filled path or the query.
fn call_span(operation: &OperationInfo, request: Option<&Request>) -> tracing::Span {
    let url = request.map(Request::url);
    let host = url.and_then(|u| u.host_str()).unwrap_or_default();
    let port = url.and_then(|u| u.port_or_known_default());
    tracing::info_span!(
        "aps.call",
        otel.name = operation.operation_id,
        otel.kind = "client",
        http.request.method = operation.method,
        url.template = operation.path,
        server.address = host,
        server.port = port,
        http.response.status_code = Empty,
        http.request.resend_count = Empty,
        error.type = Empty,
    )
}

/// OpenTelemetry's `error.type` of a failed call: the status code when there was an answer, else
/// a low-cardinality name of what went wrong.
fn error_type<E>(err: &Error<E>) -> String {
    if let Some(status) = err.status() {
        return status.as_u16().to_string();
    }
    let name = match err {
        Error::Retried { last, .. } => return error_type(last),
        Error::Transport(e) if e.is_timeout() => "timeout",
        Error::Transport(e) if e.is_connect() => "connect",
        Error::Transport(_) => "transport",
        Error::Decode(_) => "decode",
        Error::BodyTooLarge { .. } => "body_too_large",
        Error::Redirected { .. } => "redirected",
        Error::InvalidRequest(_) => "invalid_request",
        Error::Auth(_) => "auth",
        _ => "other",
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: OperationInfo = OperationInfo {
        name: "get_item",
        method: "GET",
        path: "/items/{id}",
        operation_id: "getItem",
        idempotent: false,
    };

    #[test]
    fn only_idempotent_methods_or_marked_operations_repeat() {
        assert!(repeatable(&GET));
        for method in ["HEAD", "OPTIONS", "PUT", "DELETE"] {
            assert!(repeatable(&OperationInfo { method, ..GET }), "{method}");
        }
        for method in ["POST", "PATCH"] {
            assert!(!repeatable(&OperationInfo { method, ..GET }), "{method}");
            assert!(repeatable(&OperationInfo {
                method,
                idempotent: true,
                ..GET
            }));
        }
    }

    #[test]
    fn a_retry_never_outlives_the_deadline() {
        let http = reqwest::Client::new();
        let request = http
            .get("http://127.0.0.1:9/")
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let capped = with_timeout(request, None, Some(Duration::from_millis(5)));
        assert_eq!(capped.timeout(), Some(&Duration::from_millis(5)));
        let call = with_timeout(capped, Some(Duration::from_secs(2)), None);
        assert_eq!(call.timeout(), Some(&Duration::from_secs(2)));
    }
}
