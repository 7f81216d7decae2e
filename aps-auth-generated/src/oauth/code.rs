//! [`OAuthErrorCode`]: the `error` of an OAuth answer or redirect (RFC 6749 sections 4.1.2.1
//! and 5.2, RFC 7009, OpenID Connect), a leaf the protocol types and the errors both use.

use std::fmt;

use aps_auth_runtime::redact::SentSecrets;

/// An OAuth 2.0 error code (RFC 6749 sections 4.1.2.1 and 5.2, RFC 7009, OpenID Connect).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client`: client authentication failed.
    InvalidClient,
    /// `invalid_grant`: the code, refresh token or PKCE verifier is wrong, used or expired.
    InvalidGrant,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `invalid_scope`
    InvalidScope,
    /// `access_denied`: the user (or the server) refused consent.
    AccessDenied,
    /// `unsupported_response_type`
    UnsupportedResponseType,
    /// `server_error`
    ServerError,
    /// `temporarily_unavailable`
    TemporarilyUnavailable,
    /// `login_required` (and other OpenID Connect codes are in `Other`).
    LoginRequired,
    /// Any other code, as sent.
    Other(String),
}

impl OAuthErrorCode {
    /// A code from the server's text, where an unregistered one is redacted (`sent` masked).
    pub(crate) fn from_server(code: &str, sent: &SentSecrets) -> Self {
        match Self::parse(code) {
            Self::Other(other) => Self::Other(sent.redact(&other)),
            registered => registered,
        }
    }

    /// Reads a code as the server wrote it.
    pub fn parse(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            "login_required" => Self::LoginRequired,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::LoginRequired => "login_required",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
