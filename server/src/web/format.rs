//! Text for people: money with its currency sign, times as the banks write them (Costa Rica,
//! UTC−6, no daylight saving), "2 minutes ago", and the words for sync states and kinds.

use app::model::SyncView;
use time::macros::{format_description, offset};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::alerts::{Bank, Currency, Kind};
use crate::categories::Category;
use crate::entities::mailbox_sync::{SyncFailure, SyncState, SyncSummary};

/// The zone the banks write in, and the one times are shown in.
pub const DISPLAY_OFFSET: UtcOffset = offset!(-6);

/// "₡22,000.00", "$10.00", "C$150.00"; negative amounts get a leading minus.
pub fn money(minor_units: i64, currency_code: &str) -> String {
    let currency = Currency::from_code(currency_code);
    let exponent = currency.map_or(2, Currency::exponent);
    let sign = match currency {
        Some(Currency::Crc) => "₡",
        Some(Currency::Usd) => "$",
        Some(Currency::Nio) => "C$",
        None => "",
    };
    let scale = 10i64.pow(exponent);
    let (whole, fraction) = (minor_units.abs() / scale, minor_units.abs() % scale);
    let digits = whole.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let minus = if minor_units < 0 { "-" } else { "" };
    let suffix = if currency.is_none() {
        format!(" {currency_code}")
    } else {
        String::new()
    };
    if exponent == 0 {
        format!("{minus}{sign}{grouped}{suffix}")
    } else {
        let width = exponent as usize;
        format!("{minus}{sign}{grouped}.{fraction:0width$}{suffix}")
    }
}

/// The plain decimal amount for the CSV: "22000.00".
pub fn decimal(minor_units: i64, currency_code: &str) -> String {
    let exponent = Currency::from_code(currency_code).map_or(2, Currency::exponent);
    rust_decimal::Decimal::new(minor_units, exponent).to_string()
}

fn local(unix: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .map(|t| t.to_offset(DISPLAY_OFFSET))
}

/// "30 Nov 2025" in the display zone.
pub fn date(unix: i64) -> String {
    local(unix)
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// "30 Nov 2025, 09:09" in the display zone.
pub fn date_time(unix: i64) -> String {
    local(unix)
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year], [hour]:[minute]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// "2025-11-30T09:09:00-06:00" (ISO 8601 with the display zone's offset), for the CSV.
pub fn iso_date_time(unix: i64) -> String {
    local(unix)
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// The day it is at `unix` in the display zone.
pub fn local_date(unix: i64) -> Date {
    local(unix).map_or(Date::MIN, OffsetDateTime::date)
}

/// When `day` begins in the display zone (Unix seconds).
pub fn day_start(day: Date) -> i64 {
    day.midnight()
        .assume_offset(DISPLAY_OFFSET)
        .unix_timestamp()
}

/// A day written `2026-12-03`, as URLs carry it.
pub fn parse_iso_date(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

/// `2026-12-03`.
pub fn iso_date(day: Date) -> String {
    day.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// "3 Dec".
pub fn day_month(day: Date) -> String {
    day.format(format_description!("[day padding:none] [month repr:short]"))
        .unwrap_or_default()
}

/// "Dec 2026".
pub fn month_year(day: Date) -> String {
    day.format(format_description!("[month repr:short] [year]"))
        .unwrap_or_default()
}

pub fn category(category: Category) -> &'static str {
    match category {
        Category::Supermarkets => "Supermarkets",
        Category::Dining => "Restaurants and delivery",
        Category::Transport => "Transport and fuel",
        Category::Utilities => "Utilities and phone",
        Category::Health => "Health",
        Category::Entertainment => "Entertainment and subscriptions",
        Category::Transfers => "Transfers",
        Category::Cash => "Cash",
        Category::Other => "Other",
    }
}

/// "14:05" in the display zone.
pub fn clock_time(unix: i64) -> String {
    local(unix)
        .and_then(|t| t.format(format_description!("[hour]:[minute]")).ok())
        .unwrap_or_default()
}

/// "just now", "1 minute ago", "2 hours ago", "3 days ago".
pub fn ago(then: i64, now: i64) -> String {
    let seconds = (now - then).max(0);
    let (n, unit) = match seconds {
        0..60 => return "just now".into(),
        60..3600 => (seconds / 60, "minute"),
        3600..86_400 => (seconds / 3600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural} ago")
}

pub fn kind(code: &str) -> &'static str {
    match Kind::from_code(code) {
        Some(Kind::Purchase) => "Purchase",
        Some(Kind::Refund) => "Refund",
        Some(Kind::Withdrawal) => "Withdrawal",
        Some(Kind::ServicePayment) => "Service payment",
        Some(Kind::Payment) => "Card payment",
        Some(Kind::TransferOut) => "Transfer out",
        Some(Kind::TransferIn) => "Transfer in",
        Some(Kind::OwnTransfer) => "Own transfer",
        Some(Kind::Declined) => "Declined",
        None => "Other",
    }
}

pub fn bank(code: &str) -> String {
    Bank::from_code(code).map_or_else(|| code.to_owned(), |b| b.display_name().to_owned())
}

/// What a mailbox's row says about its sync; `service` ("Gmail", "Outlook") names the mail
/// service in problems.
pub fn sync_view(
    state: Option<&SyncSummary>,
    service: &str,
    needs_reconnect: bool,
    now: i64,
) -> SyncView {
    let Some(state) = state else {
        return SyncView {
            syncing: false,
            summary: "Not synced yet".into(),
            problem: needs_reconnect.then(|| "Reconnect needed".into()),
            needs_you: needs_reconnect,
        };
    };
    let retry = |what: &str| match state.retry_at {
        Some(at) => format!(
            "{what}; retrying at {} (nothing for you to do)",
            clock_time(at)
        ),
        None => what.to_owned(),
    };
    let (problem, needs_you) = if needs_reconnect {
        (Some("Reconnect needed".to_owned()), true)
    } else {
        match state.failure {
            Some(SyncFailure::RateLimited) => (
                Some(retry(&format!("{service} is rate limiting us"))),
                false,
            ),
            Some(SyncFailure::Unavailable) => (
                Some(retry(&format!("{service} is down or could not be reached"))),
                false,
            ),
            // The account is active again: it was reconnected since, and its sync is queued.
            Some(SyncFailure::NeedsReconnect) => (None, false),
            Some(SyncFailure::Forbidden) => (
                Some(format!(
                    "{service} no longer lets mailconnect read this mailbox: reconnect it and \
                     allow reading mail"
                )),
                true,
            ),
            Some(SyncFailure::Misconfigured) => (
                Some(format!(
                    "mailconnect cannot reach {service} as it is set up; its operator has been \
                     told (nothing for you to do)"
                )),
                false,
            ),
            None => (None, false),
        }
    };
    let summary = match state.last_synced_at {
        None => "Not synced yet".to_owned(),
        Some(at) => {
            let n = state.last_new_transactions;
            let plural = if n == 1 { "" } else { "s" };
            format!("Last synced {} · {n} new transaction{plural}", ago(at, now))
        }
    };
    // A job waiting for its retry time is not "syncing": the problem line says when.
    let waiting_to_retry =
        state.state == SyncState::Queued && state.retry_at.is_some_and(|at| at > now);
    SyncView {
        syncing: state.state != SyncState::Idle && !waiting_to_retry && !needs_reconnect,
        summary,
        problem,
        needs_you,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_its_sign_and_groups() {
        assert_eq!(money(2_200_000, "CRC"), "₡22,000.00");
        assert_eq!(money(1000, "USD"), "$10.00");
        assert_eq!(money(15_005, "NIO"), "C$150.05");
        assert_eq!(money(123_456_789, "USD"), "$1,234,567.89");
        assert_eq!(money(-50, "USD"), "-$0.50");
        assert_eq!(money(5, "EUR"), "0.05 EUR");
        assert_eq!(decimal(2_200_000, "CRC"), "22000.00");
    }

    #[test]
    fn times_are_shown_as_the_banks_write_them() {
        // 2025-11-30T15:09:00Z is 09:09 in Costa Rica.
        assert_eq!(date_time(1_764_515_340), "30 Nov 2025, 09:09");
        // 02:00 UTC on 1 Dec is still 30 Nov in Costa Rica: a date is the display zone's too.
        assert_eq!(date(1_764_554_400), "30 Nov 2025");
        assert_eq!(iso_date_time(1_764_515_340), "2025-11-30T09:09:00-06:00");
        assert_eq!(day_start(local_date(1_764_515_340)), 1_764_482_400);
        assert_eq!(
            parse_iso_date("2025-11-30"),
            Some(local_date(1_764_515_340))
        );
        assert_eq!(parse_iso_date("2025-02-30"), None);
        assert_eq!(clock_time(1_764_515_340), "09:09");
        assert_eq!(ago(100, 100), "just now");
        assert_eq!(ago(0, 120), "2 minutes ago");
        assert_eq!(ago(0, 3600), "1 hour ago");
    }

    #[test]
    fn a_reconnected_mailbox_no_longer_asks_to_be_reconnected() {
        let dead = SyncSummary {
            state: SyncState::Queued,
            last_synced_at: Some(0),
            last_new_transactions: 0,
            failure: Some(SyncFailure::NeedsReconnect),
            retry_at: None,
        };
        let waiting = sync_view(Some(&dead), "Gmail", true, 60);
        assert_eq!(waiting.problem.as_deref(), Some("Reconnect needed"));
        assert!(waiting.needs_you);
        // Active again, its first sync since still queued.
        let reconnected = sync_view(Some(&dead), "Gmail", false, 60);
        assert_eq!(reconnected.problem, None);
        assert!(!reconnected.needs_you);
    }
}
