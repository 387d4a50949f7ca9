//! The mailconnect user interface: pages, components and server functions shared by the server
//! (feature `ssr`) and the WASM client (feature `hydrate`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod error;
pub mod i18n;
pub mod model;
mod pages;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::i18n::{Lang, Text};
use crate::pages::account::AccountPage;
use crate::pages::connections::ConnectionsPage;
use crate::pages::disconnect::DisconnectPage;
use crate::pages::header::Header;
use crate::pages::sign_in::{SignInPage, SignUpPage};
use crate::pages::transactions::TransactionsPage;
use crate::pages::transactions::filing::FilingPage;

/// The HTML document the server renders around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The server's header layer picked this response's CSP nonce; the hydration script and
    // Leptos' inline scripts carry the same one.
    #[cfg(feature = "ssr")]
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<leptos::nonce::Nonce>().cloned())
    {
        provide_context(nonce);
    }
    let lang = Lang::current();
    view! {
        <!DOCTYPE html>
        <html lang=lang.html_lang()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                // The stylesheet under its content-hashed name in a release build.
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The whole site, rendered on the server. Only its islands (`#[island]`: the forms and the
/// connections list) are compiled into the WASM client and hydrated in the browser; everything
/// else is plain HTML, and links are ordinary page loads.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = Lang::current();

    view! {
        // Each page names itself first ("Sign in · mailconnect"): a screen reader says the
        // title on every page load, so it says where the user landed.
        <Title formatter=|text: String| format!("{text} · mailconnect") text=lang.t(Text::Home) />
        <Router>
            <Header />
            <main id="content" tabindex="-1">
                <Routes fallback=NotFound>
                    // Async: the server sends each page complete (no streamed placeholders),
                    // so it reads right before, or without, the WASM.
                    <Route path=path!("") view=|| view! { <Redirect path="/connections" /> } ssr=SsrMode::Async />
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/connections") view=ConnectionsPage ssr=SsrMode::Async />
                    <Route path=path!("/connections/disconnect") view=DisconnectPage ssr=SsrMode::Async />
                    <Route path=path!("/transactions") view=TransactionsPage ssr=SsrMode::Async />
                    <Route path=path!("/transactions/category") view=FilingPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <HydrationMark />
        </Router>
    }
}

/// Marks `<body>` with `data-hydrated` once the WASM has hydrated the page: tests (and anyone
/// curious) can tell that clicks are now handled by the app. Islands hydrate in document order
/// and this one comes last, so by then every island on the page is live.
#[island]
fn HydrationMark() -> impl IntoView {
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// Any address the site does not have: said plainly, with status 404.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let lang = Lang::current();
    view! {
        <Title text=lang.t(Text::PageNotFound) />
        <h1>{lang.t(Text::PageNotFound)}</h1>
        <p>{lang.t(Text::NothingAtThisAddress)} <a href="/">{lang.t(Text::GoHome)}</a></p>
    }
}
