// The client's page: post a job with the escrow preview, watch its jobs move through their
// states live (account subscriptions), approve or dispute, cancel / settle / expire, and see the
// refunds and settlements of its transactions.

import { useEffect, useState } from 'preact/hooks';
import { type Address, type Signature, createNoopSigner } from '@solana/kit';
import {
  JobState,
  accountExists,
  approveJobInstruction,
  clientRecordAddress,
  createJobInstruction,
  disputeJobInstruction,
  epochAt,
  getApproveJobInstruction,
  getCollectClientPayoutsInstruction,
  payoutsAddress,
  epochShardAddress,
  getCancelJobInstructionAsync,
  getEpochShardSize,
  getExpireJobInstructionAsync,
  getProviderBookSize,
  nextJobId,
  pageOf,
  paymentAta,
  providerBookAddress,
  settleAccounts,
  settleJobInstruction,
  shardOf,
  type Job,
  type SpiceNetwork,
} from '@spice/client';
import { Addr, Field, KV, Section, Tokens } from '../components';
import { createAtaIdempotent, transferLamports } from '../lib/ata';
import { bps, duration, formatTokens, parseCount, parseTokens, relative, utc } from '../lib/format';
import type { Snapshot } from '../lib/snapshot';
import type { TxPlan } from '../lib/tx';
import { newRentKey, rentKeys, rentKeySigner, type RentKey } from '../lib/rentKeys';
import { useApp } from '../state';
import { ConnectPrompt, JobActions } from './shared';

function netOf(snap: Snapshot): SpiceNetwork {
  return { address: snap.networkAddress, account: snap.network };
}

type Activity = { signature: string; action: string; job: string; at: number; deltas?: { mint: 'payment' | 'stake'; amount: string }[] };
const ACTIVITY_KEY = 'spice.activity';

function loadActivity(key: string): Activity[] {
  try {
    return JSON.parse(localStorage.getItem(key) ?? '[]') as Activity[];
  } catch {
    return [];
  }
}

export function ClientPage() {
  const { connected, snap } = useApp();
  const me = connected?.account.address as Address | undefined;
  return (
    <div class="page">
      <div class="page-head">
        <h1 tabIndex={-1}>Client</h1>
      </div>
      {!connected || !me ? <ConnectPrompt what="post jobs, approve or dispute results" /> : !snap ? <p aria-live="polite">Loading…</p> : <ClientBody snap={snap} me={me} />}
    </div>
  );
}

function ClientBody({ snap, me }: { snap: Snapshot; me: Address }) {
  const { rpc, subs, refresh } = useApp();
  const [ata, setAta] = useState<Address | null>(null);
  const activityKey = `${ACTIVITY_KEY}:${snap.networkAddress}:${me}`;
  const [activity, setActivity] = useState<Activity[]>(() => loadActivity(activityKey));
  const [live, setLive] = useState<Record<string, 'live' | 'closed'>>({});
  useEffect(() => {
    void paymentAta(netOf(snap), me).then(setAta);
  }, [snap.networkAddress, me]);
  const jobs = snap.jobs.filter(([, j]) => j.client === me).sort((a, b) => (a[1].jobId < b[1].jobId ? -1 : 1));
  const jobKeys = jobs.map(([a]) => a).join(',');

  // Live state: one account subscription per job; a change refreshes the page's snapshot.
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const poke = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void refresh(), 150);
    };
    for (const [address] of jobs) {
      void (async () => {
        try {
          const stream = await subs.accountNotifications(address, { commitment: 'confirmed', encoding: 'base64' }).subscribe({ abortSignal: abort.signal });
          setLive((l) => ({ ...l, [address]: 'live' }));
          for await (const n of stream) {
            setLive((l) => ({ ...l, [address]: n.value.lamports === 0n ? 'closed' : 'live' }));
            poke();
          }
        } catch {
          // aborted, or the RPC has no websockets: the page still refreshes after each transaction
        }
      })();
    }
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [jobKeys, subs]);

  const record = async (signature: Signature, action: string, job: Address) => {
    const entry: Activity = { signature, action, job, at: Date.now() };
    try {
      const tx = await rpc.getTransaction(signature, { commitment: 'confirmed', encoding: 'json', maxSupportedTransactionVersion: 0 }).send();
      const pre = tx?.meta?.preTokenBalances ?? [];
      const post = tx?.meta?.postTokenBalances ?? [];
      const deltas: NonNullable<Activity['deltas']> = [];
      for (const p of post) {
        if (p.owner !== me) continue;
        const before = pre.find((q) => q.accountIndex === p.accountIndex)?.uiTokenAmount.amount ?? '0';
        const d = BigInt(p.uiTokenAmount.amount) - BigInt(before);
        if (d !== 0n) deltas.push({ mint: p.mint === snap.network.paymentMint ? 'payment' : 'stake', amount: d.toString() });
      }
      entry.deltas = deltas;
    } catch {
      // the RPC may not keep the transaction: the entry stays without amounts
    }
    const next = [entry, ...loadActivity(activityKey)].slice(0, 50);
    localStorage.setItem(activityKey, JSON.stringify(next));
    setActivity(next);
  };

  const [recordAddress, setRecordAddress] = useState<Address | null>(null);
  useEffect(() => {
    void clientRecordAddress(snap.networkAddress, me).then(setRecordAddress);
  }, [snap.networkAddress, me]);
  const clientRecord = snap.clients.find(([a]) => a === recordAddress)?.[1] ?? null;
  return (
    <>
      {clientRecord && (clientRecord.owedPayment > 0n || clientRecord.owedStake > 0n) ? <ClientPayouts snap={snap} me={me} owedPayment={clientRecord.owedPayment} owedStake={clientRecord.owedStake} onDone={record} /> : null}
      <PostJob snap={snap} me={me} ata={ata} onDone={record} />
      <Section title={`My jobs (${jobs.length})`} id="client-jobs">
        {jobs.length === 0 ? <p class="muted">No live job (settled, cancelled and expired jobs close).</p> : jobs.map(([a, j]) => <ClientJob key={a} snap={snap} me={me} address={a} job={j} live={live[a]} onDone={record} />)}
      </Section>
      <RentToReclaim snap={snap} me={me} />
      <Section title="Refunds and settlements" id="activity">
        {activity.length === 0 ? (
          <p class="muted">Nothing yet.</p>
        ) : (
          <div class="scroll">
            <table class="table" data-testid="activity">
              <thead>
                <tr>
                  <th scope="col">when</th>
                  <th scope="col">action</th>
                  <th scope="col">job</th>
                  <th scope="col" class="num">your balance change</th>
                  <th scope="col">transaction</th>
                </tr>
              </thead>
              <tbody>
                {activity.map((a) => (
                  <tr key={a.signature} data-action={a.action}>
                    <td>{new Date(a.at).toLocaleTimeString()}</td>
                    <td>{a.action}</td>
                    <td>
                      <Addr a={a.job} />
                    </td>
                    <td class="num">
                      {a.deltas?.length
                        ? a.deltas.map((d, i) => (
                            <div key={i}>
                              {BigInt(d.amount) > 0n ? '+' : ''}
                              <Tokens amount={BigInt(d.amount)} mint={d.mint} />
                            </div>
                          ))
                        : '—'}
                    </td>
                    <td>
                      <code title={a.signature}>{a.signature.slice(0, 10)}…</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </>
  );
}

/** Refunds and slash shares the client's token accounts could not take, waiting in the payouts vaults. */
function ClientPayouts({ snap, me, owedPayment, owedStake, onDone }: { snap: Snapshot; me: Address; owedPayment: bigint; owedStake: bigint; onDone: (s: Signature, action: string, job: Address) => Promise<void> }) {
  const { run } = useApp();
  const net = netOf(snap);
  return (
    <Section title="Payouts waiting" id="client-payouts">
      <p data-testid="client-owed">
        Waiting for you in the network's payouts vaults: <Tokens amount={owedPayment} mint="payment" /> of refunds and <Tokens amount={owedStake} mint="stake" /> of slash shares (your token account did not exist when they were paid).
      </p>
      <button
        data-testid="collect-client"
        onClick={() =>
          void run(async () => {
            const pay = await createAtaIdempotent(me, me, net.account.paymentMint, net.account.paymentTokenProgram);
            const stake = await createAtaIdempotent(me, me, net.account.stakeMint, net.account.stakeTokenProgram);
            return {
              title: 'Collect refunds and slash shares',
              instructions: [
                pay.instruction,
                stake.instruction,
                getCollectClientPayoutsInstruction({
                  network: net.address,
                  client: me,
                  clientRecord: await clientRecordAddress(net.address, me),
                  paymentPayouts: await payoutsAddress(net.address, net.account.paymentMint),
                  stakePayouts: await payoutsAddress(net.address, net.account.stakeMint),
                  paymentDestination: pay.ata,
                  stakeDestination: stake.ata,
                  paymentMint: net.account.paymentMint,
                  stakeMint: net.account.stakeMint,
                  paymentTokenProgram: net.account.paymentTokenProgram,
                  stakeTokenProgram: net.account.stakeTokenProgram,
                }),
              ],
              movements: [
                ...(owedPayment > 0n ? [{ what: 'refunds', amount: owedPayment, mint: 'payment' as const, from: 'payouts vault', to: 'your payment-mint account' }] : []),
                ...(owedStake > 0n ? [{ what: 'slash shares', amount: owedStake, mint: 'stake' as const, from: 'stake payouts vault', to: 'your stake-mint account' }] : []),
              ],
            };
          }).then((r) => {
            if (r.ok) void onDone(r.signature, 'collect', net.address);
          })
        }
      >
        Collect
      </button>
    </Section>
  );
}

function PostJob({ snap, me, ata, onDone }: { snap: Snapshot; me: Address; ata: Address | null; onDone: (s: Signature, action: string, job: Address) => Promise<void> }) {
  const { run, decimals, rpc } = useApp();
  const p = snap.network.params;
  const [price, setPrice] = useState('0.1');
  const [units, setUnits] = useState('50');
  const [accept, setAccept] = useState(String(p.maxAcceptSeconds < 3600n ? p.maxAcceptSeconds : 3600n));
  const [runFor, setRunFor] = useState(String(p.maxRunSeconds < 3600n ? p.maxRunSeconds : 3600n));
  const [spec, setSpec] = useState('');
  const [target, setTarget] = useState('');
  const balance = ata ? (snap.tokenAccounts.find((t) => t.address === ata)?.amount ?? 0n) : 0n;
  const pricePerUnit = parseTokens(price, decimals.payment);
  const maxUnits = parseCount(units);
  const acceptSeconds = parseCount(accept, { max: p.maxAcceptSeconds });
  const runSeconds = parseCount(runFor, { max: p.maxRunSeconds });
  const escrow = typeof pricePerUnit === 'bigint' && typeof maxUnits === 'bigint' ? pricePerUnit * maxUnits : null;
  const fee = escrow === null ? null : (escrow * BigInt(p.protocolFeeBps)) / 10_000n;
  const escrowError = escrow !== null && escrow > balance ? `the escrow needs ${formatTokens(escrow, decimals.payment)} PAY; your wallet holds ${formatTokens(balance, decimals.payment)}` : null;
  const targetError = target.trim() !== '' && !snap.providers.some(([a, pr]) => a === target.trim() || pr.owner === target.trim()) ? 'not a provider of this network (its account or owner)' : null;
  const ok = escrow !== null && escrow > 0n && !escrowError && typeof acceptSeconds === 'bigint' && typeof runSeconds === 'bigint' && !targetError;
  return (
    <Section title="Post a job" id="post-job">
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!ok || typeof pricePerUnit !== 'bigint' || typeof maxUnits !== 'bigint' || typeof acceptSeconds !== 'bigint' || typeof runSeconds !== 'bigint' || escrow === null) return;
          let job: Address | null = null;
          void run(async () => {
            const net = netOf(snap);
            const jobId = await nextJobId(rpc, net, me);
            const t = target.trim();
            const provider = t === '' ? null : (snap.providers.find(([a, pr]) => a === t || pr.owner === t)?.[0] ?? null);
            const specHash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(spec.trim())));
            const built = await createJobInstruction(net, createNoopSigner(me), { jobId, pricePerUnit, maxUnits, specHash, specUri: spec.trim(), targetProvider: provider, acceptSeconds, runSeconds });
            job = built.job;
            return {
              title: `Post job #${jobId}`,
              instructions: [built.instruction],
              movements: [{ what: `escrow: ${formatTokens(pricePerUnit, decimals.payment)} × ${maxUnits} units`, amount: escrow, mint: 'payment', from: 'your payment-mint account', to: 'the job escrow vault' }],
              notes: [`At settlement the provider is paid for the units it reports (the fee, ${bps(p.protocolFeeBps)}, goes to the treasury) and the rest of the escrow comes back to you.`, 'You pay the rent of the job account, returned when it closes.'],
              labels: { [built.job]: 'the new job' },
            };
          }).then((r) => {
            if (r.ok && job) void onDone(r.signature, 'post', job);
          });
        }}
      >
        <Field label="Price per unit (PAY)" name="price" value={price} onInput={setPrice} inputMode="decimal" error={typeof pricePerUnit === 'string' ? pricePerUnit : null} />
        <Field label="Max units" name="max-units" value={units} onInput={setUnits} inputMode="numeric" error={typeof maxUnits === 'string' ? maxUnits : null} />
        <Field label="Seconds to accept" name="accept-seconds" value={accept} onInput={setAccept} inputMode="numeric" error={typeof acceptSeconds === 'string' ? acceptSeconds : null} hint={`at most ${duration(p.maxAcceptSeconds)}`} />
        <Field label="Seconds to run" name="run-seconds" value={runFor} onInput={setRunFor} inputMode="numeric" error={typeof runSeconds === 'string' ? runSeconds : null} hint={`at most ${duration(p.maxRunSeconds)}`} />
        <Field label="Spec URI" name="spec-uri" value={spec} onInput={setSpec} placeholder="https://…/spec.json" />
        <Field label="Only this provider (optional)" name="target" value={target} onInput={setTarget} error={targetError} placeholder="provider account or owner" />
        <div class="escrow-preview" data-testid="escrow-preview" aria-live="polite">
          {escrow === null ? (
            'Enter a price and units to see the escrow.'
          ) : (
            <>
              Escrow <strong><Tokens amount={escrow} mint="payment" /></strong> now; at most <Tokens amount={escrow - (fee ?? 0n)} mint="payment" /> to the provider and <Tokens amount={fee ?? 0n} mint="payment" /> fee if all units are used. Wallet: <Tokens amount={balance} mint="payment" />.
            </>
          )}
          {escrowError ? (
            <div class="hint error" role="alert">
              {escrowError}
            </div>
          ) : null}
        </div>
        <button class="primary" type="submit" disabled={!ok} data-testid="post-job">
          Review job
        </button>
      </form>
    </Section>
  );
}

/**
 * `approve_job` signed by the client's wallet. The settlement may create the epoch's reward
 * accounts (the provider's book page, the job's shard), whose rent the program refuses to take
 * from the job's client (docs/CLI.md, `job approve --payer`). A browser wallet has one key, so
 * then a one-time key pays that rent, funded by the wallet in the same transaction; the rent
 * comes back to that key when the accounts close (kept in this browser, see notes).
 */
async function approvePlan(rpc: ReturnType<typeof useApp>['rpc'], snap: Snapshot, me: Address, address: Address, job: Job): Promise<TxPlan> {
  const net = netOf(snap);
  const now = snap.unixTimestamp;
  const provider = job.provider.__option === 'Some' ? job.provider.value : null;
  if (!provider) throw new Error('the job has no provider');
  const epoch = epochAt(net.account, now);
  if (epoch === undefined) throw new Error('before the network genesis');
  const book = await providerBookAddress(provider, pageOf(epoch));
  const shard = await epochShardAddress(net.address, epoch, shardOf(address, net.account.params.shardCount));
  const needBook = !(await accountExists(rpc, book));
  const needShard = !(await accountExists(rpc, shard));
  const client = createNoopSigner(me);
  const pay = job.reportedUnits * job.pricePerUnit;
  const movements: TxPlan['movements'] = [
    { what: `payment for ${job.reportedUnits} units (less the fee)`, amount: pay, mint: 'payment', from: 'the job escrow', to: 'the provider and the treasury' },
    { what: 'refund of the unused escrow', amount: job.escrowed - pay, mint: 'payment', from: 'the job escrow', to: 'you' },
  ];
  if (!needBook && !needShard) {
    return { title: 'Approve the result', instructions: [await approveJobInstruction(rpc, net, client, { address, account: job }, client, now)], movements, labels: { [address]: 'the job' } };
  }
  const payer = await newRentKey(me, net.address);
  const rent = (needBook ? await rpc.getMinimumBalanceForRentExemption(BigInt(getProviderBookSize())).send() : 0n) + (needShard ? await rpc.getMinimumBalanceForRentExemption(BigInt(getEpochShardSize())).send() : 0n);
  const accounts = await settleAccounts(rpc, net, { address, account: job }, payer, now);
  return {
    title: 'Approve the result',
    instructions: [transferLamports(me, payer.address, rent), getApproveJobInstruction({ clientSigner: client, ...accounts })],
    movements,
    notes: [
      `This is the first settlement of this epoch's reward accounts (${[needBook ? 'the provider book page' : '', needShard ? 'the epoch shard' : ''].filter(Boolean).join(', ')}). The program does not let the job's client pay their rent directly, so ${formatSol(rent)} SOL go from your wallet to a one-time key (${payer.address.slice(0, 8)}…) that pays it; the rent returns to that key when the accounts close, and this page sends it back to you (Rent to reclaim).`,
    ],
    labels: { [address]: 'the job', [payer.address]: 'one-time rent payer' },
    signers: [payer],
  };
}

/** Lamports held by the one-time rent payers (returned rent), sent back to the wallet. */
function RentToReclaim({ snap, me }: { snap: Snapshot; me: Address }) {
  const { rpc, run } = useApp();
  const keys = rentKeys(me, snap.networkAddress);
  const [balances, setBalances] = useState<Record<string, bigint>>({});
  useEffect(() => {
    let live = true;
    void Promise.all(keys.map(async (k) => [k.address, (await rpc.getBalance(k.address).send()).value] as const)).then((b) => live && setBalances(Object.fromEntries(b)));
    return () => {
      live = false;
    };
  }, [snap, keys.length]);
  if (keys.length === 0) return null;
  const reclaim = (k: RentKey, lamports: bigint) =>
    void run(async () => ({
      title: 'Reclaim returned rent',
      instructions: [transferLamports(k.address, me, lamports)],
      movements: [],
      notes: [`${formatSol(lamports)} SOL of returned rent go from the one-time key ${k.address} back to your wallet.`],
      labels: { [k.address]: 'one-time rent payer' },
      signers: [await rentKeySigner(k)],
    }));
  return (
    <Section title="Rent to reclaim" id="rent-keys">
      <p class="muted small">One-time keys this browser made to pay reward-account rent for your approvals; the rent comes back to them when those accounts close.</p>
      <table class="table" data-testid="rent-keys">
        <tbody>
          {keys.map((k) => (
            <tr key={k.address} data-balance={String(balances[k.address] ?? '')}>
              <td>
                <Addr a={k.address} />
              </td>
              <td class="num">{balances[k.address] === undefined ? '…' : `${formatSol(balances[k.address] ?? 0n)} SOL`}</td>
              <td>
                <button disabled={!balances[k.address]} onClick={() => reclaim(k, balances[k.address] ?? 0n)} data-testid="reclaim">
                  Reclaim
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function formatSol(lamports: bigint): string {
  return formatTokens(lamports, 9);
}

function ClientJob({ snap, me, address, job, live, onDone }: { snap: Snapshot; me: Address; address: Address; job: Job; live?: 'live' | 'closed'; onDone: (s: Signature, action: string, job: Address) => Promise<void> }) {
  const { run, rpc } = useApp();
  const net = netOf(snap);
  const client = createNoopSigner(me);
  const now = snap.unixTimestamp;
  const act = (action: string, plan: () => Promise<TxPlan>) => () =>
    void run(plan).then((r) => {
      if (r.ok) void onDone(r.signature, action, address);
    });
  const refundAccounts = async () => ({
    network: net.address,
    job: address,
    client: me,
    clientRecord: await clientRecordAddress(net.address, me),
    clientToken: await paymentAta(net, me),
    paymentMint: net.account.paymentMint,
    tokenProgram: net.account.paymentTokenProgram,
  });
  return (
    <article class="job" data-job={address} data-state={JobState[job.state]} data-live={live ?? 'no'}>
      <h3>
        Job #{job.jobId.toString()} <Addr a={address} /> <span class="pill" data-testid="job-state">{JobState[job.state]}</span>{' '}
        {live === 'live' ? (
          <span class="pill live" title="updates from an account subscription">
            live
          </span>
        ) : null}
      </h3>
      <KV
        rows={[
          ['escrowed', <Tokens amount={job.escrowed} mint="payment" />],
          ['price', <span><Tokens amount={job.pricePerUnit} mint="payment" /> × up to {job.maxUnits.toString()} units</span>],
          ['provider', job.provider.__option === 'Some' ? <Addr a={job.provider.value} /> : <span class="muted">none yet (accept by {utc(job.acceptDeadline)}, {relative(job.acceptDeadline, now)})</span>],
          ...(job.state === JobState.Running ? ([['result due', `${utc(job.completionDeadline)} (${relative(job.completionDeadline, now)})`]] as [string, string][]) : []),
          ...(job.state === JobState.Submitted || job.state === JobState.Disputed
            ? ([
                ['reported units', <span data-testid="reported-units">{job.reportedUnits.toString()}</span>],
                ['result', job.resultUri || <span class="muted">no URI</span>],
                ['challenge window until', `${utc(job.challengeDeadline)} (${relative(job.challengeDeadline, now)})`],
              ] as [string, preact.ComponentChildren][])
            : []),
          ...(job.state === JobState.Disputed ? ([['votes', `${job.validVotes} valid, ${job.invalidVotes} invalid of quorum ${job.terms.attestationQuorum}; until ${utc(job.voteDeadline)}`]] as [string, string][]) : []),
        ]}
      />
      <JobActions
        snap={snap}
        address={address}
        job={job}
        role="client"
        handlers={{
          approve: act('approve', () => approvePlan(rpc, snap, me, address, job)),
          dispute: act('dispute', async () => ({
            title: 'Dispute the result',
            instructions: [disputeJobInstruction(net, client, address)],
            movements: [],
            notes: [`Attestors vote on the result until ${utc(job.challengeDeadline + job.terms.disputeSeconds)} at the latest; a fraud verdict refunds you and slashes the provider (${bps(job.terms.slashClientShareBps)} of the slash to you).`],
            labels: { [address]: 'the job' },
          })),
          cancel: act('cancel', async () => ({
            title: 'Cancel the job',
            instructions: [await getCancelJobInstructionAsync({ clientSigner: client, ...(await refundAccounts()) })],
            movements: [{ what: 'full refund', amount: job.escrowed, mint: 'payment', from: 'the job escrow', to: 'you' }],
            labels: { [address]: 'the job' },
          })),
          expire: act('expire', async () => ({
            title: 'Expire the job',
            instructions: [await getExpireJobInstructionAsync({ ...(await refundAccounts()), provider: job.provider.__option === 'Some' ? job.provider.value : undefined })],
            movements: [{ what: 'refund', amount: job.escrowed, mint: 'payment', from: 'the job escrow', to: 'you' }],
            labels: { [address]: 'the job' },
          })),
          settle: act('settle', async () => ({
            title: 'Settle the job',
            instructions: [await settleJobInstruction(rpc, net, { address, account: job }, client, now)],
            movements: [{ what: 'payment for the reported units', amount: job.reportedUnits * job.pricePerUnit, mint: 'payment', from: 'the job escrow', to: 'the provider' }],
            labels: { [address]: 'the job' },
          })),
        }}
      />
    </article>
  );
}
