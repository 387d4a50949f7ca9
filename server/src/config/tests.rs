//! Configuration tests: defaults, demo mode, and one clear error per bad variable.

use secrecy::ExposeSecret;

use super::source::demo_key;
use super::*;

fn required() -> Vec<(&'static str, String)> {
    vec![
        (
            "TOKEN_ENCRYPTION_KEY",
            VaultKey::generate().expose_secret().to_owned(),
        ),
        ("GOOGLE_CLIENT_ID", "id".into()),
        ("GOOGLE_CLIENT_SECRET", "secret".into()),
    ]
}

fn source_with(extra: &[(&'static str, &str)]) -> Source {
    let mut pairs = required();
    pairs.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    Source::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
}

#[test]
fn defaults_need_only_the_key_and_client() {
    let config = Config::load(&source_with(&[])).unwrap();
    assert_eq!(
        config.google.redirect_uri.as_str(),
        "http://127.0.0.1:3000/auth/gmail/callback"
    );
    assert_eq!(config.refresh.concurrency, 32);
    assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
    assert_eq!(config.origin(), "http://127.0.0.1:3000");
    assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
    assert!(!config.secure_cookies());
    assert!(config.origin_is_loopback());
    assert_eq!(config.google.issuer, "https://accounts.google.com");
    assert_eq!(config.web.session_idle.as_secs(), 7 * 24 * 60 * 60);
    assert!(config.web.password_hash_concurrency >= 1);
    assert!(config.web.trusted_proxies.is_empty());
    assert!(config.web.metrics_token.is_none() && config.web.metrics_addr.is_none());
    assert!(
        config.microsoft.is_none(),
        "Outlook is offered only when configured"
    );
}

#[test]
fn microsoft_is_configured_by_its_client_id() {
    let config = Config::load(&source_with(&[
        ("MICROSOFT_CLIENT_ID", "ms-id"),
        ("MICROSOFT_CLIENT_SECRET", "ms-secret"),
    ]))
    .unwrap();
    let microsoft = config.microsoft.unwrap();
    assert_eq!(microsoft.client_id, "ms-id");
    assert_eq!(
        microsoft.redirect_uri.as_str(),
        "http://127.0.0.1:3000/auth/outlook/callback"
    );
    assert_eq!(
        microsoft.auth_url.as_str(),
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
    );
    assert_eq!(
        microsoft.token_url.as_str(),
        "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    );
    assert_eq!(
        microsoft.graph_api_url.as_str(),
        "https://graph.microsoft.com/v1.0"
    );
    assert_eq!(microsoft.authserv_id, "mx.microsoft.com");

    let error = Config::load(&source_with(&[("MICROSOFT_CLIENT_ID", "ms-id")])).unwrap_err();
    assert_eq!(error.var, "MICROSOFT_CLIENT_SECRET");
    let error = Config::load(&source_with(&[
        ("MICROSOFT_CLIENT_ID", "ms-id"),
        ("MICROSOFT_CLIENT_SECRET", "ms-secret"),
        ("GRAPH_API_URL", "graph"),
    ]))
    .unwrap_err();
    assert_eq!(error.var, "GRAPH_API_URL");
    let error = Config::load(&source_with(&[
        ("MICROSOFT_CLIENT_ID", "ms-id"),
        ("MICROSOFT_CLIENT_SECRET", "ms-secret"),
        ("OUTLOOK_AUTHSERV_ID", "mx.microsoft.com; dkim=pass"),
    ]))
    .unwrap_err();
    assert_eq!(error.var, "OUTLOOK_AUTHSERV_ID");
}

#[test]
fn web_settings_are_parsed_or_explained() {
    let config = Config::load(&source_with(&[
        ("TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16,::1"),
        ("SESSION_IDLE_DAYS", "2"),
        ("PASSWORD_HASH_CONCURRENCY", "3"),
        ("METRICS_ADDR", "10.0.0.5:9090"),
        ("APP_ORIGIN", "http://mail.example.com"),
    ]))
    .unwrap();
    assert_eq!(config.web.trusted_proxies.len(), 3);
    assert_eq!(config.web.session_idle.as_secs(), 2 * 24 * 60 * 60);
    assert_eq!(config.web.password_hash_concurrency, 3);
    assert_eq!(
        config.web.metrics_addr.unwrap().to_string(),
        "10.0.0.5:9090"
    );
    assert!(!config.origin_is_loopback());

    for (var, value) in [
        ("TRUSTED_PROXIES", "10.0.0.5,proxy.internal"),
        ("SESSION_IDLE_DAYS", "0"),
        ("PASSWORD_HASH_CONCURRENCY", "0"),
        ("METRICS_TOKEN", "short"),
        ("METRICS_ADDR", "somewhere"),
    ] {
        let error = Config::load(&source_with(&[(var, value)])).unwrap_err();
        assert_eq!(error.var, var, "{value}");
    }
}

#[test]
fn https_origin_means_secure_cookies() {
    let config = Config::load(&source_with(&[("APP_ORIGIN", "https://mail.example.com")])).unwrap();
    assert!(config.secure_cookies());
    assert_eq!(config.origin(), "https://mail.example.com");
}

#[test]
fn malformed_values_name_the_variable_and_the_fix() {
    for (var, value) in [
        ("APP_ORIGIN", "not a url"),
        ("APP_ORIGIN", "ftp://example.com"),
        ("APP_ORIGIN", "https://example.com/path"),
        ("LEPTOS_SITE_ADDR", "localhost"),
        ("DATABASE_URL", "mysql://x"),
        ("TOKEN_ENCRYPTION_KEY", "c2hvcnQ="),
        ("TOKEN_ENCRYPTION_KEY", "not base64 at all"),
        ("TOKEN_DECRYPTION_KEYS", "c2hvcnQ="),
        ("GOOGLE_TOKEN_URL", "token"),
        ("REFRESH_CONCURRENCY", "0"),
        ("REFRESH_INTERVAL_SECS", "soon"),
        ("SIGN_IN_BURST", "0"),
        ("SIGN_IN_PER_MINUTE", "many"),
    ] {
        let error = Config::load(&source_with(&[(var, value)])).unwrap_err();
        assert_eq!(error.var, var);
        let line = error.to_string();
        assert!(
            line.starts_with(&format!("configuration error: {var} ")),
            "{line}"
        );
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(line.contains("; "), "names the fix: {line}");
    }
}

#[test]
fn a_missing_key_says_how_to_make_one_without_echoing_values() {
    let error = Config::load(&Source::default()).unwrap_err();
    assert_eq!(error.var, "TOKEN_ENCRYPTION_KEY");
    assert!(error.to_string().contains("server gen-key"));
    let secretish = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let error = Config::load(&source_with(&[("TOKEN_ENCRYPTION_KEY", secretish)])).unwrap_err();
    assert!(!error.to_string().contains(secretish));
}

#[test]
fn the_demo_key_file_is_private_and_reused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/dev-token-key");
    let first = demo_key(&path).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        demo_key(&path).unwrap().expose_secret(),
        first.expose_secret()
    );
    assert!(VaultKey::parse(&first).is_ok());
}

#[test]
fn retired_keys_are_accepted_for_reading() {
    let old = VaultKey::generate();
    let config = Config::load(&source_with(&[(
        "TOKEN_DECRYPTION_KEYS",
        old.expose_secret(),
    )]))
    .unwrap();
    let before = Vault::new(VaultKey::parse(&old).unwrap(), []);
    let binding = crate::vault::Binding {
        table: "t",
        field: "f",
        row: "1",
    };
    let sealed = before.seal(binding, &SecretString::from("x"));
    assert_eq!(
        config.vault.open(binding, &sealed).unwrap().expose_secret(),
        "x"
    );
}

#[test]
fn seconds_rejects_junk_and_too_small() {
    let source = Source::from_pairs([("A", "ten"), ("B", "0"), ("C", "30")]);
    assert_eq!(seconds(&source, "A", 60, 1).unwrap_err().var, "A");
    assert_eq!(seconds(&source, "B", 60, 1).unwrap_err().var, "B");
    assert_eq!(
        seconds(&source, "C", 60, 1).unwrap(),
        Duration::from_secs(30)
    );
    assert_eq!(
        seconds(&source, "D", 60, 1).unwrap(),
        Duration::from_secs(60)
    );
}

#[test]
fn the_demo_offers_both_fakes_and_keeps_what_is_configured() {
    let key = VaultKey::generate().expose_secret().to_owned();
    let demo = Source::from_pairs([("TOKEN_ENCRYPTION_KEY", key.as_str())])
        .with_demo_defaults()
        .unwrap();
    let config = Config::load(&demo).unwrap();
    assert_eq!(config.google.client_id, "fake-client-id");
    let microsoft = config.microsoft.expect("the demo offers Outlook");
    assert_eq!(
        microsoft.token_url.as_str(),
        "http://127.0.0.1:4011/common/oauth2/v2.0/token"
    );
    assert_eq!(
        microsoft.graph_api_url.as_str(),
        "http://127.0.0.1:4011/v1.0"
    );

    let configured = Source::from_pairs([
        ("TOKEN_ENCRYPTION_KEY", key.as_str()),
        ("MICROSOFT_CLIENT_ID", "real-id"),
        ("MICROSOFT_CLIENT_SECRET", "real-secret"),
    ])
    .with_demo_defaults()
    .unwrap();
    let microsoft = Config::load(&configured).unwrap().microsoft.unwrap();
    assert_eq!(microsoft.client_id, "real-id");
    assert_eq!(
        microsoft.token_url.as_str(),
        "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    );
}

/// The README's configuration table: each variable and its default cell (a variable per name
/// where a row names several).
fn readme_table() -> Vec<(String, String)> {
    let readme = include_str!("../../../README.md");
    let mut rows = Vec::new();
    for line in readme.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let [names, _meaning, default] = cells[..] else {
            continue;
        };
        let names: Vec<&str> = names
            .split(", ")
            .filter_map(|name| name.strip_prefix('`')?.strip_suffix('`'))
            .collect();
        if names.iter().all(|name| is_variable(name)) {
            rows.extend(
                names
                    .iter()
                    .map(|name| (name.to_string(), default.to_owned())),
            );
        }
    }
    rows
}

fn is_variable(name: &str) -> bool {
    name.len() > 3
        && name.contains('_')
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `.env.example`'s lines that set a variable: its name, its value, and whether the line is
/// commented out (an example, not the default).
fn env_example() -> Vec<(String, String, bool)> {
    include_str!("../../../.env.example")
        .lines()
        .filter_map(|line| {
            let (commented, line) = match line.strip_prefix("# ") {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let (name, value) = line.split_once('=')?;
            is_variable(name).then(|| (name.to_owned(), value.to_owned(), commented))
        })
        .collect()
}

/// The variables the configuration reads, as its code spells them.
fn read_by_the_code() -> Vec<String> {
    let code = [
        include_str!("mod.rs"),
        include_str!("web.rs"),
        include_str!("microsoft.rs"),
        include_str!("push.rs"),
        include_str!("source.rs"),
    ];
    let mut names: Vec<String> = code
        .iter()
        .flat_map(|text| text.split('"').skip(1).step_by(2))
        .filter(|quoted| is_variable(quoted))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_readme_and_env_example_name_the_same_variables_as_the_code() {
    let readme: Vec<String> = readme_table().into_iter().map(|(name, _)| name).collect();
    let example: Vec<String> = env_example().into_iter().map(|(name, ..)| name).collect();
    let code = read_by_the_code();
    assert!(code.len() > 30, "{code:?}");
    for name in &code {
        assert!(
            readme.contains(name),
            "{name} is read but not in the README's table"
        );
    }
    for name in &readme {
        assert!(
            example.contains(name),
            "{name} is in the README but not in .env.example"
        );
    }
    for name in &example {
        assert!(
            readme.contains(name),
            "{name} is in .env.example but not in the README"
        );
    }
}

#[test]
fn the_defaults_written_down_are_the_codes() {
    let readme = readme_table();
    let base = required();
    let load = |extra: Option<(&str, &str)>| {
        let mut pairs: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.extend(extra);
        format!("{:?}", Config::load(&Source::from_pairs(pairs)).unwrap())
    };
    let defaults = load(None);
    let mut checked = 0;
    for (name, value, commented) in env_example() {
        if commented || value.is_empty() {
            continue;
        }
        // .env.example says the default: the README says the same, and setting it changes
        // nothing.
        let (_, cell) = readme.iter().find(|(n, _)| *n == name).unwrap();
        if cell.starts_with('`') && cell.ends_with('`') && cell.matches('`').count() == 2 {
            assert_eq!(
                cell.trim_matches('`'),
                value,
                "{name}: README and .env.example"
            );
        }
        assert_eq!(
            load(Some((&name, &value))),
            defaults,
            "{name}={value} is not the default"
        );
        checked += 1;
    }
    assert!(checked > 20, "checked {checked}");
}
