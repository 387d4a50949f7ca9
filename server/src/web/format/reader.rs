//! A [`Reader`]: the language a page is written in and the zone its times are shown in. Numbers
//! and dates follow Unicode's CLDR through ICU4X's compiled data: Spanish as written in Costa
//! Rica with a 24-hour clock (`₡12 345,67`, `3 dic 2026, 14:05`), English in day-month-year
//! order (`₡12,345.67`, `3 Dec 2026, 14:05`).

use std::sync::LazyLock;

use app::i18n::{Lang, Text};
use app::model::SyncView;
use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::{MD, T, YM, YMD, YMDT};
use icu_datetime::options::TimePrecision;
use icu_decimal::DecimalFormatter;
use icu_locale_core::{Locale, locale};
use jiff::tz::TimeZone;
use time::{Date, OffsetDateTime};

use super::{local, user_zone};
use crate::alerts::{Currency, Kind};
use crate::categories::Category;
use crate::entities::mailbox_sync::{SyncFailure, SyncState, SyncSummary};
use crate::entities::users;

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
