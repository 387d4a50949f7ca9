//! What every OAuth provider's token endpoint and identity have in common: the tokens a grant
//! gives, the classes of failure callers act on, the lenient token response, one HTTP client,
//! and the `oauth2` client with its three calls (consent URL, code exchange, refresh).
//!
//! Errors are classified, never passed on as text: a provider's error body or a token must not
//! reach a log line or the browser.

use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AccessToken, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    Scope, StandardRevocableToken, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

/// An `oauth2` client with its authorization and token endpoints set.
pub(crate) type Client = oauth2::Client<
    BasicErrorResponse,
    TokenBody,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Reads a provider's identity document (Google's userinfo, Graph's `/me`) with a fresh access
/// token.
pub(crate) async fn identity_document<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &Url,
    access_token: &SecretString,
) -> Result<T, IdentityError> {
    let response = http
        .get(url.clone())
        .bearer_auth(access_token.expose_secret())
        .send()
        .await
        .map_err(|e| IdentityError::Failed(super::describe(&e)))?;
    if !response.status().is_success() {
        return Err(IdentityError::Failed(format!(
            "status {}",
            response.status()
        )));
    }
    response
        .json()
        .await
        .map_err(|_| IdentityError::Failed("unreadable answer".into()))
}

/// The client registered at a provider, with its endpoints.
pub(crate) struct Registration<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a SecretString,
    pub auth_url: &'a Url,
    pub token_url: &'a Url,
    pub redirect_uri: &'a Url,
}

impl Registration<'_> {
    pub(crate) fn client(&self) -> Client {
        oauth2::Client::new(ClientId::new(self.client_id.to_owned()))
            .set_client_secret(ClientSecret::new(
                self.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(AuthUrl::from_url(self.auth_url.clone()))
            .set_token_uri(TokenUrl::from_url(self.token_url.clone()))
            .set_redirect_uri(RedirectUrl::from_url(self.redirect_uri.clone()))
    }
}

/// The consent URL for a new flow (`scopes`, PKCE S256, `state`, the provider's `extra`
/// parameters, and a `login_hint` preselecting the account being reconnected), and the PKCE
/// verifier to keep for the exchange.
pub(crate) fn consent_url(
    oauth: &Client,
    scopes: &[&str],
    extra: &[(&str, &str)],
    state: &SecretString,
    login_hint: Option<&str>,
) -> (Url, SecretString) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = state.expose_secret().to_owned();
    let mut request = oauth
        .authorize_url(move || CsrfToken::new(state))
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
        .set_pkce_challenge(challenge);
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    if let Some(hint) = login_hint {
        request = request.add_extra_param("login_hint", hint);
    }
    let (url, _) = request.url();
    (url, SecretString::from(verifier.into_secret()))
}

/// Redeems an authorization code with its PKCE verifier.
pub(crate) async fn exchange_code(
    oauth: &Client,
    http: &reqwest::Client,
    code: SecretString,
    verifier: SecretString,
    dead_grant: &[&str],
) -> Result<Tokens, TokenError> {
    let response = oauth
        .exchange_code(AuthorizationCode::new(code.expose_secret().to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose_secret().to_owned()))
        .request_async(http)
        .await;
    classify(response, dead_grant)
}

/// Redeems a refresh token, asking again for `scopes` when there are any.
pub(crate) async fn refresh(
    oauth: &Client,
    http: &reqwest::Client,
    refresh_token: &SecretString,
    scopes: &[&str],
    dead_grant: &[&str],
) -> Result<Tokens, TokenError> {
    let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let mut request = oauth.exchange_refresh_token(&token);
    if !scopes.is_empty() {
        request = request.add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())));
    }
    classify(request.request_async(http).await, dead_grant)
}

/// The shortest and longest access-token lifetime believed; a token endpoint's `expires_in`
/// outside them is clamped, so a bogus 0 cannot cause a refresh storm and a bogus year cannot
/// leave an expired token in use.
pub const MIN_LIFETIME: Duration = Duration::from_secs(60);
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// The lifetime assumed when `expires_in` is missing or unreadable.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// How long a new access token is taken to live.
pub fn lifetime(expires_in: Option<Duration>) -> Duration {
    expires_in.map_or(DEFAULT_LIFETIME, |d| d.clamp(MIN_LIFETIME, MAX_LIFETIME))
}

/// A token response as RFC 6749 defines it, except that an `expires_in` that is not a
/// non-negative whole number (providers send a number; a string of digits is accepted too)
/// reads as absent instead of failing the whole response and losing its tokens.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct TokenBody {
    access_token: AccessToken,
    #[serde(deserialize_with = "oauth2::helpers::deserialize_untagged_enum_case_insensitive")]
    token_type: BasicTokenType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_in: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<RefreshToken>,
    #[serde(rename = "scope", default)]
    #[serde(deserialize_with = "oauth2::helpers::deserialize_space_delimited_vec")]
    #[serde(serialize_with = "oauth2::helpers::serialize_space_delimited_vec")]
    #[serde(skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<Scope>>,
}

impl TokenResponse for TokenBody {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<Duration> {
        let seconds = match self.expires_in.as_ref()? {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        seconds.map(Duration::from_secs)
    }

    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

/// What a token endpoint gave us.
#[derive(Debug)]
pub struct Tokens {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub expires_in: Duration,
    /// Granted scopes; `None` when the response did not list them.
    pub scopes: Option<Vec<String>>,
}

/// Why a token request failed, in the classes callers act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The grant is gone (revoked, expired, password changed, re-auth required): the user must
    /// connect again.
    #[error("the grant is no longer valid ({0})")]
    InvalidGrant(String),
    /// Our client id or secret is wrong: an operator must fix the configuration.
    #[error("the OAuth client was rejected ({0}); check the provider's client id and secret")]
    InvalidClient(String),
    /// Worth retrying later: network failure, timeout, 5xx, 408, 429, or an unreadable answer.
    #[error("temporary failure talking to the token endpoint ({0})")]
    Transient(String),
}

/// The provider's account behind a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub email: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// With the account's subject when the provider named one.
    #[error("the provider did not return a verified email address for this account")]
    Unverified { subject: Option<String> },
    #[error("reading the account's identity failed: {0}")]
    Failed(String),
}

/// One HTTP client for every call to a provider: no redirects, bounded time.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(32)
        .build()
        .expect("reqwest client with rustls")
}

/// Sorts a token endpoint's answer into [`Tokens`] or a [`TokenError`] class. `dead_grant`
/// names the provider's own error codes that also mean the user must connect again.
pub(crate) fn classify<E: std::error::Error>(
    response: Result<TokenBody, RequestTokenError<E, BasicErrorResponse>>,
    dead_grant: &[&str],
) -> Result<Tokens, TokenError> {
    match response {
        Ok(token) => Ok(Tokens {
            access_token: SecretString::from(token.access_token().secret().clone()),
            refresh_token: token
                .refresh_token()
                .map(|t| SecretString::from(t.secret().clone())),
            expires_in: lifetime(token.expires_in()),
            scopes: token
                .scopes()
                .map(|scopes| scopes.iter().map(|s| s.to_string()).collect()),
        }),
        Err(RequestTokenError::ServerResponse(body)) => {
            let code = body.error();
            let name = code.to_string();
            if dead_grant.contains(&name.as_str()) {
                return Err(TokenError::InvalidGrant(name));
            }
            match code {
                BasicErrorResponseType::InvalidGrant => {
                    Err(TokenError::InvalidGrant("invalid_grant".into()))
                }
                BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient => {
                    Err(TokenError::InvalidClient(code.to_string()))
                }
                other => Err(TokenError::Transient(format!("error response {other}"))),
            }
        }
        Err(RequestTokenError::Request(_)) => Err(TokenError::Transient("request failed".into())),
        // The body is never kept: it may hold a token.
        Err(RequestTokenError::Parse(..)) => Err(TokenError::Transient("unreadable answer".into())),
        Err(RequestTokenError::Other(_)) => Err(TokenError::Transient("unexpected answer".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn parse(body: serde_json::Value) -> Tokens {
        let response: TokenBody = serde_json::from_value(body).unwrap();
        classify::<std::io::Error>(Ok(response), &[]).unwrap()
    }

    fn with_expiry(expires_in: serde_json::Value) -> Duration {
        let mut body = serde_json::json!({"access_token": "a", "token_type": "Bearer"});
        if !expires_in.is_null() {
            body["expires_in"] = expires_in;
        }
        parse(body).expires_in
    }

    #[test]
    fn lifetimes_are_clamped_and_default_to_half_an_hour() {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        assert_eq!(
            with_expiry(serde_json::json!(3599)),
            Duration::from_secs(3599)
        );
        assert_eq!(
            with_expiry(serde_json::json!("3599")),
            Duration::from_secs(3599)
        );
        assert_eq!(with_expiry(serde_json::json!(0)), minutes(1));
        assert_eq!(with_expiry(serde_json::json!(10_000_000)), minutes(24 * 60));
        for garbage in [
            serde_json::Value::Null,
            serde_json::json!("soon"),
            serde_json::json!(-5),
            serde_json::json!(1.5),
            serde_json::json!({"seconds": 10}),
        ] {
            assert_eq!(with_expiry(garbage.clone()), minutes(30), "{garbage}");
        }
    }

    #[test]
    fn a_full_response_keeps_its_tokens_and_scopes() {
        let tokens = parse(serde_json::json!({
            "access_token": "ya29.a", "token_type": "bearer", "expires_in": 3599,
            "refresh_token": "1//r", "scope": "openid email",
        }));
        assert_eq!(tokens.access_token.expose_secret(), "ya29.a");
        assert_eq!(tokens.refresh_token.unwrap().expose_secret(), "1//r");
        assert_eq!(tokens.scopes.unwrap(), ["openid", "email"]);
    }
}
