//! Data shared by the server and the browser. Nothing here ever holds a token, code or key.

use serde::{Deserialize, Serialize};

/// The signed-in user, as the browser may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub email: String,
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
    pub provider: String,
    /// Already formatted for display, e.g. "25 Nov 2026".
    pub connected_on: String,
    pub token_expires: String,
    pub status: AccountStatus,
}

/// The BroadcastChannel the popup's result page also posts its report on (same origin only),
/// for when the popup has lost `window.opener` on its way through Google.
pub const POPUP_CHANNEL: &str = "mailconnect-gmail-auth";

/// How a Connect Gmail popup ended, as its `type` field spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupOutcome {
    Success,
    Error,
}

impl PopupOutcome {
    pub const fn type_name(self) -> &'static str {
        match self {
            PopupOutcome::Success => "GMAIL_AUTH_SUCCESS",
            PopupOutcome::Error => "GMAIL_AUTH_ERROR",
        }
    }

    pub fn from_type_name(name: &str) -> Option<Self> {
        [PopupOutcome::Success, PopupOutcome::Error]
            .into_iter()
            .find(|outcome| outcome.type_name() == name)
    }
}

impl Serialize for PopupOutcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.type_name())
    }
}

/// What the popup's result page reports to the page that opened it:
/// `{"type": "GMAIL_AUTH_SUCCESS" | "GMAIL_AUTH_ERROR", "message": …, "flow": …}`.
/// Never carries a token or a code; the page trusts it for nothing but the toast, and re-reads
/// the account list from the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PopupReport {
    #[serde(rename = "type")]
    pub outcome: PopupOutcome,
    pub message: String,
    /// The opening page's flow id, when the flow is known.
    pub flow: Option<String>,
}

impl PopupReport {
    pub fn success(message: impl Into<String>, flow: Option<String>) -> Self {
        Self {
            outcome: PopupOutcome::Success,
            message: message.into(),
            flow,
        }
    }

    pub fn error(message: impl Into<String>, flow: Option<String>) -> Self {
        Self {
            outcome: PopupOutcome::Error,
            message: message.into(),
            flow,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popup_reports_spell_their_type_the_way_the_page_reads_it() {
        for outcome in [PopupOutcome::Success, PopupOutcome::Error] {
            let json = serde_json::to_value(PopupReport {
                outcome,
                message: "m".into(),
                flow: Some("f".into()),
            })
            .unwrap();
            let name = json["type"].as_str().unwrap();
            assert_eq!(PopupOutcome::from_type_name(name), Some(outcome));
            assert_eq!(json["message"], "m");
            assert_eq!(json["flow"], "f");
        }
        assert_eq!(PopupOutcome::Success.type_name(), "GMAIL_AUTH_SUCCESS");
        assert_eq!(PopupOutcome::Error.type_name(), "GMAIL_AUTH_ERROR");
        assert_eq!(PopupOutcome::from_type_name("GMAIL_AUTH_MAYBE"), None);
    }
}
