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
use crate::i18n::{Lang, Text};
use crate::model::AccountOverview;

#[component]
pub fn AccountPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_account_overview());
    let lang = Lang::current();

    view! {
        <section class="card wide">
            <Title text=lang.t(Text::YourAccount) />
            <h1>{lang.t(Text::YourAccount)}</h1>
            <Suspense fallback=move || view! { <p>{lang.t(Text::Loading)}</p> }>
                {move || {
                    overview
                        .get()
                        .and_then(Result::ok)
                        .map(|o| view! { <p class="who-am-i">{lang.t(Text::SignedInAs)} {o.email}</p> })
                }}
            </Suspense>

            <section aria-labelledby="zone-heading">
                <h2 id="zone-heading">{lang.t(Text::TimeZone)}</h2>
                <Suspense fallback=|| ()>
                    {move || overview.get().and_then(Result::ok).map(|o| time_zone_form(&o, lang))}
                </Suspense>
            </section>

            <section aria-labelledby="password-heading">
                <h2 id="password-heading">{lang.t(Text::ChangeYourPassword)}</h2>
                <ServerForm
                    action=FormAction::ChangePassword
                    submit=lang.t(Text::ChangePassword)
                    done=lang.t(Text::PasswordChanged)
                >
                    <label for="current-password">{lang.t(Text::CurrentPassword)}</label>
                    <input
                        id="current-password"
                        name="current_password"
                        type="password"
                        autocomplete="current-password"
                    />
                    <label for="new-password">{lang.t(Text::NewPassword)}</label>
                    <input
                        id="new-password"
                        name="new_password"
                        type="password"
                        autocomplete="new-password"
                    />
                </ServerForm>
            </section>

            <section aria-labelledby="delete-heading">
                <h2 id="delete-heading">{lang.t(Text::DeleteYourAccount)}</h2>
                <Suspense fallback=|| ()>
                    {move || overview.get().and_then(Result::ok).map(|o| what_goes(&o, lang))}
                </Suspense>
                <ServerForm action=FormAction::DeleteAccount submit=lang.t(Text::DeleteMyAccount)
                    button_class="danger"
                >
                    <label for="delete-password">{lang.t(Text::Password)}</label>
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
fn time_zone_form(overview: &AccountOverview, lang: Lang) -> impl IntoView + use<> {
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
                    {lang.time_zone_saved(&current)}
                </p>
            }
        });
    view! {
        {saved}
        <PageForm url=SetTimeZone::url() submit=lang.t(Text::SaveTimeZone)>
            <label for="time-zone">{lang.t(Text::ShowTimesIn)}</label>
            <select id="time-zone" name="time_zone">
                {options}
            </select>
        </PageForm>
    }
}

/// What deleting removes, spelled out before the user confirms with their password.
fn what_goes(overview: &AccountOverview, lang: Lang) -> impl IntoView + use<> {
    let mailboxes = overview.mailboxes.clone();
    let count = overview.transactions;
    view! {
        <div class="removal" aria-label=lang.t(Text::WhatWillBeRemoved)>
            <p>{lang.t(Text::DeletionIsFinal)}</p>
            {(!mailboxes.is_empty())
                .then(|| {
                    view! {
                        <p>{lang.t(Text::TheseMailboxesAreDisconnected)}</p>
                        <ul class="mailboxes">
                            {mailboxes
                                .into_iter()
                                .map(|(address, service)| {
                                    view! {
                                        <li>
                                            {address} " (" {service.name()} "): "
                                            {lang.what_disconnecting_does(service)}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            <p>{lang.transactions_deleted(count)}</p>
        </div>
    }
}
