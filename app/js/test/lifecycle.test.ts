/**
 * A whole job lifecycle through this client against `spice serve`: a provider registers, a
 * client creates a job, the provider accepts and submits, the client approves and the provider
 * is paid; at each step the client's job-state helper agrees with the CLI's `job show`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { type Address } from '@solana/kit';

import {
  acceptJobInstruction,
  approveJobInstruction,
  chainNow,
  createAssociatedTokenAccountInstruction,
  createJobInstruction,
  fetchDraw,
  fetchJob,
  fetchMaybeJob,
  fetchProvider,
  JobState,
  nextJobId,
  paymentAta,
  possibleActions,
  providerAddress,
  registerProviderInstruction,
  submitResultInstruction,
} from '../src';
import { compareWithCli } from './cli';
import { type Env, startServer, tokenBalance } from './harness';

describe('job lifecycle through the TypeScript client', () => {
  let env: Env;
  before(async () => {
    env = await startServer();
  });
  after(async () => {
    await env?.stop();
  });

  let job: Address;

  test('a provider registers with stake', async () => {
    const { net, provider } = env;
    await env.send(provider, [
      await registerProviderInstruction(net, provider, 2_000_000_000n, {
        gpuModel: 'H100',
        gpuCount: 8,
        vramGb: 80,
        region: 'eu-west',
        metadataHash: new Uint8Array(32),
        metadataUri: '',
      }),
    ]);
    const account = await fetchProvider(env.rpc, await providerAddress(net.address, provider.address));
    assert.equal(account.data.owner, provider.address);
    assert.equal(account.data.stake, 2_000_000_000n);
  });

  test('a client creates a job with the next id of its counter', async () => {
    const { net, client } = env;
    const jobId = await nextJobId(env.rpc, net, client.address);
    assert.equal(jobId, 0n);
    const created = await createJobInstruction(net, client, {
      jobId,
      pricePerUnit: 1000n,
      maxUnits: 100n,
      specHash: new Uint8Array(32).fill(7),
      specUri: 'https://example.com/spec.json',
      targetProvider: null,
      acceptSeconds: 600n,
      runSeconds: 3600n,
    });
    await env.send(client, [created.instruction]);
    job = created.job;
    const account = await fetchJob(env.rpc, job);
    assert.equal(account.data.state, JobState.Open);
    assert.equal(account.data.escrowed, 100_000n);
    assert.equal(await nextJobId(env.rpc, net, client.address), 1n);
    await compareWithCli(env, job);
  });

  test('the provider accepts and submits', async () => {
    const { net, provider } = env;
    await env.send(provider, [await acceptJobInstruction(net, provider, job)]);
    assert.equal((await fetchJob(env.rpc, job)).data.state, JobState.Running);
    await compareWithCli(env, job);
    await env.send(provider, [
      await submitResultInstruction(net, provider, job, {
        resultHash: new Uint8Array(32).fill(9),
        units: 90n,
        resultUri: 'https://example.com/out.tar',
      }),
    ]);
    const account = await fetchJob(env.rpc, job);
    assert.equal(account.data.state, JobState.Submitted);
    assert.equal(account.data.reportedUnits, 90n);
    await compareWithCli(env, job);
  });

  test('the client approves and the provider is paid for its units less the fee', async () => {
    const { net, client, provider, cranker } = env;
    // The provider's payment account exists, so the payment lands there.
    const providerToken = await paymentAta(net, provider.address);
    await env.send(provider, [
      await createAssociatedTokenAccountInstruction(provider, provider.address, net.account.paymentMint, net.account.paymentTokenProgram),
    ]);
    const before = await tokenBalance(env.rpc, providerToken);
    const clientToken = await paymentAta(net, client.address);
    const clientBefore = await tokenBalance(env.rpc, clientToken);
    const account = await fetchJob(env.rpc, job);
    const now = await chainNow(env.rpc);
    const actions = possibleActions(account.data, await fetchDraw(env.rpc, account.data, job), false, now);
    assert.ok(actions.some((a) => a.who === 'client' && a.action === 'approve' && a.now));

    await env.send(client, [
      await approveJobInstruction(env.rpc, net, client, { address: job, account: account.data }, cranker, now),
    ]);

    // 90 units × 1000 = 90 000; the fee is protocol_fee_bps of it, rounded up (DESIGN.md).
    const gross = 90n * 1000n;
    const fee = (gross * BigInt(account.data.terms.protocolFeeBps) + 9_999n) / 10_000n;
    assert.equal(await tokenBalance(env.rpc, providerToken), before + gross - fee);
    assert.equal(await tokenBalance(env.rpc, clientToken), clientBefore + 100_000n - gross, 'the unused escrow is refunded');
    assert.equal((await fetchMaybeJob(env.rpc, job)).exists, false, 'the job closes when it ends');
    const stats = (await fetchProvider(env.rpc, await providerAddress(net.address, provider.address))).data;
    assert.equal(stats.activeJobs, 0);
    assert.equal(stats.locked, 0n);
  });
});
