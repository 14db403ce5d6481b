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

  // Approve a job the audit draw passed over (one in ten is drawn: the client cannot approve
  // that one, its attestors settle it). Post more jobs until there is one.
  const drawn = async (article: import('@playwright/test').Locator) => {
    await expect(article.getByTestId('job-approve').or(article.getByText('draw audit now')).first()).toBeVisible();
    return (await article.getByTestId('job-approve').count()) === 0;
  };
  const candidates = [job0, job1];
  let approve: string | null = null;
  for (let extra = 0; approve === null; extra++) {
    for (const job of candidates) {
      if (!(await drawn(page.locator(`article[data-job="${job}"]`)))) {
        approve = job;
        break;
      }
    }
    if (approve !== null) break;
    if (extra === 4) throw new Error('every job was drawn for audit');
    await page.getByLabel('Price per unit (PAY)').fill('0.1');
    await page.getByLabel('Max units').fill('10');
    await page.getByTestId('post-job').click();
    await signInDialog(page);
    await expect(jobs).toHaveCount(candidates.length + 1);
    const next = (await jobs.nth(candidates.length).getAttribute('data-job'))!;
    spice.accept(owner, next, { server: true });
    spice.submit(owner, next, 10, { server: true });
    await expect(page.locator(`article[data-job="${next}"]`)).toHaveAttribute('data-state', 'Submitted');
    candidates.push(next);
  }
  const approved = page.locator(`article[data-job="${approve}"]`);
  await approved.getByTestId('job-approve').click();
  await expect(page.getByTestId('tx-preview')).toContainText('approve_job');
  await expect(page.getByTestId('tx-preview')).toContainText('refund of the unused escrow');
  await signInDialog(page);
  await expect(approved).toHaveCount(0);
  const approval = page.getByTestId('activity').locator('tr[data-action="approve"]');
  await expect(approval).toHaveCount(1);
  if (approve === job0) await expect(approval).toContainText('+10 PAY');
  expect(spice.exists(approve)).toBe(false);

  // Dispute another job; the attestors find it fraudulent.
  const disputed = candidates.find((j) => j !== approve)!;
  const a1d = page.locator(`article[data-job="${disputed}"]`);
  await a1d.getByTestId('job-dispute').click();
  await expect(page.getByTestId('tx-preview')).toContainText('dispute_job');
  await signInDialog(page);
  await expect(a1d).toHaveAttribute('data-state', 'Disputed');
  spice.vote(disputed, { valid: false, server: true });
  await expect(a1d).toHaveCount(0);
  // Jobs drawn for audit on the way: their attestors settle them.
  for (const job of candidates.filter((j) => j !== approve && j !== disputed)) spice.vote(job, { valid: true, units: 10, server: true });
  // The escrow came back to the wallet's account; the slash share waits (no stake-mint account).
  await page.reload();
  await connectWallet(page);
  await expect(page.getByTestId('client-owed')).toContainText('STK');
  await page.getByTestId('collect-client').click();
  await signInDialog(page);
  await expect(page.getByTestId('client-owed')).toHaveCount(0);
  await expect(page.getByTestId('activity').locator('tr[data-action="collect"]')).toContainText('STK');
  // The approval created the epoch's reward accounts through a one-time rent payer (the program
  // refuses the job's client as that payer). Once the epoch ends and its shards close, their rent
  // is back with that key, and the page sends it to the wallet.
  await expect(page.getByTestId('tx-preview')).toHaveCount(0);
  spice.finalizeEpochs(1);
  await page.reload();
  await connectWallet(page);
  const rent = page.getByTestId('rent-keys').locator('tr').first();
  await expect(rent).not.toHaveAttribute('data-balance', /^(0)?$/);
  await rent.getByTestId('reclaim').click();
  await expect(page.getByTestId('tx-preview')).toContainText('one-time rent payer');
  await signInDialog(page);
  await expect(rent).toHaveAttribute('data-balance', '0');
  await screenshot(page, info, 'client-done');

  const audit = spice.audit();
  expect(audit.summary.every((s: { violations: number }) => s.violations === 0)).toBe(true);
});
