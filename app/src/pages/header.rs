use leptos::prelude::*;
use leptos_router::hooks::use_location;
use server_fn::ServerFn;

use crate::api::account::browser_time_zone;
use crate::api::auth::{SignOut, signed_in_user};

/// The top bar: the product name, and either the signed-in user's pages, address and "Sign out"
/// or the links to sign in and sign up. Rendered on the server for each page load (it is not an
/// island); "Sign out" is a plain form post that the server answers with a redirect.
#[component]
pub fn Header() -> impl IntoView {
    let user = Resource::new(|| (), |_| signed_in_user());

    view! {
        <header class="topbar">
            // The first stop of the Tab key: past the bar, to the page's own content.
            <a class="skip-link" href="#content">
                "Skip to content"
            </a>
            <a class="brand" href="/connections">
                "mailconnect"
            </a>
            <Suspense fallback=|| ()>
                {move || {
                    user.get()
                        .map(|user| match user {
                            Ok(Some(user)) => {
                                let probe = user.time_zone_unset.then(|| view! { <TimeZoneProbe /> });
                                view! {
                                    {probe}
                                    <nav class="pages" aria-label="Main">
                                        <NavLink href="/transactions" label="Transactions" />
                                        <NavLink href="/connections" label="Connections" />
                                        <NavLink href="/account" label="Account" />
                                    </nav>
                                    <span class="who">{user.email}</span>
                                    <form class="inline" method="post" action=SignOut::url()>
                                        <button type="submit">"Sign out"</button>
                                    </form>
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
            </Suspense>
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

/// For a user who has chosen no time zone: tells the server the browser's own, once, and reads
/// the page again when that changes the times it shows.
#[island]
fn TimeZoneProbe() -> impl IntoView {
    Effect::new(|| {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        let Some(zone) = js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string())
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(true) = browser_time_zone(zone).await {
                let _ = window().location().reload();
            }
        });
    });
}
