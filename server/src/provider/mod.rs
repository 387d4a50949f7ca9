//! The mail providers' HTTP clients. Every URL comes from configuration, so tests and the local
//! demo use the fake Google in `end2end/`. Errors are classified, never passed on as text: a
//! provider's error body or a token must not reach a log line or the browser.

pub mod gmail;
pub mod google;
pub mod microsoft;
pub mod oauth;

pub use oauth::{Identity, IdentityError, TokenError, Tokens, http_client};

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
