//! `/metrics` in the Prometheus text format (metrics-exporter-prometheus): token refreshes by
//! outcome, refresh latency, and accounts by status (counted when scraped).

use std::sync::OnceLock;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::Iterable;

use super::AppState;
use crate::entities::email_accounts::Status;

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

pub async fn render(State(state): State<AppState>) -> Response {
    match state.accounts.count_by_status().await {
        Ok(counts) => {
            for status in Status::iter() {
                let n = counts
                    .iter()
                    .find(|(s, _)| *s == status)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("mailconnect_accounts", "status" => status.as_str()).set(n as f64);
            }
        }
        Err(error) => tracing::warn!(%error, "counting accounts for /metrics failed"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
