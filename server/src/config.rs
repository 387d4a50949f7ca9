//! Configuration: read once at start from the environment (and `.env` when present), parsed into
//! validated types. A bad value stops the server with one line naming the variable and the fix.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

/// Everything the server needs to know about its surroundings.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub app_origin: Url,
    pub site_addr: SocketAddr,
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

        Ok(Self {
            database_url,
            app_origin,
            site_addr,
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

    #[test]
    fn defaults_need_nothing_configured() {
        let config = Config::load(&Source::default()).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.origin(), "http://127.0.0.1:3000");
        assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
        assert!(!config.secure_cookies());
    }

    #[test]
    fn https_origin_means_secure_cookies() {
        let config = Config::load(&Source::from_pairs([(
            "APP_ORIGIN",
            "https://mail.example.com",
        )]))
        .unwrap();
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
        ] {
            let error = Config::load(&Source::from_pairs([(var, value)])).unwrap_err();
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
