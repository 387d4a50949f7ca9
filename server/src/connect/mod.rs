//! Connecting a mailbox: `/auth/{gmail,outlook}/start` and `/auth/{gmail,outlook}/callback`,
//! the popup's side of the OAuth flow.
//!
//! Start (only from the app's own pages, see `web::shield`; 20 a minute per user) makes a
//! single-use `state` and a PKCE S256 verifier ([`flows`]) and redirects to the provider.
//! The callback ([`callback`]) refuses a bad, duplicated, expired, reused, other-session or
//! other-provider state before any call to the provider and without writing anything; then it
//! exchanges the code, checks the granted scopes and the identity, and stores the grant through
//! `Accounts`. Every outcome is a [`ConnectError`] or a success, shown by the [`result_page`].

pub mod callback;
pub mod error;
pub mod flows;
pub mod result_page;

use app::i18n::Lang;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;

use app::model::{MailService, PopupReport};

use std::sync::Arc;

use crate::accounts::Accounts;
use crate::entities::email_accounts::Provider;
use crate::identity::{Sessions, Throttle};
use crate::provider::Providers;
use crate::secrets::random_token;
use crate::sync::Syncs;

pub use callback::callback;
pub use error::ConnectError;
pub use flows::Flows;

/// A provider as the pages, routes and the popup's message name it: its mail service. (Storage
/// says `Provider`; the UI says `MailService`; this is where the two meet.)
pub trait ServiceName {
    fn service(self) -> MailService;
}

impl ServiceName for Provider {
    fn service(self) -> MailService {
        match self {
            Provider::Google => MailService::Gmail,
            Provider::Microsoft => MailService::Outlook,
        }
    }
}

/// The provider behind a mail service.
pub fn provider_of(service: MailService) -> Provider {
    match service {
        MailService::Gmail => Provider::Google,
        MailService::Outlook => Provider::Microsoft,
    }
}

/// What the two routes need.
#[derive(Clone)]
pub struct ConnectState {
    pub flows: Flows,
    pub sessions: Sessions,
    pub providers: Providers,
    pub accounts: Accounts,
    /// A connected mailbox's first sync is queued at once.
    pub syncs: Syncs,
    /// And its push registered.
    pub push: crate::push::Push,
    pub origin: String,
    /// `GOOGLE_ISSUER`: a Google callback's `iss`, when present, must equal it.
    pub issuer: String,
    /// Connect attempts per user.
    pub throttle: Arc<Throttle>,
}

impl ConnectState {
    fn page(&self, report: PopupReport, status: StatusCode, lang: Lang) -> Response {
        result_page::render(&report, &self.origin, status, lang)
    }

    fn failure_page(
        &self,
        provider: Provider,
        error: &ConnectError,
        flow: Option<String>,
        lang: Lang,
    ) -> Response {
        let message = error.user_message(provider, lang);
        self.page(
            PopupReport::error(provider.service(), message, flow),
            error.status(),
            lang,
        )
    }
}

/// The provider a route names, if this instance offers it.
fn offered(state: &ConnectState, route: &str) -> Option<Provider> {
    MailService::from_route(route)
        .map(provider_of)
        .filter(|&provider| state.providers.offers(provider))
}

/// `/auth/{provider}/start?flow=<page's id>[&account=<id to reconnect>]`. A repeated parameter
/// is refused.
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
    Path(route): Path<String>,
    query: Result<Query<StartQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = offered(&state, &route) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let lang = Lang::of_request(&headers);
    let Ok(Query(query)) = query else {
        return state.failure_page(provider, &ConnectError::InvalidLink, None, lang);
    };
    let flow = valid_flow_id(query.flow);
    match begin(
        &state,
        provider,
        query.account.as_deref(),
        flow.clone(),
        &headers,
    )
    .await
    {
        Ok(response) => response,
        Err(error) => state.failure_page(provider, &error, flow, lang),
    }
}

async fn begin(
    state: &ConnectState,
    provider: Provider,
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
    // Reconnecting names one of the user's own accounts of this provider; anything else is
    // refused.
    let reconnect = match account {
        None => None,
        Some(raw) => {
            let id = raw.parse::<i32>().map_err(|_| ConnectError::InvalidLink)?;
            let found = state
                .accounts
                .find_for_user(user.id, id)
                .await
                .map_err(|e| ConnectError::internal("reading the account failed", e))?;
            Some(
                found
                    .filter(|a| a.provider == provider)
                    .ok_or(ConnectError::InvalidLink)?,
            )
        }
    };

    let secret_state = random_token();
    let hint = reconnect.as_ref().map(|a| a.email_address.as_str());
    let (url, verifier) = state
        .providers
        .authorize_url(provider, &secret_state, hint)
        .ok_or(ConnectError::InvalidLink)?;
    let new_flow = flows::NewFlow {
        state: &secret_state,
        verifier: &verifier,
        provider,
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
