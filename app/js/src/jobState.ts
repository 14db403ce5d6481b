/**
 * What can be done to a job, by whom, and until when: a transcription of the program's
 * `spice::state::lifecycle::possible_actions` (programs/spice/src/state/lifecycle.rs), with the
 * `Job` methods it calls (`expire_reason`, `check_crank_settle`, `draw_from`: job.rs) and the
 * audit draw (`spice::audit::draw`: audit.rs). The generated code knows the job's fields and
 * enums, not these rules; the tests compare this function with `spice job show -o json` (which
 * prints the program's own function) on the same ledger.
 */
import {
  type Address,
  fetchEncodedAccount,
  getAddressEncoder,
  getArrayDecoder,
  getBase58Encoder,
  getBlockhashDecoder,
  type GetAccountInfoApi,
  getStructDecoder,
  getU64Decoder,
  type Rpc,
} from '@solana/kit';
import { SYSVAR_SLOT_HASHES_ADDRESS, type SysvarSlotHashes } from '@solana/sysvars';

import { AuditDraw, ExpireReason, type Job, JobState } from './generated';
import { BPS_DENOMINATOR } from './generated/idl';

/** Who may take an action (`lifecycle::Role`). */
export type Role = 'client' | 'provider' | 'attestors' | 'anyone';

/** An instruction on a job (`lifecycle::Action`). */
export type Action = 'cancel' | 'accept' | 'submit' | 'approve' | 'dispute' | 'draw_audit' | 'attest' | 'settle' | 'expire';

/** The audit draw an instruction would record now (`audit::Draw`). */
export type Draw = 'not_ready' | 'selected' | 'not_selected';

/** What else to know about a possible action (`lifecycle::Note`). */
export type Note =
  | { kind: 'none' }
  | { kind: 'full_refund' }
  | { kind: 'expiry'; reason: ExpireReason }
  | { kind: 'accept_requirements'; target: Address | null; paused: boolean }
  | { kind: 'pays'; units: bigint }
  | { kind: 'needs_later_slot' }
  | { kind: 'draw_not_selected' }
  | { kind: 'draw_selects' }
  | { kind: 'selection_opens_voting'; seconds: bigint }
  | { kind: 'votes'; valid: number; invalid: number; quorum: number }
  | { kind: 'draw_for_statistics' };

/** One thing someone can do to a job, now or once a deadline has passed (`lifecycle::Possible`). */
export type Possible = {
  who: Role;
  action: Action;
  /** Possible at the time asked. */
  now: boolean;
  /** Possible only once the time is strictly after this. */
  after: bigint | null;
  /** Possible while the time is at most this. */
  until: bigint | null;
  note: Note;
};

/** Which deadline has passed at `now`, if any (`Job::expire_reason`). */
export function expireReason(job: Job, now: bigint): ExpireReason | null {
  switch (job.state) {
    case JobState.Open:
      return now > job.acceptDeadline ? ExpireReason.NotAccepted : null;
    case JobState.Running:
      return now > job.completionDeadline ? ExpireReason.NotSubmitted : null;
    case JobState.Disputed:
      return now > job.voteDeadline ? ExpireReason.NoQuorum : null;
    case JobState.Submitted:
      return job.audit === AuditDraw.Selected && now > job.voteDeadline ? ExpireReason.NoQuorum : null;
  }
}

/** The selection rule (`audit::is_selected`). */
export function isSelected(slotHash: Uint8Array, job: Address, auditRateBps: number): boolean {
  const key = getAddressEncoder().encode(job);
  const h = new DataView(slotHash.buffer, slotHash.byteOffset, 8).getBigUint64(0, true);
  const k = new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0, true);
  return (h ^ k) % BPS_DENOMINATOR < BigInt(auditRateBps);
}

/**
 * The hash of the first slot after `submitSlot` in the SlotHashes sysvar (newest first), or the
 * draw's outcome when there is none (`audit::slot_hash_after`).
 */
export function slotHashAfter(slotHashes: SysvarSlotHashes, submitSlot: bigint): Uint8Array | Draw {
  const n = slotHashes.length;
  const newest = slotHashes[0];
  const oldest = slotHashes[n - 1];
  if (newest === undefined || oldest === undefined || newest.slot <= submitSlot) return 'not_ready';
  if (oldest.slot > submitSlot + 1n) return 'selected';
  let [lo, hi] = [0, n];
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if ((slotHashes[mid]?.slot ?? 0n) > submitSlot) lo = mid + 1;
    else hi = mid;
  }
  const entry = slotHashes[lo - 1];
  if (entry === undefined) return 'not_ready';
  return new Uint8Array(getBase58Encoder().encode(entry.hash));
}

/** The draw an instruction would record now (`Job::draw_from` → `audit::draw`). */
export function drawFrom(job: Job, jobAddress: Address, slotHashes: SysvarSlotHashes): Draw {
  if (job.audit === AuditDraw.Selected) return 'selected';
  if (job.audit === AuditDraw.NotSelected) return 'not_selected';
  if (job.terms.auditRateBps === 0) return 'not_selected';
  const hash = slotHashAfter(slotHashes, job.submitSlot);
  if (typeof hash === 'string') return hash;
  return isSelected(hash, jobAddress, job.terms.auditRateBps) ? 'selected' : 'not_selected';
}

const ENTRY_LEN = 40;
const HEADER_LEN = 8;

/**
 * Decodes the SlotHashes sysvar's data: a u64 count, then (u64 slot, 32-byte hash) entries,
 * newest first. Like the program (`audit::slot_hash_after`), no more entries than the data
 * holds are read. (`@solana/sysvars` 8.4's own decoder reads the count as a u32, which shifts
 * every entry by four bytes: it is not used.)
 */
export function decodeSlotHashes(data: Uint8Array): SysvarSlotHashes {
  if (data.length < HEADER_LEN) return [];
  const declared = getU64Decoder().decode(data);
  const fits = BigInt(Math.floor((data.length - HEADER_LEN) / ENTRY_LEN));
  const count = Number(declared < fits ? declared : fits);
  const entries = getArrayDecoder(getStructDecoder([['slot', getU64Decoder()], ['hash', getBlockhashDecoder()]]), { size: count });
  return entries.decode(data, HEADER_LEN);
}

/** The cluster's SlotHashes sysvar (`decodeSlotHashes`). */
export async function fetchSlotHashes(rpc: Rpc<GetAccountInfoApi>): Promise<SysvarSlotHashes> {
  const account = await fetchEncodedAccount(rpc, SYSVAR_SLOT_HASHES_ADDRESS);
  return account.exists ? decodeSlotHashes(new Uint8Array(account.data)) : [];
}

/** `drawFrom` on the cluster's current SlotHashes sysvar. */
export async function fetchDraw(rpc: Rpc<GetAccountInfoApi>, job: Job, jobAddress: Address): Promise<Draw> {
  if (job.audit !== AuditDraw.Pending || job.terms.auditRateBps === 0) {
    return drawFrom(job, jobAddress, []);
  }
  return drawFrom(job, jobAddress, await fetchSlotHashes(rpc));
}

function possible(who: Role, action: Action, now: boolean, extra: Partial<Possible> = {}): Possible {
  return { who, action, now, after: null, until: null, note: { kind: 'none' }, ...extra };
}

/**
 * What can be done to `job` at unix time `now`, and what becomes possible later
 * (`lifecycle::possible_actions`). `draw`: see `drawFrom`; `acceptPaused`: the network pauses
 * `accept_job`.
 */
export function possibleActions(job: Job, draw: Draw, acceptPaused: boolean, now: bigint): Possible[] {
  const out: Possible[] = [];
  const votes: Note = {
    kind: 'votes',
    valid: job.validVotes,
    invalid: job.invalidVotes,
    quorum: job.terms.attestationQuorum,
  };
  const challenge = () => {
    out.push(possible('client', 'dispute', true, { until: job.challengeDeadline }));
    out.push(possible('attestors', 'attest', true, { until: job.challengeDeadline, note: votes }));
  };
  const expiry = (deadline: bigint, reason: ExpireReason) => {
    out.push(
      possible('anyone', 'expire', expireReason(job, now) === reason, {
        after: deadline,
        note: { kind: 'expiry', reason },
      }),
    );
  };
  switch (job.state) {
    case JobState.Open:
      out.push(possible('client', 'cancel', true, { note: { kind: 'full_refund' } }));
      if (now <= job.acceptDeadline) {
        out.push(
          possible('provider', 'accept', !acceptPaused, {
            until: job.acceptDeadline,
            note: {
              kind: 'accept_requirements',
              target: job.targetProvider.__option === 'Some' ? job.targetProvider.value : null,
              paused: acceptPaused,
            },
          }),
        );
      }
      expiry(job.acceptDeadline, ExpireReason.NotAccepted);
      break;
    case JobState.Running:
      if (now <= job.completionDeadline) {
        out.push(possible('provider', 'submit', true, { until: job.completionDeadline }));
      }
      expiry(job.completionDeadline, ExpireReason.NotSubmitted);
      break;
    case JobState.Submitted: {
      const open = now <= job.challengeDeadline;
      const pending = job.audit === AuditDraw.Pending;
      const pays: Note = { kind: 'pays', units: job.reportedUnits };
      if (draw === 'not_selected') {
        out.push(possible('client', 'approve', true, { note: pays }));
        if (open) challenge();
        // `Job::check_crank_settle`: submitted and the challenge window over.
        out.push(possible('anyone', 'settle', now > job.challengeDeadline, { after: job.challengeDeadline, note: pays }));
        if (pending) out.push(possible('anyone', 'draw_audit', true, { note: { kind: 'draw_not_selected' } }));
      } else if (draw === 'not_ready') {
        out.push(possible('client', 'approve', false, { note: { kind: 'needs_later_slot' } }));
        if (open) challenge();
        out.push(possible('anyone', 'settle', false, { after: job.challengeDeadline, note: { kind: 'needs_later_slot' } }));
        out.push(possible('anyone', 'draw_audit', false, { note: { kind: 'needs_later_slot' } }));
      } else if (pending) {
        out.push(possible('anyone', 'draw_audit', true, { note: { kind: 'draw_selects' } }));
        if (open) challenge();
        else {
          out.push(
            possible('attestors', 'attest', true, {
              note: { kind: 'selection_opens_voting', seconds: job.terms.disputeSeconds },
            }),
          );
        }
      } else {
        if (open) out.push(possible('client', 'dispute', true, { until: job.challengeDeadline }));
        out.push(possible('attestors', 'attest', now <= job.voteDeadline, { until: job.voteDeadline, note: votes }));
        expiry(job.voteDeadline, ExpireReason.NoQuorum);
      }
      break;
    }
    case JobState.Disputed:
      out.push(possible('attestors', 'attest', now <= job.voteDeadline, { until: job.voteDeadline, note: votes }));
      expiry(job.voteDeadline, ExpireReason.NoQuorum);
      if (job.audit === AuditDraw.Pending && draw !== 'not_ready') {
        out.push(possible('anyone', 'draw_audit', true, { note: { kind: 'draw_for_statistics' } }));
      }
      break;
  }
  // Actions whose window has closed are not listed.
  return out.filter((a) => a.now || a.until === null || now <= a.until);
}
