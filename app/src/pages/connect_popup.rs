//! The "Connect Gmail" / "Connect Outlook" popup, from the page's side.
//!
//! The click opens `/auth/gmail/start?flow=<id>` (or `/auth/outlook/…`) synchronously (nothing
//! awaited first, so popup blockers stay quiet). The page then waits for the result page's message: from its own origin,
//! from its own popup or carrying its flow id, with a known type. It never trusts the message for
//! state: it re-reads the account list from the server. A popup closed without a result is
//! "cancelled". Each attempt ends exactly once, and its listener, channel and timer go with it.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{BroadcastChannel, MessageEvent, Window};

use super::toasts::{ToastKind, use_toasts};
use crate::i18n::{IslandTexts, Text};
use crate::model::{MailService, POPUP_CHANNEL, PopupOutcome};

/// One popup in flight, with everything that must be cleaned up when it ends.
struct Attempt {
    window: Window,
    on_message: Closure<dyn FnMut(MessageEvent)>,
    channel: Option<BroadcastChannel>,
    _on_channel: Closure<dyn FnMut(MessageEvent)>,
    _poll: gloo_timers::callback::Interval,
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let _ = self.window.remove_event_listener_with_callback(
            "message",
            self.on_message.as_ref().unchecked_ref(),
        );
        if let Some(channel) = &self.channel {
            channel.set_onmessage(None);
            channel.close();
        }
    }
}

/// How an attempt ended.
enum Ending {
    Popup { success: bool, message: String },
    Closed,
}

/// The popup flow for the page: `start(service, None)` connects a new account,
/// `start(service, Some(id))` reconnects one. `connecting` is true while a popup is open; `finished` counts endings (the
/// account list re-reads on it).
#[derive(Clone, Copy)]
pub struct ConnectPopup {
    pub connecting: ReadSignal<bool>,
    pub finished: ReadSignal<u32>,
    set_connecting: WriteSignal<bool>,
    set_finished: WriteSignal<u32>,
    /// Only ever set in the browser; the wrapper keeps the page's state `Send` for rendering on
    /// the server, where it stays `None`.
    attempt: StoredValue<Option<SendWrapper<Attempt>>>,
    texts: StoredValue<IslandTexts>,
}

impl ConnectPopup {
    pub fn new(texts: StoredValue<IslandTexts>) -> Self {
        let (connecting, set_connecting) = signal(false);
        let (finished, set_finished) = signal(0u32);
        let attempt = StoredValue::new(None);
        on_cleanup(move || attempt.update_value(|a| drop(a.take())));
        Self {
            connecting,
            finished,
            set_connecting,
            set_finished,
            attempt,
            texts,
        }
    }

    /// `text` with the service's name in its place.
    fn text(self, text: Text, service: MailService) -> String {
        self.texts
            .with_value(|texts| texts.with(text, service.name()))
    }

    /// Opens the popup. Must run synchronously inside the click handler.
    pub fn start(self, service: MailService, account: Option<i32>) {
        if self.connecting.get_untracked() {
            return;
        }
        let toasts = use_toasts();
        let Some(window) = web_sys::window() else {
            return;
        };
        let flow = window
            .crypto()
            .map(|c| c.random_uuid())
            .unwrap_or_else(|_| format!("{}", js_sys::Math::random()));
        let mut url = format!("/auth/{}/start?flow={flow}", service.route());
        if let Some(id) = account {
            url.push_str(&format!("&account={id}"));
        }
        let popup = match window.open_with_url_and_target_and_features(
            &url,
            &format!("mailconnect_{}", service.route()),
            "popup,width=500,height=600",
        ) {
            Ok(Some(popup)) => popup,
            _ => {
                let blocked = self
                    .texts
                    .with_value(|texts| texts.get(Text::PopupBlocked).to_owned());
                toasts.show(ToastKind::Error, blocked);
                return;
            }
        };
        self.set_connecting.set(true);
        let origin = window.location().origin().unwrap_or_default();

        // Ends the attempt once; deferred so no closure is dropped while it runs.
        let end = move |ending: Ending| {
            leptos::task::spawn_local(async move {
                let Some(attempt) = self.attempt.try_update_value(|a| a.take()).flatten() else {
                    return;
                };
                drop(attempt);
                self.set_connecting.set(false);
                match ending {
                    Ending::Popup {
                        success: true,
                        message,
                    } => toasts.show(ToastKind::Success, message),
                    Ending::Popup {
                        success: false,
                        message,
                    } => toasts.show(ToastKind::Error, message),
                    Ending::Closed => toasts.show(
                        ToastKind::Info,
                        self.text(Text::ServiceConnectionCancelled, service),
                    ),
                }
                self.set_finished.update(|n| *n += 1);
            });
        };

        let own_popup = popup.clone();
        let own_flow = flow.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if event.origin() != origin {
                return;
            }
            let from_popup = event
                .source()
                .is_some_and(|source| js_sys::Object::is(&source, own_popup.as_ref()));
            let Some((success, message, flow)) = read_outcome(&event.data(), self) else {
                return;
            };
            if from_popup || flow.as_deref() == Some(own_flow.as_str()) {
                end(Ending::Popup { success, message });
            }
        });
        let _ =
            window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());

        // The popup may lose `window.opener` on its way through Google: the channel still works.
        let own_flow = flow.clone();
        let on_channel = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some((success, message, Some(flow))) = read_outcome(&event.data(), self)
                && flow == own_flow
            {
                end(Ending::Popup { success, message });
            }
        });
        let channel = BroadcastChannel::new(POPUP_CHANNEL).ok();
        if let Some(channel) = &channel {
            channel.set_onmessage(Some(on_channel.as_ref().unchecked_ref()));
        }

        let watched = popup.clone();
        let poll = gloo_timers::callback::Interval::new(400, move || {
            if watched.closed().unwrap_or(true) {
                end(Ending::Closed);
            }
        });

        self.attempt.set_value(Some(SendWrapper::new(Attempt {
            window,
            on_message,
            channel,
            _on_channel: on_channel,
            _poll: poll,
        })));
    }
}

/// `(success, message, flow)` from a result-page message, if it is one.
fn read_outcome(
    data: &wasm_bindgen::JsValue,
    popup: ConnectPopup,
) -> Option<(bool, String, Option<String>)> {
    let field = |name: &str| {
        js_sys::Reflect::get(data, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let (service, outcome) = PopupOutcome::from_type_name(&field("type")?)?;
    let success = outcome == PopupOutcome::Success;
    let message = field("message")
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            let text = if success {
                Text::ServiceConnected
            } else {
                Text::ServiceConnectFailed
            };
            popup.text(text, service)
        });
    Some((success, message, field("flow")))
}
