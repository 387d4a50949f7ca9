//! Google's OAuth endpoints, through the `oauth2` crate over one `reqwest` client (redirects
//! off, timeouts set). Every URL comes from configuration, so tests use a fake Google.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::describe;
use super::oauth::{self, Client, Identity, IdentityError, Registration, TokenError, Tokens};
use crate::config::GoogleConfig;

pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const SCOPES: [&str; 3] = ["openid", "email", GMAIL_READONLY];

/// Google's own error codes that mean the grant is dead (re-authentication needed, or an
/// administrator's policy now forbids it).
const DEAD_GRANT: &[&str] = &["invalid_rapt", "admin_policy_enforced"];

#[derive(Clone)]
pub struct Google {
    oauth: Client,
    http: reqwest::Client,
    userinfo_url: Url,
    revoke_url: Url,
}

impl Google {
    pub fn new(config: &GoogleConfig, http: reqwest::Client) -> Self {
        let oauth = Registration {
            client_id: &config.client_id,
            client_secret: &config.client_secret,
            auth_url: &config.auth_url,
            token_url: &config.token_url,
            redirect_uri: &config.redirect_uri,
        }
        .client();
        Self {
            oauth,
            http,
            userinfo_url: config.userinfo_url.clone(),
            revoke_url: config.revoke_url.clone(),
        }
    }

    /// The consent URL for a new flow (offline access, consent asked every time, earlier
    /// grants included), and the PKCE verifier to keep for the exchange.
    pub fn authorize_url(
        &self,
        state: &SecretString,
        login_hint: Option<&str>,
    ) -> (Url, SecretString) {
        let extra = [
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("include_granted_scopes", "true"),
        ];
        oauth::consent_url(&self.oauth, &SCOPES, &extra, state, login_hint)
    }

    pub async fn exchange_code(
        &self,
        code: SecretString,
        verifier: SecretString,
    ) -> Result<Tokens, TokenError> {
        oauth::exchange_code(&self.oauth, &self.http, code, verifier, DEAD_GRANT).await
    }

    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Tokens, TokenError> {
        oauth::refresh(&self.oauth, &self.http, refresh_token, &[], DEAD_GRANT).await
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
        let info: UserInfo =
            oauth::identity_document(&self.http, &self.userinfo_url, access_token).await?;
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
