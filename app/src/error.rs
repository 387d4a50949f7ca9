//! The one error type every server function returns.
//!
//! Its variants carry only text meant for the user. Internal causes (database, OAuth, I/O) are
//! logged on the server and reach the browser as [`AppError::Internal`], never as their own text.

use std::fmt;

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::i18n::Lang;

/// Shown in the page's language: the server writes the texts it carries in the request's, and
/// the fixed ones are in both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    /// Bad input: the message says what to fix.
    Invalid(String),
    Unauthorized,
    NotFound,
    TooManyAttempts,
    /// Asked again too soon: the message says when it can be done.
    TooSoon(String),
    Internal,
    /// The request did not reach the server function or its answer could not be read.
    Transport,
}

impl AppError {
    /// What the user reads, in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match (self, lang) {
            (AppError::Invalid(text) | AppError::TooSoon(text), _) => text,
            (AppError::Unauthorized, Lang::Es) => "Inicie sesión para continuar.",
            (AppError::Unauthorized, Lang::En) => "Please sign in to continue.",
            (AppError::NotFound, Lang::Es) => "No se encontró.",
            (AppError::NotFound, Lang::En) => "That item was not found.",
            (AppError::TooManyAttempts, Lang::Es) => {
                "Demasiados intentos; inténtelo de nuevo en un minuto."
            }
            (AppError::TooManyAttempts, Lang::En) => "Too many attempts, try again in a minute.",
            (AppError::Internal, Lang::Es) => "Algo falló de nuestro lado. Inténtelo de nuevo.",
            (AppError::Internal, Lang::En) => "Something went wrong on our side. Please try again.",
            (AppError::Transport, Lang::Es) => {
                "No se pudo comunicar con el servidor. Inténtelo de nuevo."
            }
            (AppError::Transport, Lang::En) => "Could not reach the server. Please try again.",
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message(Lang::current()))
    }
}

impl std::error::Error for AppError {}

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
