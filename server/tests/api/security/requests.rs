//! Requests built to cost us: oversized or foreign callbacks, queries and bodies refused before
//! any work, a client sending its headers slowly cut off; and the security headers every page
//! carries.

use super::*;

on_both_databases! {
    oversized_or_foreign_callbacks_are_refused_before_any_work,
    oversized_queries_and_bodies_are_refused,
    a_client_that_sends_headers_slowly_is_cut_off,
    every_page_carries_its_security_headers,
}

async fn oversized_or_foreign_callbacks_are_refused_before_any_work(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//refresh"), "ada@gmail.com").await;
    let params = start(&app, "f").await;
    let state = &params["state"];
    let before = rows(&app.db).await;
    let long = "x".repeat(3000);

    for query in [
        format!("state={state}&code={long}"),
        format!("state={long}&code=c"),
        format!("state={state}&code=c&iss=https%3A%2F%2Fevil.example"),
        format!("state={state}&code=c&iss="),
    ] {
        let (status, html) = callback(&app, &query).await;
        assert_eq!(status, 400, "{query:.80}");
        assert!(html.contains("not valid"), "{html}");
        assert_eq!(rows(&app.db).await, before, "{query:.80}");
        assert_eq!(google_calls(&google).await, 0, "{query:.80}");
    }
    // The flow was not used up: Google's real answer, with its issuer, still connects.
    let (status, html) = callback(
        &app,
        &format!("state={state}&code=c&iss=https%3A%2F%2Faccounts.google.com"),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Connected ada@gmail.com"), "{html}");
}

async fn oversized_queries_and_bodies_are_refused(db: TestDb) {
    let app = spawn_app(&db).await;
    let query = vec!["a=1"; 101].join("&");
    let refused = app.get(&format!("/signin?{query}")).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let callback = app.get(&format!("/auth/gmail/callback?{query}")).await;
    assert_eq!(callback.status(), StatusCode::BAD_REQUEST);

    let huge = "x".repeat(70 * 1024);
    let response = app
        .call(
            "sign_up",
            &[("email", "ada@example.com"), ("password", huge.as_str())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(rows(&app.db).await, [0; 5]);
}

async fn a_client_that_sends_headers_slowly_is_cut_off(db: TestDb) {
    let app = spawn_app(&db).await;
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // The rest of the headers never comes; the server hangs up after its header timeout.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    let waited = started.elapsed();
    assert!(read.is_ok(), "still connected after 20 s");
    assert!(
        waited >= Duration::from_secs(9) && waited < Duration::from_secs(15),
        "{waited:?}"
    );
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
    // A whole request on a fresh connection is answered.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

/// Checks the headers every app page carries; returns the CSP nonce.
fn assert_page_headers(response: &reqwest::Response, caching: &str) -> String {
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
        "default-src 'self'",
    ] {
        assert!(csp.contains(directive), "{directive} missing: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(
        headers["cross-origin-opener-policy"],
        "same-origin-allow-popups"
    );
    assert_eq!(headers["cache-control"], caching);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the CSP");
    assert!(nonce.len() >= 16, "{nonce}");
    nonce.to_owned()
}

async fn every_page_carries_its_security_headers(db: TestDb) {
    let app = spawn_app(&db).await;
    let mut nonces = Vec::new();
    for path in ["/signin", "/signup"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), StatusCode::OK);
        let nonce = assert_page_headers(&page, "no-cache");
        let html = page.text().await.unwrap();
        // Every inline script carries this response's nonce; none goes without.
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{path}");
        assert_eq!(
            html.matches("<script").count(),
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            "{path}: a script without the nonce"
        );
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce per response");

    app.sign_up("ada@example.com", "correct horse").await;
    for path in ["/connections", "/transactions"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert_page_headers(&page, "no-store");
    }
    let api = app.call("list_accounts", &[]).await;
    assert_eq!(api.headers()["cache-control"], "no-store");
    let refused = app.call("disconnect_account", &[("account_id", "1")]).await;
    assert_eq!(refused.headers()["cache-control"], "no-store");

    // The popup's result page keeps its own, stricter policy.
    let result = app.get("/auth/gmail/callback?state=forged&code=c").await;
    let csp = result.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(result.headers().get("cross-origin-opener-policy").is_none());
    assert_eq!(result.headers()["x-frame-options"], "DENY");
}
