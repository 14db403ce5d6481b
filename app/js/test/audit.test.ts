/**
 * The audit draw through this client against `spice serve`, on a network that audits every job
 * (audit_rate_bps = 10 000): the draw read from the server's SlotHashes sysvar agrees with the
 * CLI's (the program's own draw) before and after a later slot exists, `draw_audit` records the
 * selection, approval is refused while the job awaits its quorum, and two Valid votes settle it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { type Address } from '@solana/kit';

import {
  acceptJobInstruction,
  approveJobInstruction,
  AuditDraw,
  attestInstruction,
  chainNow,
  createJobInstruction,
  drawAuditInstruction,
  fetchDraw,
  fetchSlotHashes,
  fetchJob,
  fetchMaybeJob,
  JobState,
  nextJobId,
  registerProviderInstruction,
  SPICE_ERROR__AUDIT_ALREADY_DRAWN,
  SPICE_ERROR__AWAITING_ATTESTATION,
  submitResultInstruction,
  Verdict,
} from '../src';
import { compareWithCli } from './cli';
import { assertRefused, type Env, startServer, SUITE_TIMEOUT_MS } from './harness';

describe('the audit draw through the TypeScript client', { timeout: SUITE_TIMEOUT_MS }, () => {
  let env: Env;
  let job: Address;
  before(async () => {
    env = await startServer({ audit_rate_bps: '10_000' });
    const { net, provider, client } = env;
    await env.send(provider, [
      await registerProviderInstruction(net, provider, 2_000_000_000n, {
        gpuModel: 'L4',
        gpuCount: 1,
        vramGb: 24,
        region: 'ap-south',
        metadataHash: new Uint8Array(32),
        metadataUri: '',
      }),
    ]);
    const created = await createJobInstruction(net, client, {
      jobId: await nextJobId(env.rpc, net, client.address),
      pricePerUnit: 500n,
      maxUnits: 10n,
      specHash: new Uint8Array(32),
      specUri: '',
      targetProvider: null,
      acceptSeconds: 600n,
      runSeconds: 600n,
    });
    await env.send(client, [created.instruction]);
    job = created.job;
    await env.send(provider, [await acceptJobInstruction(net, provider, job)]);
    await env.send(provider, [
      await submitResultInstruction(net, provider, job, { resultHash: new Uint8Array(32), units: 10n, resultUri: '' }),
    ]);
  });
  after(async () => {
    await env?.stop();
  });

  test('the SlotHashes sysvar decodes: newest first, the newest a recent slot', async () => {
    const hashes = await fetchSlotHashes(env.rpc);
    const slot = await env.rpc.getSlot({ commitment: 'confirmed' }).send();
    const newest = hashes[0];
    assert.ok(newest !== undefined, 'the sysvar has entries');
    assert.ok(newest.slot <= slot && newest.slot + 8n >= slot, `newest hashed slot ${newest.slot} near the current slot ${slot}`);
    for (let i = 1; i < hashes.length; i++) assert.ok((hashes[i]?.slot ?? 0n) < (hashes[i - 1]?.slot ?? 0n), 'descending');
  });

  test('the pending draw agrees with the CLI, and selects once a later slot is hashed', async () => {
    await compareWithCli(env, job);
    await env.dev('spice_warpSlots', [2]);
    const account = await fetchJob(env.rpc, job);
    assert.equal(account.data.audit, AuditDraw.Pending);
    assert.equal(await fetchDraw(env.rpc, account.data, job), 'selected');
    const actions = await compareWithCli(env, job);
    assert.ok(actions.some((a) => a.action === 'draw_audit' && a.now && a.note.kind === 'draw_selects'));
  });

  test('draw_audit records the selection; it cannot be drawn twice and the client cannot approve', async () => {
    const { net, client, cranker } = env;
    await env.send(cranker, [drawAuditInstruction(net, job)]);
    const account = await fetchJob(env.rpc, job);
    assert.equal(account.data.audit, AuditDraw.Selected);
    assert.equal(account.data.state, JobState.Submitted);
    await compareWithCli(env, job);
    await assertRefused(env.send(cranker, [drawAuditInstruction(net, job)]), SPICE_ERROR__AUDIT_ALREADY_DRAWN, 'a second draw');
    await assertRefused(
      env.send(client, [
        await approveJobInstruction(env.rpc, net, client, { address: job, account: account.data }, client, await chainNow(env.rpc)),
      ]),
      SPICE_ERROR__AWAITING_ATTESTATION,
      'approve a job drawn for audit',
    );
  });

  test('two Valid votes settle the audited job', async () => {
    for (const attestor of env.attestors.slice(0, 2)) {
      const account = await fetchJob(env.rpc, job);
      await env.send(attestor, [
        await attestInstruction(
          env.rpc,
          env.net,
          attestor,
          { address: job, account: account.data },
          { verdict: Verdict.Valid, measuredUnits: 10n, evidenceHash: new Uint8Array(32), evidenceUri: '' },
          await chainNow(env.rpc),
        ),
      ]);
    }
    assert.equal((await fetchMaybeJob(env.rpc, job)).exists, false);
  });
});

describe('the audit draw at a 50 % rate agrees with the program on every job', { timeout: SUITE_TIMEOUT_MS }, () => {
  let env: Env;
  before(async () => {
    env = await startServer({ audit_rate_bps: '5_000' });
    await env.send(env.provider, [
      await registerProviderInstruction(env.net, env.provider, 4_000_000_000n, {
        gpuModel: 'L4',
        gpuCount: 1,
        vramGb: 24,
        region: 'ap-south',
        metadataHash: new Uint8Array(32),
        metadataUri: '',
      }),
    ]);
  });
  after(async () => {
    await env?.stop();
  });

  test('eight submitted jobs: the client-side draw equals the CLI’s; draw_audit records it; a job passed over is approved', async () => {
    const { net, client, provider } = env;
    const jobs: Address[] = [];
    for (let i = 0; i < 8; i++) {
      const created = await createJobInstruction(net, client, {
        jobId: await nextJobId(env.rpc, net, client.address),
        pricePerUnit: 10n,
        maxUnits: 10n,
        specHash: new Uint8Array(32),
        specUri: '',
        targetProvider: null,
        acceptSeconds: 600n,
        runSeconds: 600n,
      });
      await env.send(client, [created.instruction]);
      await env.send(provider, [await acceptJobInstruction(net, provider, created.job)]);
      await env.send(provider, [
        await submitResultInstruction(net, provider, created.job, { resultHash: new Uint8Array(32), units: 5n, resultUri: '' }),
      ]);
      jobs.push(created.job);
    }
    await env.dev('spice_warpSlots', [2]);
    const draws: string[] = [];
    for (const job of jobs) {
      await compareWithCli(env, job);
      const account = await fetchJob(env.rpc, job);
      const draw = await fetchDraw(env.rpc, account.data, job);
      assert.notEqual(draw, 'not_ready');
      await env.send(env.cranker, [drawAuditInstruction(net, job)]);
      const recorded = (await fetchJob(env.rpc, job)).data.audit;
      assert.equal(recorded, draw === 'selected' ? AuditDraw.Selected : AuditDraw.NotSelected, `the recorded draw of ${job}`);
      draws.push(draw);
      if (draw === 'not_selected') {
        const fresh = await fetchJob(env.rpc, job);
        await env.send(client, [
          await approveJobInstruction(env.rpc, net, client, { address: job, account: fresh.data }, client, await chainNow(env.rpc)),
        ]);
        assert.equal((await fetchMaybeJob(env.rpc, job)).exists, false);
      }
    }
    assert.equal(draws.length, 8);
  });
});
