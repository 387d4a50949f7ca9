//! `get_valid_token` and the background refresher against a wiremock token endpoint: one
//! refresh per account however many ask, failure classes, leases that lapse, and holders that
//! die mid-refresh.

use std::time::Duration;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use secrecy::{ExposeSecret, SecretString};
use server::clock::Clock;
use server::config::Config;
use server::entities::SealedField;
use server::entities::api_access_log::{self, Action};
use server::entities::email_accounts::{self, Status};
use server::provider::{Providers, http_client};
use server::tokens::{Round, Timing, TokenFailure, TokenService};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::{TestDb, on_both_databases, test_config};
use crate::seed::{self, Seeded};

mod leases;
mod processes;

on_both_databases! {
    a_token_good_for_more_than_five_minutes_is_returned_without_a_call,
    a_token_near_expiry_is_refreshed_and_the_refresh_token_kept,
    a_new_refresh_token_replaces_the_old_one,
    a_thousand_concurrent_callers_cause_one_refresh,
    two_instances_refresh_each_due_account_exactly_once,
    a_dead_grant_needs_reconnect_and_is_audited,
    temporary_failures_back_off_and_never_deactivate,
    an_unreachable_endpoint_is_temporary_and_a_still_valid_token_is_served,
    a_rejected_client_is_a_configuration_error_and_leaves_accounts_alone,
}

pub(crate) fn fast_timing() -> Timing {
    Timing {
        // Short enough for a test to wait it out, long enough that a 20 ms answer on a machine
        // busy with other tests never runs past it.
        call_timeout: Duration::from_secs(2),
        wait: Duration::from_secs(10),
        ..Timing::default()
    }
}

pub(crate) struct Fixture {
    pub config: Config,
    pub db: DatabaseConnection,
    pub google: MockServer,
    /// Shared by every service the fixture makes, as instances share the wall clock.
    pub clock: Clock,
    pub test_db: TestDb,
}

pub(crate) async fn fixture(test_db: TestDb) -> Fixture {
    let google = MockServer::start().await;
    fixture_with(test_db, google, &[]).await
}

pub(crate) async fn fixture_with(
    test_db: TestDb,
    google: MockServer,
    vars: &[(&str, &str)],
) -> Fixture {
    let config = test_config(&test_db.url, &google.uri(), vars);
    let db = test_db.connect().await;
    Fixture {
        config,
        db,
        google,
        clock: Clock::adjustable(),
        test_db,
    }
}

impl Fixture {
    /// A separate service with its own connection pool, as another server process would have.
    pub(crate) async fn service(&self, timing: Timing) -> TokenService {
        let db = server::db::connect(&self.test_db.url).await.unwrap();
        let accounts = server::accounts(&self.config, db, self.clock.clone());
        let providers = Providers::new(&self.config, http_client());
        TokenService::new(accounts, providers, timing)
    }

    /// Accounts of a new user whose access tokens expire `expires_in` seconds from now.
    pub(crate) async fn accounts(&self, count: usize, expires_in: i64) -> Vec<Seeded> {
        let owner = seed::user(&self.db).await;
        seed::accounts(&self.config, &self.db, owner, count, expires_in).await
    }

    pub(crate) async fn row(&self, id: i32) -> email_accounts::Model {
        email_accounts::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
    }

    pub(crate) fn open(&self, row: &email_accounts::Model, field: SealedField) -> String {
        let stored = field.in_account(row).unwrap();
        let id = row.id.to_string();
        let token = self.config.vault.open(field.binding(&id), stored).unwrap();
        token.expose_secret().to_owned()
    }

    pub(crate) async fn token_requests(&self) -> Vec<Request> {
        self.google
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path() == "/token")
            .collect()
    }

    async fn answer_tokens_with(&self, response: ResponseTemplate) {
        self.google.reset().await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(response)
            .mount(&self.google)
            .await;
    }
}

pub(crate) fn refreshed(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

pub(crate) fn new_access() -> serde_json::Value {
    serde_json::json!({"access_token": "new-access", "expires_in": 3599, "token_type": "Bearer"})
}

pub(crate) fn form_param(request: &Request, name: &str) -> String {
    url::form_urlencoded::parse(&request.body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn a_token_good_for_more_than_five_minutes_is_returned_without_a_call(test_db: TestDb) {
    let f = fixture(test_db).await;
    let account = &f.accounts(1, 3600).await[0];
    let service = f.service(fast_timing()).await;
    let token = service.get_valid_token(account.id).await.unwrap();
    assert_eq!(token.expose_secret(), account.access);
    assert!(f.token_requests().await.is_empty());
}

async fn a_token_near_expiry_is_refreshed_and_the_refresh_token_kept(test_db: TestDb) {
    let f = fixture(test_db).await;
    let account = &f.accounts(1, 240).await[0]; // 4 minutes left: refresh.
    f.answer_tokens_with(refreshed(new_access())).await;
    let service = f.service(fast_timing()).await;
    let token = service.get_valid_token(account.id).await.unwrap();
    assert_eq!(token.expose_secret(), "new-access");
    let row = f.row(account.id).await;
    assert_eq!(f.open(&row, SealedField::AccessToken), "new-access");
    assert_eq!(
        f.open(&row, SealedField::RefreshToken),
        account.refresh,
        "no new one: kept"
    );
    assert!(row.token_expires_at > f.clock.now() + 3000);
    assert!(row.lease_owner.is_none() && row.lease_expires_at.is_none());
    assert_eq!(
        form_param(&f.token_requests().await[0], "refresh_token"),
        account.refresh
    );
}

async fn a_new_refresh_token_replaces_the_old_one(test_db: TestDb) {
    let f = fixture(test_db).await;
    let account = &f.accounts(1, -10).await[0];
    let mut body = new_access();
    body["refresh_token"] = "rotated-refresh".into();
    f.answer_tokens_with(refreshed(body)).await;
    let service = f.service(fast_timing()).await;
    service.get_valid_token(account.id).await.unwrap();
    let row = f.row(account.id).await;
    assert_eq!(f.open(&row, SealedField::RefreshToken), "rotated-refresh");
}

async fn a_thousand_concurrent_callers_cause_one_refresh(test_db: TestDb) {
    let f = fixture(test_db).await;
    let id = f.accounts(1, -10).await[0].id;
    f.answer_tokens_with(refreshed(new_access()).set_delay(Duration::from_millis(200)))
        .await;
    let service = f.service(fast_timing()).await;
    let callers: Vec<_> = (0..1000)
        .map(|_| {
            let service = service.clone();
            tokio::spawn(async move { service.get_valid_token(id).await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap().expose_secret(), "new-access");
    }
    assert_eq!(f.token_requests().await.len(), 1);
}

async fn two_instances_refresh_each_due_account_exactly_once(test_db: TestDb) {
    let f = fixture(test_db).await;
    // Due (inside the two-hour window): 250 of them, 16 in flight per instance, so both claim
    // from the same set for eight rounds of calls.
    let accounts = f.accounts(250, 600).await;
    f.answer_tokens_with(refreshed(new_access()).set_delay(Duration::from_millis(20)))
        .await;
    let (a, b) = (
        f.service(fast_timing()).await,
        f.service(fast_timing()).await,
    );
    let (round_a, round_b) = tokio::join!(a.refresh_due(16), b.refresh_due(16));
    let (round_a, round_b) = (round_a.unwrap(), round_b.unwrap());
    assert_eq!(round_a.refreshed + round_b.refreshed, accounts.len());
    assert_eq!(round_a.failed + round_b.failed, 0);

    let requests = f.token_requests().await;
    assert_eq!(
        requests.len(),
        accounts.len(),
        "one token request per account"
    );
    let mut used: Vec<String> = requests
        .iter()
        .map(|r| form_param(r, "refresh_token"))
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used.len(), accounts.len(), "no account refreshed twice");

    // Freshly refreshed accounts are not due again on the next round.
    let again = a.refresh_due(16).await.unwrap();
    assert_eq!(again.refreshed, 0);
    assert_eq!(f.token_requests().await.len(), accounts.len());
}

/// Each dead-grant answer, on an expired token.
async fn a_dead_grant_needs_reconnect_and_is_audited(test_db: TestDb) {
    let f = fixture(test_db).await;
    let service = f.service(fast_timing()).await;
    for body in [
        serde_json::json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
        serde_json::json!({"error": "invalid_grant", "error_subtype": "invalid_rapt"}),
        serde_json::json!({"error": "admin_policy_enforced"}),
    ] {
        let id = f.accounts(1, -10).await[0].id;
        f.answer_tokens_with(ResponseTemplate::new(400).set_body_json(body.clone()))
            .await;
        let result = service.get_valid_token(id).await;
        assert_eq!(result.unwrap_err(), TokenFailure::NeedsReconnect, "{body}");
        let row = f.row(id).await;
        assert_eq!(row.status, Status::NeedsReconnect);
        assert!(row.refresh_token.is_some(), "nothing is wiped");
        assert!(row.lease_owner.is_none() && row.lease_expires_at.is_none());
        let audits = api_access_log::Entity::find()
            .filter(api_access_log::Column::Action.eq(Action::TokenRefresh))
            .filter(api_access_log::Column::AccountId.eq(id))
            .count(&f.db)
            .await
            .unwrap();
        assert_eq!(audits, 1);
    }
}

async fn temporary_failures_back_off_and_never_deactivate(test_db: TestDb) {
    let f = fixture(test_db).await;
    let service = f.service(fast_timing()).await;
    let responses = [
        ResponseTemplate::new(503).set_body_string("<html>unavailable</html>"),
        ResponseTemplate::new(500).set_body_json(serde_json::json!({"error": "internal_failure"})),
        ResponseTemplate::new(429)
            .set_body_json(serde_json::json!({"error": "rate_limit_exceeded"})),
        ResponseTemplate::new(408),
        refreshed(new_access()).set_delay(Duration::from_secs(3)), // slower than the call timeout
    ];
    for response in responses {
        let account = &f.accounts(1, -10).await[0];
        f.answer_tokens_with(response).await;
        assert_eq!(
            service.get_valid_token(account.id).await.unwrap_err(),
            TokenFailure::Unavailable
        );
        let row = f.row(account.id).await;
        assert_eq!(row.status, Status::Active);
        assert_eq!(row.refresh_failures, 1);
        assert!(
            row.next_attempt_at.unwrap() > f.clock.now() + 20,
            "backs off"
        );
        assert!(row.lease_owner.is_none());
        assert_eq!(f.open(&row, SealedField::RefreshToken), account.refresh);
        // While backing off, callers do not hammer the endpoint, nor does the refresher.
        let calls = f.token_requests().await.len();
        assert_eq!(
            service.get_valid_token(account.id).await.unwrap_err(),
            TokenFailure::Unavailable
        );
        assert_eq!(service.refresh_due(4).await.unwrap().refreshed, 0);
        assert_eq!(f.token_requests().await.len(), calls);
    }
    // Once the backoff has passed, the refresher tries them all again.
    f.answer_tokens_with(refreshed(new_access())).await;
    f.clock.advance(60);
    assert_eq!(service.refresh_due(4).await.unwrap().refreshed, 5);
}

async fn an_unreachable_endpoint_is_temporary_and_a_still_valid_token_is_served(test_db: TestDb) {
    let google = MockServer::start().await;
    let unreachable = [
        ("GOOGLE_TOKEN_URL", "http://127.0.0.1:9/token"),
        ("GOOGLE_REVOKE_URL", "http://127.0.0.1:9/revoke"),
    ];
    let f = fixture_with(test_db, google, &unreachable).await;
    let account = &f.accounts(1, 120).await[0]; // inside five minutes, but not expired
    let service = f.service(fast_timing()).await;
    let token = service.get_valid_token(account.id).await.unwrap();
    assert_eq!(token.expose_secret(), account.access);
    let row = f.row(account.id).await;
    assert_eq!((row.status, row.refresh_failures), (Status::Active, 1));
}

async fn a_rejected_client_is_a_configuration_error_and_leaves_accounts_alone(test_db: TestDb) {
    let f = fixture(test_db).await;
    let id = f.accounts(1, -10).await[0].id;
    let rejected = serde_json::json!({"error": "invalid_client"});
    f.answer_tokens_with(ResponseTemplate::new(401).set_body_json(rejected))
        .await;
    let result = f.service(fast_timing()).await.get_valid_token(id).await;
    assert_eq!(result.unwrap_err(), TokenFailure::Misconfigured);
    let row = f.row(id).await;
    assert_eq!((row.status, row.refresh_failures), (Status::Active, 0));
    assert!(row.lease_owner.is_none());
}
