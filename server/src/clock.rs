//! Time as the database stores it: Unix seconds, UTC.
//!
//! Services read the time through a [`Clock`]. In production it is the system clock; a test
//! can move it forward (a state expiring, a lease lapsing, a backoff passing) without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

/// The system clock, optionally shifted by an offset a test controls.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that starts at the system time and that [`Clock::advance`] moves forward.
    /// Its clones share the offset.
    pub fn adjustable() -> Self {
        Self {
            offset: Some(Arc::new(AtomicI64::new(0))),
        }
    }

    /// Unix seconds.
    pub fn now(&self) -> i64 {
        let shift = self
            .offset
            .as_ref()
            .map_or(0, |offset| offset.load(Ordering::SeqCst));
        now() + shift
    }

    /// Moves an adjustable clock forward; a system clock cannot be moved.
    pub fn advance(&self, seconds: i64) {
        let offset = self
            .offset
            .as_ref()
            .expect("only an adjustable clock can be moved");
        offset.fetch_add(seconds, Ordering::SeqCst);
    }
}

/// The system time in Unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjustable_clock_moves_with_its_clones() {
        let clock = Clock::adjustable();
        let copy = clock.clone();
        let before = clock.now();
        copy.advance(16);
        assert!(clock.now() >= before + 16);
        assert!(Clock::system().now() < before + 16);
    }
}
