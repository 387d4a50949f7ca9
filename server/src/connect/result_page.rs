//! The page the popup ends on. It tells the opening page what happened, by `postMessage` to
//! APP_ORIGIN and on a same-origin BroadcastChannel, then closes itself.
//!
//! Every text is escaped for HTML; the message travels as a JSON data block escaped so it cannot
//! end its `<script>` element; the one script runs under a per-response nonce CSP.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use app::i18n::{Lang, Text};
use app::model::{POPUP_CHANNEL, PopupOutcome, PopupReport};

use secrecy::ExposeSecret;

use crate::secrets::random_token;

/// Renders the page for `report`, in `lang`. It posts the report to `origin` (the app's own)
/// and on [`POPUP_CHANNEL`], then closes itself.
pub fn render(report: &PopupReport, origin: &str, status: StatusCode, lang: Lang) -> Response {
    let nonce = random_token().expose_secret().to_owned();
    let service = report.service.name();
    let success = report.outcome == PopupOutcome::Success;
    let heading = lang.popup_heading(service, success);
    let close_after_ms = if success { 2000 } else { 5000 };
    let html_lang = lang.html_lang();
    let back = lang.t(Text::BackToEmailConnections);
    let data = json_for_script(report);
    let origin_json = json_for_script(&origin);
    let channel_json = json_for_script(&POPUP_CHANNEL);
    let message = html_escape::encode_text(&report.message);
    let html = format!(
        r#"<!doctype html>
<html lang="{html_lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title>
<style nonce="{nonce}">body{{font-family:system-ui,sans-serif;margin:3rem auto;max-width:28rem;padding:0 1rem;color:#1d2330}}</style>
</head>
<body>
<h1>{heading}</h1>
<p id="message">{message}</p>
<p id="fallback" hidden><a href="/connections">{back}</a></p>
<script type="application/json" id="outcome">{data}</script>
<script nonce="{nonce}">
(function () {{
  var outcome = JSON.parse(document.getElementById("outcome").textContent);
  var origin = {origin_json};
  var opener = window.opener;
  if (opener) {{
    try {{ opener.postMessage(outcome, origin); }} catch (e) {{}}
  }} else {{
    document.getElementById("fallback").hidden = false;
  }}
  try {{
    var channel = new BroadcastChannel({channel_json});
    channel.postMessage(outcome);
    channel.close();
  }} catch (e) {{}}
  if (opener) {{
    setTimeout(function () {{ window.close(); }}, {close_after_ms});
  }}
}})();
</script>
</body>
</html>
"#
    );
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp).expect("ASCII CSP"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// JSON that is safe inside a `<script>` element: `<`, `>`, `&` and the JavaScript line
/// separators are written as `\u` escapes, so no text can close the element or break the code.
fn json_for_script(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .expect("serializable")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::MailService;

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn hostile_text_is_escaped_for_html_and_javascript() {
        let evil = r#"</script><script>alert(1)</script><img src=x onerror=alert(2)> "' \u2028"#;
        let response = render(
            &PopupReport::error(MailService::Gmail, evil, Some("flow-1".into())),
            "http://127.0.0.1:3000",
            StatusCode::OK,
            Lang::En,
        );
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("script-src 'nonce-"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let html = body(response).await;
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
        assert!(html.contains(r#"\u003c/script\u003e"#));
        // Exactly the two script elements of the page itself.
        assert_eq!(html.matches("<script").count(), 2);
        assert_eq!(html.matches("</script>").count(), 2);
    }

    #[tokio::test]
    async fn posts_to_the_configured_origin_only() {
        let html = body(render(
            &PopupReport::success(MailService::Gmail, "ok", None),
            "https://mail.example.com",
            StatusCode::OK,
            Lang::Es,
        ))
        .await;
        assert!(html.contains(r#"opener.postMessage(outcome, origin)"#));
        assert!(html.contains(r#"var origin = "https://mail.example.com";"#));
        assert!(!html.contains("\"*\""));
        assert!(html.contains(r#""type":"GMAIL_AUTH_SUCCESS""#));
        assert!(html.contains(r#"new BroadcastChannel("mailconnect-gmail-auth")"#));
    }
}
