//! Text for people: a [`Reader`] writes money, dates and times in the reader's language and
//! time zone (Costa Rica's until they choose one), "2 minutes ago", and the words for kinds,
//! categories and sync states. Numbers and dates follow Unicode's CLDR through ICU4X: Spanish
//! as written in Costa Rica with a 24-hour clock (`₡12 345,67`, `3 dic 2026, 14:05`), English
//! in day-month-year order (`₡12,345.67`, `3 Dec 2026, 14:05`). The CSV's machine-readable
//! forms ([`decimal`], [`iso_date_time`]) are the same in every language.

use std::sync::LazyLock;

use app::i18n::{Lang, Text};
use app::model::SyncView;
use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::{MD, T, YM, YMD, YMDT};
use icu_datetime::options::TimePrecision;
use icu_decimal::DecimalFormatter;
use icu_locale_core::{Locale, locale};
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

/// ICU4X's formatters for one language, made once.
struct Formatters {
    date_time: DateTimeFormatter<YMDT>,
    date: DateTimeFormatter<YMD>,
    day_month: DateTimeFormatter<MD>,
    month_year: DateTimeFormatter<YM>,
    time: DateTimeFormatter<T>,
    number: DecimalFormatter,
}

impl Formatters {
    fn new(locale: Locale) -> Self {
        let prefs = || locale.clone().into();
        let minutes = TimePrecision::Minute;
        Self {
            date_time: DateTimeFormatter::try_new(
                prefs(),
                YMDT::medium().with_time_precision(minutes),
            )
            .expect("ICU4X's compiled data has every format"),
            date: DateTimeFormatter::try_new(prefs(), YMD::medium()).expect("compiled data"),
            day_month: DateTimeFormatter::try_new(prefs(), MD::medium()).expect("compiled data"),
            month_year: DateTimeFormatter::try_new(prefs(), YM::medium()).expect("compiled data"),
            time: DateTimeFormatter::try_new(prefs(), T::medium().with_time_precision(minutes))
                .expect("compiled data"),
            number: DecimalFormatter::try_new(locale.into(), Default::default())
                .expect("compiled data"),
        }
    }

    fn of(lang: Lang) -> &'static Self {
        static SPANISH: LazyLock<Formatters> =
            LazyLock::new(|| Formatters::new(locale!("es-CR-u-hc-h23")));
        static ENGLISH: LazyLock<Formatters> = LazyLock::new(|| Formatters::new(locale!("en-GB")));
        match lang {
            Lang::Es => &SPANISH,
            Lang::En => &ENGLISH,
        }
    }
}

fn icu_date(day: Date) -> Option<icu_datetime::input::Date<icu_calendar::Iso>> {
    icu_datetime::input::Date::try_new_iso(day.year(), day.month() as u8, day.day()).ok()
}

fn icu_date_time(at: OffsetDateTime) -> Option<icu_datetime::input::DateTime<icu_calendar::Iso>> {
    Some(icu_datetime::input::DateTime {
        date: icu_date(at.date())?,
        time: icu_datetime::input::Time::try_new(at.hour(), at.minute(), at.second(), 0).ok()?,
    })
}

/// Who reads a page: the language it is written in and the zone its times are shown in.
#[derive(Debug, Clone)]
pub struct Reader {
    pub lang: Lang,
    pub zone: TimeZone,
}

impl Reader {
    pub fn new(lang: Lang, zone: TimeZone) -> Self {
        Self { lang, zone }
    }

    /// The signed-in `user`, reading in the request's language.
    pub fn of(headers: &http::HeaderMap, user: &users::Model) -> Self {
        Self::new(Lang::of_request(headers), user_zone(user))
    }

    pub fn t(&self, text: Text) -> &'static str {
        self.lang.t(text)
    }

    fn formatters(&self) -> &'static Formatters {
        Formatters::of(self.lang)
    }

    /// "₡22,000.00", "$10.00", "C$150.00" (in Spanish "₡22 000,00"); negative amounts get a
    /// leading minus; a currency without a sign here is named after the number ("0.05 EUR").
    pub fn money(&self, minor_units: i64, currency_code: &str) -> String {
        let currency = Currency::from_code(currency_code);
        let exponent = currency.map_or(2, Currency::exponent) as i16;
        let mut number = fixed_decimal::Decimal::from(minor_units.unsigned_abs());
        number.multiply_pow10(-exponent);
        number.pad_end(-exponent);
        let digits = self.formatters().number.format(&number).to_string();
        let minus = if minor_units < 0 { "-" } else { "" };
        let sign = match currency {
            Some(Currency::Crc) => "₡",
            Some(Currency::Usd) => "$",
            Some(Currency::Nio) => "C$",
            None => return format!("{minus}{digits} {currency_code}"),
        };
        format!("{minus}{sign}{digits}")
    }

    /// "30 Nov 2025" (in Spanish "30 nov 2025"), in the reader's zone.
    pub fn date(&self, unix: i64) -> String {
        local(unix, &self.zone)
            .and_then(|at| icu_date(at.date()))
            .map(|day| self.formatters().date.format(&day).to_string())
            .unwrap_or_default()
    }

    /// "30 Nov 2025, 09:09" (in Spanish "30 nov 2025, 09:09"), in the reader's zone.
    pub fn date_time(&self, unix: i64) -> String {
        local(unix, &self.zone)
            .and_then(icu_date_time)
            .map(|at| self.formatters().date_time.format(&at).to_string())
            .unwrap_or_default()
    }

    /// "14:05", in the reader's zone.
    pub fn clock_time(&self, unix: i64) -> String {
        local(unix, &self.zone)
            .and_then(icu_date_time)
            .map(|at| self.formatters().time.format(&at).to_string())
            .unwrap_or_default()
    }

    /// "3 Dec" ("3 dic").
    pub fn day_month(&self, day: Date) -> String {
        icu_date(day)
            .map(|day| self.formatters().day_month.format(&day).to_string())
            .unwrap_or_default()
    }

    /// "Dec 2026" ("dic 2026").
    pub fn month_year(&self, day: Date) -> String {
        icu_date(day)
            .map(|day| self.formatters().month_year.format(&day).to_string())
            .unwrap_or_default()
    }

    /// "just now", "1 minute ago", "2 hours ago", "3 days ago".
    pub fn ago(&self, then: i64, now: i64) -> String {
        self.lang.ago(now - then)
    }

    pub fn category(&self, category: Category) -> &'static str {
        self.t(match category {
            Category::Supermarkets => Text::Supermarkets,
            Category::Dining => Text::Dining,
            Category::Transport => Text::Transport,
            Category::Utilities => Text::Utilities,
            Category::Health => Text::Health,
            Category::Entertainment => Text::Entertainment,
            Category::Transfers => Text::Transfers,
            Category::Cash => Text::Cash,
            Category::Other => Text::OtherCategory,
        })
    }

    pub fn kind(&self, code: &str) -> &'static str {
        self.t(match Kind::from_code(code) {
            Some(Kind::Purchase) => Text::KindPurchase,
            Some(Kind::Refund) => Text::KindRefund,
            Some(Kind::Withdrawal) => Text::KindWithdrawal,
            Some(Kind::ServicePayment) => Text::KindServicePayment,
            Some(Kind::Payment) => Text::KindCardPayment,
            Some(Kind::TransferOut) => Text::KindTransferOut,
            Some(Kind::TransferIn) => Text::KindTransferIn,
            Some(Kind::OwnTransfer) => Text::KindOwnTransfer,
            Some(Kind::Declined) => Text::KindDeclined,
            None => Text::KindOther,
        })
    }

    /// What a mailbox's row says about its sync; `service` ("Gmail", "Outlook") names the mail
    /// service in problems.
    pub fn sync_view(
        &self,
        state: Option<&SyncSummary>,
        service: &str,
        needs_reconnect: bool,
        now: i64,
    ) -> SyncView {
        let lang = self.lang;
        let reconnect_needed = || self.t(Text::ReconnectNeeded).to_owned();
        let Some(state) = state else {
            return SyncView {
                syncing: false,
                summary: self.t(Text::NotSyncedYet).into(),
                problem: needs_reconnect.then(reconnect_needed),
                needs_you: needs_reconnect,
            };
        };
        let retry = |what: String| match state.retry_at {
            Some(at) => lang.retrying_at(&what, &self.clock_time(at)),
            None => what,
        };
        let (problem, needs_you) = if needs_reconnect {
            (Some(reconnect_needed()), true)
        } else {
            match state.failure {
                Some(SyncFailure::RateLimited) => (Some(retry(lang.rate_limited(service))), false),
                Some(SyncFailure::Unavailable) => (Some(retry(lang.service_down(service))), false),
                // The account is active again: it was reconnected since, and its sync is queued.
                Some(SyncFailure::NeedsReconnect) => (None, false),
                Some(SyncFailure::Forbidden) => (Some(lang.reading_forbidden(service)), true),
                Some(SyncFailure::Misconfigured) => {
                    (Some(lang.service_misconfigured(service)), false)
                }
                None => (None, false),
            }
        };
        let summary = match state.last_synced_at {
            None => self.t(Text::NotSyncedYet).to_owned(),
            Some(at) => lang.last_synced(&self.ago(at, now), state.last_new_transactions as u64),
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
}

pub fn bank(code: &str) -> String {
    Bank::from_code(code).map_or_else(|| code.to_owned(), |b| b.display_name().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
