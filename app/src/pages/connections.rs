//! `/connections`: "Email Connections" — connect, list, reconnect and disconnect mailboxes.
//! The server only renders it for a signed-in user (everyone else is sent to `/signin`).

use leptos::prelude::*;

use crate::api::accounts::{DisconnectAccount, list_accounts};
use crate::model::AccountView;

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let disconnect = ServerAction::<DisconnectAccount>::new();
    let accounts = Resource::new(move || disconnect.version().get(), |_| list_accounts());

    view! {
        <section class="card wide">
            <h1>"Email Connections"</h1>
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
                                                .map(|account| view! { <AccountRow account disconnect /> })
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
    }
}

#[component]
fn AccountRow(account: AccountView, disconnect: ServerAction<DisconnectAccount>) -> impl IntoView {
    let label = format!("Disconnect {}", account.email);
    let id = account.id;
    view! {
        <li class="account">
            <div>
                <strong>{account.email}</strong>
                <p>"Connected on " {account.connected_on}</p>
                <p>"Token expires: " {account.token_expires}</p>
                <p class="status">{account.status.label()}</p>
            </div>
            <button
                type="button"
                aria-label=label
                on:click=move |_| {
                    disconnect.dispatch(DisconnectAccount { account_id: id });
                }
            >
                "Disconnect"
            </button>
        </li>
    }
}
