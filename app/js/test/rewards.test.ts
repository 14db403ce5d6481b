/**
 * Through this client against `spice serve`: a dispute decided by attestor votes reaching the
 * quorum, an epoch finalized (with its shards) and a reward claimed by book page pairs, the
 * shards closed; every account type of the IDL decoded from the real accounts of that ledger.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { type Address, parseBase64RpcAccount } from '@solana/kit';

import {
  acceptJobInstruction,
  attestationAddress,
  attestInstruction,
  chainNow,
  claimable,
  claimRewardsBatches,
  claimRewardsInstruction,
  clientRecordAddress,
  closeEpochShardInstructions,
  createAssociatedTokenAccountInstruction,
  createJobInstruction,
  decodeAttestation,
  decodeAttestor,
  decodeClient,
  decodeEpochBook,
  decodeEpochShard,
  decodeJob,
  decodeNetwork,
  decodeProvider,
  decodeProviderBook,
  disputeJobInstruction,
  epochAt,
  epochBookAddress,
  EpochStatus,
  epochShardAddress,
  fetchEpochBook,
  fetchJob,
  fetchMaybeAttestation,
  fetchMaybeEpochShard,
  fetchMaybeJob,
  finalizeEpochInstruction,
  identifySpiceAccount,
  JobState,
  nextJobId,
  offsetInPage,
  pageOf,
  pagesOf,
  paymentAta,
  providerAddress,
  providerBookAddress,
  registerProviderInstruction,
  SPICE_ERROR__EPOCH_NOT_ENDED,
  SPICE_ERROR__NOTHING_TO_CLAIM,
  SPICE_PROGRAM_ADDRESS,
  SpiceAccount,
  stakeAta,
  submitResultInstruction,
  Verdict,
} from '../src';
import { compareWithCli } from './cli';
import { assertRefused, type Env, startServer, SUITE_TIMEOUT_MS, tokenBalance } from './harness';

describe('disputes, epochs and rewards through the TypeScript client', { timeout: SUITE_TIMEOUT_MS }, () => {
  let env: Env;
  before(async () => {
    env = await startServer();
    const { net, provider } = env;
    await env.send(provider, [
      await registerProviderInstruction(net, provider, 2_000_000_000n, {
        gpuModel: 'A100',
        gpuCount: 4,
        vramGb: 40,
        region: 'us-east',
        metadataHash: new Uint8Array(32),
        metadataUri: '',
      }),
      await createAssociatedTokenAccountInstruction(provider, provider.address, net.account.paymentMint, net.account.paymentTokenProgram),
    ]);
  });
  after(async () => {
    await env?.stop();
  });

  /** A job created, accepted and submitted for `units` of its 100, then disputed by the client. */
  async function disputedJob(units: bigint): Promise<Address> {
    const { net, client, provider } = env;
    const created = await createJobInstruction(net, client, {
      jobId: await nextJobId(env.rpc, net, client.address),
      pricePerUnit: 1000n,
      maxUnits: 100n,
      specHash: new Uint8Array(32).fill(1),
      specUri: '',
      targetProvider: null,
      acceptSeconds: 600n,
      runSeconds: 3600n,
    });
    await env.send(client, [created.instruction]);
    await env.send(provider, [await acceptJobInstruction(net, provider, created.job)]);
    await env.send(provider, [
      await submitResultInstruction(net, provider, created.job, { resultHash: new Uint8Array(32).fill(2), units, resultUri: '' }),
    ]);
    await env.send(client, [disputeJobInstruction(net, client, created.job)]);
    const job = await fetchJob(env.rpc, created.job);
    assert.equal(job.data.state, JobState.Disputed);
    return created.job;
  }

  async function vote(attestor: number, job: Address, measuredUnits: bigint) {
    const signer = env.attestors[attestor];
    assert.ok(signer);
    const account = await fetchJob(env.rpc, job);
    await env.send(signer, [
      await attestInstruction(
        env.rpc,
        env.net,
        signer,
        { address: job, account: account.data },
        { verdict: Verdict.Valid, measuredUnits, evidenceHash: new Uint8Array(32).fill(3), evidenceUri: '' },
        await chainNow(env.rpc),
      ),
    ]);
  }

  let settledEpoch = 0n;

  test('a disputed job is decided by two Valid votes (the quorum) and the provider is paid', async () => {
    const { net, provider } = env;
    const job = await disputedJob(80n);
    await compareWithCli(env, job);
    const providerToken = await paymentAta(net, provider.address);
    const before = await tokenBalance(env.rpc, providerToken);

    await vote(0, job, 80n);
    const first = await fetchJob(env.rpc, job);
    assert.equal(first.data.validVotes, 1);
    assert.equal(first.data.state, JobState.Disputed, 'one vote is below the quorum of 2');
    const firstVote = await attestationAddress(job, env.attestors[0]!.address);
    assert.equal((await fetchMaybeAttestation(env.rpc, firstVote)).exists, true);
    await compareWithCli(env, job);

    settledEpoch = epochAt(net.account, await chainNow(env.rpc)) ?? -1n;
    await vote(1, job, 80n);
    assert.equal((await fetchMaybeJob(env.rpc, job)).exists, false, 'the deciding vote settles and closes the job');
    assert.equal((await fetchMaybeAttestation(env.rpc, firstVote)).exists, false, 'the earlier vote is closed with it');
    const gross = 80n * 1000n;
    const fee = (gross * BigInt(first.data.terms.protocolFeeBps) + 9_999n) / 10_000n;
    assert.equal(await tokenBalance(env.rpc, providerToken), before + gross - fee);
  });

  let pending: Address;

  test('a second dispute keeps its single vote open (for the account decoding below)', async () => {
    pending = await disputedJob(50n);
    await vote(2, pending, 50n);
    assert.equal((await fetchJob(env.rpc, pending)).data.validVotes, 1);
  });

  test('an epoch cannot be finalized before it ends', async () => {
    await assertRefused(
      env.send(env.cranker, [await finalizeEpochInstruction(env.net, env.cranker, settledEpoch)]),
      SPICE_ERROR__EPOCH_NOT_ENDED,
      'finalize a running epoch',
    );
  });

  test('the epoch is finalized with its shards and allocates rewards', async () => {
    const { net } = env;
    await env.dev('spice_warpSeconds', [Number(net.account.params.epochSeconds)]);
    await env.send(env.cranker, [await finalizeEpochInstruction(net, env.cranker, settledEpoch)]);
    const book = await fetchEpochBook(env.rpc, await epochBookAddress(net.address, pageOf(settledEpoch)));
    const entry = book.data.entries[offsetInPage(settledEpoch)];
    assert.ok(entry);
    assert.equal(entry.status, EpochStatus.Open);
    assert.equal(entry.jobs, 1n, 'the one job settled in the epoch');
    assert.ok(entry.allocated > 0n, 'it allocates rewards');
  });

  test('every account type of the IDL decodes from the ledger, at the addresses the PDA helpers derive', async () => {
    const { net } = env;
    const accounts = await env.rpc.getProgramAccounts(SPICE_PROGRAM_ADDRESS, { encoding: 'base64' }).send();
    const seen = new Map<SpiceAccount, number>();
    for (const { pubkey, account } of accounts) {
      const encoded = parseBase64RpcAccount(pubkey, account);
      const kind = identifySpiceAccount(encoded);
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      switch (kind) {
        case SpiceAccount.Network:
          assert.equal(decodeNetwork(encoded).data.paymentMint, net.account.paymentMint);
          break;
        case SpiceAccount.Provider: {
          const p = decodeProvider(encoded).data;
          assert.equal(pubkey, await providerAddress(p.network, p.owner));
          break;
        }
        case SpiceAccount.Client: {
          const c = decodeClient(encoded).data;
          assert.equal(pubkey, await clientRecordAddress(c.network, c.client));
          assert.equal(c.jobsCreated, 2n);
          break;
        }
        case SpiceAccount.Job: {
          const j = decodeJob(encoded).data;
          assert.equal(pubkey, pending);
          assert.equal(j.state, JobState.Disputed);
          break;
        }
        case SpiceAccount.Attestor:
          assert.equal(decodeAttestor(encoded).data.network, net.address);
          break;
        case SpiceAccount.Attestation: {
          const a = decodeAttestation(encoded).data;
          assert.equal(pubkey, await attestationAddress(a.job, a.attestor));
          assert.equal(a.measuredUnits, 50n);
          break;
        }
        case SpiceAccount.EpochBook: {
          const b = decodeEpochBook(encoded).data;
          assert.equal(pubkey, await epochBookAddress(b.network, b.page));
          assert.equal(b.entries.length, 16);
          break;
        }
        case SpiceAccount.EpochShard: {
          const s = decodeEpochShard(encoded).data;
          assert.equal(pubkey, await epochShardAddress(s.network, s.epoch, s.shard));
          assert.equal(s.epoch, settledEpoch);
          break;
        }
        case SpiceAccount.ProviderBook: {
          const b = decodeProviderBook(encoded).data;
          assert.equal(pubkey, await providerBookAddress(b.provider, b.page));
          const entry = b.entries[offsetInPage(settledEpoch)];
          assert.ok(entry && entry.jobs === 1n && entry.weight > 0n);
          break;
        }
      }
    }
    const missing = Object.values(SpiceAccount)
      .filter((k): k is SpiceAccount => typeof k === 'number')
      .filter((k) => !seen.has(k))
      .map((k) => SpiceAccount[k]);
    assert.deepEqual(missing, [], 'every account type of the IDL is on the ledger');
    assert.equal(seen.get(SpiceAccount.Attestor), 3);
  });

  test('the provider claims what its book pages owe, in batches that fit a transaction', async () => {
    const { net, provider } = env;
    const now = await chainNow(env.rpc);
    const owed = await claimable(env.rpc, net, provider.address, now);
    assert.equal(owed.length, 1);
    assert.equal(owed[0]?.epoch, settledEpoch);
    const destination = await stakeAta(net, provider.address);
    const before = await tokenBalance(env.rpc, destination);
    const batches = await claimRewardsBatches(net, provider, destination, pagesOf(owed.map((c) => c.epoch)));
    assert.deepEqual(batches, [[pageOf(settledEpoch)]]);
    for (const pages of batches) {
      await env.send(provider, [await claimRewardsInstruction(net, provider, destination, pages)]);
    }
    const total = owed.reduce((sum, c) => sum + c.reward, 0n);
    assert.ok(total > 0n);
    assert.equal(await tokenBalance(env.rpc, destination), before + total);
    assert.deepEqual(await claimable(env.rpc, net, provider.address, now), []);
    await assertRefused(
      env.send(provider, [await claimRewardsInstruction(net, provider, destination, batches[0] ?? [])]),
      SPICE_ERROR__NOTHING_TO_CLAIM,
      'claim twice',
    );
  });

  test("the finalized epoch's shards close, rent to their payers", async () => {
    const { net } = env;
    const closes = await closeEpochShardInstructions(env.rpc, net, settledEpoch);
    assert.ok(closes.length >= 1);
    await env.send(env.cranker, closes);
    for (let shard = 0; shard < net.account.params.shardCount; shard++) {
      const address = await epochShardAddress(net.address, settledEpoch, shard);
      assert.equal((await fetchMaybeEpochShard(env.rpc, address)).exists, false);
    }
    const book = await fetchEpochBook(env.rpc, await epochBookAddress(net.address, pageOf(settledEpoch)));
    assert.equal(book.data.entries[offsetInPage(settledEpoch)]?.openShards, 0);
    assert.deepEqual(await closeEpochShardInstructions(env.rpc, net, settledEpoch), []);
  });
});
