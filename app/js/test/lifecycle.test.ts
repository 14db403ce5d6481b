/**
 * Job lifecycles through this client against `spice serve`: a provider registers, a client
 * creates a job, the provider accepts and submits, the client approves and the provider is paid
 * (into the payouts vault while it has no payment account, then collected); a second job is
 * settled by a crank once its challenge window has passed. At each step the client's job-state
 * helper agrees with the CLI's `job show`, and the program's refusals come back by name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { type Address, parseBase64RpcAccount } from '@solana/kit';

import {
  acceptJobInstruction,
  approveJobInstruction,
  chainNow,
  collectProviderPayoutsInstruction,
  createAssociatedTokenAccountInstruction,
  createJobInstruction,
  decodeJob,
  fetchDraw,
  fetchEpochShard,
  fetchProviderBook,
  fetchJob,
  fetchMaybeJob,
  fetchProvider,
  formatMintAmount,
  JobState,
  nextJobId,
  paymentAta,
  payoutsAddress,
  possibleActions,
  providerAddress,
  registerProviderInstruction,
  settleAccounts,
  settleJobInstruction,
  SPICE_ERROR__CHALLENGE_WINDOW_OPEN,
  SPICE_ERROR__WRONG_JOB_ID,
  submitResultInstruction,
} from '../src';
import { compareWithCli } from './cli';
import { assertRefused, type Env, startServer, SUITE_TIMEOUT_MS, tokenBalance } from './harness';

describe('job lifecycle through the TypeScript client', { timeout: SUITE_TIMEOUT_MS }, () => {
  let env: Env;
  before(async () => {
    env = await startServer();
  });
  after(async () => {
    await env?.stop();
  });

  const request = (jobId: bigint) => ({
    jobId,
    pricePerUnit: 1000n,
    maxUnits: 100n,
    specHash: new Uint8Array(32).fill(7),
    specUri: 'https://example.com/spec.json',
    targetProvider: null,
    acceptSeconds: 600n,
    runSeconds: 3600n,
  });

  /** What the provider is paid for `units` of a job (the fee rounds up: DESIGN.md, `Job::payout`). */
  async function netPayment(job: Address, units: bigint): Promise<bigint> {
    const gross = units * 1000n;
    const feeBps = BigInt((await fetchJob(env.rpc, job)).data.terms.protocolFeeBps);
    return gross - (gross * feeBps + 9_999n) / 10_000n;
  }

  async function runToSubmitted(units: bigint): Promise<Address> {
    const { net, client, provider } = env;
    const created = await createJobInstruction(net, client, request(await nextJobId(env.rpc, net, client.address)));
    await env.send(client, [created.instruction]);
    await env.send(provider, [await acceptJobInstruction(net, provider, created.job)]);
    await env.send(provider, [
      await submitResultInstruction(net, provider, created.job, { resultHash: new Uint8Array(32).fill(9), units, resultUri: '' }),
    ]);
    return created.job;
  }

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
    assert.equal(await formatMintAmount(env.rpc, net.account.stakeMint, account.data.stake), '2000');
  });

  test('a client creates a job with the next id of its counter, and no other id', async () => {
    const { net, client } = env;
    const jobId = await nextJobId(env.rpc, net, client.address);
    assert.equal(jobId, 0n);
    const skipped = await createJobInstruction(net, client, request(1n));
    await assertRefused(env.send(client, [skipped.instruction]), SPICE_ERROR__WRONG_JOB_ID, 'a job id that skips one');
    const created = await createJobInstruction(net, client, request(jobId));
    await env.send(client, [created.instruction]);
    job = created.job;
    const account = await fetchJob(env.rpc, job);
    assert.equal(account.data.state, JobState.Open);
    assert.equal(account.data.escrowed, 100_000n);
    assert.equal(await nextJobId(env.rpc, net, client.address), 1n);
    await compareWithCli(env, job);
  });

  test('the provider accepts (a wallet watching the job over accountSubscribe sees it) and submits', async () => {
    const { net, provider } = env;
    const abort = new AbortController();
    const notifications = await env.rpcSubscriptions
      .accountNotifications(job, { commitment: 'confirmed', encoding: 'base64' })
      .subscribe({ abortSignal: abort.signal });
    const seen = (async () => {
      for await (const { value } of notifications) {
        return decodeJob(parseBase64RpcAccount(job, value)).data;
      }
      return undefined;
    })();
    await env.send(provider, [await acceptJobInstruction(net, provider, job)]);
    let timer: Parameters<typeof clearTimeout>[0];
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, 10_000);
    });
    const watched = await Promise.race([seen, timeout]);
    clearTimeout(timer);
    abort.abort();
    assert.equal(watched?.state, JobState.Running, 'the notification carries the accepted job');
    assert.equal(watched?.provider.__option, 'Some');
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

  test('the client approves; the payment waits in the payouts vault (the provider has no payment account)', async () => {
    const { net, client, provider } = env;
    const clientToken = await paymentAta(net, client.address);
    const clientBefore = await tokenBalance(env.rpc, clientToken);
    const vault = await payoutsAddress(net.address, net.account.paymentMint);
    const vaultBefore = await tokenBalance(env.rpc, vault);
    const account = await fetchJob(env.rpc, job);
    const now = await chainNow(env.rpc);
    const actions = possibleActions(account.data, await fetchDraw(env.rpc, account.data, job), false, now);
    assert.ok(actions.some((a) => a.who === 'client' && a.action === 'approve' && a.now));
    const expected = await netPayment(job, 90n);

    // The client pays the rent of the reward accounts the settlement creates (the epoch's
    // shard, the provider's book page) and signs once.
    const approve = await approveJobInstruction(env.rpc, net, client, { address: job, account: account.data }, client, now);
    await env.send(client, [approve]);
    const rewardAccounts = await settleAccounts(env.rpc, net, { address: job, account: account.data }, client, now);
    assert.equal((await fetchProviderBook(env.rpc, rewardAccounts.providerBook)).data.payer, client.address);
    assert.equal((await fetchEpochShard(env.rpc, rewardAccounts.epochShard)).data.payer, client.address);

    assert.equal(await tokenBalance(env.rpc, vault), vaultBefore + expected);
    const record = (await fetchProvider(env.rpc, await providerAddress(net.address, provider.address))).data;
    assert.equal(record.owedPayment, expected);
    assert.equal(record.activeJobs, 0);
    assert.equal(record.locked, 0n);
    assert.equal(await tokenBalance(env.rpc, clientToken), clientBefore + 100_000n - 90_000n, 'the unused escrow is refunded');
    assert.equal((await fetchMaybeJob(env.rpc, job)).exists, false, 'the job closes when it ends');
  });

  test('anyone collects the owed payment into the provider’s new payment account', async () => {
    const { net, provider, cranker } = env;
    const providerToken = await paymentAta(net, provider.address);
    const owed = (await fetchProvider(env.rpc, await providerAddress(net.address, provider.address))).data.owedPayment;
    await env.send(cranker, [
      await createAssociatedTokenAccountInstruction(cranker, provider.address, net.account.paymentMint, net.account.paymentTokenProgram),
      await collectProviderPayoutsInstruction(net, provider.address, providerToken),
    ]);
    assert.equal(await tokenBalance(env.rpc, providerToken), owed);
    assert.equal((await fetchProvider(env.rpc, await providerAddress(net.address, provider.address))).data.owedPayment, 0n);
  });

  test('a crank settles a job after its challenge window, paying the provider directly', async () => {
    const { net, provider, cranker } = env;
    const second = await runToSubmitted(40n);
    const providerToken = await paymentAta(net, provider.address);
    const before = await tokenBalance(env.rpc, providerToken);
    const settle = async () => {
      const account = await fetchJob(env.rpc, second);
      return settleJobInstruction(env.rpc, net, { address: second, account: account.data }, cranker, await chainNow(env.rpc));
    };
    await assertRefused(env.send(cranker, [await settle()]), SPICE_ERROR__CHALLENGE_WINDOW_OPEN, 'settle inside the window');
    const account = await fetchJob(env.rpc, second);
    await env.dev('spice_warpSeconds', [Number(account.data.challengeDeadline - (await chainNow(env.rpc))) + 1]);
    const actions = await compareWithCli(env, second);
    assert.ok(actions.some((a) => a.who === 'anyone' && a.action === 'settle' && a.now));
    await env.send(cranker, [await settle()]);
    assert.equal(await tokenBalance(env.rpc, providerToken), before + (await netPaymentOf(account.data.terms.protocolFeeBps, 40n)));
    assert.equal((await fetchMaybeJob(env.rpc, second)).exists, false);
  });

  async function netPaymentOf(feeBps: number, units: bigint): Promise<bigint> {
    const gross = units * 1000n;
    return gross - (gross * BigInt(feeBps) + 9_999n) / 10_000n;
  }
});
