import path from 'node:path';
import { expect, test } from '../tests/support/test';
import { addGmailMessages, connectGmail } from '../tests/support/gmail';
import { ConnectionsPage, TransactionsPage, signUp, waitForHydration } from '../tests/support/pages';

// The README's pictures: a week of alerts from five banks, on /transactions, in both languages.

const DAY = 24 * 60 * 60 * 1000;
const OUT = path.join(import.meta.dirname, '..', '..', 'docs');
const ALERTS = [
  'bac_2026_purchase_visa_crc.eml',
  'bac_purchase_usd_ago.eml',
  'bcr_card_three_rows.eml',
  'bcr_sinpe_in.eml',
  'davivienda_autorizacion_crc.eml',
  'bac_2026_refund_amex.eml',
  'bncr_voucher_usd.eml',
  'promerica_purchase_crc.eml',
  'bac_sinpe_2026_out.eml',
];

test('the Transactions page, in English and in Spanish', async ({ page }) => {
  test.setTimeout(90_000);
  const gmail = 'ana.mora.demo@gmail.com';
  const now = Date.now();
  await addGmailMessages(
    gmail,
    ALERTS.map((fixture, i) => ({
      fixture,
      internalDate: now - (6 - Math.floor((i * 6) / ALERTS.length)) * DAY,
      redate: true,
    })),
  );
  await signUp(page, 'ana.mora@example.com');
  await waitForHydration(page);
  await connectGmail(page, { email: gmail });
  await new ConnectionsPage(page).waitForSyncToFinish(gmail, 30_000);
  const transactions = new TransactionsPage(page);
  await page.goto('/transactions?period=7');
  await expect(transactions.rows).not.toHaveCount(0);
  await page.screenshot({ path: path.join(OUT, 'transactions-en.png'), fullPage: true });
  await page.getByRole('button', { name: 'Idioma: Español' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Transacciones');
  await page.screenshot({ path: path.join(OUT, 'transactions-es.png'), fullPage: true });
});
