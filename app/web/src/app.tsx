import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Address } from '@solana/kit';
import type { Wallet } from '@wallet-standard/base';
import { AppContext, useApp, type AppState, type TxResult, type Settings, chainFor, loadSettings, makeClients, saveSettings } from './state';
import { fetchNetworks, fetchSnapshot, type Snapshot } from './lib/snapshot';
import { type Connected, connect as connectWallet, disconnect as disconnectWallet, onAccountsChange, watchWallets } from './lib/wallet';
import { describeError, prepare, signSendConfirm, type TxPlan } from './lib/tx';
import { TxDialog, type DialogState } from './components';
import { NetworkPage } from './pages/network';
import { AccountPage } from './pages/account';
import { ProviderPage } from './pages/provider';
import { ClientPage } from './pages/client';
import { SettingsPage } from './pages/settings';
import { short } from './lib/format';

function useHashRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => {
      setRoute(read());
      // Move focus to the new page's heading for keyboard and screen-reader users.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function App() {
  const [settings, setSettingsState] = useState<Settings>(loadSettings);
  const clients = useMemo(() => makeClients(settings), [settings.rpcUrl, settings.wsUrl]);
  const [networks, setNetworks] = useState<Address[]>([]);
  const [network, setNetwork] = useState<Address | null>(settings.network ? (settings.network as Address) : null);
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [snapError, setSnapError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [wallets, setWallets] = useState<readonly Wallet[]>([]);
  const [connected, setConnected] = useState<Connected | null>(null);
  const [dialog, setDialog] = useState<DialogState | null>(null);
  const pending = useRef<{ resolve: (r: TxResult) => void; confirm: () => void } | null>(null);
  const route = useHashRoute();

  const setSettings = useCallback((s: Settings) => {
    saveSettings(s);
    setSettingsState(s);
    setSnap(null);
    setNetwork(s.network ? (s.network as Address) : null);
  }, []);

  // Which network: the one asked for, else the first the program has.
  useEffect(() => {
    let live = true;
    fetchNetworks(clients.rpc)
      .then((found) => {
        if (!live) return;
        const list = found.map(([a]) => a);
        setNetworks(list);
        setNetwork((current) => current ?? list[0] ?? null);
        if (list.length === 0) setSnapError('No Spice network on this RPC yet.');
      })
      .catch((e: unknown) => live && setSnapError(`Cannot reach ${settings.rpcUrl}: ${e instanceof Error ? e.message : String(e)}`));
    return () => {
      live = false;
    };
  }, [clients]);

  const refresh = useCallback(async () => {
    if (!network) return null;
    setLoading(true);
    try {
      const s = await fetchSnapshot(clients.rpc, network);
      setSnap(s);
      setSnapError(null);
      return s;
    } catch (e) {
      setSnapError(e instanceof Error ? e.message : String(e));
      return null;
    } finally {
      setLoading(false);
    }
  }, [clients, network]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => watchWallets(setWallets), []);

  // Follow the connected wallet's account changes (switch, disconnect from the extension).
  useEffect(() => {
    if (!connected) return;
    return onAccountsChange(connected.wallet, (accounts) => {
      const account = accounts[0];
      setConnected(account ? { ...connected, account } : null);
    });
  }, [connected?.wallet]);

  const connect = useCallback(
    async (wallet: Wallet) => {
      const account = await connectWallet(wallet);
      setConnected({ wallet, account, chain: chainFor(settings.rpcUrl) });
    },
    [settings.rpcUrl],
  );
  const disconnect = useCallback(async () => {
    if (connected) await disconnectWallet(connected.wallet);
    setConnected(null);
  }, [connected]);

  const run = useCallback(
    (planOrBuilder: TxPlan | (() => Promise<TxPlan>)) =>
      new Promise<TxResult>((resolve) => {
        if (!connected) {
          resolve({ ok: false, error: null });
          return;
        }
        const c = connected;
        const title = typeof planOrBuilder === 'function' ? 'Preparing…' : planOrBuilder.title;
        setDialog({ phase: 'preparing', title });
        (async () => {
          let prepared = null;
          try {
            const plan = typeof planOrBuilder === 'function' ? await planOrBuilder() : planOrBuilder;
            prepared = await prepare(clients.rpc, c.account.address as Address, plan);
          } catch (e) {
            const error = describeError(e);
            setDialog({ phase: 'failed', title, prepared: null, error });
            pending.current = { resolve: () => resolve({ ok: false, error }), confirm: () => {} };
            return;
          }
          const p = prepared;
          setDialog({ phase: 'preview', prepared: p });
          pending.current = {
            resolve,
            confirm: () => {
              setDialog({ phase: 'working', prepared: p, stage: 'signing' });
              signSendConfirm(clients.rpc, c, p, (stage) => setDialog({ phase: 'working', prepared: p, stage }))
                .then((signature) => {
                  setDialog({ phase: 'done', prepared: p, signature });
                  pending.current = { resolve: () => resolve({ ok: true, signature }), confirm: () => {} };
                  void refresh();
                })
                .catch((e: unknown) => {
                  const error = describeError(e);
                  setDialog({ phase: 'failed', title: p.plan.title, prepared: p, error });
                  pending.current = { resolve: () => resolve({ ok: false, error }), confirm: () => {} };
                  void refresh();
                });
            },
          };
        })();
      }),
    [connected, clients, refresh],
  );

  const decimals = useMemo(() => {
    const find = (mint: string | undefined) => snap?.mints.find((m) => m.address === mint)?.decimals ?? 0;
    return { payment: find(snap?.network.paymentMint), stake: find(snap?.network.stakeMint) };
  }, [snap]);

  const state: AppState = {
    settings,
    setSettings,
    rpc: clients.rpc,
    subs: clients.subs,
    network,
    networks,
    selectNetwork: (a) => {
      setSnap(null);
      setNetwork(a);
    },
    snap,
    snapError,
    loading,
    refresh,
    decimals,
    wallets,
    connected,
    connect,
    disconnect,
    run,
  };

  const page = route[0] ?? 'network';
  return (
    <AppContext.Provider value={state}>
      <a class="skip" href="#main-content" onClick={(e) => { e.preventDefault(); document.querySelector<HTMLElement>('main h1')?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true"></span> Spice
        </div>
        <nav aria-label="Pages">
          <a href="#/network" aria-current={page === 'network' ? 'page' : undefined}>
            Network
          </a>
          <a href="#/provider" aria-current={page === 'provider' ? 'page' : undefined}>
            Provider
          </a>
          <a href="#/client" aria-current={page === 'client' ? 'page' : undefined}>
            Client
          </a>
          <a href="#/settings" aria-current={page === 'settings' ? 'page' : undefined}>
            Settings
          </a>
        </nav>
        <WalletButton />
      </header>
      <main id="main-content">
        {page === 'account' && route[1] ? (
          <AccountPage address={route[1] as Address} />
        ) : page === 'provider' ? (
          <ProviderPage />
        ) : page === 'client' ? (
          <ClientPage />
        ) : page === 'settings' ? (
          <SettingsPage />
        ) : (
          <NetworkPage />
        )}
      </main>
      <footer class="foot muted small">
        RPC <code>{settings.rpcUrl}</code>
        {network ? (
          <>
            {' '}
            · network <a href={`#/account/${network}`}>{short(network)}</a>
          </>
        ) : null}
        {snap ? <> · slot {snap.slot.toString()}</> : null}
      </footer>
      <TxDialog
        state={dialog}
        onConfirm={() => pending.current?.confirm()}
        onClose={() => {
          const p = pending.current;
          pending.current = null;
          setDialog(null);
          p?.resolve({ ok: false, error: null });
        }}
      />
    </AppContext.Provider>
  );
}

function WalletButton() {
  const { wallets, connected, connect, disconnect } = useApp();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (connected) {
    return (
      <div class="wallet">
        <span class="wallet-name" data-testid="wallet-address" title={connected.account.address}>
          {connected.wallet.name}: {short(connected.account.address)}
        </span>
        <button onClick={() => void disconnect()}>Disconnect</button>
      </div>
    );
  }
  return (
    <div class="wallet">
      <button aria-expanded={open} aria-controls="wallet-list" onClick={() => setOpen(!open)} data-testid="connect-wallet">
        Connect wallet
      </button>
      {open ? (
        <ul id="wallet-list" class="wallet-list" role="list">
          {wallets.length === 0 ? <li class="muted">No Wallet Standard wallet found in this browser.</li> : null}
          {wallets.map((w) => (
            <li key={w.name}>
              <button
                onClick={() => {
                  setError(null);
                  connect(w)
                    .then(() => setOpen(false))
                    .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
                }}
              >
                <img src={w.icon} alt="" width={20} height={20} /> {w.name}
              </button>
            </li>
          ))}
          {error ? (
            <li class="error" role="alert">
              {error}
            </li>
          ) : null}
        </ul>
      ) : null}
    </div>
  );
}

