// The provider's story, in the browser with a Wallet Standard wallet: register with hardware and
// stake, add stake, accept an offered job and submit its result, collect the payments, then claim
// the rewards of three epochs (on two book pages) with "claim all" — one claim transaction per
// page here (?claimPagesPerTx=1), the second rejected in the wallet, the resume refused once by
// the RPC, then resumed to the end; the reward history exported as CSV.

import { readFileSync } from 'node:fs';
import { test, expect, addWallet, connectWallet, openApp, screenshot, signInDialog } from './fixtures';

const TOKENS = 1_000_000n; // both test mints have 6 decimals

test('a provider registers, stakes, runs a job and claims three epochs with claim all', async ({ page, spice }, info) => {
  const wallet = spice.fundedKeypair('provider', { stake: 5_000n * TOKENS });
  const client = spice.keypair('client');
  const clientAddress = spice.json(['dev', 'airdrop'], { keypair: client }).to as string;
  spice.fund(clientAddress, { payment: 1_000n * TOKENS });

  await addWallet(page, spice, wallet);
  await openApp(page, spice, '#/provider', '&claimPagesPerTx=1');
  await expect(page.getByTestId('connect-prompt')).toBeVisible();
  await connectWallet(page);

  // Register: hardware and 1,500 STK of stake.
  await page.getByLabel('GPU model').fill('RTX 4090');
  await page.getByLabel('GPU count').fill('2');
  await page.getByLabel('Stake (STK)').fill('1,500');
  await page.getByTestId('register').click();
  await expect(page.getByTestId('tx-preview')).toContainText('1,500');
  await expect(page.getByTestId('tx-preview')).toContainText('register_provider');
  await signInDialog(page);
  await expect(page.getByTestId('stake-amount')).toContainText('1,500');

  // Add 500.
  await page.getByLabel('Add stake (STK)').fill('500');
  await page.getByTestId('add-stake').click();
  await signInDialog(page);
  await expect(page.getByTestId('stake-amount')).toContainText('2,000');
  await screenshot(page, info, 'provider-registered');

  // A client posts a job (CLI); the provider accepts it and submits in the browser.
  const job1 = spice.createJob(client, { price: '0.5', units: 100 });
  await page.reload();
  await connectWallet(page);
  const offered = page.locator(`#offered tr[data-job="${job1}"]`);
  await expect(offered).toBeVisible();
  await offered.getByTestId('accept').click();
  await expect(page.getByTestId('tx-preview')).toContainText('accept_job');
  await signInDialog(page);
  const mine = page.locator(`#my-jobs article[data-job="${job1}"]`);
  await expect(mine).toHaveAttribute('data-state', 'Running');
  await mine.getByLabel('Units done').fill('80');
  await mine.getByLabel('Result URI').fill('https://example.com/out.tar');
  await mine.getByTestId('submit-result').click();
  await signInDialog(page);
  await expect(mine).toHaveAttribute('data-state', 'Submitted');
  await screenshot(page, info, 'provider-job-submitted');

  // The client approves (CLI); two more epochs of work, the last on the next book page.
  spice.approve(client, job1, 80);
  spice.finalizeEpochs(1);
  spice.runJob(client, wallet.file, { price: '0.2', units: 50, done: 50 });
  spice.finalizeEpochs(15);
  spice.runJob(client, wallet.file, { price: '0.3', units: 30, done: 25 });
  spice.finalizeEpochs(1);

  await page.reload();
  await connectWallet(page);
  // Payments the provider's (missing) payment-mint account could not take wait in the payouts vault.
  await page.getByTestId('collect').click();
  await expect(page.getByTestId('tx-preview')).toContainText('collect_provider_payouts');
  await signInDialog(page);
  await expect(page.getByTestId('collect')).toHaveCount(0);
  await expect(page.getByTestId('lifetime-payments')).not.toContainText(/^0 /);

  const rows = page.getByTestId('reward-epochs').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId('reward-epochs').locator('tr[data-status="claimable"]')).toHaveCount(3);
  await expect(page.getByTestId('claim-all')).toContainText('3 epochs');
  await screenshot(page, info, 'provider-rewards');

  // Claim all: two transactions (one page each). The first confirms; the wallet rejects the second.
  await page.getByTestId('claim-all').click();
  await expect(page.getByTestId('tx-dialog')).toContainText('transaction 1 of 2');
  await signInDialog(page);
  await expect(page.getByTestId('tx-dialog')).toContainText('transaction 2 of 2');
  await page.evaluate(() => (window as unknown as { __spiceTestWallet: { rejectNext(n: number): void } }).__spiceTestWallet.rejectNext(1));
  await signInDialog(page, { expectError: 'Rejected' });
  const progress = page.getByTestId('claim-progress');
  await expect(progress).toHaveAttribute('data-done', '1');
  await expect(progress).toHaveAttribute('data-failed', 'yes');
  await expect(progress).toContainText('Rejected');
  // No half-done state: page 0's two epochs are paid, page 1's epoch is still claimable.
  await expect(page.getByTestId('reward-epochs').locator('tr[data-status="paid"]')).toHaveCount(2);
  await expect(page.getByTestId('reward-epochs').locator('tr[data-status="claimable"]')).toHaveCount(1);
  await screenshot(page, info, 'provider-claim-interrupted');

  // The progress survives a reload; the resume is refused once by the RPC (a failed batch)…
  await page.reload();
  await connectWallet(page);
  await expect(page.getByTestId('claim-progress')).toHaveAttribute('data-failed', 'yes');
  await expect(page.getByTestId('claim-all')).toContainText('Resume claim');
  await spice.rpc('spice_refuseSends', [1]);
  await page.getByTestId('claim-all').click();
  await signInDialog(page, { expectError: 'RPC error' });
  await expect(page.getByTestId('claim-progress')).toHaveAttribute('data-failed', 'yes');
  await expect(page.getByTestId('reward-epochs').locator('tr[data-status="claimable"]')).toHaveCount(1);
  // …and then goes through.
  await page.getByTestId('claim-all').click();
  await signInDialog(page);
  await expect(page.getByTestId('claim-progress')).toHaveAttribute('data-done', '2');
  await expect(page.getByTestId('claim-progress')).toHaveAttribute('data-failed', 'no');
  await expect(page.getByTestId('reward-epochs').locator('tr[data-status="paid"]')).toHaveCount(3);
  await expect(page.getByTestId('claim-all')).toBeDisabled();
  await screenshot(page, info, 'provider-claimed');

  // The chain agrees: nothing left to claim.
  const left = spice.json(['rewards', 'claimable', wallet.address]);
  expect(JSON.stringify(left)).not.toMatch(/"reward":\s*[1-9]/);

  // CSV export of the reward history.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  expect(csv[0]).toMatch(/^epoch,status,jobs/);
  expect(csv).toHaveLength(4);
  expect(csv.slice(1).every((l) => l.split(',')[1] === 'paid')).toBe(true);
});

test('claim all packs every page into as few transactions as fit a packet', async ({ page, spice }) => {
  const wallet = spice.fundedKeypair('provider', { stake: 5_000n * TOKENS });
  const client = spice.keypair('client');
  const clientAddress = spice.json(['dev', 'airdrop'], { keypair: client }).to as string;
  spice.fund(clientAddress, { payment: 1_000n * TOKENS });
  spice.json(['provider', 'register', '--stake', '2000', '--gpu-model', 'L4', '--gpu-count', '1', '--vram-gb', '24', '--region', 'ap-south'], { keypair: wallet.file });
  // Work in three epochs on three book pages (0, 1 and 2).
  spice.runJob(client, wallet.file, { price: '0.5', units: 10, done: 10 });
  spice.finalizeEpochs(16);
  spice.runJob(client, wallet.file, { price: '0.5', units: 10, done: 10 });
  spice.finalizeEpochs(16);
  spice.runJob(client, wallet.file, { price: '0.5', units: 10, done: 10 });
  spice.finalizeEpochs(1);

  await addWallet(page, spice, wallet);
  await openApp(page, spice, '#/provider');
  await connectWallet(page);
  await expect(page.getByTestId('reward-epochs').locator('tr[data-status="claimable"]')).toHaveCount(3);
  await page.getByTestId('claim-all').click();
  // Three page pairs fit one transaction: one signature claims all three epochs.
  await expect(page.getByTestId('tx-dialog')).toContainText('transaction 1 of 1');
  await expect(page.getByTestId('tx-preview')).toContainText('claim_rewards');
  await signInDialog(page);
  await expect(page.getByTestId('claim-progress')).toHaveAttribute('data-done', '1');
  await expect(page.getByTestId('reward-epochs').locator('tr[data-status="paid"]')).toHaveCount(3);
  const requests = await page.evaluate(() => (window as unknown as { __spiceTestWallet: { requests: { kind: string }[] } }).__spiceTestWallet.requests);
  expect(requests.filter((r) => r.kind === 'signTransaction')).toHaveLength(1);
});

test('unbonding shows its cooldown by the chain clock, then the stake is withdrawn', async ({ page, spice }) => {
  const wallet = spice.fundedKeypair('provider', { stake: 3_000n * TOKENS });
  spice.json(['provider', 'register', '--stake', '2500', '--gpu-model', 'L4', '--gpu-count', '1', '--vram-gb', '24', '--region', 'ap-south'], { keypair: wallet.file });
  await addWallet(page, spice, wallet);
  await openApp(page, spice, '#/provider');
  await connectWallet(page);
  await expect(page.getByTestId('stake-amount')).toContainText('2,500');
  await expect(page.getByTestId('withdraw')).toBeDisabled();

  await page.getByLabel('Unbond (STK)').fill('600');
  await page.getByTestId('unbond').click();
  await expect(page.getByTestId('tx-preview')).toContainText('begin_unbond');
  await signInDialog(page);
  await expect(page.getByTestId('stake-amount')).toContainText('1,900');
  await expect(page.getByTestId('unbonding-amount')).toContainText('600');
  await expect(page.getByTestId('unbond-ready')).toContainText('in 1h');
  await expect(page.getByTestId('withdraw')).toBeDisabled();

  // The chain's clock moves past the cooldown (the server's dev method); the page follows it.
  await spice.warpSeconds(3_601);
  await page.reload();
  await connectWallet(page);
  await expect(page.getByTestId('unbond-ready')).toContainText('now');
  await expect(page.getByTestId('withdraw')).toBeEnabled();
  await expect(page.getByTestId('withdraw')).toContainText('600');
  await page.getByTestId('withdraw').click();
  await expect(page.getByTestId('tx-preview')).toContainText('withdraw_unbonded');
  await signInDialog(page);
  await expect(page.getByTestId('unbonding-amount')).toContainText('0');
  await expect(page.getByTestId('withdraw')).toBeDisabled();
  expect(spice.cli(['dev', 'balance', '--mint', 'stake', '--of', wallet.address])).toContain('1100');
});
