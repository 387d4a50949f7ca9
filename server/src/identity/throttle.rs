//! Sign-in throttling: each email address gets a burst of attempts, then a few a minute
//! (`SIGN_IN_BURST`, default 10; `SIGN_IN_PER_MINUTE`, default 5).
//!
//! Keyed by the normalized email, so guessing one account's password stays slow wherever the
//! guesses come from, and a user who mistypes still has room. Client addresses are not keys:
//! behind a load balancer they would all be the balancer's. The counts live in each server's
//! memory, so N instances allow an account N times the rate. The price of a per-account limit:
//! someone who keeps guessing at an address also keeps its owner waiting, a minute at a time.

use std::sync::atomic::{AtomicU32, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::SignInLimits;

pub struct SignInThrottle {
    per_email: DefaultKeyedRateLimiter<String>,
    attempts: AtomicU32,
}

impl SignInThrottle {
    pub fn new(limits: SignInLimits) -> Self {
        Self {
            per_email: RateLimiter::keyed(
                Quota::per_minute(limits.per_minute).allow_burst(limits.burst),
            ),
            attempts: AtomicU32::new(0),
        }
    }

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

    use std::num::NonZeroU32;

    #[test]
    fn a_burst_then_refusal_for_that_address_only() {
        let throttle = SignInThrottle::new(SignInLimits {
            burst: NonZeroU32::new(3).unwrap(),
            per_minute: NonZeroU32::MIN,
        });
        for _ in 0..3 {
            assert!(throttle.allow("ada@example.com"));
        }
        assert!(!throttle.allow("ada@example.com"));
        assert!(throttle.allow("bob@example.com"));
    }
}
