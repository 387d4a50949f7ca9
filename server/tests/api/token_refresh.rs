//! `get_valid_token` and the background refresher against a wiremock token endpoint: one
//! refresh per account however many ask, failure classes, and a holder that dies mid-refresh.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use server::config::Config;
use server::entities::{api_access_log, email_accounts, users};
use server::google::{Google, http_client};
use server::secret::Secret;
use server::tokens::{Timing, TokenFailure, TokenService};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::{TestDb, on_both_databases, test_config};

on_both_databases! {
    two_instances_refresh_each_due_account_exactly_once,
}

fn fast_timing() -> Timing {
    Timing {
        lease: Duration::from_secs(1),
        call_timeout: Duration::from_millis(700),
        wait: Duration::from_secs(10),
        backoff: Duration::from_secs(30),
        max_backoff: Duration::from_secs(600),
    }
}

struct Fixture {
    config: Config,
    db: DatabaseConnection,
    google: MockServer,
    _test_db: TestDb,
}

async fn fixture(test_db: TestDb) -> Fixture {
    let google = MockServer::start().await;
    let config = test_config(&test_db.url, &google.uri(), &[]);
    let db = test_db.connect().await;
    Fixture {
        config,
        db,
        google,
        _test_db: test_db,
    }
}

impl Fixture {
    /// A separate service with its own connection pool, as another server process would have.
    async fn service(&self, timing: Timing) -> TokenService {
        let db = server::db::connect(&self._test_db.url).await.unwrap();
        let google = Google::new(&self.config.google, http_client());
        TokenService::new(
            db,
            self.config.vault.clone(),
            google,
            Duration::from_secs(7200),
            timing,
        )
    }

    /// Accounts whose access token expires `expires_in` seconds from now.
    async fn accounts(&self, count: i32, expires_in: i64) -> Vec<i32> {
        let owner = users::ActiveModel {
            email: Set(format!("u{}@example.com", rand::random::<u32>())),
            password_hash: Set("x".into()),
            created_at: Set(0),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap();
        let now = server::clock::now();
        let mut ids = Vec::new();
        for n in 0..count {
            let row = email_accounts::ActiveModel {
                user_id: Set(owner.id),
                provider: Set("google".into()),
                provider_subject: Set(format!("sub-{}-{n}", owner.id)),
                email_address: Set(format!("a{n}@gmail.com")),
                token_expires_at: Set(now + expires_in),
                scopes: Set("email".into()),
                status: Set("active".into()),
                created_at: Set(now),
                updated_at: Set(now),
                refresh_failures: Set(0),
                ..Default::default()
            }
            .insert(&self.db)
            .await
            .unwrap();
            let id = row.id.to_string();
            let vault = &self.config.vault;
            let mut row: email_accounts::ActiveModel = row.into();
            row.access_token = Set(Some(vault.seal(
                email_accounts::sealed("access_token", &id),
                &Secret::new(format!("old-access-{id}")),
            )));
            row.refresh_token = Set(Some(vault.seal(
                email_accounts::sealed("refresh_token", &id),
                &Secret::new(format!("refresh-{id}")),
            )));
            ids.push(row.update(&self.db).await.unwrap().id);
        }
        ids
    }

    async fn row(&self, id: i32) -> email_accounts::Model {
        email_accounts::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
    }

    fn open(&self, row: &email_accounts::Model, field: &'static str) -> String {
        let stored = match field {
            "access_token" => row.access_token.as_deref(),
            _ => row.refresh_token.as_deref(),
        };
        let id = row.id.to_string();
        self.config
            .vault
            .open(email_accounts::sealed(field, &id), stored.unwrap())
            .unwrap()
            .into_inner()
    }

    async fn token_requests(&self) -> Vec<Request> {
        self.google
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path() == "/token")
            .collect()
    }
}

fn refreshed(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn new_access() -> serde_json::Value {
    serde_json::json!({"access_token": "new-access", "expires_in": 3599, "token_type": "Bearer"})
}

fn form_param(request: &Request, name: &str) -> String {
    url::form_urlencoded::parse(&request.body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_token_good_for_more_than_five_minutes_is_returned_without_a_call() {
    let f = fixture(TestDb::sqlite()).await;
    let ids = f.accounts(1, 3600).await;
    let service = f.service(fast_timing()).await;
    let token = service.get_valid_token(ids[0]).await.unwrap();
    assert_eq!(token.expose(), &format!("old-access-{}", ids[0]));
    assert!(f.token_requests().await.is_empty());
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed_and_the_refresh_token_kept() {
    let f = fixture(TestDb::sqlite()).await;
    let ids = f.accounts(1, 240).await; // 4 minutes left: refresh.
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(refreshed(new_access()))
        .mount(&f.google)
        .await;
    let service = f.service(fast_timing()).await;
    assert_eq!(
        service.get_valid_token(ids[0]).await.unwrap().expose(),
        "new-access"
    );
    let row = f.row(ids[0]).await;
    assert_eq!(f.open(&row, "access_token"), "new-access");
    assert_eq!(
        f.open(&row, "refresh_token"),
        format!("refresh-{}", ids[0]),
        "no new one: kept"
    );
    assert!(row.token_expires_at > server::clock::now() + 3000);
    assert!(row.lease_owner.is_none());
    assert_eq!(
        form_param(&f.token_requests().await[0], "refresh_token"),
        format!("refresh-{}", ids[0])
    );
}

#[tokio::test]
async fn a_new_refresh_token_replaces_the_old_one() {
    let f = fixture(TestDb::sqlite()).await;
    let ids = f.accounts(1, -10).await;
    let mut body = new_access();
    body["refresh_token"] = "rotated-refresh".into();
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(refreshed(body))
        .mount(&f.google)
        .await;
    f.service(fast_timing())
        .await
        .get_valid_token(ids[0])
        .await
        .unwrap();
    assert_eq!(
        f.open(&f.row(ids[0]).await, "refresh_token"),
        "rotated-refresh"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_callers_cause_one_refresh() {
    let f = fixture(TestDb::sqlite()).await;
    let ids = f.accounts(1, -10).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(refreshed(new_access()).set_delay(Duration::from_millis(200)))
        .mount(&f.google)
        .await;
    let service = f.service(fast_timing()).await;
    let callers: Vec<_> = (0..1000)
        .map(|_| {
            let service = service.clone();
            let id = ids[0];
            tokio::spawn(async move { service.get_valid_token(id).await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap().expose(), "new-access");
    }
    assert_eq!(f.token_requests().await.len(), 1);
}

async fn two_instances_refresh_each_due_account_exactly_once(test_db: TestDb) {
    let f = fixture(test_db).await;
    let ids = f.accounts(1000, 600).await; // due: inside the two-hour window
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(refreshed(new_access()).set_delay(Duration::from_millis(20)))
        .mount(&f.google)
        .await;
    let (a, b) = (
        f.service(fast_timing()).await,
        f.service(fast_timing()).await,
    );
    let (round_a, round_b) = tokio::join!(a.refresh_due(16), b.refresh_due(16));
    let (round_a, round_b) = (round_a.unwrap(), round_b.unwrap());
    assert_eq!(round_a.refreshed + round_b.refreshed, ids.len());
    assert_eq!(round_a.failed + round_b.failed, 0);

    let requests = f.token_requests().await;
    assert_eq!(requests.len(), ids.len(), "one token request per account");
    let mut used: Vec<String> = requests
        .iter()
        .map(|r| form_param(r, "refresh_token"))
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used.len(), ids.len(), "no account refreshed twice");

    // Freshly refreshed accounts are not due again on the next round.
    let again = a.refresh_due(16).await.unwrap();
    assert_eq!(again.refreshed, 0);
    assert_eq!(f.token_requests().await.len(), ids.len());
}

/// Each failure class, on an expired token.
#[tokio::test]
async fn a_dead_grant_needs_reconnect_and_is_audited() {
    for body in [
        serde_json::json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
        serde_json::json!({"error": "invalid_grant", "error_subtype": "invalid_rapt"}),
        serde_json::json!({"error": "admin_policy_enforced"}),
    ] {
        let f = fixture(TestDb::sqlite()).await;
        let ids = f.accounts(1, -10).await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(400).set_body_json(body.clone()))
            .mount(&f.google)
            .await;
        let result = f.service(fast_timing()).await.get_valid_token(ids[0]).await;
        assert_eq!(result.unwrap_err(), TokenFailure::NeedsReconnect, "{body}");
        let row = f.row(ids[0]).await;
        assert_eq!(row.status, "needs_reconnect");
        assert!(row.refresh_token.is_some(), "nothing is wiped");
        let audits = api_access_log::Entity::find()
            .filter(api_access_log::Column::Action.eq("token_refresh"))
            .count(&f.db)
            .await
            .unwrap();
        assert_eq!(audits, 1);
        let listed = server::entities::email_accounts::Entity::find()
            .count(&f.db)
            .await
            .unwrap();
        assert_eq!(listed, 1);
    }
}

#[tokio::test]
async fn temporary_failures_back_off_and_never_deactivate() {
    let responses = [
        ResponseTemplate::new(503).set_body_string("<html>unavailable</html>"),
        ResponseTemplate::new(500).set_body_json(serde_json::json!({"error": "internal_failure"})),
        ResponseTemplate::new(429)
            .set_body_json(serde_json::json!({"error": "rate_limit_exceeded"})),
        ResponseTemplate::new(408),
        refreshed(new_access()).set_delay(Duration::from_secs(3)), // slower than the call timeout
    ];
    for response in responses {
        let f = fixture(TestDb::sqlite()).await;
        let ids = f.accounts(1, -10).await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(response)
            .mount(&f.google)
            .await;
        let service = f.service(fast_timing()).await;
        assert_eq!(
            service.get_valid_token(ids[0]).await.unwrap_err(),
            TokenFailure::Unavailable
        );
        let row = f.row(ids[0]).await;
        assert_eq!(row.status, "active");
        assert_eq!(row.refresh_failures, 1);
        assert!(
            row.next_attempt_at.unwrap() > server::clock::now() + 20,
            "backs off"
        );
        assert!(row.lease_owner.is_none());
        assert_eq!(f.open(&row, "refresh_token"), format!("refresh-{}", ids[0]));
        // While backing off, callers do not hammer the endpoint.
        let calls = f.token_requests().await.len();
        assert_eq!(
            service.get_valid_token(ids[0]).await.unwrap_err(),
            TokenFailure::Unavailable
        );
        assert_eq!(f.token_requests().await.len(), calls);
        // The refresher skips it too until the backoff passes.
        assert_eq!(service.refresh_due(4).await.unwrap().refreshed, 0);
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_temporary_and_a_still_valid_token_is_served() {
    let test_db = TestDb::sqlite();
    let config = test_config(&test_db.url, "http://127.0.0.1:9", &[]);
    let f = Fixture {
        config,
        db: test_db.connect().await,
        google: MockServer::start().await,
        _test_db: test_db,
    };
    let ids = f.accounts(1, 120).await; // inside five minutes, but not expired
    let service = f.service(fast_timing()).await;
    let token = service.get_valid_token(ids[0]).await.unwrap();
    assert_eq!(token.expose(), &format!("old-access-{}", ids[0]));
    let row = f.row(ids[0]).await;
    assert_eq!((row.status.as_str(), row.refresh_failures), ("active", 1));
}

#[tokio::test]
async fn a_rejected_client_is_a_configuration_error_and_leaves_accounts_alone() {
    let f = fixture(TestDb::sqlite()).await;
    let ids = f.accounts(1, -10).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "invalid_client"})),
        )
        .mount(&f.google)
        .await;
    let result = f.service(fast_timing()).await.get_valid_token(ids[0]).await;
    assert_eq!(result.unwrap_err(), TokenFailure::Misconfigured);
    let row = f.row(ids[0]).await;
    assert_eq!((row.status.as_str(), row.refresh_failures), ("active", 0));
    assert!(row.lease_owner.is_none());
}

/// A holder that dies during the token call (as under kill -9) leaves only its lease behind:
/// nothing is lost or marked broken, and the lease lapses so another instance takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_dying_mid_refresh_loses_nothing() {
    let f = fixture(TestDb::sqlite()).await;
    let ids = f.accounts(1, -10).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(refreshed(new_access()).set_delay(Duration::from_millis(600)))
        .mount(&f.google)
        .await;
    let dying = f
        .service(Timing {
            call_timeout: Duration::from_secs(5),
            ..fast_timing()
        })
        .await;
    let id = ids[0];
    let task = tokio::spawn(async move { dying.get_valid_token(id).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    task.abort(); // mid-call: the answer never gets written
    let _ = task.await;

    let row = f.row(id).await;
    assert_eq!(row.status, "active");
    assert!(
        row.lease_owner.is_some(),
        "the dead holder's lease is still there"
    );
    assert_eq!(f.open(&row, "refresh_token"), format!("refresh-{id}"));
    assert_eq!(f.open(&row, "access_token"), format!("old-access-{id}"));

    let survivor = f.service(fast_timing()).await;
    assert_eq!(
        survivor.get_valid_token(id).await.unwrap().expose(),
        "new-access"
    );
    let row = f.row(id).await;
    assert_eq!(f.open(&row, "refresh_token"), format!("refresh-{id}"));
    assert!(row.lease_owner.is_none());
}

/// Real server processes (this package's binary) sharing one SQLite file.
mod processes {
    use std::process::{Child, Command, Stdio};

    use super::*;
    use server::vault::VaultKey;

    struct Server(Child);

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn spawn_server(f: &Fixture, key: &Secret<String>, work_dir: &std::path::Path) -> Server {
        let google = f.google.uri();
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .current_dir(work_dir)
            .env("DATABASE_URL", &f._test_db.url)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("TOKEN_ENCRYPTION_KEY", key.expose())
            .env("GOOGLE_CLIENT_ID", "test-client")
            .env("GOOGLE_CLIENT_SECRET", "test-secret")
            .env("GOOGLE_TOKEN_URL", format!("{google}/token"))
            .env("GOOGLE_REVOKE_URL", format!("{google}/revoke"))
            .env("REFRESH_INTERVAL_SECS", "1")
            .env("REFRESH_WINDOW_SECS", "3600")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server binary");
        Server(child)
    }

    async fn keyed_fixture(key: &Secret<String>) -> Fixture {
        let test_db = TestDb::sqlite();
        let google = MockServer::start().await;
        let config = test_config(
            &test_db.url,
            &google.uri(),
            &[("TOKEN_ENCRYPTION_KEY", key.expose())],
        );
        let db = test_db.connect().await;
        Fixture {
            config,
            db,
            google,
            _test_db: test_db,
        }
    }

    async fn wait_until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
        let give_up = Instant::now() + limit;
        while !check().await {
            assert!(Instant::now() < give_up, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    use std::time::Instant;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_server_processes_refresh_each_due_account_exactly_once() {
        let key = VaultKey::generate();
        let f = keyed_fixture(&key).await;
        let ids = f.accounts(1000, 600).await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(refreshed(new_access()).set_delay(Duration::from_millis(20)))
            .mount(&f.google)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let _a = spawn_server(&f, &key, dir.path());
        let _b = spawn_server(&f, &key, dir.path());

        wait_until(
            "every account is refreshed",
            Duration::from_secs(90),
            async || {
                email_accounts::Entity::find()
                    .filter(email_accounts::Column::LastRefreshAt.is_not_null())
                    .count(&f.db)
                    .await
                    .unwrap()
                    == ids.len() as u64
            },
        )
        .await;
        // Let both run further rounds: nothing is refreshed twice.
        tokio::time::sleep(Duration::from_secs(3)).await;

        let requests = f.token_requests().await;
        let mut used: Vec<String> = requests
            .iter()
            .map(|r| form_param(r, "refresh_token"))
            .collect();
        used.sort();
        used.dedup();
        assert_eq!(used.len(), ids.len());
        assert_eq!(
            requests.len(),
            ids.len(),
            "exactly one token request per account"
        );
    }

    /// kill -9 while the token call is in flight: nothing lost, nothing marked broken, and the
    /// next instance takes over once the lease lapses.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kill_dash_nine_mid_refresh_loses_nothing() {
        let key = VaultKey::generate();
        let f = keyed_fixture(&key).await;
        let id = f.accounts(1, 600).await[0];
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(refreshed(new_access()).set_delay(Duration::from_secs(3)))
            .mount(&f.google)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let mut doomed = spawn_server(&f, &key, dir.path());
        wait_until(
            "the token call is in flight",
            Duration::from_secs(30),
            async || !f.token_requests().await.is_empty(),
        )
        .await;
        doomed.0.kill().unwrap(); // SIGKILL
        doomed.0.wait().unwrap();

        let row = f.row(id).await;
        assert_eq!(row.status, "active");
        assert_eq!(f.open(&row, "refresh_token"), format!("refresh-{id}"));
        assert_eq!(f.open(&row, "access_token"), format!("old-access-{id}"));
        assert!(
            row.lease_owner.is_some(),
            "the dead holder's lease is left behind"
        );

        let _survivor = spawn_server(&f, &key, dir.path());
        wait_until(
            "the survivor refreshes after the lease lapses",
            Duration::from_secs(40),
            async || f.row(id).await.last_refresh_at.is_some(),
        )
        .await;
        let row = f.row(id).await;
        assert_eq!(row.status, "active");
        assert_eq!(f.open(&row, "access_token"), "new-access");
        assert_eq!(f.open(&row, "refresh_token"), format!("refresh-{id}"));
        assert!(row.lease_owner.is_none());
    }
}
