//! The Gmail REST API (v1), the calls a sync makes, by hand with reqwest and serde:
//! `users.getProfile`, `users.messages.list`, `users.messages.get` (`format=raw`, and
//! `format=metadata` for the From field alone) and `users.history.list`; and push's
//! `users.watch` and `users.stop`. Every call first waits for its quota units on the account's limiter,
//! so a mailbox stays under Gmail's 250 units per user per second however many tasks read it.
//!
//! Failures come back classified ([`MailError`]); retrying, and renewing a rejected token, is
//! the caller's business (`sync::mailbox`).

use std::num::NonZeroU32;
use std::sync::Arc;

use base64_simd::{URL_SAFE, URL_SAFE_NO_PAD};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::describe;
use super::mail::{MAX_MESSAGE_BYTES, MailError, read_body, retry_after};

/// Gmail's per-user quota.
pub const UNITS_PER_SECOND: u32 = 250;

/// One kind of call, with its quota cost in units (Gmail's published table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Profile,
    List,
    Get,
    /// `messages.get` of the From field alone.
    Metadata,
    History,
    Watch,
    Stop,
}

impl Call {
    pub fn units(self) -> u32 {
        match self {
            Call::Profile => 1,
            Call::List => 5,
            Call::Get | Call::Metadata => 5,
            Call::History => 2,
            Call::Watch => 100,
            Call::Stop => 50,
        }
    }

    /// The largest answer read: a raw message is base64 inside JSON (4/3 of its size and a
    /// little), the lists are small.
    fn max_answer_bytes(self) -> usize {
        match self {
            Call::Get => MAX_MESSAGE_BYTES / 3 * 4 + 64 * 1024,
            Call::Profile
            | Call::List
            | Call::Metadata
            | Call::History
            | Call::Watch
            | Call::Stop => 4 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub email_address: String,
    pub history_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MessageRef {
    pub id: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    #[serde(default)]
    pub history: Vec<HistoryRecord>,
    pub history_id: Option<String>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRecord {
    /// The record's own history id (records come oldest first).
    pub id: Option<String>,
    #[serde(default)]
    pub messages_added: Vec<MessageAdded>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MessageAdded {
    pub message: MessageRef,
}

/// A mailbox's watch: until when Gmail publishes its changes, and its history id then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// Unix seconds.
    pub expires_at: i64,
    pub history_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WatchBody {
    history_id: String,
    /// Milliseconds since the epoch, as a string.
    expiration: String,
}

#[derive(Deserialize)]
struct RawMessage {
    raw: String,
}

/// `messages.get?format=metadata`: only the header fields asked for.
#[derive(Deserialize)]
struct MetadataMessage {
    #[serde(default)]
    payload: Option<MetadataPayload>,
}

#[derive(Deserialize)]
struct MetadataPayload {
    #[serde(default)]
    headers: Vec<HeaderField>,
}

#[derive(Deserialize)]
struct HeaderField {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    #[serde(default)]
    reason: String,
}

#[derive(Clone)]
pub struct Gmail {
    http: reqwest::Client,
    base: Url,
    limiter: Arc<DefaultKeyedRateLimiter<i32>>,
}

impl Gmail {
    /// `base` is `GMAIL_API_URL` (`https://gmail.googleapis.com`).
    pub fn new(http: reqwest::Client, base: Url) -> Self {
        let per_second = NonZeroU32::new(UNITS_PER_SECOND).expect("non-zero");
        Self {
            http,
            base,
            limiter: Arc::new(RateLimiter::keyed(Quota::per_second(per_second))),
        }
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}/gmail/v1/users/me/{path}"));
        url
    }

    /// Waits until the account may spend `call`'s units.
    async fn spend(&self, account_id: i32, call: Call) {
        let units = NonZeroU32::new(call.units()).expect("every call costs units");
        // The quota's burst (250) is larger than any call, so this never reports "too large".
        let _ = self.limiter.until_key_n_ready(&account_id, units).await;
    }

    /// One call: its units spent, then the answer's body, or its failure classified.
    async fn call(
        &self,
        account_id: i32,
        call: Call,
        token: &SecretString,
        request: reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, MailError> {
        self.spend(account_id, call).await;
        let response = request
            .bearer_auth(token.expose_secret())
            .send()
            .await
            .map_err(|e| MailError::Unavailable(describe(&e)))?;
        let status = response.status();
        if status.is_success() {
            return read_body(response, call.max_answer_bytes()).await;
        }
        let retry_after = retry_after(&response);
        let body = response.json::<ErrorBody>().await.ok();
        let rate_reason = body.as_ref().is_some_and(|b| {
            b.error.errors.iter().any(|e| {
                matches!(
                    e.reason.as_str(),
                    "rateLimitExceeded" | "userRateLimitExceeded"
                )
            })
        });
        Err(match status {
            StatusCode::FORBIDDEN if rate_reason => MailError::RateLimited { retry_after },
            s => MailError::from_status(s, retry_after),
        })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        account_id: i32,
        call: Call,
        token: &SecretString,
        url: Url,
    ) -> Result<T, MailError> {
        let body = self
            .call(account_id, call, token, self.http.get(url))
            .await?;
        // A complete answer that does not parse is the service's fault, not the mail's.
        serde_json::from_slice(&body)
            .map_err(|_| MailError::Unavailable("unreadable answer".into()))
    }

    /// `users.watch` of the INBOX on `topic`: Gmail publishes the mailbox's changes there for
    /// about a week; watching again renews it.
    pub async fn watch(
        &self,
        account_id: i32,
        token: &SecretString,
        topic: &str,
    ) -> Result<Watch, MailError> {
        let body = serde_json::json!({
            "topicName": topic,
            "labelIds": ["INBOX"],
            "labelFilterBehavior": "INCLUDE",
        });
        let request = self.http.post(self.url("watch")).json(&body);
        let answer = self.call(account_id, Call::Watch, token, request).await?;
        let watch: WatchBody = serde_json::from_slice(&answer)
            .map_err(|_| MailError::Unavailable("unreadable answer".into()))?;
        let expires_ms: i64 = watch
            .expiration
            .parse()
            .map_err(|_| MailError::Unavailable("unreadable expiration".into()))?;
        Ok(Watch {
            expires_at: expires_ms / 1000,
            history_id: watch.history_id,
        })
    }

    /// `users.stop`: no more publishing for the mailbox.
    pub async fn stop(&self, account_id: i32, token: &SecretString) -> Result<(), MailError> {
        let request = self.http.post(self.url("stop"));
        self.call(account_id, Call::Stop, token, request).await?;
        Ok(())
    }

    /// `users.getProfile`: the mailbox's address and current historyId.
    pub async fn profile(
        &self,
        account_id: i32,
        token: &SecretString,
    ) -> Result<Profile, MailError> {
        let url = self.url("profile");
        self.get_json(account_id, Call::Profile, token, url).await
    }

    /// `users.messages.list` with a search query, one page of up to `max_results`.
    pub async fn list(
        &self,
        account_id: i32,
        token: &SecretString,
        query: &str,
        max_results: u32,
        page_token: Option<&str>,
    ) -> Result<ListPage, MailError> {
        let mut url = self.url("messages");
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("q", query);
            pairs.append_pair("maxResults", &max_results.to_string());
            if let Some(page) = page_token {
                pairs.append_pair("pageToken", page);
            }
        }
        self.get_json(account_id, Call::List, token, url).await
    }

    /// `users.messages.get?format=raw`: the message's RFC 5322 bytes.
    pub async fn get_raw(
        &self,
        account_id: i32,
        token: &SecretString,
        message_id: &str,
    ) -> Result<Vec<u8>, MailError> {
        let mut url = self.url("messages/");
        url.path_segments_mut()
            .map_err(|_| MailError::Refused("bad base URL".into()))?
            .pop_if_empty()
            .push(message_id);
        url.query_pairs_mut().append_pair("format", "raw");
        let message: RawMessage = self.get_json(account_id, Call::Get, token, url).await?;
        let raw = decode_base64url(&message.raw)
            .ok_or(MailError::Unavailable("undecodable raw message".into()))?;
        if raw.len() > MAX_MESSAGE_BYTES {
            return Err(MailError::TooLarge);
        }
        Ok(raw)
    }

    /// `users.messages.get?format=metadata&metadataHeaders=From`: the values of the message's
    /// From fields (as Gmail decodes them), without downloading the message.
    pub async fn from_fields(
        &self,
        account_id: i32,
        token: &SecretString,
        message_id: &str,
    ) -> Result<Vec<String>, MailError> {
        let mut url = self.url("messages/");
        url.path_segments_mut()
            .map_err(|_| MailError::Refused("bad base URL".into()))?
            .pop_if_empty()
            .push(message_id);
        url.query_pairs_mut()
            .append_pair("format", "metadata")
            .append_pair("metadataHeaders", "From");
        let message: MetadataMessage = self
            .get_json(account_id, Call::Metadata, token, url)
            .await?;
        Ok(message
            .payload
            .map(|p| p.headers)
            .unwrap_or_default()
            .into_iter()
            .filter(|h| h.name.eq_ignore_ascii_case("from"))
            .map(|h| h.value)
            .collect())
    }

    /// `users.history.list` of added messages since `start_history_id`, one page.
    pub async fn history(
        &self,
        account_id: i32,
        token: &SecretString,
        start_history_id: &str,
        page_token: Option<&str>,
    ) -> Result<HistoryPage, MailError> {
        let mut url = self.url("history");
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("startHistoryId", start_history_id);
            pairs.append_pair("historyTypes", "messageAdded");
            if let Some(page) = page_token {
                pairs.append_pair("pageToken", page);
            }
        }
        self.get_json(account_id, Call::History, token, url).await
    }
}

/// Gmail's `raw` is base64url, with or without `=` padding.
fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.ends_with('=') {
        URL_SAFE.decode_to_vec(text).ok()
    } else {
        URL_SAFE_NO_PAD.decode_to_vec(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_messages_decode_padded_or_not() {
        assert_eq!(decode_base64url("aGk_").unwrap(), b"hi?");
        assert_eq!(decode_base64url("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64url("aGk").unwrap(), b"hi");
        assert!(decode_base64url("a*b").is_none());
    }

    #[tokio::test]
    async fn an_oversized_message_is_refused_unread_and_a_fitting_one_is_read() {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};

        let server = MockServer::start().await;
        let huge = format!(
            "{{\"raw\":\"{}\"}}",
            "a".repeat(MAX_MESSAGE_BYTES / 3 * 4 + 65 * 1024)
        );
        Mock::given(method("GET"))
            .and(path("/gmail/v1/users/me/messages/huge"))
            .respond_with(ResponseTemplate::new(200).set_body_string(huge))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/gmail/v1/users/me/messages/small"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{\"raw\":\"aGk\"}"))
            .mount(&server)
            .await;
        let gmail = Gmail::new(reqwest::Client::new(), Url::parse(&server.uri()).unwrap());
        let token = SecretString::from("t");
        assert_eq!(
            gmail.get_raw(1, &token, "huge").await.unwrap_err(),
            MailError::TooLarge
        );
        assert_eq!(gmail.get_raw(1, &token, "small").await.unwrap(), b"hi");
    }

    #[test]
    fn unit_costs_follow_gmails_table() {
        let costs: Vec<u32> = [
            Call::Profile,
            Call::List,
            Call::Get,
            Call::Metadata,
            Call::History,
            Call::Watch,
            Call::Stop,
        ]
        .iter()
        .map(|c| c.units())
        .collect();
        assert_eq!(costs, [1, 5, 5, 5, 2, 100, 50]);
    }
}
