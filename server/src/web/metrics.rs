//! `/metrics` in the Prometheus text format (metrics-exporter-prometheus): token refreshes by
//! outcome, refresh latency, accounts by status, and mailboxes by push state with the age of
//! each service's newest delivery.
//!
//! Only for the operator: on the app's listener it answers only with `METRICS_TOKEN` as a
//! bearer token; with `METRICS_ADDR` set it is served on that separate listener instead (for a
//! private network), and the app's listener answers 404. The account counts are a GROUP BY,
//! so a scrape reruns it at most every [`COUNTS_TTL`].

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, StatusCode, header};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::Iterable;
use secrecy::{ExposeSecret, SecretString};

use crate::accounts::Accounts;
use crate::entities::email_accounts::Status;
use crate::push::Push;
use crate::secrets::sha256_hex;

/// How long the account counts of one scrape serve the next ones.
pub const COUNTS_TTL: Duration = Duration::from_secs(15);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder and returns its handle. Called once at start-up; a second
/// call (several test servers in one process) returns the same handle.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("mailconnect_token_refresh_seconds".into()),
                    &[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
                )
                .expect("static buckets");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            handle
        })
        .clone()
}

/// Who may read `/metrics`, and the cached account counts.
#[derive(Clone)]
pub struct Exporter {
    handle: PrometheusHandle,
    accounts: Accounts,
    push: Push,
    access: Access,
    counted_at: Arc<Mutex<Option<Instant>>>,
}

/// Where `/metrics` answers.
#[derive(Clone)]
enum Access {
    /// Nowhere on this listener (disabled, or served on `METRICS_ADDR`).
    Closed,
    /// To requests with this bearer token (kept as its SHA-256).
    Bearer(String),
    /// To anyone who reaches the listener (the private `METRICS_ADDR` one).
    Open,
}

impl Exporter {
    /// The exporter for the app's listener.
    pub fn new(
        handle: PrometheusHandle,
        accounts: Accounts,
        push: Push,
        token: Option<&SecretString>,
        separate_listener: bool,
    ) -> Self {
        let access = match token {
            Some(token) if !separate_listener => Access::Bearer(sha256_hex(token.expose_secret())),
            _ => Access::Closed,
        };
        Self {
            handle,
            accounts,
            push,
            access,
            counted_at: Arc::new(Mutex::new(None)),
        }
    }

    /// The router for the separate `METRICS_ADDR` listener: `/metrics` and nothing else.
    pub fn private_router(&self) -> Router {
        let open = Self {
            access: Access::Open,
            ..self.clone()
        };
        Router::new()
            .route("/metrics", get(render))
            .with_state(open)
    }

    fn allows(&self, headers: &HeaderMap) -> bool {
        match &self.access {
            Access::Closed => false,
            Access::Open => true,
            Access::Bearer(expected) => headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "))
                // Compared as digests: equal length, and a near miss tells nothing.
                .is_some_and(|token| sha256_hex(token.trim()) == *expected),
        }
    }

    /// Recounts accounts by status unless the last count is younger than [`COUNTS_TTL`].
    async fn count_accounts(&self) {
        {
            let mut counted_at = self.counted_at.lock().expect("metrics lock");
            if counted_at.is_some_and(|at| at.elapsed() < COUNTS_TTL) {
                return;
            }
            // Claimed before counting, so concurrent scrapes do not all run the query.
            *counted_at = Some(Instant::now());
        }
        match self.accounts.count_by_status().await {
            Ok(counts) => {
                for status in Status::iter() {
                    let n = counts
                        .iter()
                        .find(|(s, _)| *s == status)
                        .map_or(0, |(_, n)| *n);
                    metrics::gauge!("mailconnect_accounts", "status" => status.as_str())
                        .set(n as f64);
                }
            }
            Err(error) => {
                tracing::warn!(%error, "counting accounts for /metrics failed");
                *self.counted_at.lock().expect("metrics lock") = None;
            }
        }
        match self.push.census().await {
            Ok(rows) => {
                let now = self.push.clock().now();
                for row in rows {
                    let service = crate::push::service(row.provider);
                    let state = row.state.as_str();
                    metrics::gauge!("mailconnect_push_mailboxes", "service" => service, "state" => state)
                        .set(row.mailboxes as f64);
                    if let Some(at) = row.last_delivery_at {
                        metrics::gauge!("mailconnect_push_last_delivery_age_seconds", "service" => service, "state" => state)
                            .set((now - at).max(0) as f64);
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "counting push states for /metrics failed"),
        }
    }
}

pub async fn render(State(exporter): State<Exporter>, headers: HeaderMap) -> Response {
    match exporter.access {
        Access::Closed => return StatusCode::NOT_FOUND.into_response(),
        Access::Bearer(_) if !exporter.allows(&headers) => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "A bearer token is required.",
            )
                .into_response();
        }
        Access::Bearer(_) | Access::Open => {}
    }
    exporter.count_accounts().await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        exporter.handle.render(),
    )
        .into_response()
}
