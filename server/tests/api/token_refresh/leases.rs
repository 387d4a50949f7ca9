//! The refresh lease: taken over once it lapses, never early by an instance whose clock runs
//! ahead; a stalled holder's late writes dropped; a rejected client pausing every refresh; an
//! unreadable refresh token waiting for its ciphertext to change; a holder dying mid-refresh.

use super::*;

on_both_databases! {
    a_lapsed_lease_is_taken_over,
    an_instance_whose_clock_runs_ahead_cannot_take_a_held_lease,
    a_stalled_holders_late_writes_are_dropped,
    a_rejected_client_pauses_every_refresh,
    an_unreadable_refresh_token_waits_for_its_ciphertext_to_change,
    a_holder_dying_mid_refresh_loses_nothing,
}

/// Leases run on the database's clock, in whole seconds: a one-second lease has surely lapsed
/// three seconds later.
const SHORT_LEASE: Duration = Duration::from_secs(1);
const SHORT_LEASE_LAPSED: Duration = Duration::from_secs(3);

/// A lease whose holder is gone is taken over once it lapses.
async fn a_lapsed_lease_is_taken_over(test_db: TestDb) {
    let f = fixture(test_db).await;
    let id = f.accounts(1, -10).await[0].id;
    f.answer_tokens_with(refreshed(new_access())).await;
    let accounts = server::accounts(&f.config, f.db.clone(), f.clock.clone());
    assert!(accounts.take_lease(id, "gone", SHORT_LEASE).await.unwrap());
    assert!(
        !accounts.take_lease(id, "other", SHORT_LEASE).await.unwrap(),
        "held"
    );

    tokio::time::sleep(SHORT_LEASE_LAPSED).await;
    let service = f.service(Timing::default()).await;
    let token = service.get_valid_token(id).await.unwrap();
    assert_eq!(token.expose_secret(), "new-access");
    assert_eq!(f.token_requests().await.len(), 1);
    assert!(f.row(id).await.lease_owner.is_none());
}

/// An instance whose clock runs an hour ahead sees the lease another holds as held: lease
/// times are the database's, not the instance's.
async fn an_instance_whose_clock_runs_ahead_cannot_take_a_held_lease(test_db: TestDb) {
    let f = fixture(test_db).await;
    let id = f.accounts(1, -10).await[0].id;
    let holder = server::accounts(&f.config, f.db.clone(), f.clock.clone());
    let ahead_clock = Clock::adjustable();
    ahead_clock.advance(3600);
    let ahead = server::accounts(&f.config, f.db.clone(), ahead_clock);
    assert!(
        holder
            .take_lease(id, "holder", Timing::default().lease)
            .await
            .unwrap()
    );
    assert!(
        !ahead
            .take_lease(id, "ahead", Timing::default().lease)
            .await
            .unwrap()
    );
    assert_eq!(f.row(id).await.lease_owner.as_deref(), Some("holder"));
}

/// A holder that stalls past its lease (a slow token call, a busy database) finds another
/// holder in its place: its late outcomes, good or bad, change nothing.
async fn a_stalled_holders_late_writes_are_dropped(test_db: TestDb) {
    let f = fixture(test_db).await;
    let account = f.accounts(1, -10).await.remove(0);
    let id = account.id;
    let accounts = server::accounts(&f.config, f.db.clone(), f.clock.clone());
    assert!(
        accounts
            .take_lease(id, "stalled", SHORT_LEASE)
            .await
            .unwrap()
    );
    let before = f.row(id).await;
    tokio::time::sleep(SHORT_LEASE_LAPSED).await;
    let lease = Timing::default().lease;
    assert!(accounts.take_lease(id, "successor", lease).await.unwrap());

    let tokens = |access: &str, refresh: &str| server::provider::Tokens {
        access_token: SecretString::from(access.to_owned()),
        refresh_token: Some(SecretString::from(refresh.to_owned())),
        expires_in: Duration::from_secs(3600),
        scopes: None,
    };
    let late = tokens("late-access", "late-refresh");
    accounts
        .record_refreshed(id, "stalled", &late)
        .await
        .unwrap();
    accounts
        .record_temporary_failure(id, "stalled", 3, Duration::from_secs(600))
        .await
        .unwrap();
    accounts
        .record_dead_grant(&before, "stalled", "invalid_grant")
        .await
        .unwrap();
    let row = f.row(id).await;
    assert_eq!(f.open(&row, SealedField::AccessToken), account.access);
    assert_eq!(f.open(&row, SealedField::RefreshToken), account.refresh);
    assert_eq!((row.status, row.refresh_failures), (Status::Active, 0));
    assert_eq!(row.lease_owner.as_deref(), Some("successor"));

    // The holder that owns the lease writes.
    let current = tokens("successor-access", "successor-refresh");
    accounts
        .record_refreshed(id, "successor", &current)
        .await
        .unwrap();
    let row = f.row(id).await;
    assert_eq!(f.open(&row, SealedField::AccessToken), "successor-access");
    assert!(row.lease_owner.is_none());
}

/// `invalid_client` is the configuration's fault, not the accounts': after it, rounds pause
/// globally instead of every account calling Google again.
async fn a_rejected_client_pauses_every_refresh(test_db: TestDb) {
    let f = fixture(test_db).await;
    f.accounts(3, 60).await;
    let rejected = serde_json::json!({"error": "invalid_client"});
    f.answer_tokens_with(ResponseTemplate::new(401).set_body_json(rejected))
        .await;
    let service = f.service(fast_timing()).await;
    let first = service.refresh_due(1).await.unwrap();
    assert_eq!(first.failed, 3);
    assert_eq!(
        f.token_requests().await.len(),
        1,
        "the first rejection pauses the rest"
    );
    for _ in 0..3 {
        assert_eq!(service.refresh_due(4).await.unwrap(), Round::default());
    }
    assert_eq!(f.token_requests().await.len(), 1);
    let rows = email_accounts::Entity::find().all(&f.db).await.unwrap();
    assert!(
        rows.iter().all(|r| r.status == Status::Active
            && r.refresh_failures == 0
            && r.lease_owner.is_none())
    );
}

/// A refresh token sealed under a key this server lacks fails once, then is left alone until
/// its ciphertext changes (as `rotate-keys` re-sealing it under a known key would).
async fn an_unreadable_refresh_token_waits_for_its_ciphertext_to_change(test_db: TestDb) {
    let f = fixture(test_db).await;
    let account = f.accounts(1, 60).await.remove(0);
    f.answer_tokens_with(refreshed(new_access())).await;
    let id = account.id.to_string();
    let reseal = |vault: &server::vault::Vault| {
        vault.seal(
            SealedField::RefreshToken.binding(&id),
            &SecretString::from(account.refresh.clone()),
        )
    };
    let unknown_key = server::vault::VaultKey::parse(&server::vault::VaultKey::generate()).unwrap();
    let foreign = server::vault::Vault::new(unknown_key, []);
    let set_refresh = async |sealed: String| {
        email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::RefreshToken,
                sea_orm::sea_query::Expr::value(sealed),
            )
            .filter(email_accounts::Column::Id.eq(account.id))
            .exec(&f.db)
            .await
            .unwrap();
    };
    set_refresh(reseal(&foreign)).await;

    let service = f.service(fast_timing()).await;
    assert_eq!(service.refresh_due(4).await.unwrap().failed, 1);
    for _ in 0..3 {
        assert_eq!(service.refresh_due(4).await.unwrap(), Round::default());
    }
    assert!(f.row(account.id).await.lease_owner.is_none());
    assert!(f.token_requests().await.is_empty());

    set_refresh(reseal(&f.config.vault)).await;
    assert_eq!(service.refresh_due(4).await.unwrap().refreshed, 1);
    assert_eq!(f.token_requests().await.len(), 1);
}

/// A holder that dies during the token call (as under kill -9) leaves only its lease behind:
/// nothing is lost or marked broken, and once the lease lapses another instance takes over.
async fn a_holder_dying_mid_refresh_loses_nothing(test_db: TestDb) {
    let f = fixture(test_db).await;
    let account = f.accounts(1, -10).await.remove(0);
    let id = account.id;
    f.answer_tokens_with(refreshed(new_access()).set_delay(Duration::from_secs(30)))
        .await;
    let dying = f
        .service(Timing {
            lease: SHORT_LEASE,
            ..Timing::default()
        })
        .await;
    let task = tokio::spawn(async move { dying.get_valid_token(id).await });
    wait_for_token_call(&f).await;
    task.abort(); // mid-call: the answer never gets written
    let _ = task.await;

    let row = f.row(id).await;
    assert_eq!(row.status, Status::Active);
    assert!(
        row.lease_owner.is_some(),
        "the dead holder's lease is still there"
    );
    assert_eq!(f.open(&row, SealedField::RefreshToken), account.refresh);
    assert_eq!(f.open(&row, SealedField::AccessToken), account.access);

    f.answer_tokens_with(refreshed(new_access())).await;
    tokio::time::sleep(SHORT_LEASE_LAPSED).await;
    let survivor = f.service(Timing::default()).await;
    let token = survivor.get_valid_token(id).await.unwrap();
    assert_eq!(token.expose_secret(), "new-access");
    let row = f.row(id).await;
    assert_eq!(f.open(&row, SealedField::RefreshToken), account.refresh);
    assert!(row.lease_owner.is_none());
}

/// Waits until the token endpoint has received a call.
async fn wait_for_token_call(f: &Fixture) {
    for _ in 0..500 {
        if !f.token_requests().await.is_empty() {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the token endpoint was never called");
}
