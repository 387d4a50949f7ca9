//! SeaORM entities, one module a table (the schema itself lives in the `migration` crate).
//! Times are Unix seconds (UTC). Token columns hold only vault ciphertexts, never plaintext.

pub mod api_access_log;
pub mod email_accounts;
pub mod oauth_flows;
pub mod sessions;
pub mod users;
