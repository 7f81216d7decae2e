//! Code a user of `aps-auth-generated` writes today. `cargo xtask evolve` compiles it against the
//! crate generated from every non-breaking update of the document: it must keep compiling.

use aps_auth_generated::oauth::{
    ClientSecret, Credentials, OAuthClient, OAuthError, Token, TokenTypeHint,
};
use aps_auth_generated::{
    AuthorizePrompt, AuthorizeResponseType, Client, Error, GetTokenRequest,
    GetTokenRequestGrantType, IntrospectTokenRequest, RevokeTokenRequest,
    RevokeTokenRequestTokenTypeHint, Scope, Scopes, SecretString,
};

/// The generated operations, called directly.
pub async fn generated_calls(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    let scopes: Scopes = [Scope::DataRead, Scope::BucketRead].into_iter().collect();
    let request = GetTokenRequest::new(GetTokenRequestGrantType::ClientCredentials)
        .with_client_id("id")
        .with_client_secret(SecretString::new("secret"))
        .with_scope(scopes.clone());
    let token = client.get_token(&request).await?;
    let _status = token.status();
    let _rate_limit = token.rate_limit();
    let access = token.into_inner().access_token;
    let _keys = client.get_keys().send().await?;
    if let Some(access) = &access {
        let profile = client
            .get_user_profile()
            .bearer_token(access.expose_secret())
            .await?;
        let _email = profile.email_id.clone();
    }
    client
        .revoke_token(
            &RevokeTokenRequest::new(
                SecretString::new("t"),
                RevokeTokenRequestTokenTypeHint::AccessToken,
                "id",
            )
            .with_client_secret(SecretString::new("secret")),
        )
        .await?;
    let introspected = client
        .introspect_token(&IntrospectTokenRequest::new(SecretString::new("t")))
        .await?;
    let _active = introspected.into_inner().active;
    let _authorize = client
        .authorize_url(AuthorizeResponseType::Code, "id", "http://127.0.0.1/cb", scopes)
        .state("state")
        .prompt(AuthorizePrompt::Login)
        .url();
    let _logout = client.logout_url().url();
    Ok(())
}

/// Errors, matched the way a user does.
pub fn describe(err: &Error<aps_auth_generated::ErrorResponse>) -> String {
    match err {
        Error::Api(api) => format!("{} {:?}", api.status, api.body.developer_message),
        other => other.to_string(),
    }
}

/// An enum of the document, matched with a wildcard (generated enums are `#[non_exhaustive]`).
pub fn grant_name(grant: GetTokenRequestGrantType) -> &'static str {
    match grant {
        GetTokenRequestGrantType::ClientCredentials => "two-legged",
        GetTokenRequestGrantType::AuthorizationCode => "three-legged",
        _ => "other",
    }
}

/// The OAuth layer.
pub async fn flows(redirect: &str) -> Result<Token, OAuthError> {
    let client = OAuthClient::builder(Credentials::confidential(
        "id",
        ClientSecret::new("secret"),
    ))
    .base_url("http://127.0.0.1:9")
    .build()
    .map_err(|e| OAuthError::InvalidRedirect(e.to_string()))?;
    let scopes: Scopes = "data:read".parse().unwrap_or_default();
    let two_legged = client.two_legged().token(&scopes).await?;
    let _ = two_legged.access_token().expose_secret();
    let request = client.start_authorization("http://127.0.0.1:8080/callback", &scopes)?;
    let code = request.callback(redirect)?;
    let token = client.exchange_code(&request, code).await?;
    let profile = client.user_profile(token.access_token()).await?;
    let _ = profile.first_name;
    let _ = client.introspect(token.access_token().expose_secret()).await?.active;
    client.revoke(token.access_token().expose_secret(), TokenTypeHint::AccessToken).await?;
    let _keys = client.keys().await?.keys.len();
    let _logout = client.logout_url(None)?;
    let session = client.session(token);
    session.access_token().await
}
