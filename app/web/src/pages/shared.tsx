import { useEffect, useState } from 'preact/hooks';
import type { Address } from '@solana/kit';
import { type Action, type Draw, type Job, JobState, PAUSE_ACCEPT_JOB, type Possible, type Role, fetchDraw, possibleActions } from '@spice/client';
import { relative, utc } from '../lib/format';
import type { Snapshot } from '../lib/snapshot';
import { useApp } from '../state';

/** Asks for a wallet, listing those the page found. */
export function ConnectPrompt({ what }: { what: string }) {
  const { wallets, connect } = useApp();
  const [error, setError] = useState<string | null>(null);
  return (
    <div class="card" data-testid="connect-prompt">
      <p>Connect a wallet to {what}. Any wallet that implements the Wallet Standard works (Phantom, Solflare, Backpack…).</p>
      {wallets.length === 0 ? <p class="muted">No wallet found in this browser.</p> : null}
      <div class="row">
        {wallets.map((w) => (
          <button
            key={w.name}
            class="primary"
            onClick={() => {
              setError(null);
              connect(w).catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
            }}
          >
            Connect {w.name}
          </button>
        ))}
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

const ACTION_LABEL: Record<Action, string> = {
  cancel: 'Cancel',
  accept: 'Accept',
  submit: 'Submit',
  approve: 'Approve',
  dispute: 'Dispute',
  draw_audit: 'Draw audit',
  attest: 'Attest',
  settle: 'Settle',
  expire: 'Expire',
};

function when(p: Possible, now: bigint): string {
  const parts: string[] = [];
  if (p.after !== null) parts.push(`after ${utc(p.after)} (${relative(p.after, now)})`);
  if (p.until !== null) parts.push(`until ${utc(p.until)} (${relative(p.until, now)})`);
  return parts.join(', ');
}

/**
 * What can be done to a job now and later, by whom (the client's `possibleActions`, the
 * program's `lifecycle::possible_actions`), with buttons for the actions `handlers` offers.
 */
export function JobActions({ snap, address, job, role, handlers }: { snap: Snapshot; address: Address; job: Job; role: Role; handlers: Partial<Record<Action, () => void>> }) {
  const { rpc } = useApp();
  const [draw, setDraw] = useState<Draw>('not_ready');
  useEffect(() => {
    if (job.state !== JobState.Submitted) return;
    let live = true;
    fetchDraw(rpc, job, address)
      .then((d) => live && setDraw(d))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [job, address, rpc]);
  const now = snap.unixTimestamp;
  const actions = possibleActions(job, draw, (snap.network.paused & PAUSE_ACCEPT_JOB) !== 0, now);
  const mine = actions.filter((p) => p.who === role || p.who === 'anyone');
  const others = actions.filter((p) => p.who !== role && p.who !== 'anyone');
  return (
    <div class="actions" data-testid="job-actions">
      <div class="row">
        {mine
          .filter((p) => p.now && handlers[p.action])
          .map((p) => (
            <button key={p.action} data-testid={`job-${p.action}`} class={p.action === 'dispute' ? 'danger' : 'primary'} onClick={handlers[p.action]}>
              {ACTION_LABEL[p.action]}
              {p.until !== null ? <span class="small"> (until {relative(p.until, now)})</span> : null}
            </button>
          ))}
      </div>
      <ul class="small muted">
        {mine
          .filter((p) => !p.now || !handlers[p.action])
          .map((p, i) => (
            <li key={`m${i}`}>
              {p.who === role ? 'you' : p.who}: {p.action.replace('_', ' ')} {p.now ? 'now' : 'later'} {when(p, now)}
            </li>
          ))}
        {others.map((p, i) => (
          <li key={`o${i}`}>
            {p.who}: {p.action.replace('_', ' ')} {p.now ? 'now' : 'later'} {when(p, now)}
          </li>
        ))}
      </ul>
    </div>
  );
}
