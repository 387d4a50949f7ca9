use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::auth::{SignOut, signed_in_user};

/// The top bar: the product name, and either the signed-in user's pages, address and "Sign out"
/// or the links to sign in and sign up. It re-reads the user on every navigation.
#[component]
pub fn Header() -> impl IntoView {
    let location = use_location();
    let sign_out = ServerAction::<SignOut>::new();
    let user = Resource::new(
        move || (location.pathname.get(), sign_out.version().get()),
        |_| signed_in_user(),
    );

    view! {
        <header class="topbar">
            <a class="brand" href="/connections">
                "mailconnect"
            </a>
            <Transition fallback=|| ()>
                {move || {
                    user.get()
                        .map(|user| match user {
                            Ok(Some(user)) => {
                                view! {
                                    <nav class="pages" aria-label="Main">
                                        <NavLink href="/transactions" label="Transactions" />
                                        <NavLink href="/connections" label="Connections" />
                                        <NavLink href="/account" label="Account" />
                                    </nav>
                                    <span class="who">{user.email}</span>
                                    <ActionForm action=sign_out attr:class="inline">
                                        <button type="submit">"Sign out"</button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <a href="/signin">"Sign in"</a>
                                    <a href="/signup">"Sign up"</a>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </header>
    }
}

/// A link to one of the signed-in user's pages, marked as the current page when it is.
#[component]
fn NavLink(href: &'static str, label: &'static str) -> impl IntoView {
    let location = use_location();
    let current = move || (location.pathname.get() == href).then_some("page");
    view! {
        <a href=href aria-current=current>
            {label}
        </a>
    }
}
