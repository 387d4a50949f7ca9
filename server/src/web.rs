//! The HTTP surface: Leptos pages and server functions, operator endpoints, and the page guard.

use std::sync::Arc;

use app::backend::SharedBackend;
use app::{App, shell};
use axum::Router;
use axum::extract::{FromRef, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sea_orm::DatabaseConnection;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::Sessions;
use crate::config::Config;
use crate::gmail_connect::{self, ConnectState};
use crate::tokens::TokenService;

/// Shared by axum handlers and (through context) Leptos server functions.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub sessions: Sessions,
    pub backend: SharedBackend,
    pub connect: ConnectState,
    pub tokens: TokenService,
}

pub fn router(state: AppState) -> Router {
    crate::metrics::handle();
    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(crate::metrics::render))
        .route("/auth/gmail/start", get(gmail_connect::start))
        .route("/auth/gmail/callback", get(gmail_connect::callback))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), page_guard))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

/// 200 when the database answers a query, 503 otherwise.
async fn healthz(State(db): State<DatabaseConnection>) -> Response {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Pages for signed-in users send everyone else to `/signin`, and the sign-in pages send a
/// signed-in user on to their connections. Server functions check the session themselves.
async fn page_guard(State(sessions): State<Sessions>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let members_only = matches!(path, "/" | "/connections");
    let guests_only = matches!(path, "/signin" | "/signup");
    if request.method() != http::Method::GET || !(members_only || guests_only) {
        return next.run(request).await;
    }
    let signed_in = match sessions.current(request.headers()).await {
        Ok(found) => found.is_some(),
        Err(error) => {
            tracing::error!(%error, "reading the session failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
        }
    };
    match (signed_in, members_only) {
        (false, true) => Redirect::to("/signin").into_response(),
        (true, false) | (true, true) if path != "/connections" => {
            Redirect::to("/connections").into_response()
        }
        _ => next.run(request).await,
    }
}
