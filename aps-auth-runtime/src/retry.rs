//! Retries, the one implementation the generated calls and the OAuth layer share: `429` and
//! `503` honour `Retry-After` (delta seconds or an HTTP date), `502`, `504`, other `5xx` and
//! connection errors get capped exponential backoff with jitter; bounded in attempts and in
//! total time. Whether a request may be repeated at all is the caller's word ([`Repeat`]): a
//! generated call repeats only methods safe to repeat (or an operation the document marks
//! idempotent), the OAuth layer never repeats a code exchange or a refresh.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::Error;

/// How failed requests are retried: on by default for every generated call whose request is
/// safe to repeat (`GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE`, or an operation the document marks
/// `x-idempotent: true`); see [`crate::ClientBuilder::retry_policy`].
///
/// A retry is made after a `429` or `503` (waiting what `Retry-After` says, when it says), a
/// `5xx`, or a connection error or timeout, while attempts are left and the wait ends within
/// [`RetryPolicy::max_elapsed`] of the first attempt: a `Retry-After` longer than what is left
/// of that deadline ends the retries (it is never waited out beyond it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The backoff before the first retry, doubled for each later one.
    pub initial_backoff: Duration,
    /// The cap on one backoff.
    pub max_backoff: Duration,
    /// The cap on the total time spent, waits included; a retry that would start later is not
    /// made, and a retry's own timeout ends at this deadline.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }
}

/// Whether a request may be sent again.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Safe to repeat: retried on 429, 5xx and connection errors.
    Safe,
    /// Single-use (a POST, an authorization code, a rotating refresh token): sent once.
    Never,
}

/// Runs `send` until it succeeds, fails in a way not worth retrying, or the policy is spent;
/// the last error as it is (the OAuth layer's form).
#[doc(hidden)]
pub async fn with_retry<T, E, F, Fut>(
    policy: &RetryPolicy,
    repeat: Repeat,
    what: &str,
    mut send: F,
) -> Result<T, Error<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error<E>>>,
{
    run(policy, repeat, what, |_| send()).await.0
}

/// Runs `send` (given the time left before the deadline, for the attempt's timeout) as
/// [`with_retry`] does; the result and the number of attempts made.
pub(crate) async fn run<T, E, F, Fut>(
    policy: &RetryPolicy,
    repeat: Repeat,
    what: &str,
    mut send: F,
) -> (Result<T, Error<E>>, u32)
where
    F: FnMut(Option<Duration>) -> Fut,
    Fut: Future<Output = Result<T, Error<E>>>,
{
    let started = Instant::now();
    let mut attempt = 1;
    let mut left = None;
    loop {
        let err = match send(left).await {
            Ok(value) => return (Ok(value), attempt),
            Err(err) => err,
        };
        if repeat == Repeat::Never || attempt >= policy.max_attempts {
            return (Err(err), attempt);
        }
        let Some(delay) = retry_delay(policy, attempt, &err) else {
            return (Err(err), attempt);
        };
        let elapsed = started.elapsed();
        if !within_budget(elapsed, delay, policy.max_elapsed) {
            tracing::debug!(what, attempt, "not retrying: the retry deadline would pass");
            return (Err(err), attempt);
        }
        tracing::debug!(what, attempt, status = ?err.status(), delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "retrying");
        tokio::time::sleep(delay).await;
        left = Some(
            policy
                .max_elapsed
                .saturating_sub(started.elapsed())
                .max(Duration::from_millis(1)),
        );
        attempt += 1;
    }
}

/// Whether waiting `delay` more keeps the retries within `budget` (a server's huge
/// `Retry-After` saturates instead of overflowing).
fn within_budget(elapsed: Duration, delay: Duration, budget: Duration) -> bool {
    elapsed.saturating_add(delay) <= budget
}

/// How long to wait before retrying after `err`, or `None` when it is not worth retrying.
fn retry_delay<E>(policy: &RetryPolicy, attempt: u32, err: &Error<E>) -> Option<Duration> {
    let retryable = match err {
        // Refused or dropped connections, timeouts, and answers cut off mid-body (which reqwest
        // reports as a body or decode error: the runtime reads bytes, never reqwest's JSON).
        Error::Transport(e) => {
            e.is_connect()
                || e.is_timeout()
                || e.is_body()
                || e.is_decode()
                || e.is_request() && e.status().is_none()
        }
        _ => {
            matches!(err.status(), Some(s) if s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error())
        }
    };
    if !retryable {
        return None;
    }
    if matches!(
        err.status(),
        Some(StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
    ) && let Some(after) = err.headers().and_then(retry_after)
    {
        // Clamped by the deadline: `run` does not wait past `max_elapsed`.
        return Some(after.min(policy.max_elapsed));
    }
    Some(backoff(policy, attempt))
}

/// `Retry-After` as delta seconds or as an HTTP date (a date in the past is no wait).
#[doc(hidden)]
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Capped exponential backoff with "equal jitter": half fixed, half random.
fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exp = policy
        .initial_backoff
        .saturating_mul(1 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(policy.max_backoff);
    let half = capped / 2;
    let mut bytes = [0u8; 8];
    let random = match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => 0,
    };
    let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
    half + Duration::from_nanos(random % jitter_nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn a_huge_retry_after_ends_the_retries_instead_of_overflowing() {
        let mut h = HeaderMap::new();
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("18446744073709551615"),
        );
        let after = retry_after(&h).unwrap();
        assert!(!within_budget(
            Duration::from_secs(1),
            after,
            Duration::from_secs(30)
        ));
        assert!(!within_budget(
            Duration::MAX,
            Duration::MAX,
            Duration::from_secs(30)
        ));
        assert!(within_budget(
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(30)
        ));
        // Clamped to the deadline, and so not waited (the deadline has started).
        let err: Error<()> = Error::Status(Box::new(crate::StatusError::new(
            StatusCode::TOO_MANY_REQUESTS,
            None,
            "throttled".into(),
            crate::RawBody::new(b"", false),
            h,
        )));
        let policy = RetryPolicy::default();
        assert_eq!(retry_delay(&policy, 1, &err), Some(policy.max_elapsed));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = backoff(&p, 1);
            assert!(
                first >= Duration::from_millis(50) && first <= Duration::from_millis(100),
                "{first:?}"
            );
            let tenth = backoff(&p, 10);
            assert!(
                tenth >= Duration::from_millis(500) && tenth <= Duration::from_millis(1000),
                "{tenth:?}"
            );
            assert!(backoff(&p, u32::MAX) <= Duration::from_millis(1000));
        }
    }
}
