//! The one backoff policy, for everything that waits after failures in a row: token refreshes,
//! queued revocations, sync jobs, calls to the mail services and grants left to drop.
//!
//! After `n` failures the wait is `first · 2^(n−1)`, at most `max`, then spread by a jitter so
//! that callers failing together do not come back together. Callers keep their failure count
//! (often in the database) and ask for the wait it earns; no retry loop is hidden here.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    /// Each wait is drawn uniformly from ±this fraction of it.
    jitter: f64,
}

impl Backoff {
    /// Waits of `first`, doubling after each failure, up to `max`; no jitter.
    pub const fn new(first: Duration, max: Duration) -> Self {
        Self {
            first,
            max,
            jitter: 0.0,
        }
    }

    /// The same waits, each spread over ±`fraction` of itself (`0.2`: 80 % to 120 %).
    pub const fn with_jitter(self, fraction: f64) -> Self {
        Self {
            jitter: fraction,
            ..self
        }
    }

    /// The wait after `failures` failures in a row (none counts as one).
    pub fn after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        let wait = self.first.saturating_mul(1 << doublings).min(self.max);
        if self.jitter > 0.0 {
            let spread = rand::thread_rng().gen_range(1.0 - self.jitter..1.0 + self.jitter);
            wait.mul_f64(spread)
        } else {
            wait
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn waits_double_up_to_the_cap() {
        let backoff = Backoff::new(SECOND, 10 * SECOND);
        let waits: Vec<u64> = (0..7).map(|n| backoff.after(n).as_secs()).collect();
        assert_eq!(waits, [1, 1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff.after(u32::MAX), 10 * SECOND, "no overflow");
    }

    #[test]
    fn jitter_stays_within_its_fraction() {
        let backoff = Backoff::new(4 * SECOND, 60 * SECOND).with_jitter(0.25);
        let waits: Vec<Duration> = (0..200).map(|_| backoff.after(2)).collect();
        assert!(waits.iter().all(|w| (6 * SECOND..=10 * SECOND).contains(w)));
        assert!(waits.iter().any(|w| *w != waits[0]), "the waits are spread");
    }
}
