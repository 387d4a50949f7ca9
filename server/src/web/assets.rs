//! The built client under `/pkg`, the site's icon, and response compression.
//!
//! - `/pkg` files are served with the precompressed variant the request accepts (`.br`, then
//!   `.gz`, written beside each file by the release build), else compressed on the fly.
//! - A release build names them by content hash, so they are cached for a year and never
//!   revalidated; unhashed names (development and test builds) are revalidated on each visit.
//! - Other answers (HTML, JSON) are compressed with brotli or gzip when the client accepts it.

use std::path::Path;

use axum::Router;
use http::{HeaderValue, Response, header};
use leptos::config::LeptosOptions;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Cache-Control of a file whose name carries its content hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of a file whose name does not change with its content.
pub const REVALIDATE: &str = "no-cache";

/// The `/pkg` router (nested at `/{site_pkg_dir}`).
pub fn pkg<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let caching = HeaderValue::from_static(if options.hash_files {
        IMMUTABLE
    } else {
        REVALIDATE
    });
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new()
        .fallback_service(files)
        // Only a file found is cached; a missing one must not be remembered for a year.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            move |response: &Response<_>| response.status().is_success().then(|| caching.clone()),
        ))
}

/// The icon browsers ask for at `/favicon.ico` (a 32×32 envelope), built in.
pub async fn favicon() -> impl axum::response::IntoResponse {
    const ICON: &[u8] = include_bytes!("favicon.ico");
    (
        [
            (header::CONTENT_TYPE, "image/x-icon"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}

/// Brotli or gzip for every answer that is not compressed already.
pub fn compression() -> CompressionLayer {
    CompressionLayer::new().br(true).gzip(true)
}
