//! A fresh database for each test: a SQLite file, or a PostgreSQL database copied from one
//! migrated once per run.

use sea_orm::{ConnectionTrait, DatabaseConnection};

/// A fresh, empty database for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A new SQLite file in a temporary folder.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        Self {
            url,
            _dir: Some(dir),
        }
    }

    /// A new database on the PostgreSQL server named by TEST_POSTGRES_URL. Without it the test
    /// is skipped, unless MAILCONNECT_REQUIRE_POSTGRES=1 (as the test command sets) makes that
    /// a failure.
    pub async fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("MAILCONNECT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "TEST_POSTGRES_URL must be set when MAILCONNECT_REQUIRE_POSTGRES=1"
            );
            eprintln!("TEST_POSTGRES_URL is not set: skipping the PostgreSQL variant");
            return None;
        };
        let name = format!("mailconnect_test_{}", uuid_like());
        let template = PG_TEMPLATE
            .get_or_init(|| migrated_template(&admin_url))
            .await;
        create_database(&admin_url, &format!("{name} TEMPLATE {template}")).await;
        Some(Self {
            url: database_url(&admin_url, &name),
            _dir: None,
        })
    }

    pub async fn connect(&self) -> DatabaseConnection {
        server::db::connect_and_migrate(&self.url)
            .await
            .expect("connect and migrate")
    }
}

/// The database every PostgreSQL test database is copied from: migrated once per run, with the
/// job queue's tables. Copying it takes milliseconds; migrating each new database took a fifth
/// of a second of the server's and the test's time, for every test.
static PG_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn migrated_template(admin_url: &str) -> String {
    let name = format!("mailconnect_template_{}", uuid_like());
    create_database(admin_url, &name).await;
    let db = server::db::connect_and_migrate(&database_url(admin_url, &name))
        .await
        .expect("migrate the template database");
    server::sync::queue::JobQueue::connect(&db)
        .await
        .expect("the job queue's tables in the template database");
    // A database with a session open cannot be copied.
    db.close().await.expect("close the template database");
    name
}

/// `CREATE DATABASE {what}` on the server of `admin_url`.
async fn create_database(admin_url: &str, what: &str) {
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .expect("connect to TEST_POSTGRES_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {what}"))
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {what}: {e}"));
    admin.close().await.ok();
}

/// `admin_url` naming the database `name` instead.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("TEST_POSTGRES_URL is a URL");
    url.set_path(name);
    url.to_string()
}

fn uuid_like() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

/// Runs an async test body on a fresh SQLite file and, when available, a fresh PostgreSQL
/// database.
///
/// The body runs outside tokio's cooperative budget (`unconstrained`): a wiremock `MockServer`
/// checks its expectations when dropped, blocking on a future of its own, and if the test's
/// task has spent its budget by then (a thousand joined calls do), tokio answers that future
/// "not yet" forever and the test spins at 100 % CPU.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    tokio::task::unconstrained(super::$name($crate::helpers::TestDb::sqlite()))
                        .await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = $crate::helpers::TestDb::postgres().await {
                        tokio::task::unconstrained(super::$name(db)).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use on_both_databases;
