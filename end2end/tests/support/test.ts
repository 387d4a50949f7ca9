import { test as base } from '@playwright/test';

export { expect, type Browser, type Locator, type Page } from '@playwright/test';

/**
 * Leptos starts hydrating a page's islands in `requestIdleCallback`. Chromium's headless shell,
 * which runs the suite, now and then grants a page no idle period at all while its animation
 * frames go on, and the page then never hydrates. Every page the tests open gets idle callbacks
 * with a deadline of a second (as web-vitals does for busy pages): they still wait for an idle
 * period when there is one.
 */
const IDLE_DEADLINE = `(() => {
  const request = window.requestIdleCallback.bind(window);
  window.requestIdleCallback = (callback, options) => request(callback, { timeout: 1000, ...options });
})();`;

/**
 * Playwright's `test`, with the deadline above in every browser context: the fixtures' own and
 * those a test opens with `browser.newContext()` or `browser.newPage()`.
 */
export const test = base.extend({
  browser: [
    async ({ browser }, use) => {
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        await context.addInitScript(IDLE_DEADLINE);
        return context;
      };
      await use(browser);
    },
    { scope: 'worker' },
  ],
});
