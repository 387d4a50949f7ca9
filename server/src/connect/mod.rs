//! Connecting Gmail: `/auth/gmail/start` and `/auth/gmail/callback`, the popup's side of the
//! OAuth flow.
//!
//! Start (only from the app's own pages, see `web::shield`; 20 a minute per user) makes a
//! single-use `state` and a PKCE S256 verifier ([`flows`]) and redirects to Google.
//! The callback ([`callback`]) refuses a bad, duplicated, expired, reused or other-session state
//! before any call to Google and without writing anything; then it exchanges the code, checks
//! the granted scopes and the Google identity, and stores the grant through `Accounts`. Every
//! outcome is a [`ConnectError`] or a success, shown by the [`result_page`].

pub mod callback;
pub mod error;
pub mod flows;
pub mod result_page;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;

use app::model::PopupReport;

use std::sync::Arc;

use crate::accounts::Accounts;
use crate::identity::{Sessions, Throttle};
use crate::provider::google::Google;
use crate::secrets::random_token;
use crate::sync::Syncs;

pub use callback::callback;
pub use error::ConnectError;
pub use flows::Flows;

/// What the two routes need.
#[derive(Clone)]
pub struct ConnectState {
    pub flows: Flows,
    pub sessions: Sessions,
    pub google: Google,
    pub accounts: Accounts,
    /// A connected mailbox's first sync is queued at once.
    pub syncs: Syncs,
    pub origin: String,
    /// `GOOGLE_ISSUER`: a callback's `iss`, when present, must equal it.
    pub issuer: String,
    /// Connect attempts per user.
    pub throttle: Arc<Throttle>,
}

impl ConnectState {
    fn page(&self, report: PopupReport, status: StatusCode) -> Response {
        result_page::render(&report, &self.origin, status)
    }

    fn failure_page(&self, error: &ConnectError, flow: Option<String>) -> Response {
        self.page(
            PopupReport::error(error.user_message(), flow),
            error.status(),
        )
    }
}

/// `/auth/gmail/start?flow=<page's id>[&account=<id to reconnect>]`. A repeated parameter is
/// refused.
#[derive(Debug, Deserialize)]
pub struct StartQuery {
    flow: Option<String>,
    account: Option<String>,
}

/// A flow id from the page: short, URL-safe, or nothing.
fn valid_flow_id(flow: Option<String>) -> Option<String> {
    flow.filter(|f| {
        (1..=64).contains(&f.len())
            && f.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

pub async fn start(
    State(state): State<ConnectState>,
    query: Result<Query<StartQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Query(query)) = query else {
        return state.failure_page(&ConnectError::InvalidLink, None);
    };
    let flow = valid_flow_id(query.flow);
    match begin(&state, query.account.as_deref(), flow.clone(), &headers).await {
        Ok(response) => response,
        Err(error) => state.failure_page(&error, flow),
    }
}

async fn begin(
    state: &ConnectState,
    account: Option<&str>,
    flow: Option<String>,
    headers: &HeaderMap,
) -> Result<Response, ConnectError> {
    let (user, session_hash) = state
        .sessions
        .current(headers)
        .await
        .map_err(|e| ConnectError::internal("reading the session failed", e))?
        .ok_or(ConnectError::SignInFirst)?;
    if !state.throttle.allow_connect(user.id) {
        tracing::warn!(user_id = user.id, "connect attempts are over the limit");
        return Err(ConnectError::TooManyAttempts);
    }
    // Reconnecting names one of the user's own accounts; anything else is refused.
    let reconnect = match account {
        None => None,
        Some(raw) => {
            let id = raw.parse::<i32>().map_err(|_| ConnectError::InvalidLink)?;
            let found = state
                .accounts
                .find_for_user(user.id, id)
                .await
                .map_err(|e| ConnectError::internal("reading the account failed", e))?;
            Some(found.ok_or(ConnectError::InvalidLink)?)
        }
    };

    let secret_state = random_token();
    let hint = reconnect.as_ref().map(|a| a.email_address.as_str());
    let (url, verifier) = state.google.authorize_url(&secret_state, hint);
    let new_flow = flows::NewFlow {
        state: &secret_state,
        verifier: &verifier,
        user_id: user.id,
        session_hash,
        flow_id: flow,
        account_id: reconnect.map(|a| a.id),
    };
    state
        .flows
        .create(new_flow)
        .await
        .map_err(|e| ConnectError::internal("storing the OAuth flow failed", e))?;

    let mut response = Redirect::to(url.as_str()).into_response();
    *response.status_mut() = StatusCode::FOUND;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}
