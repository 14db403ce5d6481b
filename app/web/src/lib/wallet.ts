// Wallets through the Wallet Standard only: `getWallets()` finds every wallet that registered
// itself in the page (Phantom, Solflare, Backpack… or the test wallet of the browser tests),
// `standard:connect` connects, and transactions are signed with `solana:signTransaction` (the
// app sends them itself, to the RPC the user chose) or, for wallets that only sign and send,
// `solana:signAndSendTransaction`.

import { getWallets } from '@wallet-standard/app';
import type { IdentifierString, Wallet, WalletAccount } from '@wallet-standard/base';
import {
  StandardConnect,
  StandardDisconnect,
  StandardEvents,
  type StandardConnectFeature,
  type StandardDisconnectFeature,
  type StandardEventsFeature,
} from '@wallet-standard/features';
import {
  SolanaSignAndSendTransaction,
  SolanaSignTransaction,
  type SolanaSignAndSendTransactionFeature,
  type SolanaSignTransactionFeature,
} from '@solana/wallet-standard-features';

/** A wallet the app can use: it connects and signs Solana transactions. */
export function usable(wallet: Wallet): boolean {
  return (
    StandardConnect in wallet.features &&
    (SolanaSignTransaction in wallet.features || SolanaSignAndSendTransaction in wallet.features) &&
    wallet.chains.some((c) => c.startsWith('solana:'))
  );
}

/** Every usable wallet registered now, and a subscription to changes. */
export function watchWallets(onChange: (wallets: readonly Wallet[]) => void): () => void {
  const registry = getWallets();
  const emit = () => onChange(registry.get().filter(usable));
  emit();
  const offRegister = registry.on('register', emit);
  const offUnregister = registry.on('unregister', emit);
  return () => {
    offRegister();
    offUnregister();
  };
}

/** Connects and returns the wallet's first Solana account. */
export async function connect(wallet: Wallet): Promise<WalletAccount> {
  const feature = (wallet.features as StandardConnectFeature)[StandardConnect];
  const { accounts } = await feature.connect();
  const account = accounts.find((a) => a.chains.some((c) => c.startsWith('solana:'))) ?? accounts[0];
  if (!account) throw new Error(`${wallet.name} returned no account`);
  return account;
}

export async function disconnect(wallet: Wallet): Promise<void> {
  if (StandardDisconnect in wallet.features) {
    await (wallet.features as StandardDisconnectFeature)[StandardDisconnect].disconnect();
  }
}

/** Calls `listener` when the wallet's accounts change (the user switched or disconnected). */
export function onAccountsChange(wallet: Wallet, listener: (accounts: readonly WalletAccount[]) => void): () => void {
  if (!(StandardEvents in wallet.features)) return () => {};
  return (wallet.features as StandardEventsFeature)[StandardEvents].on('change', (properties) => {
    if (properties.accounts) listener(properties.accounts);
  });
}

/** A connected account, what it can do, and on which chain. */
export type Connected = { wallet: Wallet; account: WalletAccount; chain: IdentifierString };

/**
 * Signs `transaction` (wire bytes) with the connected account. Returns the signed wire
 * transaction to send, or — for a wallet that can only sign and send — null with the
 * signature it sent.
 */
export async function sign(
  c: Connected,
  transaction: Uint8Array,
): Promise<{ signed: Uint8Array; sentSignature: null } | { signed: null; sentSignature: Uint8Array }> {
  const features = c.wallet.features;
  if (SolanaSignTransaction in features) {
    const [out] = await (features as SolanaSignTransactionFeature)[SolanaSignTransaction].signTransaction({
      account: c.account,
      transaction,
      chain: c.chain,
    });
    if (!out) throw new Error(`${c.wallet.name} returned no signed transaction`);
    return { signed: out.signedTransaction, sentSignature: null };
  }
  const [out] = await (features as SolanaSignAndSendTransactionFeature)[SolanaSignAndSendTransaction].signAndSendTransaction({
    account: c.account,
    transaction,
    chain: c.chain,
  });
  if (!out) throw new Error(`${c.wallet.name} returned no signature`);
  return { signed: null, sentSignature: out.signature };
}

/** Whether an error is the user (or wallet) declining, as extensions report it. */
export function isRejection(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; name?: unknown } | null;
  if (!e) return false;
  if (e.code === 4001) return true;
  const text = `${String(e.name ?? '')} ${String(e.message ?? '')}`.toLowerCase();
  return /reject|denied|declin|cancel/.test(text);
}
