//! Configuration: read once at start from the environment (and `.env` when present), parsed into
//! validated types. A bad value stops the server with one line naming the variable and the fix.

mod microsoft;
mod push;
mod source;
mod web;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use url::Url;

use crate::vault::{Vault, VaultKey};
use secrecy::SecretString;

pub use microsoft::{MicrosoftConfig, OUTLOOK_AUTHSERV_ID};
pub use push::{GmailPush, PushConfig};
pub use source::{DEMO_KEY_FILE, Source, google_at, microsoft_at};
pub use web::WebConfig;

/// Everything the server needs to know about its surroundings.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub app_origin: Url,
    pub site_addr: SocketAddr,
    pub vault: Vault,
    pub google: GoogleConfig,
    /// Set when `MICROSOFT_CLIENT_ID` is: Outlook mailboxes can be connected.
    pub microsoft: Option<MicrosoftConfig>,
    pub refresh: RefreshConfig,
    pub sign_in: SignInLimits,
    pub sync: SyncConfig,
    pub push: PushConfig,
    pub web: WebConfig,
}

/// The mail sync's cadence.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// Every active account gets a sync job this often.
    pub interval: Duration,
    /// A mailbox whose push works gets one this often instead (deliveries queue the rest).
    pub safety_interval: Duration,
    /// Accounts syncing at once in this instance; 0 runs no sync workers and no scheduler here
    /// (another instance does).
    pub concurrency: usize,
    /// How far back the first sync of a mailbox reads.
    pub initial_days: i64,
    /// How long a sync's run lease lasts without renewal (a crashed run's lapses after this).
    pub lease: Duration,
    /// List pages one run reads (100 messages each); a longer listing goes on in the next run.
    pub pages_per_run: usize,
    /// How long a finished sync job stays in the job table.
    pub job_retention: Duration,
    /// "Sync now" of one mailbox at most this often (zero: no limit).
    pub sync_now_interval: Duration,
}

/// How many attempts one key (an email address, a client address) gets (see `throttle.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInLimits {
    /// Attempts at once.
    pub burst: NonZeroU32,
    /// Attempts regained per minute after the burst.
    pub per_minute: NonZeroU32,
}

/// The OAuth client and every Google endpoint (all configurable, so tests and the local demo
/// can point them at the fake Google in `end2end/`).
#[derive(Clone, Debug)]
pub struct GoogleConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    pub redirect_uri: Url,
    pub auth_url: Url,
    pub token_url: Url,
    pub userinfo_url: Url,
    pub revoke_url: Url,
    pub gmail_api_url: Url,
    /// The `iss` Google adds to the callback (RFC 9207); another value is refused.
    pub issuer: String,
}

/// The background refresher's cadence.
#[derive(Clone, Debug)]
pub struct RefreshConfig {
    pub interval: Duration,
    pub window: Duration,
    pub concurrency: usize,
}

/// A variable that is missing or malformed, with the fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {var} {problem}; {fix}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
    pub fix: String,
}

impl ConfigError {
    pub fn new(var: &'static str, problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            var,
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/mailconnect.db?mode=rwc";
pub const DEFAULT_APP_ORIGIN: &str = "http://127.0.0.1:3000";

impl Config {
    pub fn load(source: &Source) -> Result<Self, ConfigError> {
        let database_url = source
            .get("DATABASE_URL")
            .unwrap_or(DEFAULT_DATABASE_URL)
            .to_owned();
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "is neither a sqlite: nor a postgres:// URL",
                format!("use e.g. {DEFAULT_DATABASE_URL} or postgres://user:password@host/db"),
            ));
        }

        let app_origin = parse_origin(source.get("APP_ORIGIN").unwrap_or(DEFAULT_APP_ORIGIN))?;
        let site_addr = source.parse(
            "LEPTOS_SITE_ADDR",
            SocketAddr::from(([127, 0, 0, 1], 3000)),
            "set it to host:port, like 127.0.0.1:3000",
        )?;

        let vault = load_vault(source)?;
        let google = load_google(source, &app_origin)?;
        let microsoft = microsoft::load(source, &app_origin)?;
        let refresh = RefreshConfig {
            interval: seconds(source, "REFRESH_INTERVAL_SECS", 60, 1)?,
            window: seconds(source, "REFRESH_WINDOW_SECS", 7200, 600)?,
            // A refresh waits on the network, not the CPU: 32 in flight renew 1,000 due
            // accounts in under 2 s with a 50 ms token endpoint (BENCHMARKS.md).
            concurrency: source.parse(
                "REFRESH_CONCURRENCY",
                32usize,
                "set it to a whole number of parallel refreshes, like 32",
            )?,
        };
        if refresh.concurrency == 0 {
            return Err(ConfigError::new(
                "REFRESH_CONCURRENCY",
                "is 0",
                "set it to at least 1",
            ));
        }

        let concurrency: u32 = source.parse(
            "SYNC_CONCURRENCY",
            8,
            "set it to a whole number of mailboxes syncing at once (0: none on this instance)",
        )?;
        let initial_days: NonZeroU32 = source.parse(
            "SYNC_INITIAL_DAYS",
            NonZeroU32::new(7).unwrap(),
            "set it to a whole number of days, at least 1",
        )?;
        let pages_per_run: NonZeroU32 = source.parse(
            "SYNC_PAGES_PER_RUN",
            NonZeroU32::new(50).unwrap(),
            "set it to a whole number of list pages, at least 1",
        )?;
        let sync = SyncConfig {
            interval: seconds(source, "SYNC_INTERVAL_SECS", 300, 10)?,
            safety_interval: seconds(source, "SYNC_SAFETY_INTERVAL_SECS", 3600, 60)?,
            concurrency: concurrency as usize,
            initial_days: i64::from(initial_days.get()),
            lease: seconds(source, "SYNC_LEASE_SECS", 60, 5)?,
            pages_per_run: pages_per_run.get() as usize,
            job_retention: seconds(source, "SYNC_JOB_RETENTION_SECS", 86_400, 60)?,
            sync_now_interval: seconds(source, "SYNC_NOW_INTERVAL_SECS", 60, 0)?,
        };

        let whole = "set it to a whole number of attempts, at least 1";
        let sign_in = SignInLimits {
            burst: source.parse("SIGN_IN_BURST", NonZeroU32::new(10).unwrap(), whole)?,
            per_minute: source.parse("SIGN_IN_PER_MINUTE", NonZeroU32::new(5).unwrap(), whole)?,
        };

        let push = push::load(source, microsoft.is_some())?;
        let web = web::load(source)?;

        Ok(Self {
            database_url,
            app_origin,
            site_addr,
            vault,
            google,
            microsoft,
            refresh,
            sign_in,
            sync,
            push,
            web,
        })
    }

    /// Whether cookies must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.app_origin.scheme() == "https"
    }

    /// Whether the origin is this machine (plain http is fine there).
    pub fn origin_is_loopback(&self) -> bool {
        match self.app_origin.host() {
            Some(url::Host::Domain(name)) => name == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
    }

    /// The origin as browsers serialise it (no trailing slash), for postMessage and checks.
    pub fn origin(&self) -> String {
        self.app_origin.origin().ascii_serialization()
    }
}

pub(crate) const KEY_FIX: &str =
    "run `server gen-key` and set it to the printed value (64 random bytes, base64)";

fn load_vault(source: &Source) -> Result<Vault, ConfigError> {
    let var = "TOKEN_ENCRYPTION_KEY";
    let raw = source
        .get(var)
        .ok_or_else(|| ConfigError::new(var, "is not set", KEY_FIX))?;
    let current = VaultKey::parse(&SecretString::from(raw.to_owned()))
        .map_err(|e| ConfigError::new(var, e.to_string(), KEY_FIX))?;
    let mut retired = Vec::new();
    for (position, raw) in source
        .get("TOKEN_DECRYPTION_KEYS")
        .unwrap_or_default()
        .split(',')
        .enumerate()
    {
        if raw.trim().is_empty() {
            continue;
        }
        let key = VaultKey::parse(&SecretString::from(raw.to_owned())).map_err(|e| {
            ConfigError::new(
                "TOKEN_DECRYPTION_KEYS",
                format!("entry {} {e}", position + 1),
                "list retired keys as comma-separated base64 values, each as `server gen-key` prints",
            )
        })?;
        retired.push(key);
    }
    Ok(Vault::new(current, retired))
}

fn load_google(source: &Source, app_origin: &Url) -> Result<GoogleConfig, ConfigError> {
    let client_id = source
        .get("GOOGLE_CLIENT_ID")
        .ok_or_else(|| {
            ConfigError::new(
                "GOOGLE_CLIENT_ID",
                "is not set",
                "create an OAuth client (Web application) in Google Cloud and set its id and secret, \
                 or run `server serve --demo` to use the fake Google",
            )
        })?
        .to_owned();
    let client_secret = SecretString::from(
        source
            .get("GOOGLE_CLIENT_SECRET")
            .ok_or_else(|| {
                ConfigError::new(
                    "GOOGLE_CLIENT_SECRET",
                    "is not set",
                    "set it to the OAuth client's secret",
                )
            })?
            .to_owned(),
    );
    let default_redirect = app_origin
        .join("/auth/gmail/callback")
        .expect("origin joins a path");
    Ok(GoogleConfig {
        client_id,
        client_secret,
        redirect_uri: url_var(source, "GOOGLE_REDIRECT_URI", default_redirect.as_str())?,
        auth_url: url_var(
            source,
            "GOOGLE_AUTH_URL",
            "https://accounts.google.com/o/oauth2/v2/auth",
        )?,
        token_url: url_var(
            source,
            "GOOGLE_TOKEN_URL",
            "https://oauth2.googleapis.com/token",
        )?,
        userinfo_url: url_var(
            source,
            "GOOGLE_USERINFO_URL",
            "https://openidconnect.googleapis.com/v1/userinfo",
        )?,
        revoke_url: url_var(
            source,
            "GOOGLE_REVOKE_URL",
            "https://oauth2.googleapis.com/revoke",
        )?,
        gmail_api_url: url_var(source, "GMAIL_API_URL", "https://gmail.googleapis.com")?,
        issuer: source
            .get("GOOGLE_ISSUER")
            .unwrap_or("https://accounts.google.com")
            .to_owned(),
    })
}

fn url_var(source: &Source, var: &'static str, default: &str) -> Result<Url, ConfigError> {
    let raw = source.get(var).unwrap_or(default);
    Url::parse(raw)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .ok_or_else(|| {
            ConfigError::new(
                var,
                format!("is not an http(s) URL ({raw:?})"),
                format!("set it like {default}"),
            )
        })
}

fn parse_origin(raw: &str) -> Result<Url, ConfigError> {
    let fix =
        "set it to the app's public origin, like http://127.0.0.1:3000 or https://mail.example.com";
    let url = Url::parse(raw)
        .map_err(|_| ConfigError::new("APP_ORIGIN", format!("is not a URL ({raw:?})"), fix))?;
    let bare = matches!(url.path(), "" | "/") && url.query().is_none() && url.fragment().is_none();
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !bare {
        return Err(ConfigError::new(
            "APP_ORIGIN",
            format!("is not an http(s) origin ({raw:?})"),
            fix,
        ));
    }
    Ok(url)
}

/// Parses a whole number of seconds, at least `min`.
pub fn seconds(
    source: &Source,
    var: &'static str,
    default: u64,
    min: u64,
) -> Result<Duration, ConfigError> {
    let value: u64 = source.parse(
        var,
        default,
        &format!("set it to a whole number of seconds (at least {min})"),
    )?;
    if value < min {
        return Err(ConfigError::new(
            var,
            format!("is {value}, below {min}"),
            format!("set it to at least {min}"),
        ));
    }
    Ok(Duration::from_secs(value))
}

#[cfg(test)]
mod tests;
