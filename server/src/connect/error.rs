//! Every way connecting a mailbox can fail, each with what the user reads (in the provider's
//! words: "Gmail", "Google"; "Outlook", "Microsoft"), what the audit trail records and the HTTP
//! status of the popup's result page.

use http::StatusCode;

use app::error::AppError;
use app::i18n::{Lang, Text};

use super::ServiceName;
use crate::entities::email_accounts::Provider;
use crate::provider::TokenError;

#[derive(Debug)]
pub enum ConnectError {
    /// No signed-in session.
    SignInFirst,
    /// A missing, unknown, duplicated or other-session `state` (or a malformed request).
    InvalidLink,
    ExpiredLink,
    UsedLink,
    /// The user pressed Cancel on Google's consent screen.
    Cancelled,
    /// The provider redirected back with `server_error` or `temporarily_unavailable`.
    ProviderUnavailable,
    /// The provider redirected back with another `error` (its text is never kept or shown).
    ProviderError,
    /// The provider refused our OAuth client (`invalid_client`, `unauthorized_client`, and the
    /// like, at the consent or the code exchange): an operator must fix the configuration.
    Misconfigured,
    MissingCode,
    /// The flow's PKCE verifier cannot be opened (its key is gone).
    VerifierUnavailable,
    Exchange(TokenError),
    /// The Gmail box was left unticked.
    PermissionMissing,
    /// Google did not vouch for the account's email address.
    Unverified,
    IdentityFailed,
    /// A reconnect was consented with another Google account than the one it was for.
    WrongAccount {
        expected: String,
        other: String,
    },
    /// A first connection without a refresh token: it would stop working within the hour.
    NoOfflineAccess,
    /// Over the per-user limit of connect attempts.
    TooManyAttempts,
    /// Ours: a database failure, logged with its context where it happened.
    Internal,
}

impl ConnectError {
    /// What the result page says, in `lang`. Plain text: the page escapes it.
    pub fn user_message(&self, provider: Provider, lang: Lang) -> String {
        let (mail, company) = (provider.service().name(), provider.company());
        let text = |text: Text| lang.t(text).to_owned();
        match self {
            Self::SignInFirst => lang.sign_in_then_connect(mail),
            Self::InvalidLink => text(Text::InvalidConnectLink),
            Self::ExpiredLink => text(Text::ExpiredConnectLink),
            Self::UsedLink => text(Text::UsedConnectLink),
            Self::Cancelled => lang
                .t(Text::ServiceConnectionCancelled)
                .replacen("{}", mail, 1),
            Self::ProviderUnavailable => lang.company_unavailable(company),
            Self::Misconfigured => text(Text::Misconfigured),
            Self::ProviderError
            | Self::MissingCode
            | Self::VerifierUnavailable
            | Self::Exchange(_)
            | Self::IdentityFailed => lang.connection_not_completed(company),
            Self::PermissionMissing => match provider {
                Provider::Google => text(Text::GmailPermissionMissing),
                Provider::Microsoft => text(Text::OutlookPermissionMissing),
            },
            Self::Unverified => lang.address_unverified(company),
            Self::WrongAccount { expected, other } => lang.wrong_account(company, other, expected),
            Self::NoOfflineAccess => lang.no_offline_access(company, mail),
            Self::TooManyAttempts => text(Text::TooManyConnectAttempts),
            Self::Internal => AppError::Internal.message(lang).to_owned(),
        }
    }

    /// What the audit trail records (never a secret, never the provider's text beyond the error
    /// code).
    pub fn audit_note(&self) -> &'static str {
        match self {
            Self::SignInFirst => "no session",
            Self::InvalidLink => "invalid state",
            Self::ExpiredLink => "expired state",
            Self::UsedLink => "state already used",
            Self::Cancelled => "access_denied",
            Self::ProviderUnavailable => "provider unavailable",
            Self::ProviderError => "provider error",
            Self::Misconfigured => "OAuth client rejected",
            Self::MissingCode => "callback without a code",
            Self::VerifierUnavailable => "verifier unavailable",
            Self::Exchange(TokenError::InvalidGrant(_)) => "code exchange refused",
            Self::Exchange(TokenError::InvalidClient(_)) => "OAuth client rejected",
            Self::Exchange(TokenError::Transient(_)) => "token endpoint unavailable",
            Self::PermissionMissing => "mail scope not granted",
            Self::Unverified => "email missing or unverified",
            Self::IdentityFailed => "identity lookup failed",
            Self::WrongAccount { .. } => "reconnect consented with another account",
            Self::NoOfflineAccess => "no refresh token on a first connection",
            Self::TooManyAttempts => "too many connect attempts",
            Self::Internal => "internal error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::SignInFirst => StatusCode::UNAUTHORIZED,
            Self::InvalidLink | Self::ExpiredLink | Self::UsedLink | Self::MissingCode => {
                StatusCode::BAD_REQUEST
            }
            Self::Exchange(_) | Self::ProviderUnavailable => StatusCode::BAD_GATEWAY,
            Self::Misconfigured => StatusCode::SERVICE_UNAVAILABLE,
            Self::WrongAccount { .. } => StatusCode::CONFLICT,
            Self::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            Self::VerifierUnavailable | Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Cancelled
            | Self::ProviderError
            | Self::PermissionMissing
            | Self::Unverified
            | Self::NoOfflineAccess
            | Self::IdentityFailed => StatusCode::OK,
        }
    }

    /// The provider's `error` on the callback, by class: only `error` codes of RFC 6749 and
    /// OpenID Connect are told apart, and none of the provider's text is kept.
    pub fn from_callback(provider: Provider, error: &str) -> Self {
        match error {
            "access_denied" => Self::Cancelled,
            "server_error" | "temporarily_unavailable" => Self::ProviderUnavailable,
            "invalid_client"
            | "unauthorized_client"
            | "invalid_request"
            | "invalid_scope"
            | "unsupported_response_type" => Self::misconfigured(provider, "consent"),
            _ => Self::ProviderError,
        }
    }

    /// The provider refused our OAuth client at `stage` ("consent", "code exchange"): one
    /// log line and a count for the operator, a fixed message for the user.
    pub fn misconfigured(provider: Provider, stage: &'static str) -> Self {
        tracing::error!(
            provider = provider.company(),
            stage,
            "the provider refused our OAuth client: check its client id, secret and redirect URI"
        );
        metrics::counter!(
            "mailconnect_oauth_misconfigured_total",
            "provider" => provider.company(),
            "stage" => stage,
        )
        .increment(1);
        Self::Misconfigured
    }

    /// Logs a failure of ours with its context and stands for it.
    pub fn internal(context: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "{context}");
        Self::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_words_note_and_status() {
        let wrong = ConnectError::WrongAccount {
            expected: "ada@example.com".into(),
            other: "bob@example.com".into(),
        };
        assert_eq!(
            wrong.user_message(Provider::Google, Lang::En),
            "That Google account is bob@example.com, not ada@example.com. Sign in to Google as ada@example.com to reconnect it."
        );
        assert_eq!(wrong.status(), StatusCode::CONFLICT);
        let cancel = ConnectError::Cancelled;
        assert_eq!(
            cancel.user_message(Provider::Google, Lang::En),
            "Gmail connection cancelled"
        );
        assert_eq!(
            cancel.user_message(Provider::Microsoft, Lang::En),
            "Outlook connection cancelled"
        );
        assert_eq!(
            ConnectError::PermissionMissing.user_message(Provider::Google, Lang::En),
            "Gmail permission was not granted. Tick the Gmail box to connect."
        );
        assert_eq!(
            ConnectError::PermissionMissing.user_message(Provider::Microsoft, Lang::En),
            "Outlook mail permission was not granted."
        );
        assert_eq!(
            ConnectError::NoOfflineAccess.user_message(Provider::Google, Lang::En),
            "Google did not grant offline access; press Connect Gmail again."
        );
        assert_eq!(
            ConnectError::IdentityFailed.user_message(Provider::Microsoft, Lang::En),
            "Could not complete the connection with Microsoft. Please try again."
        );
        assert_eq!(ConnectError::Cancelled.status(), StatusCode::OK);
        assert_eq!(ConnectError::InvalidLink.status(), StatusCode::BAD_REQUEST);
        let exchange = ConnectError::Exchange(TokenError::Transient("x".into()));
        assert_eq!(exchange.audit_note(), "token endpoint unavailable");
        assert_eq!(exchange.status(), StatusCode::BAD_GATEWAY);
    }
}
