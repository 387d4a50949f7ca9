//! Integration tests: the real server on a real SQLite file and on PostgreSQL (when
//! TEST_POSTGRES_URL is set; the test command sets it), driven over HTTP. One binary keeps
//! link time down.

mod gmail_stand_in;
mod helpers;
mod seed;

mod app_accounts;
mod assets;
mod bank_mail;
mod connect_faults;
mod connect_refusals;
mod events;
mod gmail_connect;
mod grants;
mod hostile_mail;
mod key_rotation;
mod languages;
mod leaving;
mod outlook_connect;
mod outlook_sync;
mod outlook_tokens;
mod push;
mod readme;
mod security;
mod sync;
mod tidy;
mod time_zone;
mod token_refresh;
