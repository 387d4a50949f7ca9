//! `server`: serves the app (default), or runs one maintenance command.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use server::clock::Clock;
use server::config::{Config, Source};
use server::vault::rotation::BATCH_SIZE;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: each request makes many small allocations on
/// whichever thread runs it, which glibc's malloc serves slower and holds on to longer (one
/// arena per thread). It is built to commit memory on demand (`.cargo/config.toml`), which
/// keeps about 20 MB less resident. See BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "server",
    about = "mailconnect: connect Gmail accounts to your app"
)]
struct Cli {
    /// Local demo (also MAILCONNECT_DEMO=1): create a development token key under data/ if none
    /// is configured, and use the fake Google when GOOGLE_CLIENT_ID is not set. Any usual
    /// spelling of a boolean: 1/0, true/false, yes/no, on/off.
    #[arg(
        long,
        global = true,
        env = "MAILCONNECT_DEMO",
        num_args = 0..=1,
        default_value = "false",
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new(),
    )]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print a fresh TOKEN_ENCRYPTION_KEY (64 random bytes, base64).
    GenKey,
    /// Re-seal every stored secret under the current TOKEN_ENCRYPTION_KEY.
    RotateKeys,
    /// Classify raw mails (.eml files) and print, for each, its outcome, bank, and each
    /// transaction's kind, amount and fields, or the reason it gave none.
    Classify {
        /// Read them as an Outlook mailbox would (OUTLOOK_AUTHSERV_ID's verdict, default
        /// mx.microsoft.com), not as a Gmail one.
        #[arg(long)]
        outlook: bool,
        /// Skip the authenticity check: for a forwarded or re-saved sample whose mail service
        /// verdict was lost, to see what its layout gives.
        #[arg(long)]
        layout_only: bool,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::GenKey = command {
        println!("{}", server::vault::VaultKey::generate().expose_secret());
        return ExitCode::SUCCESS;
    }
    if let Command::Classify {
        outlook,
        layout_only,
        files,
    } = &command
    {
        return classify(*outlook, *layout_only, files);
    }
    let demo = cli.demo && matches!(command, Command::Serve);

    let source = Source::from_env().and_then(|source| {
        if demo {
            source.with_demo_defaults()
        } else {
            Ok(source)
        }
    });
    let config = match source.and_then(|source| Config::load(&source)) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };

    let result = match command {
        Command::Serve => serve(config).await,
        Command::Migrate => server::db::connect_and_migrate(&config.database_url)
            .await
            .map(|_| println!("migrations applied")),
        Command::RotateKeys => rotate_keys(config).await,
        Command::GenKey | Command::Classify { .. } => {
            unreachable!("handled before configuration is read")
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    if !config.secure_cookies() && !config.origin_is_loopback() {
        tracing::warn!(
            origin = %config.origin(),
            "APP_ORIGIN is plain http on a non-loopback host: session cookies travel unencrypted \
             and lack the __Host- prefix; serve the app over https"
        );
    }
    let metrics = server::web::metrics::install();
    let db = server::db::connect_and_migrate(&config.database_url).await?;
    let addr = config.site_addr;
    let metrics_addr = config.web.metrics_addr;
    let refresh = config.refresh.clone();
    let state = server::app_state(config, db, Clock::system(), metrics).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn(wait_for_signal(shutdown.clone()));
    let tasks = TaskTracker::new();
    tasks.spawn(state.tokens.clone().run(refresh.clone(), shutdown.clone()));
    tasks.spawn(server::housekeeping(&state).run(refresh.interval, shutdown.clone()));
    tasks.spawn(state.events.clone().run(shutdown.clone()));
    tasks.spawn(state.push.clone().run(shutdown.clone()));
    if state.syncs.config().concurrency > 0 {
        tasks.spawn(server::sync::queue::run_workers(
            state.syncs.clone(),
            shutdown.clone(),
        ));
        tasks.spawn(server::sync::queue::run_scheduler(
            state.syncs.clone(),
            shutdown.clone(),
        ));
    } else {
        tracing::info!("SYNC_CONCURRENCY=0: this instance runs no mail syncs");
    }
    if let Some(metrics_addr) = metrics_addr {
        let listener = tokio::net::TcpListener::bind(metrics_addr).await?;
        tracing::info!("metrics on http://{metrics_addr}/metrics");
        let router = state.metrics.private_router();
        tasks.spawn(server::web::serve::serve(
            listener,
            router,
            shutdown.clone().cancelled_owned(),
        ));
    }
    tasks.close();
    let app = server::web::router(state);

    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{addr}");
    server::web::serve::serve(listener, app, shutdown.clone().cancelled_owned()).await;
    shutdown.cancel();
    tasks.wait().await;
    tracing::info!("stopped");
    Ok(())
}

async fn rotate_keys(config: Config) -> anyhow::Result<()> {
    let db = server::db::connect_and_migrate(&config.database_url).await?;
    let report = server::rotate_keys(&db, &config.vault, BATCH_SIZE).await?;
    println!("{report}");
    Ok(())
}

/// Cancels `token` on Ctrl-C or SIGTERM.
async fn wait_for_signal(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
    token.cancel();
}

/// Logs to standard output: human-readable lines, or JSON lines with `LOG_FORMAT=json`. The
/// filter comes from `RUST_LOG` (default `info,sqlx=warn`).
fn init_logging() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match std::env::var("LOG_FORMAT").as_deref() {
        Ok("json") => builder.json().init(),
        Ok("text") | Err(_) => builder.init(),
        Ok(other) => {
            builder.init();
            tracing::warn!(
                value = other,
                "LOG_FORMAT must be `json` or `text`; using text"
            );
        }
    }
}

/// `server classify FILE...`: what the classifier makes of each mail. Exits with 1 when a file
/// cannot be read.
fn classify(outlook: bool, layout_only: bool, files: &[std::path::PathBuf]) -> ExitCode {
    let authserv_id = std::env::var("OUTLOOK_AUTHSERV_ID")
        .ok()
        .filter(|id| !id.trim().is_empty())
        .unwrap_or_else(|| "mx.microsoft.com".into());
    let verdicts = if outlook {
        server::alerts::Verdicts {
            authserv_id: authserv_id.trim(),
            unnamed_topmost: true,
        }
    } else {
        server::alerts::GMAIL_VERDICTS
    };
    let mut status = ExitCode::SUCCESS;
    for file in files {
        match std::fs::read(file) {
            Ok(raw) => {
                let examined = if layout_only {
                    server::alerts::examine_layout(&raw)
                } else {
                    server::alerts::examine(&raw, verdicts)
                };
                println!("{}: {}", file.display(), server::alerts::report(&examined));
            }
            Err(error) => {
                eprintln!("{}: cannot be read: {error}", file.display());
                status = ExitCode::from(1);
            }
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(args: &[&str]) -> Result<bool, clap::Error> {
        let args = std::iter::once("server").chain(args.iter().copied());
        Cli::try_parse_from(args).map(|cli| cli.demo)
    }

    #[test]
    fn the_demo_switch_takes_the_usual_spellings_of_a_boolean() {
        assert!(!demo(&[]).unwrap());
        assert!(demo(&["--demo"]).unwrap());
        for yes in ["1", "true", "yes", "on", "TRUE"] {
            assert!(demo(&[&format!("--demo={yes}")]).unwrap(), "{yes}");
        }
        for no in ["0", "false", "no", "off"] {
            assert!(!demo(&[&format!("--demo={no}"), "serve"]).unwrap(), "{no}");
        }
        let error = demo(&["--demo=maybe"]).unwrap_err().to_string();
        assert!(error.contains("invalid value 'maybe'"), "{error}");
    }
}
