//! The calls every flow shares, on [`OAuthClient`]: refresh, revoke, introspect, the user
//! profile, the key set (the one way the layer fetches it) and the logout URL.

use reqwest::Method;
use url::Url;

use super::client::OAuthClient;
use super::endpoints;
use super::error::{OAuthError, as_protocol_error};
use super::protocol::{ErrorBody, Form, Introspection, JsonWebKeySet, TokenTypeHint};
use super::secrets::{AccessToken, RefreshToken};
use super::token::Token;
use crate::{ApiResponse, Scopes, UserProfile};
use aps_auth_runtime::RetryPolicy;
use aps_auth_runtime::retry::{Repeat, with_retry};

impl OAuthClient {
    /// Exchanges a refresh token for a new token. The answer's refresh token replaces the old
    /// one when the server rotates it (it is kept otherwise). Sent once, never retried: a rotated
    /// refresh token may already be spent. For concurrent callers, use a
    /// [`super::UserSession`], which refreshes once for all of them.
    ///
    /// The new token's scopes are the ones the answer names; this call does not know the grant's,
    /// so an answer without `scope` gives a token without scopes. [`OAuthClient::refresh_grant`]
    /// (and a [`super::UserSession`]) keep the grant's scopes then, as RFC 6749 section 5.1 says.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Token, OAuthError> {
        self.refresh_granted(refresh_token, None).await
    }

    /// Refreshes `token`'s grant with its refresh token, as [`OAuthClient::refresh`] does. When
    /// the answer names no `scope`, the new token has `token`'s scopes (RFC 6749 sections 5.1 and
    /// 6: an omitted scope is the one originally granted). A token without refresh token is
    /// [`OAuthError::SignInRequired`].
    pub async fn refresh_grant(&self, token: &Token) -> Result<Token, OAuthError> {
        let Some(refresh_token) = token.refresh_token() else {
            return Err(OAuthError::sign_in_required(
                "the token has no refresh token",
                None,
            ));
        };
        self.refresh_granted(refresh_token, Some(token.scopes()))
            .await
    }

    /// A refresh whose answer, when it names no `scope`, has the `granted` scopes.
    pub(crate) async fn refresh_granted(
        &self,
        refresh_token: &RefreshToken,
        granted: Option<&Scopes>,
    ) -> Result<Token, OAuthError> {
        let mut form = self.token_form("refresh_token");
        form.set_secret("refresh_token", refresh_token.expose_secret());
        let mut token = self.request_token(form, Repeat::Never, granted).await?;
        token.keep_refresh_token(Some(refresh_token));
        Ok(token)
    }

    /// Revokes a token (RFC 7009). Any 200 answer is success, whatever its body.
    pub async fn revoke(&self, token: &str, hint: TokenTypeHint) -> Result<(), OAuthError> {
        let mut form = Form::default();
        form.set_secret("token", token)
            .set("token_type_hint", hint.as_str());
        // RFC 7009 identifies the client as the token endpoint does; APS also wants `client_id`.
        form.set("client_id", self.credentials().client_id().to_owned());
        self.authenticate(&mut form);
        let url = self.endpoint(endpoints::REVOKE);
        let api = self.token_api();
        with_retry(
            self.retry_policy(),
            Repeat::Safe,
            endpoints::REVOKE.name,
            || {
                let request = api.request(Method::POST, url.clone()).form(form.pairs());
                api.send_empty_sensitive::<ErrorBody>(request, form.sent())
            },
        )
        .await?;
        Ok(())
    }

    /// Revokes an access token.
    pub async fn revoke_access_token(&self, token: &AccessToken) -> Result<(), OAuthError> {
        self.revoke(token.expose_secret(), TokenTypeHint::AccessToken)
            .await
    }

    /// Revokes a refresh token.
    pub async fn revoke_refresh_token(&self, token: &RefreshToken) -> Result<(), OAuthError> {
        self.revoke(token.expose_secret(), TokenTypeHint::RefreshToken)
            .await
    }

    /// Introspects a token (RFC 7662). An inactive token is a normal answer (`active: false`),
    /// not an error.
    pub async fn introspect(&self, token: &str) -> Result<Introspection, OAuthError> {
        let mut form = Form::default();
        form.set_secret("token", token);
        self.authenticate(&mut form);
        let answer = self
            .post_form::<Introspection>(endpoints::INTROSPECT, &form, Repeat::Safe)
            .await?;
        Ok(answer.into_inner())
    }

    /// The signed-in user's profile (the document's own operation and model).
    pub async fn user_profile(
        &self,
        access_token: &AccessToken,
    ) -> Result<UserProfile, OAuthError> {
        let answer = with_retry(self.retry_policy(), Repeat::Safe, "profile", || async {
            self.api()
                .get_user_profile()
                .bearer_token(access_token.expose_secret())
                // Retried here, as the layer's policy says, with the layer's errors.
                .retry_policy(RetryPolicy::none())
                .await
                .map_err(as_protocol_error)
        })
        .await?;
        Ok(answer.into_inner())
    }

    /// The public keys that sign APS JWTs.
    pub async fn keys(&self) -> Result<JsonWebKeySet, OAuthError> {
        Ok(self.key_set().await?.into_inner())
    }

    /// The key set answer (with its `Cache-Control`), retried as a safe request: the one way
    /// the layer fetches the key set, for [`OAuthClient::keys`] and the verifier's cache.
    pub(super) async fn key_set(&self) -> Result<ApiResponse<JsonWebKeySet>, OAuthError> {
        let url = self.endpoint(endpoints::KEYS);
        let api = self.api();
        let answer = with_retry(
            self.retry_policy(),
            Repeat::Safe,
            endpoints::KEYS.name,
            || api.send_json::<JsonWebKeySet, ErrorBody>(api.request(Method::GET, url.clone())),
        )
        .await?;
        Ok(answer)
    }

    /// The URL that ends the user's Autodesk session, optionally sending them on afterwards.
    pub fn logout_url(&self, post_logout_redirect_uri: Option<&str>) -> Result<Url, OAuthError> {
        let mut url = self.endpoint(endpoints::LOGOUT);
        if let Some(uri) = post_logout_redirect_uri {
            url.query_pairs_mut()
                .append_pair("post_logout_redirect_uri", uri);
        }
        Ok(url)
    }
}
