//! `/signup` and `/signin`: plain forms that work before the WASM loads (they post to the server
//! function and follow its redirect) and, once hydrated, submit without a page load.

use leptos::prelude::*;
use leptos_meta::Title;

use super::forms::{FormAction, ServerForm};
use crate::i18n::{Lang, Text};

#[component]
pub fn SignUpPage() -> impl IntoView {
    let lang = Lang::current();
    view! {
        <section class="card">
            <Title text=lang.t(Text::CreateYourAccount) />
            <h1>{lang.t(Text::CreateYourAccount)}</h1>
            <ServerForm action=FormAction::SignUp submit=lang.t(Text::SignUp)>
                <CredentialFields lang password_autocomplete="new-password" />
            </ServerForm>
            <p>{lang.t(Text::AlreadyHaveAccount)} <a href="/signin">{lang.t(Text::SignIn)}</a></p>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let lang = Lang::current();
    view! {
        <section class="card">
            <Title text=lang.t(Text::SignIn) />
            <h1>{lang.t(Text::SignIn)}</h1>
            <ServerForm action=FormAction::SignIn submit=lang.t(Text::SignIn)>
                <CredentialFields lang password_autocomplete="current-password" />
            </ServerForm>
            <p>{lang.t(Text::NewHere)} <a href="/signup">{lang.t(Text::CreateAnAccount)}</a></p>
        </section>
    }
}

#[component]
fn CredentialFields(lang: Lang, password_autocomplete: &'static str) -> impl IntoView {
    view! {
        <label for="email">{lang.t(Text::Email)}</label>
        // Plain text, not type="email": our own message explains a malformed address.
        <input id="email" name="email" type="text" inputmode="email" autocomplete="email" />
        <label for="password">{lang.t(Text::Password)}</label>
        <input id="password" name="password" type="password" autocomplete=password_autocomplete />
    }
}
