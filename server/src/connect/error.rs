//! Every way connecting Gmail can fail, each with what the user reads, what the audit trail
//! records and the HTTP status of the popup's result page.

use http::StatusCode;

use crate::provider::TokenError;

pub const CANCELLED: &str = "Gmail connection cancelled";
pub const PERMISSION_MISSING: &str =
    "Gmail permission was not granted. Tick the Gmail box to connect.";
const INVALID_LINK: &str =
    "This connection link is not valid. Please start again from your connections page.";
const EXPIRED_LINK: &str = "This connection attempt expired. Please try again.";
const USED_LINK: &str = "This connection link was already used. Please try again.";
const SIGN_IN_FIRST: &str = "Please sign in again, then connect Gmail.";
const EXCHANGE_FAILED: &str = "Could not complete the connection with Google. Please try again.";
const UNVERIFIED: &str =
    "Google did not confirm this account's email address, so it was not connected.";
const NO_OFFLINE_ACCESS: &str = "Google did not grant offline access; press Connect Gmail again.";
const TOO_MANY: &str = "Too many connection attempts, try again in a minute.";
const OUR_FAULT: &str = "Something went wrong on our side. Please try again.";

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
    /// Google redirected back with another `error` (at most 100 characters of it kept).
    ProviderError(String),
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
    /// What the result page says. Plain text: the page escapes it.
    pub fn user_message(&self) -> String {
        match self {
            Self::SignInFirst => SIGN_IN_FIRST.into(),
            Self::InvalidLink => INVALID_LINK.into(),
            Self::ExpiredLink => EXPIRED_LINK.into(),
            Self::UsedLink => USED_LINK.into(),
            Self::Cancelled => CANCELLED.into(),
            Self::ProviderError(error) => format!("Google reported an error: {error}"),
            Self::MissingCode
            | Self::VerifierUnavailable
            | Self::Exchange(_)
            | Self::IdentityFailed => EXCHANGE_FAILED.into(),
            Self::PermissionMissing => PERMISSION_MISSING.into(),
            Self::Unverified => UNVERIFIED.into(),
            Self::WrongAccount { expected, other } => format!(
                "That Google account is {other}, not {expected}. Sign in to Google as {expected} to reconnect it."
            ),
            Self::NoOfflineAccess => NO_OFFLINE_ACCESS.into(),
            Self::TooManyAttempts => TOO_MANY.into(),
            Self::Internal => OUR_FAULT.into(),
        }
    }

    /// What the audit trail records (never a secret, never Google's text beyond the error code).
    pub fn audit_note(&self) -> &'static str {
        match self {
            Self::SignInFirst => "no session",
            Self::InvalidLink => "invalid state",
            Self::ExpiredLink => "expired state",
            Self::UsedLink => "state already used",
            Self::Cancelled => "access_denied",
            Self::ProviderError(_) => "provider error",
            Self::MissingCode => "callback without a code",
            Self::VerifierUnavailable => "verifier unavailable",
            Self::Exchange(TokenError::InvalidGrant(_)) => "code exchange refused",
            Self::Exchange(TokenError::InvalidClient(_)) => "OAuth client rejected",
            Self::Exchange(TokenError::Transient(_)) => "token endpoint unavailable",
            Self::PermissionMissing => "gmail scope not granted",
            Self::Unverified => "email missing or unverified",
            Self::IdentityFailed => "userinfo failed",
            Self::WrongAccount { .. } => "reconnect consented with another Google account",
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
            Self::Exchange(_) => StatusCode::BAD_GATEWAY,
            Self::WrongAccount { .. } => StatusCode::CONFLICT,
            Self::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            Self::VerifierUnavailable | Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Cancelled
            | Self::ProviderError(_)
            | Self::PermissionMissing
            | Self::Unverified
            | Self::NoOfflineAccess
            | Self::IdentityFailed => StatusCode::OK,
        }
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
            wrong.user_message(),
            "That Google account is bob@example.com, not ada@example.com. Sign in to Google as ada@example.com to reconnect it."
        );
        assert_eq!(wrong.status(), StatusCode::CONFLICT);
        assert_eq!(ConnectError::Cancelled.user_message(), CANCELLED);
        assert_eq!(ConnectError::Cancelled.status(), StatusCode::OK);
        assert_eq!(ConnectError::InvalidLink.status(), StatusCode::BAD_REQUEST);
        let exchange = ConnectError::Exchange(TokenError::Transient("x".into()));
        assert_eq!(exchange.audit_note(), "token endpoint unavailable");
        assert_eq!(exchange.status(), StatusCode::BAD_GATEWAY);
    }
}
