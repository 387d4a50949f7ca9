//! Configuration: read once at start from the environment (and `.env` when present), parsed into
//! validated types. A bad value stops the server with one line naming the variable and the fix.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use url::Url;

use crate::secret::Secret;
use crate::vault::{Vault, VaultKey};

/// Everything the server needs to know about its surroundings.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub app_origin: Url,
    pub site_addr: SocketAddr,
    pub vault: Vault,
    pub google: GoogleConfig,
    pub refresh: RefreshConfig,
    pub sign_in: SignInLimits,
}

/// How many sign-in attempts each email address gets (see `throttle.rs`).
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
    pub client_secret: Secret<String>,
    pub redirect_uri: Url,
    pub auth_url: Url,
    pub token_url: Url,
    pub userinfo_url: Url,
    pub revoke_url: Url,
    pub gmail_api_url: Url,
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

/// Where variables come from: the process environment first, then `.env`.
#[derive(Clone, Debug, Default)]
pub struct Source {
    values: HashMap<String, String>,
}

impl Source {
    /// The process environment layered over the `.env` file in the working directory, if any.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut values = HashMap::new();
        match dotenvy::from_path_iter(".env") {
            Ok(iter) => {
                for item in iter {
                    let (key, value) = item.map_err(|e| {
                        ConfigError::new(
                            ".env",
                            format!("cannot be read ({e})"),
                            "fix or remove the line",
                        )
                    })?;
                    values.insert(key, value);
                }
            }
            Err(e) if e.not_found() => {}
            Err(e) => {
                return Err(ConfigError::new(
                    ".env",
                    format!("cannot be read ({e})"),
                    "fix or remove the file",
                ));
            }
        }
        values.extend(std::env::vars());
        Ok(Self { values })
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// Fills in what the local demo needs and an operator has not set: a development token key
    /// (kept in `data/dev-token-key`, created with mode 0600 on first use) and, without a
    /// `GOOGLE_CLIENT_ID`, the fake Google from `end2end/` on 127.0.0.1:4010. Never for production.
    pub fn with_demo_defaults(mut self) -> Result<Self, ConfigError> {
        if self.get("TOKEN_ENCRYPTION_KEY").is_none() {
            let key = demo_key(std::path::Path::new(DEMO_KEY_FILE))?;
            self.values
                .insert("TOKEN_ENCRYPTION_KEY".into(), key.into_inner());
        }
        if self.get("GOOGLE_CLIENT_ID").is_none() {
            tracing::warn!(
                "demo mode: GOOGLE_CLIENT_ID is not set, so Gmail connects go to the fake Google at {DEMO_GOOGLE}"
            );
            let fake = [
                ("GOOGLE_CLIENT_ID", "fake-client-id".to_owned()),
                ("GOOGLE_CLIENT_SECRET", "fake-client-secret".to_owned()),
                ("GOOGLE_AUTH_URL", format!("{DEMO_GOOGLE}/o/oauth2/v2/auth")),
                ("GOOGLE_TOKEN_URL", format!("{DEMO_GOOGLE}/token")),
                ("GOOGLE_USERINFO_URL", format!("{DEMO_GOOGLE}/v1/userinfo")),
                ("GOOGLE_REVOKE_URL", format!("{DEMO_GOOGLE}/revoke")),
                ("GMAIL_API_URL", DEMO_GOOGLE.to_owned()),
            ];
            for (var, value) in fake {
                self.values.insert(var.into(), value);
            }
        }
        Ok(self)
    }

    /// The value, or `None` when unset or blank.
    pub fn get(&self, var: &str) -> Option<&str> {
        self.values
            .get(var)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn parse<T: std::str::FromStr>(
        &self,
        var: &'static str,
        default: T,
        fix: &str,
    ) -> Result<T, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|_| {
                ConfigError::new(var, format!("has the malformed value {raw:?}"), fix)
            }),
        }
    }
}

pub const DEMO_KEY_FILE: &str = "data/dev-token-key";
const DEMO_GOOGLE: &str = "http://127.0.0.1:4010";

/// Reads the development key file, or creates it (mode 0600) with a fresh key.
fn demo_key(path: &std::path::Path) -> Result<Secret<String>, ConfigError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    let unreadable = |e: std::io::Error| {
        ConfigError::new(
            "TOKEN_ENCRYPTION_KEY",
            format!("is not set and {} cannot be used ({e})", path.display()),
            KEY_FIX,
        )
    };
    match std::fs::read_to_string(path) {
        Ok(key) => return Ok(Secret::new(key.trim().to_owned())),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(unreadable(e)),
        Err(_) => {}
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(unreadable)?;
    }
    let key = VaultKey::generate();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(unreadable)?;
    file.write_all(key.expose().as_bytes())
        .map_err(unreadable)?;
    tracing::warn!(
        "demo mode: created a development token key in {} (mode 0600); set TOKEN_ENCRYPTION_KEY in production",
        path.display()
    );
    Ok(key)
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
        let refresh = RefreshConfig {
            interval: seconds(source, "REFRESH_INTERVAL_SECS", 60, 1)?,
            window: seconds(source, "REFRESH_WINDOW_SECS", 7200, 600)?,
            concurrency: source.parse(
                "REFRESH_CONCURRENCY",
                16usize,
                "set it to a whole number of parallel refreshes, like 16",
            )?,
        };
        if refresh.concurrency == 0 {
            return Err(ConfigError::new(
                "REFRESH_CONCURRENCY",
                "is 0",
                "set it to at least 1",
            ));
        }

        let whole = "set it to a whole number of attempts, at least 1";
        let sign_in = SignInLimits {
            burst: source.parse("SIGN_IN_BURST", NonZeroU32::new(10).unwrap(), whole)?,
            per_minute: source.parse("SIGN_IN_PER_MINUTE", NonZeroU32::new(5).unwrap(), whole)?,
        };

        Ok(Self {
            database_url,
            app_origin,
            site_addr,
            vault,
            google,
            refresh,
            sign_in,
        })
    }

    /// Whether cookies must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.app_origin.scheme() == "https"
    }

    /// The origin as browsers serialise it (no trailing slash), for postMessage and checks.
    pub fn origin(&self) -> String {
        self.app_origin.origin().ascii_serialization()
    }
}

const KEY_FIX: &str =
    "run `server gen-key` and set it to the printed value (64 random bytes, base64)";

fn load_vault(source: &Source) -> Result<Vault, ConfigError> {
    let var = "TOKEN_ENCRYPTION_KEY";
    let raw = source
        .get(var)
        .ok_or_else(|| ConfigError::new(var, "is not set", KEY_FIX))?;
    let current = VaultKey::parse(&Secret::new(raw.to_owned()))
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
        let key = VaultKey::parse(&Secret::new(raw.to_owned())).map_err(|e| {
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
    let client_secret = Secret::new(
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
mod tests {
    use super::*;

    fn required() -> Vec<(&'static str, String)> {
        vec![
            ("TOKEN_ENCRYPTION_KEY", VaultKey::generate().into_inner()),
            ("GOOGLE_CLIENT_ID", "id".into()),
            ("GOOGLE_CLIENT_SECRET", "secret".into()),
        ]
    }

    fn source_with(extra: &[(&'static str, &str)]) -> Source {
        let mut pairs = required();
        pairs.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        Source::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
    }

    #[test]
    fn defaults_need_only_the_key_and_client() {
        let config = Config::load(&source_with(&[])).unwrap();
        assert_eq!(
            config.google.redirect_uri.as_str(),
            "http://127.0.0.1:3000/auth/gmail/callback"
        );
        assert_eq!(config.refresh.concurrency, 16);
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.origin(), "http://127.0.0.1:3000");
        assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
        assert!(!config.secure_cookies());
    }

    #[test]
    fn https_origin_means_secure_cookies() {
        let config =
            Config::load(&source_with(&[("APP_ORIGIN", "https://mail.example.com")])).unwrap();
        assert!(config.secure_cookies());
        assert_eq!(config.origin(), "https://mail.example.com");
    }

    #[test]
    fn malformed_values_name_the_variable_and_the_fix() {
        for (var, value) in [
            ("APP_ORIGIN", "not a url"),
            ("APP_ORIGIN", "ftp://example.com"),
            ("APP_ORIGIN", "https://example.com/path"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("TOKEN_ENCRYPTION_KEY", "c2hvcnQ="),
            ("TOKEN_ENCRYPTION_KEY", "not base64 at all"),
            ("TOKEN_DECRYPTION_KEYS", "c2hvcnQ="),
            ("GOOGLE_TOKEN_URL", "token"),
            ("REFRESH_CONCURRENCY", "0"),
            ("REFRESH_INTERVAL_SECS", "soon"),
            ("SIGN_IN_BURST", "0"),
            ("SIGN_IN_PER_MINUTE", "many"),
        ] {
            let error = Config::load(&source_with(&[(var, value)])).unwrap_err();
            assert_eq!(error.var, var);
            let line = error.to_string();
            assert!(
                line.starts_with(&format!("configuration error: {var} ")),
                "{line}"
            );
            assert!(!line.contains('\n'), "one line: {line}");
            assert!(line.contains("; "), "names the fix: {line}");
        }
    }

    #[test]
    fn a_missing_key_says_how_to_make_one_without_echoing_values() {
        let error = Config::load(&Source::default()).unwrap_err();
        assert_eq!(error.var, "TOKEN_ENCRYPTION_KEY");
        assert!(error.to_string().contains("server gen-key"));
        let secretish = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let error = Config::load(&source_with(&[("TOKEN_ENCRYPTION_KEY", secretish)])).unwrap_err();
        assert!(!error.to_string().contains(secretish));
    }

    #[test]
    fn the_demo_key_file_is_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/dev-token-key");
        let first = demo_key(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(demo_key(&path).unwrap(), first);
        assert!(VaultKey::parse(&first).is_ok());
    }

    #[test]
    fn retired_keys_are_accepted_for_reading() {
        let old = VaultKey::generate();
        let config =
            Config::load(&source_with(&[("TOKEN_DECRYPTION_KEYS", old.expose())])).unwrap();
        let before = Vault::new(VaultKey::parse(&old).unwrap(), []);
        let binding = crate::vault::Binding {
            table: "t",
            field: "f",
            row: "1",
        };
        let sealed = before.seal(binding, &Secret::new("x".into()));
        assert_eq!(config.vault.open(binding, &sealed).unwrap().expose(), "x");
    }

    #[test]
    fn seconds_rejects_junk_and_too_small() {
        let source = Source::from_pairs([("A", "ten"), ("B", "0"), ("C", "30")]);
        assert_eq!(seconds(&source, "A", 60, 1).unwrap_err().var, "A");
        assert_eq!(seconds(&source, "B", 60, 1).unwrap_err().var, "B");
        assert_eq!(
            seconds(&source, "C", 60, 1).unwrap(),
            Duration::from_secs(30)
        );
        assert_eq!(
            seconds(&source, "D", 60, 1).unwrap(),
            Duration::from_secs(60)
        );
    }
}
