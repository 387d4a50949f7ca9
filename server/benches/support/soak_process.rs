//! A release server process for the chaos soaks: started with its Google at one address and
//! the soak's own settings, killed (and waited for) when dropped.

use std::process::{Child, Command, Stdio};

use secrecy::{ExposeSecret, SecretString};

pub struct Process(pub Child);

impl Process {
    /// `server serve` on `database_url`, sealing with `key`, its Google (token endpoint, and
    /// Gmail) at `google`, with `vars` set besides.
    pub fn start(
        database_url: &str,
        key: &SecretString,
        google: &str,
        vars: &[(&str, &str)],
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("TOKEN_ENCRYPTION_KEY", key.expose_secret())
            .env("GOOGLE_CLIENT_ID", "soak")
            .env("GOOGLE_CLIENT_SECRET", "soak")
            .env("GOOGLE_TOKEN_URL", format!("{google}/token"))
            .env("GOOGLE_REVOKE_URL", format!("{google}/revoke"))
            .env("GMAIL_API_URL", google)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (name, value) in vars {
            command.env(name, value);
        }
        Self(command.spawn().expect("start the server binary"))
    }

    /// The process's peak resident set, in KiB, while it runs.
    #[allow(dead_code)] // the refresher's soak does not measure it
    pub fn peak_rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.0.id()))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
