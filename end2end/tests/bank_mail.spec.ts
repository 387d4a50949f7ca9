import fs from 'node:fs/promises';
import { expect, test } from './support/test';
import { csvRecords } from './support/csv';
import { addGmailMessages, connectGmail } from './support/gmail';
import {
  ConnectionsPage,
  TransactionsPage,
  signUp,
  uniqueEmail,
  waitForHydration,
} from './support/pages';

const DAY = 24 * 60 * 60 * 1000;

/** One transaction of a fixture mail (server/src/alerts/fixtures/*.eml), as page and CSV show it. */
type Expected = {
  fixture: string;
  merchant: string;
  when: string;
  amount: string;
  kind: string;
  csvAmount: string;
  currency: string;
};

// BAC Credomatic's alerts as they come today: card alerts from both baccredomatic.cr senders,
// a refund, two withdrawals, and SINPE money in and out. Newest first, as listed.
const ALERTS: Expected[] = [
  {
    fixture: 'bac_2026_cash_advance.eml',
    merchant: 'CAJA BAC MULTICENTRO OESTE, ESCAZU, Costa Rica',
    when: '3 Nov 2026, 11:26',
    amount: '$200.00',
    kind: 'Withdrawal',
    csvAmount: '200.00',
    currency: 'USD',
  },
  {
    fixture: 'bac_2026_withdrawal_atm.eml',
    merchant: 'ATM BAC TIBAS CENTRO, TIBAS, Costa Rica',
    when: '24 Oct 2026, 14:02',
    amount: '₡40,000.00',
    kind: 'Withdrawal',
    csvAmount: '40000.00',
    currency: 'CRC',
  },
  {
    fixture: 'bac_sinpe_2026_in.eml',
    merchant: '—',
    when: '18 Oct 2026, 19:41',
    amount: '₡15,500.00',
    kind: 'Transfer in',
    csvAmount: '15500.00',
    currency: 'CRC',
  },
  {
    fixture: 'bac_sinpe_2026_out.eml',
    merchant: '—',
    when: '6 Oct 2026, 09:15',
    amount: '₡62,310.50',
    kind: 'Transfer out',
    csvAmount: '62310.50',
    currency: 'CRC',
  },
  {
    fixture: 'bac_2026_refund_amex.eml',
    merchant: 'TIENDA VIAJERA ONLINE, MIAMI, Estados Unidos',
    when: '5 Oct 2026, 16:20',
    amount: '-$45.30',
    kind: 'Refund',
    csvAmount: '-45.30',
    currency: 'USD',
  },
  {
    fixture: 'bac_2026_purchase_master_usd.eml',
    merchant: 'CLOUDNOTE*PRO PLAN, BELLEVUE',
    when: '17 Sept 2026, 21:47',
    amount: '$12.99',
    kind: 'Purchase',
    csvAmount: '12.99',
    currency: 'USD',
  },
  {
    fixture: 'bac_2026_purchase_visa_crc.eml',
    merchant: 'FERRETERIA EL MARTILLO, ALAJUELA, Costa Rica',
    when: '14 Aug 2026, 12:58',
    amount: '₡27,450.00',
    kind: 'Purchase',
    csvAmount: '27450.00',
    currency: 'CRC',
  },
];
/** Withdrawals, purchases and money sent, less the refund; money in counts for nothing. */
const SPENT = { CRC: '₡129,760.50', USD: '$167.69' };
/** A BAC alert in a layout the app does not know. */
const UNREADABLE = {
  fixture: 'bac_2026_unknown_layout.eml',
  subject: 'Comprobante digital de su compra',
};

test('BAC alerts of today become transactions with the right sign; an unreadable one is named', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const gmail = uniqueEmail('bank-mail');
  const now = Date.now();
  await addGmailMessages(
    gmail,
    [...ALERTS.map(({ fixture }) => fixture), UNREADABLE.fixture].map((fixture, i) => ({
      fixture,
      internalDate: now - (i + 1) * 0.5 * DAY,
    })),
  );
  await signUp(page, uniqueEmail('bank-mail-user'));
  await waitForHydration(page);
  const connections = new ConnectionsPage(page);
  await connectGmail(page, { email: gmail });
  await expect(connections.account(gmail)).toHaveCount(1);
  await connections.waitForSyncToFinish(gmail, 30_000);

  const transactions = new TransactionsPage(page);
  await transactions.goto({ period: 'all' });
  await expect(transactions.rows).toHaveCount(ALERTS.length);
  const shown = await transactions.rowTexts();
  expect(shown.map(({ when, merchant, amount, kind, bank }) => ({ when, merchant, amount, kind, bank }))).toEqual(
    ALERTS.map(({ when, merchant, amount, kind }) => ({ when, merchant, amount, kind, bank: 'BAC Credomatic' })),
  );
  await expect(transactions.totalAmounts).toHaveText([SPENT.CRC, SPENT.USD]);

  // The alert it could not read is named, with its date and subject, and left out of the totals.
  const bac = transactions.unreadNote.locator('.unread-bank[data-bank="BAC Credomatic"]');
  await expect(bac.getByRole('status')).toHaveText(
    '1 mail from BAC Credomatic could not be read, so it is not in these totals.',
  );
  await expect(bac.locator('li .subject')).toHaveText([UNREADABLE.subject]);
  await expect(bac.locator('li .when')).toHaveText([/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/]);

  // The CSV: each alert once, the refund negative, every kind named.
  const downloading = page.waitForEvent('download');
  await transactions.csvLink.click();
  const csv = await fs.readFile(await (await downloading).path(), 'utf8');
  const records = csvRecords(csv);
  expect(records.map(({ amount, currency, kind, bank }) => ({ amount, currency, kind, bank }))).toEqual(
    ALERTS.map(({ csvAmount, currency, kind }) => ({
      amount: csvAmount,
      currency,
      kind,
      bank: 'BAC Credomatic',
    })),
  );
  expect(csv).not.toContain(UNREADABLE.subject);
});
