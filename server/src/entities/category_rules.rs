use sea_orm::entity::prelude::*;

/// A user's rule: every transaction of theirs whose merchant has this key (past and future) is
/// filed under this category, unless they chose another for that transaction alone. Unique on
/// (user, merchant key). The category holds a `categories::Category` code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "category_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub merchant_key: String,
    pub category: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
