//! Security headers on every answer.
//!
//! - App pages (HTML outside `/auth/`) get a Content Security Policy with a fresh nonce per
//!   request. The nonce goes into the request's extensions, where the page shell picks it up
//!   for the hydration script and Leptos' inline scripts; nothing else inline can run. They also
//!   get `Cross-Origin-Opener-Policy: same-origin-allow-popups`, which keeps the page apart from
//!   cross-origin windows while still letting the Connect Gmail popup report back. The popup's
//!   result page under `/auth/` sets its own, stricter policy.
//! - HTML of a request carrying a session cookie, and every `/api/` answer, is `no-store`; other
//!   HTML is `no-cache` (revalidated on each visit).
//! - `Strict-Transport-Security` when the app is served over https; `nosniff`, `DENY` framing and
//!   a same-origin referrer everywhere.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, HeaderName, HeaderValue, header};
use leptos::nonce::Nonce;

use crate::identity::Sessions;

/// What the header layer needs.
#[derive(Clone)]
pub struct PageHeaders {
    /// The app is served over https: add HSTS.
    pub https: bool,
    /// `cargo leptos watch` is running: let the page reach its reload socket.
    pub live_reload: bool,
    pub sessions: Sessions,
}

const HSTS: &str = "max-age=31536000";
const OPENER_POLICY: &str = "same-origin-allow-popups";

impl PageHeaders {
    /// The page's policy: its own scripts, the one nonce, and WebAssembly compilation.
    pub fn content_security_policy(&self, nonce: &str) -> String {
        let connect = if self.live_reload {
            "'self' ws: wss:"
        } else {
            "'self'"
        };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; connect-src {connect}; \
             frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'"
        )
    }
}

pub async fn security_headers(
    State(pages): State<Arc<PageHeaders>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let path = request.uri().path().to_owned();
    let carries_session = pages.sessions.carries_cookie(request.headers());

    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"text/html"));
    let headers = response.headers_mut();
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    set_default(headers, header::REFERRER_POLICY, "same-origin");
    if pages.https {
        set_default(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if path.starts_with("/api/") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if is_html && !path.starts_with("/auth/") {
        let policy = pages.content_security_policy(&nonce);
        if let Ok(value) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        headers.insert(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static(OPENER_POLICY),
        );
        let caching = if carries_session {
            "no-store"
        } else {
            "no-cache"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(caching));
    }
    response
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers
        .entry(name)
        .or_insert_with(|| HeaderValue::from_static(value));
}
