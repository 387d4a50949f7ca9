//! `/auth/{provider}/callback`: refuse oversized parameters and a foreign `iss`, claim the
//! flow, exchange the code, check the grant, store it.

use app::i18n::Lang;
use std::time::Duration;

use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use secrecy::SecretString;
use serde::Deserialize;
use tracing::Instrument;

use app::model::PopupReport;

use super::flows::Claimed;
use super::{ConnectError, ConnectState, ServiceName, offered};
use crate::accounts::{Grant, GrantError, audit};
use crate::backoff::Backoff;
use crate::entities::api_access_log::Action;
use crate::entities::email_accounts::{self, Provider};
use crate::identity::ClientAddress;
use crate::provider::{Identity, IdentityError, Providers, TokenError, Tokens};

/// A `state` or `code` longer than this is refused before any database or crypto work (ours
/// are 43 characters; Google's codes are a few hundred).
pub const MAX_PARAM_BYTES: usize = 2048;

/// The callback's parameters as providers send them. A repeated parameter fails to parse, and
/// is refused like a forged state.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    scope: Option<String>,
    /// The authorization server's issuer (RFC 9207), when it sends one.
    iss: Option<String>,
}

impl CallbackQuery {
    /// Why the request is refused before its state is even looked up, if it is. `issuer` is
    /// the provider's, when it names itself in callbacks.
    fn precheck(&self, issuer: Option<&str>) -> Result<(), &'static str> {
        let too_long =
            |value: &Option<String>| value.as_ref().is_some_and(|v| v.len() > MAX_PARAM_BYTES);
        if too_long(&self.state) || too_long(&self.code) {
            return Err("oversized state or code");
        }
        if let (Some(iss), Some(issuer)) = (&self.iss, issuer)
            && iss != issuer
        {
            return Err("wrong issuer");
        }
        Ok(())
    }
}

pub async fn callback(
    State(state): State<ConnectState>,
    Path(route): Path<String>,
    client: Option<Extension<ClientAddress>>,
    query: Result<Query<CallbackQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = offered(&state, &route) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let lang = Lang::of_request(&headers);
    let Ok(Query(query)) = query else {
        tracing::warn!("OAuth callback refused: malformed or repeated parameters");
        return state.failure_page(provider, &ConnectError::InvalidLink, None, lang);
    };
    let issuer = (provider == Provider::Google).then_some(state.issuer.as_str());
    if let Err(note) = query.precheck(issuer) {
        tracing::warn!(note, "OAuth callback refused");
        return state.failure_page(provider, &ConnectError::InvalidLink, None, lang);
    }
    let flow = match state
        .flows
        .claim(provider, query.state.as_deref(), &state.sessions, &headers)
        .await
    {
        Ok(flow) => flow,
        Err(error) => {
            tracing::warn!(note = error.audit_note(), "OAuth callback refused");
            return state.failure_page(provider, &error, None, lang);
        }
    };
    let span = tracing::info_span!(
        "connect",
        user_id = flow.user_id,
        account_id = flow.account_id
    );
    let outcome = complete(&state, &flow, query).instrument(span).await;

    let (account_id, action, note) = match &outcome {
        Ok(account) => (Some(account.id), Action::AuthSuccess, None),
        Err(error) => (flow.account_id, Action::AuthError, Some(error.audit_note())),
    };
    let entry = audit::Entry {
        user_id: Some(flow.user_id),
        account_id,
        action,
        success: outcome.is_ok(),
        note,
        ip: client.map(|Extension(ClientAddress(ip))| ip.to_string()),
    };
    if let Err(error) = state.accounts.audit(entry).await {
        tracing::error!(%error, "writing the audit row failed");
    }
    if let Ok(account) = &outcome {
        // Its mail is read at once, not at the next scheduled round.
        state.push.nudge();
        if let Err(error) = state.syncs.request(account.id).await {
            tracing::error!(%error, "queueing the first sync failed");
        }
    }
    match outcome {
        Ok(account) => state.page(
            PopupReport::success(
                provider.service(),
                lang.connected_address(&account.email_address),
                flow.flow_id,
            ),
            StatusCode::OK,
            lang,
        ),
        Err(error) => state.failure_page(provider, &error, flow.flow_id, lang),
    }
}

/// Everything after the state was accepted.
async fn complete(
    state: &ConnectState,
    flow: &Claimed,
    query: CallbackQuery,
) -> Result<email_accounts::Model, ConnectError> {
    if let Some(error) = query.error {
        return Err(ConnectError::from_callback(flow.provider, &error));
    }
    let code = query
        .code
        .filter(|c| !c.is_empty())
        .ok_or(ConnectError::MissingCode)?;
    let verifier = flow
        .verifier
        .as_ref()
        .map_err(|_| ConnectError::VerifierUnavailable)?;
    let tokens = state
        .providers
        .exchange_code(flow.provider, SecretString::from(code), verifier.clone())
        .await
        .map_err(|error| match error {
            TokenError::InvalidClient(_) => {
                ConnectError::misconfigured(flow.provider, "code exchange")
            }
            error => {
                tracing::warn!(%error, "code exchange failed");
                ConnectError::Exchange(error)
            }
        })?;
    let identity = state
        .providers
        .identity(flow.provider, &tokens.access_token)
        .await;
    // Whose grant this is, as far as the provider said: it decides whether dropping it is safe.
    let subject = match &identity {
        Ok(identity) => Some(identity.subject.clone()),
        Err(IdentityError::Unverified { subject }) => subject.clone(),
        Err(IdentityError::Failed(_)) => None,
    };
    let result = match identity {
        Ok(identity) => keep_grant(state, flow, &tokens, &identity, query.scope).await,
        Err(error) => {
            tracing::warn!(%error, "reading the account's identity failed");
            Err(match error {
                IdentityError::Unverified { .. } => ConnectError::Unverified,
                IdentityError::Failed(_) => ConnectError::IdentityFailed,
            })
        }
    };
    if result.is_err() && Providers::can_revoke(flow.provider) {
        drop_grant(state, &tokens, subject.as_deref()).await;
    }
    result
}

/// Waits between attempts to drop a grant while the database or Google is failing: a second,
/// doubling up to a minute, [`DROP_ATTEMPTS`] times (about a quarter of an hour in all).
const DROP_BACKOFF: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
const DROP_ATTEMPTS: u32 = 20;

/// Revokes a grant the callback does not keep. Google revokes a Google account's whole grant,
/// so it is left alone while another connection (of any user) uses the same Google account, or
/// when the account is unknown (a failed reconnect must not cut the row it was meant to fix).
///
/// The grant is held nowhere but here, so when the database cannot say whether it is in use,
/// or Google cannot take the revocation, a background task tries again on [`DROP_BACKOFF`]
/// (a restart meanwhile leaves the grant live; an error log says when it was given up).
async fn drop_grant(state: &ConnectState, tokens: &Tokens, subject: Option<&str>) {
    let Some(subject) = subject else {
        tracing::warn!("an unkept grant was left at Google: its Google account is unknown");
        return;
    };
    let grant = tokens
        .refresh_token
        .clone()
        .unwrap_or_else(|| tokens.access_token.clone());
    if try_drop_grant(state, &grant, subject).await {
        return;
    }
    let (state, subject) = (state.clone(), subject.to_owned());
    tokio::spawn(
        async move {
            for failures in 1..=DROP_ATTEMPTS {
                tokio::time::sleep(DROP_BACKOFF.after(failures)).await;
                if try_drop_grant(&state, &grant, &subject).await {
                    return;
                }
            }
            tracing::error!("an unkept grant was left at Google: dropping it kept failing");
        }
        .in_current_span(),
    );
}

/// One attempt at [`drop_grant`]: true when it is settled (revoked, or kept for another
/// connection), false when it should be tried again.
async fn try_drop_grant(state: &ConnectState, grant: &SecretString, subject: &str) -> bool {
    match state.accounts.grant_in_use(subject, None).await {
        Ok(false) => {}
        Ok(true) => {
            tracing::info!(
                "an unkept grant was left at Google: another connection uses this Google account"
            );
            return true;
        }
        Err(error) => {
            tracing::warn!(%error, "checking an unkept grant's use failed; trying again later");
            return false;
        }
    }
    match state.providers.google.revoke(grant).await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "revoking an unkept grant failed; trying again later");
            false
        }
    }
}

/// Checks the granted scopes and the reconnect's account, then stores the grant.
async fn keep_grant(
    state: &ConnectState,
    flow: &Claimed,
    tokens: &Tokens,
    identity: &Identity,
    callback_scope: Option<String>,
) -> Result<email_accounts::Model, ConnectError> {
    // The scopes granted: the token response's, else the callback's `scope`.
    let scopes: Vec<String> = tokens.scopes.clone().unwrap_or_else(|| {
        let scope = callback_scope.unwrap_or_default();
        scope.split_whitespace().map(str::to_owned).collect()
    });
    if !Providers::grants_mail(flow.provider, &scopes) {
        return Err(ConnectError::PermissionMissing);
    }
    if let Some(account_id) = flow.account_id {
        let expected = state
            .accounts
            .find_for_user(flow.user_id, account_id)
            .await
            .map_err(|e| ConnectError::internal("reading the account failed", e))?;
        if let Some(expected) = expected.filter(|a| a.provider_subject != identity.subject) {
            return Err(ConnectError::WrongAccount {
                expected: expected.email_address,
                other: identity.email.clone(),
            });
        }
    }
    let grant = Grant {
        provider: flow.provider,
        identity,
        tokens,
        scopes: &scopes,
    };
    match state.accounts.store_grant(flow.user_id, grant).await {
        Ok(row) => Ok(row),
        Err(GrantError::NoRefreshToken) => Err(ConnectError::NoOfflineAccess),
        Err(GrantError::Database(e)) => Err(ConnectError::internal("storing the grant failed", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(state: &str, code: &str, iss: Option<&str>) -> CallbackQuery {
        CallbackQuery {
            state: Some(state.into()),
            code: Some(code.into()),
            error: None,
            scope: None,
            iss: iss.map(Into::into),
        }
    }

    #[test]
    fn oversized_parameters_and_foreign_issuers_are_refused_first() {
        let google = Some("https://accounts.google.com");
        assert!(query("s", "c", None).precheck(google).is_ok());
        assert!(query("s", "c", google).precheck(google).is_ok());
        let long = "x".repeat(MAX_PARAM_BYTES + 1);
        assert!(query(&long, "c", None).precheck(google).is_err());
        assert!(query("s", &long, None).precheck(google).is_err());
        assert!(
            query("s", "c", Some("https://evil.example"))
                .precheck(google)
                .is_err()
        );
        // A provider that does not name itself is not checked for it; sizes still are.
        assert!(
            query("s", "c", Some("https://login.example"))
                .precheck(None)
                .is_ok()
        );
        assert!(query(&long, "c", None).precheck(None).is_err());
    }
}
