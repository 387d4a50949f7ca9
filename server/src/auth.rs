//! App accounts: argon2id passwords and server-side sessions.
//!
//! The cookie carries a random session id; the database keeps only its SHA-256, so a copy of the
//! database cannot be used to sign in. Signing in always starts a new session id.

use std::sync::LazyLock;

use app::error::AppError;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64_simd::URL_SAFE_NO_PAD;
use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::clock;
use crate::entities::{sessions, users};
use crate::secret::Secret;

pub const SESSION_COOKIE: &str = "mc_session";
const SESSION_TTL_SECS: i64 = 30 * 24 * 60 * 60;
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

/// Hashes with argon2id (the crate's defaults: 19 MiB, 2 passes) off the async runtime.
pub async fn hash_password(password: Secret<String>) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
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

pub async fn verify_password(
    password: Secret<String>,
    hash: Option<String>,
) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed =
            PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
        let matches = Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await?
}

/// SHA-256, hex: how session ids and OAuth states are stored.
pub fn sha256_hex(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// 256 random bits, base64url.
pub fn random_token() -> Secret<String> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::new(URL_SAFE_NO_PAD.encode_to_string(bytes))
}

/// The session id carried by the request's cookie, if any.
pub fn session_id(headers: &HeaderMap) -> Option<Secret<String>> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == SESSION_COOKIE)
        .map(|cookie| Secret::new(cookie.value().to_owned()))
}

/// Sessions stored in the database, and the cookie that carries their id.
#[derive(Clone)]
pub struct Sessions {
    db: DatabaseConnection,
    secure: bool,
}

impl Sessions {
    pub fn new(db: DatabaseConnection, secure: bool) -> Self {
        Self { db, secure }
    }

    /// Starts a session for the user; returns its id (only ever sent in the cookie).
    pub async fn create(&self, user_id: i32) -> Result<Secret<String>, sea_orm::DbErr> {
        let id = random_token();
        let now = clock::now();
        sessions::ActiveModel {
            token_hash: Set(sha256_hex(id.expose())),
            user_id: Set(user_id),
            created_at: Set(now),
            expires_at: Set(now + SESSION_TTL_SECS),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(id)
    }

    /// The user and the session-id hash of a live session, if the request carries one.
    pub async fn current(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<(users::Model, String)>, sea_orm::DbErr> {
        let Some(id) = session_id(headers) else {
            return Ok(None);
        };
        let hash = sha256_hex(id.expose());
        let found = sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(hash.clone()))
            .filter(sessions::Column::ExpiresAt.gt(clock::now()))
            .find_also_related(users::Entity)
            .one(&self.db)
            .await?;
        Ok(found.and_then(|(_, user)| user).map(|user| (user, hash)))
    }

    /// Ends the session the request carries, if any.
    pub async fn end(&self, headers: &HeaderMap) -> Result<(), sea_orm::DbErr> {
        if let Some(id) = session_id(headers) {
            sessions::Entity::delete_many()
                .filter(sessions::Column::TokenHash.eq(sha256_hex(id.expose())))
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    pub fn cookie(&self, id: &Secret<String>) -> HeaderValue {
        let cookie = Cookie::build((SESSION_COOKIE, id.expose().clone()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(SESSION_TTL_SECS))
            .build();
        HeaderValue::from_str(&cookie.to_string()).expect("cookie is ASCII")
    }

    pub fn clear_cookie(&self) -> HeaderValue {
        let cookie = Cookie::build((SESSION_COOKIE, ""))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::ZERO)
            .build();
        HeaderValue::from_str(&cookie.to_string()).expect("cookie is ASCII")
    }
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
        let hash = hash_password(Secret::new("correct horse".into()))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password(Secret::new("correct horse".into()), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password(Secret::new("wrong horse".into()), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !verify_password(Secret::new("correct horse".into()), None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn reads_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            HeaderValue::from_static("a=1; mc_session=abc; b=2"),
        );
        assert_eq!(session_id(&headers).unwrap().expose(), "abc");
        assert!(session_id(&HeaderMap::new()).is_none());
    }
}
