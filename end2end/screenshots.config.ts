import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Not part of the test command: `scripts/screenshots.sh` runs it to draw the README's pictures
// of the Transactions page, in English and in Spanish, with the test suite's servers and fakes.
export default defineConfig({
  ...base,
  testDir: './screenshots',
  workers: 1,
  use: { ...base.use, viewport: { width: 1200, height: 1500 } },
});
