// The auditor's page: no wallet needed. Parameters, treasury, reward pool, emission per epoch,
// providers, jobs by state, and invariants 1–6 recomputed in the browser (../lib/audit.ts).

import { useEffect, useState } from 'preact/hooks';
import type { Address } from '@solana/kit';
import { EpochStatus, JobState, ProviderStatus, rewardVaultAddress, treasuryAddress } from '@spice/client';
import { Addr, KV, Section, Stat, Tokens } from '../components';
import { type AuditReport, audit, violations } from '../lib/audit';
import { bps, count, duration, formatTokens, relative, short, utc } from '../lib/format';
import { currentEpoch, pageEpochs, PAUSE_NAMES } from '../lib/rules';
import type { Snapshot } from '../lib/snapshot';
import { useApp } from '../state';

/** A performance mark after the next frame, once (for `npm run measure`). */
function mark(name: string) {
  if (performance.getEntriesByName(name).length) return;
  requestAnimationFrame(() => performance.mark(name));
}

type Vaults = { reward: Address; treasuries: [Address, Address][] };

export function NetworkPage() {
  const { snap, snapError, loading, refresh, networks, network, selectNetwork } = useApp();
  const [report, setReport] = useState<AuditReport | null>(null);
  const [auditError, setAuditError] = useState<string | null>(null);
  const [vaults, setVaults] = useState<Vaults | null>(null);

  useEffect(() => {
    if (!snap) return;
    let live = true;
    setReport(null);
    audit(snap)
      .then((r) => {
        if (!live) return;
        setReport(r);
        mark('spice:audit-rendered');
      })
      .catch((e: unknown) => live && setAuditError(e instanceof Error ? e.message : String(e)));
    (async () => {
      const net = snap.network;
      const mints = net.stakeMint === net.paymentMint ? [net.paymentMint] : [net.paymentMint, net.stakeMint];
      const v: Vaults = {
        reward: await rewardVaultAddress(snap.networkAddress),
        treasuries: await Promise.all(mints.map(async (m) => [m, await treasuryAddress(snap.networkAddress, m)] as [Address, Address])),
      };
      if (live) setVaults(v);
    })();
    return () => {
      live = false;
    };
  }, [snap]);

  useEffect(() => {
    if (snap) mark('spice:network-rendered');
  }, [snap]);
  return (
    <div class="page">
      <div class="page-head">
        <h1 tabIndex={-1}>Network</h1>
        <div class="row">
          {networks.length > 1 ? (
            <label>
              Network{' '}
              <select value={network ?? ''} onChange={(e) => selectNetwork((e.target as HTMLSelectElement).value as Address)}>
                {networks.map((n) => (
                  <option key={n} value={n}>
                    {short(n)}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <button onClick={() => void refresh()} disabled={loading} data-testid="refresh">
            {loading ? 'Loading…' : 'Refresh'}
          </button>
        </div>
      </div>
      {snapError ? (
        <p class="error" role="alert">
          {snapError}
        </p>
      ) : null}
      {!snap ? (
        <p aria-live="polite">Loading the network…</p>
      ) : (
        <>
          <Invariants report={report} error={auditError} />
          <Overview snap={snap} vaults={vaults} />
          <Emission snap={snap} />
          <Providers snap={snap} />
          <Jobs snap={snap} />
          <Attestors snap={snap} />
          <Params snap={snap} />
        </>
      )}
    </div>
  );
}

function balance(snap: Snapshot, at: Address | undefined): bigint {
  return snap.tokenAccounts.find((t) => t.address === at)?.amount ?? 0n;
}

function Invariants({ report, error }: { report: AuditReport | null; error: string | null }) {
  const n = report ? violations(report) : 0;
  return (
    <Section title="Invariants" id="invariants">
      {error ? <p class="error">{error}</p> : null}
      {!report ? (
        <p aria-live="polite">Auditing…</p>
      ) : (
        <>
          <p class={n === 0 ? 'verdict ok' : 'verdict bad'} data-testid="audit-verdict" role="status">
            {n === 0 ? 'Audit passed: all six invariants hold.' : `Audit FAILED: ${n} violation(s).`}{' '}
            <span class="muted small">
              Computed in this browser from the accounts at slot {report.slot.toString()}, with the same checks as <code>spice audit</code>.
            </span>
          </p>
          <table class="table" data-testid="invariants">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">invariant</th>
                <th scope="col" class="num">checked</th>
                <th scope="col" class="num">violations</th>
                <th scope="col">result</th>
              </tr>
            </thead>
            <tbody>
              {report.summary.map((s) => (
                <tr key={s.invariant} data-invariant={s.invariant} data-result={s.violations === 0 ? 'pass' : 'fail'}>
                  <td>{s.invariant}</td>
                  <td>{s.title}</td>
                  <td class="num">{s.checked}</td>
                  <td class="num">{s.violations}</td>
                  <td>{s.violations === 0 ? <span class="pill ok">PASS</span> : <span class="pill bad">FAIL</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.findings.length ? (
            <ul class="findings" data-testid="findings">
              {report.findings.map((f, i) => (
                <li key={i} class={f.ok ? 'note' : 'violation'}>
                  <strong>[{f.invariant}]</strong> <SubjectLink subject={f.subject} />: {f.detail}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      )}
    </Section>
  );
}

/** "job 7xK…" → a link to the job's decoded view. */
function SubjectLink({ subject }: { subject: string }) {
  const m = /^(.*?)([1-9A-HJ-NP-Za-km-z]{32,44})$/.exec(subject);
  if (!m || !m[2]) return <span>{subject}</span>;
  return (
    <span>
      {m[1]}
      <Addr a={m[2]} />
    </span>
  );
}

function Overview({ snap, vaults }: { snap: Snapshot; vaults: Vaults | null }) {
  const net = snap.network;
  const epoch = currentEpoch(net, snap.unixTimestamp);
  const reward = vaults ? balance(snap, vaults.reward) : 0n;
  const paused = PAUSE_NAMES.filter(([, flag]) => (net.paused & flag) !== 0).map(([name]) => name);
  const totalStake = snap.providers.reduce((s, [, p]) => s + p.stake, 0n);
  return (
    <Section title="Overview" id="overview">
      <div class="stats">
        <Stat label="current epoch" testid="current-epoch">
          {epoch === null ? '—' : epoch.toString()}
        </Stat>
        <Stat label="chain time">{utc(snap.unixTimestamp)}</Stat>
        <Stat label="providers">{snap.providers.length}</Stat>
        <Stat label="total stake">
          <Tokens amount={totalStake} mint="stake" />
        </Stat>
        <Stat label="live jobs">{snap.jobs.length}</Stat>
        <Stat label="reward pool (vault)" testid="reward-pool">
          <Tokens amount={reward} mint="stake" />
        </Stat>
        <Stat label="allocated − claimed">
          <Tokens amount={net.totalAllocated - net.totalClaimed} mint="stake" />
        </Stat>
        <Stat label="claimed ever">
          <Tokens amount={net.totalClaimed} mint="stake" />
        </Stat>
      </div>
      <KV
        rows={[
          ['network', <Addr a={snap.networkAddress} full />],
          ['authority', <Addr a={net.authority} />],
          ['payment mint', <Addr a={net.paymentMint} />],
          ['stake mint', <Addr a={net.stakeMint} />],
          ['reward vault', vaults ? <Addr a={vaults.reward} /> : '…'],
          ...(vaults?.treasuries ?? []).map(
            ([mint, t]) =>
              [
                `treasury (${mint === net.paymentMint ? 'payment' : 'stake'})`,
                <span>
                  <Addr a={t} /> <Tokens amount={balance(snap, t)} mint={mint === net.paymentMint ? 'payment' : 'stake'} />
                </span>,
              ] as [string, preact.ComponentChildren],
          ),
          ['paused', paused.length ? paused.join(', ') : 'nothing'],
          ['genesis', utc(net.genesisTs)],
          ['mints with freeze authority accepted', net.freezeAuthorityAccepted ? 'yes' : 'no'],
          [
            'pending parameters',
            net.pendingParams.__option === 'Some' ? `applicable after ${utc(net.pendingParamsAt)} (${relative(net.pendingParamsAt, snap.unixTimestamp)})` : 'none',
          ],
        ]}
      />
    </Section>
  );
}

/** Emission, allocation and claims per finalized epoch, from the EpochBook pages: an SVG bar chart and its table. */
function Emission({ snap }: { snap: Snapshot }) {
  const { decimals } = useApp();
  const rows: { epoch: bigint; emission: bigint; allocated: bigint; claimed: bigint; status: EpochStatus; jobs: bigint }[] = [];
  for (const [, book] of snap.epochBooks) {
    const range = pageEpochs(book.page);
    if (!range) continue;
    book.entries.forEach((e, i) => {
      if (e.status !== EpochStatus.Pending) rows.push({ epoch: range[0] + BigInt(i), emission: e.emission, allocated: e.allocated, claimed: e.claimed, status: e.status, jobs: e.jobs });
    });
  }
  rows.sort((a, b) => (a.epoch < b.epoch ? -1 : 1));
  const shown = rows.slice(-24);
  const [series, setSeries] = useState<'emission' | 'allocated' | 'claimed'>('emission');
  const max = shown.reduce((m, r) => (r[series] > m ? r[series] : m), 1n);
  const W = 640;
  const H = 180;
  const bw = shown.length ? Math.min(48, (W - 40) / shown.length) : 0;
  const y = (v: bigint) => Number((v * BigInt(H - 30)) / max);
  return (
    <Section title="Emission per epoch" id="emission">
      {shown.length === 0 ? (
        <p class="muted">No epoch finalized yet.</p>
      ) : (
        <>
          <div class="chips" role="group" aria-label="Series shown in the chart">
            {(['emission', 'allocated', 'claimed'] as const).map((k) => (
              <button key={k} aria-pressed={series === k} onClick={() => setSeries(k)}>
                {k}
              </button>
            ))}
          </div>
          <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="emission-desc" data-testid="emission-chart">
            <desc id="emission-desc">
              The {series} of the last {shown.length} finalized epochs, each bar scaled to the largest (
              {formatTokens(max, decimals.stake)} STK); the table below has the numbers.
            </desc>
            {shown.map((r, i) => {
              const x = 30 + i * bw;
              return (
                <g key={r.epoch.toString()}>
                  <rect x={x} y={H - 20 - y(r[series])} width={bw * 0.8} height={y(r[series])} class={`bar-${series}`}>
                    <title>
                      epoch {r.epoch.toString()}: {formatTokens(r[series], decimals.stake)} STK
                    </title>
                  </rect>
                  <text x={x + bw * 0.4} y={H - 6} text-anchor="middle" class="axis">
                    {r.epoch.toString()}
                  </text>
                </g>
              );
            })}
            <text x={4} y={12} class="axis">
              {formatTokens(max, decimals.stake)} STK
            </text>
          </svg>
          <table class="table" data-testid="emission-table">
            <thead>
              <tr>
                <th scope="col">epoch</th>
                <th scope="col">status</th>
                <th scope="col" class="num">jobs</th>
                <th scope="col" class="num">emission</th>
                <th scope="col" class="num">allocated</th>
                <th scope="col" class="num">claimed</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.epoch.toString()}>
                  <td>{r.epoch.toString()}</td>
                  <td>{EpochStatus[r.status]}</td>
                  <td class="num">{count(r.jobs)}</td>
                  <td class="num">
                    <Tokens amount={r.emission} mint="stake" unit={false} />
                  </td>
                  <td class="num">
                    <Tokens amount={r.allocated} mint="stake" unit={false} />
                  </td>
                  <td class="num">
                    <Tokens amount={r.claimed} mint="stake" unit={false} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Section>
  );
}

function Providers({ snap }: { snap: Snapshot }) {
  return (
    <Section title={`Providers (${snap.providers.length})`} id="providers">
      {snap.providers.length === 0 ? (
        <p class="muted">No provider yet.</p>
      ) : (
        <div class="scroll">
          <table class="table" data-testid="providers">
            <thead>
              <tr>
                <th scope="col">provider</th>
                <th scope="col">owner</th>
                <th scope="col">status</th>
                <th scope="col">hardware</th>
                <th scope="col" class="num">stake</th>
                <th scope="col" class="num">unbonding</th>
                <th scope="col" class="num">locked</th>
                <th scope="col" class="num">jobs done / failed / fraud</th>
                <th scope="col" class="num">slashed</th>
              </tr>
            </thead>
            <tbody>
              {snap.providers.map(([a, p]) => (
                <tr key={a}>
                  <td>
                    <Addr a={a} />
                  </td>
                  <td>
                    <Addr a={p.owner} />
                  </td>
                  <td>{ProviderStatus[p.status]}</td>
                  <td>
                    {p.hardware.gpuCount}× {p.hardware.gpuModel} {p.hardware.vramGb} GB, {p.hardware.region}
                  </td>
                  <td class="num">
                    <Tokens amount={p.stake} mint="stake" unit={false} />
                  </td>
                  <td class="num">
                    <Tokens amount={p.unbonding} mint="stake" unit={false} />
                  </td>
                  <td class="num">
                    <Tokens amount={p.locked} mint="stake" unit={false} />
                  </td>
                  <td class="num">
                    {count(p.stats.jobsCompleted)} / {count(p.stats.jobsFailed)} / {count(p.stats.jobsFraudulent)}
                  </td>
                  <td class="num">
                    <Tokens amount={p.stats.totalSlashed} mint="stake" unit={false} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function Jobs({ snap }: { snap: Snapshot }) {
  const states = [JobState.Open, JobState.Running, JobState.Submitted, JobState.Disputed];
  const [filter, setFilter] = useState<JobState | null>(null);
  const jobs = snap.jobs.filter(([, j]) => filter === null || j.state === filter);
  return (
    <Section title="Jobs by state" id="jobs">
      <div class="chips" role="group" aria-label="Filter jobs by state">
        <button aria-pressed={filter === null} onClick={() => setFilter(null)}>
          all {snap.jobs.length}
        </button>
        {states.map((s) => (
          <button key={s} aria-pressed={filter === s} onClick={() => setFilter(s)} data-testid={`jobs-${JobState[s]}`}>
            {JobState[s]} {snap.jobs.filter(([, j]) => j.state === s).length}
          </button>
        ))}
      </div>
      {jobs.length === 0 ? (
        <p class="muted">No live job{filter === null ? '' : ` in state ${JobState[filter]}`} (settled jobs close).</p>
      ) : (
        <div class="scroll">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">job</th>
                <th scope="col">state</th>
                <th scope="col">client</th>
                <th scope="col">provider</th>
                <th scope="col" class="num">escrowed</th>
                <th scope="col">next deadline</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map(([a, j]) => (
                <tr key={a}>
                  <td>
                    <Addr a={a} />
                  </td>
                  <td>{JobState[j.state]}</td>
                  <td>
                    <Addr a={j.client} />
                  </td>
                  <td>{j.provider.__option === 'Some' ? <Addr a={j.provider.value} /> : <span class="muted">—</span>}</td>
                  <td class="num">
                    <Tokens amount={j.escrowed} mint="payment" unit={false} />
                  </td>
                  <td>{nextDeadline(j, snap.unixTimestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

export function nextDeadline(j: Snapshot['jobs'][number][1], now: bigint): string {
  const d =
    j.state === JobState.Open
      ? ['accept by', j.acceptDeadline]
      : j.state === JobState.Running
        ? ['submit by', j.completionDeadline]
        : j.state === JobState.Submitted
          ? ['challenge until', j.challengeDeadline]
          : ['votes until', j.voteDeadline];
  return `${d[0]} ${utc(d[1] as bigint)} (${relative(d[1] as bigint, now)})`;
}

function Attestors({ snap }: { snap: Snapshot }) {
  return (
    <Section title={`Attestors (${snap.attestors.length})`} id="attestors">
      <div class="scroll">
        <table class="table">
          <thead>
            <tr>
              <th scope="col">record</th>
              <th scope="col">key</th>
              <th scope="col">in office</th>
              <th scope="col" class="num">votes / against outcome</th>
            </tr>
          </thead>
          <tbody>
            {snap.attestors.map(([a, r]) => (
              <tr key={a}>
                <td>
                  <Addr a={a} />
                </td>
                <td>
                  <Addr a={r.key} />
                </td>
                <td>
                  from {utc(r.activeFrom)}
                  {r.activeUntil > 0n && r.activeUntil < (1n << 62n) ? ` until ${utc(r.activeUntil)}` : ''}
                </td>
                <td class="num">
                  {count(r.votesCast)} / {count(r.votesAgainstOutcome)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function Params({ snap }: { snap: Snapshot }) {
  const p = snap.network.params;
  return (
    <Section title="Parameters" id="params">
      <KV
        rows={[
          ['minimum stake', <Tokens amount={p.minStake} mint="stake" />],
          ['unbonding (and governance delay)', duration(p.unbondSeconds)],
          ['protocol fee', bps(p.protocolFeeBps)],
          ['slash', `${bps(p.slashBps)} of the stake at accept, ${bps(p.slashClientShareBps)} of it to the client`],
          ['audit rate', bps(p.auditRateBps)],
          ['attestation quorum', String(p.attestationQuorum)],
          ['accept / run windows (max)', `${duration(p.maxAcceptSeconds)} / ${duration(p.maxRunSeconds)}`],
          ['challenge / dispute windows', `${duration(p.challengeSeconds)} / ${duration(p.disputeSeconds)}`],
          ['epoch length', duration(p.epochSeconds)],
          ['emission: initial / tail / max total', <span><Tokens amount={p.initialEmission} mint="stake" /> / <Tokens amount={p.tailEmission} mint="stake" /> / <Tokens amount={p.maxTotalEmission} mint="stake" /></span>],
          ['emission decay per epoch', bps(p.emissionDecayBps)],
          ['stake multiplier max (m_max)', `${(p.mMaxBps / 10_000).toFixed(2)}×`],
          ['stake cap', <Tokens amount={p.stakeCap} mint="stake" />],
          ['reward rate cap', bps(p.rewardRateCapBps)],
          ['reference price', p.referencePrice === 0n ? 'none (the price paid counts)' : <Tokens amount={p.referencePrice} mint="payment" />],
          ['max exposure', bps(p.maxExposureBps)],
          ['shards per epoch', String(p.shardCount)],
          ['claim window', `${p.claimWindowEpochs} epochs`],
          ['reward outflow limit', <span><Tokens amount={p.maxRewardOutflowPerWindow} mint="stake" /> per {duration(p.outflowWindowSeconds)}</span>],
        ]}
      />
    </Section>
  );
}
