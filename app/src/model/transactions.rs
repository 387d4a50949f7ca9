//! What the Transactions page shows: its rows, totals and charts, the filters' choices, and the
//! category forms' data (its filters are in `query`).

use serde::{Deserialize, Serialize};

use super::{MailService, TransactionQuery};

/// One choice of a filter or a form: its value in the URL and its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

/// What the filters offer, from the user's own transactions (categories: all of them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterChoices {
    pub categories: Vec<Choice>,
    pub kinds: Vec<Choice>,
    /// Labelled "••3640".
    pub cards: Vec<Choice>,
    pub banks: Vec<Choice>,
}

/// Spending over the filtered period, drawn: per day, week or month, one chart per currency,
/// beside the previous period of the same length; and per category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendingCharts {
    /// "day", "week" or "month".
    pub step: String,
    pub series: Vec<SpendingSeries>,
    pub categories: Vec<CategorySpending>,
}

/// One currency's spending over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendingSeries {
    pub currency: String,
    /// The period's spending in this currency, formatted.
    pub total: String,
    /// The previous period's, when there is one to compare with.
    pub previous_total: Option<String>,
    pub bars: Vec<SpendingBar>,
}

/// One day, week or month of a [`SpendingSeries`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendingBar {
    /// "3 Dec", "week of 1 Dec", "Dec 2026".
    pub label: String,
    /// In minor units: what the bar's height is drawn from (a refund can make it negative).
    pub value: i64,
    pub amount: String,
    /// The matching day, week or month of the previous period.
    pub previous: Option<i64>,
    pub previous_amount: Option<String>,
    /// The list filtered to this bar's days.
    pub href: String,
}

/// One currency's spending per category, largest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySpending {
    pub currency: String,
    pub bars: Vec<CategoryBar>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryBar {
    pub category: Choice,
    /// In minor units.
    pub value: i64,
    pub amount: String,
    /// Of this currency's spending: "42 %".
    pub share: String,
    /// The list filtered to this category.
    pub href: String,
}

/// A change of category just made, and how to undo it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingNotice {
    /// "Every transaction from AUTO MERCADO is now in Supermarkets."
    pub text: String,
    pub undo: FilingUndo,
}

/// What undoing a change of category puts back (the form's hidden fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingUndo {
    pub id: i32,
    /// The change was for every transaction of the merchant (a rule), not this one alone.
    pub merchant_wide: bool,
    /// The merchant's rule before the change (a category code), or "" for none.
    pub was_rule: String,
    /// The transaction's own choice before the change, or "" for none.
    pub was_own: String,
    /// Where to come back to: the list's filters.
    pub back: String,
}

/// The form that changes a transaction's category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingForm {
    pub id: i32,
    pub when: String,
    pub merchant: String,
    pub amount: String,
    /// The category it is shown under now.
    pub category: String,
    /// Whether it names a merchant (a rule needs one).
    pub has_merchant: bool,
    pub categories: Vec<Choice>,
}

/// Rows a page of the Transactions list holds.
pub const TRANSACTIONS_PER_PAGE: u64 = 50;

/// One transaction, formatted for display (newest first in a page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRow {
    pub id: i32,
    /// Costa Rica time, as the bank wrote it: "30 Nov 2025, 09:09".
    pub when: String,
    /// The merchant or the counterparty, with city and country where given.
    pub merchant: String,
    /// With its currency: "₡22,000.00", "$10.00", "C$150.00".
    pub amount: String,
    /// "••3640", when the alert names a card.
    pub card: Option<String>,
    pub bank: String,
    /// The mailbox the alert came from.
    pub mailbox: String,
    /// The user's other mailboxes that received the same alert (it counts once).
    pub also_in: Vec<String>,
    /// Its mail service, when the mailbox is still connected.
    pub service: Option<MailService>,
    /// "Purchase", "Refund", "Withdrawal", "Service payment", "Card payment", "Transfer out",
    /// "Transfer in", "Own transfer" or "Declined". A refund's amount carries a minus sign.
    pub kind: String,
    pub declined: bool,
    /// The category it is shown under.
    pub category: Choice,
}

/// Spending in one currency over the filtered period (declined rows and money in excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyTotal {
    pub currency: String,
    pub amount: String,
}

/// A mailbox the filter can choose (disconnected ones included, labelled with their address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxOption {
    pub id: i32,
    pub email: String,
}

/// One page of the Transactions list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionPage {
    pub query: TransactionQuery,
    pub rows: Vec<TransactionRow>,
    /// Rows matching the filter, over all pages.
    pub total_rows: u64,
    pub pages: u32,
    pub totals: Vec<CurrencyTotal>,
    pub mailboxes: Vec<MailboxOption>,
    /// Bank mail in these filters that could not be read, one entry per bank: not in the totals.
    pub unread: Vec<UnreadBankMail>,
    pub choices: FilterChoices,
    /// `None` when nothing in the filters was spent.
    pub charts: Option<SpendingCharts>,
    /// The change of category just made, when the page comes back from one.
    pub filed: Option<FilingNotice>,
}

/// A bank's mail that could not be read (a layout the app does not know yet, or contents it
/// could not read without guessing), shown until a newer version of the app reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadBankMail {
    /// "BAC Credomatic".
    pub bank: String,
    /// How many of its mails could not be read.
    pub count: u64,
    /// The newest of them.
    pub mails: Vec<UnreadMail>,
}

/// One mail that could not be read, as its owner would recognise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadMail {
    /// "23 Sep 2026, 09:13".
    pub when: String,
    pub subject: String,
}
