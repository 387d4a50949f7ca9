//! The mailconnect server: configuration, database, app accounts, the HTTP surface.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod entities;
pub mod gmail_connect;
pub mod google;
pub mod metrics;
pub mod result_page;
pub mod rotation;
pub mod secret;
pub mod throttle;
pub mod tokens;
pub mod ui_backend;
pub mod vault;
pub mod web;

use std::sync::Arc;

use leptos::prelude::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::accounts::Accounts;
use crate::auth::Sessions;
use crate::config::Config;
use crate::gmail_connect::ConnectState;
use crate::google::Google;
use crate::throttle::SignInThrottle;
use crate::tokens::{Timing, TokenService};
use crate::ui_backend::UiBackend;
use crate::web::AppState;

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
    options
}

/// Everything the router needs, built over an open database.
pub fn app_state(config: Config, db: DatabaseConnection) -> AppState {
    let sessions = Sessions::new(db.clone(), config.secure_cookies());
    let google = Google::new(&config.google, google::http_client());
    let accounts = Accounts::new(
        db.clone(),
        config.vault.clone(),
        google.clone(),
        config.refresh.window,
    );
    let tokens = TokenService::new(
        db.clone(),
        config.vault.clone(),
        google.clone(),
        config.refresh.window,
        Timing::default(),
    );
    let backend = Arc::new(UiBackend {
        db: db.clone(),
        sessions: sessions.clone(),
        accounts: accounts.clone(),
        throttle: SignInThrottle::new(config.sign_in),
    });
    let connect = ConnectState {
        db: db.clone(),
        sessions: sessions.clone(),
        vault: config.vault.clone(),
        google,
        accounts,
        origin: config.origin(),
    };
    AppState {
        leptos_options: leptos_options(&config),
        config: Arc::new(config),
        db,
        sessions,
        backend,
        connect,
        tokens,
    }
}
