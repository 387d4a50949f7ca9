//! `/connections`: "Email Connections" — connect, list, reconnect and disconnect mailboxes.
//! The server only renders it for a signed-in user (everyone else is sent to `/signin`).

use leptos::prelude::*;

use super::gmail_popup::GmailPopup;
use super::toasts::{ToastKind, ToastList, Toasts};
use crate::api::accounts::{DisconnectAccount, list_accounts};
use crate::model::{AccountStatus, AccountView};

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let toasts = Toasts::provide();
    let popup = GmailPopup::new();
    let disconnect = ServerAction::<DisconnectAccount>::new();
    let accounts = Resource::new(
        move || (disconnect.version().get(), popup.finished.get()),
        |_| list_accounts(),
    );
    Effect::new(move |_| match disconnect.value().get() {
        Some(Ok(())) => toasts.show(ToastKind::Success, "Email account disconnected"),
        Some(Err(error)) => toasts.show(ToastKind::Error, format!("Failed to disconnect: {error}")),
        None => {}
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
                                                .map(|account| view! { <AccountRow account disconnect popup /> })
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
    popup: GmailPopup,
) -> impl IntoView {
    let id = account.id;
    let needs_reconnect = account.status == AccountStatus::NeedsReconnect;
    let status_class = if needs_reconnect {
        "status needs-reconnect"
    } else {
        "status active"
    };
    view! {
        <li class="account" data-account-id=id>
            <div>
                <strong>{account.email.clone()}</strong>
                <p>"Connected on " {account.connected_on}</p>
                <p>"Token expires: " {account.token_expires}</p>
                <p class=status_class>{account.status.label()}</p>
            </div>
            <div class="actions">
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
