//! The mailconnect server. Each folder is one domain; ARCHITECTURE.md maps them and which may
//! use which. This file wires them together.

pub mod accounts;
pub mod alerts;
pub mod backoff;
pub mod categories;
pub mod clock;
pub mod config;
pub mod connect;
pub mod db;
pub mod entities;
pub mod events;
pub mod housekeeping;
pub mod identity;
pub mod lease;
pub mod provider;
pub mod push;
pub mod secrets;
pub mod sync;
pub mod tokens;
pub mod vault;
pub mod web;

use std::sync::Arc;

use leptos::prelude::LeptosOptions;
use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::{DatabaseConnection, DbErr};

use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::Config;
use crate::connect::{ConnectState, Flows, ServiceName};
use crate::entities::email_accounts::Provider;
use crate::events::Events;
use crate::housekeeping::Housekeeping;
use crate::identity::passwords::HashGate;
use crate::identity::{Sessions, Throttle};
use crate::provider::google::Google;
use crate::provider::{MailApis, Providers, http_client};
use crate::push::Push;
use crate::sync::Syncs;
use crate::sync::queue::JobQueue;
use crate::tokens::{Timing, TokenService};
use crate::vault::Vault;
use crate::vault::rotation::RotationReport;
use crate::web::backend::UiBackend;
use crate::web::headers::PageHeaders;
use crate::web::metrics::Exporter;
use crate::web::shield::Shield;
use crate::web::{AppState, Services};

/// Leptos' own settings (site root, pkg dir, output name) from the environment cargo-leptos sets,
/// with the app's defaults when the binary is run on its own.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name("mailconnect").build());
    if options.output_name.is_empty() {
        options.output_name = "mailconnect".into();
    }
    options.site_addr = config.site_addr;
    if let Some(root) = &config.web.site_root {
        options.site_root = root.as_str().into();
    }
    // A release built with hashed file names (`LEPTOS_HASH_FILES=true cargo leptos build`)
    // keeps knowing it when the binary runs on its own.
    if option_env!("LEPTOS_HASH_FILES") == Some("true") {
        options.hash_files = true;
    }
    options
}

/// The account owner over an open database (what the token service and tests build on).
pub fn accounts(config: &Config, db: DatabaseConnection, clock: Clock) -> Accounts {
    // Only Google revokes grants; Microsoft has no endpoint for it.
    let google = Google::new(&config.google, http_client());
    Accounts::new(
        db,
        config.vault.clone(),
        google,
        clock,
        config.refresh.window,
    )
}

/// Everything the router needs, built over an open (migrated) database. `metrics` comes from
/// [`web::metrics::install`], called once at start-up.
pub async fn app_state(
    config: Config,
    db: DatabaseConnection,
    clock: Clock,
    metrics: PrometheusHandle,
) -> anyhow::Result<AppState> {
    let sessions = Sessions::new(
        db.clone(),
        config.secure_cookies(),
        config.web.session_idle,
        clock.clone(),
    );
    let throttle = Arc::new(Throttle::new(config.sign_in, config.web.per_client));
    let http = http_client();
    let providers = Providers::new(&config, http.clone());
    let accounts = accounts(&config, db.clone(), clock.clone());
    let tokens = TokenService::new(accounts.clone(), providers.clone(), Timing::default());
    let mail = MailApis::new(&config, http.clone());
    let queue = JobQueue::connect(&db).await?;
    let events = Events::new(db.clone(), clock.clone(), Default::default());
    let syncs = Syncs::new(
        db.clone(),
        accounts.clone(),
        tokens.clone(),
        mail.clone(),
        config.sync.clone(),
        queue,
        events.clone(),
    );
    let push = Push::new(
        db.clone(),
        accounts.clone(),
        tokens.clone(),
        // The sync's clients: one per-account quota limiter for every call to a mailbox.
        mail,
        syncs.clone(),
        config.vault.clone(),
        config.push.clone(),
        http.clone(),
    );
    // Rows written before transactions had categories (none after the first start).
    syncs.file_unfiled().await?;
    let backend = Arc::new(UiBackend {
        db: db.clone(),
        sessions: sessions.clone(),
        accounts: accounts.clone(),
        syncs: syncs.clone(),
        throttle: throttle.clone(),
        events: events.clone(),
        push: push.clone(),
        passwords: HashGate::new(config.web.password_hash_concurrency),
        services: [Provider::Google, Provider::Microsoft]
            .into_iter()
            .filter(|&provider| providers.offers(provider))
            .map(ServiceName::service)
            .collect(),
    });
    let connect = ConnectState {
        flows: Flows::new(db.clone(), config.vault.clone(), clock),
        sessions: sessions.clone(),
        providers,
        accounts: accounts.clone(),
        syncs: syncs.clone(),
        push: push.clone(),
        origin: config.origin(),
        issuer: config.google.issuer.clone(),
        throttle,
    };
    let exporter = Exporter::new(
        metrics,
        accounts.clone(),
        push.clone(),
        config.web.metrics_token.as_ref(),
        config.web.metrics_addr.is_some(),
    );
    let shield = Shield {
        origin: config.origin(),
        trusted_proxies: config.web.trusted_proxies.clone().into(),
    };
    let page_headers = PageHeaders {
        https: config.secure_cookies(),
        live_reload: std::env::var_os("LEPTOS_WATCH").is_some(),
        sessions: sessions.clone(),
    };
    Ok(AppState::new(Services {
        leptos_options: leptos_options(&config),
        config: Arc::new(config),
        db,
        sessions,
        backend,
        connect,
        accounts,
        tokens,
        syncs,
        events,
        push,
        metrics: exporter,
        shield,
        page_headers,
    }))
}

/// The housekeeping loop's parts, from the app's.
pub fn housekeeping(state: &AppState) -> Housekeeping {
    Housekeeping {
        accounts: state.accounts.clone(),
        flows: state.connect.flows.clone(),
        sessions: state.sessions.clone(),
        syncs: state.syncs.clone(),
        events: state.events.clone(),
    }
}

/// Re-seals every stored secret (account tokens, PKCE verifiers, subscriptions' clientStates)
/// under `vault`'s current key.
pub async fn rotate_keys(
    db: &DatabaseConnection,
    vault: &Vault,
    batch: u64,
) -> Result<RotationReport, DbErr> {
    let clock = Clock::system();
    let mut report = RotationReport::default();
    accounts::rotation::rotate_secrets(db, vault, &clock, batch, &mut report).await?;
    Flows::new(db.clone(), vault.clone(), clock.clone())
        .rotate_secrets(batch, &mut report)
        .await?;
    push::rotation::rotate_secrets(db, vault, &clock, batch, &mut report).await?;
    Ok(report)
}
