//! The Transactions page's charts, as numbers: spending per day (a span of up to 31 days), per
//! week (up to 190 days) or per month, one series per currency, each bar beside the same day,
//! week or month of the previous span of equal length; and spending per category. The page
//! draws them (as SVG, on the server). Refunds count against spending; money in, card payments,
//! moves between one's own accounts and declined attempts count for nothing.

use std::collections::BTreeMap;

use app::model::{
    CategoryBar, CategorySpending, SpendingBar, SpendingCharts, SpendingSeries, TransactionQuery,
};
use jiff::tz::TimeZone;
use sea_orm::DbErr;
use time::{Date, Duration};

use super::super::format::{self, Reader};
use super::{MAX_SPAN_DAYS, bounds, category_choice, days};
use crate::categories::Category;
use crate::sync::Syncs;
use crate::sync::transactions::{Filter, Spent};

/// How long a bar's span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Day,
    Week,
    Month,
}

impl Step {
    fn for_days(days: i64) -> Step {
        match days {
            ..=31 => Step::Day,
            32..=190 => Step::Week,
            _ => Step::Month,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Step::Day => "day",
            Step::Week => "week",
            Step::Month => "month",
        }
    }
}

/// The spans of `from..=to`, in order, each bar's first and last day.
fn spans(from: Date, to: Date, step: Step) -> Vec<(Date, Date)> {
    let mut spans = Vec::new();
    let mut start = from;
    while start <= to {
        let end = match step {
            Step::Day => start,
            Step::Week => start + Duration::days(6),
            Step::Month => {
                let next_month = start
                    .replace_day(1)
                    .ok()
                    .and_then(|first| first.checked_add(Duration::days(31)))
                    .and_then(|later| later.replace_day(1).ok());
                next_month.and_then(Date::previous_day).unwrap_or(to)
            }
        }
        .min(to);
        spans.push((start, end));
        match end.next_day() {
            Some(next) => start = next,
            None => break,
        }
    }
    spans
}

fn label(step: Step, (start, _): (Date, Date), reader: &Reader) -> String {
    match step {
        Step::Day => reader.day_month(start),
        Step::Week => reader.lang.week_of(&reader.day_month(start)),
        Step::Month => reader.month_year(start),
    }
}

/// The zone's offset from UTC now, in seconds, for counting days in SQL. In a zone with
/// daylight saving, a row from the other side of a clock change near midnight is counted an
/// hour off; the list and the CSV show each row's exact time.
pub fn utc_offset(zone: &TimeZone, now: i64) -> i64 {
    i64::from(format::offset_seconds(zone, now))
}

/// Days since 1970-01-01 as a date.
fn day_of(days: i64) -> Option<Date> {
    const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
    i32::try_from(days + UNIX_EPOCH_JULIAN_DAY)
        .ok()
        .and_then(|julian| Date::from_julian_day(julian).ok())
}

/// Each currency's spending per span of `spans`.
fn per_span(by_day: &[(String, i64, i64)], spans: &[(Date, Date)]) -> BTreeMap<String, Vec<i64>> {
    let mut sums: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (currency, day, minor) in by_day {
        let Some(day) = day_of(*day) else { continue };
        let Some(index) = spans
            .iter()
            .position(|(start, end)| (*start..=*end).contains(&day))
        else {
            continue;
        };
        sums.entry(currency.clone())
            .or_insert_with(|| vec![0; spans.len()])[index] += minor;
    }
    sums
}

fn filter_for(filter: &Filter, days: (Date, Date), zone: &TimeZone) -> Filter {
    let (since, until) = bounds(days, zone);
    Filter {
        since: Some(since),
        until: Some(until),
        ..filter.clone()
    }
}

/// (currency, day, minor units) of `spent`, whatever the category.
fn per_day(spent: &[Spent]) -> Vec<(String, i64, i64)> {
    spent
        .iter()
        .map(|row| (row.currency.clone(), row.day, row.minor))
        .collect()
}

/// The charts for the page's filters, from what [`Syncs::spending`] found in them; `None` when
/// nothing in them was spent.
pub async fn charts(
    syncs: &Syncs,
    query: &TransactionQuery,
    filter: &Filter,
    now: i64,
    reader: &Reader,
    spent: &[Spent],
) -> Result<Option<SpendingCharts>, DbErr> {
    let zone = &reader.zone;
    let by_day = per_day(spent);
    let spent_days = || by_day.iter().filter_map(|(_, day, _)| day_of(*day));
    let (Some(first), Some(last)) = (spent_days().min(), spent_days().max()) else {
        return Ok(None);
    };
    // All time runs from the first day anything was spent (twenty years back at most); a
    // chosen span has a previous one.
    let chosen = days(query, now, zone);
    let (from, to) = chosen.unwrap_or_else(|| {
        let to = last.max(format::local_date(now, zone));
        (first.max(to - Duration::days(MAX_SPAN_DAYS - 1)), to)
    });
    let length = (to - from).whole_days() + 1;
    let step = Step::for_days(length);
    let current = spans(from, to, step);
    let previous = match chosen {
        Some(_) => {
            let span = (from - Duration::days(length), from - Duration::days(1));
            let by_day = per_day(
                &syncs
                    .spending(&filter_for(filter, span, zone), utc_offset(zone, now))
                    .await?,
            );
            Some(per_span(&by_day, &spans(span.0, span.1, step)))
        }
        None => None,
    };
    let series = per_span(&by_day, &current)
        .into_iter()
        .map(|(currency, values)| {
            let before = previous.as_ref().map(|previous| {
                previous
                    .get(&currency)
                    .cloned()
                    .unwrap_or_else(|| vec![0; current.len()])
            });
            let bars = current
                .iter()
                .zip(&values)
                .enumerate()
                .map(|(index, (span, value))| {
                    let previous = before.as_ref().and_then(|b| b.get(index).copied());
                    let bar_query = TransactionQuery {
                        days: Some((format::iso_date(span.0), format::iso_date(span.1))),
                        page: 1,
                        ..query.clone()
                    };
                    SpendingBar {
                        label: label(step, *span, reader),
                        value: *value,
                        amount: reader.money(*value, &currency),
                        previous,
                        previous_amount: previous.map(|p| reader.money(p, &currency)),
                        href: bar_query.page_href(1),
                    }
                })
                .collect();
            SpendingSeries {
                total: reader.money(values.iter().sum(), &currency),
                previous_total: before.map(|b| reader.money(b.iter().sum(), &currency)),
                currency,
                bars,
            }
        })
        .collect();
    Ok(Some(SpendingCharts {
        step: step.code().to_owned(),
        series,
        categories: categories(query, spent, reader),
    }))
}

/// Each currency's spending per category, largest first, with its share of the currency's.
fn categories(query: &TransactionQuery, spent: &[Spent], reader: &Reader) -> Vec<CategorySpending> {
    let mut per_currency: BTreeMap<&str, BTreeMap<&'static str, (Category, i64)>> = BTreeMap::new();
    for row in spent {
        per_currency
            .entry(&row.currency)
            .or_default()
            .entry(row.category.as_str())
            .or_insert((row.category, 0))
            .1 += row.minor;
    }
    per_currency
        .into_iter()
        .map(|(currency, categories)| {
            let mut rows: Vec<(Category, i64)> = categories.into_values().collect();
            rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
            let total: i64 = rows.iter().map(|(_, minor)| minor).sum();
            let bars = rows
                .into_iter()
                .map(|(category, minor)| CategoryBar {
                    category: category_choice(category, reader),
                    value: minor,
                    amount: reader.money(minor, currency),
                    share: share(minor, total, reader),
                    href: TransactionQuery {
                        category: Some(category.as_str().to_owned()),
                        page: 1,
                        ..query.clone()
                    }
                    .page_href(1),
                })
                .collect();
            CategorySpending {
                currency: currency.to_owned(),
                bars,
            }
        })
        .collect()
}

/// "42%" of `total` ("42 %" in Spanish), rounded; "—" when the total is nothing.
fn share(part: i64, total: i64, reader: &Reader) -> String {
    if total <= 0 {
        return "—".into();
    }
    let percent = (i128::from(part) * 100 + i128::from(total) / 2) / i128::from(total);
    reader.lang.percent(percent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::i18n::Lang;
    use time::macros::date;

    #[test]
    fn a_span_is_cut_into_days_weeks_or_months() {
        assert_eq!(Step::for_days(31), Step::Day);
        assert_eq!(Step::for_days(90), Step::Week);
        assert_eq!(Step::for_days(400), Step::Month);
        let days = spans(date!(2026 - 12 - 01), date!(2026 - 12 - 07), Step::Day);
        assert_eq!(days.len(), 7);
        assert_eq!(days[6], (date!(2026 - 12 - 07), date!(2026 - 12 - 07)));
        let weeks = spans(date!(2026 - 09 - 09), date!(2026 - 12 - 07), Step::Week);
        assert_eq!(weeks.len(), 13);
        assert_eq!(weeks[0], (date!(2026 - 09 - 09), date!(2026 - 09 - 15)));
        assert_eq!(weeks[12], (date!(2026 - 12 - 02), date!(2026 - 12 - 07)));
        let months = spans(date!(2025 - 11 - 20), date!(2026 - 02 - 10), Step::Month);
        assert_eq!(
            months,
            [
                (date!(2025 - 11 - 20), date!(2025 - 11 - 30)),
                (date!(2025 - 12 - 01), date!(2025 - 12 - 31)),
                (date!(2026 - 01 - 01), date!(2026 - 01 - 31)),
                (date!(2026 - 02 - 01), date!(2026 - 02 - 10)),
            ]
        );
    }

    #[test]
    fn spending_per_day_adds_up_per_span_and_currency() {
        let first = (date!(2026 - 12 - 01).to_julian_day() - 2_440_588) as i64;
        let by_day = [
            ("CRC".to_owned(), first, 1000),
            ("CRC".to_owned(), first + 1, 500),
            ("CRC".to_owned(), first + 8, -200),
            ("USD".to_owned(), first + 9, 1299),
            // Outside the spans: left out.
            ("USD".to_owned(), first + 30, 7),
        ];
        let weeks = spans(date!(2026 - 12 - 01), date!(2026 - 12 - 14), Step::Week);
        let sums = per_span(&by_day, &weeks);
        assert_eq!(sums["CRC"], [1500, -200]);
        assert_eq!(sums["USD"], [0, 1299]);
    }

    #[test]
    fn shares_are_rounded_percentages() {
        let english = Reader::new(Lang::En, format::zone(None));
        assert_eq!(share(1, 3, &english), "33%");
        assert_eq!(share(2, 3, &english), "67%");
        assert_eq!(share(5, 0, &english), "—");
        let spanish = Reader::new(Lang::Es, format::zone(None));
        assert_eq!(share(1, 3, &spanish), "33\u{a0}%");
    }
}
