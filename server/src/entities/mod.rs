//! SeaORM entities, one module a table (the schema itself lives in the `migration` crate), and
//! the names stored in them: account statuses, audit actions, sealed fields. These are the only
//! place those names are spelled.
//!
//! Times are Unix seconds (UTC). Token columns hold only vault ciphertexts, never plaintext.

pub mod api_access_log;
pub mod category_rules;
pub mod email_accounts;
pub mod mail_messages;
pub mod mailbox_push;
pub mod mailbox_sync;
pub mod oauth_flows;
pub mod page_events;
pub mod sealed;
pub mod sessions;
pub mod spending_versions;
pub mod transactions;
pub mod users;

pub use sealed::SealedField;
