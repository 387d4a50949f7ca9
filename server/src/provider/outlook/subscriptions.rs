//! Graph change-notification subscriptions to the messages created in a mailbox's Inbox:
//! create, renew (a new expiry; also how a `reauthorizationRequired` is answered) and delete.
//! Graph checks the notification URL when a subscription is created, by a validation request
//! the app must echo (`web::push`).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use super::Outlook;
use crate::provider::mail::MailError;

/// What a subscription is to: messages created in the mailbox's Inbox.
pub const RESOURCE: &str = "me/mailFolders('Inbox')/messages";

/// A subscription as Graph holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionBody {
    id: String,
    expiration_date_time: String,
}

fn rfc3339(at: i64) -> Result<String, MailError> {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| MailError::Refused("a time out of range".into()))
}

impl Outlook {
    fn subscriptions_url(&self, id: Option<&str>) -> Url {
        let mut url = self.base.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .expect("GRAPH_API_URL is an http(s) URL");
            segments.pop_if_empty().push("subscriptions");
            if let Some(id) = id {
                segments.push(id);
            }
        }
        url
    }

    /// Subscribes to the messages created in the mailbox's Inbox until `expires_at`, with
    /// notifications (and lifecycle events) to `notification_url`, carrying `client_state`.
    pub async fn subscribe(
        &self,
        account_id: i32,
        token: &SecretString,
        notification_url: &Url,
        client_state: &SecretString,
        expires_at: i64,
    ) -> Result<Subscription, MailError> {
        let body = serde_json::json!({
            "changeType": "created",
            "notificationUrl": notification_url.as_str(),
            "lifecycleNotificationUrl": notification_url.as_str(),
            "resource": RESOURCE,
            "expirationDateTime": rfc3339(expires_at)?,
            "clientState": client_state.expose_secret(),
        });
        let request = self.http.post(self.subscriptions_url(None)).json(&body);
        let response = self.send(account_id, token, request).await?;
        read_subscription(response).await
    }

    /// Moves a subscription's expiry to `expires_at`.
    pub async fn renew(
        &self,
        account_id: i32,
        token: &SecretString,
        id: &str,
        expires_at: i64,
    ) -> Result<Subscription, MailError> {
        let body = serde_json::json!({ "expirationDateTime": rfc3339(expires_at)? });
        let request = self
            .http
            .patch(self.subscriptions_url(Some(id)))
            .json(&body);
        let response = self.send(account_id, token, request).await?;
        read_subscription(response).await
    }

    /// Deletes a subscription (one already gone counts as deleted).
    pub async fn unsubscribe(
        &self,
        account_id: i32,
        token: &SecretString,
        id: &str,
    ) -> Result<(), MailError> {
        let request = self.http.delete(self.subscriptions_url(Some(id)));
        match self.send(account_id, token, request).await {
            Ok(_) | Err(MailError::NotFound) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

async fn read_subscription(response: reqwest::Response) -> Result<Subscription, MailError> {
    let body: SubscriptionBody = response
        .json()
        .await
        .map_err(|_| MailError::Unavailable("unreadable answer".into()))?;
    let expires_at = OffsetDateTime::parse(&body.expiration_date_time, &Rfc3339)
        .map_err(|_| MailError::Unavailable("unreadable expiration".into()))?
        .unix_timestamp();
    Ok(Subscription {
        id: body.id,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::{body_partial_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    #[tokio::test]
    async fn a_subscription_is_created_renewed_and_deleted() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1.0/subscriptions"))
            .and(header("authorization", "Bearer graph-token"))
            .and(body_partial_json(serde_json::json!({
                "changeType": "created",
                "notificationUrl": "https://app.example/push/outlook",
                "resource": RESOURCE,
                "expirationDateTime": "2026-12-10T00:00:00Z",
                "clientState": "shared-secret",
            })))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
                "id": "sub-1",
                "expirationDateTime": "2026-12-10T00:00:00.0000000Z",
            })))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("PATCH"))
            .and(path("/v1.0/subscriptions/sub-1"))
            .and(body_partial_json(serde_json::json!({
                "expirationDateTime": "2026-12-12T00:00:00Z",
            })))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "id": "sub-1",
                "expirationDateTime": "2026-12-12T00:00:00Z",
            })))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/v1.0/subscriptions/sub-1"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        let base = Url::parse(&format!("{}/v1.0", server.uri())).unwrap();
        let outlook = Outlook::new(reqwest::Client::new(), base);
        let token = SecretString::from("graph-token");
        let url = Url::parse("https://app.example/push/outlook").unwrap();
        let state = SecretString::from("shared-secret");
        let created = outlook
            .subscribe(1, &token, &url, &state, 1_796_860_800)
            .await
            .unwrap();
        assert_eq!(
            created,
            Subscription {
                id: "sub-1".into(),
                expires_at: 1_796_860_800
            }
        );
        let renewed = outlook
            .renew(1, &token, "sub-1", 1_797_033_600)
            .await
            .unwrap();
        assert_eq!(renewed.expires_at, 1_797_033_600);
        outlook.unsubscribe(1, &token, "sub-1").await.unwrap();
        // Gone already: nothing to do.
        outlook.unsubscribe(1, &token, "sub-2").await.unwrap();
    }
}
