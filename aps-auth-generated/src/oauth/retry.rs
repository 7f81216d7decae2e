//! Retries: 429 and 503 honouring `Retry-After`, otherwise capped exponential backoff with
//! jitter; bounded in attempts and in total time. Requests that must not be repeated (an
//! authorization-code exchange, a refresh that rotates its token) are never retried.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::Error;

/// How failed requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The backoff before the first retry, doubled for each later one.
    pub initial_backoff: Duration,
    /// The cap on one backoff.
    pub max_backoff: Duration,
    /// The cap on the total time spent, waits included; a retry that would end later is not made.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Idempotent: retried on 429, 5xx and transport errors.
    Safe,
    /// Single-use (authorization code, rotating refresh token): sent once.
    Never,
}

/// Runs `send` until it succeeds, fails in a way not worth retrying, or the policy is spent.
pub(crate) async fn with_retry<T, E, F, Fut>(
    policy: &RetryPolicy,
    repeat: Repeat,
    what: &'static str,
    mut send: F,
) -> Result<T, Error<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error<E>>>,
{
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        let err = match send().await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if repeat == Repeat::Never || attempt >= policy.max_attempts {
            return Err(err);
        }
        let Some(delay) = retry_delay(policy, attempt, &err) else {
            return Err(err);
        };
        if !within_budget(started.elapsed(), delay, policy.max_elapsed) {
            tracing::debug!(what, attempt, "not retrying: the retry budget is spent");
            return Err(err);
        }
        tracing::debug!(what, attempt, status = ?err.status(), delay_ms = delay.as_millis() as u64, "retrying");
        tokio::time::sleep(delay).await;
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
        Error::Transport(e) => {
            e.is_connect() || e.is_timeout() || e.is_request() && e.status().is_none()
        }
        _ => {
            matches!(err.status(), Some(s) if s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error())
        }
    };
    if !retryable {
        return None;
    }
    let status = err.status();
    if matches!(
        status,
        Some(StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
    ) && let Some(after) = err.headers().and_then(retry_after)
    {
        return Some(after);
    }
    Some(backoff(policy, attempt))
}

/// `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
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
        }
    }
}
