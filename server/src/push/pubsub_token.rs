//! The token on a Cloud Pub/Sub push delivery: an OIDC ID token Google signs for the push
//! subscription's service account. A delivery counts only when its token is signed (RS256) by
//! one of Google's published keys, issued by Google, unexpired, for our audience, and names
//! our service account with a verified email.
//!
//! The keys (`GOOGLE_JWKS_URL`) are cached as long as their `Cache-Control: max-age` says; a
//! token naming a key the cache lacks fetches them again, at most once a minute, so a forged
//! `kid` cannot make the server hammer Google.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use crate::config::GmailPush;

/// The issuers Google's ID tokens name.
const ISSUERS: [&str; 2] = ["https://accounts.google.com", "accounts.google.com"];
/// Keys are kept this long when Google's answer says nothing.
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(3600);
/// And never longer than this.
const LONGEST_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// A key the cache lacks is looked for again at most this often.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// Why a delivery's token was refused. Each is answered 401; none says which to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("no bearer token")]
    Missing,
    #[error("not a token signed with a key Google publishes")]
    UnknownKey,
    #[error("the token is invalid (signature, issuer, audience or expiry)")]
    Invalid,
    #[error("the token is not the push subscription's service account's, verified")]
    WrongAccount,
    #[error("Google's keys could not be fetched")]
    KeysUnavailable,
}

#[derive(Deserialize)]
struct Claims {
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
}

struct Keys {
    set: JwkSet,
    fetched: Instant,
    max_age: Duration,
}

/// Checks delivery tokens for one push subscription.
pub struct PubSubTokens {
    http: reqwest::Client,
    jwks_url: Url,
    audience: String,
    service_account: String,
    keys: Mutex<Option<Keys>>,
}

impl PubSubTokens {
    pub fn new(http: reqwest::Client, config: &GmailPush) -> Self {
        Self {
            http,
            jwks_url: config.jwks_url.clone(),
            audience: config.audience.clone(),
            service_account: config.service_account.clone(),
            keys: Mutex::new(None),
        }
    }

    /// Accepts the token when it is what the push subscription sends.
    pub async fn verify(&self, token: &str) -> Result<(), Refused> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Refused::Invalid)?;
        if header.alg != Algorithm::RS256 {
            return Err(Refused::Invalid);
        }
        let kid = header.kid.ok_or(Refused::UnknownKey)?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.audience]);
        validation.set_issuer(&ISSUERS);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|_| Refused::Invalid)?
            .claims;
        if claims.email.as_deref() != Some(self.service_account.as_str()) || !claims.email_verified
        {
            return Err(Refused::WrongAccount);
        }
        Ok(())
    }

    /// The key named `kid`, from the cache while it is fresh, else from Google.
    async fn key(&self, kid: &str) -> Result<DecodingKey, Refused> {
        let mut keys = self.keys.lock().await;
        let fresh = keys
            .as_ref()
            .is_some_and(|k| k.fetched.elapsed() < k.max_age);
        let found = keys
            .as_ref()
            .filter(|_| fresh)
            .and_then(|k| k.set.find(kid).cloned());
        if let Some(jwk) = found {
            return DecodingKey::from_jwk(&jwk).map_err(|_| Refused::UnknownKey);
        }
        let may_fetch = !fresh
            || keys
                .as_ref()
                .is_none_or(|k| k.fetched.elapsed() >= REFETCH_AFTER);
        if may_fetch {
            match self.fetch().await {
                Ok(fetched) => *keys = Some(fetched),
                Err(error) => {
                    tracing::warn!(%error, "fetching Google's signing keys failed");
                    // Stale keys still prove a signature; none at all cannot.
                    if keys.is_none() {
                        return Err(Refused::KeysUnavailable);
                    }
                }
            }
        }
        let jwk = keys
            .as_ref()
            .and_then(|k| k.set.find(kid).cloned())
            .ok_or(Refused::UnknownKey)?;
        DecodingKey::from_jwk(&jwk).map_err(|_| Refused::UnknownKey)
    }

    async fn fetch(&self) -> Result<Keys, reqwest::Error> {
        let response = self
            .http
            .get(self.jwks_url.clone())
            .send()
            .await?
            .error_for_status()?;
        let max_age = response
            .headers()
            .get(http::header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok())
            .and_then(max_age)
            .unwrap_or(DEFAULT_MAX_AGE)
            .min(LONGEST_MAX_AGE);
        let set = response.json::<JwkSet>().await?;
        Ok(Keys {
            set,
            fetched: Instant::now(),
            max_age,
        })
    }
}

/// `max-age` of a `Cache-Control` value.
fn max_age(cache_control: &str) -> Option<Duration> {
    cache_control
        .split(',')
        .filter_map(|directive| directive.trim().strip_prefix("max-age="))
        .find_map(|seconds| seconds.trim().parse().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_lasts_as_long_as_googles_answer_says() {
        assert_eq!(
            max_age("public, max-age=21600, must-revalidate, no-transform"),
            Some(Duration::from_secs(21600))
        );
        assert_eq!(max_age("no-cache"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }
}
