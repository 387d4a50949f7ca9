//! `/signup` and `/signin`: plain forms that work before the WASM loads (they post to the server
//! function and follow its redirect) and, once hydrated, submit without a page load.

use leptos::prelude::*;

use crate::api::auth::{SignIn, SignUp};
use crate::error::AppError;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let pending = action.pending();

    view! {
        <section class="card">
            <h1>"Create your account"</h1>
            <ActionForm action>
                <CredentialFields password_autocomplete="new-password" />
                <FormError result=action.value() />
                <button type="submit" disabled=pending>
                    "Sign up"
                </button>
            </ActionForm>
            <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let pending = action.pending();

    view! {
        <section class="card">
            <h1>"Sign in"</h1>
            <ActionForm action>
                <CredentialFields password_autocomplete="current-password" />
                <FormError result=action.value() />
                <button type="submit" disabled=pending>
                    "Sign in"
                </button>
            </ActionForm>
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

/// The form's error line, shown after a failed submission.
#[component]
pub(crate) fn FormError(
    #[prop(into)] result: Signal<Option<Result<(), AppError>>>,
) -> impl IntoView {
    move || {
        result.get().and_then(Result::err).map(|error| {
            view! {
                <p class="error" role="alert">
                    {error.to_string()}
                </p>
            }
        })
    }
}
