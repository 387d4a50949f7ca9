//! Server-side sessions. The cookie carries a random session id; the database keeps only its
//! SHA-256, so a copy of the database cannot be used to sign in. Signing in always starts a new
//! session id. Expired sessions are purged by housekeeping.

use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use secrecy::{ExposeSecret, SecretString};

use crate::clock::Clock;
use crate::entities::{sessions, users};
use crate::secrets::{random_token, sha256_hex};

pub const SESSION_COOKIE: &str = "mc_session";
const SESSION_TTL_SECS: i64 = 30 * 24 * 60 * 60;

/// The session id carried by the request's cookie, if any.
pub fn session_id(headers: &HeaderMap) -> Option<SecretString> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == SESSION_COOKIE)
        .map(|cookie| SecretString::from(cookie.value().to_owned()))
}

/// Sessions stored in the database, and the cookie that carries their id.
#[derive(Clone)]
pub struct Sessions {
    db: DatabaseConnection,
    secure: bool,
    clock: Clock,
}

impl Sessions {
    pub fn new(db: DatabaseConnection, secure: bool, clock: Clock) -> Self {
        Self { db, secure, clock }
    }

    /// Starts a session for the user; returns its id (only ever sent in the cookie).
    pub async fn create(&self, user_id: i32) -> Result<SecretString, sea_orm::DbErr> {
        let id = random_token();
        let now = self.clock.now();
        sessions::ActiveModel {
            token_hash: Set(sha256_hex(id.expose_secret())),
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
        let hash = sha256_hex(id.expose_secret());
        let found = sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(hash.clone()))
            .filter(sessions::Column::ExpiresAt.gt(self.clock.now()))
            .find_also_related(users::Entity)
            .one(&self.db)
            .await?;
        Ok(found.and_then(|(_, user)| user).map(|user| (user, hash)))
    }

    /// Ends the session the request carries, if any.
    pub async fn end(&self, headers: &HeaderMap) -> Result<(), sea_orm::DbErr> {
        if let Some(id) = session_id(headers) {
            sessions::Entity::delete_many()
                .filter(sessions::Column::TokenHash.eq(sha256_hex(id.expose_secret())))
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    pub fn cookie(&self, id: &SecretString) -> HeaderValue {
        let cookie = Cookie::build((SESSION_COOKIE, id.expose_secret().to_owned()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(SESSION_TTL_SECS))
            .build();
        HeaderValue::from_str(&cookie.to_string()).expect("cookie is ASCII")
    }

    /// A cookie that makes the browser forget the session id.
    pub fn clear_cookie(&self) -> HeaderValue {
        let mut cookie = Cookie::build((SESSION_COOKIE, ""))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .build();
        cookie.make_removal();
        HeaderValue::from_str(&cookie.to_string()).expect("cookie is ASCII")
    }

    /// Deletes sessions that have expired; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, sea_orm::DbErr> {
        let deleted = sessions::Entity::delete_many()
            .filter(sessions::Column::ExpiresAt.lte(self.clock.now()))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            HeaderValue::from_static("a=1; mc_session=abc; b=2"),
        );
        assert_eq!(session_id(&headers).unwrap().expose_secret(), "abc");
        assert!(session_id(&HeaderMap::new()).is_none());
    }
}
