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
