use leptos::prelude::*;
use leptos_router::hooks::use_location;
use server_fn::ServerFn;

use crate::api::auth::{SignOut, signed_in_user};
use crate::api::language::SetLanguage;
use crate::i18n::{Lang, Text};

/// The top bar: the product name, and either the signed-in user's pages, address and "Sign out"
/// or the links to sign in and sign up; and the switch to the other language. Rendered on the server for each page load (it is not an
/// island); "Sign out" is a plain form post that the server answers with a redirect.
#[component]
pub fn Header() -> impl IntoView {
    let user = Resource::new(|| (), |_| signed_in_user());
    let lang = Lang::current();

    view! {
        <header class="topbar">
            // The first stop of the Tab key: past the bar, to the page's own content.
            <a class="skip-link" href="#content">
                {lang.t(Text::SkipToContent)}
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
                                    <EventStream />
                                    {probe}
                                    <nav class="pages" aria-label=lang.t(Text::MainNavigation)>
                                        <NavLink href="/transactions" label=lang.t(Text::NavTransactions) />
                                        <NavLink href="/connections" label=lang.t(Text::NavConnections) />
                                        <NavLink href="/account" label=lang.t(Text::NavAccount) />
                                    </nav>
                                    <span class="who">{user.email}</span>
                                    <form class="inline" method="post" action=SignOut::url()>
                                        <button type="submit">{lang.t(Text::SignOut)}</button>
                                    </form>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <a href="/signin">{lang.t(Text::SignIn)}</a>
                                    <a href="/signup">{lang.t(Text::SignUp)}</a>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
            <LanguageSwitch lang />
        </header>
    }
}

/// One button that reads the page again in the other language, and keeps that choice (for the
/// user too, when signed in). A plain form: it works without the WASM.
#[component]
fn LanguageSwitch(lang: Lang) -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    let search = search.trim_start_matches('?');
    let back = if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    };
    let other = match lang {
        Lang::Es => Lang::En,
        Lang::En => Lang::Es,
    };
    view! {
        <form class="inline language" method="post" action=SetLanguage::url()>
            <input type="hidden" name="back" value=back />
            <button
                type="submit"
                class="link"
                name="lang"
                value=other.code()
                lang=other.code()
                aria-label=format!("{}: {}", other.t(Text::LanguageSwitch), other.own_name())
            >
                {other.own_name()}
            </button>
        </form>
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
/// the page again when that changes the times it shows. A few lines of script rather than an
/// island: the WASM client stays within its budget.
const TIME_ZONE_PROBE: &str = r#"(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) return;
  fetch("/api/browser_time_zone", {
    method: "POST",
    headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
    body: "time_zone=" + encodeURIComponent(zone)
  }).then(function (r) { return r.ok ? r.json() : false; })
    .then(function (changed) { if (changed === true) location.reload(); })
    .catch(function () {});
})();"#;

#[component]
fn TimeZoneProbe() -> impl IntoView {
    view! { <script nonce=leptos::nonce::use_nonce() inner_html=TIME_ZONE_PROBE></script> }
}

/// The signed-in user's page events (`/events`), passed on to the page as `mailconnect:sync`
/// and `mailconnect:new` window events: the connections list reads itself again on the first,
/// the Transactions page offers the new rows on the second. Opening (and opening again after a
/// drop, when events may have been missed) counts as a `sync`. A stream whose session ended
/// says `end` and is closed. `<html data-events>` says whether the stream is open. One stream a
/// page, in a few lines of script rather than WASM.
const EVENT_STREAM: &str = r#"(function () {
  if (!window.EventSource) return;
  var source = new EventSource("/events");
  var root = document.documentElement;
  function tell(name, data) {
    dispatchEvent(new CustomEvent("mailconnect:" + name, { detail: data ? JSON.parse(data) : {} }));
  }
  source.onopen = function () { root.dataset.events = "open"; tell("sync"); };
  source.onerror = function () { if (source.readyState === 2) root.dataset.events = "closed"; };
  source.addEventListener("sync", function (e) { tell("sync", e.data); });
  source.addEventListener("new", function (e) { tell("new", e.data); });
  source.addEventListener("end", function () { source.close(); root.dataset.events = "closed"; });
})();"#;

#[component]
fn EventStream() -> impl IntoView {
    view! { <script nonce=leptos::nonce::use_nonce() inner_html=EVENT_STREAM></script> }
}
