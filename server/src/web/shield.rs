//! What every request passes before any handler: who the client is, whether a state-changing
//! request comes from our own pages, and whether its query is of a sane size.
//!
//! - **The client address** is the socket peer. Only when the peer is one of `TRUSTED_PROXIES`
//!   is `X-Forwarded-For` read, from the right, skipping the trusted hops. Rate limits and the
//!   audit trail both use this one address ([`ClientAddress`]).
//! - **Cross-site requests.** Every request that changes something (any method but GET, HEAD and
//!   OPTIONS, plus `GET /auth/{provider}/start`) is refused with 403 unless the browser says it comes
//!   from this origin: `Sec-Fetch-Site: same-origin` (or `none`, a user's own navigation), or,
//!   from a browser too old to send that header, an `Origin` equal to `APP_ORIGIN`. A request
//!   with neither header is refused too. This stops login CSRF (a cross-site form posting to
//!   `/api/sign_in`) and a cross-site page starting a Gmail connection. The OAuth callback is a
//!   cross-site navigation from Google by design; its `state` protects it. The push endpoints
//!   (`/push/…`) are called by Google's and Microsoft's servers, not by browsers: each checks
//!   its own proof (a Google-signed token, the subscription's `clientState`).
//! - **Query size.** More than [`MAX_QUERY_PARAMS`] parameters is refused with 400.

use app::i18n::{Lang, Text};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode};
use ipnet::IpNet;

use crate::identity::ClientAddress;

pub const MAX_QUERY_PARAMS: usize = 100;

/// What the shield needs to know.
#[derive(Clone, Debug)]
pub struct Shield {
    /// `APP_ORIGIN` as browsers serialise it.
    pub origin: String,
    pub trusted_proxies: Arc<[IpNet]>,
}

impl Shield {
    /// The client behind `peer`: the peer itself, unless it is a trusted proxy.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let trusted = |ip: &IpAddr| self.trusted_proxies.iter().any(|net| net.contains(ip));
        if !trusted(&peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if trusted(&ip) => client = ip,
                Ok(ip) => return ip,
                // A malformed entry: nothing left of it can be believed.
                Err(_) => break,
            }
        }
        client
    }

    /// Whether a request that changes something comes from our own pages.
    pub fn same_origin(&self, headers: &HeaderMap) -> bool {
        match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
            Some(b"same-origin" | b"none") => true,
            Some(_) => false,
            None => headers
                .get(http::header::ORIGIN)
                .is_some_and(|origin| origin.as_bytes() == self.origin.as_bytes()),
        }
    }
}

/// Changes something: refused unless it comes from this origin.
fn changes_state(method: &Method, path: &str) -> bool {
    if path.starts_with("/push/") {
        return false;
    }
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || (path.starts_with("/auth/") && path.ends_with("/start"))
}

fn too_many_params(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').filter(|p| !p.is_empty()).count() > MAX_QUERY_PARAMS)
}

pub async fn shield(
    State(shield): State<Arc<Shield>>,
    mut request: Request,
    next: Next,
) -> Response {
    let refuse = |status: StatusCode, text: Text| {
        let lang = Lang::of_request(request.headers());
        (status, lang.t(text)).into_response()
    };
    if too_many_params(request.uri().query()) {
        return refuse(StatusCode::BAD_REQUEST, Text::TooManyParameters);
    }
    if changes_state(request.method(), request.uri().path())
        && !shield.same_origin(request.headers())
    {
        tracing::warn!("cross-site request refused");
        return refuse(StatusCode::FORBIDDEN, Text::CrossSiteRefused);
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let client = shield.client_address(peer, request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn shield(proxies: &[&str]) -> Shield {
        Shield {
            origin: "https://mail.example.com".into(),
            trusted_proxies: proxies.iter().map(|p| p.parse().unwrap()).collect(),
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let shield = shield(&["10.0.0.0/8"]);
        let forwarded = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.7")]);
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            shield.client_address(proxy, &forwarded),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(shield.client_address(stranger, &forwarded), stranger);
        // A client cannot hide behind a made-up first entry: the rightmost untrusted hop wins.
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(
            shield.client_address(proxy, &spoofed),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let garbage = headers(&[("x-forwarded-for", "not-an-ip")]);
        assert_eq!(shield.client_address(proxy, &garbage), proxy);
    }

    #[test]
    fn only_same_origin_requests_change_state() {
        let shield = shield(&[]);
        assert!(shield.same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(shield.same_origin(&headers(&[("sec-fetch-site", "none")])));
        for site in ["cross-site", "same-site", "garbage"] {
            let map = {
                let mut map = HeaderMap::new();
                map.insert("sec-fetch-site", HeaderValue::from_str(site).unwrap());
                map.insert(
                    "origin",
                    HeaderValue::from_static("https://mail.example.com"),
                );
                map
            };
            assert!(!shield.same_origin(&map), "{site}");
        }
        assert!(shield.same_origin(&headers(&[("origin", "https://mail.example.com")])));
        assert!(!shield.same_origin(&headers(&[("origin", "https://evil.example")])));
        assert!(!shield.same_origin(&headers(&[("origin", "null")])));
        assert!(!shield.same_origin(&HeaderMap::new()));
    }

    #[test]
    fn which_requests_change_state() {
        assert!(changes_state(&Method::POST, "/api/sign_in"));
        assert!(changes_state(&Method::GET, "/auth/gmail/start"));
        assert!(changes_state(&Method::GET, "/auth/outlook/start"));
        assert!(!changes_state(&Method::GET, "/auth/gmail/callback"));
        assert!(!changes_state(&Method::GET, "/connections"));
        // Called by the mail services' servers, each with a proof of its own.
        assert!(!changes_state(&Method::POST, "/push/gmail"));
        assert!(!changes_state(&Method::POST, "/push/outlook"));
    }

    #[test]
    fn a_hundred_query_parameters_at_most() {
        let hundred = vec!["a=1"; 100].join("&");
        let more = vec!["a=1"; 101].join("&");
        assert!(!too_many_params(Some(&hundred)));
        assert!(too_many_params(Some(&more)));
        assert!(!too_many_params(None));
    }
}
