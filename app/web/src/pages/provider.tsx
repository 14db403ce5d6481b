// The provider's page: register hardware, stake / unbond / withdraw (with the cooldown), jobs
// offered and running with their deadlines, submit results, payments owed, and rewards —
// claimable per epoch, "claim all" in batches with progress that survives a rejected or failed
// batch and resumes, lifetime earnings, CSV export.

import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Address } from '@solana/kit';
import {
  type BookPage,
  EpochStatus,
  JobState,
  claimBatches,
  claimRewardsInstruction,
  claimsPausedTotal,
  getCollectProviderPayoutsInstruction,
  payoutsAddress,
  effectiveDeadline,
  epochReward,
  firstEpochOf,
  getBeginUnbondInstructionAsync,
  getStakeInstructionAsync,
  getWithdrawUnbondedInstructionAsync,
  owedIn,
  pagesOf,
  paymentAta,
  providerAddress,
  registerProviderInstruction,
  acceptJobInstruction,
  settleJobInstruction,
  stakeAta,
  submitResultInstruction,
  type SpiceNetwork,
  type Job,
} from '@spice/client';
import { createNoopSigner } from '@solana/kit';
import { Addr, Field, KV, Section, Stat, Tokens } from '../components';
import { createAtaIdempotent } from '../lib/ata';
import { formatTokens, parseCount, parseTokens, relative, utc, duration } from '../lib/format';
import { currentEpoch, pageEpochs } from '../lib/rules';
import type { Snapshot } from '../lib/snapshot';
import { prepareSize } from '../lib/size';
import { useApp } from '../state';
import { ConnectPrompt, JobActions } from './shared';


const PACKET = 1232;

function netOf(snap: Snapshot): SpiceNetwork {
  return { address: snap.networkAddress, account: snap.network };
}

function tokenBalance(snap: Snapshot, at: Address | null): bigint {
  return at ? (snap.tokenAccounts.find((t) => t.address === at)?.amount ?? 0n) : 0n;
}

export function ProviderPage() {
  const { connected, snap } = useApp();
  const owner = connected?.account.address as Address | undefined;
  const [addresses, setAddresses] = useState<{ provider: Address; stakeAta: Address; paymentAta: Address } | null>(null);
  useEffect(() => {
    if (!snap || !owner) return setAddresses(null);
    const net = netOf(snap);
    void (async () => {
      setAddresses({
        provider: await providerAddress(snap.networkAddress, owner),
        stakeAta: await stakeAta(net, owner),
        paymentAta: await paymentAta(net, owner),
      });
    })();
  }, [snap?.networkAddress, owner]);

  return (
    <div class="page">
      <div class="page-head">
        <h1 tabIndex={-1}>Provider</h1>
      </div>
      {!connected || !owner ? (
        <ConnectPrompt what="register, stake, run jobs and claim rewards" />
      ) : !snap || !addresses ? (
        <p aria-live="polite">Loading…</p>
      ) : (
        <ProviderBody snap={snap} owner={owner} addresses={addresses} />
      )}
    </div>
  );
}

function ProviderBody({ snap, owner, addresses }: { snap: Snapshot; owner: Address; addresses: { provider: Address; stakeAta: Address; paymentAta: Address } }) {
  const found = snap.providers.find(([a]) => a === addresses.provider);
  const stakeBalance = tokenBalance(snap, addresses.stakeAta);
  return (
    <>
      <p class="muted">
        Wallet <Addr a={owner} /> holds <Tokens amount={stakeBalance} mint="stake" /> (stake mint) and{' '}
        <Tokens amount={tokenBalance(snap, addresses.paymentAta)} mint="payment" /> (payment mint).
      </p>
      {!found ? (
        <Register snap={snap} owner={owner} stakeBalance={stakeBalance} />
      ) : (
        <>
          <Stake snap={snap} owner={owner} provider={found} stakeBalance={stakeBalance} stakeAtaAddress={addresses.stakeAta} />
          <Jobs snap={snap} owner={owner} provider={found[0]} />
          <Payouts snap={snap} owner={owner} provider={found} />
          <Rewards snap={snap} owner={owner} provider={found} />
        </>
      )}
    </>
  );
}

function Register({ snap, owner, stakeBalance }: { snap: Snapshot; owner: Address; stakeBalance: bigint }) {
  const { run, decimals } = useApp();
  const min = snap.network.params.minStake;
  const [model, setModel] = useState('H100');
  const [gpus, setGpus] = useState('8');
  const [vram, setVram] = useState('80');
  const [region, setRegion] = useState('eu-west');
  const [stake, setStake] = useState(formatTokens(min, decimals.stake).replace(/,/g, ''));
  const amount = parseTokens(stake, decimals.stake);
  const gpuCount = parseCount(gpus, { max: 65_535n });
  const vramGb = parseCount(vram, { max: 65_535n });
  const stakeError = typeof amount === 'string' ? amount : amount < min ? `at least ${formatTokens(min, decimals.stake)} (the minimum stake)` : amount > stakeBalance ? `your wallet holds ${formatTokens(stakeBalance, decimals.stake)}` : null;
  const ok = !stakeError && typeof gpuCount === 'bigint' && typeof vramGb === 'bigint' && model.trim() !== '' && region.trim() !== '';
  return (
    <Section title="Register as a provider" id="register">
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!ok || typeof amount !== 'bigint' || typeof gpuCount !== 'bigint' || typeof vramGb !== 'bigint') return;
          void run(async () => ({
            title: 'Register as a provider',
            instructions: [
              await registerProviderInstruction(netOf(snap), createNoopSigner(owner), amount, {
                gpuModel: model.trim(),
                gpuCount: Number(gpuCount),
                vramGb: Number(vramGb),
                region: region.trim(),
                metadataHash: new Uint8Array(32),
                metadataUri: '',
              }),
            ],
            movements: [{ what: 'stake', amount, mint: 'stake', from: 'your stake-mint account', to: 'your stake vault (the program)' }],
            notes: [`Unbonding takes ${duration(snap.network.params.unbondSeconds)}; a fraud verdict on a job you accepted slashes part of the stake.`],
          }));
        }}
      >
        <Field label="GPU model" name="gpu-model" value={model} onInput={setModel} />
        <Field label="GPU count" name="gpu-count" value={gpus} onInput={setGpus} inputMode="numeric" error={typeof gpuCount === 'string' ? gpuCount : null} />
        <Field label="Memory per GPU (GB)" name="vram" value={vram} onInput={setVram} inputMode="numeric" error={typeof vramGb === 'string' ? vramGb : null} />
        <Field label="Region" name="region" value={region} onInput={setRegion} />
        <Field label="Stake (STK)" name="stake" value={stake} onInput={setStake} inputMode="decimal" error={stakeError} hint={`minimum ${formatTokens(min, decimals.stake)}`} />
        <button class="primary" type="submit" disabled={!ok} data-testid="register">
          Review registration
        </button>
      </form>
    </Section>
  );
}

function Stake({ snap, owner, provider, stakeBalance, stakeAtaAddress }: { snap: Snapshot; owner: Address; provider: Snapshot['providers'][number]; stakeBalance: bigint; stakeAtaAddress: Address }) {
  const { run, decimals } = useApp();
  const [address, p] = provider;
  const [add, setAdd] = useState('');
  const [unbond, setUnbond] = useState('');
  const now = snap.unixTimestamp;
  const addAmount = parseTokens(add, decimals.stake);
  const unbondAmount = parseTokens(unbond, decimals.stake);
  const addError = add === '' ? null : typeof addAmount === 'string' ? addAmount : addAmount > stakeBalance ? `your wallet holds ${formatTokens(stakeBalance, decimals.stake)}` : null;
  const unbondError = unbond === '' ? null : typeof unbondAmount === 'string' ? unbondAmount : unbondAmount > p.stake ? `your stake is ${formatTokens(p.stake, decimals.stake)}` : null;
  const ready = p.unbonding > 0n && now >= p.unbondReadyAt;
  const vaultHeld = p.stake + p.unbonding;
  const withdrawable = ready ? (p.unbonding < vaultHeld - p.locked ? p.unbonding : vaultHeld > p.locked ? vaultHeld - p.locked : 0n) : 0n;
  const net = netOf(snap);
  const signer = createNoopSigner(owner);
  return (
    <Section title="Stake" id="stake">
      <div class="stats">
        <Stat label="stake" testid="stake-amount">
          <Tokens amount={p.stake} mint="stake" />
        </Stat>
        <Stat label="unbonding" testid="unbonding-amount">
          <Tokens amount={p.unbonding} mint="stake" />
        </Stat>
        <Stat label="withdrawable" testid="unbond-ready">
          {p.unbonding === 0n ? '—' : ready ? 'now' : `${utc(p.unbondReadyAt)} (${relative(p.unbondReadyAt, now)})`}
        </Stat>
        <Stat label="locked behind running jobs">
          <Tokens amount={p.locked} mint="stake" />
        </Stat>
        <Stat label="exposure">
          <Tokens amount={p.exposure} mint="payment" />
        </Stat>
      </div>
      <p class="muted small">
        Provider account <Addr a={address} />; {p.activeJobs} active job(s). Unbonding takes {duration(snap.network.params.unbondSeconds)}.
      </p>
      <div class="forms">
        <form
          class="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (typeof addAmount !== 'bigint' || addError || addAmount === 0n) return;
            void run(async () => ({
              title: 'Add stake',
              instructions: [await getStakeInstructionAsync({ owner: signer, network: net.address, stakeMint: net.account.stakeMint, ownerStakeAccount: stakeAtaAddress, tokenProgram: net.account.stakeTokenProgram, amount: addAmount })],
              movements: [{ what: 'stake', amount: addAmount, mint: 'stake', from: 'your stake-mint account', to: 'your stake vault' }],
            })).then((r) => r.ok && setAdd(''));
          }}
        >
          <Field label="Add stake (STK)" name="add-stake" value={add} onInput={setAdd} inputMode="decimal" error={addError} />
          <button type="submit" disabled={add === '' || !!addError} data-testid="add-stake">
            Review stake
          </button>
        </form>
        <form
          class="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (typeof unbondAmount !== 'bigint' || unbondError || unbondAmount === 0n) return;
            void run(async () => ({
              title: 'Begin unbonding',
              instructions: [await getBeginUnbondInstructionAsync({ owner: signer, network: net.address, amount: unbondAmount })],
              movements: [],
              notes: [`${formatTokens(unbondAmount, decimals.stake)} STK stop counting as stake now and can be withdrawn after ${duration(snap.network.params.unbondSeconds)}; until then they can still be slashed.`],
            })).then((r) => r.ok && setUnbond(''));
          }}
        >
          <Field label="Unbond (STK)" name="unbond" value={unbond} onInput={setUnbond} inputMode="decimal" error={unbondError} />
          <button type="submit" disabled={unbond === '' || !!unbondError} data-testid="unbond">
            Review unbond
          </button>
        </form>
        <div class="form inline">
          <button
            disabled={withdrawable === 0n}
            data-testid="withdraw"
            onClick={() =>
              void run(async () => ({
                title: 'Withdraw unbonded stake',
                instructions: [await getWithdrawUnbondedInstructionAsync({ owner: signer, network: net.address, stakeMint: net.account.stakeMint, destination: stakeAtaAddress, tokenProgram: net.account.stakeTokenProgram })],
                movements: [{ what: 'unbonded stake', amount: withdrawable, mint: 'stake', from: 'your stake vault', to: 'your stake-mint account' }],
              }))
            }
          >
            Withdraw {withdrawable > 0n ? `${formatTokens(withdrawable, decimals.stake)} STK` : ''}
          </button>
          {p.unbonding > 0n && !ready ? <span class="muted small"> cooldown: {relative(p.unbondReadyAt, now)}</span> : null}
        </div>
      </div>
    </Section>
  );
}

function Jobs({ snap, owner, provider }: { snap: Snapshot; owner: Address; provider: Address }) {
  const { run, decimals } = useApp();
  const now = snap.unixTimestamp;
  const net = netOf(snap);
  const signer = createNoopSigner(owner);
  const offered = snap.jobs.filter(([, j]) => j.state === JobState.Open && (j.targetProvider.__option === 'None' || j.targetProvider.value === provider) && now <= j.acceptDeadline);
  const mine = snap.jobs.filter(([, j]) => j.provider.__option === 'Some' && j.provider.value === provider);
  return (
    <>
      <Section title={`Jobs offered (${offered.length})`} id="offered">
        {offered.length === 0 ? (
          <p class="muted">No open job you may accept.</p>
        ) : (
          <div class="scroll">
            <table class="table" data-testid="offered-jobs">
              <thead>
                <tr>
                  <th scope="col">job</th>
                  <th scope="col" class="num">price / unit</th>
                  <th scope="col" class="num">max units</th>
                  <th scope="col" class="num">escrowed</th>
                  <th scope="col">accept by</th>
                  <th scope="col">run time</th>
                  <th scope="col"></th>
                </tr>
              </thead>
              <tbody>
                {offered.map(([a, j]) => (
                  <tr key={a} data-job={a}>
                    <td>
                      <Addr a={a} />
                    </td>
                    <td class="num">
                      <Tokens amount={j.pricePerUnit} mint="payment" />
                    </td>
                    <td class="num">{j.maxUnits.toString()}</td>
                    <td class="num">
                      <Tokens amount={j.escrowed} mint="payment" />
                    </td>
                    <td>{relative(j.acceptDeadline, now)}</td>
                    <td>{duration(j.runSeconds)}</td>
                    <td>
                      <button
                        data-testid="accept"
                        onClick={() =>
                          void run(async () => ({
                            title: 'Accept job',
                            instructions: [await acceptJobInstruction(net, signer, a)],
                            movements: [],
                            notes: [
                              `Locks ${(j.terms.slashBps / 100).toFixed(2)} % of your stake until the job ends (slashed on a fraud verdict).`,
                              `You must submit within ${duration(j.runSeconds)}.`,
                            ],
                          }))
                        }
                      >
                        Accept
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title={`My jobs (${mine.length})`} id="my-jobs">
        {mine.length === 0 ? (
          <p class="muted">No job accepted and not yet settled.</p>
        ) : (
          mine.map(([a, j]) => <RunningJob key={a} snap={snap} address={a} job={j} owner={owner} decimals={decimals.payment} />)
        )}
      </Section>
    </>
  );
}

function RunningJob({ snap, address, job, owner, decimals }: { snap: Snapshot; address: Address; job: Job; owner: Address; decimals: number }) {
  const { run: onRun, rpc } = useApp();
  const [units, setUnits] = useState(job.maxUnits.toString());
  const [uri, setUri] = useState('');
  const n = parseCount(units, { max: job.maxUnits });
  const net = netOf(snap);
  const signer = createNoopSigner(owner);
  return (
    <article class="job" data-job={address} data-state={JobState[job.state]}>
      <h3>
        Job <Addr a={address} /> <span class="pill">{JobState[job.state]}</span>
      </h3>
      <KV
        rows={[
          ['price', <span><Tokens amount={job.pricePerUnit} mint="payment" /> per unit, at most {job.maxUnits.toString()} units</span>],
          ['spec', job.specUri || <span class="muted">no URI</span>],
          ...(job.state === JobState.Running ? ([['submit by', `${utc(job.completionDeadline)} (${relative(job.completionDeadline, snap.unixTimestamp)})`]] as [string, string][]) : []),
          ...(job.state === JobState.Submitted ? ([['challenge window until', `${utc(job.challengeDeadline)} (${relative(job.challengeDeadline, snap.unixTimestamp)})`], ['reported units', job.reportedUnits.toString()]] as [string, string][]) : []),
        ]}
      />
      {job.state === JobState.Running ? (
        <form
          class="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (typeof n !== 'bigint') return;
            void onRun(async () => {
              const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(uri)));
              return {
                title: 'Submit result',
                instructions: [await submitResultInstruction(net, signer, address, { resultHash: hash, units: n, resultUri: uri.trim() })],
                movements: [],
                notes: [`Claims payment for ${n} units: ${formatTokens(n * job.pricePerUnit, decimals)} PAY before the fee, once the client approves or the challenge window ends.`],
              };
            });
          }}
        >
          <Field label="Units done" name={`units-${address}`} value={units} onInput={setUnits} inputMode="numeric" error={typeof n === 'string' ? n : null} />
          <Field label="Result URI" name={`result-${address}`} value={uri} onInput={setUri} placeholder="https://…" />
          <button type="submit" class="primary" disabled={typeof n !== 'bigint'} data-testid="submit-result">
            Review submission
          </button>
        </form>
      ) : null}
      <JobActions
        snap={snap}
        address={address}
        job={job}
        role="provider"
        handlers={{
          settle: () =>
            void onRun(async () => ({
              title: 'Settle job',
              instructions: [await settleJobInstruction(rpc, net, { address, account: job }, signer, snap.unixTimestamp)],
              movements: [{ what: 'payment for the reported units, less the fee', amount: job.reportedUnits * job.pricePerUnit, mint: 'payment', from: 'the job escrow', to: 'you (and the fee to the treasury)' }],
              notes: ['You pay the rent of the epoch reward accounts this settlement may create, and get it back when they close.'],
            })),
        }}
      />
    </article>
  );
}

function Payouts({ snap, owner, provider }: { snap: Snapshot; owner: Address; provider: Snapshot['providers'][number] }) {
  const { run } = useApp();
  const [, p] = provider;
  if (p.owedPayment === 0n) return null;
  const net = netOf(snap);
  return (
    <Section title="Payments waiting" id="payouts">
      <p>
        <Tokens amount={p.owedPayment} mint="payment" /> of payments wait in the network's payouts vault (your payment-mint account did not exist when they were paid).
      </p>
      <button
        data-testid="collect"
        onClick={() =>
          void run(async () => {
            const ata = await createAtaIdempotent(owner, owner, net.account.paymentMint, net.account.paymentTokenProgram);
            return {
              title: 'Collect payments',
              instructions: [ata.instruction, getCollectProviderPayoutsInstruction({
                  network: net.address,
                  owner,
                  provider: provider[0],
                  payouts: await payoutsAddress(net.address, net.account.paymentMint),
                  destination: ata.ata,
                  paymentMint: net.account.paymentMint,
                  tokenProgram: net.account.paymentTokenProgram,
                })],
              movements: [{ what: 'payments owed', amount: p.owedPayment, mint: 'payment', from: 'payouts vault', to: 'your payment-mint account' }],
            };
          })
        }
      >
        Collect
      </button>
    </Section>
  );
}

/** One epoch of the provider's reward history. */
type RewardRow = {
  epoch: bigint;
  status: 'pending' | 'claimable' | 'paid' | 'expired' | 'closed' | 'nothing';
  jobs: bigint;
  value: bigint;
  fees: bigint;
  reward: bigint | null;
  paid: bigint;
  deadline: bigint | null;
};

function rewardRows(snap: Snapshot, provider: Address): { rows: RewardRow[]; pages: BookPage[] } {
  const pages: BookPage[] = [];
  const rows: RewardRow[] = [];
  const paused = claimsPausedTotal(snap.network, snap.unixTimestamp);
  for (const [, book] of snap.providerBooks.filter(([, b]) => b.provider === provider).sort((a, b) => (a[1].page < b[1].page ? -1 : 1))) {
    const epochs = snap.epochBooks.find(([, e]) => e.page === book.page)?.[1] ?? null;
    pages.push({ page: book.page, provider: book, epochs });
    const range = pageEpochs(book.page);
    if (!range) continue;
    book.entries.forEach((pe, i) => {
      if (pe.jobs === 0n && pe.weight === 0n && pe.paid === 0n) return;
      const e = epochs?.entries[i];
      const epoch = firstEpochOf(book.page) + BigInt(i);
      let reward: bigint | null = null;
      let status: RewardRow['status'] = 'pending';
      let deadline: bigint | null = null;
      if (e && e.status !== EpochStatus.Pending) {
        try {
          reward = epochReward(e, pe.weight);
        } catch {
          reward = null;
        }
        deadline = effectiveDeadline(e, paused);
        if (e.status === EpochStatus.Closed) status = 'closed';
        else if (reward !== null && pe.paid >= reward) status = reward === 0n ? 'nothing' : 'paid';
        else if (snap.unixTimestamp >= deadline) status = 'expired';
        else status = 'claimable';
      }
      rows.push({ epoch, status, jobs: pe.jobs, value: pe.value, fees: pe.fees, reward, paid: pe.paid, deadline });
    });
  }
  return { rows, pages };
}

/** The reward history as CSV (amounts in tokens, with the mint's decimals). */
export function rewardsCsv(rows: RewardRow[], stakeDecimals: number, paymentDecimals: number): string {
  const head = 'epoch,status,jobs,value_payment_tokens,fees_payment_tokens,reward_stake_tokens,paid_stake_tokens,claim_deadline_utc';
  const lines = rows.map((r) =>
    [
      r.epoch,
      r.status,
      r.jobs,
      formatTokens(r.value, paymentDecimals).replace(/,/g, ''),
      formatTokens(r.fees, paymentDecimals).replace(/,/g, ''),
      r.reward === null ? '' : formatTokens(r.reward, stakeDecimals).replace(/,/g, ''),
      formatTokens(r.paid, stakeDecimals).replace(/,/g, ''),
      r.deadline === null ? '' : utc(r.deadline),
    ].join(','),
  );
  return [head, ...lines].join('\n') + '\n';
}

type ClaimProgress = { total: number; done: number; failed: string | null; running: boolean; claimed: bigint };
const PROGRESS_KEY = 'spice.claimProgress';

function Rewards({ snap, owner, provider }: { snap: Snapshot; owner: Address; provider: Snapshot['providers'][number] }) {
  const { run, decimals, settings, refresh } = useApp();
  const [address, p] = provider;
  const { rows, pages } = useMemo(() => rewardRows(snap, address), [snap, address]);
  const owed = useMemo(() => {
    try {
      return owedIn(pages, claimsPausedTotal(snap.network, snap.unixTimestamp), snap.unixTimestamp);
    } catch {
      return [];
    }
  }, [pages, snap]);
  const claimableTotal = owed.reduce((s, o) => s + o.reward, 0n);
  const claimedTotal = rows.reduce((s, r) => s + r.paid, 0n);
  const key = `${PROGRESS_KEY}:${snap.networkAddress}:${owner}`;
  const [progress, setProgress] = useState<ClaimProgress | null>(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(key) ?? 'null') as (Omit<ClaimProgress, 'claimed'> & { claimed: string }) | null;
      return saved ? { ...saved, claimed: BigInt(saved.claimed), running: false } : null;
    } catch {
      return null;
    }
  });
  const save = (next: ClaimProgress | null) => {
    setProgress(next);
    if (next && (next.failed || next.running)) localStorage.setItem(key, JSON.stringify({ ...next, claimed: next.claimed.toString() }));
    else localStorage.removeItem(key);
  };
  const net = netOf(snap);

  /** Claims every claimable epoch, page batches in ascending order; stops at the first batch that fails or is rejected. */
  const claimAll = async () => {
    const fresh = await refresh();
    const s = fresh ?? snap;
    const { pages: freshPages } = rewardRows(s, address);
    const now = s.unixTimestamp;
    const stillOwed = owedIn(freshPages, claimsPausedTotal(s.network, now), now);
    const claimPages = pagesOf(stillOwed.map((o) => o.epoch));
    if (claimPages.length === 0) return;
    const signer = createNoopSigner(owner);
    const ata = await createAtaIdempotent(owner, owner, net.account.stakeMint, net.account.stakeTokenProgram);
    const build = async (batch: bigint[]) => [ata.instruction, await claimRewardsInstruction(netOf(s), signer, ata.ata, batch)];
    const batches =
      settings.claimPagesPerTx > 0
        ? claimPages.reduce<bigint[][]>((acc, page) => {
            const last = acc[acc.length - 1];
            if (last && last.length < settings.claimPagesPerTx) last.push(page);
            else acc.push([page]);
            return acc;
          }, [])
        : await claimBatches(claimPages, async (batch) => prepareSize(owner, await build(batch)), PACKET);
    const base = progress && progress.failed ? progress : null;
    let state: ClaimProgress = { total: (base?.done ?? 0) + batches.length, done: base?.done ?? 0, failed: null, running: true, claimed: base?.claimed ?? 0n };
    save(state);
    for (const [i, batch] of batches.entries()) {
      const epochs = stillOwed.filter((o) => batch.some((pg) => o.epoch >= firstEpochOf(pg) && o.epoch < firstEpochOf(pg) + 16n));
      const amount = epochs.reduce((sum, o) => sum + o.reward, 0n);
      const result = await run(async () => ({
        title: `Claim rewards: transaction ${state.done + 1} of ${state.total}`,
        instructions: await build(batch),
        movements: [{ what: `rewards of epoch${epochs.length > 1 ? 's' : ''} ${epochs.map((o) => o.epoch).join(', ')}`, amount, mint: 'stake', from: 'reward vault', to: 'your stake-mint account' }],
        notes: [`Book page${batch.length > 1 ? 's' : ''} ${batch.join(', ')}; the circuit breaker may pay part now and keep the rest claimable.`, `${batches.length - i - 1} more transaction(s) after this one.`],
      }));
      if (!result.ok) {
        state = { ...state, running: false, failed: result.error ? `${result.error.name}${result.error.message ? `: ${result.error.message}` : ''}` : 'Cancelled before signing' };
        save(state);
        return;
      }
      state = { ...state, done: state.done + 1, claimed: state.claimed + amount };
      save({ ...state });
    }
    save({ ...state, running: false, failed: null });
    localStorage.removeItem(key);
  };

  const download = () => {
    const blob = new Blob([rewardsCsv(rows, decimals.stake, decimals.payment)], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `spice-rewards-${owner.slice(0, 8)}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const current = currentEpoch(snap.network, snap.unixTimestamp);
  return (
    <Section
      title="Rewards"
      id="rewards"
      actions={
        <button onClick={download} disabled={rows.length === 0} data-testid="export-csv">
          Export CSV
        </button>
      }
    >
      <div class="stats">
        <Stat label="claimable now" testid="claimable-total">
          <Tokens amount={claimableTotal} mint="stake" />
        </Stat>
        <Stat label="rewards claimed (pages kept)" testid="claimed-total">
          <Tokens amount={claimedTotal} mint="stake" />
        </Stat>
        <Stat label="lifetime payments (net of fees)" testid="lifetime-payments">
          <Tokens amount={p.stats.totalEarned} mint="payment" />
        </Stat>
        <Stat label="jobs completed">{p.stats.jobsCompleted.toString()}</Stat>
        <Stat label="current epoch">{current === null ? '—' : current.toString()}</Stat>
      </div>
      <div class="row">
        <button class="primary" data-testid="claim-all" disabled={owed.length === 0 || !!progress?.running} onClick={() => void claimAll()}>
          {progress?.failed ? 'Resume claim' : 'Claim all'} ({owed.length} epoch{owed.length === 1 ? '' : 's'})
        </button>
      </div>
      {progress ? (
        <div class="progress" data-testid="claim-progress" data-done={progress.done} data-total={progress.total} data-failed={progress.failed ? 'yes' : 'no'} role="status" aria-live="polite">
          <progress max={progress.total} value={progress.done} aria-label="claim transactions confirmed" />
          <span>
            {progress.done} of {progress.total} claim transaction(s) confirmed ({formatTokens(progress.claimed, decimals.stake)} STK).
            {progress.failed ? ` Stopped: ${progress.failed}. What is confirmed stays claimed; resume claims the rest.` : progress.running ? ' Claiming…' : ' Done.'}
          </span>
        </div>
      ) : null}
      {rows.length === 0 ? (
        <p class="muted">No settled work yet: rewards come from jobs settled in an epoch, once the epoch is finalized.</p>
      ) : (
        <div class="scroll">
          <table class="table" data-testid="reward-epochs">
            <thead>
              <tr>
                <th scope="col">epoch</th>
                <th scope="col">status</th>
                <th scope="col" class="num">jobs</th>
                <th scope="col" class="num">value</th>
                <th scope="col" class="num">reward</th>
                <th scope="col" class="num">paid</th>
                <th scope="col">claim until</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.epoch.toString()} data-epoch={r.epoch.toString()} data-status={r.status}>
                  <td>{r.epoch.toString()}</td>
                  <td>{r.status === 'pending' ? 'awaiting finalization' : r.status}</td>
                  <td class="num">{r.jobs.toString()}</td>
                  <td class="num">
                    <Tokens amount={r.value} mint="payment" unit={false} />
                  </td>
                  <td class="num">{r.reward === null ? '—' : <Tokens amount={r.reward} mint="stake" unit={false} />}</td>
                  <td class="num">
                    <Tokens amount={r.paid} mint="stake" unit={false} />
                  </td>
                  <td>{r.deadline === null ? '—' : relative(r.deadline, snap.unixTimestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
