import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Not part of the test command: `scripts/bench-push.sh` runs it to measure push (BENCHMARKS.md)
// with the test suite's servers and fakes. The scheduler looks every 10 s and a pushed mailbox
// is synced after 60 s without push, so lost deliveries and the safety net show within minutes.
const servers = (Array.isArray(base.webServer) ? base.webServer : []).map((server) =>
  server.name === 'app'
    ? { ...server, env: { ...server.env, SYNC_INTERVAL_SECS: '10', SYNC_SAFETY_INTERVAL_SECS: '60' } }
    : server,
);

export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '*.spec.ts',
  workers: 1,
  timeout: 0,
  webServer: servers,
});
