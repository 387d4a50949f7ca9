//! A local Gmail stand-in on wiremock, for the sync tests and the sync benchmark: mailboxes
//! keyed by access token, `getProfile`, `messages.list` (honouring `after:` and paging; the
//! `from:` part of the query is left to real Gmail), `messages.get?format=raw` and
//! `format=metadata` (the From fields),
//! `history.list` with a floor below which it answers 404, a delay per answer, canned
//! faults for the next calls, and faults of one message's fetches.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64_simd::URL_SAFE;
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Default)]
pub struct Mailbox {
    /// (id, raw, internalDate in ms, historyId), oldest first.
    pub messages: Vec<(String, Vec<u8>, i64, u64)>,
    pub history_id: u64,
    pub floor: u64,
}

#[derive(Default)]
pub struct State {
    /// Mailboxes by name; tokens point at names.
    pub mailboxes: HashMap<String, Mailbox>,
    /// Each message's `messages.get` answer, made when it was added: encoding a large message
    /// for every fetch would make the fetch as slow as a debug build's base64 and JSON.
    pub answers: HashMap<String, Vec<u8>>,
    pub tokens: HashMap<String, String>,
    /// Answers given instead of the real one, to the next calls (of a token, or any).
    pub faults: VecDeque<(Option<String>, ResponseTemplate)>,
    /// Answers to the next fetches of a message (how many more, and the answer).
    pub broken: HashMap<String, (usize, ResponseTemplate)>,
    /// Every call: (token, operation, message id for gets).
    pub calls: Vec<(String, &'static str, Option<String>)>,
    next_id: u64,
}

#[derive(Clone)]
pub struct GmailStandIn {
    pub server: Arc<MockServer>,
    pub state: Arc<Mutex<State>>,
    delay: Duration,
}

impl GmailStandIn {
    pub async fn start(delay: Duration) -> Self {
        Self::on(Arc::new(MockServer::start().await), delay).await
    }

    /// Serves Gmail on an existing mock server (which may also be the fake token endpoint).
    pub async fn on(server: Arc<MockServer>, delay: Duration) -> Self {
        let stand_in = Self {
            server,
            state: Arc::default(),
            delay,
        };
        Mock::given(path_regex("^/gmail/v1/users/me/"))
            .respond_with(stand_in.clone())
            .mount(&stand_in.server)
            .await;
        stand_in
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A mailbox reached with `token`.
    pub fn mailbox(&self, name: &str, token: &str) {
        let mut state = self.state.lock().unwrap();
        state.mailboxes.entry(name.to_owned()).or_insert(Mailbox {
            history_id: 1000,
            floor: 1000,
            ..Default::default()
        });
        state.tokens.insert(token.to_owned(), name.to_owned());
    }

    /// Adds a message to a mailbox; returns its id. A sample mail addressed to the samples'
    /// recipient is addressed to the mailbox instead, as the bank would have.
    pub fn add(&self, name: &str, raw: &[u8], internal_ms: i64) -> String {
        let raw = addressed_to(raw, name);
        let raw = raw.as_slice();
        let mut state = self.state.lock().unwrap();
        state.next_id += 1;
        let id = format!("m{:08x}", state.next_id);
        // Written out rather than through serde_json: neither part needs escaping, and a
        // debug-built serializer takes seconds over a mailbox of oversized messages.
        let answer = format!(
            r#"{{"id":"{id}","raw":"{}"}}"#,
            URL_SAFE.encode_to_string(raw)
        )
        .into_bytes();
        state.answers.insert(id.clone(), answer);
        let mailbox = state.mailboxes.get_mut(name).expect("mailbox exists");
        mailbox.history_id += 1;
        let history = mailbox.history_id;
        mailbox
            .messages
            .push((id.clone(), raw.to_vec(), internal_ms, history));
        id
    }

    /// Makes history older than the current id answer 404.
    pub fn raise_floor(&self, name: &str) {
        let mut state = self.state.lock().unwrap();
        let mailbox = state.mailboxes.get_mut(name).unwrap();
        mailbox.floor = mailbox.history_id;
    }

    pub fn fault(&self, token: Option<&str>, response: ResponseTemplate) {
        let mut state = self.state.lock().unwrap();
        state.faults.push_back((token.map(str::to_owned), response));
    }

    /// The next `times` fetches of message `id` get `response` (`usize::MAX`: every one).
    pub fn break_message(&self, id: &str, response: ResponseTemplate, times: usize) {
        let mut state = self.state.lock().unwrap();
        state.broken.insert(id.to_owned(), (times, response));
    }

    /// How many fetches of message `id` were made.
    pub fn fetches(&self, id: &str) -> usize {
        self.get_ids().iter().filter(|m| *m == id).count()
    }

    /// How many calls of `operation` were made (with `token`, if given).
    pub fn count(&self, operation: &str, token: Option<&str>) -> usize {
        let state = self.state.lock().unwrap();
        state
            .calls
            .iter()
            .filter(|(t, op, _)| *op == operation && token.is_none_or(|token| t == token))
            .count()
    }

    /// The ids of the messages fetched whole, in order.
    pub fn get_ids(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state
            .calls
            .iter()
            .filter(|(_, op, _)| *op == "get")
            .filter_map(|(_, _, id)| id.clone())
            .collect()
    }
}

fn json(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// Copy `n` of a bank alert, its references and authorizations changed (same length): each
/// copy is a distinct alert, not the same one seen again (which counts once). Mail that gives
/// no transaction is returned as it is.
pub fn renumbered(raw: &[u8], n: usize) -> Vec<u8> {
    let server::alerts::Outcome::Transactions(found) = server::alerts::classify(raw) else {
        return raw.to_vec();
    };
    let mut copy = raw.to_vec();
    for transaction in &found {
        for value in [&transaction.reference, &transaction.authorization]
            .into_iter()
            .flatten()
            .filter(|v| v.len() >= 6 && v.is_ascii())
        {
            let new = format!("{}{:06}", &value[..value.len() - 6], n % 1_000_000);
            copy = replaced(&copy, value.as_bytes(), new.as_bytes());
        }
    }
    copy
}

/// `haystack` with every `from` replaced by `to`.
fn replaced(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = memchr::memmem::find(rest, from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// The samples' recipient (`usuario.demo@gmail.com`) replaced by `address` in the header.
pub fn addressed_to(raw: &[u8], address: &str) -> Vec<u8> {
    const SAMPLE: &[u8] = b"usuario.demo@gmail.com";
    let end = memchr::memmem::find(raw, b"\r\n\r\n").unwrap_or(raw.len());
    let (header, body) = raw.split_at(end);
    let mut out = replaced(header, SAMPLE, address.as_bytes());
    out.extend_from_slice(body);
    out
}

/// A sample as Outlook holds it: Gmail's verdict on top becomes Outlook's, named with
/// `authserv` (`""`: unnamed, as Exchange Online writes it).
pub fn verdict_by_outlook(raw: &[u8], authserv: &str) -> Vec<u8> {
    let stamp = if authserv.is_empty() {
        "Authentication-Results:".to_owned()
    } else {
        format!("Authentication-Results: {authserv};")
    };
    let text = String::from_utf8_lossy(raw);
    text.replacen("Authentication-Results: mx.google.com;", &stamp, 1)
        .into_bytes()
}

/// The From fields of a raw message's header, unfolded, as Gmail's metadata gives them.
fn from_fields(raw: &[u8]) -> Vec<serde_json::Value> {
    let text = String::from_utf8_lossy(raw);
    let header = text.split("\r\n\r\n").next().unwrap_or_default();
    let unfolded = header.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("from"))
        .map(|(_, value)| serde_json::json!({"name": "From", "value": value.trim()}))
        .collect()
}

pub fn error(status: u16, reason: &str) -> ResponseTemplate {
    json(
        status,
        serde_json::json!({"error": {"code": status, "message": reason, "errors": [{"reason": reason}]}}),
    )
}

impl Respond for GmailStandIn {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.answer(request).set_delay(self.delay)
    }
}

impl GmailStandIn {
    fn answer(&self, request: &Request) -> ResponseTemplate {
        let token = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_owned();
        let rest = request
            .url
            .path()
            .trim_start_matches("/gmail/v1/users/me/")
            .to_owned();
        let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let operation = match rest.as_str() {
            "profile" => "profile",
            "messages" => "list",
            "history" => "history",
            _ if query.get("format").is_some_and(|f| f == "metadata") => "metadata",
            _ => "get",
        };
        let mut state = self.state.lock().unwrap();
        let message_id = matches!(operation, "get" | "metadata")
            .then(|| rest.trim_start_matches("messages/").to_owned());
        state
            .calls
            .push((token.clone(), operation, message_id.clone()));
        if let Some(at) = state
            .faults
            .iter()
            .position(|(t, _)| t.as_deref().is_none_or(|t| t == token))
        {
            return state.faults.remove(at).unwrap().1;
        }
        if let Some((times, response)) = message_id
            .as_ref()
            .filter(|_| operation == "get")
            .and_then(|id| state.broken.get_mut(id))
            .filter(|(times, _)| *times > 0)
        {
            *times -= 1;
            return response.clone();
        }
        let Some(name) = state.tokens.get(&token).cloned() else {
            return error(401, "authError");
        };
        let mailbox = &state.mailboxes[&name];
        match operation {
            "profile" => json(
                200,
                serde_json::json!({"emailAddress": name, "historyId": mailbox.history_id.to_string()}),
            ),
            "list" => {
                let after_ms = query
                    .get("q")
                    .and_then(|q| q.split_whitespace().find_map(|t| t.strip_prefix("after:")))
                    .and_then(|t| t.parse::<i64>().ok())
                    .map_or(i64::MIN, |s| s * 1000);
                let size: usize = query
                    .get("maxResults")
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(100);
                let start: usize = query
                    .get("pageToken")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                let matching: Vec<&String> = mailbox
                    .messages
                    .iter()
                    .rev()
                    .filter(|(_, _, at, _)| *at >= after_ms)
                    .map(|(id, ..)| id)
                    .collect();
                let page: Vec<_> = matching
                    .iter()
                    .skip(start)
                    .take(size)
                    .map(|id| serde_json::json!({"id": id, "threadId": id}))
                    .collect();
                let mut body = serde_json::json!({"resultSizeEstimate": matching.len()});
                if !page.is_empty() {
                    body["messages"] = page.into();
                }
                if start + size < matching.len() {
                    body["nextPageToken"] = (start + size).to_string().into();
                }
                json(200, body)
            }
            "metadata" => {
                let id = message_id.unwrap_or_default();
                match mailbox.messages.iter().find(|(m, ..)| *m == id) {
                    Some((_, raw, ..)) => json(
                        200,
                        serde_json::json!({"id": id, "payload": {"headers": from_fields(raw)}}),
                    ),
                    None => error(404, "notFound"),
                }
            }
            "get" => {
                let id = message_id.unwrap_or_default();
                match mailbox.messages.iter().find(|(m, ..)| *m == id) {
                    Some(_) => ResponseTemplate::new(200)
                        .set_body_raw(state.answers[&id].clone(), "application/json"),
                    None => error(404, "notFound"),
                }
            }
            _ => {
                let Some(start) = query
                    .get("startHistoryId")
                    .and_then(|s| s.parse::<u64>().ok())
                else {
                    return error(400, "invalidArgument");
                };
                if start < mailbox.floor {
                    return error(404, "notFound");
                }
                let added: Vec<_> = mailbox
                    .messages
                    .iter()
                    .filter(|(.., h)| *h > start)
                    .map(|(id, .., h)| {
                        serde_json::json!({"id": h.to_string(), "messagesAdded": [{"message": {"id": id}}]})
                    })
                    .collect();
                let mut body = serde_json::json!({"historyId": mailbox.history_id.to_string()});
                if !added.is_empty() {
                    body["history"] = added.into();
                }
                json(200, body)
            }
        }
    }
}
