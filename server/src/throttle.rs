//! Sign-in throttling: each email address gets a burst of attempts, then a few a minute.
//!
//! Keyed by the normalized email, so guessing one account's password stays slow wherever the
//! guesses come from, and a user who mistypes still has room. Client addresses are not keys:
//! behind a load balancer they would all be the balancer's. The counts live in each server's
//! memory, so N instances allow an account N times the rate.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts an address may make at once.
pub const BURST: NonZeroU32 = NonZeroU32::new(10).unwrap();
/// Attempts an address regains per minute after its burst.
pub const PER_MINUTE: NonZeroU32 = NonZeroU32::new(5).unwrap();

pub struct SignInThrottle {
    per_email: DefaultKeyedRateLimiter<String>,
    attempts: AtomicU32,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self {
            per_email: RateLimiter::keyed(Quota::per_minute(PER_MINUTE).allow_burst(BURST)),
            attempts: AtomicU32::new(0),
        }
    }
}

impl SignInThrottle {
    /// Counts an attempt to sign in as `email` (normalized); false when it is over the quota.
    pub fn allow(&self, email: &str) -> bool {
        // Now and then, forget addresses whose quota is whole again, so memory follows only
        // recent attempts.
        if self.attempts.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.per_email.retain_recent();
        }
        self.per_email.check_key(&email.to_owned()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_for_that_address_only() {
        let throttle = SignInThrottle::default();
        for _ in 0..BURST.get() {
            assert!(throttle.allow("ada@example.com"));
        }
        assert!(!throttle.allow("ada@example.com"));
        assert!(throttle.allow("bob@example.com"));
    }
}
