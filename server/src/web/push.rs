//! The mail services' push endpoints (see `crate::push`):
//!
//! - `POST /push/gmail`: a Cloud Pub/Sub push delivery. Accepted only with a token Google
//!   signed for the push subscription (`Authorization: Bearer`, see
//!   `push::pubsub_token`); anything else gets 401 and nothing happens. Its message's data
//!   names the Gmail address that changed (and a historyId, which the sync finds on its own).
//!   204 once the sync is queued.
//! - `POST /push/outlook`: Graph's validation request (`?validationToken=`, echoed as
//!   text/plain, as Graph asks within 10 s), and its notifications, accepted only when every
//!   `clientState` is its subscription's (401 otherwise, nothing done). 202 once queued.
//!
//! Both answer 404 while their push is off. Neither says why a delivery was refused.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use base64_simd::STANDARD;
use http::{HeaderMap, StatusCode, header};
use serde::Deserialize;

use super::AppState;
use crate::entities::email_accounts::Provider;
use crate::push::GraphNotification;

/// The longest validation token echoed (Graph's are a few hundred characters).
const MAX_VALIDATION_TOKEN: usize = 1024;

#[derive(Deserialize)]
struct PubSubPush {
    message: PubSubMessage,
}

#[derive(Deserialize)]
struct PubSubMessage {
    /// base64 of the JSON Gmail publishes.
    data: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GmailNotice {
    email_address: String,
}

pub async fn gmail(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(tokens) = state.push.pubsub_tokens() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let verified = match token {
        Some(token) => tokens.verify(token.trim()).await,
        None => Err(crate::push::pubsub_token::Refused::Missing),
    };
    if let Err(refused) = verified {
        tracing::warn!(%refused, "a Gmail push delivery was refused");
        metrics::counter!("mailconnect_push_refused_total", "service" => "gmail").increment(1);
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(notice) = serde_json::from_slice::<PubSubPush>(&body)
        .ok()
        .and_then(|push| STANDARD.decode_to_vec(push.message.data.trim()).ok())
        .and_then(|data| serde_json::from_slice::<GmailNotice>(&data).ok())
    else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match state.push.gmail_delivery(&notice.email_address).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        // Pub/Sub delivers again later.
        Err(error) => {
            tracing::error!(%error, "queueing a pushed Gmail sync failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutlookQuery {
    validation_token: Option<String>,
}

#[derive(Deserialize)]
struct GraphNotifications {
    value: Vec<GraphNotification>,
}

pub async fn outlook(
    State(state): State<AppState>,
    Query(query): Query<OutlookQuery>,
    body: Bytes,
) -> Response {
    if !state.push.is_on(Provider::Microsoft) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if let Some(token) = query.validation_token {
        if token.len() > MAX_VALIDATION_TOKEN {
            return StatusCode::BAD_REQUEST.into_response();
        }
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            token,
        )
            .into_response();
    }
    let Ok(notifications) = serde_json::from_slice::<GraphNotifications>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match state.push.outlook_notifications(&notifications.value).await {
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(refused) => {
            tracing::warn!(%refused, "Outlook notifications were refused");
            metrics::counter!("mailconnect_push_refused_total", "service" => "outlook")
                .increment(1);
            StatusCode::UNAUTHORIZED.into_response()
        }
    }
}
