// Every page at a phone's width (390 px) without sideways scrolling, and the app driven with the
// keyboard alone: navigation, connecting the wallet, a form, the transaction dialog.

import { test, expect, addWallet, openApp, screenshot } from './fixtures';

const TOKENS = 1_000_000n;

test('every page fits a phone and works with the keyboard', async ({ page, spice }, info) => {
  const wallet = spice.fundedKeypair('phone', { stake: 2_000n * TOKENS, payment: 100n * TOKENS });
  const client = spice.keypair('client');
  const clientAddress = spice.json(['dev', 'airdrop'], { keypair: client }).to as string;
  spice.fund(clientAddress, { payment: 100n * TOKENS });
  spice.createJob(client, { units: 10 });
  await page.setViewportSize({ width: 390, height: 844 });
  await addWallet(page, spice, wallet);
  await openApp(page, spice, '#/network');
  await expect(page.getByTestId('audit-verdict')).toBeVisible();

  const fits = async (name: string) => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
    await screenshot(page, info, `phone-${name}`);
  };
  await fits('network');

  // Keyboard only: Tab to the "Provider" link, Enter.
  const tabTo = async (predicate: () => boolean | Promise<boolean>, limit = 40) => {
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      if (await predicate()) return;
    }
    throw new Error('not reachable with Tab');
  };
  const focused = () => page.evaluate(() => ({ text: document.activeElement?.textContent?.trim() ?? '', id: document.activeElement?.id ?? '', testid: document.activeElement?.getAttribute('data-testid') ?? '' }));
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  await tabTo(async () => (await focused()).text === 'Provider');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/provider/);
  await fits('provider-disconnected');

  // Connect: Tab to "Connect wallet", Enter, Tab to the wallet, Enter.
  await tabTo(async () => (await focused()).testid === 'connect-wallet');
  await page.keyboard.press('Enter');
  await tabTo(async () => (await focused()).text.includes('Spice Test Wallet'));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('wallet-address')).toBeVisible();

  // Register with the keyboard: the stake field, type, Enter submits; the dialog's "Sign and
  // send" has the focus, Enter signs; Enter on "Close" closes.
  await tabTo(async () => (await focused()).id === 'f-stake');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('1500');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tx-dialog')).toHaveAttribute('data-phase', 'preview');
  await fits('provider-preview');
  await expect(page.getByTestId('tx-sign')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tx-dialog')).toHaveAttribute('data-phase', 'done');
  await expect(page.getByTestId('tx-close')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tx-dialog')).toHaveAttribute('data-phase', 'closed');
  await expect(page.getByTestId('stake-amount')).toContainText('1,500');
  await fits('provider');

  // Escape closes a preview without sending.
  await page.getByLabel('Add stake (STK)').fill('1');
  await page.getByLabel('Add stake (STK)').press('Enter');
  await expect(page.getByTestId('tx-dialog')).toHaveAttribute('data-phase', 'preview');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('tx-dialog')).toHaveAttribute('data-phase', 'closed');
  await expect(page.getByTestId('stake-amount')).toContainText('1,500');

  for (const [hash, name] of [
    ['#/client', 'client'],
    ['#/settings', 'settings'],
    [`#/account/${spice.address}`, 'account-network'],
  ] as const) {
    await page.evaluate((h) => (location.hash = h), hash);
    await expect(page.locator('main h1')).toBeVisible();
    await page.waitForLoadState('networkidle');
    await fits(name);
  }
});
