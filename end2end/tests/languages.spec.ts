import { expect, test, type Page } from './support/test';
import { expectNoSeriousViolations } from './support/axe';
import { GmailConnections, addGmailMessages, connectGmail } from './support/gmail';
import {
  ConnectionsPage,
  PASSWORD,
  TransactionsPage,
  signUp,
  uniqueEmail,
  waitForHydration,
} from './support/pages';

// Spanish and English: the browser's Accept-Language picks one, the header's switch changes it
// and keeps the choice for the user, and every page reads in Spanish with Costa Rica's formats
// (axe finds nothing serious there either).

const SYNC_TIMEOUT = 30_000;
const DAY = 24 * 60 * 60 * 1000;

/** Checks that `page` is the Spanish one, headed `heading`, and that axe is content with it. */
async function expectSpanish(page: Page, heading: string | RegExp, what: string): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', 'es-CR');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
  await expectNoSeriousViolations(page, `${what} in Spanish`);
}

test.describe('a browser that asks for Spanish', () => {
  test.use({ locale: 'es-CR' });

  test('reads every signed-out page in Spanish', async ({ page }) => {
    await page.goto('/signin');
    await expectSpanish(page, 'Iniciar sesión', '/signin');
    await page.goto('/signup');
    await expectSpanish(page, 'Cree su cuenta', '/signup');
    await page.goto('/no-such-page');
    await expectSpanish(page, 'Página no encontrada', 'a missing page');
    await page.goto('/auth/gmail/callback?state=unknown&code=unknown');
    await expectSpanish(page, 'Falló la conexión con Gmail', 'the popup result page');
    await expect(page.locator('#message')).toHaveText(/enlace de conexión no es válido/);
  });
});

test('the switch turns every page Spanish, and the user finds it so on their next sign-in', async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const gmail = uniqueEmail('idioma');
  await addGmailMessages(gmail, [
    { fixture: 'bac_purchase_crc.eml', internalDate: Date.now() - 2 * DAY },
    { fixture: 'bcr_card_three_rows.eml', internalDate: Date.now() - DAY },
  ]);
  const owner = uniqueEmail('idioma');
  await signUp(page, owner);
  await waitForHydration(page);
  await connectGmail(page, { email: gmail });
  await new ConnectionsPage(page).waitForSyncToFinish(gmail, SYNC_TIMEOUT);
  const transactions = new TransactionsPage(page);
  await transactions.goto();
  await expect(transactions.rows).not.toHaveCount(0);
  const amounts = await transactions.table.locator('td.amount').allTextContents();
  expect(amounts.length).toBeGreaterThan(0);

  // The switch: the same page again, now in Spanish.
  await page.getByRole('button', { name: 'Idioma: Español' }).click();
  await expect(page).toHaveURL(/\/transactions/);
  await expectSpanish(page, 'Transacciones', '/transactions with data');
  // The same amounts, written Costa Rica's way: a decimal comma, grouped with a space.
  const spanishAmounts = await page
    .getByRole('table', { name: 'Transacciones' })
    .locator('td.amount')
    .allTextContents();
  expect(spanishAmounts).toEqual(
    amounts.map((amount) => amount.replaceAll(',', '\u00a0').replace(/\.(\d\d)$/, ',$1')),
  );
  await expect(page.getByRole('button', { name: 'Aplicar' })).toBeVisible();
  await expect(page.getByRole('group', { name: /^Gastos en CRC, por (día|semana|mes)/ })).toBeVisible();

  await page.goto('/transactions?q=nada-parecido');
  await expectSpanish(page, 'Transacciones', '/transactions with nothing matching');
  await expect(page).toHaveTitle('Transacciones: ninguna coincide · mailconnect');
  await page.goto('/transactions');
  await page.locator('td.category a').first().click();
  await expectSpanish(page, 'Cambiar la categoría', '/transactions/category');
  await page.goto('/account');
  await expectSpanish(page, 'Su cuenta', '/account');

  await page.goto('/connections');
  await waitForHydration(page);
  await expectSpanish(page, 'Conexiones de correo', '/connections');
  // The island speaks the page's language too.
  await expect(page.getByRole('button', { name: `Sincronizar ahora ${gmail}` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Conectar Gmail' })).toBeVisible();
  await page.getByRole('link', { name: `Desconectar ${gmail}` }).click();
  await expectSpanish(page, `¿Desconectar ${gmail}?`, '/connections/disconnect');
  await page.getByRole('button', { name: 'Sí, desconectar' }).click();
  await expect(new GmailConnections(page).notice).toHaveText(/Cuenta de correo desconectada/);
  await expectNoSeriousViolations(page, '/connections after a disconnection, in Spanish');

  // Another browser, asking for English: Spanish once the owner signs in there.
  const context = await browser.newContext({ locale: 'en-US' });
  const other = await context.newPage();
  await other.goto('/signin');
  await expect(other.locator('html')).toHaveAttribute('lang', 'en');
  await other.getByLabel('Email', { exact: true }).fill(owner);
  await other.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await other.locator('main').getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Conexiones de correo');
  // And back to English with the switch.
  await other.getByRole('button', { name: 'Language: English' }).click();
  await expect(other.getByRole('heading', { level: 1 })).toHaveText('Email Connections');
  await context.close();
});
