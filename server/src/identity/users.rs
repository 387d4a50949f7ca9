//! Writes to `users` beyond sign-up: a new password hash, and deleting a user (their sessions
//! and unfinished OAuth flows go with them, by ON DELETE CASCADE).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::entities::users;

pub async fn set_password_hash(
    db: &DatabaseConnection,
    user_id: i32,
    password_hash: String,
) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(password_hash))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn delete(db: &DatabaseConnection, user_id: i32) -> Result<(), DbErr> {
    users::Entity::delete_by_id(user_id)
        .exec(db)
        .await
        .map(|_| ())
}
