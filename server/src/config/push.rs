//! Push from the mail services: Gmail's watch on a Cloud Pub/Sub topic, whose push
//! subscription delivers to `/push/gmail` with a Google-signed token, and Graph's change
//! notifications to `/push/outlook`. Each is off until its variable is set; with push on, a
//! pushed mailbox is synced on `SYNC_SAFETY_INTERVAL_SECS` instead of `SYNC_INTERVAL_SECS`.

use url::Url;

use super::{ConfigError, Source, url_var};

#[derive(Clone, Debug)]
pub struct PushConfig {
    /// Set with `GMAIL_PUSH_TOPIC`: Gmail mailboxes are watched.
    pub gmail: Option<GmailPush>,
    /// `GRAPH_NOTIFICATION_URL`: where Graph sends an Outlook mailbox's notifications (the
    /// app's `/push/outlook`, as the internet reaches it). Unset: no subscriptions.
    pub graph_notification_url: Option<Url>,
}

/// Gmail's push: the topic watched mailboxes publish to, and who may deliver from it.
#[derive(Clone, Debug)]
pub struct GmailPush {
    /// `projects/{project}/topics/{topic}`.
    pub topic: String,
    /// The push subscription's audience: a delivery's token must be for it.
    pub audience: String,
    /// The push subscription's service account: a delivery's token must be its, verified.
    pub service_account: String,
    /// Google's signing keys for those tokens.
    pub jwks_url: Url,
}

pub(super) fn load(source: &Source, microsoft: bool) -> Result<PushConfig, ConfigError> {
    let gmail = match source.get("GMAIL_PUSH_TOPIC") {
        None => None,
        Some(topic) => {
            if !topic.starts_with("projects/") || !topic.contains("/topics/") {
                return Err(ConfigError::new(
                    "GMAIL_PUSH_TOPIC",
                    format!("is not a Pub/Sub topic name ({topic:?})"),
                    "set it like projects/my-project/topics/gmail-push",
                ));
            }
            let required = |var: &'static str, fix: &str| {
                source
                    .get(var)
                    .map(str::to_owned)
                    .ok_or_else(|| ConfigError::new(var, "is not set (GMAIL_PUSH_TOPIC is)", fix))
            };
            Some(GmailPush {
                topic: topic.to_owned(),
                audience: required(
                    "GMAIL_PUSH_AUDIENCE",
                    "set it to the push subscription's audience, like https://mail.example.com/push/gmail",
                )?,
                service_account: required(
                    "GMAIL_PUSH_SERVICE_ACCOUNT",
                    "set it to the push subscription's service account email",
                )?,
                jwks_url: url_var(
                    source,
                    "GOOGLE_JWKS_URL",
                    "https://www.googleapis.com/oauth2/v3/certs",
                )?,
            })
        }
    };
    let graph_notification_url = match source.get("GRAPH_NOTIFICATION_URL") {
        None => None,
        Some(_) if !microsoft => {
            return Err(ConfigError::new(
                "GRAPH_NOTIFICATION_URL",
                "is set but MICROSOFT_CLIENT_ID is not",
                "set MICROSOFT_CLIENT_ID too, or unset GRAPH_NOTIFICATION_URL",
            ));
        }
        Some(_) => Some(url_var(
            source,
            "GRAPH_NOTIFICATION_URL",
            "https://mail.example.com/push/outlook",
        )?),
    };
    Ok(PushConfig {
        gmail,
        graph_notification_url,
    })
}
