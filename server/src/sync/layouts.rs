//! Noticing a bank's layout change. Banks change their senders and layouts without notice;
//! the first sign is their mail no longer giving transactions. Every bank mail a sync reads is
//! counted by bank and outcome (`mailconnect_bank_mail_total{bank,outcome}`), and this watch
//! keeps, per bank, the last [`WINDOW`] alerts of this instance: when at least [`MIN_UNREAD`]
//! of them and [`SHARE`] or more could not be read (unparsed, or of an unknown layout), it
//! says to warn, at most once per [`QUIET`] per bank. The warning names the bank and the
//! subject's shape, never the subject.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::alerts::{Bank, Examined};

/// How many of a bank's latest mails the share is taken over.
pub const WINDOW: usize = 50;
/// Fewer unread mails than this never warn (one odd mail is not a layout change).
pub const MIN_UNREAD: usize = 3;
/// The share of unread mails in the window that warns.
pub const SHARE: f64 = 0.2;
/// At most one warning per bank in this time.
pub const QUIET: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct LayoutWatch {
    banks: Mutex<HashMap<Bank, Recent>>,
}

#[derive(Default)]
struct Recent {
    /// True for each mail that could not be read, oldest first.
    unread: VecDeque<bool>,
    warned_at: Option<Instant>,
}

/// A warning to log: the share of the window that could not be read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Warning {
    pub unread: usize,
    pub of: usize,
}

impl LayoutWatch {
    /// Counts one examined mail (metrics, and the window of its bank) and logs a warning when
    /// the bank's unread share has risen.
    pub fn observe(&self, examined: &Examined) {
        let Some(bank) = examined.bank else {
            return;
        };
        metrics::counter!(
            "mailconnect_bank_mail_total",
            "bank" => bank.as_str(),
            "outcome" => examined.outcome.code(),
        )
        .increment(1);
        if let Some(Warning { unread, of }) =
            self.record(bank, examined.outcome.is_unread_alert(), Instant::now())
        {
            tracing::warn!(
                bank = bank.as_str(),
                unread,
                of,
                subject_shape = examined.subject_shape.as_deref().unwrap_or("-"),
                "bank mail is not being read: its layout or sender may have changed"
            );
        }
    }

    /// Adds one mail of `bank` to its window; a warning when one is due.
    pub fn record(&self, bank: Bank, unread: bool, now: Instant) -> Option<Warning> {
        let mut banks = self.banks.lock().unwrap_or_else(|e| e.into_inner());
        let recent = banks.entry(bank).or_default();
        recent.unread.push_back(unread);
        if recent.unread.len() > WINDOW {
            recent.unread.pop_front();
        }
        if !unread {
            return None;
        }
        let count = recent.unread.iter().filter(|&&u| u).count();
        let of = recent.unread.len();
        let risen = count >= MIN_UNREAD && count as f64 >= SHARE * of as f64;
        let quiet = recent
            .warned_at
            .is_some_and(|at| now.duration_since(at) < QUIET);
        if !risen || quiet {
            return None;
        }
        recent.warned_at = Some(now);
        Some(Warning { unread: count, of })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_when_the_share_rises_and_not_again_soon() {
        let watch = LayoutWatch::default();
        let t0 = Instant::now();
        // A healthy bank: one odd mail among many read ones never warns.
        for i in 0..40 {
            assert_eq!(watch.record(Bank::Bcr, i == 7, t0), None);
        }
        // BAC's layout changes: reads stop.
        assert_eq!(watch.record(Bank::BacCredomatic, false, t0), None);
        assert_eq!(watch.record(Bank::BacCredomatic, true, t0), None);
        assert_eq!(watch.record(Bank::BacCredomatic, true, t0), None);
        assert_eq!(
            watch.record(Bank::BacCredomatic, true, t0),
            Some(Warning { unread: 3, of: 4 })
        );
        // Quiet for a while, then again if it goes on.
        assert_eq!(
            watch.record(Bank::BacCredomatic, true, t0 + QUIET / 2),
            None
        );
        assert_eq!(
            watch.record(Bank::BacCredomatic, true, t0 + QUIET),
            Some(Warning { unread: 5, of: 6 })
        );
        // A low share over a full window does not warn.
        let other = LayoutWatch::default();
        for i in 0..WINDOW {
            assert_eq!(other.record(Bank::Bncr, i % 10 == 0, t0), None, "{i}");
        }
    }
}
