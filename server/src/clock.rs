//! Time as the database stores it: Unix seconds, UTC.
//!
//! Services read the time through a [`Clock`]. In production it is the system clock; a test
//! can move it forward (a state expiring, a lease lapsing, a backoff passing) without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;
use time::macros::format_description;

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

/// "25 Nov 2026"
pub fn format_date(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// "25 Nov 2026, 13:05 UTC"
pub fn format_date_time(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_people() {
        // 2026-11-25T13:05:00Z
        assert_eq!(format_date(1_795_611_900), "25 Nov 2026");
        assert_eq!(format_date_time(1_795_611_900), "25 Nov 2026, 13:05 UTC");
    }

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
