//! The HTTP surface's settings: attempt limits per client, password hashing slots, trusted
//! proxies, idle sessions, who may read `/metrics`, and where the built site lives.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, SignInLimits, Source};

/// The HTTP surface's settings (its defences are described in SECURITY.md).
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Sign-in and sign-up attempts each client address gets.
    pub per_client: SignInLimits,
    /// Password hashes computed at once (each takes 19 MiB while it runs).
    pub password_hash_concurrency: usize,
    /// Proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// `/metrics` answers on the app's listener only with this bearer token.
    pub metrics_token: Option<SecretString>,
    /// A separate listener for `/metrics` alone, for a private network.
    pub metrics_addr: Option<SocketAddr>,
    /// Where the built site (`pkg/` and the public assets) lives (`LEPTOS_SITE_ROOT`; cargo-leptos
    /// sets it, a binary run on its own uses `target/site`).
    pub site_root: Option<String>,
}

pub(super) fn load(source: &Source) -> Result<WebConfig, ConfigError> {
    let whole = "set it to a whole number of attempts, at least 1";
    let per_client = SignInLimits {
        burst: source.parse("CLIENT_BURST", NonZeroU32::new(20).unwrap(), whole)?,
        per_minute: source.parse("CLIENT_PER_MINUTE", NonZeroU32::new(10).unwrap(), whole)?,
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    let password_hash_concurrency: NonZeroU32 = source.parse(
        "PASSWORD_HASH_CONCURRENCY",
        NonZeroU32::new(cores).unwrap_or(NonZeroU32::MIN),
        "set it to a whole number of password hashes at once, at least 1",
    )?;
    let mut trusted_proxies = Vec::new();
    for raw in source.get("TRUSTED_PROXIES").unwrap_or_default().split(',') {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let net = raw
            .parse::<ipnet::IpNet>()
            .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| {
                ConfigError::new(
                    "TRUSTED_PROXIES",
                    format!("has {raw:?}, which is neither an IP address nor a network"),
                    "list the proxies' addresses or networks, like 10.0.0.5,10.1.0.0/16",
                )
            })?;
        trusted_proxies.push(net);
    }
    let idle_days: NonZeroU32 = source.parse(
        "SESSION_IDLE_DAYS",
        NonZeroU32::new(7).unwrap(),
        "set it to a whole number of days, at least 1",
    )?;
    let metrics_token = match source.get("METRICS_TOKEN") {
        None | Some("") => None,
        Some(token) if token.len() < 16 => {
            return Err(ConfigError::new(
                "METRICS_TOKEN",
                "is shorter than 16 characters",
                "set it to a long random value, like the output of `openssl rand -hex 32`",
            ));
        }
        Some(token) => Some(SecretString::from(token.to_owned())),
    };
    let metrics_addr = match source.get("METRICS_ADDR") {
        None | Some("") => None,
        Some(_) => Some(source.parse(
            "METRICS_ADDR",
            SocketAddr::from(([127, 0, 0, 1], 9090)),
            "set it to host:port on a private network, like 10.0.0.5:9090",
        )?),
    };
    Ok(WebConfig {
        per_client,
        password_hash_concurrency: password_hash_concurrency.get() as usize,
        trusted_proxies,
        session_idle: Duration::from_secs(u64::from(idle_days.get()) * 24 * 60 * 60),
        metrics_token,
        metrics_addr,
        site_root: source.get("LEPTOS_SITE_ROOT").map(str::to_owned),
    })
}
