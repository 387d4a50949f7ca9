//! Text for people: money with its currency sign, times in the user's time zone (Costa Rica's
//! until they choose one), "2 minutes ago", and the words for sync states and kinds.

use app::model::SyncView;
use jiff::tz::TimeZone;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::alerts::{Bank, Currency, Kind};
use crate::categories::Category;
use crate::entities::mailbox_sync::{SyncFailure, SyncState, SyncSummary};
use crate::entities::users;

/// The zone times are shown in until the user chooses one: Costa Rica's, where the banks are.
pub const DEFAULT_ZONE: &str = "America/Costa_Rica";

/// The zone named `name` (an IANA name), or the default one when there is no name or the zone
/// database does not know it.
pub fn zone(name: Option<&str>) -> TimeZone {
    name.and_then(|name| TimeZone::get(name).ok())
        .unwrap_or_else(|| TimeZone::get(DEFAULT_ZONE).expect("the bundled zone database"))
}

/// The zone `user`'s times are shown in.
pub fn user_zone(user: &users::Model) -> TimeZone {
    zone(user.time_zone.as_deref())
}

/// `name` as the zone database spells it ("europe/madrid" is "Europe/Madrid"), if it knows it.
pub fn known_zone(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    TimeZone::get(name)
        .ok()
        .and_then(|zone| zone.iana_name().map(str::to_owned))
}

/// Every zone's name, in order, for choosing one.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_owned())
        .collect();
    names.sort();
    names
}

/// The zone's offset from UTC at `unix`, in seconds.
pub fn offset_seconds(zone: &TimeZone, unix: i64) -> i32 {
    jiff::Timestamp::from_second(unix).map_or(0, |at| zone.to_offset(at).seconds())
}

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

fn local(unix: i64, zone: &TimeZone) -> Option<OffsetDateTime> {
    let offset = UtcOffset::from_whole_seconds(offset_seconds(zone, unix)).ok()?;
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .map(|t| t.to_offset(offset))
}

/// "30 Nov 2025" in `zone`.
pub fn date(unix: i64, zone: &TimeZone) -> String {
    local(unix, zone)
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// "30 Nov 2025, 09:09" in `zone`.
pub fn date_time(unix: i64, zone: &TimeZone) -> String {
    local(unix, zone)
        .and_then(|t| {
            t.format(format_description!(
                "[day padding:none] [month repr:short] [year], [hour]:[minute]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// "2025-11-30T09:09:00-06:00" (ISO 8601 with `zone`'s offset), for the CSV.
pub fn iso_date_time(unix: i64, zone: &TimeZone) -> String {
    local(unix, zone)
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// The day it is at `unix` in `zone`.
pub fn local_date(unix: i64, zone: &TimeZone) -> Date {
    local(unix, zone).map_or(Date::MIN, OffsetDateTime::date)
}

/// When `day` begins in `zone` (Unix seconds); where a clock change skips midnight, when the
/// day's first hour begins.
pub fn day_start(day: Date, zone: &TimeZone) -> i64 {
    let midnight =
        jiff::civil::date(day.year() as i16, day.month() as i8, day.day() as i8).at(0, 0, 0, 0);
    midnight.to_zoned(zone.clone()).map_or_else(
        |_| day.midnight().assume_utc().unix_timestamp(),
        |start| start.timestamp().as_second(),
    )
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

/// "14:05" in `zone`.
pub fn clock_time(unix: i64, zone: &TimeZone) -> String {
    local(unix, zone)
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
    zone: &TimeZone,
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
            clock_time(at, zone)
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
    fn times_are_shown_in_the_users_zone_costa_ricas_by_default() {
        let costa_rica = zone(None);
        // 2025-11-30T15:09:00Z is 09:09 in Costa Rica.
        assert_eq!(date_time(1_764_515_340, &costa_rica), "30 Nov 2025, 09:09");
        // 02:00 UTC on 1 Dec is still 30 Nov in Costa Rica: a date is the zone's too.
        assert_eq!(date(1_764_554_400, &costa_rica), "30 Nov 2025");
        assert_eq!(
            iso_date_time(1_764_515_340, &costa_rica),
            "2025-11-30T09:09:00-06:00"
        );
        let day = local_date(1_764_515_340, &costa_rica);
        assert_eq!(day_start(day, &costa_rica), 1_764_482_400);
        assert_eq!(parse_iso_date("2025-11-30"), Some(day));
        assert_eq!(parse_iso_date("2025-02-30"), None);
        assert_eq!(clock_time(1_764_515_340, &costa_rica), "09:09");
        assert_eq!(ago(100, 100), "just now");
        assert_eq!(ago(0, 120), "2 minutes ago");
        assert_eq!(ago(0, 3600), "1 hour ago");

        // The same instant in Madrid (UTC+1 in winter) and New York (UTC−5), and a summer
        // instant in New York (UTC−4): the zone's offset at that moment.
        let madrid = zone(Some("Europe/Madrid"));
        assert_eq!(date_time(1_764_515_340, &madrid), "30 Nov 2025, 16:09");
        assert_eq!(
            iso_date_time(1_764_554_400, &madrid),
            "2025-12-01T03:00:00+01:00"
        );
        let new_york = zone(Some("America/New_York"));
        assert_eq!(clock_time(1_764_515_340, &new_york), "10:09");
        assert_eq!(clock_time(1_751_382_000, &new_york), "11:00");
        // A day starts at its own midnight, whichever side of a clock change it is on.
        let day = parse_iso_date("2026-03-08").unwrap();
        assert_eq!(day_start(day, &new_york), 1_772_946_000);
        assert_eq!(day_start(day.next_day().unwrap(), &new_york), 1_773_028_800);
    }

    #[test]
    fn a_zone_is_known_by_its_name_and_an_unknown_one_is_costa_ricas() {
        assert_eq!(
            known_zone(" europe/madrid ").as_deref(),
            Some("Europe/Madrid")
        );
        assert_eq!(known_zone("Mars/Olympus_Mons"), None);
        assert_eq!(known_zone(""), None);
        assert_eq!(
            zone(Some("Mars/Olympus_Mons")).iana_name(),
            Some(DEFAULT_ZONE)
        );
        let names = zone_names();
        assert!(names.iter().any(|name| name == DEFAULT_ZONE));
        assert!(names.iter().any(|name| name == "Asia/Tokyo"));
        assert!(names.windows(2).all(|pair| pair[0] < pair[1]));
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
        let waiting = sync_view(Some(&dead), "Gmail", true, 60, &zone(None));
        assert_eq!(waiting.problem.as_deref(), Some("Reconnect needed"));
        assert!(waiting.needs_you);
        // Active again, its first sync since still queued.
        let reconnected = sync_view(Some(&dead), "Gmail", false, 60, &zone(None));
        assert_eq!(reconnected.problem, None);
        assert!(!reconnected.needs_you);
    }
}
