//! Microsoft's settings: the OAuth client, the identity platform's endpoints, Graph, and whose
//! verdicts on received mail count in an Outlook mailbox. All optional: without
//! `MICROSOFT_CLIENT_ID` Outlook is not offered.

use secrecy::SecretString;
use url::Url;

use super::{ConfigError, Source, url_var};

/// Microsoft's OAuth client, its identity platform's endpoints and Graph (all configurable,
/// like Google's).
#[derive(Clone, Debug)]
pub struct MicrosoftConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: Url,
    pub auth_url: Url,
    pub token_url: Url,
    pub graph_api_url: Url,
    /// The authserv-id of the `Authentication-Results` header Outlook adds to what it receives
    /// (`OUTLOOK_AUTHSERV_ID`, default `mx.microsoft.com`): the one verdict on a bank mail's
    /// authenticity that counts in an Outlook mailbox.
    pub authserv_id: String,
}

/// The authserv-id Exchange Online stamps on the mail it receives.
pub const OUTLOOK_AUTHSERV_ID: &str = "mx.microsoft.com";

/// Microsoft's settings, or `None` when no client id is set (Outlook is then not offered).
pub(super) fn load(
    source: &Source,
    app_origin: &Url,
) -> Result<Option<MicrosoftConfig>, ConfigError> {
    let Some(client_id) = source.get("MICROSOFT_CLIENT_ID") else {
        return Ok(None);
    };
    let client_secret = SecretString::from(
        source
            .get("MICROSOFT_CLIENT_SECRET")
            .ok_or_else(|| {
                ConfigError::new(
                    "MICROSOFT_CLIENT_SECRET",
                    "is not set (MICROSOFT_CLIENT_ID is)",
                    "set it to the app registration's client secret, or unset MICROSOFT_CLIENT_ID",
                )
            })?
            .to_owned(),
    );
    let default_redirect = app_origin
        .join("/auth/outlook/callback")
        .expect("origin joins a path");
    Ok(Some(MicrosoftConfig {
        client_id: client_id.to_owned(),
        client_secret,
        redirect_uri: url_var(source, "MICROSOFT_REDIRECT_URI", default_redirect.as_str())?,
        auth_url: url_var(
            source,
            "MICROSOFT_AUTH_URL",
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        )?,
        token_url: url_var(
            source,
            "MICROSOFT_TOKEN_URL",
            "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        )?,
        graph_api_url: url_var(source, "GRAPH_API_URL", "https://graph.microsoft.com/v1.0")?,
        authserv_id: authserv_id(source)?,
    }))
}

/// `OUTLOOK_AUTHSERV_ID`: a host name (letters, digits, dots and hyphens).
fn authserv_id(source: &Source) -> Result<String, ConfigError> {
    let raw = source
        .get("OUTLOOK_AUTHSERV_ID")
        .unwrap_or(OUTLOOK_AUTHSERV_ID);
    let valid = !raw.is_empty()
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if valid {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(ConfigError::new(
            "OUTLOOK_AUTHSERV_ID",
            format!("is not a host name: {raw:?}"),
            format!(
                "set it to the authserv-id Outlook stamps on received mail (default {OUTLOOK_AUTHSERV_ID})"
            ),
        ))
    }
}
