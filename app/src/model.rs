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

/// What the Transactions page asks for (also the CSV download's query).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TransactionQuery {
    /// One mailbox (an account id of the user's), or all of them.
    pub mailbox: Option<i32>,
    pub period: Period,
    /// 1-based; 50 rows a page.
    pub page: u32,
}

impl TransactionQuery {
    /// Reads the filters from the URL's `mailbox`, `period` and `page` values. A missing or
    /// malformed value falls back to its default: all mailboxes, the last 30 days, page 1.
    pub fn from_params(mailbox: Option<&str>, period: Option<&str>, page: Option<&str>) -> Self {
        Self {
            mailbox: mailbox
                .and_then(|id| id.trim().parse::<i32>().ok())
                .filter(|id| *id > 0),
            period: period.and_then(Period::from_code).unwrap_or_default(),
            page: page
                .and_then(|page| page.trim().parse::<u32>().ok())
                .filter(|page| *page >= 1)
                .unwrap_or(1),
        }
    }

    /// The filters as a query string, without the page: `mailbox=3&period=30`, or `period=all`
    /// for all mailboxes.
    pub fn filter_params(&self) -> String {
        match self.mailbox {
            Some(id) => format!("mailbox={id}&period={}", self.period.code()),
            None => format!("period={}", self.period.code()),
        }
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

/// Rows a page of the Transactions list holds.
pub const TRANSACTIONS_PER_PAGE: u64 = 50;

/// One transaction, formatted for display (newest first in a page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRow {
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

    #[test]
    fn transaction_filters_read_from_the_url_fall_back_to_defaults() {
        let read = |mailbox, period, page| TransactionQuery::from_params(mailbox, period, page);
        let default = TransactionQuery {
            mailbox: None,
            period: Period::All,
            page: 1,
        };
        assert_eq!(read(None, None, None), default);
        assert_eq!(
            read(Some("7"), Some("90"), Some("3")),
            TransactionQuery {
                mailbox: Some(7),
                period: Period::Days90,
                page: 3,
            }
        );
        assert_eq!(read(Some(""), Some("30"), Some("1")).period, Period::Days30);
        for bad in ["", "x", "-2", "0", "1.5", "99999999999"] {
            assert_eq!(read(Some(bad), Some(bad), Some(bad)), default, "{bad:?}");
        }
    }

    #[test]
    fn transaction_links_keep_the_filters() {
        let query = TransactionQuery {
            mailbox: Some(4),
            period: Period::Days7,
            page: 2,
        };
        assert_eq!(
            query.page_href(3),
            "/transactions?mailbox=4&period=7&page=3"
        );
        assert_eq!(query.csv_href(), "/transactions.csv?mailbox=4&period=7");
        let all = TransactionQuery {
            mailbox: None,
            period: Period::All,
            page: 1,
        };
        assert_eq!(all.page_href(1), "/transactions?period=all&page=1");
        assert_eq!(all.csv_href(), "/transactions.csv?period=all");
        for period in Period::ALL {
            assert_eq!(Period::from_code(period.code()), Some(period));
        }
    }
}
