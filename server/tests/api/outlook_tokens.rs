//! Microsoft's rotating refresh tokens, against a wiremock token endpoint that rotates them like
//! Microsoft's and is stricter than it: every refresh answers with a new refresh token, and a
//! refresh token redeemed once is refused ever after (Microsoft keeps it valid for a while).
//! A client that stores the new token late, or lets two refreshes race, is caught here.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use server::entities::SealedField;
use server::entities::email_accounts::{Provider, Status};
use server::tokens::TokenFailure;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{TestDb, on_both_databases};
use crate::seed::{self, Seeded};
use crate::token_refresh::{Fixture, fast_timing, fixture_with, form_param};

on_both_databases! {
    every_refresh_stores_the_new_refresh_token,
    two_instances_never_redeem_one_refresh_token_twice,
    a_lost_answer_keeps_the_refresh_token_that_still_works,
}

const TOKEN_PATH: &str = "/common/oauth2/v2.0/token";

/// Answers each refresh token once with `<token>+`, refuses it after that.
#[derive(Clone, Default)]
struct Rotating {
    redeemed: Arc<Mutex<HashSet<String>>>,
    refused: Arc<AtomicUsize>,
    delay: Duration,
}

impl Respond for Rotating {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let old = form_param(request, "refresh_token");
        if !self.redeemed.lock().unwrap().insert(old.clone()) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "error": "invalid_grant",
                "error_description": "AADSTS70000: Provided grant is invalid or malformed.",
                "error_codes": [70000],
            }));
        }
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({
                "token_type": "Bearer",
                "scope": "https://graph.microsoft.com/Mail.Read",
                "expires_in": 3599,
                "access_token": format!("access-for-{old}"),
                "refresh_token": format!("{old}+"),
            }))
            .set_delay(self.delay)
    }
}

/// A fixture whose Microsoft token endpoint is `microsoft` (Google's is unused).
async fn fixture(test_db: TestDb, microsoft: &MockServer) -> Fixture {
    let token_url = format!("{}{TOKEN_PATH}", microsoft.uri());
    let graph = format!("{}/v1.0", microsoft.uri());
    let vars = [
        ("MICROSOFT_CLIENT_ID", "ms-client"),
        ("MICROSOFT_CLIENT_SECRET", "ms-secret"),
        ("MICROSOFT_TOKEN_URL", token_url.as_str()),
        ("GRAPH_API_URL", graph.as_str()),
    ];
    fixture_with(test_db, MockServer::start().await, &vars).await
}

async fn outlook_accounts(f: &Fixture, count: usize, expires_in: i64) -> Vec<Seeded> {
    let owner = seed::user(&f.db).await;
    seed::accounts_of(
        Provider::Microsoft,
        &f.config,
        &f.db,
        owner,
        count,
        expires_in,
    )
    .await
}

async fn serve(microsoft: &MockServer, responder: Rotating) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(responder)
        .mount(microsoft)
        .await;
}

async fn token_requests(microsoft: &MockServer) -> Vec<Request> {
    microsoft.received_requests().await.unwrap()
}

async fn every_refresh_stores_the_new_refresh_token(test_db: TestDb) {
    let microsoft = MockServer::start().await;
    let rotating = Rotating::default();
    serve(&microsoft, rotating.clone()).await;
    let f = fixture(test_db, &microsoft).await;
    let account = &outlook_accounts(&f, 1, -10).await[0];
    let service = f.service(fast_timing()).await;

    let mut expected = account.refresh.clone();
    for _ in 0..3 {
        let access = service.get_valid_token(account.id).await.unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&access),
            format!("access-for-{expected}")
        );
        expected.push('+');
        let row = f.row(account.id).await;
        assert_eq!(f.open(&row, SealedField::RefreshToken), expected);
        assert_eq!(row.status, Status::Active);
        // Two hours on, the hour-long token is due again.
        f.clock.advance(2 * 60 * 60);
    }
    assert_eq!(rotating.refused.load(Ordering::SeqCst), 0);
    assert_eq!(token_requests(&microsoft).await.len(), 3);
}

async fn two_instances_never_redeem_one_refresh_token_twice(test_db: TestDb) {
    let microsoft = MockServer::start().await;
    let rotating = Rotating {
        delay: Duration::from_millis(20),
        ..Rotating::default()
    };
    serve(&microsoft, rotating.clone()).await;
    let f = fixture(test_db, &microsoft).await;
    // Due for the refreshers, and short enough (under five minutes) that workers refresh too.
    let accounts = outlook_accounts(&f, 100, 200).await;
    let (a, b) = (
        f.service(fast_timing()).await,
        f.service(fast_timing()).await,
    );
    // Both refreshers' rounds, and workers asking both instances for every token at once.
    let workers = accounts.iter().flat_map(|account| {
        let (a, b, id) = (a.clone(), b.clone(), account.id);
        [
            tokio::spawn(async move { a.get_valid_token(id).await }),
            tokio::spawn(async move { b.get_valid_token(id).await }),
        ]
    });
    let workers: Vec<_> = workers.collect();
    let (round_a, round_b) = tokio::join!(a.refresh_due(16), b.refresh_due(16));
    round_a.unwrap();
    round_b.unwrap();
    for worker in workers {
        worker.await.unwrap().unwrap();
    }

    assert_eq!(
        rotating.refused.load(Ordering::SeqCst),
        0,
        "a refresh token was reused"
    );
    assert_eq!(token_requests(&microsoft).await.len(), accounts.len());
    for account in &accounts {
        let row = f.row(account.id).await;
        assert_eq!(
            f.open(&row, SealedField::RefreshToken),
            format!("{}+", account.refresh)
        );
        assert_eq!(row.status, Status::Active);
    }
}

async fn a_lost_answer_keeps_the_refresh_token_that_still_works(test_db: TestDb) {
    let microsoft = MockServer::start().await;
    // Microsoft rotates, but its answer never arrives in time (the call times out at 2 s).
    let late = Rotating {
        delay: Duration::from_secs(3),
        ..Rotating::default()
    };
    serve(&microsoft, late).await;
    let f = fixture(test_db, &microsoft).await;
    let account = &outlook_accounts(&f, 1, -10).await[0];
    let service = f.service(fast_timing()).await;

    let failure = service.get_valid_token(account.id).await.unwrap_err();
    assert_eq!(failure, TokenFailure::Unavailable);
    let row = f.row(account.id).await;
    assert_eq!(f.open(&row, SealedField::RefreshToken), account.refresh);
    assert_eq!(row.status, Status::Active);

    // The old token is still valid at Microsoft for a while: the retry redeems it and stores
    // what comes back.
    microsoft.reset().await;
    serve(&microsoft, Rotating::default()).await;
    f.clock.advance(60);
    let retried = service.get_valid_token(account.id).await;
    assert!(retried.is_ok(), "{retried:?}");
    let requests = token_requests(&microsoft).await;
    assert_eq!(form_param(&requests[0], "refresh_token"), account.refresh);
    let row = f.row(account.id).await;
    assert_eq!(
        f.open(&row, SealedField::RefreshToken),
        format!("{}+", account.refresh)
    );
}
