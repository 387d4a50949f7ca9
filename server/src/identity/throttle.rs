//! Attempt limits (governor), kept in each server's memory:
//!
//! - **Sign-in and sign-up**, each keyed twice: by the normalized email address
//!   (`SIGN_IN_BURST`, default 10, then `SIGN_IN_PER_MINUTE`, default 5) and by the client
//!   address (`CLIENT_BURST`, default 20, then `CLIENT_PER_MINUTE`, default 10). The email key
//!   keeps guessing one account's password slow wherever the guesses come from; the client key
//!   stops one client from rotating through addresses (or creating accounts) to make the
//!   server hash passwords without end.
//! - **Connect attempts**: 20 a minute per user.
//!
//! N instances allow N times these rates. The price of a per-account limit: someone who keeps
//! guessing at an address also keeps its owner waiting, a minute at a time.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::SignInLimits;

pub const CONNECTS_PER_MINUTE: NonZeroU32 = NonZeroU32::new(20).unwrap();

/// What is being attempted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    SignIn,
    SignUp,
}

struct PerKey {
    email: DefaultKeyedRateLimiter<String>,
    client: DefaultKeyedRateLimiter<IpAddr>,
}

pub struct Throttle {
    sign_in: PerKey,
    sign_up: PerKey,
    connect: DefaultKeyedRateLimiter<i32>,
    checks: AtomicU32,
}

fn quota(limits: SignInLimits) -> Quota {
    Quota::per_minute(limits.per_minute).allow_burst(limits.burst)
}

impl Throttle {
    pub fn new(per_email: SignInLimits, per_client: SignInLimits) -> Self {
        let per_key = || PerKey {
            email: RateLimiter::keyed(quota(per_email)),
            client: RateLimiter::keyed(quota(per_client)),
        };
        Self {
            sign_in: per_key(),
            sign_up: per_key(),
            connect: RateLimiter::keyed(Quota::per_minute(CONNECTS_PER_MINUTE)),
            checks: AtomicU32::new(0),
        }
    }

    /// Counts an attempt for `email` (normalized) from `client`; false when either is over
    /// its quota.
    pub fn allow(&self, attempt: Attempt, email: &str, client: Option<IpAddr>) -> bool {
        self.tidy();
        let limits = match attempt {
            Attempt::SignIn => &self.sign_in,
            Attempt::SignUp => &self.sign_up,
        };
        let client_ok = client.is_none_or(|ip| limits.client.check_key(&ip).is_ok());
        client_ok && limits.email.check_key(&email.to_owned()).is_ok()
    }

    /// Counts a Connect Gmail attempt by `user_id`; false when over the quota.
    pub fn allow_connect(&self, user_id: i32) -> bool {
        self.tidy();
        self.connect.check_key(&user_id).is_ok()
    }

    /// Now and then, forget keys whose quota is whole again, so memory follows only recent
    /// attempts.
    fn tidy(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            for limits in [&self.sign_in, &self.sign_up] {
                limits.email.retain_recent();
                limits.client.retain_recent();
            }
            self.connect.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(burst: u32) -> SignInLimits {
        SignInLimits {
            burst: NonZeroU32::new(burst).unwrap(),
            per_minute: NonZeroU32::MIN,
        }
    }

    #[test]
    fn a_burst_then_refusal_for_that_address_only() {
        let throttle = Throttle::new(limits(3), limits(100));
        for _ in 0..3 {
            assert!(throttle.allow(Attempt::SignIn, "ada@example.com", None));
        }
        assert!(!throttle.allow(Attempt::SignIn, "ada@example.com", None));
        assert!(throttle.allow(Attempt::SignIn, "bob@example.com", None));
        // Sign-up counts apart from sign-in.
        assert!(throttle.allow(Attempt::SignUp, "ada@example.com", None));
    }

    #[test]
    fn rotating_addresses_does_not_escape_the_client_limit() {
        let throttle = Throttle::new(limits(100), limits(5));
        let client = Some("203.0.113.9".parse().unwrap());
        for n in 0..5 {
            assert!(throttle.allow(Attempt::SignUp, &format!("u{n}@example.com"), client));
        }
        assert!(!throttle.allow(Attempt::SignUp, "u5@example.com", client));
        let other = Some("203.0.113.10".parse().unwrap());
        assert!(throttle.allow(Attempt::SignUp, "u5@example.com", other));
    }

    #[test]
    fn twenty_connects_a_minute() {
        let throttle = Throttle::new(limits(1), limits(1));
        for _ in 0..20 {
            assert!(throttle.allow_connect(7));
        }
        assert!(!throttle.allow_connect(7));
        assert!(throttle.allow_connect(8));
    }
}
