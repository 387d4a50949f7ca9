//! Short notices in the corner of the page; each disappears after a few seconds.
//!
//! The list is drawn by position, not keyed (`<For>` alone would cost the client 6 KB): a
//! notice that goes away is hidden in its place, and the list is emptied once every notice is
//! hidden, so a screen reader never hears a notice twice because another moved into its place.

use std::time::Duration;

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
    shown: bool,
}

/// The page's toasts, shared through context.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

impl Toasts {
    pub fn provide() -> Self {
        let toasts = Self {
            list: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
        };
        provide_context(toasts);
        toasts
    }

    pub fn show(&self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.list.update(|list| {
            list.push(Toast {
                id,
                kind,
                text: text.into(),
                shown: true,
            })
        });
        let list = self.list;
        set_timeout(
            move || {
                list.update(|list| {
                    if let Some(toast) = list.iter_mut().find(|toast| toast.id == id) {
                        toast.shown = false;
                    }
                    if list.iter().all(|toast| !toast.shown) {
                        list.clear();
                    }
                })
            },
            Duration::from_secs(6),
        );
    }
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastList() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            {move || {
                toasts
                    .list
                    .get()
                    .into_iter()
                    .map(|toast| {
                        let class = match toast.kind {
                            ToastKind::Success => "toast success",
                            ToastKind::Error => "toast error",
                            ToastKind::Info => "toast",
                        };
                        view! {
                            <div class=class hidden=!toast.shown>
                                {toast.text}
                            </div>
                        }
                    })
                    .collect_view()
            }}
        </div>
    }
}
