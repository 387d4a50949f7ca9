//! The Transactions page's data: the signed-in user's own rows only, filtered by mailbox, days,
//! merchant, category, kind, card and bank; its charts ([`charts`]); changing a row's category
//! ([`filing`]); and the CSV download ([`csv`], `/transactions.csv`).

pub mod charts;
pub mod csv;
pub mod filing;

use std::collections::{BTreeMap, HashMap};

use app::error::AppError;
use app::model::{
    Choice, CurrencyTotal, FilingUndo, FilterChoices, MailService, MailboxOption,
    TRANSACTIONS_PER_PAGE, TransactionPage, TransactionQuery, TransactionRow, UnreadBankMail,
    UnreadMail,
};
use jiff::tz::TimeZone;
use time::{Date, Duration};

use super::format::{self, Reader};
use super::internal;
use crate::alerts::{Bank, Kind};
use crate::categories::{self, Category};
use crate::entities::transactions;
use crate::sync::Syncs;
use crate::sync::transactions::{Filter, Listed, UnreadAlert, shown_category};
use app::i18n::Text;

pub use csv::csv;

/// The amount as it counts for the user: a refund is money given back, so it carries a minus
/// sign on the page and in the CSV.
fn signed_amount(model: &transactions::Model) -> i64 {
    if Kind::from_code(&model.kind) == Some(Kind::Refund) {
        -model.amount_minor
    } else {
        model.amount_minor
    }
}

/// The unread alerts, one entry per bank, with the newest listed.
fn unread_by_bank(
    listed: Vec<UnreadAlert>,
    per_bank: Vec<(String, i64)>,
    reader: &Reader,
) -> Vec<UnreadBankMail> {
    per_bank
        .into_iter()
        .map(|(code, count)| UnreadBankMail {
            bank: format::bank(&code),
            count: count.max(0) as u64,
            mails: listed
                .iter()
                .filter(|alert| alert.bank == code)
                .map(|alert| UnreadMail {
                    when: reader.date_time(alert.at),
                    subject: alert
                        .subject
                        .clone()
                        .unwrap_or_else(|| reader.t(Text::NoSubject).into()),
                })
                .collect(),
        })
        .collect()
}

/// The longest span of days the page draws (twenty years): all time starts no earlier.
pub const MAX_SPAN_DAYS: i64 = 20 * 366;

/// The days a query covers, both included, in the user's zone: the span chosen on the chart,
/// else the period's last days up to today; `None` for all time.
pub fn days(query: &TransactionQuery, now: i64, zone: &TimeZone) -> Option<(Date, Date)> {
    // A span longer than the charts draw is not one a chart offered: the period stands.
    let chosen = query.days.as_ref().and_then(|(from, to)| {
        let from = format::parse_iso_date(from)?;
        let to = format::parse_iso_date(to)?;
        (from <= to && (to - from).whole_days() < MAX_SPAN_DAYS).then_some((from, to))
    });
    chosen.or_else(|| {
        let today = format::local_date(now, zone);
        let days = query.period.days()?;
        Some((today - Duration::days(days - 1), today))
    })
}

/// When the days `from..=to` begin and end (the start of the day after), Unix seconds.
fn bounds((from, to): (Date, Date), zone: &TimeZone) -> (i64, i64) {
    (
        format::day_start(from, zone),
        format::day_start(to.next_day().unwrap_or(to), zone),
    )
}

fn filter(user_id: i32, query: &TransactionQuery, now: i64, zone: &TimeZone) -> Filter {
    let days = days(query, now, zone);
    Filter {
        user_id,
        account_id: query.mailbox,
        since: days.map(|days| bounds(days, zone).0),
        until: days.map(|days| bounds(days, zone).1),
        search: query
            .search
            .as_deref()
            .map(categories::merchant_key)
            .filter(|words| !words.is_empty()),
        // A code that names nothing falls back to no filter, as the page's selects show it.
        category: query.category.as_deref().and_then(Category::from_code),
        kind: query
            .kind
            .clone()
            .filter(|code| Kind::from_code(code).is_some()),
        card: query.card.clone(),
        bank: query
            .bank
            .clone()
            .filter(|code| Bank::from_code(code).is_some()),
    }
}

pub fn category_choice(category: Category, reader: &Reader) -> Choice {
    Choice {
        code: category.as_str().to_owned(),
        label: reader.category(category).to_owned(),
    }
}

fn row(
    (model, rule): Listed,
    services: &HashMap<i32, MailService>,
    reader: &Reader,
) -> TransactionRow {
    let category = category_choice(shown_category(&model, rule.as_ref()), reader);
    let amount = reader.money(signed_amount(&model), &model.currency);
    let mut merchant = model.merchant.unwrap_or_else(|| "—".into());
    for place in [model.city, model.country].into_iter().flatten() {
        merchant.push_str(", ");
        merchant.push_str(&place);
    }
    TransactionRow {
        id: model.id,
        when: reader.date_time(model.occurred_at),
        merchant,
        amount,
        card: model.card_last4.map(|last4| format!("••{last4}")),
        bank: format::bank(&model.bank),
        service: services.get(&model.account_id).copied(),
        mailbox: model.mailbox,
        also_in: model
            .seen_in
            .map(|seen| seen.split(", ").map(str::to_owned).collect())
            .unwrap_or_default(),
        kind: reader.kind(&model.kind).to_owned(),
        declined: model.kind == "declined",
        category,
    }
}

/// One page of the user's transactions, with totals, charts, the filters' choices and, after a
/// change of category, what it did.
pub async fn page(
    syncs: &Syncs,
    user_id: i32,
    reader: &Reader,
    accounts: Vec<(i32, String, MailService)>,
    mut query: TransactionQuery,
    filed: Option<FilingUndo>,
) -> Result<TransactionPage, AppError> {
    let fail = |e| internal("reading transactions failed", e);
    query.page = query.page.max(1);
    let now = syncs.clock().now();
    let zone = &reader.zone;
    let filter = filter(user_id, &query, now, zone);
    let (rows, total_rows) = syncs
        .transactions(&filter, u64::from(query.page), TRANSACTIONS_PER_PAGE)
        .await
        .map_err(fail)?;
    let spent = syncs
        .spending(&filter, charts::utc_offset(zone, now))
        .await
        .map_err(fail)?;
    let mut per_currency: BTreeMap<&str, i64> = BTreeMap::new();
    for row in spent.iter() {
        *per_currency.entry(&row.currency).or_default() += row.minor;
    }
    let totals = per_currency
        .into_iter()
        .map(|(currency, minor)| CurrencyTotal {
            amount: reader.money(minor, currency),
            currency: currency.to_owned(),
        })
        .collect();
    let charts = charts::charts(syncs, &query, &filter, now, reader, &spent)
        .await
        .map_err(fail)?;
    let choices = syncs.filter_choices(user_id).await.map_err(fail)?;
    // Connected mailboxes, and disconnected ones that still have transactions.
    let services: HashMap<i32, MailService> = accounts
        .iter()
        .map(|&(id, _, service)| (id, service))
        .collect();
    let mut mailboxes: Vec<MailboxOption> = accounts
        .into_iter()
        .map(|(id, email, _)| MailboxOption { id, email })
        .collect();
    for (id, email) in choices.mailboxes {
        if !mailboxes.iter().any(|m| m.id == id) {
            mailboxes.push(MailboxOption { id, email });
        }
    }
    let choices = FilterChoices {
        categories: Category::ALL
            .into_iter()
            .map(|category| category_choice(category, reader))
            .collect(),
        kinds: choices
            .kinds
            .into_iter()
            .map(|code| Choice {
                label: reader.kind(&code).to_owned(),
                code,
            })
            .collect(),
        cards: choices
            .cards
            .into_iter()
            .map(|code| Choice {
                label: format!("••{code}"),
                code,
            })
            .collect(),
        banks: choices
            .banks
            .into_iter()
            .map(|code| Choice {
                label: format::bank(&code),
                code,
            })
            .collect(),
    };
    let filed = match filed {
        Some(undo) => filing::notice(syncs, user_id, undo, reader).await?,
        None => None,
    };
    let (listed, per_bank) = syncs.unread_alerts(&filter).await.map_err(fail)?;
    let pages = total_rows.div_ceil(TRANSACTIONS_PER_PAGE).max(1) as u32;
    Ok(TransactionPage {
        query,
        rows: rows
            .into_iter()
            .map(|r| row(r, &services, reader))
            .collect(),
        total_rows,
        pages,
        totals,
        mailboxes,
        unread: unread_by_bank(listed, per_bank, reader),
        choices,
        charts,
        filed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::Period;

    fn query(days: Option<(&str, &str)>, category: Option<&str>) -> TransactionQuery {
        TransactionQuery {
            period: Period::Days7,
            days: days.map(|(from, to)| (from.to_owned(), to.to_owned())),
            category: category.map(str::to_owned),
            kind: Some("yachting".into()),
            bank: Some("bac_credomatic".into()),
            page: 1,
            ..TransactionQuery::default()
        }
    }

    #[test]
    fn a_span_is_the_charts_or_else_the_periods() {
        // 2026-12-07 12:00 UTC is 06:00 that day in Costa Rica.
        let now = 1_796_644_800;
        let zone = format::zone(None);
        let today = format::local_date(now, &zone);
        let week = Some((today - Duration::days(6), today));
        assert_eq!(days(&query(None, None), now, &zone), week);
        let chosen = days(&query(Some(("2026-11-01", "2026-11-30")), None), now, &zone).unwrap();
        assert_eq!(format::iso_date(chosen.0), "2026-11-01");
        assert_eq!(format::iso_date(chosen.1), "2026-11-30");
        // Longer than the charts draw, or not a day: the period stands.
        assert_eq!(
            days(&query(Some(("0001-01-01", "9999-12-31")), None), now, &zone),
            week
        );
        assert_eq!(
            days(&query(Some(("2026-02-30", "2026-03-01")), None), now, &zone),
            week
        );
    }

    #[test]
    fn codes_that_name_nothing_filter_nothing() {
        let now = 1_796_644_800;
        let zone = format::zone(None);
        let known = filter(7, &query(None, Some("health")), now, &zone);
        assert_eq!(known.category, Some(Category::Health));
        assert_eq!(known.bank.as_deref(), Some("bac_credomatic"));
        let unknown = filter(7, &query(None, Some("yachts")), now, &zone);
        assert_eq!(unknown.category, None);
        assert_eq!(unknown.kind, None);
    }
}
