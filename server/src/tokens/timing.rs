//! How long leases, calls and waits last, and the backoff after temporary failures.

use std::time::Duration;

use crate::backoff::Backoff;

/// Timing knobs; the defaults are the product's, tests shorten them.
#[derive(Clone, Debug)]
pub struct Timing {
    /// How long a lease protects a refresh in progress (a crashed holder's lapses after this).
    pub lease: Duration,
    /// Upper bound on one call to the token endpoint (kept under `lease`).
    pub call_timeout: Duration,
    /// How long an on-demand caller waits for another holder's refresh.
    pub wait: Duration,
    /// The wait after temporary failures in a row.
    pub backoff: Backoff,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(15),
            call_timeout: Duration::from_secs(10),
            wait: Duration::from_secs(20),
            backoff: Backoff::new(Duration::from_secs(30), Duration::from_secs(3600))
                .with_jitter(0.2),
        }
    }
}

/// While a token is still valid, its next attempt comes at least this long before it expires,
/// however long the backoff has grown: an outage at Google must not let valid tokens lapse.
pub const RETRY_BEFORE_EXPIRY_SECS: i64 = 120;
/// The longest and shortest wait between attempts close to expiry: an eighth of the time left,
/// within these bounds, so that several attempts fit before the token lapses.
const NEAR_EXPIRY_RETRY: (u64, u64) = (2, 10);

impl Timing {
    /// How long to wait after `failures` temporary failures in a row, for a token that expires
    /// at `expires_at` (Unix seconds; `now` likewise): the backoff, but while the token is valid
    /// never past [`RETRY_BEFORE_EXPIRY_SECS`] before its expiry, and closer to expiry, an
    /// eighth of the time left (2 s to 10 s).
    pub fn retry_in(&self, failures: i32, now: i64, expires_at: i64) -> Duration {
        let backoff = self.backoff.after(failures.max(0) as u32);
        if expires_at <= now {
            return backoff;
        }
        let left = (expires_at - now) as u64;
        let deadline = left.saturating_sub(RETRY_BEFORE_EXPIRY_SECS as u64);
        let (shortest, longest) = NEAR_EXPIRY_RETRY;
        let floor = (left / 8).clamp(shortest, longest);
        backoff
            .min(Duration::from_secs(deadline))
            .max(Duration::from_secs(floor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let timing = Timing::default();
        let first = timing.backoff.after(1);
        assert!(first >= Duration::from_secs(24) && first <= Duration::from_secs(36));
        let third = timing.backoff.after(3);
        assert!(third >= Duration::from_secs(96) && third <= Duration::from_secs(144));
        assert!(timing.backoff.after(40) <= Duration::from_secs(4320));
    }

    #[test]
    fn a_valid_token_is_retried_before_it_lapses() {
        let timing = Timing::default();
        let now = 1_000_000;
        // Ten failures in a row would wait about an hour; the token expires in 30 minutes.
        let wait = timing.retry_in(10, now, now + 30 * 60);
        assert_eq!(wait, Duration::from_secs(30 * 60 - 120));
        // Within two minutes of expiry: soon, sooner as expiry nears, never in a tight loop.
        assert_eq!(timing.retry_in(10, now, now + 100), Duration::from_secs(10));
        assert_eq!(timing.retry_in(10, now, now + 40), Duration::from_secs(5));
        assert_eq!(timing.retry_in(10, now, now + 3), Duration::from_secs(2));
        // Already expired: the plain backoff.
        assert!(timing.retry_in(3, now, now - 5) >= Duration::from_secs(96));
        // A short backoff is kept as it is.
        assert!(timing.retry_in(1, now, now + 3600) <= Duration::from_secs(36));
    }
}
