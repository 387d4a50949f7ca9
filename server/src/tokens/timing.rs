//! How long leases, calls and waits last, and the backoff after temporary failures.

use std::time::Duration;

use rand::Rng;

/// Timing knobs; the defaults are the product's, tests shorten them.
#[derive(Clone, Debug)]
pub struct Timing {
    /// How long a lease protects a refresh in progress (a crashed holder's lapses after this).
    pub lease: Duration,
    /// Upper bound on one call to the token endpoint (kept under `lease`).
    pub call_timeout: Duration,
    /// How long an on-demand caller waits for another holder's refresh.
    pub wait: Duration,
    /// First retry delay after a temporary failure; doubles each time, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(15),
            call_timeout: Duration::from_secs(10),
            wait: Duration::from_secs(20),
            backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
        }
    }
}

impl Timing {
    /// Exponential backoff with ±20 % jitter after `failures` failures in a row.
    pub fn backoff(&self, failures: i32) -> Duration {
        let exponent = failures.clamp(1, 16) as u32 - 1;
        let base = self
            .backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        base.mul_f64(rand::thread_rng().gen_range(0.8..1.2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let timing = Timing::default();
        let first = timing.backoff(1);
        assert!(first >= Duration::from_secs(24) && first <= Duration::from_secs(36));
        let third = timing.backoff(3);
        assert!(third >= Duration::from_secs(96) && third <= Duration::from_secs(144));
        assert!(timing.backoff(40) <= Duration::from_secs(4320));
    }
}
