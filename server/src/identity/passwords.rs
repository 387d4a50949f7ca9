//! Passwords (argon2id, hashed off the async runtime under a bound on how many run at once) and
//! the rules for new ones and for email addresses.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use app::error::AppError;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Long enough for any passphrase, short enough that hashing stays cheap.
const MAX_PASSWORD_CHARS: usize = 1024;

pub const WRONG_CREDENTIALS: &str = "Incorrect email or password.";

/// Trims and lower-cases an email address, or explains what is wrong with it.
pub fn normalize_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::invalid("Enter your email address."));
    }
    let malformed = || AppError::invalid("Enter a valid email address, like name@example.com.");
    let (local, domain) = email.split_once('@').ok_or_else(malformed)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if local.is_empty()
        || !domain_ok
        || domain.contains('@')
        || email.len() > 254
        || email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c))
    {
        return Err(malformed());
    }
    Ok(email)
}

pub fn check_new_password(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(format!(
            "Use a password of at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::invalid(format!(
            "Use a password of at most {MAX_PASSWORD_CHARS} characters."
        )));
    }
    Ok(())
}

/// How long a request waits for a free hashing slot before it is told to come back later.
pub const HASH_WAIT: Duration = Duration::from_secs(3);

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every slot stayed busy for [`HASH_WAIT`].
    #[error("every password hashing slot is busy")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Runs argon2 under a semaphore of `PASSWORD_HASH_CONCURRENCY` permits. Each hash holds 19 MiB
/// while it runs, so the permits bound the memory password work can take, however many
/// requests arrive. The permit moves into the blocking task: a client that hangs up does not
/// free it before the hash is done.
#[derive(Clone)]
pub struct HashGate {
    permits: Arc<Semaphore>,
}

impl HashGate {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    async fn permit(&self) -> Result<OwnedSemaphorePermit, HashError> {
        match tokio::time::timeout(HASH_WAIT, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(HashError::Busy),
        }
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        let permit = self.permit().await?;
        Ok(hash_password(password, permit).await?)
    }

    pub async fn verify(
        &self,
        password: SecretString,
        hash: Option<String>,
    ) -> Result<bool, HashError> {
        let permit = self.permit().await?;
        Ok(verify_password(password, hash, permit).await?)
    }
}

/// Hashes with argon2id (the crate's defaults: 19 MiB, 2 passes) off the async runtime.
async fn hash_password(
    password: SecretString,
    permit: OwnedSemaphorePermit,
) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
    })
    .await?
}

/// A hash to verify against when the email is unknown, so both cases take the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"not a real password", &salt)
        .expect("argon2 hashing with default parameters")
        .to_string()
});

async fn verify_password(
    password: SecretString,
    hash: Option<String>,
    permit: OwnedSemaphorePermit,
) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed =
            PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
        let matches = Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_or_explained() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        assert_eq!(
            normalize_email("  ").unwrap_err(),
            AppError::invalid("Enter your email address.")
        );
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@@example.com",
            "ada@.com",
            "<x>@example.com",
        ] {
            assert!(
                matches!(normalize_email(bad), Err(AppError::Invalid(m)) if m.contains("valid email")),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert!(check_new_password("1234567").is_err());
        assert!(check_new_password("12345678").is_ok());
        assert!(check_new_password(&"x".repeat(1025)).is_err());
    }

    #[tokio::test]
    async fn argon2id_round_trip() {
        let gate = HashGate::new(2);
        let hash = gate.hash(SecretString::from("correct horse")).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let verify = |password: &str, hash: Option<String>| {
            gate.verify(SecretString::from(password.to_owned()), hash)
        };
        assert!(verify("correct horse", Some(hash.clone())).await.unwrap());
        assert!(!verify("wrong horse", Some(hash)).await.unwrap());
        assert!(!verify("correct horse", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_full_gate_turns_requests_away_after_a_wait() {
        let gate = HashGate::new(1);
        let _held = gate.permit().await.unwrap();
        let started = std::time::Instant::now();
        let refused = gate.hash(SecretString::from("correct horse")).await;
        assert!(matches!(refused, Err(HashError::Busy)));
        assert!(started.elapsed() >= HASH_WAIT);
    }
}
