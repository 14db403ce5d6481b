// Any account, decoded: Spice accounts with the generated client's decoders, token accounts and
// mints by their layout; every address in it links to its own view.

import { useEffect, useState } from 'preact/hooks';
import type { Address } from '@solana/kit';
import { SPICE_PROGRAM_ADDRESS } from '@spice/client';
import { Addr, KV, Section } from '../components';
import { decodeMint, decodeSpiceAccount, decodeTokenAccount, fetchRaw } from '../lib/snapshot';
import { useApp } from '../state';

const ADDRESS = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

function Value({ v, name }: { v: unknown; name: string }) {
  if (typeof v === 'bigint') return <span class="mono">{v.toString()}</span>;
  if (typeof v === 'string') return ADDRESS.test(v) && !/uri|model|region/i.test(name) ? <Addr a={v} full /> : <span>{v === '' ? <em class="muted">empty</em> : v}</span>;
  if (typeof v === 'number' || typeof v === 'boolean') return <span class="mono">{String(v)}</span>;
  if (v instanceof Uint8Array) {
    return v.every((b) => b === 0) ? <span class="muted">{v.length} zero bytes</span> : <code class="hex">{[...v].map((b) => b.toString(16).padStart(2, '0')).join('')}</code>;
  }
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'bigint')) return <span class="mono">[{v.join(', ')}]</span>;
    return (
      <ol start={0} class="list">
        {v.map((x, i) => (
          <li key={i}>
            <Value v={x} name={name} />
          </li>
        ))}
      </ol>
    );
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.__option === 'None') return <span class="muted">none</span>;
    if (o.__option === 'Some') return <Value v={o.value} name={name} />;
    return (
      <KV rows={Object.entries(o).filter(([k]) => k !== 'discriminator' && k !== 'reserved').map(([k, x]) => [k, <Value v={x} name={k} />])} />
    );
  }
  return <span>{String(v)}</span>;
}

export function AccountPage({ address }: { address: Address }) {
  const { rpc } = useApp();
  const [state, setState] = useState<{ type: string; owner: string; lamports: bigint; value: unknown } | 'missing' | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setState(null);
    fetchRaw(rpc, address)
      .then((raw) => {
        if (!live) return;
        if (!raw) return setState('missing');
        let decoded: { type: string; value: unknown } | null = null;
        if (raw.owner === SPICE_PROGRAM_ADDRESS) decoded = decodeSpiceAccount(raw.data);
        if (!decoded) {
          const t = decodeTokenAccount(address, raw.data, raw.owner);
          if (t && raw.data.length >= 165) decoded = { type: 'Token account', value: t };
        }
        if (!decoded) {
          const m = decodeMint(address, raw.data, raw.owner);
          if (m && raw.data.length < 165) decoded = { type: 'Mint', value: m };
        }
        setState({ type: decoded?.type ?? `${raw.data.length} bytes of data`, owner: raw.owner, lamports: raw.lamports, value: decoded?.value ?? null });
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [address, rpc]);
  return (
    <div class="page">
      <div class="page-head">
        <h1 tabIndex={-1}>Account</h1>
      </div>
      <p class="mono break" data-testid="account-address">
        {address}
      </p>
      {error ? <p class="error">{error}</p> : null}
      {state === null ? <p aria-live="polite">Loading…</p> : null}
      {state === 'missing' ? <p data-testid="account-missing">No account at this address (closed, or never created).</p> : null}
      {state && state !== 'missing' ? (
        <Section title={state.type} id="decoded">
          <KV
            rows={[
              ['owner program', <Addr a={state.owner} full />],
              ['lamports', state.lamports.toString()],
            ]}
          />
          {state.value ? (
            <div data-testid="decoded" data-type={state.type}>
              <Value v={state.value} name="" />
            </div>
          ) : null}
        </Section>
      ) : null}
    </div>
  );
}
