use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};
use server::clock::Clock;
use server::config::{Config, Source};
use server::vault::VaultKey;

mod db;
pub use db::TestDb;
pub(crate) use db::on_both_databases;

/// Configuration for a test server: the given database, a fresh key, and Google endpoints at
/// `google` (a wiremock or fake Google base URL).
pub fn test_config(database_url: &str, google: &str, extra: &[(&str, &str)]) -> Config {
    let key = VaultKey::generate().expose_secret().to_owned();
    let urls = server::config::google_at(google);
    let mut pairs: Vec<(&str, &str)> = vec![
        ("DATABASE_URL", database_url),
        ("TOKEN_ENCRYPTION_KEY", &key),
        ("GOOGLE_CLIENT_ID", "test-client"),
        ("GOOGLE_CLIENT_SECRET", "test-secret"),
        // Tests sign many users up from one address, several at once; the limits have tests
        // of their own that set them lower.
        ("CLIENT_BURST", "1000"),
        ("PASSWORD_HASH_CONCURRENCY", "8"),
        ("METRICS_TOKEN", METRICS_TOKEN),
    ];
    pairs.extend(urls.iter().map(|(k, v)| (*k, v.as_str())));
    pairs.extend_from_slice(extra);
    Config::load(&Source::from_pairs(pairs)).expect("test configuration")
}

/// A running server on a random port, with a client that keeps cookies and never follows
/// redirects.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub accounts: server::accounts::Accounts,
    /// The server's clock: a test moves it forward instead of sleeping.
    pub clock: Clock,
    pub config: Config,
    pub syncs: server::sync::Syncs,
    /// The page events, carried to the server's streams as in `server serve`.
    pub events: server::events::Events,
    /// Push registrations and deliveries (its renewal round is run by the tests themselves).
    pub push: server::push::Push,
}

/// A server with the defaults: Google unreachable, Microsoft not configured.
pub async fn spawn_app(test_db: &TestDb) -> TestApp {
    TestApp::builder(test_db).spawn().await
}

/// How a test server is set up, setting by setting; `spawn` starts it.
pub struct TestAppBuilder<'a> {
    db: &'a TestDb,
    google: String,
    vars: Vec<(&'static str, String)>,
}

impl TestApp {
    pub fn builder(db: &TestDb) -> TestAppBuilder<'_> {
        TestAppBuilder {
            db,
            google: "http://127.0.0.1:9".into(),
            vars: Vec::new(),
        }
    }
}

impl TestAppBuilder<'_> {
    fn set(mut self, var: &'static str, value: impl ToString) -> Self {
        self.vars.push((var, value.to_string()));
        self
    }

    /// Google (its OAuth endpoints and Gmail) at `base`: a wiremock, or the Gmail stand-in.
    pub fn google(mut self, base: &str) -> Self {
        self.google = base.to_owned();
        self
    }

    /// Microsoft configured, its endpoints (the identity platform and Graph) at `base`.
    pub fn microsoft(mut self, base: &str) -> Self {
        self = self
            .set("MICROSOFT_CLIENT_ID", "ms-client")
            .set("MICROSOFT_CLIENT_SECRET", "ms-secret");
        self.vars.extend(server::config::microsoft_at(base));
        self
    }

    /// The built site (`pkg/`) served from `root`.
    pub fn site_root(self, root: &std::path::Path) -> Self {
        self.set("LEPTOS_SITE_ROOT", root.display())
    }

    /// The app's public origin (`https://…` makes cookies `Secure`).
    pub fn origin(self, origin: &str) -> Self {
        self.set("APP_ORIGIN", origin)
    }

    /// Sign-in (and, apart, sign-up) attempts per email address: a burst, then per minute.
    pub fn sign_in_limit(self, burst: u32, per_minute: u32) -> Self {
        self.set("SIGN_IN_BURST", burst)
            .set("SIGN_IN_PER_MINUTE", per_minute)
    }

    /// The same per client address (the tests' default is a burst of 1000).
    pub fn client_limit(self, burst: u32, per_minute: u32) -> Self {
        self.set("CLIENT_BURST", burst)
            .set("CLIENT_PER_MINUTE", per_minute)
    }

    /// Proxies whose `X-Forwarded-For` names the client.
    pub fn trusted_proxy(self, address: &str) -> Self {
        self.set("TRUSTED_PROXIES", address)
    }

    /// `/metrics` on a listener of its own (a free port on 127.0.0.1).
    pub fn metrics_listener(self) -> Self {
        self.set("METRICS_ADDR", "127.0.0.1:0")
    }

    /// List pages one sync reads.
    pub fn sync_pages_per_run(self, pages: u32) -> Self {
        self.set("SYNC_PAGES_PER_RUN", pages)
    }

    /// Gmail push on: watches on a topic, deliveries checked against the keys at `jwks_url`.
    pub fn gmail_push(self, jwks_url: &str) -> Self {
        self.set("GMAIL_PUSH_TOPIC", GMAIL_PUSH_TOPIC)
            .set("GMAIL_PUSH_AUDIENCE", GMAIL_PUSH_AUDIENCE)
            .set("GMAIL_PUSH_SERVICE_ACCOUNT", GMAIL_PUSH_SERVICE_ACCOUNT)
            .set("GOOGLE_JWKS_URL", jwks_url)
    }

    /// The token key (test servers otherwise each make a fresh one): instances sharing a
    /// database share it.
    pub fn token_key(self, key: &str) -> Self {
        self.set("TOKEN_ENCRYPTION_KEY", key)
    }

    /// Outlook push on (Microsoft must be configured too), notifications to `url`.
    pub fn outlook_push(self, url: &str) -> Self {
        self.set("GRAPH_NOTIFICATION_URL", url)
    }

    pub async fn spawn(self) -> TestApp {
        let vars: Vec<(&str, &str)> = self.vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        spawn(self.db, &self.google, &vars).await
    }
}

/// The Gmail push settings of [`TestAppBuilder::gmail_push`].
pub const GMAIL_PUSH_TOPIC: &str = "projects/mailconnect-test/topics/gmail";
pub const GMAIL_PUSH_AUDIENCE: &str = "https://mailconnect.test/push/gmail";
pub const GMAIL_PUSH_SERVICE_ACCOUNT: &str = "push@mailconnect-test.iam.gserviceaccount.com";

/// A client without fetch metadata (an old browser, or a script), keeping no cookies.
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client like a browser on the app's own pages: it keeps cookies, sends
/// `Sec-Fetch-Site: same-origin` with every request, and never follows redirects.
pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(http::HeaderMap::from_iter([(
            http::HeaderName::from_static("sec-fetch-site"),
            http::HeaderValue::from_static("same-origin"),
        )]))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The bearer token test servers want on `/metrics`.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

/// A server process (this package's binary), killed when dropped.
pub struct ServerProcess(pub Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `server serve` in `dir` over `database_url`, its secrets sealed under `key` and every
/// Google endpoint at `google`; `vars` add to or override that.
pub fn spawn_server_process(
    database_url: &str,
    key: &SecretString,
    google: &str,
    dir: &std::path::Path,
    vars: &[(&str, &str)],
) -> ServerProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("TOKEN_ENCRYPTION_KEY", key.expose_secret())
        .env("GOOGLE_CLIENT_ID", "test-client")
        .env("GOOGLE_CLIENT_SECRET", "test-secret")
        .env("GOOGLE_TOKEN_URL", format!("{google}/token"))
        .env("GOOGLE_REVOKE_URL", format!("{google}/revoke"))
        .env("GMAIL_API_URL", google)
        .env("RUST_LOG", "warn")
        .envs(vars.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server binary");
    ServerProcess(child)
}

/// Polls `check` every 100 ms until it holds; fails the test after `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let give_up = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < give_up, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Logs of the code under test, shown for failing tests; `RUST_LOG` picks what (default: none).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

async fn spawn(test_db: &TestDb, google: &str, vars: &[(&str, &str)]) -> TestApp {
    init_logging();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let mut vars = vars.to_vec();
    // The caller's APP_ORIGIN, if any, comes later and wins.
    vars.insert(0, ("APP_ORIGIN", &address));
    let config = test_config(&test_db.url, google, &vars);
    let db = test_db.connect().await;
    let clock = Clock::adjustable();
    let metrics = server::web::metrics::install();
    let state = server::app_state(config.clone(), db.clone(), clock.clone(), metrics)
        .await
        .expect("app state");
    let syncs = state.syncs.clone();
    let accounts = state.accounts.clone();
    let events = state.events.clone();
    tokio::spawn(events.clone().run(Default::default()));
    let push = state.push.clone();
    let router = server::web::router(state);
    tokio::spawn(server::web::serve::serve(
        listener,
        router,
        std::future::pending(),
    ));
    let client = browser_client();
    TestApp {
        address,
        client,
        db,
        accounts,
        clock,
        config,
        syncs,
        events,
        push,
    }
}

impl TestApp {
    /// Calls a server function the way the hydrated page does (form-encoded POST).
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{name}", self.address))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// `/metrics`, with the bearer token.
    pub async fn metrics(&self) -> String {
        let response = self
            .client
            .get(format!("{}/metrics", self.address))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        response.text().await.unwrap()
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> reqwest::Response {
        self.call("sign_up", &[("email", email), ("password", password)])
            .await
    }

    /// Signs up `email` (this client is then signed in as them); returns their user id.
    pub async fn signed_up(&self, email: &str) -> i32 {
        let response = self.sign_up(email, "correct horse").await;
        assert!(response.status().is_success(), "{}", response.status());
        self.user(email).await.id
    }

    /// The stored user with this address (who must exist).
    pub async fn user(&self, email: &str) -> server::entities::users::Model {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        use server::entities::users;
        users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.call("sign_in", &[("email", email), ("password", password)])
            .await
    }
}

/// Texts as an English reader in Costa Rica's zone (the default) sees them.
pub fn english() -> server::web::format::Reader {
    server::web::format::Reader::new(app::i18n::Lang::En, server::web::format::zone(None))
}
