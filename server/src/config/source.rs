//! Where configuration comes from: the process environment over `.env`, and the local demo's
//! defaults (a development token key, the fake Google).

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};

use super::{ConfigError, KEY_FIX};
use crate::vault::VaultKey;

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
    /// `GOOGLE_CLIENT_ID`, the fake Google from `end2end/` on 127.0.0.1:4010, and without a
    /// `MICROSOFT_CLIENT_ID`, the fake Microsoft on 127.0.0.1:4011. Never for production.
    pub fn with_demo_defaults(mut self) -> Result<Self, ConfigError> {
        if self.get("TOKEN_ENCRYPTION_KEY").is_none() {
            let key = demo_key(std::path::Path::new(DEMO_KEY_FILE))?;
            self.values.insert(
                "TOKEN_ENCRYPTION_KEY".into(),
                key.expose_secret().to_owned(),
            );
        }
        if self.get("GOOGLE_CLIENT_ID").is_none() {
            tracing::warn!(
                "demo mode: GOOGLE_CLIENT_ID is not set, so Gmail connects go to the fake Google at {DEMO_GOOGLE}"
            );
            let client = [
                ("GOOGLE_CLIENT_ID", "fake-client-id".to_owned()),
                ("GOOGLE_CLIENT_SECRET", "fake-client-secret".to_owned()),
            ];
            for (var, value) in client.into_iter().chain(google_at(DEMO_GOOGLE)) {
                self.values.insert(var.into(), value);
            }
        }
        if self.get("MICROSOFT_CLIENT_ID").is_none() {
            tracing::warn!(
                "demo mode: MICROSOFT_CLIENT_ID is not set, so Outlook connects go to the fake Microsoft at {DEMO_MICROSOFT}"
            );
            let client = [
                ("MICROSOFT_CLIENT_ID", "fake-microsoft-client-id".to_owned()),
                (
                    "MICROSOFT_CLIENT_SECRET",
                    "fake-microsoft-client-secret".to_owned(),
                ),
            ];
            for (var, value) in client.into_iter().chain(microsoft_at(DEMO_MICROSOFT)) {
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

    pub(super) fn parse<T: std::str::FromStr>(
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

/// Google's endpoints (OAuth and Gmail) on a stand-in at `base` (the fake Google, or a test's),
/// each at the path Google serves it at.
pub fn google_at(base: &str) -> [(&'static str, String); 5] {
    [
        ("GOOGLE_AUTH_URL", format!("{base}/o/oauth2/v2/auth")),
        ("GOOGLE_TOKEN_URL", format!("{base}/token")),
        ("GOOGLE_USERINFO_URL", format!("{base}/v1/userinfo")),
        ("GOOGLE_REVOKE_URL", format!("{base}/revoke")),
        ("GMAIL_API_URL", base.to_owned()),
    ]
}

/// Microsoft's endpoints (the identity platform and Graph) on a stand-in at `base`, each at the
/// path Microsoft serves it at.
pub fn microsoft_at(base: &str) -> [(&'static str, String); 3] {
    [
        (
            "MICROSOFT_AUTH_URL",
            format!("{base}/common/oauth2/v2.0/authorize"),
        ),
        (
            "MICROSOFT_TOKEN_URL",
            format!("{base}/common/oauth2/v2.0/token"),
        ),
        ("GRAPH_API_URL", format!("{base}/v1.0")),
    ]
}

pub const DEMO_KEY_FILE: &str = "data/dev-token-key";
const DEMO_GOOGLE: &str = "http://127.0.0.1:4010";
const DEMO_MICROSOFT: &str = "http://127.0.0.1:4011";

/// Reads the development key file, or creates it (mode 0600) with a fresh key.
pub(super) fn demo_key(path: &std::path::Path) -> Result<SecretString, ConfigError> {
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
        Ok(key) => return Ok(SecretString::from(key.trim().to_owned())),
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
    file.write_all(key.expose_secret().as_bytes())
        .map_err(unreadable)?;
    tracing::warn!(
        "demo mode: created a development token key in {} (mode 0600); set TOKEN_ENCRYPTION_KEY in production",
        path.display()
    );
    Ok(key)
}
