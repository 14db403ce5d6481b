/**
 * Cross-check of the client's job-state helper (`possibleActions`, a transcription of the
 * program's `lifecycle::possible_actions`) with the CLI's `spice job show -o json`, which runs
 * the program's own function, on the same ledger at the same moment.
 */
import assert from 'node:assert/strict';

import { type Address } from '@solana/kit';

import { chainNow, ExpireReason, fetchDraw, fetchJob, fetchNetwork, type Note, PAUSE_ACCEPT_JOB, type Possible, possibleActions } from '../src';
import { type Env } from './harness';

type CliPossible = {
  who: string;
  action: string;
  now: boolean;
  after: unknown;
  until: unknown;
  note: unknown;
  note_detail: unknown;
};

/** The CLI's JSON of a note (`note_json` in app/cli/src/cmd/view.rs) from ours. */
function noteJson(note: Note): unknown {
  if (note.kind === 'none') return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(note)) {
    out[key] = typeof value === 'bigint' ? Number(value) : value;
  }
  if (note.kind === 'expiry') out.reason = ExpireReason[note.reason].replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return out;
}

function unix(value: unknown): bigint | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return BigInt(value);
  if (typeof value === 'object' && 'unix' in value) return BigInt((value as { unix: number }).unix);
  throw new Error(`unexpected time ${JSON.stringify(value)}`);
}

/** JSON with object keys sorted. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

function summary(p: { who: string; action: string; now: boolean; after: bigint | null; until: bigint | null; note: unknown }) {
  return `${p.who}:${p.action}:${p.now ? 'now' : 'later'}:after=${p.after}:until=${p.until}:note=${canonical(p.note)}`;
}

/** The TS and CLI lists of possible actions for `job`, compared (who, action, now, after, until). */
export async function compareWithCli(env: Env, job: Address): Promise<Possible[]> {
  const shown = JSON.parse(env.spice(['-o', 'json', 'job', 'show', job], { overRpc: true })) as {
    actions_now: CliPossible[];
    actions_later: CliPossible[];
  };
  const account = await fetchJob(env.rpc, job);
  const network = await fetchNetwork(env.rpc, env.net.address);
  const now = await chainNow(env.rpc);
  const ours = possibleActions(
    account.data,
    await fetchDraw(env.rpc, account.data, job),
    (network.data.paused & PAUSE_ACCEPT_JOB) !== 0,
    now,
  );
  const theirs = [...shown.actions_now, ...shown.actions_later].map((p) =>
    summary({
      who: p.who,
      action: p.action.replace(/-/g, '_'),
      now: p.now,
      after: unix(p.after),
      until: unix(p.until),
      note: p.note_detail,
    }),
  );
  assert.deepEqual(ours.map((p) => summary({ ...p, note: noteJson(p.note) })).sort(), theirs.sort(), `possible actions of ${job}`);
  return ours;
}
