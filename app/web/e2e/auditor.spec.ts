// The auditor's story: the network page shows all six invariants passing, computed in the
// browser, agreeing with `spice audit` check for check; after the ledger file is tampered with
// (a stake vault's balance edited behind the program's back, as app/cli/tests/e2e.rs does) the
// same page shows the invariants that fail, again as `spice audit` does.

import { test, expect, openApp, screenshot } from './fixtures';

type Summary = { invariant: number; checked: number; violations: number };

async function pageSummary(page: import('@playwright/test').Page): Promise<Summary[]> {
  const rows = page.getByTestId('invariants').locator('tbody tr');
  await expect(rows).toHaveCount(6);
  const out: Summary[] = [];
  for (const row of await rows.all()) {
    const cells = await row.locator('td').allInnerTexts();
    out.push({ invariant: Number(cells[0]), checked: Number(cells[2]), violations: Number(cells[3]) });
  }
  return out;
}

test('the auditor sees six invariants pass, then fail after the ledger is tampered with', async ({ page, spice }, info) => {
  const owner = spice.keypair('provider');
  const client = spice.keypair('client');
  spice.cli(['dev', 'airdrop'], { keypair: owner });
  spice.cli(['dev', 'airdrop'], { keypair: client });
  const ownerAddress = spice.json(['dev', 'airdrop'], { keypair: owner }).to as string;
  const clientAddress = spice.json(['dev', 'airdrop'], { keypair: client }).to as string;
  spice.fund(ownerAddress, { stake: 5_000_000_000n });
  spice.fund(clientAddress, { payment: 1_000_000_000n });
  const registered = spice.json(['provider', 'register', '--stake', '2000', '--gpu-model', 'H100', '--gpu-count', '8', '--vram-gb', '80', '--region', 'eu-west'], { keypair: owner });
  spice.runJob(client, owner, { units: 50, done: 40 });
  spice.finalizeEpochs(1);
  spice.runJob(client, owner, { units: 20, done: 20 });
  const open = spice.createJob(client, { units: 10 });

  await openApp(page, spice, '#/network');
  await expect(page.getByTestId('audit-verdict')).toHaveText(/Audit passed/);
  const passing = await pageSummary(page);
  const cli = spice.audit();
  expect(cli.summary.every((s: Summary) => s.violations === 0)).toBe(true);
  expect(passing).toEqual(cli.summary.map((s: Summary) => ({ invariant: s.invariant, checked: s.checked, violations: s.violations })));
  for (const row of await page.getByTestId('invariants').locator('tbody tr').all()) {
    await expect(row).toHaveAttribute('data-result', 'pass');
  }
  // The network's pieces, every account a link to its decoded view.
  await expect(page.getByTestId('providers')).toContainText('H100');
  await expect(page.getByTestId('emission-table').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('jobs-Open')).toContainText('1');
  await screenshot(page, info, 'network');

  await page.locator(`a[data-address="${open}"]`).first().click();
  await expect(page.getByTestId('decoded')).toHaveAttribute('data-type', 'Job');
  await expect(page.getByTestId('decoded')).toContainText('pricePerUnit');
  await screenshot(page, info, 'account-job');

  // Tamper: stop the server, edit the stake vault's balance in the ledger file, restart.
  await spice.stop();
  spice.setTokenAmount(registered.stake_vault, 1_000n);
  await spice.serve();
  await openApp(page, spice, '#/network');
  await expect(page.getByTestId('audit-verdict')).toHaveText(/Audit FAILED/);
  const failing = await pageSummary(page);
  const tampered = spice.audit();
  expect(failing).toEqual(tampered.summary.map((s: Summary) => ({ invariant: s.invariant, checked: s.checked, violations: s.violations })));
  const failed = failing.filter((s) => s.violations > 0).map((s) => s.invariant);
  expect(failed).toContain(2);
  expect(failed).toContain(5);
  await expect(page.locator('tr[data-invariant="2"]')).toHaveAttribute('data-result', 'fail');
  await expect(page.getByTestId('findings')).toContainText(registered.stake_vault);
  await screenshot(page, info, 'network-tampered');
});
