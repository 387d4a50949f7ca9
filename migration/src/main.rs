//! Runs the migrations on their own: `cargo run -p migration -- up` (reads DATABASE_URL).

#[tokio::main]
async fn main() {
    sea_orm_migration::cli::run_cli(migration::Migrator).await;
}
