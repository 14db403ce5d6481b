// A wallet that rejects a signature leaves no half-done state: nothing is sent, no account is
// created, no balance moves, the form keeps what was typed, and the next attempt goes through.
// A transaction the program refuses is reported by the program's error name.

import { test, expect, addWallet, connectWallet, openApp, signInDialog } from './fixtures';

const TOKENS = 1_000_000n;
type TestWallet = { rejectNext(n: number): void; requests: { kind: string; rejected: boolean }[] };

test('a rejected signature leaves no half-done state; program errors are named', async ({ page, spice }) => {
  const wallet = spice.fundedKeypair('someone', { stake: 3_000n * TOKENS, payment: 100n * TOKENS });
  await addWallet(page, spice, wallet);
  await openApp(page, spice, '#/provider');
  await connectWallet(page);
  const before = spice.audit();

  // Register, rejected in the wallet.
  await page.getByLabel('Stake (STK)').fill('1200');
  await page.evaluate(() => (window as unknown as { __spiceTestWallet: TestWallet }).__spiceTestWallet.rejectNext(1));
  await page.getByTestId('register').click();
  await signInDialog(page, { expectError: 'Rejected' });
  const requests = await page.evaluate(() => (window as unknown as { __spiceTestWallet: TestWallet }).__spiceTestWallet.requests);
  expect(requests.filter((r) => r.kind === 'signTransaction').map((r) => r.rejected)).toEqual([true]);
  // Nothing happened on chain: no provider, the same balances, the same audit.
  await expect(page.locator('#register')).toBeVisible();
  await expect(page.getByLabel('Stake (STK)')).toHaveValue('1200');
  expect(spice.json(['provider', 'list'])).toEqual([]);
  const after = spice.audit();
  expect(after.summary).toEqual(before.summary);
  expect(spice.cli(['dev', 'balance', '--mint', 'stake', '--of', wallet.address])).toContain('3000');

  // A job post, rejected: no job, no client record.
  await page.getByRole('link', { name: 'Client' }).click();
  await page.getByLabel('Price per unit (PAY)').fill('1');
  await page.getByLabel('Max units').fill('10');
  await page.evaluate(() => (window as unknown as { __spiceTestWallet: TestWallet }).__spiceTestWallet.rejectNext(1));
  await page.getByTestId('post-job').click();
  await signInDialog(page, { expectError: 'Rejected' });
  await expect(page.locator('#client-jobs')).toContainText('No live job');
  expect(spice.json(['job', 'list'])).toEqual([]);

  // The program refuses registration while the authority pauses it: the error by its name.
  spice.cli(['network', 'pause', 'register']);
  await page.getByRole('link', { name: 'Provider' }).click();
  await page.getByLabel('Stake (STK)').fill('1200');
  await page.getByTestId('register').click();
  await signInDialog(page, { expectError: 'Paused' });
  await expect(page.locator('#register')).toBeVisible();

  // Unpaused, the same form goes through.
  spice.cli(['network', 'pause', 'none']);
  await page.getByTestId('register').click();
  await signInDialog(page);
  await expect(page.getByTestId('stake-amount')).toContainText('1,200');
  expect(spice.audit().summary.every((s: { violations: number }) => s.violations === 0)).toBe(true);
});
