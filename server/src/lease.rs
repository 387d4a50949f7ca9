//! The one lease, for the token refresh and the sync run alike: a row names its holder and
//! when its hold ends; a holder takes it by compare-and-swap (free, or lapsed), renews it, and
//! every write it makes is fenced by its name, so a holder that lost the lease writes nothing.
//!
//! Lease times are the database's clock, read inside the statements that take and test them:
//! an instance whose own clock runs ahead cannot take a lease early, nor one that runs behind
//! hold it late.

use std::time::Duration;

use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};

/// The database's clock, in Unix seconds.
pub fn now(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust("CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT)"),
        _ => Expr::cust("CAST(strftime('%s', 'now') AS INTEGER)"),
    }
}

/// When a lease of `length` taken now ends (a second at least).
pub fn until(backend: DbBackend, length: Duration) -> SimpleExpr {
    ExprTrait::add(now(backend), std::cmp::max(length.as_secs(), 1) as i64)
}

/// The lease whose end is in `expires_at` has lapsed.
pub fn lapsed(
    expires_at: impl sea_orm::sea_query::IntoColumnRef,
    backend: DbBackend,
) -> SimpleExpr {
    ExprTrait::lt(Expr::col(expires_at), now(backend))
}
