//! The one error type every server function returns.
//!
//! Its variants carry only text meant for the user. Internal causes (database, OAuth, I/O) are
//! logged on the server and reach the browser as [`AppError::Internal`], never as their own text.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input: the message says what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("That item was not found.")]
    NotFound,
    #[error("Too many attempts, try again in a minute.")]
    TooManyAttempts,
    /// Asked again too soon: the message says when it can be done.
    #[error("{0}")]
    TooSoon(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request did not reach the server function or its answer could not be read.
    #[error("Could not reach the server. Please try again.")]
    Transport,
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// The HTTP status a server function answers with when it fails this way.
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::TooManyAttempts | AppError::TooSoon(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal | AppError::Transport => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_value: ServerFnErrorErr) -> Self {
        // The framework's error text can name internals; the user gets the generic message.
        AppError::Transport
    }
}
