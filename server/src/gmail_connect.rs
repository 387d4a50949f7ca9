//! `/auth/gmail/start` and `/auth/gmail/callback`: the popup's side of connecting Gmail.
//!
//! Start makes a single-use `state` (256 random bits, stored hashed, bound to the session,
//! valid 10 minutes) and a PKCE S256 verifier (sealed), then redirects to Google. The callback
//! rejects a missing, unknown, expired, reused or other-session state before any call to Google
//! and without writing an account; only then does it exchange the code.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::accounts::Accounts;
use crate::audit::{self, Entry};
use crate::auth::{Sessions, random_token, sha256_hex};
use crate::clock;
use crate::entities::{email_accounts, oauth_flows};
use app::model::PopupReport;

use crate::google::{GMAIL_READONLY, Google, IdentityError, TokenError};
use crate::result_page;
use crate::secret::Secret;
use crate::vault::Vault;

const FLOW_TTL_SECS: i64 = 10 * 60;

pub const CANCELLED: &str = "Gmail connection cancelled";
pub const PERMISSION_MISSING: &str =
    "Gmail permission was not granted. Tick the Gmail box to connect.";
const INVALID_LINK: &str =
    "This connection link is not valid. Please start again from your connections page.";
const EXPIRED_LINK: &str = "This connection attempt expired. Please try again.";
const USED_LINK: &str = "This connection link was already used. Please try again.";
const SIGN_IN_FIRST: &str = "Please sign in again, then connect Gmail.";
const EXCHANGE_FAILED: &str = "Could not complete the connection with Google. Please try again.";
const UNVERIFIED: &str =
    "Google did not confirm this account's email address, so it was not connected.";

/// What the two routes need.
#[derive(Clone)]
pub struct ConnectState {
    pub db: DatabaseConnection,
    pub sessions: Sessions,
    pub vault: Vault,
    pub google: Google,
    pub accounts: Accounts,
    pub origin: String,
}

/// A flow id from the page: short, URL-safe, or nothing.
fn flow_id(params: &HashMap<String, String>) -> Option<String> {
    params
        .get("flow")
        .filter(|f| {
            (1..=64).contains(&f.len())
                && f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .cloned()
}

fn page(state: &ConnectState, report: PopupReport, status: StatusCode) -> Response {
    result_page::render(&report, &state.origin, status)
}

pub async fn start(
    State(state): State<ConnectState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let flow = flow_id(&params);
    let session = match state.sessions.current(&headers).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return page(
                &state,
                PopupReport::error(SIGN_IN_FIRST, flow),
                StatusCode::UNAUTHORIZED,
            );
        }
        Err(error) => return internal_error(&state, "reading the session failed", error, flow),
    };
    let (user, session_hash) = session;

    // Reconnecting names one of the user's own accounts; anything else is refused.
    let account_id = match params.get("account").map(|raw| raw.parse::<i32>()) {
        None => None,
        Some(Ok(id)) => {
            let owned = email_accounts::Entity::find_by_id(id)
                .filter(email_accounts::Column::UserId.eq(user.id))
                .one(&state.db)
                .await;
            match owned {
                Ok(Some(_)) => Some(id),
                Ok(None) => {
                    return page(
                        &state,
                        PopupReport::error(INVALID_LINK, flow),
                        StatusCode::BAD_REQUEST,
                    );
                }
                Err(error) => {
                    return internal_error(&state, "reading the account failed", error, flow);
                }
            }
        }
        Some(Err(_)) => {
            return page(
                &state,
                PopupReport::error(INVALID_LINK, flow),
                StatusCode::BAD_REQUEST,
            );
        }
    };

    let secret_state = random_token();
    let state_hash = sha256_hex(secret_state.expose());
    let (url, verifier) = state.google.authorize_url(&secret_state);
    let now = clock::now();
    let inserted = oauth_flows::ActiveModel {
        pkce_verifier: Set(state
            .vault
            .seal(oauth_flows::sealed_verifier(&state_hash), &verifier)),
        state_hash: Set(state_hash),
        user_id: Set(user.id),
        session_hash: Set(session_hash),
        flow_id: Set(flow.clone()),
        account_id: Set(account_id),
        created_at: Set(now),
        expires_at: Set(now + FLOW_TTL_SECS),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await;
    if let Err(error) = inserted {
        return internal_error(&state, "storing the OAuth flow failed", error, flow);
    }
    // Finished and lapsed flows are of no further use.
    let _ = oauth_flows::Entity::delete_many()
        .filter(oauth_flows::Column::ExpiresAt.lt(now - FLOW_TTL_SECS))
        .exec(&state.db)
        .await;

    let mut response = Redirect::to(url.as_str()).into_response();
    *response.status_mut() = StatusCode::FOUND;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Why a callback's `state` was refused.
#[derive(Debug)]
enum Refusal {
    Invalid,
    Expired,
    Used,
}

/// Finds the flow the `state` names and marks it used, if it is valid for this session.
async fn claim_flow(
    state: &ConnectState,
    secret_state: Option<&String>,
    headers: &HeaderMap,
) -> Result<Result<oauth_flows::Model, Refusal>, sea_orm::DbErr> {
    let Some(secret_state) = secret_state.filter(|s| !s.is_empty() && s.len() <= 256) else {
        return Ok(Err(Refusal::Invalid));
    };
    let Some((user, session_hash)) = state.sessions.current(headers).await? else {
        return Ok(Err(Refusal::Invalid));
    };
    let found = oauth_flows::Entity::find()
        .filter(oauth_flows::Column::StateHash.eq(sha256_hex(secret_state)))
        .one(&state.db)
        .await?;
    let Some(flow) = found else {
        return Ok(Err(Refusal::Invalid));
    };
    // Another session's (or user's) state is as good as unknown.
    if flow.session_hash != session_hash || flow.user_id != user.id {
        return Ok(Err(Refusal::Invalid));
    }
    if flow.used_at.is_some() {
        return Ok(Err(Refusal::Used));
    }
    let now = clock::now();
    if flow.expires_at <= now {
        return Ok(Err(Refusal::Expired));
    }
    // Single use, even against two callbacks racing: only one update finds it unused.
    let claimed = oauth_flows::Entity::update_many()
        .col_expr(oauth_flows::Column::UsedAt, Expr::value(now))
        .filter(oauth_flows::Column::Id.eq(flow.id))
        .filter(oauth_flows::Column::UsedAt.is_null())
        .exec(&state.db)
        .await?
        .rows_affected;
    Ok(if claimed == 1 {
        Ok(flow)
    } else {
        Err(Refusal::Used)
    })
}

pub async fn callback(
    State(state): State<ConnectState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ip = peer.ip().to_string();
    let flow = match claim_flow(&state, params.get("state"), &headers).await {
        Ok(Ok(flow)) => flow,
        Ok(Err(refusal)) => {
            tracing::warn!(?refusal, "OAuth callback refused");
            let message = match refusal {
                Refusal::Invalid => INVALID_LINK,
                Refusal::Expired => EXPIRED_LINK,
                Refusal::Used => USED_LINK,
            };
            return page(
                &state,
                PopupReport::error(message, None),
                StatusCode::BAD_REQUEST,
            );
        }
        Err(error) => return internal_error(&state, "reading the OAuth flow failed", error, None),
    };
    let flow_id = flow.flow_id.clone();
    let fail = |message: String, audit_note: &str, status| {
        let state = state.clone();
        let (ip, note) = (ip.clone(), audit_note.to_owned());
        let flow_id = flow_id.clone();
        async move {
            let entry = Entry {
                user_id: Some(flow.user_id),
                account_id: flow.account_id,
                action: "auth_error",
                success: false,
                error: Some(&note),
                ip: Some(ip),
            };
            if let Err(error) = audit::record(&state.db, entry).await {
                tracing::error!(%error, "writing the audit row failed");
            }
            page(&state, PopupReport::error(message, flow_id), status)
        }
    };

    if let Some(error) = params.get("error") {
        let error: String = error.chars().take(100).collect();
        return if error == "access_denied" {
            fail(CANCELLED.into(), "access_denied", StatusCode::OK).await
        } else {
            fail(
                format!("Google reported an error: {error}"),
                "provider error",
                StatusCode::OK,
            )
            .await
        };
    }
    let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
        return fail(
            EXCHANGE_FAILED.into(),
            "callback without a code",
            StatusCode::BAD_REQUEST,
        )
        .await;
    };

    let verifier = match state.vault.open(
        oauth_flows::sealed_verifier(&flow.state_hash),
        &flow.pkce_verifier,
    ) {
        Ok(verifier) => verifier,
        Err(error) => {
            tracing::error!(%error, "the flow's PKCE verifier cannot be opened");
            return fail(
                EXCHANGE_FAILED.into(),
                "verifier unavailable",
                StatusCode::INTERNAL_SERVER_ERROR,
            )
            .await;
        }
    };
    let tokens = match state
        .google
        .exchange_code(Secret::new(code.clone()), verifier)
        .await
    {
        Ok(tokens) => tokens,
        Err(error) => {
            tracing::warn!(%error, "code exchange failed");
            let note = match error {
                TokenError::InvalidGrant(_) => "code exchange refused",
                TokenError::InvalidClient(_) => "OAuth client rejected",
                TokenError::Transient(_) => "token endpoint unavailable",
            };
            return fail(EXCHANGE_FAILED.into(), note, StatusCode::BAD_GATEWAY).await;
        }
    };

    // The scopes Google granted (the token response's, else the callback's `scope`).
    let scopes: Vec<String> = tokens.scopes.clone().unwrap_or_else(|| {
        params
            .get("scope")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    });
    let grant = tokens
        .refresh_token
        .as_ref()
        .unwrap_or(&tokens.access_token);
    if !scopes.iter().any(|s| s == GMAIL_READONLY) {
        if let Err(error) = state.google.revoke(grant).await {
            tracing::warn!(%error, "revoking a grant without the Gmail scope failed");
        }
        return fail(
            PERMISSION_MISSING.into(),
            "gmail scope not granted",
            StatusCode::OK,
        )
        .await;
    }

    let identity = match state.google.identity(&tokens.access_token).await {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(%error, "reading the Google identity failed");
            if let Err(error) = state.google.revoke(grant).await {
                tracing::warn!(%error, "revoking an unusable grant failed");
            }
            let (message, note) = match error {
                IdentityError::Unverified => (UNVERIFIED, "email missing or unverified"),
                IdentityError::Failed(_) => (EXCHANGE_FAILED, "userinfo failed"),
            };
            return fail(message.into(), note, StatusCode::OK).await;
        }
    };

    let account = match state
        .accounts
        .store_grant(flow.user_id, &identity, &tokens, &scopes)
        .await
    {
        Ok(account) => account,
        Err(error) => {
            tracing::error!(%error, "storing the grant failed");
            return fail(
                EXCHANGE_FAILED.into(),
                "storing the grant failed",
                StatusCode::INTERNAL_SERVER_ERROR,
            )
            .await;
        }
    };
    let entry = Entry {
        user_id: Some(flow.user_id),
        account_id: Some(account.id),
        action: "auth_success",
        success: true,
        error: None,
        ip: Some(ip),
    };
    if let Err(error) = audit::record(&state.db, entry).await {
        tracing::error!(%error, "writing the audit row failed");
    }
    page(
        &state,
        PopupReport::success(format!("Connected {}.", identity.email), flow_id),
        StatusCode::OK,
    )
}

fn internal_error(
    state: &ConnectState,
    context: &str,
    error: impl std::fmt::Display,
    flow: Option<String>,
) -> Response {
    tracing::error!(%error, "{context}");
    page(
        state,
        PopupReport::error("Something went wrong on our side. Please try again.", flow),
        StatusCode::INTERNAL_SERVER_ERROR,
    )
}
