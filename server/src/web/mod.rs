//! The HTTP surface: the accept loop ([`serve`]), the router with its layers (request tracing,
//! the request timeout and body limit, security headers, the shield, the page guard), Leptos
//! pages and server functions, the OAuth routes, `/healthz` and `/metrics`.

pub mod assets;
pub mod backend;
pub mod events;
pub mod format;
pub mod guard;
pub mod headers;
pub mod metrics;
pub mod push;
pub mod serve;
pub mod shield;
pub mod transactions;

use std::ops::Deref;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use app::backend::SharedBackend;
use app::error::AppError;
use app::{App, shell};
use axum::Router;
use axum::extract::{FromRef, MatchedPath, Request, State};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use sea_orm::DatabaseConnection;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::accounts::Accounts;
use crate::config::Config;
use crate::connect::{self, ConnectState};
use crate::events::Events;
use crate::identity::Sessions;
use crate::push::Push;
use crate::sync::Syncs;
use crate::tokens::TokenService;

/// Shared by axum handlers and (through context) Leptos server functions. Leptos puts a clone
/// in every request's context, so it is one `Arc`: a clone counts a reference instead of copying
/// every service's settings. Fields are read through `Deref`.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

pub struct Services {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub sessions: Sessions,
    pub backend: SharedBackend,
    pub connect: ConnectState,
    pub accounts: Accounts,
    pub tokens: TokenService,
    pub syncs: Syncs,
    pub events: Events,
    pub push: Push,
    pub metrics: metrics::Exporter,
    pub shield: shield::Shield,
    pub page_headers: headers::PageHeaders,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// `State<T>` for the parts handlers extract on their own.
macro_rules! state_parts {
    ($($field:ident: $part:ty),* $(,)?) => {
        $(impl FromRef<AppState> for $part {
            fn from_ref(state: &AppState) -> Self {
                state.$field.clone()
            }
        })*
    };
}

state_parts!(
    leptos_options: LeptosOptions,
    db: DatabaseConnection,
    connect: ConnectState,
    metrics: metrics::Exporter,
);

/// Logs an internal failure and gives the browser only the generic message.
pub fn internal(context: &str, error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "{context}");
    AppError::Internal
}

/// Every request, the popup's callback included, is answered within this.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest request body (server-function calls and form posts are a few hundred bytes).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The app's pages, listed once per process. Listing them runs the app with resource loading
/// switched off for the whole process (a flag in leptos_server), so a page rendered meanwhile by
/// another router would wait forever; listing once, before any router serves, rules that out.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

pub fn router(state: AppState) -> Router {
    let routes = ROUTES.clone();
    let backend = state.backend.clone();
    let fallback_backend = state.backend.clone();
    let options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route("/auth/{provider}/start", get(connect::start))
        .route("/auth/{provider}/callback", get(connect::callback))
        .route("/transactions.csv", get(transactions::csv))
        .route("/events", get(events::stream))
        .route("/push/gmail", post(push::gmail))
        .route("/push/outlook", post(push::outlook))
        .route("/favicon.ico", get(assets::favicon))
        .nest(&format!("/{}", options.site_pkg_dir), assets::pkg(&options))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || shell(options.clone()),
        )
        // A file under the site root, else the app's "Page not found" (status 404).
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || provide_context(fallback_backend.clone()), shell
        ))
        // Layers run outside-in from the last: trace, compression, time limit, body limit,
        // headers, shield, page guard, route.
        // Each layer's state is cloned for every request: an `Arc` keeps that a reference count.
        .layer(middleware::from_fn_with_state(
            Arc::new(state.sessions.clone()),
            guard::page_guard,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::new(state.shield.clone()),
            shield::shield,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::new(state.page_headers.clone()),
            headers::security_headers,
        ))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(assets::compression())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_response),
        )
        .with_state(state)
}

/// A request's span: its method and route (the matched pattern, else the path), never the
/// query string, which on `/auth/*` carries states and codes.
fn request_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path(), MatchedPath::as_str);
    tracing::info_span!("request", method = %request.method(), route = %route)
}

fn log_response(response: &Response, latency: Duration, _span: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "answered"
    );
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
