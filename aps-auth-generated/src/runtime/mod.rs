//! The hand-written runtime that all generated operations share: the client, sending and
//! decoding, errors, secrets.

pub mod client;
pub mod error;
mod redact;
pub mod response;
pub mod secret;

/// Name/value pairs collected by generated code for a query string or headers.
#[derive(Debug, Default)]
pub(crate) struct Pairs(Vec<(String, String)>);

// Used by generated code only when the document has query or header parameters.
#[allow(dead_code)]
impl Pairs {
    pub(crate) fn new() -> Self {
        Pairs(Vec::new())
    }

    pub(crate) fn push(&mut self, name: impl Into<String>, value: String) {
        self.0.push((name.into(), value));
    }

    pub(crate) fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }
}

/// Adds header parameters, refusing values that cannot be sent in a header.
// Used by generated code only when the document has header parameters.
#[allow(dead_code)]
pub(crate) fn with_headers<E>(
    request: reqwest::RequestBuilder,
    headers: &Pairs,
) -> Result<reqwest::RequestBuilder, error::Error<E>> {
    let mut request = request;
    for (name, value) in headers.as_slice() {
        let value = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
            error::Error::InvalidRequest(format!(
                "the value of header `{name}` contains characters a header cannot carry"
            ))
        })?;
        request = request.header(name.as_str(), value);
    }
    Ok(request)
}

/// Adds cookie parameters as one `Cookie` header, percent-encoding what a cookie value cannot
/// hold (RFC 6265: controls, space, `"`, `,`, `;`, `\`, and `%` itself).
// Used by generated code only when the document has cookie parameters.
#[allow(dead_code)]
pub(crate) fn with_cookies<E>(
    request: reqwest::RequestBuilder,
    cookies: &Pairs,
) -> Result<reqwest::RequestBuilder, error::Error<E>> {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'!' | b'#'..=b'$' | b'&'..=b'+' | b'-'..=b':' | b'<'..=b'[' | b']'..=b'~'
                    if b != b'%' =>
                {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let header = cookies
        .as_slice()
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("; ");
    let value = reqwest::header::HeaderValue::from_str(&header)
        .map_err(|_| error::Error::InvalidRequest("a cookie parameter cannot be sent".into()))?;
    Ok(request.header(reqwest::header::COOKIE, value))
}
