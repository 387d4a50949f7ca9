//! What the mail APIs (Gmail, Graph) have in common: how a failed call is classified, for the
//! sync to retry, renew its token, skip a message or give up.

use std::time::Duration;

use reqwest::StatusCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// 401: the access token was refused.
    #[error("the access token was refused")]
    Unauthorized,
    /// 404: no such message, or (for Gmail's history) a start id too old to answer from.
    #[error("not found")]
    NotFound,
    /// 429 (or the provider's own way of saying it), with `Retry-After` when given.
    #[error("rate limited")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, a network failure, a timeout, an answer cut off or unreadable: worth retrying.
    #[error("the mail service is unavailable ({0})")]
    Unavailable(String),
    /// 403: the grant no longer lets us read the mailbox (a permission taken away, the API
    /// turned off for the account).
    #[error("the mail service forbids reading this mailbox")]
    Forbidden,
    /// A message over [`MAX_MESSAGE_BYTES`]: skipped unread.
    #[error("a message over 10 MiB")]
    TooLarge,
    /// Anything else (400, a request we could not make).
    #[error("the mail service refused the request ({0})")]
    Refused(String),
}

impl MailError {
    /// The class of an unsuccessful status.
    pub fn from_status(status: StatusCode, retry_after: Option<Duration>) -> Self {
        match status {
            StatusCode::UNAUTHORIZED => Self::Unauthorized,
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::FORBIDDEN => Self::Forbidden,
            StatusCode::TOO_MANY_REQUESTS => Self::RateLimited { retry_after },
            s if s.is_server_error() => Self::Unavailable(format!("status {s}")),
            s => Self::Refused(format!("status {s}")),
        }
    }
}

/// The largest message fetched (Gmail's raw form, Graph's MIME): a larger one is skipped unread.
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// A successful answer's body, read up to `limit` bytes: a longer one is refused (`TooLarge`)
/// without reading the rest, and a body cut off on the way is a transient failure.
pub async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, MailError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(MailError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| MailError::Unavailable(super::describe(&e)))?
    {
        if body.len() + chunk.len() > limit {
            return Err(MailError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `Retry-After` in seconds (the form Google and Microsoft send).
pub fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        let wait = Some(Duration::from_secs(3));
        assert_eq!(
            MailError::from_status(StatusCode::TOO_MANY_REQUESTS, wait),
            MailError::RateLimited { retry_after: wait }
        );
        assert!(matches!(
            MailError::from_status(StatusCode::SERVICE_UNAVAILABLE, wait),
            MailError::Unavailable(_)
        ));
        assert_eq!(
            MailError::from_status(StatusCode::UNAUTHORIZED, None),
            MailError::Unauthorized
        );
        assert_eq!(
            MailError::from_status(StatusCode::FORBIDDEN, None),
            MailError::Forbidden
        );
        assert!(matches!(
            MailError::from_status(StatusCode::BAD_REQUEST, None),
            MailError::Refused(_)
        ));
    }
}
