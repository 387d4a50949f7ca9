use sea_orm::entity::prelude::*;

use super::email_accounts::Provider;

/// One authorization attempt: a single-use `state` bound to the session that started it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_flows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// SHA-256 of the `state` sent to the provider.
    #[sea_orm(unique)]
    pub state_hash: String,
    pub user_id: i32,
    /// The provider the flow was started for; only its callback route completes it.
    pub provider: Provider,
    /// SHA-256 of the session id that started the flow.
    pub session_hash: String,
    /// The page's flow id, echoed back to it in the result message.
    pub flow_id: Option<String>,
    /// Set when the flow reconnects a known account.
    pub account_id: Option<i32>,
    /// The PKCE verifier, sealed by the token vault.
    pub pkce_verifier: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
