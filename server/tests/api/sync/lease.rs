//! The run lease is on the database's clock: an instance whose own clock runs ahead cannot take
//! a run another instance holds, and once the lease has lapsed by the database's clock, it can.

use sea_orm::sea_query::Expr;
use server::entities::mailbox_sync;

use super::*;

on_both_databases! {
    an_instance_whose_clock_runs_ahead_cannot_take_a_held_run,
}

/// Sets the mailbox's run as held by `owner` until `until` (Unix seconds).
async fn held(app: &TestApp, account_id: i32, owner: &str, until: i64) {
    mailbox_sync::Entity::update_many()
        .col_expr(mailbox_sync::Column::State, Expr::value(SyncState::Running))
        .col_expr(mailbox_sync::Column::RunOwner, Expr::value(owner))
        .col_expr(mailbox_sync::Column::RunExpiresAt, Expr::value(until))
        .filter(mailbox_sync::Column::AccountId.eq(account_id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn an_instance_whose_clock_runs_ahead_cannot_take_a_held_run(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    assert!(app.syncs.request(mailbox.id).await.unwrap());
    // Another instance holds the run for another minute; this instance's clock runs ten
    // minutes ahead (its mailbox's token still valid by it).
    held(&app, mailbox.id, "elsewhere", server::clock::now() + 60).await;
    app.clock.advance(600);

    sync(&app, mailbox.id).await;
    let reads = || gmail.count("profile", None) + gmail.count("list", None);
    assert_eq!(reads(), 0, "nothing read while the run is held");
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert_eq!(state.run_owner.as_deref(), Some("elsewhere"));
    assert_eq!(state.state, SyncState::Running);

    // Lapsed by the database's clock: the run is taken over, and the mailbox read.
    held(&app, mailbox.id, "elsewhere", server::clock::now() - 1).await;
    sync(&app, mailbox.id).await;
    assert!(reads() > 0);
    assert_eq!(stored(&app, mailbox.id).await, 1);
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert_eq!(state.run_owner, None);
    assert_eq!(state.state, SyncState::Idle);
}
