//! `/events`: the signed-in user's page events as server-sent events. Each signed-in page opens
//! one stream (a few lines of script in the top bar, see `app::pages::header`):
//!
//! - `sync` (`{"account":7}`, or `{}`: read everything again) when a mailbox's sync was queued
//!   or ended, so the connections list reads itself again;
//! - `new` (`{"count":3}`) when a sync stored new transactions, so the Transactions page offers
//!   to show them;
//! - `end` when the stream's session ended (signed out, a password change elsewhere, the app
//!   account deleted): the page closes the stream.
//!
//! Ids and counts only, never transaction data. A comment every [`KEEP_ALIVE`] keeps proxies
//! from closing an idle stream. Without a live session the answer is 401; past the open-stream
//! bounds, 429 (this user) or 503 (this instance).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt as _};
use http::{HeaderMap, HeaderValue, StatusCode};

use super::AppState;
use crate::events::{Event, Refused, Subscription};
use crate::identity::Sessions;

/// How often an idle stream sends a comment line.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a browser waits before opening a dropped stream again.
const RETRY: Duration = Duration::from_secs(2);

pub async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (user, session) = match state.sessions.current(&headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(error) => {
            tracing::error!(%error, "reading the session failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let subscription = match state.events.subscribe(user.id) {
        Ok(subscription) => subscription,
        Err(Refused::UserFull) => return StatusCode::TOO_MANY_REQUESTS.into_response(),
        Err(Refused::InstanceFull) => {
            tracing::warn!("this instance holds its most event streams; one was turned away");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let stream = page_events(subscription, state.sessions.clone(), session);
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // nginx and its kind pass the stream on as it comes instead of buffering it.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// What one stream sends: its retry time first, then each event for the page, until the
/// session ends or the instance shuts down.
fn page_events(
    subscription: Subscription,
    sessions: Sessions,
    session: String,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    let first = SseEvent::default().retry(RETRY).comment("events");
    let state = Some((subscription, sessions, session));
    let rest = futures::stream::unfold(state, |state| async move {
        let (mut subscription, sessions, session) = state?;
        loop {
            let event = subscription.next().await?;
            let sent = match event {
                Event::Sync { account } => sse("sync", format!(r#"{{"account":{account}}}"#)),
                Event::Stale => sse("sync", "{}".to_owned()),
                Event::NewTransactions { count, .. } => {
                    sse("new", format!(r#"{{"count":{count}}}"#))
                }
                Event::SessionsEnded => match sessions.is_live(&session).await {
                    Ok(true) => continue,
                    Ok(false) => return Some((Ok(sse("end", "{}".to_owned())), None)),
                    // The database cannot say: the stream ends, the page opens it again, and
                    // only a live session gets one.
                    Err(_) => return None,
                },
            };
            return Some((Ok(sent), Some((subscription, sessions, session))));
        }
    });
    futures::stream::once(async move { Ok(first) }).chain(rest)
}

fn sse(name: &str, data: String) -> SseEvent {
    SseEvent::default().event(name).data(data)
}
