//! Outlook mail through Microsoft Graph (v1.0), the two calls a sync makes, by hand with reqwest
//! and serde: one page of `/me/messages` received since a time (id, sender and received time
//! only), and one message's MIME (`/me/messages/{id}/$value`); and push's change-notification
//! subscriptions ([`subscriptions`]).
//!
//! Ids are asked for as immutable (`Prefer: IdType="ImmutableId"`): Graph's default ids change
//! when a message moves to another folder, and a moved alert must not count as a new one.
//!
//! Graph lets an app make 10,000 requests per 10 minutes to one mailbox and 4 at once. Every
//! call first waits on the account's limiter (16 a second); [`CONCURRENT_CALLS`] is what a
//! sync may have in flight. Failures come back classified ([`MailError`]).

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use super::describe;
use super::mail::{MAX_MESSAGE_BYTES, MailError, read_body, retry_after};

pub mod subscriptions;

/// Requests one mailbox may have in flight at Graph.
pub const CONCURRENT_CALLS: usize = 4;
/// Requests a second to one mailbox (Graph's 10,000 per 10 minutes, rounded down).
pub const CALLS_PER_SECOND: u32 = 16;
/// Messages a list page asks for.
const PAGE_SIZE: u32 = 100;
/// A listed message: its id, and the sender's address when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub sender: Option<String>,
}

/// One page of messages, and where the next one is.
#[derive(Debug, Clone, Default)]
pub struct MessagePage {
    pub messages: Vec<Listed>,
    pub next: Option<Url>,
}

#[derive(Deserialize)]
struct ListBody {
    #[serde(default)]
    value: Vec<GraphMessage>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
struct GraphMessage {
    id: String,
    from: Option<Recipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: Option<EmailAddress>,
}

#[derive(Deserialize)]
struct EmailAddress {
    address: Option<String>,
}

#[derive(Clone)]
pub struct Outlook {
    http: reqwest::Client,
    base: Url,
    limiter: Arc<DefaultKeyedRateLimiter<i32>>,
}

impl Outlook {
    /// `base` is `GRAPH_API_URL` (`https://graph.microsoft.com/v1.0`).
    pub fn new(http: reqwest::Client, base: Url) -> Self {
        let per_second = NonZeroU32::new(CALLS_PER_SECOND).expect("non-zero");
        Self {
            http,
            base,
            limiter: Arc::new(RateLimiter::keyed(Quota::per_second(per_second))),
        }
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("GRAPH_API_URL is an http(s) URL")
            .pop_if_empty()
            .push("me")
            .extend(segments);
        url
    }

    /// Whether `next` (a page link Graph handed out) points into Graph itself: the bearer
    /// token goes nowhere else.
    fn is_graph(&self, next: &Url) -> bool {
        next.origin() == self.base.origin() && next.path().starts_with(self.base.path())
    }

    async fn get(
        &self,
        account_id: i32,
        token: &SecretString,
        url: Url,
    ) -> Result<reqwest::Response, MailError> {
        let request = self
            .http
            .get(url)
            .header("prefer", r#"IdType="ImmutableId""#);
        self.send(account_id, token, request).await
    }

    /// One call, paced by the account's limiter; its failure classified.
    async fn send(
        &self,
        account_id: i32,
        token: &SecretString,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, MailError> {
        self.limiter.until_key_ready(&account_id).await;
        let response = request
            .bearer_auth(token.expose_secret())
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| MailError::Unavailable(describe(&e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after(&response);
        Err(match status {
            // Graph throttles with a 503 too, and then says when to come back.
            StatusCode::SERVICE_UNAVAILABLE if retry_after.is_some() => {
                MailError::RateLimited { retry_after }
            }
            status => MailError::from_status(status, retry_after),
        })
    }

    /// The first page of messages received at or after `since` (epoch seconds), newest
    /// first, or the page at `next` when following a page link.
    pub async fn messages(
        &self,
        account_id: i32,
        token: &SecretString,
        since: i64,
        next: Option<&Url>,
    ) -> Result<MessagePage, MailError> {
        let url = match next {
            Some(next) if self.is_graph(next) => next.clone(),
            Some(_) => return Err(MailError::Refused("a page link outside Graph".into())),
            None => {
                let since = OffsetDateTime::from_unix_timestamp(since)
                    .ok()
                    .and_then(|t| t.format(&Rfc3339).ok())
                    .ok_or_else(|| MailError::Refused("a time out of range".into()))?;
                let mut url = self.url(&["messages"]);
                url.query_pairs_mut()
                    .append_pair("$select", "id,from,receivedDateTime")
                    .append_pair("$filter", &format!("receivedDateTime ge {since}"))
                    .append_pair("$orderby", "receivedDateTime desc")
                    .append_pair("$top", &PAGE_SIZE.to_string());
                url
            }
        };
        let body: ListBody = self
            .get(account_id, token, url)
            .await?
            .json()
            .await
            .map_err(|_| MailError::Unavailable("unreadable answer".into()))?;
        let next = match body.next_link {
            Some(link) => Some(
                Url::parse(&link).map_err(|_| MailError::Refused("unreadable page link".into()))?,
            ),
            None => None,
        };
        let messages = body
            .value
            .into_iter()
            .map(|m| Listed {
                id: m.id,
                sender: m.from.and_then(|f| f.email_address?.address),
            })
            .collect();
        Ok(MessagePage { messages, next })
    }

    /// One message's MIME bytes, as Outlook holds it; refused when over [`MAX_MESSAGE_BYTES`].
    pub async fn mime(
        &self,
        account_id: i32,
        token: &SecretString,
        message_id: &str,
    ) -> Result<Vec<u8>, MailError> {
        let url = self.url(&["messages", message_id, "$value"]);
        let response = self.get(account_id, token, url).await?;
        read_body(response, MAX_MESSAGE_BYTES).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    fn token() -> SecretString {
        SecretString::from("graph-token")
    }

    async fn outlook(server: &MockServer) -> Outlook {
        let base = Url::parse(&format!("{}/v1.0", server.uri())).unwrap();
        Outlook::new(reqwest::Client::new(), base)
    }

    #[tokio::test]
    async fn lists_received_mail_with_sender_and_next_page() {
        let server = MockServer::start().await;
        let next = format!("{}/v1.0/me/messages?$skip=100", server.uri());
        Mock::given(method("GET"))
            .and(path("/v1.0/me/messages"))
            .and(header("authorization", "Bearer graph-token"))
            .and(query_param("$select", "id,from,receivedDateTime"))
            .and(query_param(
                "$filter",
                "receivedDateTime ge 2025-11-01T00:00:00Z",
            ))
            .and(query_param("$top", "100"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "value": [
                    {"id": "AAMk1=", "from": {"emailAddress": {"name": "BAC", "address": "notificacion@notificacionesbaccr.com"}},
                     "receivedDateTime": "2026-11-02T10:00:00Z"},
                    {"id": "AAMk2="}
                ],
                "@odata.nextLink": next,
            })))
            .expect(1)
            .mount(&server)
            .await;
        let page = outlook(&server)
            .await
            .messages(1, &token(), 1_761_955_200, None)
            .await
            .unwrap();
        assert_eq!(
            page.messages,
            [
                Listed {
                    id: "AAMk1=".into(),
                    sender: Some("notificacion@notificacionesbaccr.com".into())
                },
                Listed {
                    id: "AAMk2=".into(),
                    sender: None
                }
            ]
        );
        assert_eq!(page.next.unwrap().as_str(), next);
    }

    #[tokio::test]
    async fn a_page_link_outside_graph_is_refused_without_a_call() {
        let server = MockServer::start().await;
        let elsewhere = Url::parse("https://evil.example/v1.0/me/messages?$skip=100").unwrap();
        let error = outlook(&server)
            .await
            .messages(1, &token(), 0, Some(&elsewhere))
            .await
            .unwrap_err();
        assert!(matches!(error, MailError::Refused(_)), "{error:?}");
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn mime_is_read_from_value_and_throttling_is_classified() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1.0/me/messages/AAMk%2Fa=/$value"))
            .respond_with(
                ResponseTemplate::new(200).set_body_bytes(b"From: a@b.c\r\n\r\nhi".to_vec()),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1.0/me/messages/busy/$value"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
            .mount(&server)
            .await;
        let outlook = outlook(&server).await;
        let raw = outlook.mime(1, &token(), "AAMk/a=").await.unwrap();
        assert_eq!(raw, b"From: a@b.c\r\n\r\nhi");
        assert_eq!(
            outlook.mime(1, &token(), "busy").await.unwrap_err(),
            MailError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(
            outlook.mime(1, &token(), "gone").await.unwrap_err(),
            MailError::NotFound
        );
    }

    #[tokio::test]
    async fn an_oversized_message_is_refused() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1.0/me/messages/huge/$value"))
            .respond_with(
                ResponseTemplate::new(200).set_body_bytes(vec![b'x'; MAX_MESSAGE_BYTES + 1]),
            )
            .mount(&server)
            .await;
        let error = outlook(&server)
            .await
            .mime(1, &token(), "huge")
            .await
            .unwrap_err();
        assert_eq!(error, MailError::TooLarge);
    }
}
