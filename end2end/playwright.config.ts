import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import {
  APP_PORT,
  APP_URL,
  FAKE_GOOGLE,
  FAKE_GOOGLE_PORT,
  FAKE_MICROSOFT,
  FAKE_MICROSOFT_PORT,
} from './tests/support/env';

// Every run starts with an empty database and a fresh encryption key. Playwright loads this
// file again in each worker process; the workers inherit the runner's environment, so the
// values are made once (in the runner) and reused from there.
if (!process.env.MAILCONNECT_E2E_DB_DIR) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailconnect-e2e-'));
  process.env.MAILCONNECT_E2E_DB_DIR = dir;
  process.env.MAILCONNECT_E2E_KEY = randomBytes(64).toString('base64');
  if (!process.env.E2E_KEEP_DB) {
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
}
const dbDir = process.env.MAILCONNECT_E2E_DB_DIR;
const PUSH_AUDIENCE = `${APP_URL}/push/gmail`;
const PUSH_SERVICE_ACCOUNT = 'gmail-push@fake-project.iam.gserviceaccount.com';
const tokenKey = process.env.MAILCONNECT_E2E_KEY!;

export default defineConfig({
  testDir: './tests',
  // Six tests at a time, in any order: each works on accounts of its own (fresh addresses,
  // and the fakes' settings per account), so none sees another's state. Much of a test is
  // waiting (for a sync, a popup, the refresher): on two cores six finished the suite in
  // 70-80 s, where four took 85 s and eight, fighting for the cores, 82 s.
  workers: 6,
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: 'list',
  timeout: 30_000,
  use: {
    baseURL: APP_URL,
    // The browsers live where the banks are: a new user's times stay Costa Rica's. The test of
    // another zone opens a browser of its own elsewhere.
    timezoneId: 'America/Costa_Rica',
    // Recording a trace (DOM snapshots after every action) costs every test CPU the suite,
    // which keeps two cores busy, waits for: off unless PW_TRACE is set, and then kept for the
    // failed tests (without screenshots: encoding a screencast took a fifth of the run's CPU).
    trace: process.env.PW_TRACE ? { mode: 'retain-on-failure', screenshots: false } : 'off',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        // Debian's Chromium (`npx playwright install` cannot download a browser here), in its
        // headless shell: the same engine without the desktop browser around it, as
        // Playwright's own headless mode runs it. The suite took 85 s in it and 123 s in the
        // full browser, which `E2E_CHROMIUM=/usr/bin/chromium` picks (and `--headed` needs).
        launchOptions: {
          executablePath: process.env.E2E_CHROMIUM ?? '/usr/lib/chromium/chromium-headless-shell',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
          ],
        },
      },
    },
  ],
  webServer: [
    {
      name: 'fake-google',
      command: 'node fake-google/server.mjs',
      env: {
        FAKE_GOOGLE_PORT: String(FAKE_GOOGLE_PORT),
        // Its Pub/Sub delivers watched mailboxes' changes to the app, as the push subscription
        // the README describes would.
        FAKE_PUBSUB_PUSH_ENDPOINT: `${APP_URL}/push/gmail`,
        FAKE_PUBSUB_AUDIENCE: PUSH_AUDIENCE,
        FAKE_PUBSUB_SERVICE_ACCOUNT: PUSH_SERVICE_ACCOUNT,
      },
      url: `${FAKE_GOOGLE}/__admin/health`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      name: 'fake-microsoft',
      command: 'node fake-microsoft/server.mjs',
      env: { FAKE_MICROSOFT_PORT: String(FAKE_MICROSOFT_PORT) },
      url: `${FAKE_MICROSOFT}/__admin/health`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      // Built by scripts/build-site.sh (or `cargo leptos build`), run from the repository root
      // first. It runs from the repository root so that LEPTOS_SITE_ROOT=target/site finds the
      // WASM bundle and CSS. E2E_SERVER_BIN names another binary, e.g. target/release/server
      // after scripts/build-release.sh; it must come from the same build as target/site.
      name: 'app',
      command: `${process.env.E2E_SERVER_BIN ?? './target/debug/server'} serve`,
      cwd: '..',
      url: `${APP_URL}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      // The server's warnings and errors beside the tests' results.
      stdout: 'pipe',
      env: {
        DATABASE_URL: `sqlite://${dbDir}/e2e.db?mode=rwc`,
        LEPTOS_SITE_ADDR: `127.0.0.1:${APP_PORT}`,
        APP_ORIGIN: APP_URL,
        LEPTOS_SITE_ROOT: 'target/site',
        LEPTOS_OUTPUT_NAME: 'mailconnect',
        TOKEN_ENCRYPTION_KEY: tokenKey,
        GOOGLE_CLIENT_ID: 'fake-client-id',
        GOOGLE_CLIENT_SECRET: 'fake-client-secret',
        GOOGLE_AUTH_URL: `${FAKE_GOOGLE}/o/oauth2/v2/auth`,
        GOOGLE_TOKEN_URL: `${FAKE_GOOGLE}/token`,
        GOOGLE_USERINFO_URL: `${FAKE_GOOGLE}/v1/userinfo`,
        GOOGLE_REVOKE_URL: `${FAKE_GOOGLE}/revoke`,
        GMAIL_API_URL: FAKE_GOOGLE,
        MICROSOFT_CLIENT_ID: 'fake-microsoft-client-id',
        MICROSOFT_CLIENT_SECRET: 'fake-microsoft-client-secret',
        MICROSOFT_AUTH_URL: `${FAKE_MICROSOFT}/common/oauth2/v2.0/authorize`,
        MICROSOFT_TOKEN_URL: `${FAKE_MICROSOFT}/common/oauth2/v2.0/token`,
        GRAPH_API_URL: `${FAKE_MICROSOFT}/v1.0`,
        // Push: Gmail through the fake's Pub/Sub (its tokens signed with the fake's keys),
        // Outlook through the fake Graph's notifications. Mailboxes are watched either way;
        // the fakes deliver only for the accounts whose tests turn `push` on.
        GMAIL_PUSH_TOPIC: 'projects/fake-project/topics/gmail-push',
        GMAIL_PUSH_AUDIENCE: PUSH_AUDIENCE,
        GMAIL_PUSH_SERVICE_ACCOUNT: PUSH_SERVICE_ACCOUNT,
        GOOGLE_JWKS_URL: `${FAKE_GOOGLE}/oauth2/v3/certs`,
        GRAPH_NOTIFICATION_URL: `${APP_URL}/push/outlook`,
        // A refresher that looks every second, for tokens within the shortest window allowed
        // (10 minutes): accounts keep the fake's hour-long tokens untouched unless a test asks
        // for short-lived ones.
        REFRESH_INTERVAL_SECS: '1',
        REFRESH_WINDOW_SECS: '600',
        // Syncs run only when a test connects an account or presses "Sync now": the scheduled
        // round of every mailbox comes once at start-up (no accounts yet) and then not again
        // during a run.
        SYNC_INTERVAL_SECS: '3600',
        // Tests press "Sync now" a few times in a row; the once-a-minute limit has its own
        // Rust test.
        SYNC_NOW_INTERVAL_SECS: '0',
        // Every test signs up from 127.0.0.1: one client address, many sign-ups.
        CLIENT_BURST: '1000',
        RUST_LOG: 'warn',
      },
    },
  ],
});
