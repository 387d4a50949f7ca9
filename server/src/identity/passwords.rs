//! Passwords (argon2id, hashed on a few dedicated threads, never more at once) and
//! the rules for new ones and for email addresses.

use std::sync::{Arc, LazyLock, Mutex, mpsc};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// What is wrong with an email address or a new password (the page says it in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("no email address")]
    EmailMissing,
    #[error("not an email address")]
    EmailMalformed,
    #[error("a password shorter than {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("a password longer than {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
}

/// Trims and lower-cases an email address, or explains what is wrong with it.
pub fn normalize_email(raw: &str) -> Result<String, Invalid> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(Invalid::EmailMissing);
    }
    let (local, domain) = email.split_once('@').ok_or(Invalid::EmailMalformed)?;
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
        return Err(Invalid::EmailMalformed);
    }
    Ok(email)
}

pub fn check_new_password(password: &str) -> Result<(), Invalid> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(Invalid::PasswordTooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(Invalid::PasswordTooLong);
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

/// Runs argon2 on `PASSWORD_HASH_CONCURRENCY` dedicated threads, behind a semaphore of as many
/// permits. Each hash holds 19 MiB while it runs, so the number of threads bounds the memory
/// hashing can take at once (the shared blocking pool would grow a thread per request). A request that finds
/// every permit taken waits up to [`HASH_WAIT`], then gets [`HashError::Busy`]. The permit
/// travels with the job: a client that hangs up does not free it before the hash is done.
#[derive(Clone)]
pub struct HashGate {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

impl HashGate {
    /// Starts `concurrency` hashing threads; they end when the last clone of the gate is gone.
    pub fn new(concurrency: usize) -> Self {
        let concurrency = concurrency.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..concurrency {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    loop {
                        let next = queue.lock().map(|queue| queue.recv());
                        let Ok(Ok(job)) = next else { break };
                        // A panicking job loses its answer (the caller sees Failed), not the thread.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })
                .expect("starting a password hashing thread");
        }
        Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            jobs,
        }
    }

    async fn permit(&self) -> Result<OwnedSemaphorePermit, HashError> {
        match tokio::time::timeout(HASH_WAIT, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(HashError::Busy),
        }
    }

    /// Runs `work` on a hashing thread once a permit is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = self.permit().await?;
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _permit = permit;
                let _ = answer.send(work());
            }))
            .map_err(|_| anyhow::anyhow!("the password hashing threads have stopped"))?;
        let result = answered
            .await
            .map_err(|_| anyhow::anyhow!("a password hashing job panicked"))?;
        Ok(result?)
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        self.run(move || hash_password(&password)).await
    }

    pub async fn verify(
        &self,
        password: SecretString,
        hash: Option<String>,
    ) -> Result<bool, HashError> {
        self.run(move || verify_password(&password, hash)).await
    }
}

/// The raw argon2 output for `password` and `salt`, `len` bytes long.
fn raw_hash(argon2: &Argon2, password: &[u8], salt: &Salt, len: usize) -> anyhow::Result<Output> {
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("unreadable salt: {e}"))?;
    let mut out = vec![0u8; len];
    // Allocated per hash and freed right after: the allocator hands the 19 MiB back to the
    // system within a second, so an idle server does not hold a hash's memory.
    let mut blocks = vec![Block::default(); argon2.params().block_count()];
    argon2
        .hash_password_into_with_memory(password, salt, &mut out, &mut blocks)
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))?;
    Output::new(&out).map_err(|e| anyhow::anyhow!("argon2 output: {e}"))
}

/// Hashes with argon2id (the crate's defaults: 19 MiB, 2 passes) into a PHC string.
fn hash_password(password: &SecretString) -> anyhow::Result<String> {
    let argon2 = Argon2::default();
    let salt = SaltString::generate(&mut OsRng);
    let output = raw_hash(
        &argon2,
        password.expose_secret().as_bytes(),
        &salt.as_salt(),
        Params::DEFAULT_OUTPUT_LEN,
    )?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon2.params())
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// A hash to verify against when the email is unknown, so both cases take the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password(&SecretString::from("not a real password"))
        .expect("argon2 hashing with default parameters")
});

/// Checks `password` against `hash` (with the parameters stored in it), or against a dummy hash
/// when there is none (an unknown email), so that both take the same time.
fn verify_password(password: &SecretString, hash: Option<String>) -> anyhow::Result<bool> {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
    let unreadable = |e: password_hash::Error| anyhow::anyhow!("stored hash unreadable: {e}");
    let parsed = PasswordHash::new(&hash).map_err(unreadable)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        anyhow::bail!("stored hash has no salt or output");
    };
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(unreadable)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| anyhow::anyhow!("stored hash version: {e}"))?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(unreadable)?;
    let argon2 = Argon2::new(algorithm, version, params);
    let output = raw_hash(
        &argon2,
        password.expose_secret().as_bytes(),
        &salt,
        expected.len(),
    )?;
    // Output's equality is constant-time.
    Ok(known && output == expected)
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
        assert_eq!(normalize_email("  ").unwrap_err(), Invalid::EmailMissing);
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
                normalize_email(bad) == Err(Invalid::EmailMalformed),
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
        let hash = gate
            .hash(SecretString::from("correct horse"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let verify = |password: &str, hash: Option<String>| {
            gate.verify(SecretString::from(password.to_owned()), hash)
        };
        assert!(verify("correct horse", Some(hash.clone())).await.unwrap());
        assert!(!verify("wrong horse", Some(hash)).await.unwrap());
        assert!(!verify("correct horse", None).await.unwrap());
    }

    #[test]
    fn hashes_are_standard_phc_strings() {
        // What the argon2 crate itself makes and checks, so stored hashes stay portable.
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_password(&SecretString::from("correct horse")).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong horse", &parsed)
                .is_err()
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let verify = |password: &str| {
            verify_password(
                &SecretString::from(password.to_owned()),
                Some(theirs.clone()),
            )
            .unwrap()
        };
        assert!(verify("correct horse"));
        assert!(!verify("wrong horse"));
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
