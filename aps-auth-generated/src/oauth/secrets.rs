//! Newtypes for every secret of an OAuth flow. `Debug` prints `Name([redacted])`, there is no
//! `Display`, and the value comes out only through `expose_secret()` (the name
//! [`SecretString`](crate::SecretString) uses), or as the `SecretString` itself (`From`).

use crate::SecretString;

macro_rules! secret_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(SecretString::new(value))
            }

            /// The secret value. Call this only where the value must be used.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }

            /// The secret value: the former name of
            #[doc = concat!("[`", stringify!($name), "::expose_secret`].")]
            #[deprecated(note = "use `expose_secret`, the name `SecretString` uses")]
            pub fn secret(&self) -> &str {
                self.expose_secret()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl From<SecretString> for $name {
            fn from(value: SecretString) -> Self {
                $name(value)
            }
        }

        impl From<$name> for SecretString {
            /// The value as the runtime's secret string, unwrapped without a copy.
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

secret_newtype!(
    /// A confidential client's secret.
    ClientSecret
);
secret_newtype!(
    /// An access token (sent as `Authorization: Bearer ...`).
    AccessToken
);
secret_newtype!(
    /// A refresh token (three-legged flows).
    RefreshToken
);
secret_newtype!(
    /// An OpenID Connect ID token (a JWT about the signed-in user), as the token answer sent it.
    IdToken
);
secret_newtype!(
    /// An authorization code from the redirect of a three-legged flow. Single-use.
    AuthorizationCode
);
secret_newtype!(
    /// A PKCE code verifier (RFC 7636): 64 characters of `[A-Za-z0-9-._~]` from the OS CSPRNG.
    PkceVerifier
);
secret_newtype!(
    /// The CSRF `state` of an authorization request, compared in constant time on the way back.
    CsrfState
);

/// Characters a PKCE verifier may use (RFC 7636 section 4.1).
const UNRESERVED: &[u8; 66] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// `len` random characters of `[A-Za-z0-9-._~]` (rejection sampling, so uniform).
pub(crate) fn random_unreserved(len: usize) -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf)?;
        // 66 * 3 = 198: bytes below 198 map uniformly onto the 66 characters.
        for b in buf.iter().copied().filter(|b| *b < 198) {
            if out.len() == len {
                break;
            }
            out.push(char::from(UNRESERVED[usize::from(b % 66)]));
        }
    }
    Ok(out)
}

impl PkceVerifier {
    /// A new verifier from the OS CSPRNG.
    pub fn generate() -> Result<Self, getrandom::Error> {
        random_unreserved(64).map(PkceVerifier::new)
    }

    /// The S256 challenge: `BASE64URL(SHA256(verifier))`, unpadded.
    pub fn challenge_s256(&self) -> String {
        use base64::Engine as _;
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(self.expose_secret().as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    }
}

impl CsrfState {
    /// A new random state (43 characters, about 256 bits).
    pub fn generate() -> Result<Self, getrandom::Error> {
        random_unreserved(43).map(CsrfState::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        assert_eq!(
            format!("{:?}", AccessToken::new("abc")),
            "AccessToken([redacted])"
        );
        assert_eq!(
            format!("{:?}", Some(ClientSecret::new("abc"))),
            "Some(ClientSecret([redacted]))"
        );
    }

    #[test]
    #[allow(deprecated)]
    fn the_value_comes_out_by_expose_secret_the_old_name_or_as_a_secret_string() {
        let token = AccessToken::new("abc");
        assert_eq!(token.expose_secret(), "abc");
        assert_eq!(token.secret(), "abc");
        assert_eq!(SecretString::from(token).expose_secret(), "abc");
    }

    #[test]
    fn verifiers_are_random_unreserved_and_match_rfc_7636() {
        let a = PkceVerifier::generate().unwrap();
        let b = PkceVerifier::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose_secret().len(), 64);
        assert!(a.expose_secret().bytes().all(|c| UNRESERVED.contains(&c)));
        // RFC 7636 appendix B.
        let rfc = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            rfc.challenge_s256(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
