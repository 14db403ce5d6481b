import { useState } from 'preact/hooks';
import { Field, Section } from '../components';
import { DEFAULT_RPC, useApp, wsFor } from '../state';

/** Which RPC and network: spice serve on localhost by default; devnet, mainnet or any URL. */
export function SettingsPage() {
  const { settings, setSettings, networks } = useApp();
  const [rpc, setRpc] = useState(settings.rpcUrl);
  const [ws, setWs] = useState(settings.wsUrl);
  const [network, setNetwork] = useState(settings.network);
  const [pages, setPages] = useState(String(settings.claimPagesPerTx));
  return (
    <div class="page">
      <div class="page-head">
        <h1 tabIndex={-1}>Settings</h1>
      </div>
      <Section title="Connection" id="connection">
        <form
          class="form"
          onSubmit={(e) => {
            e.preventDefault();
            setSettings({ rpcUrl: rpc.trim(), wsUrl: ws.trim() || wsFor(rpc.trim()), network: network.trim(), claimPagesPerTx: Number(pages) || 0 });
          }}
        >
          <Field label="RPC URL" name="rpc" value={rpc} onInput={(v) => { setRpc(v); setWs(wsFor(v)); }} hint={`spice serve: ${DEFAULT_RPC}; devnet: https://api.devnet.solana.com`} />
          <Field label="Websocket URL" name="ws" value={ws} onInput={setWs} hint="for live account updates" />
          <Field label="Network address" name="network" value={network} onInput={setNetwork} hint={networks.length ? `empty: the first of ${networks.length} on this RPC` : 'empty: the first on this RPC'} />
          <Field label="Book pages per claim transaction" name="pages" value={pages} onInput={setPages} inputMode="numeric" hint="0: as many as fit one transaction" />
          <button class="primary" type="submit">
            Save and reconnect
          </button>
        </form>
      </Section>
    </div>
  );
}
