//! `/connections`: "Email Connections" — connect, list, reconnect, sync and disconnect
//! mailboxes. The server only renders it for a signed-in user (everyone else is sent to
//! `/signin`), with the list read on the server. In the browser the list is an island: it re-reads
//! after each change, and when the page's event stream says a mailbox's sync was queued or
//! ended.
//!
//! "Disconnect" is a link to a page of its own ([`super::disconnect`]) that asks first and says
//! what happens; the answer comes back here as a notice. After a popup ends, focus moves to the
//! list's heading and the toast says what happened. "Sync now" waits with `aria-disabled`, not
//! `disabled`, so it keeps the focus it had.

use leptos::either::EitherOf3;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::connect_popup::ConnectPopup;
use super::disconnect::Disconnected;
use super::toasts::{ToastKind, ToastList, Toasts};
use crate::api::accounts::{list_accounts, mail_services, sync_now};
use crate::error::AppError;
use crate::i18n::{IslandTexts, Lang, Text};
use crate::model::{AccountStatus, AccountView, MailService};

type AccountList = Result<Vec<AccountView>, AppError>;

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let accounts = Resource::new(|| (), |_| list_accounts());
    let services = Resource::new(|| (), |_| mail_services());
    let lang = Lang::current();
    view! {
        <section class="card wide">
            <Title text=lang.t(Text::EmailConnections) />
            <h1>{lang.t(Text::EmailConnections)}</h1>
            <Disconnected />
            <p>{lang.t(Text::ConnectIntro)}</p>
            <Suspense fallback=move || view! { <p>{lang.t(Text::LoadingAccounts)}</p> }>
                {move || {
                    let services = services.get()?.unwrap_or_else(|_| vec![MailService::Gmail]);
                    let texts = IslandTexts::new(lang);
                    accounts.get().map(|initial| view! { <Connections initial services texts /> })
                }}
            </Suspense>
        </section>
    }
}

/// The page's state in the browser, shared by the list and its rows.
#[derive(Clone, Copy)]
struct Page {
    accounts: RwSignal<AccountList>,
    /// Accounts whose "Sync now" is on its way: they say "Syncing…" until the list read after
    /// the request arrives with the server's state.
    sync_requested: RwSignal<Vec<i32>>,
    /// The list's heading, where focus goes when the list changed under it.
    heading: NodeRef<html::H2>,
    /// Numbers the list reads, so an older answer never replaces a newer one.
    reads: StoredValue<u64>,
    popup: ConnectPopup,
    toasts: Toasts,
    /// The island's texts, in the page's language.
    texts: StoredValue<IslandTexts>,
}

impl Page {
    fn new(initial: AccountList, texts: IslandTexts) -> Self {
        let texts = StoredValue::new(texts);
        Self {
            accounts: RwSignal::new(initial),
            sync_requested: RwSignal::new(Vec::new()),
            heading: NodeRef::new(),
            reads: StoredValue::new(0),
            popup: ConnectPopup::new(texts),
            toasts: Toasts::provide(),
            texts,
        }
    }

    /// `text` in the page's language.
    fn text(self, text: Text) -> String {
        self.texts.with_value(|texts| texts.get(text).to_owned())
    }

    /// `text` with `value` in its place.
    fn text_with(self, text: Text, value: &str) -> String {
        self.texts.with_value(|texts| texts.with(text, value))
    }

    /// Reads the list from the server again.
    async fn reload(self) {
        let read = self.reads.get_value() + 1;
        self.reads.set_value(read);
        let list = list_accounts().await;
        if self.reads.get_value() == read {
            self.accounts.set(list);
        }
    }

    /// Moves focus to the list's heading, after the list changed where focus was.
    fn focus_list(self) {
        if let Some(heading) = self.heading.get_untracked() {
            let _ = heading.focus();
        }
    }

    fn sync(self, account_id: i32) {
        self.sync_requested.update(|ids| ids.push(account_id));
        spawn_local(async move {
            if let Err(error) = sync_now(account_id).await {
                let failed = self.text(Text::SyncFailedToStart);
                self.toasts
                    .show(ToastKind::Error, format!("{failed}{error}"));
            }
            self.reload().await;
            self.sync_requested
                .update(|ids| ids.retain(|id| *id != account_id));
        });
    }
}

/// Everything on the page that reacts: the connect button, the list and the toasts. The server
/// renders it with the list it read; the browser hydrates it with the same list.
#[island]
fn Connections(
    initial: AccountList,
    services: Vec<MailService>,
    texts: IslandTexts,
) -> impl IntoView {
    let page = Page::new(initial, texts);
    let popup = page.popup;
    // A popup that ended may have added or restored an account; the focus, which was on the
    // button that opened it, goes to the list.
    Effect::watch(
        move || popup.finished.get(),
        move |_, _, _| {
            spawn_local(async move {
                page.reload().await;
                page.focus_list();
            })
        },
        false,
    );
    // The page's event stream (see `header.rs`) says when a sync was queued or ended: the list
    // reads itself again. Effects run only in the browser; a sync that ended while the page
    // was loading is caught by one read at the start.
    Effect::new(move |_| {
        let handle = window_event_listener_untyped("mailconnect:sync", move |_| {
            spawn_local(page.reload());
        });
        on_cleanup(move || handle.remove());
        let any_syncing = page.accounts.with_untracked(|list| {
            list.as_ref()
                .is_ok_and(|list| list.iter().any(|account| account.sync.syncing))
        });
        if any_syncing {
            spawn_local(page.reload());
        }
    });

    view! {
        <div class="connect-buttons">
            {services
                .into_iter()
                .map(|service| {
                    view! {
                        <button
                            type="button"
                            // `connect` is Gmail's alone: pages and tests have always found the
                            // Gmail button by it.
                            class=match service {
                                MailService::Gmail => "connect",
                                MailService::Outlook => "connect-outlook",
                            }
                            disabled=move || popup.connecting.get()
                            // How many popups have ended: tests wait on it instead of on the
                            // clock.
                            data-popup-endings=move || popup.finished.get().to_string()
                            on:click=move |_| popup.start(service, None)
                        >
                            {move || {
                                if popup.connecting.get() {
                                    page.text(Text::Connecting)
                                } else {
                                    page.text_with(Text::ConnectService, service.name())
                                }
                            }}
                        </button>
                    }
                })
                .collect_view()}
        </div>
        <section aria-labelledby="accounts-heading">
            <h2 id="accounts-heading" tabindex="-1" node_ref=page.heading>
                {page.text(Text::ConnectedAccounts)}
            </h2>
            // Either, not `into_any`: type erasure would bring every rendering method into the
            // WASM, used or not.
            {move || match page.accounts.get() {
                Ok(list) if list.is_empty() => {
                    EitherOf3::A(view! { <p class="empty">{page.text(Text::NoAccounts)}</p> })
                }
                Ok(list) => {
                    EitherOf3::B(view! {
                        <ul class="accounts">
                            {list
                                .into_iter()
                                .map(|account| view! { <AccountRow account page /> })
                                .collect_view()}
                        </ul>
                    })
                }
                Err(error) => {
                    EitherOf3::C(view! {
                        <p class="error" role="alert">
                            {error.to_string()}
                        </p>
                    })
                }
            }}
        </section>
        <ToastList />
    }
}

#[component]
fn AccountRow(account: AccountView, page: Page) -> impl IntoView {
    let id = account.id;
    let server_syncing = account.sync.syncing;
    let syncing = move || server_syncing || page.sync_requested.with(|ids| ids.contains(&id));
    let summary = account.sync.summary;
    let needs_reconnect = account.status == AccountStatus::NeedsReconnect;
    // A problem that needs the owner is solved by reconnecting (and allowing what was taken).
    let offer_reconnect = needs_reconnect || account.sync.needs_you;
    let problem_class = if account.sync.needs_you {
        "sync-problem needs-you"
    } else {
        "sync-problem"
    };
    let status_class = if needs_reconnect {
        "status needs-reconnect"
    } else {
        "status active"
    };
    let popup = page.popup;
    let service = account.service;
    let status = page.text(if needs_reconnect {
        Text::ReconnectNeeded
    } else {
        Text::StatusActive
    });
    let syncing_text = page.text(Text::Syncing);
    let (sync_now, reconnect, disconnect) = (
        page.text(Text::SyncNow),
        page.text(Text::Reconnect),
        page.text(Text::Disconnect),
    );
    view! {
        <li class="account" data-account-id=id data-syncing=move || syncing().to_string()>
            <div>
                <strong>{account.email.clone()}</strong>
                <p class="service">{service.name()}</p>
                <p>{page.text(Text::ConnectedOn)} {account.connected_on}</p>
                <p>{page.text(Text::TokenExpires)} {account.token_expires}</p>
                <p class=status_class>{status}</p>
                <p class="sync-state" aria-live="polite">
                    {move || if syncing() { syncing_text.clone() } else { summary.clone() }}
                </p>
                {account
                    .sync
                    .problem
                    .map(|problem| view! { <p class=problem_class>{problem}</p> })}
            </div>
            <div class="actions">
                <button
                    type="button"
                    class="sync-now"
                    aria-label=format!("{sync_now} {}", account.email)
                    aria-disabled=move || syncing().then_some("true")
                    on:click=move |_| {
                        if !syncing() {
                            page.sync(id)
                        }
                    }
                >
                    {sync_now.clone()}
                </button>
                {offer_reconnect
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="secondary"
                                aria-label=format!("{reconnect} {}", account.email)
                                disabled=move || popup.connecting.get()
                                on:click=move |_| popup.start(service, Some(id))
                            >
                                {reconnect.clone()}
                            </button>
                        }
                    })}
                <a
                    class="button danger"
                    href=format!("/connections/disconnect?account={id}")
                    aria-label=format!("{disconnect} {}", account.email)
                >
                    {disconnect.clone()}
                </a>
            </div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SyncView;

    fn render_row(sync: SyncView) -> String {
        Owner::new().with(|| {
            let account = AccountView {
                id: 7,
                email: "me@example.com".into(),
                service: MailService::Gmail,
                connected_on: "25 Nov 2026".into(),
                token_expires: "in 50 minutes".into(),
                status: AccountStatus::Active,
                sync,
            };
            let page = Page::new(Ok(Vec::new()), IslandTexts::new(Lang::En));
            view! { <AccountRow account page /> }.to_html()
        })
    }

    #[test]
    fn a_row_shows_its_last_sync_and_problem() {
        let html = render_row(SyncView {
            syncing: false,
            summary: "Last synced 2 minutes ago · 3 new transactions".into(),
            problem: Some("Gmail is rate limiting us; retrying at 14:05".into()),
            needs_you: false,
        });
        assert!(
            html.contains(
                r#"class="sync-state">Last synced 2 minutes ago · 3 new transactions</p>"#
            )
        );
        assert!(html.contains(
            r#"<p class="sync-problem">Gmail is rate limiting us; retrying at 14:05</p>"#
        ));
        assert!(html.contains(r#"data-syncing="false""#));
        assert!(html.contains(
            r#"<button type="button" aria-label="Sync now me@example.com" class="sync-now">"#
        ));
        assert!(!html.contains("Reconnect me@example.com"));
    }

    #[test]
    fn a_problem_that_needs_the_owner_says_so_and_offers_a_reconnect() {
        let html = render_row(SyncView {
            syncing: false,
            summary: "Last synced 2 hours ago · 0 new transactions".into(),
            problem: Some("Gmail no longer lets mailconnect read this mailbox".into()),
            needs_you: true,
        });
        assert!(html.contains(r#"<p class="sync-problem needs-you">Gmail no longer lets"#));
        assert!(html.contains(r#"aria-label="Reconnect me@example.com""#));
    }

    #[test]
    fn a_syncing_row_says_so_and_cannot_sync_again() {
        let html = render_row(SyncView {
            syncing: true,
            summary: "Not synced yet".into(),
            problem: None,
            needs_you: false,
        });
        assert!(html.contains(r#"class="sync-state">Syncing…</p>"#));
        assert!(!html.contains("Not synced yet"));
        assert!(!html.contains("sync-problem"));
        assert!(html.contains(r#"data-syncing="true""#));
        assert!(html.contains(
            r#"aria-label="Sync now me@example.com" aria-disabled="true" class="sync-now""#
        ));
    }

    fn render_buttons(services: Vec<MailService>) -> String {
        Owner::new().with(|| {
            let texts = IslandTexts::new(Lang::En);
            view! { <Connections initial=Ok(Vec::new()) services texts /> }.to_html()
        })
    }

    #[test]
    fn one_connect_button_per_offered_service() {
        let gmail_only = render_buttons(vec![MailService::Gmail]);
        assert!(gmail_only.contains("Connect Gmail"));
        assert!(!gmail_only.contains("Connect Outlook"));
        let both = render_buttons(MailService::ALL.to_vec());
        assert!(both.contains("Connect Gmail"));
        assert!(both.contains("Connect Outlook"));
        assert!(both.contains(r#"class="connect-outlook""#));
    }
}
