//! The built client under `/pkg`: the precompressed file the browser accepts, its cache policy,
//! and compression of the pages themselves; the site's icon, and 404 for any address the site
//! does not have.

use std::io::{Read, Write};

use reqwest::StatusCode;

use crate::helpers::*;

const WASM: &str = "mailconnect.wasm";

/// A site root with one client file and its brotli and gzip variants, as the release build
/// writes them.
fn built_site() -> (tempfile::TempDir, Vec<u8>) {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    let wasm: Vec<u8> = (0..50_000u32)
        .flat_map(|n| (n % 251).to_le_bytes())
        .collect();
    std::fs::write(pkg.join(WASM), &wasm).unwrap();
    let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 9, 22);
    br.write_all(&wasm).unwrap();
    std::fs::write(pkg.join(format!("{WASM}.br")), br.into_inner()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&wasm).unwrap();
    std::fs::write(pkg.join(format!("{WASM}.gz")), gz.finish().unwrap()).unwrap();
    (site, wasm)
}

on_both_databases! {
    client_files_come_precompressed_with_their_cache_policy,
    pages_are_compressed_for_clients_that_accept_it,
    unknown_addresses_answer_404_and_the_icon_is_served,
}

async fn client_files_come_precompressed_with_their_cache_policy(db: TestDb) {
    let (site, wasm) = built_site();
    let app = TestApp::builder(&db).site_root(site.path()).spawn().await;
    let url = format!("{}/pkg/{WASM}", app.address);

    let brotli = bare_client()
        .get(&url)
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(brotli.status(), StatusCode::OK);
    assert_eq!(brotli.headers()["content-encoding"], "br");
    assert_eq!(brotli.headers()["content-type"], "application/wasm");
    // Unhashed names (this build) are revalidated on each visit.
    assert_eq!(brotli.headers()["cache-control"], "no-cache");
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&brotli.bytes().await.unwrap()[..], 4096)
        .read_to_end(&mut decoded)
        .unwrap();
    assert!(decoded == wasm, "the brotli body decodes to the built file");

    let gzip = bare_client()
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gzip.bytes().await.unwrap()[..])
        .read_to_end(&mut decoded)
        .unwrap();
    assert!(decoded == wasm, "the gzip body decodes to the built file");

    let plain = bare_client().get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.bytes().await.unwrap() == wasm);

    let missing = bare_client()
        .get(format!("{}/pkg/nothing.wasm", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_ne!(
        missing.headers().get("cache-control").map(|v| v.as_bytes()),
        Some(server::web::assets::IMMUTABLE.as_bytes()),
        "a missing file is not cached for a year"
    );
}

async fn pages_are_compressed_for_clients_that_accept_it(db: TestDb) {
    let app = spawn_app(&db).await;
    let page = bare_client()
        .get(format!("{}/signin", app.address))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-encoding"], "gzip");
    let mut html = String::new();
    flate2::read::GzDecoder::new(&page.bytes().await.unwrap()[..])
        .read_to_string(&mut html)
        .unwrap();
    assert!(html.contains("<html"), "{html}");
}

async fn unknown_addresses_answer_404_and_the_icon_is_served(db: TestDb) {
    let (site, _) = built_site();
    let app = TestApp::builder(&db).site_root(site.path()).spawn().await;
    let get = |path: &'static str| {
        let url = format!("{}{path}", app.address);
        async move { bare_client().get(url).send().await.unwrap() }
    };

    let icon = get("/favicon.ico").await;
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["content-type"], "image/x-icon");
    let bytes = icon.bytes().await.unwrap();
    assert_eq!(&bytes[..4], &[0, 0, 1, 0], "an ICO file");

    for path in [
        "/no/such/page",
        "/transactions/2026",
        "/style.css",
        "/pkg/../secret",
    ] {
        let response = get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Page not found"), "{path}: {html}");
    }

    // Signed in, too.
    app.signed_up("nadia@example.com").await;
    let response = app.get("/nowhere").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("Page not found"));
}
