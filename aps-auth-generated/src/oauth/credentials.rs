//! [`Credentials`]: an application's client id and secret, and how it proves its identity at
//! the token endpoint ([`ClientAuthMethod`]): HTTP Basic, the form body, or none (a public
//! client), never two at once.

use reqwest::header::HeaderValue;

use super::protocol::Form;
use super::secrets::ClientSecret;

/// How a confidential client proves its identity at the token endpoint. Never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuthMethod {
    /// HTTP Basic (`client_secret_basic`), with id and secret form-urlencoded before base64 as
    /// RFC 6749 section 2.3.1 requires. The default.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    RequestBody,
}

/// An application's credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    client_id: String,
    client_secret: Option<ClientSecret>,
    method: ClientAuthMethod,
}

impl Credentials {
    /// A confidential client (it has a secret), authenticating with HTTP Basic.
    pub fn confidential(client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: Some(client_secret),
            method: ClientAuthMethod::Basic,
        }
    }

    /// A public client (no secret, e.g. a desktop or single-page app): it sends `client_id` only
    /// and relies on PKCE.
    pub fn public(client_id: impl Into<String>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: None,
            method: ClientAuthMethod::Basic,
        }
    }

    /// Chooses how the secret is sent.
    pub fn with_auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.method = method;
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `Authorization: Basic` value, when this client authenticates that way (the
    /// runtime's encoding, shared with operations whose `security` is HTTP Basic).
    pub(super) fn basic_header(&self) -> Option<HeaderValue> {
        let secret = self.client_secret.as_ref()?;
        if self.method != ClientAuthMethod::Basic {
            return None;
        }
        aps_auth_runtime::auth::basic_authorization(&self.client_id, secret.expose_secret())
    }

    /// `client_id` and `client_secret` for a form body, as the auth method says.
    fn body_fields(&self) -> (Option<String>, Option<String>) {
        match (&self.client_secret, self.method) {
            (Some(_), ClientAuthMethod::Basic) => (None, None),
            (Some(secret), ClientAuthMethod::RequestBody) => (
                Some(self.client_id.clone()),
                Some(secret.expose_secret().to_owned()),
            ),
            (None, _) => (Some(self.client_id.clone()), None),
        }
    }

    /// Adds the client authentication fields a form body carries (none with HTTP Basic), and
    /// records the client secret among the request's secrets however it is sent.
    pub(super) fn authenticate(&self, form: &mut Form) {
        let (client_id, client_secret) = self.body_fields();
        form.set_opt("client_id", client_id);
        if let Some(secret) = client_secret {
            form.set_secret("client_secret", &secret);
        }
        if let Some(secret) = &self.client_secret {
            form.sends_secret(secret.expose_secret());
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    #[test]
    fn basic_auth_form_encodes_before_base64() {
        let c = Credentials::confidential("my id", ClientSecret::new("s3cr+t/:%&= x"));
        let header = c.basic_header().unwrap();
        let b64 = header.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "my+id:s3cr%2Bt%2F%3A%25%26%3D+x"
        );
        assert_eq!(c.body_fields().0, None);
        assert!(c.body_fields().1.is_none());
    }

    #[test]
    fn body_auth_and_public_clients_never_send_both() {
        let post = Credentials::confidential("id", ClientSecret::new("s"))
            .with_auth_method(ClientAuthMethod::RequestBody);
        assert!(post.basic_header().is_none());
        let (id, secret) = post.body_fields();
        assert_eq!(id.as_deref(), Some("id"));
        assert_eq!(secret.as_deref(), Some("s"));
        let public = Credentials::public("id");
        assert!(public.basic_header().is_none());
        assert_eq!(public.body_fields().0.as_deref(), Some("id"));
        assert!(public.body_fields().1.is_none());
        assert!(!format!("{post:?}").contains("\"s\""));
    }
}
