// The program's rules the browser needs, taken from the TypeScript client (app/js: its
// `pages.ts` mirrors the program's pure functions, `generated/idl.ts` holds the IDL's constants)
// and adapted to the audit's convention: where the program (or the Rust audit) would get an
// error, these return null, so that the audit reports it instead of throwing. Error names come
// from the committed IDL itself (idl/spice.json; Vite bundles only the `errors` key).

import type { Address } from '@solana/kit';
import {
  epochAt,
  epochReward as clientEpochReward,
  epochStart as clientEpochStart,
  firstEpochOf,
  payoutsAddress,
  EPOCHS_PER_PAGE,
  MAX_JOB_WINDOW_SECONDS,
  MAX_UNBOND_SECONDS,
  PAUSE_ACCEPT_JOB,
  PAUSE_CLAIM,
  PAUSE_CREATE_JOB,
  PAUSE_REGISTER,
  type EpochEntry,
  type Network,
} from '@spice/client';
import { errors } from '../../../../idl/spice.json';

export { MAX_JOB_WINDOW_SECONDS, MAX_UNBOND_SECONDS, EPOCHS_PER_PAGE };
export { pageOf } from '@spice/client';

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** The pause flags (`PAUSE_*` of the IDL) by what they pause. */
export const PAUSE_NAMES: [string, number][] = [
  ['create job', PAUSE_CREATE_JOB],
  ['accept job', PAUSE_ACCEPT_JOB],
  ['register', PAUSE_REGISTER],
  ['claim', PAUSE_CLAIM],
];

/** The program's errors by code: the IDL's names and messages. */
export const PROGRAM_ERRORS = new Map<number, { name: string; msg: string }>(
  errors.map((e: { code: number; name: string; msg?: string }) => [e.code, { name: e.name, msg: e.msg ?? '' }]),
);

/** `Network::current_epoch` (client `epochAt`); null before genesis. */
export function currentEpoch(net: Network, now: bigint): bigint | null {
  return epochAt(net, now) ?? null;
}

/** `Network::epoch_start` (client `epochStart`); null where the program's i64 overflows. */
export function epochStart(net: Network, index: bigint): bigint | null {
  if (index > I64_MAX) return null;
  const offset = index * net.params.epochSeconds;
  if (offset > I64_MAX || offset < I64_MIN) return null;
  const start = clientEpochStart(net, index);
  return start > I64_MAX || start < I64_MIN ? null : start;
}

/** `state::first_epoch_of` and the page's last epoch; null when they do not fit u64. */
export function pageEpochs(page: bigint): [bigint, bigint] | null {
  const first = firstEpochOf(page);
  const last = first + EPOCHS_PER_PAGE - 1n;
  return last > U64_MAX ? null : [first, last];
}

/** `EpochEntry::reward` (client `epochReward`); null where the program errs. */
export function epochReward(e: EpochEntry, weight: bigint): bigint | null {
  try {
    const r = clientEpochReward(e, weight);
    return r > U64_MAX ? null : r;
  } catch {
    return null;
  }
}

/** `pda::payouts` (`["payouts", network, mint]`). */
export function findPayoutsPda(network: Address, mint: Address): Promise<Address> {
  return payoutsAddress(network, mint);
}
