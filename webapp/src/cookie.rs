//! The app's two cookies: the session (a random opaque id mapped to the user's tokens in the
//! token store) and the sign-in in progress (a random id keying the stored authorization
//! request). Neither holds a token; both are `HttpOnly`, `SameSite=Lax` (sent on the redirect
//! back from APS, a top-level GET) and `Secure` unless the app runs on loopback http.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine as _;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "aps_session";

/// The cookie of a sign-in in progress (between `/login` and `/callback`).
pub const SIGN_IN_COOKIE: &str = "aps_sign_in";

/// How long a sign-in may take, in seconds (the stored authorization request expires then).
pub const SIGN_IN_SECONDS: u64 = 600;

/// Bytes of randomness in an id (256 bits).
const ID_BYTES: usize = 32;

/// A random opaque id (256 bits from the OS, base64url): a session or sign-in id. Its `Debug`
/// is redacted: whoever holds it holds the session.
#[derive(Clone, PartialEq, Eq)]
pub struct Id(String);

impl Id {
    /// A new id from the OS's CSPRNG.
    pub fn generate() -> Result<Id, getrandom::Error> {
        let mut bytes = [0_u8; ID_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(Id(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    /// The id as text (the cookie value, and the session id the OAuth layer hashes into its key).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id read back from a cookie: exactly the shape [`Id::generate`] makes, or nothing.
    fn parse(text: &str) -> Option<Id> {
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        (decoded.len() == ID_BYTES).then(|| Id(text.to_owned()))
    }
}

impl std::fmt::Debug for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Id([redacted])")
    }
}

/// The well-formed id in the request's cookie `name`, if any (the first such cookie).
pub fn read(headers: &HeaderMap, name: &str) -> Option<Id> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| Id::parse(value.trim()))
}

/// A `Set-Cookie` value that sets `name` to `id` for `max_age` seconds (`None`: until the
/// browser closes).
pub fn set(name: &str, id: &Id, max_age: Option<u64>, secure: bool) -> String {
    let mut cookie = format!("{name}={}; Path=/; HttpOnly; SameSite=Lax", id.as_str());
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// A `Set-Cookie` value that deletes `name`.
pub fn clear(name: &str, secure: bool) -> String {
    let mut cookie = format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_opaque_and_read_back_only_in_their_shape() {
        let (a, b) = (Id::generate().unwrap(), Id::generate().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 43);
        assert_eq!(format!("{a:?}"), "Id([redacted])");
        let mut headers = HeaderMap::new();
        let cookie = format!("other=1; {SESSION_COOKIE}={}; x=y", a.as_str());
        headers.insert(COOKIE, cookie.parse().unwrap());
        assert_eq!(read(&headers, SESSION_COOKIE), Some(a.clone()));
        assert_eq!(read(&headers, SIGN_IN_COOKIE), None);
        for bad in [
            "",
            "short",
            "not base64 at all!!",
            &format!("{}A", a.as_str()),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(COOKIE, format!("{SESSION_COOKIE}={bad}").parse().unwrap());
            assert_eq!(read(&headers, SESSION_COOKIE), None, "{bad}");
        }
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_off_loopback() {
        let id = Id::generate().unwrap();
        let local = set(SESSION_COOKIE, &id, None, false);
        assert!(local.contains("HttpOnly") && local.contains("SameSite=Lax"));
        assert!(!local.contains("Secure"));
        assert!(set(SIGN_IN_COOKIE, &id, Some(600), true).ends_with("Max-Age=600; Secure"));
        assert!(clear(SESSION_COOKIE, true).contains("Max-Age=0"));
    }
}
