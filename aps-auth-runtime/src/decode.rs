//! Sending a request and reading its answer: a success answer's body is read up to the
//! client's limit and decoded (strictly, then leniently: `lenient.rs`), an error answer becomes
//! an [`Error`] with every secret the request carried masked (`redact.rs`).

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::client::Client;
use crate::error::{ApiError, DecodeError, Error, RAW_BODY_CAP, RawBody, StatusError};
use crate::lenient;
use crate::redact::{RedactSent, SentSecrets, scrub_message, scrub_sensitive_message};
use crate::response::ApiResponse;

/// Sending a request and reading its answer.
impl Client {
    /// Sends and decodes a JSON answer like `send_json`, for answers that may carry tokens
    /// (the OAuth layer's token requests): when a success answer does not decode, the
    /// [`DecodeError`] keeps no body at all and a decoder message with nothing of the body.
    /// `sent` are the secrets the request carries (its form's): an error answer has them masked
    /// wherever it shows server text, its decoded error body (`E::redact_sent`) included.
    #[doc(hidden)]
    pub async fn send_json_sensitive<T: DeserializeOwned, E: DeserializeOwned + RedactSent>(
        &self,
        request: RequestBuilder,
        sent: &SentSecrets,
    ) -> Result<ApiResponse<T>, Error<E>> {
        let raw = self.execute_masked(request, sent, E::redact_sent).await?;
        decode_json_with(raw, Sensitivity::Withhold, sent)
    }

    /// Sends, ignoring the body of a success answer, masking `sent` in an error answer as
    /// [`Client::send_json_sensitive`] does.
    #[doc(hidden)]
    pub async fn send_empty_sensitive<E: DeserializeOwned + RedactSent>(
        &self,
        request: RequestBuilder,
        sent: &SentSecrets,
    ) -> Result<ApiResponse<()>, Error<E>> {
        let raw = self.execute_masked(request, sent, E::redact_sent).await?;
        Ok(ApiResponse::new(raw.status, raw.headers, ()))
    }

    /// Sends; a success status yields the raw answer (at most `max_body_size` bytes), an error
    /// status the decoded error, with the credential of the request's `Authorization` header
    /// masked in its raw body.
    pub(crate) async fn execute<E: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<Raw, Error<E>> {
        self.execute_masked(request, &SentSecrets::default(), |_, _| {})
            .await
    }

    /// [`Client::execute`], for a request that also sends the secrets `sent`: an error answer
    /// has them (and the `Authorization` credential) masked in its raw body and reason, and
    /// `redact` masks them in the decoded error body.
    async fn execute_masked<E: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        sent: &SentSecrets,
        redact: impl FnOnce(&mut E, &SentSecrets),
    ) -> Result<Raw, Error<E>> {
        let (http, request) = request.build_split();
        let request = request.map_err(Error::Transport)?;
        let authorization = request.headers().get(AUTHORIZATION).cloned();
        let requested = request.url().clone();
        let response = http.execute(request).await.map_err(Error::Transport)?;
        let status = response.status();
        if let Some(err) = followed_redirect(&requested, response.url(), status) {
            return Err(err);
        }
        let headers = response.headers().clone();
        if status.is_success() {
            let limit = self.max_body_size;
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Err(body_too_large(status, limit));
            }
            let (body, truncated) = read_capped(response, limit)
                .await
                .map_err(Error::Transport)?;
            if truncated {
                return Err(body_too_large(status, limit));
            }
            return Ok(Raw {
                status,
                headers,
                body,
                lenient: !self.strict_decoding,
            });
        }
        let (body, truncated) = read_capped(response, RAW_BODY_CAP)
            .await
            .map_err(Error::Transport)?;
        let mut sent = sent.clone();
        if let Some(value) = &authorization {
            sent.add_authorization(value);
        }
        Err(decode_error(
            status, headers, &body, truncated, &sent, redact,
        ))
    }
}

/// An answer that came through a redirect is not used: the HTTP client follows none (see
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client)), so this only guards against one that does anyway.
fn followed_redirect<E>(requested: &Url, answered: &Url, status: StatusCode) -> Option<Error<E>> {
    (requested != answered).then_some(Error::Redirected { status })
}

/// A success answer whose body is larger than the client reads.
fn body_too_large<E>(status: StatusCode, limit: usize) -> Error<E> {
    Error::BodyTooLarge { status, limit }
}

/// Whether an undecodable success body may be kept (redacted) in the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sensitivity {
    /// Keep it, redacted and capped.
    Keep,
    /// Keep nothing of it: it may carry tokens in a shape redaction does not recognise.
    Withhold,
}

/// Decodes a success answer's JSON body; a wrong content type, an empty body or JSON of the wrong
/// shape is a [`DecodeError`].
pub(crate) fn decode_json<T: DeserializeOwned, E>(raw: Raw) -> Result<ApiResponse<T>, Error<E>> {
    decode_json_with(raw, Sensitivity::Keep, &SentSecrets::default())
}

fn decode_json_with<T: DeserializeOwned, E>(
    raw: Raw,
    sensitivity: Sensitivity,
    sent: &SentSecrets,
) -> Result<ApiResponse<T>, Error<E>> {
    let content_type = content_type(&raw.headers);
    let withhold = sensitivity == Sensitivity::Withhold;
    let fail = |reason: String| {
        let reason = sent.mask(&reason, false).into_owned();
        let (reason, body) = if withhold {
            (
                format!("{reason}; the body was withheld because it may carry tokens"),
                RawBody::withheld(),
            )
        } else {
            (reason, RawBody::masked(&raw.body, false, sent))
        };
        Error::Decode(Box::new(DecodeError {
            status: raw.status,
            content_type: content_type.clone(),
            reason,
            body,
        }))
    };
    if let Some(ct) = content_type.as_deref().filter(|ct| !is_json(ct)) {
        return Err(fail(format!(
            "expected a JSON body (application/json), got `{ct}`"
        )));
    }
    if raw.body.iter().all(u8::is_ascii_whitespace) {
        return Err(fail("expected a JSON body, got an empty body".into()));
    }
    // Valid JSON of another shape is decoded again leniently (never a token answer's): what
    // fits is kept, what does not is listed.
    match lenient::decode_answer::<T>(&raw.body, raw.lenient && !withhold) {
        Ok((body, unparsed)) if unparsed.is_empty() => {
            Ok(ApiResponse::new(raw.status, raw.headers, body))
        }
        Ok((body, unparsed)) => {
            tracing::warn!(
                status = raw.status.as_u16(),
                unparsed = unparsed.len(),
                pointers = %unparsed.iter().map(|u| u.pointer()).collect::<Vec<_>>().join(" "),
                "an answer did not decode into its generated type; the values that do not fit are left out (ApiResponse::unparsed)"
            );
            Ok(ApiResponse::new(raw.status, raw.headers, body).with_unparsed(unparsed))
        }
        Err(e) if withhold => Err(fail(scrub_sensitive_message(&e.to_string()))),
        Err(e) => Err(fail(scrub_message(&e.to_string()))),
    }
}

/// A success answer before decoding.
pub(crate) struct Raw {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// Whether a body that does not decode strictly is decoded again leniently.
    pub(crate) lenient: bool,
}

async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

pub(crate) fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// An error answer: its body decoded as `E` (then `redact`ed), or kept as a [`StatusError`];
/// every text of it has `sent` masked.
fn decode_error<E: DeserializeOwned>(
    status: StatusCode,
    headers: HeaderMap,
    body: &[u8],
    truncated: bool,
    sent: &SentSecrets,
    redact: impl FnOnce(&mut E, &SentSecrets),
) -> Error<E> {
    let content_type = content_type(&headers);
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        "the body is empty".to_owned()
    } else if let Some(ct) = content_type.as_deref().filter(|ct| !is_json(ct)) {
        format!("expected a JSON error body, got `{ct}`")
    } else if truncated {
        format!("the body is larger than {RAW_BODY_CAP} bytes")
    } else {
        match serde_json::from_slice::<E>(body) {
            Ok(mut parsed) => {
                redact(&mut parsed, sent);
                return Error::Api(Box::new(ApiError {
                    status,
                    body: parsed,
                    raw: RawBody::masked(body, false, sent),
                    headers,
                }));
            }
            Err(e) => format!(
                "the body is not the documented error type: {}",
                scrub_message(&e.to_string())
            ),
        }
    };
    Error::Status(Box::new(StatusError {
        status,
        content_type,
        reason: sent.mask(&reason, false).into_owned(),
        body: RawBody::masked(body, truncated, sent),
        headers,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_from_another_url_is_not_used() {
        let requested = Url::parse("http://127.0.0.1:1/authentication/v2/token").unwrap();
        let moved = Url::parse("http://127.0.0.1:1/elsewhere").unwrap();
        assert!(followed_redirect::<()>(&requested, &requested.clone(), StatusCode::OK).is_none());
        let err = followed_redirect::<()>(&requested, &moved, StatusCode::OK).expect("refused");
        assert!(
            matches!(&err, Error::Redirected { status } if *status == StatusCode::OK),
            "{err:?}"
        );
        // The URL it was sent on to is not repeated (it could carry a code).
        assert!(!err.to_string().contains("elsewhere"), "{err}");
    }
}
