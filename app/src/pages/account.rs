//! `/account`: the signed-in user's own account. Choose the time zone times are shown in,
//! change the password (the current one is required; every other session ends), or delete the
//! account, after seeing what goes with it: the connected mailboxes, their transactions, and
//! our access to them at their services.

use leptos::prelude::*;
use leptos_meta::Title;

use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

use super::forms::{FormAction, PageForm, ServerForm};
use crate::api::account::SetTimeZone;
use crate::api::account::get_account_overview;
use crate::model::AccountOverview;

#[component]
pub fn AccountPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_account_overview());

    view! {
        <section class="card wide">
            <Title text="Your account" />
            <h1>"Your account"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    overview
                        .get()
                        .and_then(Result::ok)
                        .map(|o| view! { <p class="who-am-i">"Signed in as " {o.email}</p> })
                }}
            </Suspense>

            <section aria-labelledby="zone-heading">
                <h2 id="zone-heading">"Time zone"</h2>
                <Suspense fallback=|| ()>
                    {move || overview.get().and_then(Result::ok).map(|o| time_zone_form(&o))}
                </Suspense>
            </section>

            <section aria-labelledby="password-heading">
                <h2 id="password-heading">"Change your password"</h2>
                <ServerForm
                    action=FormAction::ChangePassword
                    submit="Change password"
                    done="Password changed. Every other session was signed out."
                >
                    <label for="current-password">"Current password"</label>
                    <input
                        id="current-password"
                        name="current_password"
                        type="password"
                        autocomplete="current-password"
                    />
                    <label for="new-password">"New password"</label>
                    <input
                        id="new-password"
                        name="new_password"
                        type="password"
                        autocomplete="new-password"
                    />
                </ServerForm>
            </section>

            <section aria-labelledby="delete-heading">
                <h2 id="delete-heading">"Delete your account"</h2>
                <Suspense fallback=|| ()>
                    {move || overview.get().and_then(Result::ok).map(|o| what_goes(&o))}
                </Suspense>
                <ServerForm action=FormAction::DeleteAccount submit="Delete my account"
                    button_class="danger"
                >
                    <label for="delete-password">"Password"</label>
                    <input
                        id="delete-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                    />
                </ServerForm>
            </section>
        </section>
    }
}

/// The zone every time is shown in, chosen from the zone database's names.
fn time_zone_form(overview: &AccountOverview) -> impl IntoView + use<> {
    let current = overview.time_zone.clone();
    let options = overview
        .time_zones
        .iter()
        .map(|zone| {
            let selected = *zone == current;
            view! { <option selected=selected>{zone.clone()}</option> }
        })
        .collect_view();
    let saved = use_query_map()
        .with_untracked(|params| params.get_str("time_zone") == Some("saved"))
        .then(|| {
            view! {
                <p class="notice" role="status">
                    "Saved. Times are shown in " {current.clone()} " from now on."
                </p>
            }
        });
    view! {
        {saved}
        <PageForm url=SetTimeZone::url() submit="Save time zone">
            <label for="time-zone">"Show times in"</label>
            <select id="time-zone" name="time_zone">
                {options}
            </select>
        </PageForm>
    }
}

/// What deleting removes, spelled out before the user confirms with their password.
fn what_goes(overview: &AccountOverview) -> impl IntoView + use<> {
    let mailboxes = overview.mailboxes.clone();
    let count = overview.transactions;
    view! {
        <div class="removal" aria-label="What will be removed">
            <p>
                "This deletes your mailconnect account and signs you out everywhere. It cannot be undone."
            </p>
            {(!mailboxes.is_empty())
                .then(|| {
                    view! {
                        <p>"These mailboxes are disconnected:"</p>
                        <ul class="mailboxes">
                            {mailboxes
                                .into_iter()
                                .map(|(address, service)| {
                                    view! {
                                        <li>
                                            {address} " (" {service.name()} "): "
                                            {service.what_disconnecting_does()}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            <p>
                {match count {
                    0 => "No transactions are stored for you.".to_owned(),
                    1 => "The 1 transaction found in your mail is deleted.".to_owned(),
                    n => format!("The {n} transactions found in your mail are deleted."),
                }}
            </p>
        </div>
    }
}
