// The app's shared state: settings (RPC, network), the RPC clients, the network snapshot, the
// connected wallet, and the transaction dialog's queue.

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type Address, type Signature, createSolanaRpc, createSolanaRpcSubscriptions, type RpcSubscriptions, type SolanaRpcSubscriptionsApi } from '@solana/kit';
import type { Wallet } from '@wallet-standard/base';
import type { Snapshot, Rpcs } from './lib/snapshot';
import type { Connected } from './lib/wallet';
import type { TxError, TxPlan } from './lib/tx';

/** How a transaction ended: confirmed, failed (named), or cancelled before signing (error null). */
export type TxResult = { ok: true; signature: Signature } | { ok: false; error: TxError | null };

export type Settings = {
  rpcUrl: string;
  wsUrl: string;
  /** The network to show; empty: the first the program has. */
  network: string;
  /** Most book pages per claim transaction (0: as many as fit a packet). */
  claimPagesPerTx: number;
};

const STORAGE_KEY = 'spice.settings';
export const DEFAULT_RPC = 'http://127.0.0.1:8899';

/** The websocket URL of an RPC URL: same host and port (spice serve, most providers). */
export function wsFor(rpcUrl: string): string {
  return rpcUrl.replace(/^http/, 'ws');
}

/** Settings from the URL (`?rpc=…&ws=…&network=…&claimPagesPerTx=…`), else saved ones, else defaults. */
export function loadSettings(): Settings {
  let saved: Partial<Settings> = {};
  try {
    saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Settings>;
  } catch {
    saved = {};
  }
  const q = new URLSearchParams(location.search);
  const rpcUrl = q.get('rpc') ?? saved.rpcUrl ?? DEFAULT_RPC;
  const fromUrl = q.has('rpc');
  return {
    rpcUrl,
    wsUrl: q.get('ws') ?? (fromUrl ? wsFor(rpcUrl) : (saved.wsUrl ?? wsFor(rpcUrl))),
    network: q.get('network') ?? (fromUrl ? '' : (saved.network ?? '')),
    claimPagesPerTx: Number(q.get('claimPagesPerTx') ?? saved.claimPagesPerTx ?? 0) || 0,
  };
}

export function saveSettings(s: Settings) {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(s));
}

/** The Wallet Standard chain of an RPC URL. */
export function chainFor(rpcUrl: string): `solana:${string}` {
  if (/devnet/.test(rpcUrl)) return 'solana:devnet';
  if (/testnet/.test(rpcUrl)) return 'solana:testnet';
  if (/mainnet/.test(rpcUrl)) return 'solana:mainnet';
  return 'solana:localnet';
}

export function makeClients(s: Settings): { rpc: Rpcs; subs: RpcSubscriptions<SolanaRpcSubscriptionsApi> } {
  return { rpc: createSolanaRpc(s.rpcUrl), subs: createSolanaRpcSubscriptions(s.wsUrl) };
}

export type AppState = {
  settings: Settings;
  setSettings(s: Settings): void;
  rpc: Rpcs;
  subs: RpcSubscriptions<SolanaRpcSubscriptionsApi>;
  /** The network shown, once known. */
  network: Address | null;
  networks: Address[];
  selectNetwork(a: Address): void;
  snap: Snapshot | null;
  snapError: string | null;
  loading: boolean;
  refresh(): Promise<Snapshot | null>;
  decimals: { payment: number; stake: number };
  wallets: readonly Wallet[];
  connected: Connected | null;
  connect(w: Wallet): Promise<void>;
  disconnect(): Promise<void>;
  /** Previews `plan`, has the wallet sign it and sends it. */
  run(plan: TxPlan | (() => Promise<TxPlan>)): Promise<TxResult>;
};

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const s = useContext(AppContext);
  if (!s) throw new Error('no app state');
  return s;
}
