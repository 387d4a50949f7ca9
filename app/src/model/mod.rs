//! Data shared by the server and the browser. Nothing here ever holds a token, code or key.

use serde::{Deserialize, Serialize};

mod query;
mod transactions;

pub use query::*;
pub use transactions::*;

/// The signed-in user, as the browser may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub email: String,
    /// No time zone chosen yet: the browser may tell its own, once.
    pub time_zone_unset: bool,
}

/// What deleting the app account would remove, shown before the user confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub email: String,
    /// The connected mailboxes: address and service.
    pub mailboxes: Vec<(String, MailService)>,
    pub transactions: u64,
    /// The zone times are shown in (an IANA name), and every zone there is to choose.
    pub time_zone: String,
    pub time_zones: Vec<String>,
}

/// Where a connected mailbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    Active,
    NeedsReconnect,
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

/// What disconnecting a mailbox did with mailconnect's access at its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Disconnection {
    /// Revoked at Google (or queued to be, when Google could not be reached).
    Revoked,
    /// Kept at Google: another connection uses the same Google account.
    KeptForAnother,
    /// Microsoft cannot revoke one app's access: the user removes it in their account.
    RemoveAccessYourself,
}

impl Disconnection {
    const ALL: [Disconnection; 3] = [
        Disconnection::Revoked,
        Disconnection::KeptForAnother,
        Disconnection::RemoveAccessYourself,
    ];

    /// In the connections page's address afterwards (`?disconnected=revoked`).
    pub const fn code(self) -> &'static str {
        match self {
            Disconnection::Revoked => "revoked",
            Disconnection::KeptForAnother => "kept",
            Disconnection::RemoveAccessYourself => "remove",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|outcome| outcome.code() == code)
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
}
