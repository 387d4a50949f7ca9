//! `/signup` and `/signin`: plain forms that work before the WASM loads (they post to the server
//! function and follow its redirect) and, once hydrated, submit without a page load.

use leptos::prelude::*;
use leptos_meta::Title;

use super::forms::{FormAction, ServerForm};

#[component]
pub fn SignUpPage() -> impl IntoView {
    view! {
        <section class="card">
            <Title text="Create your account" />
            <h1>"Create your account"</h1>
            <ServerForm action=FormAction::SignUp submit="Sign up">
                <CredentialFields password_autocomplete="new-password" />
            </ServerForm>
            <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    view! {
        <section class="card">
            <Title text="Sign in" />
            <h1>"Sign in"</h1>
            <ServerForm action=FormAction::SignIn submit="Sign in">
                <CredentialFields password_autocomplete="current-password" />
            </ServerForm>
            <p>"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}

#[component]
fn CredentialFields(password_autocomplete: &'static str) -> impl IntoView {
    view! {
        <label for="email">"Email"</label>
        // Plain text, not type="email": our own message explains a malformed address.
        <input id="email" name="email" type="text" inputmode="email" autocomplete="email" />
        <label for="password">"Password"</label>
        <input id="password" name="password" type="password" autocomplete=password_autocomplete />
    }
}
