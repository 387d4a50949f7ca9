//! Server-side sessions. The cookie carries a random session id; the database keeps only its
//! SHA-256, so a copy of the database cannot be used to sign in. Signing in always starts a new
//! session id.
//!
//! Over https the cookie is `__Host-mc_session`: Secure, `Path=/`, no `Domain`, so neither a
//! sibling subdomain nor plain http can plant or overwrite it. A request carrying the cookie
//! more than once (one planted for a parent domain or a narrower path, say) is treated as
//! signed out rather than trusting whichever came first.
//!
//! A session ends 30 days after sign-in, or after `SESSION_IDLE_DAYS` without a request.
//! Housekeeping purges ended sessions.
//!
//! A live session read from the database is remembered for [`CACHE_TTL`], so the requests a
//! page makes in a burst cost one session lookup, not one each. Signing out, a password change
//! and account deletion forget it on this instance at once; on other instances a session
//! ended elsewhere keeps working for at most [`CACHE_TTL`].

use std::time::Duration;

use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use secrecy::{ExposeSecret, SecretString};

use crate::clock::Clock;
use crate::entities::{sessions, users};
use crate::secrets::{random_token, sha256_hex};

/// The cookie's name on plain http (local development).
pub const SESSION_COOKIE: &str = "mc_session";
/// The cookie's name over https.
pub const SECURE_SESSION_COOKIE: &str = "__Host-mc_session";
const SESSION_TTL_SECS: i64 = 30 * 24 * 60 * 60;
/// `last_seen_at` is written at most this often per session, not on every request.
pub const SEEN_GRANULARITY_SECS: i64 = 60 * 60;
/// How long a live session is remembered without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(5);
/// Sessions remembered at once (each a user row and two times).
const CACHE_CAPACITY: u64 = 10_000;

/// The session id carried by the request's cookie `name`: none when it is absent or appears
/// more than once.
pub fn session_id(headers: &HeaderMap, name: &str) -> Option<SecretString> {
    let mut found = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|cookie| cookie.name() == name);
    let first = found.next()?;
    if found.next().is_some() {
        tracing::warn!("a request carried the session cookie twice; treated as signed out");
        return None;
    }
    Some(SecretString::from(first.value().to_owned()))
}

/// Sessions stored in the database, and the cookie that carries their id.
#[derive(Clone)]
pub struct Sessions {
    db: DatabaseConnection,
    secure: bool,
    idle_secs: i64,
    clock: Clock,
    /// Live sessions by id hash, as last read.
    recent: moka::sync::Cache<String, Live>,
}

/// A live session as read from the database.
#[derive(Clone)]
struct Live {
    user: users::Model,
    expires_at: i64,
    last_seen_at: i64,
}

impl Sessions {
    /// `secure`: the app is served over https. `idle`: how long a session lasts unused.
    pub fn new(
        db: DatabaseConnection,
        secure: bool,
        idle: std::time::Duration,
        clock: Clock,
    ) -> Self {
        let idle_secs = i64::try_from(idle.as_secs()).unwrap_or(SESSION_TTL_SECS);
        let recent = moka::sync::Cache::builder()
            .max_capacity(CACHE_CAPACITY)
            .time_to_live(CACHE_TTL)
            .build();
        Self {
            db,
            secure,
            idle_secs,
            clock,
            recent,
        }
    }

    /// The cookie's name: `__Host-` prefixed over https.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    /// Whether the request carries a session cookie at all (valid or not).
    pub fn carries_cookie(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .any(|cookie| cookie.name() == self.cookie_name())
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
            last_seen_at: Set(now),
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
        let Some(id) = session_id(headers, self.cookie_name()) else {
            return Ok(None);
        };
        let hash = sha256_hex(id.expose_secret());
        let now = self.clock.now();
        if let Some(live) = self.recent.get(&hash)
            && live.expires_at > now
            && now - live.last_seen_at < std::cmp::min(self.idle_secs, SEEN_GRANULARITY_SECS)
        {
            return Ok(Some((live.user, hash)));
        }
        let found = sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(hash.clone()))
            .filter(sessions::Column::ExpiresAt.gt(now))
            .filter(sessions::Column::LastSeenAt.gt(now - self.idle_secs))
            .find_also_related(users::Entity)
            .one(&self.db)
            .await?;
        let Some((session, Some(user))) = found else {
            return Ok(None);
        };
        let mut last_seen_at = session.last_seen_at;
        if now - last_seen_at >= SEEN_GRANULARITY_SECS {
            sessions::Entity::update_many()
                .col_expr(sessions::Column::LastSeenAt, Expr::value(now))
                .filter(sessions::Column::Id.eq(session.id))
                .exec(&self.db)
                .await?;
            last_seen_at = now;
        }
        let live = Live {
            user: user.clone(),
            expires_at: session.expires_at,
            last_seen_at,
        };
        self.recent.insert(hash.clone(), live);
        Ok(Some((user, hash)))
    }

    /// Whether the session whose id hashes to `hash` is still live, read from the database
    /// (a stream asks after its user's sessions changed, possibly on another instance).
    pub async fn is_live(&self, hash: &str) -> Result<bool, sea_orm::DbErr> {
        let now = self.clock.now();
        let found = sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(hash))
            .filter(sessions::Column::ExpiresAt.gt(now))
            .filter(sessions::Column::LastSeenAt.gt(now - self.idle_secs))
            .count(&self.db)
            .await?;
        if found == 0 {
            self.recent.invalidate(hash);
        }
        Ok(found > 0)
    }

    /// Ends the session the request carries, if any.
    pub async fn end(&self, headers: &HeaderMap) -> Result<(), sea_orm::DbErr> {
        if let Some(id) = session_id(headers, self.cookie_name()) {
            let hash = sha256_hex(id.expose_secret());
            self.recent.invalidate(&hash);
            sessions::Entity::delete_many()
                .filter(sessions::Column::TokenHash.eq(hash))
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    /// Forgets every remembered session on this instance, after a change to a user's sessions
    /// or user row (a password change, an account deleted).
    pub fn forget_remembered(&self) {
        self.recent.invalidate_all();
    }

    pub fn cookie(&self, id: &SecretString) -> HeaderValue {
        let cookie = Cookie::build((self.cookie_name(), id.expose_secret().to_owned()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(SESSION_TTL_SECS))
            .build();
        HeaderValue::from_str(&cookie.to_string()).expect("cookie is ASCII")
    }

    /// A cookie that makes the browser forget the session id.
    /// A cookie that keeps a browser's choice (its language, say) for a year: not a secret,
    /// set with the session cookie's attributes all the same.
    pub fn choice_cookie(&self, name: &'static str, value: &str) -> HeaderValue {
        let cookie = Cookie::build((name, value.to_owned()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::days(365))
            .build();
        HeaderValue::from_str(&cookie.to_string()).expect("cookie is ASCII")
    }

    pub fn clear_cookie(&self) -> HeaderValue {
        let mut cookie = Cookie::build((self.cookie_name(), ""))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .build();
        cookie.make_removal();
        HeaderValue::from_str(&cookie.to_string()).expect("cookie is ASCII")
    }

    /// Ends every session of the user but the one whose id hashes to `keep`.
    pub async fn end_others(&self, user_id: i32, keep: &str) -> Result<u64, sea_orm::DbErr> {
        let deleted = sessions::Entity::delete_many()
            .filter(sessions::Column::UserId.eq(user_id))
            .filter(sessions::Column::TokenHash.ne(keep))
            .exec(&self.db)
            .await?;
        self.forget_remembered();
        Ok(deleted.rows_affected)
    }

    /// Deletes sessions that have expired or gone unused too long; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, sea_orm::DbErr> {
        let now = self.clock.now();
        let deleted = sessions::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(sessions::Column::ExpiresAt.lte(now))
                    .add(sessions::Column::LastSeenAt.lte(now - self.idle_secs)),
            )
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookies(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(http::header::COOKIE, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn reads_the_session_cookie_among_others() {
        let headers = cookies(&["a=1; mc_session=abc; b=2"]);
        assert_eq!(
            session_id(&headers, SESSION_COOKIE)
                .unwrap()
                .expose_secret(),
            "abc"
        );
        assert!(session_id(&headers, SECURE_SESSION_COOKIE).is_none());
        assert!(session_id(&HeaderMap::new(), SESSION_COOKIE).is_none());
    }

    #[test]
    fn a_cookie_carried_twice_means_signed_out() {
        for headers in [
            cookies(&["mc_session=planted; mc_session=mine"]),
            cookies(&["mc_session=planted", "mc_session=mine"]),
        ] {
            assert!(session_id(&headers, SESSION_COOKIE).is_none());
        }
    }
}
