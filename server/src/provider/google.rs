//! Google's OAuth endpoints, through the `oauth2` crate over one `reqwest` client (redirects
//! off, timeouts set). Every URL comes from configuration, so tests use a fake Google.

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, Scope, StandardRevocableToken,
    TokenUrl,
};
use serde::Deserialize;
use url::Url;

use super::describe;
use super::oauth::{Identity, IdentityError, TokenBody, TokenError, Tokens, classify};
use crate::config::GoogleConfig;
use secrecy::{ExposeSecret, SecretString};

pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const SCOPES: [&str; 3] = ["openid", "email", GMAIL_READONLY];

/// Google's own error codes that mean the grant is dead (re-authentication needed, or an
/// administrator's policy now forbids it).
const DEAD_GRANT: &[&str] = &["invalid_rapt", "admin_policy_enforced"];

type Client = oauth2::Client<
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

#[derive(Clone)]
pub struct Google {
    oauth: Client,
    http: reqwest::Client,
    userinfo_url: Url,
    revoke_url: Url,
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
        classify(response, DEAD_GRANT)
    }

    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Tokens, TokenError> {
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let response = self
            .oauth
            .exchange_refresh_token(&token)
            .request_async(&self.http)
            .await;
        classify(response, DEAD_GRANT)
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
