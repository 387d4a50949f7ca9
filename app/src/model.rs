//! Data shared by the server and the browser. Nothing here ever holds a token, code or key.

use serde::{Deserialize, Serialize};

/// The signed-in user, as the browser may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub email: String,
}

/// What deleting the app account would remove, shown before the user confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub email: String,
    /// The connected mailboxes: address and service.
    pub mailboxes: Vec<(String, MailService)>,
    pub transactions: u64,
}

/// Where a connected mailbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    Active,
    NeedsReconnect,
}

impl AccountStatus {
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Active => "Active",
            AccountStatus::NeedsReconnect => "Reconnect needed",
        }
    }
}

/// One connected mailbox in the "Connected Accounts" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: i32,
    pub email: String,
    pub service: MailService,
    /// Already formatted for display, e.g. "25 Nov 2026".
    pub connected_on: String,
    pub token_expires: String,
    pub status: AccountStatus,
    pub sync: SyncView,
}

/// Where a mailbox's mail sync stands, written for people.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncView {
    /// A sync is queued or running: show "Syncing…" and disable "Sync now".
    pub syncing: bool,
    /// The last sync, e.g. "Last synced 2 minutes ago · 3 new transactions", or "Not synced yet".
    pub summary: String,
    /// Why the last sync failed and what happens next, e.g. "Gmail is rate limiting us;
    /// retrying at 14:05", or "Reconnect needed".
    pub problem: Option<String>,
    /// The problem needs the owner (reconnect, allow reading mail); otherwise mailconnect
    /// retries on its own or its operator must act.
    pub needs_you: bool,
}

/// Which period the Transactions page covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Period {
    Days7,
    Days30,
    Days90,
    /// The default: everything found, whenever it happened.
    #[default]
    All,
}

impl Period {
    pub const ALL: [Period; 4] = [Period::Days7, Period::Days30, Period::Days90, Period::All];

    /// The value in the page's URL (`?period=30`).
    pub fn code(self) -> &'static str {
        match self {
            Period::Days7 => "7",
            Period::Days30 => "30",
            Period::Days90 => "90",
            Period::All => "all",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Period::Days7 => "Last 7 days",
            Period::Days30 => "Last 30 days",
            Period::Days90 => "Last 90 days",
            Period::All => "All time",
        }
    }

    /// How many days back it reaches; `None` for all time.
    pub fn days(self) -> Option<i64> {
        match self {
            Period::Days7 => Some(7),
            Period::Days30 => Some(30),
            Period::Days90 => Some(90),
            Period::All => None,
        }
    }
}

/// What the Transactions page asks for (also the CSV download's query). Every filter is in the
/// URL, so a filtered list can be bookmarked and shared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TransactionQuery {
    /// One mailbox (an account id of the user's), or all of them.
    pub mailbox: Option<i32>,
    pub period: Period,
    /// A span of days chosen on the chart, both included ("2026-12-01" to "2026-12-07"): it
    /// replaces the period.
    pub days: Option<(String, String)>,
    /// Words of the merchant's or the counterparty's name (any case, accents or not).
    pub search: Option<String>,
    /// A category's code (`supermarkets`, …).
    pub category: Option<String>,
    /// A kind's code (`purchase`, `refund`, …).
    pub kind: Option<String>,
    /// A card's last four digits.
    pub card: Option<String>,
    /// A bank's code (`bac_credomatic`, …).
    pub bank: Option<String>,
    /// 1-based; 50 rows a page.
    pub page: u32,
}

/// The longest search the filters take, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;

impl TransactionQuery {
    /// Reads the filters from the URL's values (`get("mailbox")`, …). A missing or malformed
    /// value falls back to its default: all mailboxes, all time, no other filter, page 1.
    pub fn from_params<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        let text = |name: &str| {
            get(name)
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        // Codes are short snake_case words; anything else names nothing.
        let code = |name: &str| {
            text(name).filter(|value| {
                value.len() <= 40 && value.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
        };
        let day = |name: &str| text(name).filter(|value| is_iso_date(value));
        Self {
            mailbox: get("mailbox")
                .and_then(|id| id.trim().parse::<i32>().ok())
                .filter(|id| *id > 0),
            period: get("period")
                .and_then(Period::from_code)
                .unwrap_or_default(),
            days: day("from").zip(day("to")).filter(|(from, to)| from <= to),
            search: text("q").filter(|q| q.chars().count() <= MAX_SEARCH_CHARS),
            category: code("category"),
            kind: code("kind"),
            card: text("card")
                .filter(|card| card.len() == 4 && card.chars().all(|c| c.is_ascii_digit())),
            bank: code("bank"),
            page: get("page")
                .and_then(|page| page.trim().parse::<u32>().ok())
                .filter(|page| *page >= 1)
                .unwrap_or(1),
        }
    }

    /// The filters as URL pairs, without the page, in a fixed order: `mailbox`, `period` (always),
    /// `from`, `to`, `q`, `category`, `kind`, `card`, `bank`.
    pub fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(id) = self.mailbox {
            pairs.push(("mailbox", id.to_string()));
        }
        pairs.push(("period", self.period.code().to_owned()));
        if let Some((from, to)) = &self.days {
            pairs.push(("from", from.clone()));
            pairs.push(("to", to.clone()));
        }
        let optional = [
            ("q", &self.search),
            ("category", &self.category),
            ("kind", &self.kind),
            ("card", &self.card),
            ("bank", &self.bank),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                pairs.push((name, value.clone()));
            }
        }
        pairs
    }

    /// The filters as a query string, without the page: `mailbox=3&period=30&q=auto+mercado`.
    pub fn filter_params(&self) -> String {
        serde_urlencoded::to_string(self.filter_pairs()).unwrap_or_default()
    }

    /// Whether any filter narrows the list (besides all time, all mailboxes).
    pub fn is_filtered(&self) -> bool {
        self.filter_pairs().len() > 1 || self.period != Period::All
    }

    /// The Transactions page with these filters, at `page`.
    pub fn page_href(&self, page: u32) -> String {
        format!("/transactions?{}&page={page}", self.filter_params())
    }

    /// The CSV download of every row these filters match.
    pub fn csv_href(&self) -> String {
        format!("/transactions.csv?{}", self.filter_params())
    }
}

/// Whether `value` is written `YYYY-MM-DD` (digits where digits go; the server checks the
/// date itself).
fn is_iso_date(value: &str) -> bool {
    value.len() == 10
        && value.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        })
}

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

/// The BroadcastChannel the popup's result page also posts its report on (same origin only),
/// for when the popup has lost `window.opener` on its way through Google.
pub const POPUP_CHANNEL: &str = "mailconnect-gmail-auth";

/// A mail service the app connects, as routes, popup messages and pages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailService {
    Gmail,
    Outlook,
}

impl MailService {
    pub const ALL: [MailService; 2] = [MailService::Gmail, MailService::Outlook];

    /// In routes (`/auth/gmail/start`) and in the popup's message (`provider`).
    pub const fn route(self) -> &'static str {
        match self {
            MailService::Gmail => "gmail",
            MailService::Outlook => "outlook",
        }
    }

    pub fn from_route(route: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|service| service.route() == route)
    }

    /// As people call it.
    pub const fn name(self) -> &'static str {
        match self {
            MailService::Gmail => "Gmail",
            MailService::Outlook => "Outlook",
        }
    }
}

/// Where Microsoft users remove an app's access (Microsoft has no way for an app to revoke its
/// own grant): for a personal account, and for a work or school account.
pub const MICROSOFT_PERSONAL_CONSENT_PAGE: &str = "https://account.live.com/consent/Manage";
pub const MICROSOFT_WORK_CONSENT_PAGE: &str = "https://myapplications.microsoft.com";

/// How a connect popup ended, as its `type` field spells it (with the service in front).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupOutcome {
    Success,
    Error,
}

impl PopupOutcome {
    /// `GMAIL_AUTH_SUCCESS`, `OUTLOOK_AUTH_ERROR`, …
    pub const fn type_name(self, service: MailService) -> &'static str {
        match (service, self) {
            (MailService::Gmail, PopupOutcome::Success) => "GMAIL_AUTH_SUCCESS",
            (MailService::Gmail, PopupOutcome::Error) => "GMAIL_AUTH_ERROR",
            (MailService::Outlook, PopupOutcome::Success) => "OUTLOOK_AUTH_SUCCESS",
            (MailService::Outlook, PopupOutcome::Error) => "OUTLOOK_AUTH_ERROR",
        }
    }

    pub fn from_type_name(name: &str) -> Option<(MailService, Self)> {
        MailService::ALL
            .into_iter()
            .flat_map(|service| {
                [PopupOutcome::Success, PopupOutcome::Error].map(|outcome| (service, outcome))
            })
            .find(|(service, outcome)| outcome.type_name(*service) == name)
    }
}

/// What the popup's result page reports to the page that opened it:
/// `{"type": "GMAIL_AUTH_SUCCESS" | "GMAIL_AUTH_ERROR" | "OUTLOOK_AUTH_…", "provider": "gmail" |
/// "outlook", "message": …, "flow": …}`.
/// Never carries a token or a code; the page trusts it for nothing but the toast, and re-reads
/// the account list from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopupReport {
    pub service: MailService,
    pub outcome: PopupOutcome,
    pub message: String,
    /// The opening page's flow id, when the flow is known.
    pub flow: Option<String>,
}

impl PopupReport {
    pub fn success(service: MailService, message: impl Into<String>, flow: Option<String>) -> Self {
        Self {
            service,
            outcome: PopupOutcome::Success,
            message: message.into(),
            flow,
        }
    }

    pub fn error(service: MailService, message: impl Into<String>, flow: Option<String>) -> Self {
        Self {
            service,
            outcome: PopupOutcome::Error,
            message: message.into(),
            flow,
        }
    }
}

impl Serialize for PopupReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut report = serializer.serialize_struct("PopupReport", 4)?;
        report.serialize_field("type", self.outcome.type_name(self.service))?;
        report.serialize_field("provider", self.service.route())?;
        report.serialize_field("message", &self.message)?;
        report.serialize_field("flow", &self.flow)?;
        report.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popup_reports_spell_their_type_the_way_the_page_reads_it() {
        for service in MailService::ALL {
            for outcome in [PopupOutcome::Success, PopupOutcome::Error] {
                let json = serde_json::to_value(PopupReport {
                    service,
                    outcome,
                    message: "m".into(),
                    flow: Some("f".into()),
                })
                .unwrap();
                let name = json["type"].as_str().unwrap();
                assert_eq!(PopupOutcome::from_type_name(name), Some((service, outcome)));
                assert_eq!(json["provider"], service.route());
                assert_eq!(MailService::from_route(service.route()), Some(service));
                assert_eq!(json["message"], "m");
                assert_eq!(json["flow"], "f");
            }
        }
        let gmail = MailService::Gmail;
        assert_eq!(PopupOutcome::Success.type_name(gmail), "GMAIL_AUTH_SUCCESS");
        assert_eq!(PopupOutcome::Error.type_name(gmail), "GMAIL_AUTH_ERROR");
        let outlook = MailService::Outlook;
        assert_eq!(
            PopupOutcome::Success.type_name(outlook),
            "OUTLOOK_AUTH_SUCCESS"
        );
        assert_eq!(PopupOutcome::from_type_name("GMAIL_AUTH_MAYBE"), None);
        assert_eq!(MailService::from_route("yahoo"), None);
    }

    fn read(pairs: &[(&str, &str)]) -> TransactionQuery {
        TransactionQuery::from_params(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| *value)
        })
    }

    #[test]
    fn transaction_filters_read_from_the_url_fall_back_to_defaults() {
        let default = TransactionQuery {
            page: 1,
            ..TransactionQuery::default()
        };
        assert_eq!(read(&[]), default);
        let full = read(&[
            ("mailbox", "7"),
            ("period", "90"),
            ("page", "3"),
            ("from", "2026-12-01"),
            ("to", "2026-12-07"),
            ("q", " auto mercado "),
            ("category", "supermarkets"),
            ("kind", "purchase"),
            ("card", "3640"),
            ("bank", "bac_credomatic"),
        ]);
        assert_eq!(
            full,
            TransactionQuery {
                mailbox: Some(7),
                period: Period::Days90,
                days: Some(("2026-12-01".into(), "2026-12-07".into())),
                search: Some("auto mercado".into()),
                category: Some("supermarkets".into()),
                kind: Some("purchase".into()),
                card: Some("3640".into()),
                bank: Some("bac_credomatic".into()),
                page: 3,
            }
        );
        assert_eq!(read(&[("period", "30")]).period, Period::Days30);
        for bad in [
            "",
            "x",
            "-2",
            "0",
            "1.5",
            "99999999999",
            "DROP TABLE",
            "12/01/2026",
        ] {
            let all: Vec<(&str, &str)> = [
                "mailbox", "period", "page", "from", "to", "category", "kind", "card", "bank",
            ]
            .into_iter()
            .map(|name| (name, bad))
            .collect();
            let query = read(&all);
            // A code is only checked for its shape here ("x" could be one); the server knows
            // which exist.
            if bad != "x" {
                assert_eq!(query.category, None, "{bad:?}");
                assert_eq!(query.kind, None, "{bad:?}");
            }
            assert_eq!(query.card, None, "{bad:?}");
            assert_eq!(query.days, None, "{bad:?}");
            assert_eq!(query.mailbox, None, "{bad:?}");
            assert_eq!(query.page, 1, "{bad:?}");
        }
        // A span that ends before it starts, and a search longer than the limit, name nothing.
        assert_eq!(
            read(&[("from", "2026-12-07"), ("to", "2026-12-01")]).days,
            None
        );
        let long = "a".repeat(MAX_SEARCH_CHARS + 1);
        assert_eq!(read(&[("q", &long)]).search, None);
    }

    #[test]
    fn transaction_links_keep_the_filters() {
        let query = TransactionQuery {
            mailbox: Some(4),
            period: Period::Days7,
            page: 2,
            ..TransactionQuery::default()
        };
        assert_eq!(
            query.page_href(3),
            "/transactions?mailbox=4&period=7&page=3"
        );
        assert_eq!(query.csv_href(), "/transactions.csv?mailbox=4&period=7");
        let searched = TransactionQuery {
            search: Some("café & co".into()),
            category: Some("dining".into()),
            ..TransactionQuery::default()
        };
        assert_eq!(
            searched.filter_params(),
            "period=all&q=caf%C3%A9+%26+co&category=dining"
        );
        assert!(searched.is_filtered());
        let all = TransactionQuery {
            page: 1,
            ..TransactionQuery::default()
        };
        assert!(!all.is_filtered());
        assert_eq!(all.page_href(1), "/transactions?period=all&page=1");
        assert_eq!(all.csv_href(), "/transactions.csv?period=all");
        for period in Period::ALL {
            assert_eq!(Period::from_code(period.code()), Some(period));
        }
    }
}
