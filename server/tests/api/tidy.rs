//! Tidy: the map in ARCHITECTURE.md, checked against `server/src`. A module may use only the
//! modules below it ("Which folder may use which"), only `web` and `connect` know the UI crate,
//! and each table is written only by the module that owns it (through SeaORM or in SQL); a
//! value an entity stores as text (a status, an outcome, an audit action) is spelled in SQL
//! only in `entities`. And no test file grows past [`TEST_FILE_LINES`]: a longer one is split
//! by what it tests.
//!
//! It reads the code as text, comments left out; a write through a renamed import (`users as
//! u`) is not seen.

use std::path::Path;

/// Each top-level module of `server/src` and the modules it may use, besides [`SHARED`].
const MAY_USE: &[(&str, &[&str])] = &[
    (
        "web",
        &[
            "connect",
            "sync",
            "tokens",
            "accounts",
            "identity",
            "alerts",
            "categories",
            "provider",
            "vault",
            "events",
            "push",
        ],
    ),
    (
        "housekeeping",
        &["accounts", "connect", "identity", "sync", "events"],
    ),
    (
        "connect",
        &[
            "push", "sync", "tokens", "accounts", "identity", "provider", "vault",
        ],
    ),
    ("push", &["sync", "tokens", "accounts", "provider", "vault"]),
    (
        "sync",
        &[
            "tokens",
            "accounts",
            "alerts",
            "categories",
            "provider",
            "vault",
            "events",
        ],
    ),
    ("tokens", &["accounts", "provider", "vault"]),
    ("accounts", &["provider", "vault"]),
    ("identity", &[]),
    ("events", &[]),
    ("provider", &[]),
    ("vault", &[]),
];

/// What every module in [`MAY_USE`] may use.
const SHARED: &[&str] = &["config", "clock", "secrets", "backoff", "lease", "entities"];

/// The ground the others stand on, and what each of them may use: the settings build the vault
/// from their keys, and each sealed column is bound to the vault's associated data. Bank mail
/// is read by pure functions that use nothing.
const GROUND: &[(&str, &[&str])] = &[
    ("config", &["vault"]),
    ("entities", &["vault"]),
    ("alerts", &[]),
    ("categories", &["alerts"]),
    ("clock", &[]),
    ("secrets", &[]),
    ("backoff", &[]),
    ("lease", &[]),
    ("db", &[]),
];

/// The modules that may use the UI crate (`app`): the pages' server side and the popup's.
const KNOW_THE_UI: &[&str] = &["web", "connect"];

/// Each table and the module that writes it.
const OWNERS: &[(&str, &str)] = &[
    ("users", "identity"),
    ("sessions", "identity"),
    ("oauth_flows", "connect"),
    ("email_accounts", "accounts"),
    ("api_access_log", "accounts"),
    ("mailbox_sync", "sync"),
    ("mail_messages", "sync"),
    ("transactions", "sync"),
    ("category_rules", "sync"),
    ("spending_versions", "sync"),
    ("page_events", "events"),
    ("mailbox_push", "push"),
];

/// The top-level module a source file belongs to (`None`: `lib.rs` or `main.rs`, above all).
fn module_of(path: &str) -> Option<&str> {
    let first = path.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then_some(name)
}

/// The code without its comments.
fn code(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers that follow each `prefix` in `code`.
fn names_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    code.match_indices(prefix)
        .filter(|(at, _)| {
            // A whole path segment: `crate::`, not `my_crate::`.
            code[..*at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .map(|(at, _)| {
            let rest = &code[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

/// The values the entities store as text (`string_value = "…"`), as SQL would quote them.
fn stored_values(files: &[(String, String)]) -> Vec<String> {
    let mut values: Vec<String> = files
        .iter()
        .filter(|(path, _)| path.starts_with("entities/"))
        .flat_map(|(_, text)| text.split("string_value = \"").skip(1))
        .filter_map(|rest| rest.split('"').next())
        .map(|value| format!("'{value}'"))
        .collect();
    values.sort();
    values.dedup();
    values
}

/// Every breach of the rules in `files` (paths relative to `server/src`, and their text).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    let stored = stored_values(files);
    for (path, text) in files {
        let Some(module) = module_of(path) else {
            continue;
        };
        let code = code(text);
        let layer = MAY_USE.iter().find(|(name, _)| *name == module);
        let ground = GROUND.iter().find(|(name, _)| *name == module);
        let allowed: Vec<&str> = match (layer, ground) {
            (Some((_, uses)), _) => uses.iter().chain(SHARED).copied().collect(),
            (None, Some((_, uses))) => uses.to_vec(),
            (None, None) => {
                found.push(format!("{path}: `{module}` is not on the map"));
                continue;
            }
        };
        for used in names_after(&code, "crate::") {
            if used != module && !allowed.contains(&used) {
                found.push(format!("{path}: `{module}` may not use `{used}`"));
            }
        }
        if module != "entities" {
            for value in stored.iter().filter(|value| code.contains(value.as_str())) {
                found.push(format!(
                    "{path}: `{module}` spells {value}, which `entities` names"
                ));
            }
        }
        if !KNOW_THE_UI.contains(&module) && !names_after(&code, "app::").is_empty() {
            found.push(format!(
                "{path}: `{module}` may not use the UI crate (`app`)"
            ));
        }
        for (table, owner) in OWNERS {
            if module == *owner {
                continue;
            }
            let seaorm = [
                "Entity::insert",
                "Entity::update",
                "Entity::delete",
                "ActiveModel",
            ]
            .iter()
            .any(|write| code.contains(&format!("{table}::{write}")));
            let sql = ["INSERT INTO", "UPDATE", "DELETE FROM"]
                .iter()
                .any(|verb| code.contains(&format!("{verb} {table}")));
            if seaorm || sql {
                found.push(format!(
                    "{path}: `{module}` writes `{table}`, which `{owner}` owns"
                ));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Every `.rs` file under `dir`, by its path relative to `root`.
fn sources(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap().to_string_lossy();
            let text = std::fs::read_to_string(&path).unwrap();
            files.push((relative.replace('\\', "/"), text));
        }
    }
}

#[test]
fn the_server_follows_its_map() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(files.len() > 50, "read {} files", files.len());
    let stored = stored_values(&files);
    assert!(
        stored.contains(&"'needs_reconnect'".to_owned()),
        "{stored:?}"
    );
    let found = violations(&files);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The longest a file of tests may be.
const TEST_FILE_LINES: usize = 400;

#[test]
fn no_test_file_is_longer_than_it_can_be_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(files.len() > 20, "read {} files", files.len());
    let long: Vec<String> = files
        .iter()
        .map(|(path, text)| (path, text.lines().count()))
        .filter(|(_, lines)| *lines > TEST_FILE_LINES)
        .map(|(path, lines)| format!("{path}: {lines} lines"))
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}

#[test]
fn the_rules_catch_what_breaks_the_map() {
    let file = |path: &str, text: &str| vec![(path.to_owned(), text.to_owned())];

    let upward = violations(&file(
        "accounts/grants.rs",
        "use crate::web::shield::Shield;",
    ));
    assert_eq!(upward, ["accounts/grants.rs: `accounts` may not use `web`"]);
    let sideways = violations(&file("alerts/mod.rs", "fn f() { crate::clock::now(); }"));
    assert_eq!(sideways, ["alerts/mod.rs: `alerts` may not use `clock`"]);
    let ui = violations(&file("entities/users.rs", "use app::model::MailService;"));
    assert_eq!(
        ui,
        ["entities/users.rs: `entities` may not use the UI crate (`app`)"]
    );
    let write = violations(&file(
        "web/backend.rs",
        "users::ActiveModel { ..Default::default() }.insert(db)",
    ));
    assert_eq!(
        write,
        ["web/backend.rs: `web` writes `users`, which `identity` owns"]
    );
    let sql = violations(&file(
        "tokens/refresh.rs",
        r#"db.execute("UPDATE email_accounts SET")"#,
    ));
    assert_eq!(
        sql,
        ["tokens/refresh.rs: `tokens` writes `email_accounts`, which `accounts` owns"]
    );
    let spelled = violations(&[
        (
            "entities/email_accounts.rs".to_owned(),
            r#"#[sea_orm(string_value = "needs_reconnect")]"#.to_owned(),
        ),
        (
            "sync/run.rs".to_owned(),
            r#"db.query("SELECT id WHERE status = 'needs_reconnect'")"#.to_owned(),
        ),
    ]);
    assert_eq!(
        spelled,
        ["sync/run.rs: `sync` spells 'needs_reconnect', which `entities` names"]
    );
    let unknown = violations(&file("metrics.rs", "fn f() {}"));
    assert_eq!(unknown, ["metrics.rs: `metrics` is not on the map"]);

    // What the map allows, and what is only mentioned in a comment.
    for (path, text) in [
        ("connect/callback.rs", "use crate::identity::ClientAddress;"),
        (
            "web/mod.rs",
            "use crate::sync::Syncs; use app::model::MailService;",
        ),
        (
            "identity/users.rs",
            "users::ActiveModel { ..Default::default() }",
        ),
        (
            "entities/sessions.rs",
            "/// See [`crate::identity::sessions`].",
        ),
        ("lib.rs", "use crate::web::router;"),
        ("sync/run.rs", "use my_crate::web::x;"),
    ] {
        assert_eq!(
            violations(&file(path, text)),
            Vec::<String>::new(),
            "{path}"
        );
    }
}
