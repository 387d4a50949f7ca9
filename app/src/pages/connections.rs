//! `/connections`: "Email Connections" — connect, list, reconnect, sync and disconnect
//! mailboxes. The server only renders it for a signed-in user (everyone else is sent to
//! `/signin`). While any mailbox is syncing, the page re-reads the list every two seconds.

use std::time::Duration;

use leptos::prelude::*;

use super::gmail_popup::GmailPopup;
use super::toasts::{ToastKind, ToastList, Toasts};
use crate::api::accounts::{DisconnectAccount, SyncNow, list_accounts};
use crate::model::{AccountStatus, AccountView};

/// How often the list is re-read while a mailbox is syncing.
const SYNC_POLL: Duration = Duration::from_secs(2);
const SYNCING: &str = "Syncing…";

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let toasts = Toasts::provide();
    let popup = GmailPopup::new();
    let disconnect = ServerAction::<DisconnectAccount>::new();
    let sync = ServerAction::<SyncNow>::new();
    let (polls, set_polls) = signal(0u32);
    let accounts = Resource::new(
        move || {
            (
                disconnect.version().get(),
                popup.finished.get(),
                sync.version().get(),
                polls.get(),
            )
        },
        |_| list_accounts(),
    );
    Effect::new(move |_| match disconnect.value().get() {
        Some(Ok(())) => toasts.show(ToastKind::Success, "Email account disconnected"),
        Some(Err(error)) => toasts.show(ToastKind::Error, format!("Failed to disconnect: {error}")),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Err(error)) = sync.value().get() {
            toasts.show(
                ToastKind::Error,
                format!("Failed to start the sync: {error}"),
            );
        }
    });
    // Effects run only in the browser: the server never polls. Each new list decides whether
    // to read it again; leaving the page or a newer list cancels the pending read.
    Effect::new(move |_| {
        let any_syncing = accounts
            .get()
            .and_then(Result::ok)
            .is_some_and(|list| list.iter().any(|account| account.sync.syncing));
        if any_syncing
            && let Ok(timer) =
                set_timeout_with_handle(move || set_polls.update(|n| *n += 1), SYNC_POLL)
        {
            on_cleanup(move || timer.clear());
        }
    });

    view! {
        <section class="card wide">
            <h1>"Email Connections"</h1>
            <p>"Connect a Gmail account so we can read your bank alerts."</p>
            <button
                type="button"
                class="connect"
                disabled=move || popup.connecting.get()
                // How many popups have ended: tests wait on it instead of on the clock.
                data-popup-endings=move || popup.finished.get().to_string()
                on:click=move |_| popup.start(None)
            >
                {move || if popup.connecting.get() { "Connecting..." } else { "Connect Gmail" }}
            </button>
            <section aria-labelledby="accounts-heading">
                <h2 id="accounts-heading">"Connected Accounts"</h2>
                <Transition fallback=|| view! { <p>"Loading accounts…"</p> }>
                    {move || {
                        accounts
                            .get()
                            .map(|result| match result {
                                Ok(list) if list.is_empty() => {
                                    view! { <p class="empty">"No email accounts connected yet."</p> }
                                        .into_any()
                                }
                                Ok(list) => {
                                    view! {
                                        <ul class="accounts">
                                            {list
                                                .into_iter()
                                                .map(|account| view! { <AccountRow account disconnect sync popup /> })
                                                .collect_view()}
                                        </ul>
                                    }
                                        .into_any()
                                }
                                Err(error) => {
                                    view! {
                                        <p class="error" role="alert">
                                            {error.to_string()}
                                        </p>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Transition>
            </section>
        </section>
        <ToastList />
    }
}

#[component]
fn AccountRow(
    account: AccountView,
    disconnect: ServerAction<DisconnectAccount>,
    sync: ServerAction<SyncNow>,
    popup: GmailPopup,
) -> impl IntoView {
    let id = account.id;
    // Set by "Sync now" so the row says "Syncing…" at once, and kept by a row drawn while its
    // request is still on its way; the list read after the request brings the server's state.
    let in_flight = sync
        .input()
        .with_untracked(|input| input.as_ref().is_some_and(|input| input.account_id == id));
    let requested = RwSignal::new(in_flight);
    let syncing = move || account.sync.syncing || requested.get();
    let summary = account.sync.summary;
    let needs_reconnect = account.status == AccountStatus::NeedsReconnect;
    let status_class = if needs_reconnect {
        "status needs-reconnect"
    } else {
        "status active"
    };
    view! {
        <li class="account" data-account-id=id data-syncing=move || syncing().to_string()>
            <div>
                <strong>{account.email.clone()}</strong>
                <p>"Connected on " {account.connected_on}</p>
                <p>"Token expires: " {account.token_expires}</p>
                <p class=status_class>{account.status.label()}</p>
                <p class="sync-state" aria-live="polite">
                    {move || if syncing() { SYNCING.to_owned() } else { summary.clone() }}
                </p>
                {account.sync.problem.map(|problem| view! { <p class="sync-problem">{problem}</p> })}
            </div>
            <div class="actions">
                <button
                    type="button"
                    class="sync-now"
                    aria-label=format!("Sync now {}", account.email)
                    disabled=syncing
                    on:click=move |_| {
                        requested.set(true);
                        sync.dispatch(SyncNow { account_id: id });
                    }
                >
                    "Sync now"
                </button>
                {needs_reconnect
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="secondary"
                                aria-label=format!("Reconnect {}", account.email)
                                disabled=move || popup.connecting.get()
                                on:click=move |_| popup.start(Some(id))
                            >
                                "Reconnect"
                            </button>
                        }
                    })}
                <button
                    type="button"
                    class="danger"
                    aria-label=format!("Disconnect {}", account.email)
                    disabled=move || disconnect.pending().get()
                    on:click=move |_| {
                        disconnect.dispatch(DisconnectAccount { account_id: id });
                    }
                >
                    "Disconnect"
                </button>
            </div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SyncView;

    fn render_row(sync: SyncView) -> String {
        Owner::new().with(|| {
            let account = AccountView {
                id: 7,
                email: "me@example.com".into(),
                provider: "gmail".into(),
                connected_on: "25 Nov 2026".into(),
                token_expires: "in 50 minutes".into(),
                status: AccountStatus::Active,
                sync,
            };
            let disconnect = ServerAction::<DisconnectAccount>::new();
            let sync = ServerAction::<SyncNow>::new();
            let popup = GmailPopup::new();
            view! { <AccountRow account disconnect sync popup /> }.to_html()
        })
    }

    #[test]
    fn a_row_shows_its_last_sync_and_problem() {
        let html = render_row(SyncView {
            syncing: false,
            summary: "Last synced 2 minutes ago · 3 new transactions".into(),
            problem: Some("Gmail is rate limiting us; retrying at 14:05".into()),
        });
        assert!(
            html.contains(
                r#"class="sync-state">Last synced 2 minutes ago · 3 new transactions</p>"#
            )
        );
        assert!(html.contains(
            r#"<p class="sync-problem">Gmail is rate limiting us; retrying at 14:05</p>"#
        ));
        assert!(html.contains(r#"data-syncing="false""#));
        assert!(html.contains(
            r#"<button type="button" aria-label="Sync now me@example.com" class="sync-now">"#
        ));
    }

    #[test]
    fn a_syncing_row_says_so_and_cannot_sync_again() {
        let html = render_row(SyncView {
            syncing: true,
            summary: "Not synced yet".into(),
            problem: None,
        });
        assert!(html.contains(r#"class="sync-state">Syncing…</p>"#));
        assert!(!html.contains("Not synced yet"));
        assert!(!html.contains("sync-problem"));
        assert!(html.contains(r#"data-syncing="true""#));
        assert!(html.contains(r#"aria-label="Sync now me@example.com" disabled class="sync-now""#));
    }
}
