//! Text for people: time zones (Costa Rica's until the user chooses one) and the days and
//! times in them, and a [`Reader`] (`reader.rs`), who writes money, dates, times and words in
//! their own language. The CSV's machine-readable forms ([`decimal`], [`iso_date_time`]) are
//! the same in every language.

mod reader;

use jiff::tz::TimeZone;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::alerts::{Bank, Currency};
use crate::entities::users;

pub use reader::Reader;

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

/// The plain decimal amount for the CSV: "22000.00".
pub fn decimal(minor_units: i64, currency_code: &str) -> String {
    let exponent = Currency::from_code(currency_code).map_or(2, Currency::exponent);
    rust_decimal::Decimal::new(minor_units, exponent).to_string()
}

pub(super) fn local(unix: i64, zone: &TimeZone) -> Option<OffsetDateTime> {
    let offset = UtcOffset::from_whole_seconds(offset_seconds(zone, unix)).ok()?;
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .map(|t| t.to_offset(offset))
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

pub fn bank(code: &str) -> String {
    Bank::from_code(code).map_or_else(|| code.to_owned(), |b| b.display_name().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::mailbox_sync::{SyncFailure, SyncState, SyncSummary};
    use app::i18n::Lang;

    #[test]
    fn money_has_its_sign_and_groups_the_languages_way() {
        let english = Reader::new(Lang::En, zone(None));
        assert_eq!(english.money(2_200_000, "CRC"), "₡22,000.00");
        assert_eq!(english.money(1000, "USD"), "$10.00");
        assert_eq!(english.money(15_005, "NIO"), "C$150.05");
        assert_eq!(english.money(123_456_789, "USD"), "$1,234,567.89");
        assert_eq!(english.money(-50, "USD"), "-$0.50");
        assert_eq!(english.money(5, "EUR"), "0.05 EUR");
        // Costa Rica groups with a (no-break) space and has a decimal comma.
        let spanish = Reader::new(Lang::Es, zone(None));
        assert_eq!(spanish.money(1_234_567, "CRC"), "₡12\u{a0}345,67");
        assert_eq!(spanish.money(-50, "USD"), "-$0,50");
        assert_eq!(spanish.money(5, "EUR"), "0,05 EUR");
        // The CSV's plain decimal is the same in every language.
        assert_eq!(decimal(2_200_000, "CRC"), "22000.00");
    }

    #[test]
    fn times_are_shown_in_the_users_zone_costa_ricas_by_default() {
        let costa_rica = zone(None);
        let reader = Reader::new(Lang::En, costa_rica.clone());
        // 2025-11-30T15:09:00Z is 09:09 in Costa Rica.
        assert_eq!(reader.date_time(1_764_515_340), "30 Nov 2025, 09:09");
        // 02:00 UTC on 1 Dec is still 30 Nov in Costa Rica: a date is the zone's too.
        assert_eq!(reader.date(1_764_554_400), "30 Nov 2025");
        // In Spanish, Costa Rica's way, with a 24-hour clock.
        let spanish = Reader::new(Lang::Es, costa_rica.clone());
        assert_eq!(spanish.date_time(1_764_795_900), "3 dic 2025, 15:05");
        assert_eq!(spanish.date(1_764_554_400), "30 nov 2025");
        assert_eq!(
            iso_date_time(1_764_515_340, &costa_rica),
            "2025-11-30T09:09:00-06:00"
        );
        let day = local_date(1_764_515_340, &costa_rica);
        assert_eq!(day_start(day, &costa_rica), 1_764_482_400);
        assert_eq!(parse_iso_date("2025-11-30"), Some(day));
        assert_eq!(parse_iso_date("2025-02-30"), None);
        assert_eq!(reader.clock_time(1_764_515_340), "09:09");
        assert_eq!(reader.day_month(day), "30 Nov");
        assert_eq!(spanish.day_month(day), "30 nov");
        assert_eq!(spanish.month_year(day), "nov 2025");
        assert_eq!(reader.ago(100, 100), "just now");
        assert_eq!(reader.ago(0, 120), "2 minutes ago");
        assert_eq!(spanish.ago(0, 3600), "hace 1 hora");

        // The same instant in Madrid (UTC+1 in winter) and New York (UTC−5), and a summer
        // instant in New York (UTC−4): the zone's offset at that moment.
        let madrid = zone(Some("Europe/Madrid"));
        let in_madrid = Reader::new(Lang::En, madrid.clone());
        assert_eq!(in_madrid.date_time(1_764_515_340), "30 Nov 2025, 16:09");
        assert_eq!(
            iso_date_time(1_764_554_400, &madrid),
            "2025-12-01T03:00:00+01:00"
        );
        let new_york = zone(Some("America/New_York"));
        let in_new_york = Reader::new(Lang::En, new_york.clone());
        assert_eq!(in_new_york.clock_time(1_764_515_340), "10:09");
        assert_eq!(in_new_york.clock_time(1_751_382_000), "11:00");
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
        let reader = Reader::new(Lang::En, zone(None));
        let waiting = reader.sync_view(Some(&dead), "Gmail", true, 60);
        assert_eq!(waiting.problem.as_deref(), Some("Reconnect needed"));
        assert!(waiting.needs_you);
        // Active again, its first sync since still queued.
        let reconnected = reader.sync_view(Some(&dead), "Gmail", false, 60);
        assert_eq!(reconnected.problem, None);
        assert!(!reconnected.needs_you);
    }
}
