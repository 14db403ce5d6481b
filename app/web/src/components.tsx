import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatTokens, short } from './lib/format';
import type { Prepared, Stage, TxError } from './lib/tx';
import { useApp } from './state';

/** An address, linking to its decoded view. */
export function Addr({ a, label, full }: { a: string | null | undefined; label?: string; full?: boolean }) {
  if (!a) return <span class="muted">—</span>;
  return (
    <a class="addr" href={`#/account/${a}`} title={a} data-address={a}>
      {label ?? (full ? a : short(a))}
    </a>
  );
}

/** An amount of the payment or stake mint, in tokens. */
export function Tokens({ amount, mint, unit = true }: { amount: bigint; mint: 'payment' | 'stake'; unit?: boolean }) {
  const { decimals } = useApp();
  return (
    <span class="amount" data-base-units={amount.toString()}>
      {formatTokens(amount, decimals[mint])}
      {unit ? <span class="unit"> {mint === 'payment' ? 'PAY' : 'STK'}</span> : null}
    </span>
  );
}

export function Section({ title, id, children, actions }: { title: string; id?: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card" id={id} aria-labelledby={id ? `${id}-title` : undefined}>
      <header class="card-head">
        <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
        {actions ? <div class="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Stat({ label, children, testid }: { label: string; children: ComponentChildren; testid?: string }) {
  return (
    <div class="stat" data-testid={testid}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{children}</div>
    </div>
  );
}

export function KV({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows.map(([k, v]) => (
        <div class="kv-row" key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A labelled input. */
export function Field(props: {
  label: string;
  name: string;
  value: string;
  onInput: (v: string) => void;
  hint?: string;
  error?: string | null;
  inputMode?: 'decimal' | 'numeric' | 'text';
  placeholder?: string;
}) {
  const id = `f-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="text"
        inputMode={props.inputMode}
        value={props.value}
        placeholder={props.placeholder}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.hint || props.error ? `${id}-hint` : undefined}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
      {props.error || props.hint ? (
        <div id={`${id}-hint`} class={props.error ? 'hint error' : 'hint'}>
          {props.error ?? props.hint}
        </div>
      ) : null}
    </div>
  );
}

export function ErrorBox({ error }: { error: TxError }) {
  return (
    <div class="error-box" role="alert" data-testid="tx-error" data-error-name={error.name}>
      <strong class="error-name">{error.name}</strong>
      {error.message ? <span>: {error.message}</span> : null}
      {error.logs.length ? (
        <details>
          <summary>program log ({error.logs.length} lines)</summary>
          <pre>{error.logs.join('\n')}</pre>
        </details>
      ) : null}
    </div>
  );
}

export type DialogState =
  | { phase: 'preparing'; title: string }
  | { phase: 'preview'; prepared: Prepared }
  | { phase: 'working'; prepared: Prepared; stage: Stage }
  | { phase: 'done'; prepared: Prepared; signature: string }
  | { phase: 'failed'; title: string; prepared: Prepared | null; error: TxError };

/** The transaction preview, then its progress and result: a modal dialog (keyboard: Tab, Enter, Escape). */
export function TxDialog({ state, onConfirm, onClose }: { state: DialogState | null; onConfirm: () => void; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (state && !d.open) d.showModal();
    if (!state && d.open) d.close();
  }, [state]);
  const busy = state?.phase === 'working' || state?.phase === 'preparing';
  // The dialog opened while preparing; move the focus to the button that matters now.
  useEffect(() => {
    const d = ref.current;
    if (!d || !state) return;
    const target = state.phase === 'preview' ? '[data-testid="tx-sign"]' : state.phase === 'done' || state.phase === 'failed' ? '[data-testid="tx-close"]' : null;
    if (target) d.querySelector<HTMLElement>(target)?.focus();
  }, [state?.phase]);
  const prepared = state && 'prepared' in state ? state.prepared : null;
  const title = state?.phase === 'preparing' || state?.phase === 'failed' ? state.title : (prepared?.plan.title ?? '');
  return (
    <dialog
      ref={ref}
      class="tx-dialog"
      aria-labelledby="tx-title"
      data-testid="tx-dialog"
      data-phase={state?.phase ?? 'closed'}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
    >
      {state ? (
        <div>
          <h2 id="tx-title">{title}</h2>
          {state.phase === 'preparing' ? <p aria-live="polite">Building the transaction…</p> : null}
          {prepared ? <Preview prepared={prepared} /> : null}
          {state.phase === 'working' ? (
            <p class="stage" aria-live="polite" data-testid="tx-stage">
              {state.stage === 'signing' ? 'Waiting for the wallet to sign…' : state.stage === 'sending' ? 'Sending…' : 'Waiting for confirmation…'}
            </p>
          ) : null}
          {state.phase === 'done' ? (
            <p class="ok" role="status" data-testid="tx-done">
              Confirmed: <code class="sig">{state.signature}</code>
            </p>
          ) : null}
          {state.phase === 'failed' ? <ErrorBox error={state.error} /> : null}
          <div class="dialog-actions">
            {state.phase === 'preview' ? (
              <>
                <button class="primary" onClick={onConfirm} autofocus data-testid="tx-sign">
                  Sign and send
                </button>
                <button onClick={onClose}>Cancel</button>
              </>
            ) : (
              <button onClick={onClose} disabled={busy} autofocus={!busy} data-testid="tx-close">
                Close
              </button>
            )}
          </div>
        </div>
      ) : null}
    </dialog>
  );
}

function Preview({ prepared }: { prepared: Prepared }) {
  const { plan } = prepared;
  return (
    <div class="preview" data-testid="tx-preview">
      {plan.movements.length ? (
        <>
          <h3>Amounts moving</h3>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">what</th>
                <th scope="col" class="num">amount</th>
                <th scope="col">from</th>
                <th scope="col">to</th>
              </tr>
            </thead>
            <tbody>
              {plan.movements.map((m, i) => (
                <tr key={i}>
                  <td>{m.what}</td>
                  <td class="num">
                    <Tokens amount={m.amount} mint={m.mint} />
                  </td>
                  <td>{m.from}</td>
                  <td>{m.to}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p class="muted">No tokens move.</p>
      )}
      {plan.notes?.length ? (
        <ul class="notes">
          {plan.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      ) : null}
      <h3>Instructions</h3>
      <ol class="list">
        {prepared.instructions.map((ix, i) => (
          <li key={i}>
            {ix.program}: <code>{ix.name}</code>
            {ix.args.length ? (
              <details>
                <summary class="small">arguments as encoded (amounts in base units)</summary>
                <ul class="small mono">
                  {ix.args.map(([k, v]) => (
                    <li key={k}>
                      {k}: {v}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </li>
        ))}
      </ol>
      <h3>Accounts it touches ({prepared.accounts.length})</h3>
      <table class="table accounts">
        <thead>
          <tr>
            <th scope="col">account</th>
            <th scope="col">address</th>
            <th scope="col">access</th>
          </tr>
        </thead>
        <tbody>
          {prepared.accounts.map((a) => (
            <tr key={a.address}>
              <td>{a.label || <span class="muted">—</span>}</td>
              <td>
                <code title={a.address}>{short(a.address)}</code>
              </td>
              <td>
                {a.writable ? 'writes' : 'reads'}
                {a.signer ? ', signs' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted small">
        {prepared.bytes} bytes of 1,232. The wallet will show the same transaction to sign.
      </p>
    </div>
  );
}

/** Seconds of a countdown to `deadline` by the chain's clock, refreshed every second. */
export function useTicker(ms = 1000): number {
  const [t, setT] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setT((x) => x + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
  return t;
}
