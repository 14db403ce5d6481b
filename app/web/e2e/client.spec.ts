// The client's story, in the browser: post two jobs with the escrow previewed, watch them move
// (accepted and submitted by a provider through the CLI) live through account subscriptions,
// approve one (refund of the unused escrow shown) and dispute the other, which the attestors then
// find fraudulent: the escrow comes back and a share of the slash waits to be collected.

import { test, expect, addWallet, connectWallet, openApp, screenshot, signInDialog } from './fixtures';

const TOKENS = 1_000_000n;

test('a client posts jobs, approves one and disputes another', async ({ page, spice }, info) => {
  const wallet = spice.fundedKeypair('client', { payment: 1_000n * TOKENS });
  const owner = spice.keypair('provider');
  const ownerAddress = spice.json(['dev', 'airdrop'], { keypair: owner }).to as string;
  spice.fund(ownerAddress, { stake: 5_000n * TOKENS });
  spice.json(['provider', 'register', '--stake', '2000', '--gpu-model', 'A100', '--gpu-count', '4', '--vram-gb', '40', '--region', 'us-east'], { keypair: owner });

  await addWallet(page, spice, wallet);
  await openApp(page, spice, '#/client');
  await connectWallet(page);

  // Job #0: 0.5 PAY × 100 units = 50 PAY escrowed.
  await page.getByLabel('Price per unit (PAY)').fill('0.5');
  await page.getByLabel('Max units').fill('100');
  await page.getByLabel('Spec URI').fill('https://example.com/spec-0.json');
  await expect(page.getByTestId('escrow-preview')).toContainText('50 PAY');
  await page.getByTestId('post-job').click();
  await expect(page.getByTestId('tx-preview')).toContainText('create_job');
  await expect(page.getByTestId('tx-preview')).toContainText('50 PAY');
  await signInDialog(page);
  // Job #1: 0.2 × 50 = 10 PAY.
  await page.getByLabel('Price per unit (PAY)').fill('0.2');
  await page.getByLabel('Max units').fill('50');
  await page.getByTestId('post-job').click();
  await signInDialog(page);
  const jobs = page.locator('#client-jobs article');
  await expect(jobs).toHaveCount(2);
  const job0 = (await jobs.nth(0).getAttribute('data-job'))!;
  const job1 = (await jobs.nth(1).getAttribute('data-job'))!;
  const a0 = page.locator(`article[data-job="${job0}"]`);
  const a1 = page.locator(`article[data-job="${job1}"]`);
  await expect(a0).toHaveAttribute('data-state', 'Open');
  await expect(a0).toHaveAttribute('data-live', 'live');

  // The provider accepts and submits both (the CLI, through the server): the page follows
  // from its account subscriptions, without a reload.
  spice.accept(owner, job0, { server: true });
  spice.accept(owner, job1, { server: true });
  await expect(a0).toHaveAttribute('data-state', 'Running');
  spice.submit(owner, job0, 80, { server: true });
  spice.submit(owner, job1, 50, { server: true });
  await expect(a0).toHaveAttribute('data-state', 'Submitted');
  await expect(a1).toHaveAttribute('data-state', 'Submitted');
  await expect(a0.getByTestId('reported-units')).toHaveText('80');
  await screenshot(page, info, 'client-submitted');

  // Approve job #0: 40 PAY to the provider (less the fee), 10 PAY back.
  await a0.getByTestId('job-approve').click();
  await expect(page.getByTestId('tx-preview')).toContainText('approve_job');
  await expect(page.getByTestId('tx-preview')).toContainText('refund of the unused escrow');
  await signInDialog(page);
  if (spice.exists(job0)) {
    // Drawn for audit: the approval stands, and a Valid quorum settles it.
    spice.vote(job0, { valid: true, units: 80, server: true });
  }
  await expect(a0).toHaveCount(0);
  const approved = page.getByTestId('activity').locator('tr[data-action="approve"]');
  await expect(approved).toHaveCount(1);
  if (!spice.exists(job0)) await expect(approved).toContainText(/\+10 PAY|—/);

  // Dispute job #1; the attestors find it fraudulent.
  await a1.getByTestId('job-dispute').click();
  await expect(page.getByTestId('tx-preview')).toContainText('dispute_job');
  await signInDialog(page);
  await expect(a1).toHaveAttribute('data-state', 'Disputed');
  spice.vote(job1, { valid: false, server: true });
  await expect(a1).toHaveCount(0);
  // The escrow came back to the wallet's account; the slash share waits (no stake-mint account).
  await page.reload();
  await connectWallet(page);
  await expect(page.getByTestId('client-owed')).toContainText('STK');
  await page.getByTestId('collect-client').click();
  await signInDialog(page);
  await expect(page.getByTestId('client-owed')).toHaveCount(0);
  await expect(page.getByTestId('activity').locator('tr[data-action="collect"]')).toContainText('STK');
  await screenshot(page, info, 'client-done');

  const audit = spice.audit();
  expect(audit.summary.every((s: { violations: number }) => s.violations === 0)).toBe(true);
});
