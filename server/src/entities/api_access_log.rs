use sea_orm::entity::prelude::*;

/// The audit trail: who did what to which account, from where, and whether it worked.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_access_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: Option<i32>,
    pub account_id: Option<i32>,
    pub action: String,
    pub success: bool,
    pub error_message: Option<String>,
    pub ip_address: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
