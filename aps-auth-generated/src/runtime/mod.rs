//! The hand-written runtime that all generated operations share: the client, sending and
//! decoding, errors, secrets.

pub mod client;
pub mod error;
mod redact;
pub mod response;
pub mod secret;

/// Name/value pairs collected by generated code for a query string or headers.
#[derive(Debug, Default)]
pub(crate) struct Pairs(Vec<(&'static str, String)>);

// Used by generated code only when the document has query or header parameters.
#[allow(dead_code)]
impl Pairs {
    pub(crate) fn new() -> Self {
        Pairs(Vec::new())
    }

    pub(crate) fn push(&mut self, name: &'static str, value: String) {
        self.0.push((name, value));
    }

    pub(crate) fn as_slice(&self) -> &[(&'static str, String)] {
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
        request = request.header(*name, value);
    }
    Ok(request)
}
