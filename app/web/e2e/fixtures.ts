// The browser tests' world: a Spice network on a fresh ledger served by `spice serve`, and test
// wallets that register themselves in the page through the Wallet Standard (test-wallet/wallet.js).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { SpiceNetwork, newKeypair } from '../scripts/harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WALLET_JS = readFileSync(join(HERE, '..', 'test-wallet', 'wallet.js'), 'utf8');

export type Keypair = { address: string; seed: string; file: string };

/** Puts a Wallet Standard wallet holding `kp` into every page of `page`'s context, before the app loads. */
export async function addWallet(page: Page, spice: SpiceNetwork, kp: Keypair, name = 'Spice Test Wallet') {
  const config = { name, seed: kp.seed, address: kp.address, rpcUrl: spice.url, chains: ['solana:localnet'] };
  await page.addInitScript({ content: `${WALLET_JS}\ninstallSpiceTestWallet(${JSON.stringify(config)});` });
}

/** Opens the app on `hash` against the test's server. */
export async function openApp(page: Page, spice: SpiceNetwork, hash = '#/network', extra = '') {
  await page.goto(`/?rpc=${encodeURIComponent(spice.url)}${extra}${hash}`);
}

/** Connects the page's test wallet (the "Connect wallet" menu, as a person would). */
export async function connectWallet(page: Page, name = 'Spice Test Wallet') {
  await page.getByTestId('connect-wallet').click();
  await page.locator('#wallet-list').getByRole('button', { name }).click();
  await expect(page.getByTestId('wallet-address')).toBeVisible();
}

/** Reviews the transaction in the preview dialog, signs it and waits for its result. */
export async function signInDialog(page: Page, { expectError }: { expectError?: string } = {}) {
  const dialog = page.getByTestId('tx-dialog');
  await expect(dialog).toHaveAttribute('data-phase', /preview|failed/);
  if ((await dialog.getAttribute('data-phase')) === 'failed') {
    throw new Error(`building the transaction failed: ${await dialog.innerText()}`);
  }
  await expect(page.getByTestId('tx-preview')).toBeVisible();
  await page.getByTestId('tx-sign').click();
  await expect(dialog).toHaveAttribute('data-phase', /done|failed/, { timeout: 30_000 });
  const phase = await dialog.getAttribute('data-phase');
  if (expectError) {
    expect(phase).toBe('failed');
    await expect(page.getByTestId('tx-error')).toHaveAttribute('data-error-name', expectError);
  } else if (phase !== 'done') {
    throw new Error(`the transaction failed: ${await dialog.innerText()}`);
  }
  await page.getByTestId('tx-close').click();
  // Closed, or already showing the next transaction of a batch.
  await expect(dialog).toHaveAttribute('data-phase', /closed|preparing|preview/);
}

/** A full-page screenshot kept as a test artifact (test-results/…/NAME.png). */
export async function screenshot(page: Page, info: TestInfo, name: string) {
  const path = info.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: 'image/png' });
  return path;
}

export const test = base.extend<{ spice: SpiceNetwork }>({
  // eslint-disable-next-line no-empty-pattern
  spice: async ({}, use) => {
    const spice = SpiceNetwork.create();
    await spice.serve();
    await use(spice);
    await spice.stop();
    spice.remove();
  },
});

export { expect, newKeypair };
