//! Google's OAuth endpoints, through the `oauth2` crate over one `reqwest` client (redirects
//! off, timeouts set). Every URL comes from configuration, so tests use a fake Google.
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
use serde::{Deserialize, Serialize};
use url::Url;

use super::describe;
use crate::config::GoogleConfig;
use secrecy::{ExposeSecret, SecretString};

pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const SCOPES: [&str; 3] = ["openid", "email", GMAIL_READONLY];

type Client = oauth2::Client<
    BasicErrorResponse,
    GoogleTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

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
/// non-negative whole number (Google sends a number; a string of digits is accepted too) reads
/// as absent instead of failing the whole response and losing its tokens.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct GoogleTokenResponse {
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

impl TokenResponse for GoogleTokenResponse {
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

#[derive(Clone)]
pub struct Google {
    oauth: Client,
    http: reqwest::Client,
    userinfo_url: Url,
    revoke_url: Url,
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
    #[error("the OAuth client was rejected ({0}); check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET")]
    InvalidClient(String),
    /// Worth retrying later: network failure, timeout, 5xx, 408, 429, or an unreadable answer.
    #[error("temporary failure talking to the token endpoint ({0})")]
    Transient(String),
}

/// The Google account behind a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub email: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// With the account's subject when Google named one.
    #[error("Google did not return a verified email address for this account")]
    Unverified { subject: Option<String> },
    #[error("reading the Google identity failed: {0}")]
    Failed(String),
}

/// One HTTP client for every call to Google: no redirects, bounded time.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(32)
        .build()
        .expect("reqwest client with rustls")
}

impl Google {
    pub fn new(config: &GoogleConfig, http: reqwest::Client) -> Self {
        let oauth = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                config.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(AuthUrl::from_url(config.auth_url.clone()))
            .set_token_uri(TokenUrl::from_url(config.token_url.clone()))
            .set_redirect_uri(RedirectUrl::from_url(config.redirect_uri.clone()));
        Self {
            oauth,
            http,
            userinfo_url: config.userinfo_url.clone(),
            revoke_url: config.revoke_url.clone(),
        }
    }

    /// The consent URL for a new flow, and the PKCE verifier to keep for the exchange.
    /// `login_hint` (an address, when reconnecting a known account) preselects that account.
    pub fn authorize_url(
        &self,
        state: &SecretString,
        login_hint: Option<&str>,
    ) -> (Url, SecretString) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = state.expose_secret().to_owned();
        let mut request = self
            .oauth
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(SCOPES.iter().map(|s| Scope::new((*s).to_owned())))
            .set_pkce_challenge(challenge)
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent")
            .add_extra_param("include_granted_scopes", "true");
        if let Some(hint) = login_hint {
            request = request.add_extra_param("login_hint", hint);
        }
        let (url, _) = request.url();
        (url, SecretString::from(verifier.into_secret()))
    }

    pub async fn exchange_code(
        &self,
        code: SecretString,
        verifier: SecretString,
    ) -> Result<Tokens, TokenError> {
        let response = self
            .oauth
            .exchange_code(AuthorizationCode::new(code.expose_secret().to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose_secret().to_owned()))
            .request_async(&self.http)
            .await;
        classify(response)
    }

    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Tokens, TokenError> {
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let response = self
            .oauth
            .exchange_refresh_token(&token)
            .request_async(&self.http)
            .await;
        classify(response)
    }

    /// Reads `sub`, `email` and `email_verified`; an unverified or missing email is refused.
    pub async fn identity(&self, access_token: &SecretString) -> Result<Identity, IdentityError> {
        #[derive(Deserialize)]
        struct UserInfo {
            sub: String,
            email: Option<String>,
            #[serde(default)]
            email_verified: serde_json::Value,
        }
        let response = self
            .http
            .get(self.userinfo_url.clone())
            .bearer_auth(access_token.expose_secret())
            .send()
            .await
            .map_err(|e| IdentityError::Failed(describe(&e)))?;
        if !response.status().is_success() {
            return Err(IdentityError::Failed(format!(
                "status {}",
                response.status()
            )));
        }
        let info: UserInfo = response
            .json()
            .await
            .map_err(|_| IdentityError::Failed("unreadable answer".into()))?;
        let verified = matches!(&info.email_verified, serde_json::Value::Bool(true))
            || info.email_verified.as_str() == Some("true");
        match info.email {
            Some(email) if verified && !email.trim().is_empty() && !info.sub.is_empty() => {
                Ok(Identity {
                    subject: info.sub,
                    email: email.trim().to_lowercase(),
                })
            }
            _ => Err(IdentityError::Unverified {
                subject: Some(info.sub).filter(|sub| !sub.is_empty()),
            }),
        }
    }

    /// Revokes a grant (given its refresh or access token). Success also when Google says the
    /// token is already invalid: the grant is gone either way.
    pub async fn revoke(&self, token: &SecretString) -> Result<(), String> {
        let response = self
            .http
            .post(self.revoke_url.clone())
            .form(&[("token", token.expose_secret())])
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status();
        if status.is_success() || status == reqwest::StatusCode::BAD_REQUEST {
            Ok(())
        } else {
            Err(format!("status {status}"))
        }
    }
}

fn classify<E: std::error::Error>(
    response: Result<GoogleTokenResponse, RequestTokenError<E, BasicErrorResponse>>,
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
            match code {
                BasicErrorResponseType::InvalidGrant => {
                    Err(TokenError::InvalidGrant("invalid_grant".into()))
                }
                BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient => {
                    Err(TokenError::InvalidClient(code.to_string()))
                }
                BasicErrorResponseType::Extension(other)
                    if matches!(other.as_str(), "invalid_rapt" | "admin_policy_enforced") =>
                {
                    Err(TokenError::InvalidGrant(other.clone()))
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

    fn parse(body: serde_json::Value) -> Tokens {
        let response: GoogleTokenResponse = serde_json::from_value(body).unwrap();
        classify::<std::io::Error>(Ok(response)).unwrap()
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
