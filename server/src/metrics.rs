//! `/metrics` in the Prometheus text format (metrics-exporter-prometheus): token refreshes by
//! outcome, refresh latency, and accounts by status (counted when scraped).

use std::sync::OnceLock;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QuerySelect};

use crate::entities::email_accounts::{
    self, STATUS_ACTIVE, STATUS_DISCONNECTED, STATUS_NEEDS_RECONNECT,
};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder (once) and returns its handle.
pub fn handle() -> PrometheusHandle {
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
            // A second installation (several apps in one test process) keeps the first recorder.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub async fn render(State(db): State<DatabaseConnection>) -> Response {
    let counts: Result<Vec<(String, i64)>, _> = email_accounts::Entity::find()
        .select_only()
        .column(email_accounts::Column::Status)
        .column_as(email_accounts::Column::Id.count(), "count")
        .group_by(email_accounts::Column::Status)
        .into_tuple()
        .all(&db)
        .await;
    match counts {
        Ok(counts) => {
            for status in [STATUS_ACTIVE, STATUS_NEEDS_RECONNECT, STATUS_DISCONNECTED] {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("mailconnect_accounts", "status" => status).set(n as f64);
            }
        }
        Err(error) => tracing::warn!(%error, "counting accounts for /metrics failed"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response()
}
