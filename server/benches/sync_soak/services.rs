//! The soak's failing mail services: one in-memory store of mailboxes (by access token), read
//! through Gmail's four calls and Graph's two, with every call liable to fail.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64_simd::URL_SAFE;
use http::StatusCode;
use rand::Rng;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Messages a list page holds, in both services.
const PAGE: usize = 100;

pub struct Message {
    id: String,
    raw: Arc<Vec<u8>>,
    received_ms: i64,
    history: u64,
}

#[derive(Default)]
struct Mailbox {
    history: u64,
    messages: Vec<Message>,
}

impl Mailbox {
    /// A list page, as both services list: the messages received at or after `since_ms`,
    /// newest first, [`PAGE`] of them from `start`; and whether more follow.
    fn page(&self, since_ms: i64, start: usize) -> (Vec<&Message>, bool) {
        let matching: Vec<&Message> = self
            .messages
            .iter()
            .rev()
            .filter(|m| m.received_ms >= since_ms)
            .collect();
        let more = start + PAGE < matching.len();
        let page = matching.into_iter().skip(start).take(PAGE).collect();
        (page, more)
    }
}

#[derive(Default)]
struct Store {
    /// Mailboxes by access token.
    mailboxes: HashMap<String, Mailbox>,
    next_id: u64,
    calls: Calls,
    /// Graph's base (`…/v1.0`), for its page links.
    graph_base: String,
}

/// Calls answered, and faults injected, per service.
#[derive(Default, Clone, Copy, Debug)]
pub struct Calls {
    pub gmail: u64,
    pub graph: u64,
    pub faults: u64,
}

#[derive(Clone, Copy)]
enum Service {
    Gmail,
    Graph,
}

#[derive(Clone, Default)]
pub struct MailServices(Arc<Mutex<Store>>);

impl MailServices {
    /// Serves Gmail at the returned base and Graph at its `/v1.0`.
    pub async fn serve(&self) -> String {
        let app = axum::Router::new()
            .route("/gmail/v1/users/me/profile", get(profile))
            .route("/gmail/v1/users/me/messages", get(gmail_list))
            .route("/gmail/v1/users/me/messages/{id}", get(gmail_get))
            .route("/gmail/v1/users/me/history", get(history))
            .route("/v1.0/me/messages", get(graph_list))
            .route("/v1.0/me/messages/{id}/{value}", get(graph_mime))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        self.0.lock().unwrap().graph_base = format!("{base}/v1.0");
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    }

    /// An empty mailbox read with `token`.
    pub fn open(&self, token: &str) {
        let mailbox = Mailbox {
            history: 1000,
            ..Default::default()
        };
        self.0
            .lock()
            .unwrap()
            .mailboxes
            .insert(token.to_owned(), mailbox);
    }

    /// Puts a message in the mailbox of `token`, received now; returns its id.
    pub fn deliver(&self, token: &str, raw: Arc<Vec<u8>>) -> String {
        let mut store = self.0.lock().unwrap();
        store.next_id += 1;
        let id = format!("s{:010x}", store.next_id);
        let mailbox = store.mailboxes.get_mut(token).expect("an opened mailbox");
        mailbox.history += 1;
        let history = mailbox.history;
        mailbox.messages.push(Message {
            id: id.clone(),
            raw,
            received_ms: server::clock::now() * 1000,
            history,
        });
        id
    }

    pub fn calls(&self) -> Calls {
        self.0.lock().unwrap().calls
    }

    /// Runs `read` on the mailbox the request's bearer token opens, if any.
    fn read<T>(&self, headers: &HeaderMap, read: impl FnOnce(&Mailbox, &Store) -> T) -> Option<T> {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let store = self.0.lock().unwrap();
        store
            .mailboxes
            .get(token)
            .map(|mailbox| read(mailbox, &store))
    }

    /// A fault for this call, if the dice say so: 5 % 500s, 3 % an answer after 16 s (past
    /// the server's 15 s cut-off), 2 % a body cut off mid-answer, 1 % a 429 with
    /// `Retry-After: 1`.
    async fn fault(&self, service: Service) -> Option<Response> {
        let roll: f64 = rand::thread_rng().r#gen();
        {
            let mut store = self.0.lock().unwrap();
            match service {
                Service::Gmail => store.calls.gmail += 1,
                Service::Graph => store.calls.graph += 1,
            }
            if roll < 0.11 {
                store.calls.faults += 1;
            }
        }
        if roll < 0.05 {
            return Some(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
        if roll < 0.08 {
            tokio::time::sleep(Duration::from_secs(16)).await;
            return Some(StatusCode::SERVICE_UNAVAILABLE.into_response());
        }
        if roll < 0.10 {
            let cut = futures::stream::iter([
                Ok(Bytes::from_static(b"{\"id\":\"")),
                Err(std::io::Error::other("connection reset")),
            ]);
            return Some(Response::new(Body::from_stream(cut)));
        }
        if roll < 0.11 {
            return Some((StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")]).into_response());
        }
        None
    }
}

fn unauthorized() -> Response {
    StatusCode::UNAUTHORIZED.into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"error": {"code": 404, "errors": [{"reason": "notFound"}]}})),
    )
        .into_response()
}

/// The unfolded values of a raw message's header fields named `name`.
fn header_values(raw: &[u8], name: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let header = text.split("\r\n\r\n").next().unwrap_or_default();
    let unfolded = header.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(field, _)| field.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim().to_owned())
        .collect()
}

async fn profile(State(services): State<MailServices>, headers: HeaderMap) -> Response {
    if let Some(fault) = services.fault(Service::Gmail).await {
        return fault;
    }
    services
        .read(&headers, |mailbox, _| {
            let history = mailbox.history.to_string();
            axum::Json(serde_json::json!({"emailAddress": "x", "historyId": history}))
                .into_response()
        })
        .unwrap_or_else(unauthorized)
}

async fn gmail_list(
    State(services): State<MailServices>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(fault) = services.fault(Service::Gmail).await {
        return fault;
    }
    let after_ms = query
        .get("q")
        .and_then(|q| q.split_whitespace().find_map(|t| t.strip_prefix("after:")))
        .and_then(|t| t.parse::<i64>().ok())
        .map_or(i64::MIN, |s| s * 1000);
    let start: usize = query
        .get("pageToken")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    services
        .read(&headers, |mailbox, _| {
            let (page, more) = mailbox.page(after_ms, start);
            let page: Vec<_> = page
                .iter()
                .map(|m| serde_json::json!({"id": m.id, "threadId": m.id}))
                .collect();
            let mut body = serde_json::json!({"messages": page});
            if more {
                body["nextPageToken"] = (start + PAGE).to_string().into();
            }
            axum::Json(body).into_response()
        })
        .unwrap_or_else(unauthorized)
}

async fn gmail_get(
    State(services): State<MailServices>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(fault) = services.fault(Service::Gmail).await {
        return fault;
    }
    let found = services.read(&headers, |mailbox, _| {
        let message = mailbox.messages.iter().find(|m| m.id == id)?;
        Some(message.raw.clone())
    });
    let raw = match found {
        None => return unauthorized(),
        Some(None) => return not_found(),
        Some(Some(raw)) => raw,
    };
    if query.get("format").is_some_and(|f| f == "metadata") {
        let from: Vec<_> = header_values(&raw, "from")
            .into_iter()
            .map(|value| serde_json::json!({"name": "From", "value": value}))
            .collect();
        return axum::Json(serde_json::json!({"id": id, "payload": {"headers": from}}))
            .into_response();
    }
    axum::Json(serde_json::json!({"id": id, "raw": URL_SAFE.encode_to_string(raw.as_slice())}))
        .into_response()
}

async fn history(
    State(services): State<MailServices>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(fault) = services.fault(Service::Gmail).await {
        return fault;
    }
    let Some(start) = query
        .get("startHistoryId")
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let after = query
        .get("pageToken")
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(start)
        .max(start);
    services
        .read(&headers, |mailbox, _| {
            let added: Vec<&Message> = mailbox
                .messages
                .iter()
                .filter(|m| m.history > after)
                .collect();
            let page: Vec<_> = added
                .iter()
                .take(PAGE)
                .map(|m| {
                    serde_json::json!({
                        "id": m.history.to_string(),
                        "messagesAdded": [{"message": {"id": m.id}}],
                    })
                })
                .collect();
            let history = mailbox.history.to_string();
            let mut body = serde_json::json!({"history": page, "historyId": history});
            if added.len() > PAGE {
                body["nextPageToken"] = added[PAGE - 1].history.to_string().into();
            }
            axum::Json(body).into_response()
        })
        .unwrap_or_else(unauthorized)
}

/// The address in a From value (`Name <a@b>` or `a@b`).
fn address(from: &str) -> String {
    let inner = match (from.rfind('<'), from.rfind('>')) {
        (Some(open), Some(close)) if open < close => &from[open + 1..close],
        _ => from,
    };
    inner.trim().to_ascii_lowercase()
}

/// Graph's `/me/messages`: newest first, received at or after `$filter`'s time, a page of
/// [`PAGE`] from `$skip`, with a next link back to Graph.
async fn graph_list(
    State(services): State<MailServices>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(fault) = services.fault(Service::Graph).await {
        return fault;
    }
    let Some(since_ms) = query
        .get("$filter")
        .and_then(|f| f.strip_prefix("receivedDateTime ge "))
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .map(|t| t.unix_timestamp() * 1000)
    else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let skip: usize = query.get("$skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    services
        .read(&headers, |mailbox, store| {
            let (page, more) = mailbox.page(since_ms, skip);
            let value: Vec<_> = page
                .iter()
                .map(|m| {
                    let from = header_values(&m.raw, "from");
                    let sender = from.first().map(|f| address(f)).unwrap_or_default();
                    let received = OffsetDateTime::from_unix_timestamp(m.received_ms / 1000)
                        .unwrap()
                        .format(&Rfc3339)
                        .unwrap();
                    serde_json::json!({
                        "id": m.id,
                        "receivedDateTime": received,
                        "from": {"emailAddress": {"address": sender}},
                    })
                })
                .collect();
            let mut body = serde_json::json!({"value": value});
            if more {
                let mut next = url::Url::parse(&format!("{}/me/messages", store.graph_base))
                    .expect("Graph's base");
                next.query_pairs_mut()
                    .append_pair("$filter", &query["$filter"])
                    .append_pair("$skip", &(skip + PAGE).to_string());
                body["@odata.nextLink"] = next.to_string().into();
            }
            axum::Json(body).into_response()
        })
        .unwrap_or_else(unauthorized)
}

/// Graph's `/me/messages/{id}/$value`: the message's MIME.
async fn graph_mime(
    State(services): State<MailServices>,
    headers: HeaderMap,
    Path((id, value)): Path<(String, String)>,
) -> Response {
    if value != "$value" {
        return not_found();
    }
    if let Some(fault) = services.fault(Service::Graph).await {
        return fault;
    }
    let found = services.read(&headers, |mailbox, _| {
        let message = mailbox.messages.iter().find(|m| m.id == id)?;
        Some(message.raw.clone())
    });
    match found {
        None => unauthorized(),
        Some(None) => not_found(),
        Some(Some(raw)) => (
            [("content-type", "message/rfc822")],
            raw.as_slice().to_vec(),
        )
            .into_response(),
    }
}
