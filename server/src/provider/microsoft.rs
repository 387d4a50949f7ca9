//! Microsoft's identity platform (v2 endpoints: Outlook.com and Microsoft 365 accounts) and
//! Graph's `/me`, through the `oauth2` crate over the shared `reqwest` client. Every URL comes
//! from configuration, so tests use a fake Microsoft.
//!
//! Two differences from Google matter to callers: every refresh answers with a new refresh
//! token (the old one stays valid for a while, so a lost answer can be retried with it), and
//! there is no endpoint to revoke one app's grant: the user removes it in their account.

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use super::oauth::{self, Client, Identity, IdentityError, Registration, TokenError, Tokens};
use crate::config::MicrosoftConfig;

/// Reading mail through Graph.
pub const MAIL_READ: &str = "https://graph.microsoft.com/Mail.Read";
pub const SCOPES: [&str; 5] = ["openid", "email", "profile", "offline_access", MAIL_READ];

/// Microsoft's error codes that mean the user must sign in again: multi-factor or conditional
/// access now required, consent withdrawn, or the app disabled or removed in the user's own
/// tenant (`unauthorized_client`, e.g. AADSTS700016): one tenant's decision, not a fault of our
/// client, so it marks that account and does not pause every Outlook refresh.
const DEAD_GRANT: &[&str] = &[
    "interaction_required",
    "consent_required",
    "unauthorized_client",
];

/// Whether granted scopes include reading mail. Microsoft lists Graph's scopes with or without
/// Graph's address in front (`Mail.Read`), in any case.
pub fn grants_mail_read(scopes: &[String]) -> bool {
    scopes.iter().any(|scope| {
        let name = scope
            .strip_prefix("https://graph.microsoft.com/")
            .unwrap_or(scope);
        name.eq_ignore_ascii_case("Mail.Read")
    })
}

#[derive(Clone)]
pub struct Microsoft {
    oauth: Client,
    http: reqwest::Client,
    me_url: Url,
}

impl Microsoft {
    pub fn new(config: &MicrosoftConfig, http: reqwest::Client) -> Self {
        let oauth = Registration {
            client_id: &config.client_id,
            client_secret: &config.client_secret,
            auth_url: &config.auth_url,
            token_url: &config.token_url,
            redirect_uri: &config.redirect_uri,
        }
        .client();
        let mut me_url = config.graph_api_url.clone();
        me_url
            .path_segments_mut()
            .expect("GRAPH_API_URL is an http(s) URL")
            .pop_if_empty()
            .push("me");
        me_url.set_query(Some("$select=id,mail,userPrincipalName"));
        Self {
            oauth,
            http,
            me_url,
        }
    }

    /// The consent URL for a new flow (the code in the query, the account picker shown), and
    /// the PKCE verifier to keep for the exchange.
    pub fn authorize_url(
        &self,
        state: &SecretString,
        login_hint: Option<&str>,
    ) -> (Url, SecretString) {
        let extra = [("response_mode", "query"), ("prompt", "select_account")];
        oauth::consent_url(&self.oauth, &SCOPES, &extra, state, login_hint)
    }

    pub async fn exchange_code(
        &self,
        code: SecretString,
        verifier: SecretString,
    ) -> Result<Tokens, TokenError> {
        oauth::exchange_code(&self.oauth, &self.http, code, verifier, DEAD_GRANT).await
    }

    /// Redeems a refresh token. The answer carries its successor, which must be stored in the
    /// same write as the access token.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Tokens, TokenError> {
        oauth::refresh(&self.oauth, &self.http, refresh_token, &SCOPES, DEAD_GRANT).await
    }

    /// Graph's `/me`: `id` is the stable subject, `mail` (else `userPrincipalName`) the address.
    /// An account with neither is refused.
    pub async fn identity(&self, access_token: &SecretString) -> Result<Identity, IdentityError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Me {
            id: String,
            mail: Option<String>,
            user_principal_name: Option<String>,
        }
        let me: Me = oauth::identity_document(&self.http, &self.me_url, access_token).await?;
        let address = [me.mail, me.user_principal_name]
            .into_iter()
            .flatten()
            .map(|a| a.trim().to_lowercase())
            .find(|a| a.contains('@'));
        match address {
            Some(email) if !me.id.is_empty() => Ok(Identity {
                subject: me.id,
                email,
            }),
            _ => Err(IdentityError::Unverified {
                subject: Some(me.id).filter(|id| !id.is_empty()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::time::Duration;
    use wiremock::matchers::{body_string_contains, header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn microsoft(server: &MockServer) -> Microsoft {
        let base = Url::parse(&server.uri()).unwrap();
        let config = MicrosoftConfig {
            client_id: "ms-client".into(),
            client_secret: SecretString::from("ms-secret"),
            redirect_uri: Url::parse("http://127.0.0.1:3000/auth/outlook/callback").unwrap(),
            auth_url: base.join("/common/oauth2/v2.0/authorize").unwrap(),
            token_url: base.join("/common/oauth2/v2.0/token").unwrap(),
            graph_api_url: base.join("/v1.0").unwrap(),
            authserv_id: crate::config::OUTLOOK_AUTHSERV_ID.into(),
        };
        Microsoft::new(&config, crate::provider::http_client())
    }

    #[tokio::test]
    async fn the_consent_url_asks_for_mail_offline_and_pkce() {
        let server = MockServer::start().await;
        let state = SecretString::from("the-state");
        let (url, verifier) = microsoft(&server)
            .await
            .authorize_url(&state, Some("ada@outlook.com"));
        let params: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(url.path(), "/common/oauth2/v2.0/authorize");
        assert_eq!(params["client_id"], "ms-client");
        assert_eq!(params["response_type"], "code");
        assert_eq!(params["state"], "the-state");
        assert_eq!(params["scope"], SCOPES.join(" "));
        assert_eq!(params["code_challenge_method"], "S256");
        assert_eq!(params["login_hint"], "ada@outlook.com");
        assert_eq!(
            params["redirect_uri"],
            "http://127.0.0.1:3000/auth/outlook/callback"
        );
        assert!(verifier.expose_secret().len() >= 43);
    }

    #[tokio::test]
    async fn a_refresh_returns_the_rotated_refresh_token() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/common/oauth2/v2.0/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .and(body_string_contains("refresh_token=old-refresh"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "token_type": "Bearer", "expires_in": 3599, "access_token": "new-access",
                "refresh_token": "next-refresh",
                "scope": "https://graph.microsoft.com/Mail.Read openid email profile",
            })))
            .expect(1)
            .mount(&server)
            .await;
        let tokens = microsoft(&server)
            .await
            .refresh(&SecretString::from("old-refresh"))
            .await
            .unwrap();
        assert_eq!(tokens.access_token.expose_secret(), "new-access");
        assert_eq!(
            tokens.refresh_token.unwrap().expose_secret(),
            "next-refresh"
        );
        assert_eq!(tokens.expires_in, Duration::from_secs(3599));
        assert!(grants_mail_read(&tokens.scopes.unwrap()));
    }

    #[tokio::test]
    async fn refusals_are_classified() {
        let server = MockServer::start().await;
        for (code, refresh) in [
            ("invalid_grant", "expired"),
            ("interaction_required", "needs-mfa"),
            ("unauthorized_client", "app-gone-in-tenant"),
            ("invalid_client", "bad-client"),
            ("temporarily_unavailable", "busy"),
        ] {
            Mock::given(method("POST"))
                .and(body_string_contains(format!("refresh_token={refresh}")))
                .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                    "error": code, "error_description": "AADSTS70000: details",
                })))
                .mount(&server)
                .await;
        }
        let ms = microsoft(&server).await;
        let refresh = |token: &'static str| {
            let ms = ms.clone();
            async move { ms.refresh(&SecretString::from(token)).await }
        };
        assert!(matches!(
            refresh("expired").await,
            Err(TokenError::InvalidGrant(_))
        ));
        assert!(matches!(
            refresh("needs-mfa").await,
            Err(TokenError::InvalidGrant(_))
        ));
        assert!(matches!(
            refresh("app-gone-in-tenant").await,
            Err(TokenError::InvalidGrant(_))
        ));
        assert!(matches!(
            refresh("bad-client").await,
            Err(TokenError::InvalidClient(_))
        ));
        assert!(matches!(
            refresh("busy").await,
            Err(TokenError::Transient(_))
        ));
    }

    #[tokio::test]
    async fn the_identity_is_graphs_id_and_address() {
        let server = MockServer::start().await;
        let me = |token: &str, body: serde_json::Value| {
            Mock::given(method("GET"))
                .and(path("/v1.0/me"))
                .and(query_param("$select", "id,mail,userPrincipalName"))
                .and(header("authorization", format!("Bearer {token}").as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
        };
        me(
            "with-mail",
            serde_json::json!({"id": "00-1", "mail": "Ada@Contoso.com", "userPrincipalName": "ada@contoso.onmicrosoft.com"}),
        )
        .mount(&server)
        .await;
        me(
            "personal",
            serde_json::json!({"id": "00-2", "mail": null, "userPrincipalName": "grace@outlook.com"}),
        )
        .mount(&server)
        .await;
        me(
            "no-address",
            serde_json::json!({"id": "00-3", "mail": null, "userPrincipalName": "not-an-address"}),
        )
        .mount(&server)
        .await;
        let ms = microsoft(&server).await;
        let identity = |token: &'static str| {
            let ms = ms.clone();
            async move { ms.identity(&SecretString::from(token)).await }
        };
        assert_eq!(
            identity("with-mail").await.unwrap(),
            Identity {
                subject: "00-1".into(),
                email: "ada@contoso.com".into()
            }
        );
        assert_eq!(
            identity("personal").await.unwrap().email,
            "grace@outlook.com"
        );
        assert!(matches!(
            identity("no-address").await,
            Err(IdentityError::Unverified { subject: Some(s) }) if s == "00-3"
        ));
        assert!(matches!(
            identity("unknown-token").await,
            Err(IdentityError::Failed(_))
        ));
    }

    #[test]
    fn mail_read_is_recognised_in_either_spelling() {
        let scopes = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(grants_mail_read(&scopes(&["openid", MAIL_READ])));
        assert!(grants_mail_read(&scopes(&["mail.read", "User.Read"])));
        assert!(!grants_mail_read(&scopes(&[
            "openid",
            "Mail.ReadWrite.Shared"
        ])));
        assert!(!grants_mail_read(&scopes(&[
            "https://outlook.office.com/Mail.Read2"
        ])));
        assert!(!grants_mail_read(&[]));
    }
}
