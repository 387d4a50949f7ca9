//! Every write to `users`: a new user, a new password hash, a time zone, and deleting a user
//! (their sessions and unfinished OAuth flows go with them, by ON DELETE CASCADE).

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};

use crate::entities::users;

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("an account with this email already exists")]
    Taken,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// A new user with `email` (normalized) and an argon2id `password_hash`, created at `now`.
pub async fn create(
    db: &DatabaseConnection,
    email: String,
    password_hash: String,
    now: i64,
) -> Result<users::Model, CreateError> {
    let inserted = users::ActiveModel {
        email: Set(email),
        password_hash: Set(password_hash),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(user) => Ok(user),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(CreateError::Taken)
        }
        Err(e) => Err(e.into()),
    }
}

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

/// Sets the user's time zone to `zone` (an IANA name the caller has checked). With
/// `only_if_unset` (the browser's own zone, reported once), a zone already chosen stays.
/// Answers whether the row changed.
/// Keeps the language `user_id` chose (a code such as "es").
pub async fn set_language(db: &DatabaseConnection, user_id: i32, code: &str) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::Language, Expr::value(code))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn set_time_zone(
    db: &DatabaseConnection,
    user_id: i32,
    zone: &str,
    only_if_unset: bool,
) -> Result<bool, DbErr> {
    let mut update = users::Entity::update_many()
        .col_expr(users::Column::TimeZone, Expr::value(zone))
        .filter(users::Column::Id.eq(user_id));
    if only_if_unset {
        update = update.filter(users::Column::TimeZone.is_null());
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}
