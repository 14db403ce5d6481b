// The audit in the browser: invariants 1–6 of docs/DESIGN.md recomputed from a Snapshot, the
// same checks as `spice audit`. A line-by-line mirror of the Rust SDK's pure function
// `spice_sdk::audit::audit_with` (app/sdk/src/audit.rs): each function below names the Rust
// function it mirrors, keeps its order of checks and its messages, so the two reports agree
// finding for finding. `e2e/auditor.spec.ts` compares this report with `spice audit -o json`
// on the same ledger (passing and tampered). The program's pure rules it needs
// (`curve::epoch_index`, `curve::reward_share`, `Network::epoch_start`, `page_of`) are mirrored
// in ./rules.ts (on the TypeScript client's app/js/src/pages.ts).

import type { Address } from '@solana/kit';
import {
  AuditDraw,
  EpochStatus,
  JobState,
  escrowVaultAddress,
  rewardVaultAddress,
  stakeVaultAddress,
  treasuryAddress,
  type EpochEntry,
  type ProviderEntry,
} from '@spice/client';
import { findPayoutsPda, MAX_JOB_WINDOW_SECONDS, MAX_UNBOND_SECONDS, currentEpoch, epochStart, epochReward, pageEpochs, pageOf } from './rules';
import type { Snapshot, TokenAccount } from './snapshot';

const U128_MAX = (1n << 128n) - 1n;

/** Short titles of invariants 1..=6 (audit.rs `TITLES`). */
export const TITLES = [
  'escrow and payouts vaults cover what they owe',
  'stake vaults cover stake + unbonding',
  'reward vault covers allocated - claimed',
  'epoch books are consistent',
  'tokens conserved per mint',
  'no stuck funds',
] as const;

/** audit.rs `JOB_DEADLINE_HORIZON`. */
const JOB_DEADLINE_HORIZON = 2n * MAX_JOB_WINDOW_SECONDS;

/** One check of one invariant on one subject (audit.rs `Finding`). */
export type Finding = { invariant: number; subject: string; ok: boolean; detail: string };
/** audit.rs `InvariantSummary`. */
export type InvariantSummary = { invariant: number; title: string; checked: number; violations: number };
/** audit.rs `AuditReport`. */
export type AuditReport = {
  network: string;
  slot: bigint;
  unixTimestamp: bigint;
  summary: InvariantSummary[];
  findings: Finding[];
};

export function violations(report: AuditReport): number {
  return report.summary.reduce((n, s) => n + s.violations, 0);
}

/** audit.rs `dead_deadline`. */
function deadDeadline(deadline: bigint, now: bigint, horizon: bigint): string | null {
  if (deadline <= 0n) return `not set (${deadline})`;
  if (deadline > now + horizon) {
    return `${deadline}, ${deadline - now} s after the snapshot, beyond the longest window the program grants (${horizon} s)`;
  }
  return null;
}

const abs = (a: bigint, b: bigint) => (a > b ? a - b : b - a);
const showScore = (score: bigint | null) => (score === null ? 'more than u128::MAX (overflow)' : score.toString());

/** audit.rs `WorkSums`. */
type WorkSums = { score: bigint | null; weight: bigint | null; value: bigint; fees: bigint; jobs: bigint; count: number };
const workSums = (): WorkSums => ({ score: 0n, weight: 0n, value: 0n, fees: 0n, jobs: 0n, count: 0 });
/** audit.rs `WorkSums::add` (score and weight checked in u128). */
function addWork(w: WorkSums, score: bigint, weight: bigint, value: bigint, fees: bigint, jobs: bigint) {
  const checked = (a: bigint | null, b: bigint) => (a === null || a + b > U128_MAX ? null : a + b);
  w.score = checked(w.score, score);
  w.weight = checked(w.weight, weight);
  w.value += value;
  w.fees += fees;
  w.jobs += jobs;
  w.count += 1;
}
/** audit.rs `BookSums`. */
type BookSums = { work: WorkSums; paid: bigint; rewards: bigint | null };

/** audit.rs `finalized`. */
const finalized = (e: EpochEntry) => e.status !== EpochStatus.Pending;

const isDefaultEntry = (pe: ProviderEntry) =>
  pe.score === 0n && pe.weight === 0n && pe.value === 0n && pe.fees === 0n && pe.jobs === 0n && pe.paid === 0n;

const escrowVault = (job: Address) => escrowVaultAddress(job);
const stakeVault = (provider: Address) => stakeVaultAddress(provider);

/** audit.rs `VaultKind` / `orphan_vault`. */
async function orphanVault(t: TokenAccount, jobs: Set<string>, providers: Set<string>): Promise<'escrow' | 'stake' | null> {
  if (jobs.has(t.owner) || providers.has(t.owner)) return null;
  if (t.address === (await escrowVault(t.owner))) return 'escrow';
  if (t.address === (await stakeVault(t.owner))) return 'stake';
  return null;
}

/** The audit in progress (audit.rs `Auditor`). Vault addresses are derived up front (async). */
class Auditor {
  summary: InvariantSummary[];
  findings: Finding[] = [];
  tokens: Map<string, TokenAccount>;
  jobKeys: Set<string>;
  providerKeys: Set<string>;
  clientWallets: Set<string>;
  epochBooks: Snapshot['epochBooks'];
  duplicatePages: [Address, bigint, Address][] = [];
  escrowOf = new Map<string, Address>();
  stakeOf = new Map<string, Address>();
  rewardVault: Address | null = null;
  treasuries = new Map<string, Address>();
  payoutsVaults = new Map<string, Address>();

  constructor(
    readonly snap: Snapshot,
    readonly liveElsewhere: Set<string>,
  ) {
    const kept = new Map<bigint, Address>();
    this.epochBooks = [];
    for (const page of snap.epochBooks) {
      const [address, book] = page;
      const k = kept.get(book.page);
      if (k !== undefined) this.duplicatePages.push([address, book.page, k]);
      else {
        kept.set(book.page, address);
        this.epochBooks.push(page);
      }
    }
    this.tokens = new Map(snap.tokenAccounts.map((t) => [t.address, t]));
    this.jobKeys = new Set(snap.jobs.map(([k]) => k));
    this.providerKeys = new Set(snap.providers.map(([k]) => k));
    this.clientWallets = new Set(snap.clients.map(([, c]) => c.client));
    this.summary = TITLES.map((title, i) => ({ invariant: i + 1, title, checked: 0, violations: 0 }));
  }

  /** Derives every vault address the checks read (PDAs are async in @solana/kit). */
  async derive() {
    for (const [address] of this.snap.jobs) this.escrowOf.set(address, await escrowVault(address));
    for (const [address] of this.snap.providers) this.stakeOf.set(address, await stakeVault(address));
    this.rewardVault = await rewardVaultAddress(this.snap.networkAddress);
    for (const mint of this.payoutMints()) {
      this.treasuries.set(mint, await treasuryAddress(this.snap.networkAddress, mint));
      this.payoutsVaults.set(mint, await findPayoutsPda(this.snap.networkAddress, mint));
    }
  }

  checked(invariant: number) {
    const s = this.summary[invariant - 1];
    if (s) s.checked += 1;
  }
  violation(invariant: number, subject: string, detail: string) {
    const s = this.summary[invariant - 1];
    if (s) s.violations += 1;
    this.findings.push({ invariant, subject, ok: false, detail });
  }
  note(invariant: number, subject: string, detail: string) {
    this.findings.push({ invariant, subject, ok: true, detail });
  }
  token(address: Address | null | undefined): TokenAccount | undefined {
    return address ? this.tokens.get(address) : undefined;
  }
  networkSubject() {
    return `network ${this.snap.networkAddress}`;
  }
  /** audit.rs `payout_mints`. */
  payoutMints(): Address[] {
    const net = this.snap.network;
    return net.stakeMint !== net.paymentMint ? [net.paymentMint, net.stakeMint] : [net.paymentMint];
  }

  /** Invariant 1, escrows (audit.rs `Auditor::escrows`). */
  escrows() {
    const paymentMint = this.snap.network.paymentMint;
    for (const [address, job] of this.snap.jobs) {
      this.checked(1);
      const subject = `job ${address}`;
      const vaultAddress = this.escrowOf.get(address);
      const v = this.token(vaultAddress);
      if (!v) {
        this.violation(1, subject, `escrow vault ${vaultAddress} missing (no token account of the network's mints there); escrowed ${job.escrowed}`);
      } else if (v.mint !== paymentMint) {
        this.violation(1, subject, `escrow vault ${vaultAddress} is of mint ${v.mint}, not the payment mint ${paymentMint}`);
      } else if (v.amount < job.escrowed) {
        this.violation(1, subject, `escrow vault ${vaultAddress} holds ${v.amount}, job escrowed ${job.escrowed}: short ${abs(job.escrowed, v.amount)}`);
      } else if (v.amount > job.escrowed) {
        this.note(
          1,
          subject,
          `escrow vault ${vaultAddress} holds ${v.amount} for ${job.escrowed} escrowed: surplus ${abs(v.amount, job.escrowed)}, a donation the client receives at settlement/refund`,
        );
      }
    }
  }

  /** Invariant 1, payouts (audit.rs `Auditor::payouts`). */
  payouts() {
    const snap = this.snap;
    const net = snap.network;
    const providers = snap.providers.reduce((s, [, p]) => s + p.owedPayment, 0n);
    const clientsPayment = snap.clients.reduce((s, [, c]) => s + c.owedPayment, 0n);
    const clientsStake = snap.clients.reduce((s, [, c]) => s + c.owedStake, 0n);
    const payment = `providers' owed_payment ${providers} + clients' owed_payment ${clientsPayment}`;
    const stake = `clients' owed_stake ${clientsStake}`;
    const paymentOwed = providers + clientsPayment;
    const owed: [Address, bigint, string][] =
      net.stakeMint === net.paymentMint
        ? [[net.paymentMint, paymentOwed + clientsStake, `${payment} + ${stake}`]]
        : [
            [net.paymentMint, paymentOwed, payment],
            [net.stakeMint, clientsStake, stake],
          ];
    const subject = this.networkSubject();
    for (const [mint, due, parts] of owed) {
      this.checked(1);
      const vaultAddress = this.payoutsVaults.get(mint);
      const v = this.token(vaultAddress);
      if (!v) {
        this.violation(1, subject, `payouts vault ${vaultAddress} of mint ${mint} missing (no token account of the network's mints there); owed ${parts} = ${due}`);
      } else if (v.mint !== mint) {
        this.violation(1, subject, `payouts vault ${vaultAddress} is of mint ${v.mint}, not ${mint}`);
      } else if (v.amount < due) {
        this.violation(1, subject, `payouts vault ${vaultAddress} of mint ${mint} holds ${v.amount}, owed ${parts} = ${due}: short ${abs(due, v.amount)}`);
      } else if (v.amount > due) {
        this.note(
          1,
          subject,
          `payouts vault ${vaultAddress} of mint ${mint} holds ${v.amount} for ${due} owed: surplus ${abs(v.amount, due)}, a donation no payee is owed (it stays in the vault)`,
        );
      }
    }
  }

  /** Invariant 2 (audit.rs `Auditor::stakes`). */
  stakes() {
    const stakeMint = this.snap.network.stakeMint;
    for (const [address, provider] of this.snap.providers) {
      this.checked(2);
      const subject = `provider ${address}`;
      if (provider.activeJobs === 0 && (provider.locked !== 0n || provider.exposure !== 0n)) {
        this.violation(
          2,
          subject,
          `idle (active_jobs 0) but locked ${provider.locked}, exposure ${provider.exposure}: no job backs them, and the lock keeps stake from being withdrawn`,
        );
      }
      const vaultAddress = this.stakeOf.get(address);
      const required = provider.stake + provider.unbonding;
      const v = this.token(vaultAddress);
      if (!v) {
        this.violation(2, subject, `stake vault ${vaultAddress} missing (no token account of the network's mints there); stake ${provider.stake} + unbonding ${provider.unbonding}`);
      } else if (v.mint !== stakeMint) {
        this.violation(2, subject, `stake vault ${vaultAddress} is of mint ${v.mint}, not the stake mint ${stakeMint}`);
      } else if (v.amount < required) {
        this.violation(
          2,
          subject,
          `stake vault ${vaultAddress} holds ${v.amount}, stake ${provider.stake} + unbonding ${provider.unbonding} = ${required}: short ${abs(required, v.amount)}`,
        );
      } else if (v.amount > required) {
        this.note(
          2,
          subject,
          `stake vault ${vaultAddress} holds ${v.amount} for stake + unbonding ${required}: surplus ${abs(v.amount, required)}, a donation swept to the owner at close_provider`,
        );
      }
    }
  }

  /** Invariant 3 (audit.rs `Auditor::rewards`). */
  rewards() {
    const net = this.snap.network;
    const subject = this.networkSubject();
    this.checked(3);
    const outstanding = net.totalAllocated >= net.totalClaimed ? net.totalAllocated - net.totalClaimed : null;
    if (outstanding === null) {
      this.violation(3, subject, `total_claimed ${net.totalClaimed} exceeds total_allocated ${net.totalAllocated}`);
    }
    if (net.totalAllocated > net.params.maxTotalEmission) {
      this.violation(3, subject, `total_allocated ${net.totalAllocated} exceeds max_total_emission ${net.params.maxTotalEmission}`);
    }
    const vaultAddress = this.rewardVault;
    const v = this.token(vaultAddress);
    if (!v) {
      this.violation(3, subject, `reward vault ${vaultAddress} missing (no token account of the network's mints there)`);
    } else if (v.mint !== net.stakeMint) {
      this.violation(3, subject, `reward vault ${vaultAddress} is of mint ${v.mint}, not the stake mint ${net.stakeMint}`);
    } else if (outstanding !== null && v.amount < outstanding) {
      this.violation(
        3,
        subject,
        `reward vault ${vaultAddress} holds ${v.amount}, allocated ${net.totalAllocated} - claimed ${net.totalClaimed} = ${outstanding}: short ${abs(outstanding, v.amount)}`,
      );
    }
    if (outstanding !== null) {
      let open = 0n;
      let n = 0;
      for (const [, book] of this.epochBooks) {
        for (const e of book.entries) {
          if (e.status === EpochStatus.Open) {
            open += e.allocated - e.claimed;
            n += 1;
          }
        }
      }
      if (open !== outstanding) {
        this.violation(
          3,
          subject,
          `allocated ${net.totalAllocated} - claimed ${net.totalClaimed} = ${outstanding}, but the ${n} open epochs owe ${open} (allocated - claimed)`,
        );
      }
    }
  }

  /** Invariant 4 (audit.rs `Auditor::epochs`). */
  epochs() {
    const snap = this.snap;
    const net = snap.network;
    const current = currentEpoch(net, snap.unixTimestamp);
    if (current === null) {
      this.checked(4);
      this.violation(
        4,
        this.networkSubject(),
        `no current epoch: snapshot time ${snap.unixTimestamp} is before genesis ${net.genesisTs} or epoch_seconds ${net.params.epochSeconds} is not positive`,
      );
    }
    for (const [address, page, kept] of this.duplicatePages) {
      this.violation(4, `epoch book ${address}`, `page ${page} is also at ${kept}: only that one is audited`);
    }
    this.duplicatePages = [];

    // The finalized results, by epoch.
    const entries = new Map<bigint, [Address, EpochEntry]>();
    for (const [address, book] of this.epochBooks) {
      const range = pageEpochs(book.page);
      if (range === null) {
        this.violation(4, `epoch book ${address}`, `page ${book.page} out of range: its epochs do not fit u64`);
        continue;
      }
      const [first] = range;
      book.entries.forEach((entry, i) => entries.set(first + BigInt(i), [address, entry]));
    }

    // The shards, summed by epoch.
    const shards = new Map<bigint, WorkSums>();
    const shardSeen = new Map<string, Address>();
    for (const [address, shard] of snap.shards) {
      const k = `${shard.epoch}/${shard.shard}`;
      const kept = shardSeen.get(k);
      if (kept !== undefined) {
        this.violation(4, `epoch shard ${address}`, `shard ${shard.shard} of epoch ${shard.epoch} is also at ${kept}: only that one is counted`);
        continue;
      }
      shardSeen.set(k, address);
      if (!shards.has(shard.epoch)) shards.set(shard.epoch, workSums());
      addWork(shards.get(shard.epoch)!, shard.score, shard.weight, shard.value, shard.fees, shard.jobs);
    }

    // The providers' book entries, summed by epoch; each paid at most its reward.
    const books = new Map<bigint, BookSums>();
    const bookSeen = new Map<string, Address>();
    for (const [address, book] of snap.providerBooks) {
      const subject = `provider book ${address}`;
      const range = pageEpochs(book.page);
      if (range === null) {
        this.violation(4, subject, `page ${book.page} out of range: its epochs do not fit u64`);
        continue;
      }
      const [first] = range;
      const k = `${book.provider}/${book.page}`;
      const kept = bookSeen.get(k);
      if (kept !== undefined) {
        this.violation(4, subject, `page ${book.page} of provider ${book.provider} is also at ${kept}: only that one is counted`);
        continue;
      }
      bookSeen.set(k, address);
      book.entries.forEach((pe, i) => {
        const index = first + BigInt(i);
        if (isDefaultEntry(pe)) return;
        if (!books.has(index)) books.set(index, { work: workSums(), paid: 0n, rewards: 0n });
        const sums = books.get(index)!;
        addWork(sums.work, pe.score, pe.weight, pe.value, pe.fees, pe.jobs);
        sums.paid += pe.paid;
        const found = entries.get(index);
        if (!found || !finalized(found[1])) return;
        const epoch = found[1];
        const reward = epochReward(epoch, pe.weight);
        if (reward === null) {
          sums.rewards = null;
          return;
        }
        sums.rewards = sums.rewards === null ? null : sums.rewards + reward;
        if (pe.paid > reward) {
          this.violation(
            4,
            subject,
            `epoch ${index}: paid ${pe.paid} exceeds its reward ${reward} (allocated ${epoch.allocated} × weight ${pe.weight} / total_weight ${epoch.totalWeight}); owed() fails on it, so while the epoch is open every claim of the page fails`,
          );
        }
      });
    }

    const pageMayHaveClosed = (index: bigint) => {
      if (current === null) return true;
      const range = pageEpochs(pageOf(index));
      return range === null || current > range[1];
    };
    const epochs = new Set<bigint>([...shards.keys(), ...books.keys()]);
    for (const [index, [, e]] of entries) {
      if (finalized(e) || (current !== null && index <= current)) epochs.add(index);
    }
    for (const index of [...epochs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
      this.checked(4);
      const entry = entries.get(index);
      const shardSums = shards.get(index);
      const bookSums = books.get(index);
      const subject = entry ? `epoch ${index} in ${entry[0]}` : `epoch ${index}`;
      if (current !== null && index > current) {
        this.futureEpoch(subject, index, current, entry, shardSums, bookSums);
        continue;
      }
      if (entry && finalized(entry[1])) {
        this.finalizedEpoch(subject, index, entry[1], shardSums, bookSums);
      } else {
        const over = pageMayHaveClosed(index);
        if (entry !== undefined || shardSums !== undefined || !over) {
          this.pendingEpoch(subject, entry ? entry[1].claimed : 0n, shardSums ?? workSums(), bookSums ?? { work: workSums(), paid: 0n, rewards: 0n }, over);
        }
      }
    }
  }

  /** audit.rs `Auditor::future_epoch`. */
  futureEpoch(subject: string, index: bigint, current: bigint, entry: [Address, EpochEntry] | undefined, shards?: WorkSums, books?: BookSums) {
    if (shards) this.violation(4, subject, `${shards.count} shards record work for epoch ${index}, after the current epoch ${current}`);
    if (books) this.violation(4, subject, `${books.work.count} provider book entries record work for epoch ${index}, after the current epoch ${current}`);
    if (entry && finalized(entry[1])) {
      this.violation(4, subject, `${EpochStatus[entry[1].status]} (finalized) although epoch ${index} is after the current epoch ${current}`);
    }
  }

  /** audit.rs `Auditor::finalized_epoch`. */
  finalizedEpoch(subject: string, index: bigint, e: EpochEntry, shards?: WorkSums, books?: BookSums) {
    if (e.claimed > e.allocated) this.violation(4, subject, `claimed ${e.claimed} exceeds allocated ${e.allocated}`);
    if (e.allocated > e.emission) this.violation(4, subject, `allocated ${e.allocated} exceeds emission ${e.emission}`);
    const end = epochStart(this.snap.network, index + 1n);
    if (end === null) {
      this.violation(4, subject, 'its end (genesis + (index + 1) × epoch_seconds) overflows i64');
    } else {
      if (e.finalizedAt < end) this.violation(4, subject, `${EpochStatus[e.status]}, finalized at ${e.finalizedAt} before the epoch ended at ${end}`);
      if (e.claimDeadline < end) this.violation(4, subject, `claim_deadline ${e.claimDeadline} before the epoch ended at ${end}`);
    }
    const s = shards ?? workSums();
    if (s.count !== e.openShards) {
      this.violation(4, subject, `open_shards ${e.openShards} but ${s.count} of its shards remain: closing one would fail, or the page could never close`);
    }
    if (s.count > 0) this.withinTotals(subject, `its ${s.count} remaining shards`, s, e);
    if (!books) return;
    if (books.paid > e.claimed) this.violation(4, subject, `provider books record ${books.paid} paid, above its claimed ${e.claimed}`);
    const who = `its ${books.work.count} provider book entries`;
    this.withinTotals(subject, who, books.work, e);
    const weightsFit = books.work.weight !== null && books.work.weight <= e.totalWeight;
    if (books.rewards !== null && weightsFit && books.rewards > e.allocated) {
      this.violation(4, subject, `the rewards of ${who} sum to ${books.rewards}, above allocated ${e.allocated}`);
    }
  }

  /** audit.rs `Auditor::within_totals`. */
  withinTotals(subject: string, who: string, sums: WorkSums, e: EpochEntry) {
    const fields: [string, string, bigint | null, bigint][] = [
      ['score', 'total_score', sums.score, e.totalScore],
      ['weight', 'total_weight', sums.weight, e.totalWeight],
      ['value', 'total_value', sums.value, e.totalValue],
      ['fees', 'total_fees', sums.fees, e.totalFees],
      ['jobs', 'jobs', sums.jobs, e.jobs],
    ];
    for (const [field, totalName, sum, total] of fields) {
      if (sum !== null && sum <= total) continue;
      this.violation(4, subject, `${who} sum to ${field} ${showScore(sum)}, above its ${totalName} ${total}`);
    }
  }

  /** audit.rs `Auditor::pending_epoch`. */
  pendingEpoch(subject: string, claimed: bigint, s: WorkSums, books: BookSums, pagesOver: boolean) {
    if (books.paid > claimed) {
      this.violation(4, subject, `not finalized, yet provider books record ${books.paid} paid, above its claimed ${claimed}`);
    }
    const b = books.work;
    const sides = (field: string, shard: string, book: string) =>
      `not finalized: its ${s.count} shards sum to ${field} ${shard}, its ${b.count} provider book entries to ${book}`;
    if (s.score === null || b.score === null || s.score !== b.score) this.violation(4, subject, sides('score', showScore(s.score), showScore(b.score)));
    if (s.weight === null || b.weight === null || s.weight !== b.weight) this.violation(4, subject, sides('weight', showScore(s.weight), showScore(b.weight)));
    if (s.value !== b.value) this.violation(4, subject, sides('value', `${s.value}`, `${b.value}`));
    if (s.fees !== b.fees) this.violation(4, subject, sides('fees', `${s.fees}`, `${b.fees}`));
    if (s.jobs !== b.jobs) {
      const detail = sides('jobs', `${s.jobs}`, `${b.jobs}`);
      if (s.jobs > b.jobs && pagesOver) {
        this.note(4, subject, `${detail}: provider book pages whose only work in it weighed 0 may have closed`);
      } else {
        this.violation(4, subject, detail);
      }
    }
  }

  /** Invariant 5 (audit.rs `Auditor::conservation`). */
  conservation() {
    for (const mint of this.snap.mints) {
      this.checked(5);
      let sum = 0n;
      let n = 0;
      for (const t of this.snap.tokenAccounts) {
        if (t.mint === mint.address) {
          sum += t.amount;
          n += 1;
        }
      }
      if (sum !== mint.supply) {
        const side = sum > mint.supply ? 'more' : 'less';
        this.violation(
          5,
          `mint ${mint.address}`,
          `${n} token accounts hold ${sum}, supply is ${mint.supply}: ${abs(sum, mint.supply)} ${side} than minted (tokens outside the accounts the ledger holds, or a tampered ledger)`,
        );
      }
    }
  }

  /** audit.rs `Auditor::custody`. */
  custody(subject: string, vault: TokenAccount, authority: Address, who: string) {
    this.checked(6);
    const at = vault.address;
    if (vault.owner !== authority) this.violation(6, subject, `vault ${at}: authority ${vault.owner} is not the ${who} ${authority}: the program cannot sign for it`);
    if (vault.delegate) this.violation(6, subject, `vault ${at}: delegate ${vault.delegate} can move its tokens outside the program`);
    if (vault.closeAuthority) this.violation(6, subject, `vault ${at}: close authority ${vault.closeAuthority} set; the program must close it`);
    if (vault.frozen) this.violation(6, subject, `vault ${at}: frozen: no instruction can move its tokens`);
  }

  /** Invariant 6 (audit.rs `Auditor::stuck_funds`). */
  async stuckFunds() {
    const snap = this.snap;
    const network = snap.networkAddress;
    const now = snap.unixTimestamp;

    for (const [address] of snap.jobs) {
      const v = this.token(this.escrowOf.get(address));
      if (v) this.custody(`job ${address}`, v, address, 'Job PDA');
    }
    for (const [address] of snap.providers) {
      const v = this.token(this.stakeOf.get(address));
      if (v) this.custody(`provider ${address}`, v, address, 'Provider PDA');
    }
    const subject = this.networkSubject();
    const reward = this.token(this.rewardVault);
    if (reward) this.custody(subject, reward, network, 'Network PDA');
    for (const mint of this.payoutMints()) {
      const v = this.token(this.payoutsVaults.get(mint));
      if (v) this.custody(subject, v, network, 'Network PDA');
    }
    for (const mint of this.payoutMints()) {
      const address = this.treasuries.get(mint);
      const v = this.token(address);
      if (!v) {
        this.checked(6);
        this.violation(6, subject, `treasury vault ${address} of mint ${mint} missing: fees and slashes have nowhere to go`);
      } else {
        if (v.mint !== mint) this.violation(6, subject, `treasury vault ${address} is of mint ${v.mint}, not ${mint}`);
        this.custody(subject, v, network, 'Network PDA');
      }
    }

    // Every live job has an exit.
    for (const [address, job] of snap.jobs) {
      this.checked(6);
      const subject = `job ${address}`;
      const deadlines: [string, bigint][] = [];
      switch (job.state) {
        case JobState.Open:
          deadlines.push(['accept_deadline', job.acceptDeadline]);
          break;
        case JobState.Running:
          deadlines.push(['completion_deadline', job.completionDeadline]);
          break;
        case JobState.Submitted:
          deadlines.push(['challenge_deadline', job.challengeDeadline]);
          if (job.audit === AuditDraw.Selected) deadlines.push(['vote_deadline', job.voteDeadline]);
          break;
        case JobState.Disputed:
          deadlines.push(['vote_deadline', job.voteDeadline]);
          break;
      }
      for (const [name, deadline] of deadlines) {
        const why = deadDeadline(deadline, now, JOB_DEADLINE_HORIZON);
        if (why) {
          this.violation(6, subject, `${JobState[job.state]} job without an exit: ${name} ${why}; its escrow ${job.escrowed} cannot be settled or expired`);
        }
      }
      if (!this.clientWallets.has(job.client)) {
        this.violation(6, subject, `no Client record for its client ${job.client}: every ending of the job (refund or settlement) needs it`);
      }
      if (job.state !== JobState.Open) {
        const p = job.provider.__option === 'Some' ? job.provider.value : null;
        if (p === null) {
          this.violation(6, subject, `${JobState[job.state]} job with no provider: settlement and expiry need the provider's account`);
        } else if (!this.providerKeys.has(p)) {
          this.violation(6, subject, `${JobState[job.state]} job's provider ${p} is not a live provider of the network: settlement and expiry need its account`);
        }
      }
    }

    // Every provider can get its stake out.
    const accepted = new Map<string, [bigint, bigint, bigint]>();
    for (const [, job] of snap.jobs) {
      if (job.provider.__option === 'Some' && job.state !== JobState.Open) {
        const p = job.provider.value;
        const [n, lock, exposure] = accepted.get(p) ?? [0n, 0n, 0n];
        accepted.set(p, [n + 1n, lock + job.slashLock, exposure + job.exposure]);
      }
    }
    for (const [address, provider] of snap.providers) {
      this.checked(6);
      const subject = `provider ${address}`;
      if (provider.unbonding > 0n) {
        const why = deadDeadline(provider.unbondReadyAt, now, MAX_UNBOND_SECONDS);
        if (why) this.violation(6, subject, `unbonding ${provider.unbonding} cannot be withdrawn: unbond_ready_at ${why}`);
      }
      const [live, lock, exposure] = accepted.get(address) ?? [0n, 0n, 0n];
      if (BigInt(provider.activeJobs) !== live) {
        this.violation(6, subject, `active_jobs ${provider.activeJobs} but ${live} live jobs were accepted by it`);
      }
      if (provider.activeJobs > 0) {
        if (provider.locked !== lock) {
          this.violation(6, subject, `locked ${provider.locked}, but the slash locks of its ${live} live jobs sum to ${lock}: ending them would fail or leave stake locked for ever`);
        }
        if (provider.exposure !== exposure) {
          this.violation(6, subject, `exposure ${provider.exposure}, but the exposures of its ${live} live jobs sum to ${exposure}: ending them would fail or leave exposure behind`);
        }
      }
    }

    // Orphan vaults: escrow or stake vaults whose Job or Provider is gone.
    for (const t of snap.tokenAccounts) {
      const kind = await orphanVault(t, this.jobKeys, this.providerKeys);
      if (!kind || this.liveElsewhere.has(t.owner)) continue;
      this.checked(6);
      const [what, whose] = kind === 'escrow' ? ['escrow', 'job'] : ['stake', 'provider'];
      const subject = `token account ${t.address}`;
      if (t.amount > 0n) {
        this.violation(6, subject, `orphan ${what} vault: its authority ${t.owner} is not a live ${whose}, so nothing can release its ${t.amount} tokens`);
      } else {
        this.note(6, subject, `empty orphan ${what} vault (authority ${t.owner} is not a live ${whose}): only its rent is stranded`);
      }
    }
  }
}

/**
 * Recomputes every invariant from `snap` (audit.rs `audit_with`; `liveElsewhere`: live Jobs
 * or Providers of other networks sharing a mint). Vault addresses are derived first.
 */
export async function audit(snap: Snapshot, liveElsewhere: Set<string> = new Set()): Promise<AuditReport> {
  const a = new Auditor(snap, liveElsewhere);
  await a.derive();
  a.escrows();
  a.payouts();
  a.stakes();
  a.rewards();
  a.epochs();
  a.conservation();
  await a.stuckFunds();
  return { network: snap.networkAddress, slot: snap.slot, unixTimestamp: snap.unixTimestamp, summary: a.summary, findings: a.findings };
}
