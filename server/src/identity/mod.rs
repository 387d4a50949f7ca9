//! Who the user is: app accounts with argon2id passwords, server-side sessions carried by an
//! HttpOnly cookie, and the attempt limits. Owns the `users` and `sessions` tables.

pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod users;

pub use sessions::Sessions;
pub use throttle::{Attempt, Throttle};

/// The client's address, as rate limits and the audit trail see it: the web layer's shield
/// works it out (trusted proxies aside) and puts it on each request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);
