//! The database schema, as SeaORM migrations. The server applies them at start; they can also be
//! run on their own with `cargo run -p migration -- up` (or `server migrate`).

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_initial;
mod m20261130_000001_mail_sync;
mod m20261201_000001_hardening;
mod m20261202_000001_providers;
mod m20261206_000001_classifier_version;
mod m20261206_000002_sync_progress;
mod m20261207_000001_categories;
mod m20261208_000001_time_zone;
mod m20261209_000001_language;
mod m20261209_000002_spending_versions;
mod m20261209_000003_newest_first;
mod m20261210_000001_page_events;
mod m20261210_000002_mailbox_push;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_initial::Migration),
            Box::new(m20261130_000001_mail_sync::Migration),
            Box::new(m20261201_000001_hardening::Migration),
            Box::new(m20261202_000001_providers::Migration),
            Box::new(m20261206_000001_classifier_version::Migration),
            Box::new(m20261206_000002_sync_progress::Migration),
            Box::new(m20261207_000001_categories::Migration),
            Box::new(m20261208_000001_time_zone::Migration),
            Box::new(m20261209_000001_language::Migration),
            Box::new(m20261209_000002_spending_versions::Migration),
            Box::new(m20261209_000003_newest_first::Migration),
            Box::new(m20261210_000001_page_events::Migration),
            Box::new(m20261210_000002_mailbox_push::Migration),
        ]
    }
}
