import { test } from '@playwright/test';
import { signUp, uniqueEmail, waitForHydration } from './support/pages';
test('debug', async ({ page }) => {
  page.on('console', (m) => console.log('CONSOLE', m.type(), m.text()));
  page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
  page.on('popup', (p) => console.log('POPUP', p.url()));
  await signUp(page, uniqueEmail('dbg'));
  console.log('URL after signup', page.url());
  await waitForHydration(page);
  console.log('hydrated?', await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).join('\n')));
  await page.locator('button.connect').click();
  await page.waitForTimeout(3000);
  console.log(await page.locator('main').innerHTML());
  await page.reload();
  await waitForHydration(page);
  await page.locator('button.connect').click();
  await page.waitForTimeout(3000);
  console.log('after reload', await page.locator('button.connect').textContent());
});
