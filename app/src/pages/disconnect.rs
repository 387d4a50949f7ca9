//! Disconnecting a mailbox: `/connections/disconnect?account=…`, a page that asks first and says
//! what happens at the mailbox's service and to its transactions, with one plain form (no
//! island: the answer is a page); and the notice the connections page shows afterwards.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

use crate::api::accounts::{ConfirmDisconnect, list_accounts};
use crate::error::AppError;
use crate::i18n::{Lang, Text};
use crate::model::Disconnection;
use crate::pages::forms::PageForm;

#[component]
pub fn DisconnectPage() -> impl IntoView {
    let params = use_query_map();
    let lang = Lang::current();
    let id = Memo::new(move |_| {
        params.with(|params| {
            params
                .get_str("account")
                .and_then(|id| id.parse::<i32>().ok())
        })
    });
    // The user's own mailboxes only: another's id is "not found".
    let account = Resource::new(
        move || id.get(),
        |id| async move {
            let accounts = list_accounts().await?;
            accounts
                .into_iter()
                .find(|account| Some(account.id) == id)
                .ok_or(AppError::NotFound)
        },
    );
    view! {
        <section class="card">
            <Title text=lang.t(Text::DisconnectAMailbox) />
            <Suspense fallback=move || view! { <p>{lang.t(Text::Loading)}</p> }>
                {move || {
                    account
                        .get()
                        .map(|found| match found {
                            Ok(account) => {
                                view! {
                                    <h1>{lang.disconnect_question(&account.email)}</h1>
                                    <p>
                                        {lang.disconnecting_explained(account.service)} " "
                                        {lang.t(Text::TransactionsStay)}
                                    </p>
                                    <PageForm
                                        url=ConfirmDisconnect::url()
                                        submit=lang.t(Text::YesDisconnect)
                                        button_class="danger"
                                    >
                                        <input
                                            type="hidden"
                                            name="account_id"
                                            value=account.id.to_string()
                                        />
                                    </PageForm>
                                    <p>
                                        <a href="/connections">{lang.t(Text::KeepConnected)}</a>
                                    </p>
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! {
                                    <h1>{lang.t(Text::DisconnectAMailbox)}</h1>
                                    <p class="error" role="alert">
                                        {error.to_string()}
                                    </p>
                                    <p>
                                        <a href="/connections">{lang.t(Text::BackToConnections)}</a>
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
    }
}

/// After a mailbox was disconnected (`?disconnected=revoked`, `kept` or `remove`), what that
/// did.
#[component]
pub fn Disconnected() -> impl IntoView {
    let params = use_query_map();
    let outcome = params.with_untracked(|params| {
        params
            .get_str("disconnected")
            .and_then(Disconnection::from_code)
    });
    outcome.map(|outcome| {
        view! {
            <p class="notice" role="status">
                {Lang::current().disconnected_notice(outcome)}
            </p>
        }
    })
}
