/**
 * The hand-written layer's pure functions, on the cases the program's own unit tests use
 * (curve.rs, book.rs, audit.rs, lifecycle.rs), and claim batching on real transaction sizes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  type Address,
  type Blockhash,
  generateKeyPairSigner,
  getAddressDecoder,
  getAddressEncoder,
  getBase64Decoder,
  none,
  type ReadonlyUint8Array,
  some,
} from '@solana/kit';

import {
  decodeSlotHashes,
  decodeSpiceEvent,
  getJobSettledEncoder,
  IDL_EVENTS,
  parseSpiceEvents,
  SettleReason,
  ATTESTATION_DISCRIMINATOR,
  ATTESTATION_JOB_OFFSET,
  AuditDraw,
  getAttestationEncoder,
  Verdict,
  claimBatches,
  claimRewardsBatches,
  claimsPausedTotal,
  type Draw,
  drawFrom,
  EPOCHS_PER_PAGE,
  epochAt,
  epochClaimable,
  type EpochEntry,
  epochReward,
  EpochStatus,
  ExpireReason,
  firstEpochOf,
  formatAmount,
  isSelected,
  type Job,
  JobState,
  networkAddress,
  offsetInPage,
  owedIn,
  pageOf,
  pagesOf,
  parseAmount,
  PAUSE_CLAIM,
  possibleActions,
  type ProviderEntry,
  providerOwed,
  shardOf,
  slotHashAfter,
  type SpiceNetwork,
} from '../src';

const addressOf = (first: number) => getAddressDecoder().decode(new Uint8Array(32).fill(first)) as Address;

describe('pages and epochs', () => {
  test('page arithmetic with the IDL constant', () => {
    assert.equal(EPOCHS_PER_PAGE, 16n);
    assert.equal(pageOf(0n), 0n);
    assert.equal(pageOf(15n), 0n);
    assert.equal(pageOf(16n), 1n);
    assert.equal(offsetInPage(17n), 1);
    assert.equal(firstEpochOf(2n), 32n);
    assert.deepEqual(pagesOf([40n, 1n, 33n, 2n]), [0n, 2n]);
  });

  test('epoch index counts whole epochs from genesis (curve::epoch_index)', () => {
    const net = { genesisTs: 1_000n, params: { epochSeconds: 60n } } as Parameters<typeof epochAt>[0];
    assert.equal(epochAt(net, 1_000n), 0n);
    assert.equal(epochAt(net, 1_059n), 0n);
    assert.equal(epochAt(net, 1_060n), 1n);
    assert.equal(epochAt(net, 1_000n + 60n * 7n + 59n), 7n);
    assert.equal(epochAt(net, 999n), undefined);
  });

  test("a job's shard is its address's first byte modulo the shard count", () => {
    assert.equal(shardOf(addressOf(7), 4), 3);
    assert.equal(shardOf(addressOf(7), 0), 0);
    assert.equal(shardOf(addressOf(255), 12), 3);
  });

  test('claim pauses and the drain after them move deadlines (Network::claims_paused_total)', () => {
    const base = { paused: 0, claimsPausedAt: 0n, claimsPausedSeconds: 100n, claimsDrainFrom: 0n, claimsDrainUntil: 0n };
    assert.equal(claimsPausedTotal(base, 5_000n), 100n);
    assert.equal(claimsPausedTotal({ ...base, paused: PAUSE_CLAIM, claimsPausedAt: 4_000n }, 5_000n), 1_100n);
    assert.equal(claimsPausedTotal({ ...base, paused: PAUSE_CLAIM, claimsPausedAt: 6_000n }, 5_000n), 100n);
    const draining = { ...base, claimsDrainFrom: 4_000n, claimsDrainUntil: 4_500n };
    assert.equal(claimsPausedTotal(draining, 4_200n), 300n);
    assert.equal(claimsPausedTotal(draining, 9_000n), 600n);
    assert.equal(claimsPausedTotal(draining, 3_000n), 100n);
  });
});

function epochEntry(overrides: Partial<EpochEntry>): EpochEntry {
  return {
    status: EpochStatus.Open,
    emission: 0n,
    shortfall: 0n,
    allocated: 1_000n,
    claimed: 0n,
    totalScore: 0n,
    totalWeight: 3n,
    totalValue: 0n,
    totalFees: 0n,
    jobs: 1n,
    claimDeadline: 10_000n,
    pausedBase: 50n,
    finalizedAt: 0n,
    openShards: 0,
    ...overrides,
  };
}

function providerEntry(weight: bigint, paid = 0n): ProviderEntry {
  return { score: weight, weight, value: 0n, fees: 0n, jobs: 1n, paid };
}

describe('rewards', () => {
  test('an epoch is claimable while open and before its pause-extended deadline', () => {
    const e = epochEntry({});
    assert.equal(epochClaimable(e, 9_999n, 50n), true);
    assert.equal(epochClaimable(e, 10_000n, 50n), false);
    assert.equal(epochClaimable(e, 10_000n, 51n), true, 'a second of pause since finalization adds a second');
    assert.equal(epochClaimable(epochEntry({ status: EpochStatus.Pending }), 0n, 0n), false);
    assert.equal(epochClaimable(epochEntry({ status: EpochStatus.Closed }), 0n, 0n), false);
  });

  test('a weight gets its floor share of the allocation, less what was paid', () => {
    const e = epochEntry({});
    assert.equal(epochReward(e, 1n), 333n);
    assert.equal(epochReward(e, 3n), 1_000n);
    assert.equal(epochReward(epochEntry({ totalWeight: 0n }), 0n), 0n);
    assert.throws(() => epochReward(e, 4n), RangeError);
    assert.equal(providerOwed(providerEntry(2n, 100n), e), 566n);
    assert.throws(() => providerOwed(providerEntry(1n, 334n), e), RangeError);
  });

  test('owedIn lists the claimable epochs of book pages with their rewards', () => {
    const providerEntries = Array.from({ length: 16 }, () => providerEntry(0n));
    providerEntries[2] = providerEntry(1n);
    providerEntries[3] = providerEntry(3n, 1_000n); // fully paid
    providerEntries[4] = providerEntry(1n); // its epoch is still pending
    const epochEntries = Array.from({ length: 16 }, () => epochEntry({ status: EpochStatus.Pending }));
    epochEntries[2] = epochEntry({});
    epochEntries[3] = epochEntry({});
    const page = {
      page: 1n,
      provider: { entries: providerEntries } as never,
      epochs: { entries: epochEntries } as never,
    };
    assert.deepEqual(owedIn([page], 0n, 100n), [{ epoch: 18n, reward: 333n }]);
    // Past its claim window an open epoch still pays, until it is closed (EpochEntry::payable).
    assert.equal(epochClaimable(epochEntries[2]!, 20_000n, 0n), false);
    assert.deepEqual(owedIn([page], 0n, 20_000n), [{ epoch: 18n, reward: 333n }]);
    epochEntries[2] = epochEntry({ status: EpochStatus.Closed });
    assert.deepEqual(owedIn([page], 0n, 100n), []);
    assert.deepEqual(owedIn([{ ...page, epochs: null }], 0n, 100n), []);
  });

  test('claimBatches packs greedily and gives an oversize page its own batch', async () => {
    const sizes = (pages: bigint[]) => pages.reduce((sum, p) => sum + Number(p), 0);
    assert.deepEqual(await claimBatches([1n, 2n, 3n, 4n], sizes, 5), [[1n, 2n], [3n], [4n]]);
    assert.deepEqual(await claimBatches([9n, 1n], sizes, 5), [[9n], [1n]]);
    assert.deepEqual(await claimBatches([], sizes, 5), []);
  });

  test('claim transactions hold as many page pairs as fit the packet (a year of daily epochs: two)', async () => {
    const owner = await generateKeyPairSigner();
    const net = {
      address: await networkAddress(owner.address, 1n),
      account: { stakeMint: addressOf(9), stakeTokenProgram: addressOf(8) },
    } as unknown as SpiceNetwork;
    const destination = addressOf(5);
    const pages = Array.from({ length: 40 }, (_, i) => BigInt(i));
    const batches = await claimRewardsBatches(net, owner, destination, pages);
    assert.deepEqual(batches.flat(), pages, 'every page once, in order');
    const year = pagesOf(Array.from({ length: 365 }, (_, i) => BigInt(i)));
    assert.equal(year.length, 23);
    assert.equal((await claimRewardsBatches(net, owner, destination, year)).length, 2);
    // Each batch but the last could not take the next page.
    for (const [i, batch] of batches.slice(0, -1).entries()) {
      const next = batches[i + 1]?.[0];
      assert.ok(next !== undefined);
      const grown = await claimRewardsBatches(net, owner, destination, [...batch, next]);
      assert.equal(grown.length, 2, `batch ${i} is full`);
    }
  });
});

describe('account layouts', () => {
  test("the getProgramAccounts filter's offset of an Attestation's job is where the generated encoder puts it", () => {
    const job = addressOf(42);
    const data = getAttestationEncoder().encode({
      version: 1,
      bump: 255,
      job,
      attestor: addressOf(1),
      verdict: Verdict.Valid,
      measuredUnits: 7n,
      evidenceHash: new Uint8Array(32),
      evidenceUri: 'u',
      slot: 9n,
    });
    const at = data.slice(ATTESTATION_JOB_OFFSET, ATTESTATION_JOB_OFFSET + 32);
    assert.deepEqual([...at], [...getAddressEncoder().encode(job)]);
    assert.deepEqual([...data.slice(0, 8)], [...ATTESTATION_DISCRIMINATOR]);
  });
});

describe('events', () => {
  test('Program data lines decode into the IDL events; other lines and programs are skipped', () => {
    const settled = {
      job: addressOf(4),
      provider: addressOf(5),
      client: addressOf(6),
      reason: SettleReason.Approved,
      finalUnits: 90n,
      providerPayment: 87_750n,
      protocolFee: 2_250n,
      clientRefund: 10_000n,
      providerPaymentOwed: true,
      clientRefundOwed: false,
    };
    const bytes = getJobSettledEncoder().encode(settled);
    assert.deepEqual([...bytes.slice(0, 8)], [...IDL_EVENTS.JobSettled.discriminator], 'the encoder writes the discriminator');
    const line = (b: ReadonlyUint8Array) => `Program data: ${getBase64Decoder().decode(b)}`;
    const logs = [
      'Program SpiceGPUMASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS invoke [1]',
      'Program log: Instruction: ApproveJob',
      line(bytes),
      line(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])),
      'Program SpiceGPUMASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS success',
    ];
    const events = parseSpiceEvents(logs);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.ok(event?.name === 'JobSettled');
    assert.deepEqual(event.data, settled);
    assert.equal(decodeSpiceEvent(new Uint8Array(8)), undefined);
    assert.equal(Object.keys(IDL_EVENTS).length, 35, 'every event of the IDL');
  });
});

describe('amounts', () => {
  test('format base units with the mint decimals', () => {
    assert.equal(formatAmount(1_500_000n, 6), '1.5');
    assert.equal(formatAmount(1n, 6), '0.000001');
    assert.equal(formatAmount(0n, 6), '0');
    assert.equal(formatAmount(1_000_000n, 6), '1');
    assert.equal(formatAmount(-2_500_000n, 6), '-2.5');
    assert.equal(formatAmount(42n, 0), '42');
    assert.equal(formatAmount(18_446_744_073_709_551_615n, 9), '18446744073.709551615');
    assert.throws(() => formatAmount(1n, -1), RangeError);
  });

  test('parse decimal strings into base units, refusing excess precision', () => {
    assert.equal(parseAmount('1.5', 6), 1_500_000n);
    assert.equal(parseAmount('0.000001', 6), 1n);
    assert.equal(parseAmount('7', 0), 7n);
    assert.equal(parseAmount(' 2. ', 2), 200n);
    assert.throws(() => parseAmount('1.0000001', 6), RangeError);
    assert.throws(() => parseAmount('-1', 6), SyntaxError);
    assert.throws(() => parseAmount('1e6', 6), SyntaxError);
    for (const n of [0n, 1n, 999_999n, 123_456_789n]) assert.equal(parseAmount(formatAmount(n, 6), 6), n);
  });
});

describe('the audit draw (audit.rs)', () => {
  const sysvar = (entries: [number, number][]) =>
    entries.map(([slot, fill]) => ({
      slot: BigInt(slot),
      hash: getAddressDecoder().decode(new Uint8Array(32).fill(fill)) as unknown as Blockhash,
    }));
  const bytes = (fill: number) => new Uint8Array(32).fill(fill);

  test('the first recorded slot after the submission decides', () => {
    const data = sysvar([[12, 12], [11, 11], [10, 10], [9, 9]]);
    assert.deepEqual(slotHashAfter(data, 10n), bytes(11));
    assert.deepEqual(slotHashAfter(data, 9n), bytes(10));
    const skipped = sysvar([[20, 20], [15, 15], [10, 10]]);
    assert.deepEqual(slotHashAfter(skipped, 10n), bytes(15));
    assert.deepEqual(slotHashAfter(skipped, 16n), bytes(20));
  });

  test('not ready until a later slot is recorded; pruned history counts as selected', () => {
    const data = sysvar([[10, 10], [9, 9]]);
    assert.equal(slotHashAfter(data, 10n), 'not_ready');
    assert.equal(slotHashAfter(data, 11n), 'not_ready');
    assert.equal(slotHashAfter([], 1n), 'not_ready');
    assert.equal(slotHashAfter(sysvar([[600, 1], [599, 1], [598, 1]]), 10n), 'selected');
  });

  test('the SlotHashes data decodes with its u64 count, never past its length', () => {
    const data = (declared: bigint, entries: [number, number][]) => {
      const out = new Uint8Array(8 + entries.length * 40);
      const view = new DataView(out.buffer);
      view.setBigUint64(0, declared, true);
      entries.forEach(([slot, fill], i) => {
        view.setBigUint64(8 + i * 40, BigInt(slot), true);
        out.fill(fill, 16 + i * 40, 48 + i * 40);
      });
      return out;
    };
    const decoded = decodeSlotHashes(data(2n, [[11, 11], [10, 10]]));
    assert.deepEqual(
      decoded.map((e) => e.slot),
      [11n, 10n],
    );
    assert.deepEqual(slotHashAfter(decoded, 10n), bytes(11));
    assert.equal(decodeSlotHashes(data(200n, [[11, 1], [10, 1]])).length, 2, 'a count beyond the data is not trusted');
    assert.deepEqual(decodeSlotHashes(new Uint8Array(4)), []);
  });

  test('the rate bounds the selection', () => {
    const hash = bytes(200);
    assert.equal(isSelected(hash, addressOf(3), 10_000), true);
    assert.equal(isSelected(hash, addressOf(3), 0), false);
    // (0xc8c8…c8 ^ 0x0303…03) % 10_000 = 0xcbcb_cbcb_cbcb_cbcb % 10_000
    const value = 0xcbcbcbcbcbcbcbcbn % 10_000n;
    assert.equal(isSelected(hash, addressOf(3), Number(value)), false);
    assert.equal(isSelected(hash, addressOf(3), Number(value) + 1), true);
  });
});

function job(overrides: Partial<Job>): Job {
  return {
    discriminator: new Uint8Array(8),
    version: 1,
    bump: 0,
    escrowBump: 0,
    network: addressOf(1),
    client: addressOf(2),
    jobId: 0n,
    targetProvider: none(),
    provider: some(addressOf(3)),
    pricePerUnit: 1n,
    maxUnits: 10n,
    escrowed: 10n,
    specHash: new Uint8Array(32),
    specUri: '',
    resultHash: new Uint8Array(32),
    resultUri: '',
    reportedUnits: 5n,
    state: JobState.Submitted,
    terms: {
      protocolFeeBps: 250,
      slashBps: 2_000,
      slashClientShareBps: 5_000,
      auditRateBps: 1_000,
      attestationQuorum: 2,
      challengeSeconds: 600n,
      disputeSeconds: 3_600n,
      referencePrice: 0n,
      rewardRateCapBps: 80,
      mMaxBps: 30_000,
      stakeCap: 0n,
    },
    createdAt: 0n,
    createdSlot: 0n,
    acceptDeadline: 0n,
    runSeconds: 0n,
    acceptedAt: 0n,
    completionDeadline: 0n,
    stakeAtAccept: 0n,
    slashLock: 0n,
    exposure: 0n,
    submitSlot: 0n,
    challengeDeadline: 0n,
    voteDeadline: 0n,
    audit: AuditDraw.NotSelected,
    validVotes: 0,
    invalidVotes: 0,
    validUnits: [],
    reserved: new Uint8Array(0),
    ...overrides,
  } as Job;
}

const brief = (j: Job, draw: Draw, now: bigint) => possibleActions(j, draw, false, now).map((p) => [p.who, p.action, p.now]);

describe('job states (lifecycle.rs)', () => {
  test('an open job at its accept deadline and after', () => {
    const j = job({ state: JobState.Open, acceptDeadline: 100n });
    assert.deepEqual(brief(j, 'not_ready', 100n), [
      ['client', 'cancel', true],
      ['provider', 'accept', true],
      ['anyone', 'expire', false],
    ]);
    assert.deepEqual(brief(j, 'not_ready', 101n), [
      ['client', 'cancel', true],
      ['anyone', 'expire', true],
    ]);
    const paused = possibleActions(j, 'not_ready', true, 50n);
    assert.equal(paused[1]?.now, false);
    assert.deepEqual(paused[2]?.note, { kind: 'expiry', reason: ExpireReason.NotAccepted });
  });

  test('a submitted job follows the draw and the challenge window', () => {
    const j = job({ audit: AuditDraw.Pending, challengeDeadline: 100n, terms: { ...job({}).terms, disputeSeconds: 50n } });
    assert.deepEqual(brief(j, 'not_selected', 100n), [
      ['client', 'approve', true],
      ['client', 'dispute', true],
      ['attestors', 'attest', true],
      ['anyone', 'settle', false],
      ['anyone', 'draw_audit', true],
    ]);
    assert.deepEqual(brief(j, 'not_selected', 101n), [
      ['client', 'approve', true],
      ['anyone', 'settle', true],
      ['anyone', 'draw_audit', true],
    ]);
    const late = possibleActions(j, 'selected', false, 101n);
    assert.equal(late[1]?.action, 'attest');
    assert.deepEqual(late[1]?.note, { kind: 'selection_opens_voting', seconds: 50n });
    const selected = job({ audit: AuditDraw.Selected, challengeDeadline: 100n, voteDeadline: 150n });
    assert.deepEqual(brief(selected, 'selected', 151n), [['anyone', 'expire', true]]);
    assert.deepEqual(brief(j, 'not_ready', 50n), [
      ['client', 'approve', false],
      ['client', 'dispute', true],
      ['attestors', 'attest', true],
      ['anyone', 'settle', false],
      ['anyone', 'draw_audit', false],
    ]);
  });

  test('running and disputed jobs', () => {
    const running = job({ state: JobState.Running, completionDeadline: 10n });
    assert.deepEqual(brief(running, 'not_ready', 10n), [
      ['provider', 'submit', true],
      ['anyone', 'expire', false],
    ]);
    assert.deepEqual(brief(running, 'not_ready', 11n), [['anyone', 'expire', true]]);
    const disputed = job({ state: JobState.Disputed, voteDeadline: 10n, audit: AuditDraw.Pending, validVotes: 1 });
    const actions = possibleActions(disputed, 'not_selected', false, 10n);
    assert.deepEqual(
      actions.map((p) => [p.who, p.action, p.now]),
      [
        ['attestors', 'attest', true],
        ['anyone', 'expire', false],
        ['anyone', 'draw_audit', true],
      ],
    );
    assert.deepEqual(actions[0]?.note, { kind: 'votes', valid: 1, invalid: 0, quorum: 2 });
    assert.deepEqual(brief(disputed, 'not_ready', 11n), [['anyone', 'expire', true]]);
  });

  test('drawFrom reads a recorded draw, and a zero rate never selects', () => {
    assert.equal(drawFrom(job({ audit: AuditDraw.Selected }), addressOf(1), []), 'selected');
    assert.equal(drawFrom(job({ audit: AuditDraw.NotSelected }), addressOf(1), []), 'not_selected');
    assert.equal(drawFrom(job({ audit: AuditDraw.Pending }), addressOf(1), []), 'not_ready');
    const zero = job({ audit: AuditDraw.Pending, terms: { ...job({}).terms, auditRateBps: 0 } });
    assert.equal(drawFrom(zero, addressOf(1), []), 'not_selected');
  });
});
