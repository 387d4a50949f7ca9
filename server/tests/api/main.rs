//! Integration tests: the real server on a real SQLite file (and PostgreSQL when
//! TEST_POSTGRES_URL is set), driven over HTTP. One binary keeps link time down.

mod helpers;

mod app_accounts;
mod gmail_connect;
mod key_rotation;
mod token_refresh;
