//! Who the user is: app accounts with argon2id passwords, server-side sessions carried by an
//! HttpOnly cookie, and the attempt limits. Owns the `users` and `sessions` tables.

pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod users;

pub use sessions::Sessions;
pub use throttle::{Attempt, Throttle};
