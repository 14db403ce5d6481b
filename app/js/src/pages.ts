/**
 * Epochs, reward-book pages and shards: the arithmetic the program does on them, for building
 * `finalize_epoch`, `close_epoch_shard` and `claim_rewards` and for telling what is claimable.
 *
 * Each rule mirrors one pure function of the program, named in its comment; the constants come
 * from the IDL (`EPOCHS_PER_PAGE`, `PAUSE_CLAIM`, generated into `generated/idl.ts`).
 */
import { type Address, getAddressEncoder } from '@solana/kit';

import {
  type EpochBook,
  type EpochEntry,
  EpochStatus,
  type Network,
  type ProviderBook,
  type ProviderEntry,
} from './generated';
import { EPOCHS_PER_PAGE, PAUSE_CLAIM } from './generated/idl';
import { epochShardAddress } from './pda';

export { EPOCHS_PER_PAGE };

/** The page holding epoch `index` (`spice::state::page_of`). */
export function pageOf(index: bigint): bigint {
  return index / EPOCHS_PER_PAGE;
}

/** Position of epoch `index` in its page (`spice::state::offset_in_page`). */
export function offsetInPage(index: bigint): number {
  return Number(index % EPOCHS_PER_PAGE);
}

/** First epoch of page `page` (`spice::state::first_epoch_of`). */
export function firstEpochOf(page: bigint): bigint {
  return page * EPOCHS_PER_PAGE;
}

/** The pages holding `epochs`, ascending, once each (`spice_sdk::flows::pages_of`). */
export function pagesOf(epochs: Iterable<bigint>): bigint[] {
  const pages = [...new Set([...epochs].map(pageOf))];
  return pages.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The epoch index at unix time `now` (`spice::curve::epoch_index` via
 * `Network::current_epoch`); `undefined` before the network's genesis.
 */
export function epochAt(network: Pick<Network, 'genesisTs' | 'params'>, now: bigint): bigint | undefined {
  const length = network.params.epochSeconds;
  if (length <= 0n || now < network.genesisTs) return undefined;
  return (now - network.genesisTs) / length;
}

/** Unix time epoch `index` starts at (`Network::epoch_start`). */
export function epochStart(network: Pick<Network, 'genesisTs' | 'params'>, index: bigint): bigint {
  return network.genesisTs + index * network.params.epochSeconds;
}

/** The shard a job's settlements add to: its address's first byte modulo the shard count (`spice::state::shard_of`). */
export function shardOf(job: Address, shardCount: number): number {
  const first = getAddressEncoder().encode(job)[0] ?? 0;
  return first % Math.max(1, shardCount);
}

/**
 * Every shard address of epoch `index`, in shard order: the remaining accounts of
 * `finalize_epoch` (the program wants every shard, existing or not, in order).
 */
export function epochShardAddresses(network: Address, index: bigint, shardCount: number): Promise<Address[]> {
  return Promise.all(Array.from({ length: shardCount }, (_, shard) => epochShardAddress(network, index, shard)));
}

/**
 * Total claim-pause time at `now`, the running pause or the drain after the last one included
 * (`Network::claims_paused_total`, `Network::drain_elapsed`).
 */
export function claimsPausedTotal(
  network: Pick<Network, 'paused' | 'claimsPausedAt' | 'claimsPausedSeconds' | 'claimsDrainFrom' | 'claimsDrainUntil'>,
  now: bigint,
): bigint {
  let current: bigint;
  if ((network.paused & PAUSE_CLAIM) !== 0) {
    current = now - network.claimsPausedAt;
  } else {
    current = (now < network.claimsDrainUntil ? now : network.claimsDrainUntil) - network.claimsDrainFrom;
  }
  return network.claimsPausedSeconds + (current > 0n ? current : 0n);
}

/** The claim deadline of a finalized epoch, moved by the claim pauses since (`EpochEntry::effective_deadline`). */
export function effectiveDeadline(entry: EpochEntry, pausedTotalNow: bigint): bigint {
  const extension = pausedTotalNow - entry.pausedBase;
  return entry.claimDeadline + (extension > 0n ? extension : 0n);
}

/**
 * Whether `now` is inside the epoch's claim window (`EpochEntry::claimable`): claims are
 * guaranteed until then. After it the epoch still pays (`epochPayable`) until someone closes it.
 */
export function epochClaimable(entry: EpochEntry, now: bigint, pausedTotalNow: bigint): boolean {
  return entry.status === EpochStatus.Open && now < effectiveDeadline(entry, pausedTotalNow);
}

/** Whether a claim pays the epoch's rewards now: from finalization until it is closed (`EpochEntry::payable`). */
export function epochPayable(entry: EpochEntry): boolean {
  return entry.status === EpochStatus.Open;
}

/** A weight's share of the epoch's allocation (`EpochEntry::reward` → `curve::reward_share`). */
export function epochReward(entry: EpochEntry, weight: bigint): bigint {
  if (weight > entry.totalWeight) throw new RangeError('weight above the epoch total');
  if (entry.totalWeight === 0n) return 0n;
  return (entry.allocated * weight) / entry.totalWeight;
}

/** What a provider's entry is still owed by its epoch (`ProviderEntry::owed`). */
export function providerOwed(entry: ProviderEntry, epoch: EpochEntry): bigint {
  const owed = epochReward(epoch, entry.weight) - entry.paid;
  if (owed < 0n) throw new RangeError('paid above the reward');
  return owed;
}

/** One epoch's reward a provider can claim now (`spice_sdk::flows::Claimable`). */
export type Claimable = { epoch: bigint; reward: bigint };

/** A page of a provider's book and the network's page of the same epochs (`null`: not created yet). */
export type BookPage = { page: bigint; provider: ProviderBook; epochs: EpochBook | null };

/**
 * What the pages owe, epoch by epoch (`spice_sdk::flows::owed_in`: `EpochEntry::payable` and
 * `ProviderEntry::owed`); `pausedTotal` and `now` are kept for callers that filter by window
 * (`epochClaimable`).
 */
export function owedIn(pages: readonly BookPage[], _pausedTotal: bigint, _now: bigint): Claimable[] {
  const out: Claimable[] = [];
  for (const p of pages) {
    if (p.epochs === null) continue;
    p.provider.entries.forEach((entry, slot) => {
      const epoch = p.epochs?.entries[slot];
      if (epoch === undefined || entry.weight === 0n || !epochPayable(epoch)) return;
      const reward = providerOwed(entry, epoch);
      if (reward > 0n) out.push({ epoch: firstEpochOf(p.page) + BigInt(slot), reward });
    });
  }
  return out;
}

/**
 * Splits the pages of a claim into groups, each as large as fits one transaction
 * (`spice_sdk::flows::claim_batches`): `size(pages)` is the serialized size of the whole
 * transaction claiming those pages (e.g. `getTransactionMessageSize` of the message), `limit`
 * the packet size (`LEGACY_TRANSACTION_SIZE_LIMIT`, 1232 bytes). A page too big alone still
 * gets its own group.
 */
export async function claimBatches(
  pages: readonly bigint[],
  size: (pages: bigint[]) => number | Promise<number>,
  limit: number,
): Promise<bigint[][]> {
  const batches: bigint[][] = [];
  let current: bigint[] = [];
  for (const page of pages) {
    const trial = [...current, page];
    if (current.length === 0 || (await size(trial)) <= limit) {
      current = trial;
    } else {
      batches.push(current);
      current = [page];
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
