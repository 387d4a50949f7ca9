//! The README's commands as written, where a test can run them without a second build: the
//! develop section's settings are accepted by the server binary (`cargo leptos watch` runs it
//! with them), in every usual spelling of a boolean.

use std::process::{Command, Output};

/// `server gen-key` (no database, no network) with `vars` set.
fn server_with(vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("gen-key")
        .env_remove("MAILCONNECT_DEMO")
        .envs(vars.iter().copied())
        .output()
        .expect("run the server binary")
}

#[test]
fn the_develop_sections_settings_are_accepted() {
    let readme = include_str!("../../../README.md");
    let develop = readme
        .split("\n## Develop")
        .nth(1)
        .expect("a Develop section");
    let commands = develop.split("```").nth(1).expect("its commands");
    let watch = commands
        .lines()
        .find(|line| line.contains("cargo leptos watch"))
        .expect("the watch command");
    let vars: Vec<(&str, &str)> = watch
        .split_whitespace()
        .map_while(|word| word.split_once('='))
        .collect();
    assert!(
        !vars.is_empty(),
        "the watch command sets the demo mode: {watch}"
    );
    let output = server_with(&vars);
    assert!(
        output.status.success(),
        "{watch}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_demo_variable_takes_the_usual_spellings_of_a_boolean() {
    for value in ["1", "0", "true", "false", "yes", "no", "on", "off"] {
        let output = server_with(&[("MAILCONNECT_DEMO", value)]);
        assert!(output.status.success(), "MAILCONNECT_DEMO={value}");
    }
    let output = server_with(&[("MAILCONNECT_DEMO", "maybe")]);
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("invalid value 'maybe'"), "{error}");
}
