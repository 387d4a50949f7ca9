//! The mail providers' HTTP clients. Every URL comes from configuration, so tests and the local
//! demo use the fakes in `end2end/`. Errors are classified, never passed on as text: a
//! provider's error body or a token must not reach a log line or the browser.
//!
//! [`Providers`] is what the rest of the server calls: one method per OAuth step, for the
//! provider an account or a flow belongs to.

pub mod gmail;
pub mod google;
pub mod mail;
pub mod microsoft;
pub mod oauth;
pub mod outlook;

pub use oauth::{Identity, IdentityError, TokenError, Tokens, http_client};

use secrecy::SecretString;
use url::Url;

use crate::config::Config;
use crate::entities::email_accounts::Provider;
use gmail::Gmail;
use google::Google;
use microsoft::Microsoft;
use outlook::Outlook;

/// The OAuth providers this instance offers: Google always, Microsoft when configured.
#[derive(Clone)]
pub struct Providers {
    pub google: Google,
    pub microsoft: Option<Microsoft>,
}

/// The mail APIs a sync reads: Gmail always, Outlook's (with the authserv-id whose verdicts
/// count there) when Microsoft is configured.
#[derive(Clone)]
pub struct MailApis {
    pub gmail: Gmail,
    pub outlook: Option<(Outlook, String)>,
}

impl MailApis {
    pub fn new(config: &Config, http: reqwest::Client) -> Self {
        Self {
            gmail: Gmail::new(http.clone(), config.google.gmail_api_url.clone()),
            outlook: config.microsoft.as_ref().map(|microsoft| {
                let outlook = Outlook::new(http, microsoft.graph_api_url.clone());
                (outlook, microsoft.authserv_id.clone())
            }),
        }
    }
}

/// The answer for a Microsoft account when Microsoft is not configured (any more): an
/// operator's fix, like a rejected client.
fn not_configured() -> TokenError {
    TokenError::InvalidClient("Microsoft is not configured (MICROSOFT_CLIENT_ID)".into())
}

impl Providers {
    pub fn new(config: &Config, http: reqwest::Client) -> Self {
        Self {
            google: Google::new(&config.google, http.clone()),
            microsoft: config
                .microsoft
                .as_ref()
                .map(|microsoft| Microsoft::new(microsoft, http)),
        }
    }

    fn microsoft(&self) -> Result<&Microsoft, TokenError> {
        self.microsoft.as_ref().ok_or_else(not_configured)
    }

    /// Whether accounts of `provider` can be connected here.
    pub fn offers(&self, provider: Provider) -> bool {
        match provider {
            Provider::Google => true,
            Provider::Microsoft => self.microsoft.is_some(),
        }
    }

    /// The consent URL and the PKCE verifier to keep, or `None` when `provider` is not offered.
    pub fn authorize_url(
        &self,
        provider: Provider,
        state: &SecretString,
        login_hint: Option<&str>,
    ) -> Option<(Url, SecretString)> {
        match provider {
            Provider::Google => Some(self.google.authorize_url(state, login_hint)),
            Provider::Microsoft => Some(self.microsoft.as_ref()?.authorize_url(state, login_hint)),
        }
    }

    pub async fn exchange_code(
        &self,
        provider: Provider,
        code: SecretString,
        verifier: SecretString,
    ) -> Result<Tokens, TokenError> {
        match provider {
            Provider::Google => self.google.exchange_code(code, verifier).await,
            Provider::Microsoft => self.microsoft()?.exchange_code(code, verifier).await,
        }
    }

    /// Redeems a refresh token. Microsoft's answer always carries the next refresh token.
    pub async fn refresh(
        &self,
        provider: Provider,
        refresh_token: &SecretString,
    ) -> Result<Tokens, TokenError> {
        match provider {
            Provider::Google => self.google.refresh(refresh_token).await,
            Provider::Microsoft => self.microsoft()?.refresh(refresh_token).await,
        }
    }

    pub async fn identity(
        &self,
        provider: Provider,
        access_token: &SecretString,
    ) -> Result<Identity, IdentityError> {
        match provider {
            Provider::Google => self.google.identity(access_token).await,
            Provider::Microsoft => match &self.microsoft {
                Some(microsoft) => microsoft.identity(access_token).await,
                None => Err(IdentityError::Failed("Microsoft is not configured".into())),
            },
        }
    }

    /// Whether the granted scopes let the app read mail.
    pub fn grants_mail(provider: Provider, scopes: &[String]) -> bool {
        match provider {
            Provider::Google => scopes.iter().any(|s| s == google::GMAIL_READONLY),
            Provider::Microsoft => microsoft::grants_mail_read(scopes),
        }
    }

    /// Whether the provider can revoke one app's grant. Microsoft cannot: its users remove
    /// the app's access in their account.
    pub fn can_revoke(provider: Provider) -> bool {
        provider == Provider::Google
    }
}

/// A reqwest error's description without its URL (which could carry a token in a query).
pub(crate) fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "connection failed".into()
    } else {
        "request failed".into()
    }
}
