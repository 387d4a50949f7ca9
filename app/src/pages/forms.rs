//! The forms that post to a server function: sign up, sign in, change password, delete account
//! (an island each, [`ServerForm`]); and [`PageForm`], for forms whose every answer is a new
//! page (changing a transaction's category, undoing that), which need no WASM at all.
//!
//! Each is a plain HTML form first: before (or without) the WASM it posts to its server function
//! and the server answers with a redirect. Once hydrated, [`ServerForm`] submits without a page
//! load, disables its button while it waits, shows the server's error under the fields, and
//! follows the server's redirect. One island serves every form: its fields are children
//! rendered on the server, and [`FormAction`] names the server function, so the client carries
//! one form handler rather than one per server function.

use leptos::prelude::*;
use leptos::server::ServerActionError;
use serde::{Deserialize, Serialize};
use server_fn::ServerFn;
use server_fn::error::ServerFnUrlError;
use wasm_bindgen::JsCast;
use web_sys::{FormData, HtmlFormElement, SubmitEvent};

use crate::api::account::{ChangePassword, DeleteAccount, change_password, delete_account};
use crate::api::auth::{SignIn, SignUp, sign_in, sign_up};
use crate::error::AppError;

/// The server function a [`ServerForm`] posts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormAction {
    SignUp,
    SignIn,
    ChangePassword,
    DeleteAccount,
}

impl FormAction {
    /// Where the form posts when the WASM is not (yet) running.
    fn url(self) -> &'static str {
        match self {
            FormAction::SignUp => SignUp::url(),
            FormAction::SignIn => SignIn::url(),
            FormAction::ChangePassword => ChangePassword::url(),
            FormAction::DeleteAccount => DeleteAccount::url(),
        }
    }

    /// Calls the server function with the form's fields (by their `name`).
    async fn send(self, fields: FormData) -> Result<(), AppError> {
        let field = |name: &str| fields.get(name).as_string().unwrap_or_default();
        match self {
            FormAction::SignUp => sign_up(field("email"), field("password")).await,
            FormAction::SignIn => sign_in(field("email"), field("password")).await,
            FormAction::ChangePassword => {
                change_password(field("current_password"), field("new_password")).await
            }
            FormAction::DeleteAccount => delete_account(field("password")).await,
        }
    }
}

/// A form posting to `action`, with `children` as its fields and `submit` on its button (styled
/// by `button_class`). `done` is shown once the server function succeeded (forms whose success
/// redirects need none).
#[component]
pub fn ServerForm(
    action: FormAction,
    #[prop(into)] submit: String,
    #[prop(optional, into)] button_class: Option<String>,
    #[prop(optional, into)] done: Option<String>,
    children: Children,
) -> impl IntoView {
    // Without JavaScript a failed post comes back to this page with the error in the URL
    // (`__path`, `__err`); the router hands it over as a `ServerActionError`.
    let error = use_context::<ServerActionError>()
        .filter(|error| error.path() == action.url())
        .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()));
    view! {
        <FormIsland action submit button_class done error>
            {children()}
        </FormIsland>
    }
}

/// A plain form posting to the server function at `url`, with `children` as its fields: the
/// server answers with the next page (a redirect), or, on failure, this page again with the
/// error, which is shown under the fields. No island: the browser does it all.
#[component]
pub fn PageForm(
    url: &'static str,
    #[prop(into)] submit: String,
    #[prop(optional, into)] button_class: Option<String>,
    children: Children,
) -> impl IntoView {
    let error = use_context::<ServerActionError>()
        .filter(|error| error.path() == url)
        .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()));
    view! {
        <form method="post" action=url>
            {children()}
            {error.map(|error| view! { <p class="error" role="alert">{error.to_string()}</p> })}
            <button type="submit" class=button_class>
                {submit}
            </button>
        </form>
    }
}

/// The part of [`ServerForm`] that runs in the browser; `error` is the error the page was
/// loaded with.
#[island]
fn FormIsland(
    action: FormAction,
    submit: String,
    button_class: Option<String>,
    done: Option<String>,
    error: Option<AppError>,
    children: Children,
) -> impl IntoView {
    // A redirect from the server function (after sign-in, say) is a full page load.
    let _ = server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = window().location().set_href(location);
    });
    let pending = RwSignal::new(false);
    let result = RwSignal::new(error.map(Err));
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let Some(fields) = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlFormElement>().ok())
            .and_then(|form| FormData::new_with_form(&form).ok())
        else {
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let outcome = action.send(fields).await;
            pending.set(false);
            result.set(Some(outcome));
        });
    };

    view! {
        <form method="post" action=action.url() on:submit=on_submit>
            {children()}
            {move || {
                result
                    .get()
                    .and_then(Result::err)
                    .map(|error| {
                        view! {
                            <p class="error" role="alert">
                                {error.to_string()}
                            </p>
                        }
                    })
            }}
            {move || {
                let succeeded = matches!(result.get(), Some(Ok(())));
                succeeded
                    .then(|| done.clone())
                    .flatten()
                    .map(|text| {
                        view! {
                            <p class="notice" role="status">
                                {text}
                            </p>
                        }
                    })
            }}
            <button type="submit" class=button_class disabled=move || pending.get()>
                {submit}
            </button>
        </form>
    }
}
