// Transactions: built from the generated client's instructions, previewed (every account it
// touches with its role, the amounts it moves), signed by the wallet, sent to the chosen RPC
// and confirmed; failures named with the program's error names from the IDL.

import {
  type Address,
  type Instruction,
  type KeyPairSigner,
  partiallySignTransaction,
  type Signature,
  appendTransactionMessageInstructions,
  compileTransaction,
  createTransactionMessage,
  getBase58Decoder,
  getBase64Decoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  getTransactionEncoder,
  isSolanaError,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
} from '@solana/kit';
import { SPICE_PROGRAM_ADDRESS, parseSpiceInstruction, SpiceInstruction } from '@spice/client';
import { ANCHOR_ERRORS } from './anchorErrors';
import { PROGRAM_ERRORS } from './rules';
import type { Rpcs } from './snapshot';
import { type Connected, isRejection, sign } from './wallet';

/** Tokens moving, for the preview (amounts in base units of `mint`). */
export type Movement = { what: string; amount: bigint; mint: 'payment' | 'stake'; from: string; to: string };

/** What a button wants to do: instructions plus what a person should know before signing. */
export type TxPlan = {
  title: string;
  instructions: Instruction[];
  movements: Movement[];
  notes?: string[];
  /** Names for addresses the preview shows (the wallet, vaults, …). */
  labels?: Record<string, string>;
  /** Keys the app signs with itself, before the wallet (e.g. a one-time rent payer). */
  signers?: KeyPairSigner[];
};

export type PreviewAccount = { address: Address; label: string; signer: boolean; writable: boolean };
export type PreviewInstruction = { program: string; name: string; accounts: { name: string; address: Address }[]; args: [string, string][] };

export type Prepared = {
  plan: TxPlan;
  wire: Uint8Array;
  bytes: number;
  accounts: PreviewAccount[];
  instructions: PreviewInstruction[];
  lastValidBlockHeight: bigint;
};

const WELL_KNOWN: Record<string, string> = {
  '11111111111111111111111111111111': 'System Program',
  TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA: 'SPL Token Program',
  TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb: 'Token-2022 Program',
  ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL: 'Associated Token Program',
  SysvarS1otHashes111111111111111111111111111: 'SlotHashes sysvar',
  SysvarC1ock11111111111111111111111111111111: 'Clock sysvar',
  SysvarRent111111111111111111111111111111111: 'Rent sysvar',
  [SPICE_PROGRAM_ADDRESS]: 'Spice program',
};

function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return value.length > 16 ? `${value.length} bytes` : `[${[...value].join(', ')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.__option === 'None') return 'none';
    if (o.__option === 'Some') return show(o.value);
    return `{ ${Object.entries(o)
      .map(([k, v]) => `${k}: ${show(v)}`)
      .join(', ')} }`;
  }
  return String(value);
}

/** Names an instruction's accounts and arguments, with the generated parser for Spice's. */
function describeInstruction(ix: Instruction): PreviewInstruction {
  if (ix.programAddress === SPICE_PROGRAM_ADDRESS && ix.data) {
    try {
      const parsed = parseSpiceInstruction(ix as never) as unknown as {
        instructionType: SpiceInstruction;
        accounts: Record<string, { address: Address }>;
        data: Record<string, unknown>;
      };
      return {
        program: 'Spice',
        name: camelToSnake(SpiceInstruction[parsed.instructionType] ?? 'unknown').replace(/^_/, ''),
        accounts: Object.entries(parsed.accounts)
          .filter(([, meta]) => meta && meta.address !== SPICE_PROGRAM_ADDRESS)
          .map(([name, meta]) => ({ name: camelToSnake(name), address: meta.address })),
        args: Object.entries(parsed.data)
          .filter(([k]) => k !== 'discriminator')
          .map(([k, v]) => [camelToSnake(k), show(v)]),
      };
    } catch {
      // fall through to the generic view
    }
  }
  return {
    program: WELL_KNOWN[ix.programAddress] ?? ix.programAddress,
    name: 'instruction',
    accounts: (ix.accounts ?? []).map((a, i) => ({ name: `#${i}`, address: a.address })),
    args: [],
  };
}

/** Builds the transaction for `plan` with `feePayer` (the wallet) and describes it. */
export async function prepare(rpc: Rpcs, feePayer: Address, plan: TxPlan): Promise<Prepared> {
  const { value: latest } = await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
    (m) => appendTransactionMessageInstructions(plan.instructions, m),
  );
  let tx = compileTransaction(message);
  if (plan.signers?.length) tx = await partiallySignTransaction(plan.signers.map((s) => s.keyPair), tx);
  const wire = new Uint8Array(getTransactionEncoder().encode(tx));
  const compiled = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
  const { numSignerAccounts, numReadonlySignerAccounts, numReadonlyNonSignerAccounts } = compiled.header;
  const keys = compiled.staticAccounts;
  const labels: Record<string, string> = { ...WELL_KNOWN, ...(plan.labels ?? {}) };
  const instructions = plan.instructions.map(describeInstruction);
  // An account's name in the first Spice instruction that names it.
  for (const ix of instructions) {
    for (const a of ix.accounts) if (!(a.address in labels)) labels[a.address] = a.name;
  }
  const accounts = keys.map((address, i) => {
    const signer = i < numSignerAccounts;
    const writable = signer ? i < numSignerAccounts - numReadonlySignerAccounts : i < keys.length - numReadonlyNonSignerAccounts;
    return { address, label: address === feePayer ? 'your wallet (fee payer)' : (labels[address] ?? ''), signer, writable };
  });
  if (wire.length > 1232) throw new Error(`the transaction is ${wire.length} bytes, over the 1,232-byte limit`);
  return { plan, wire, bytes: wire.length, accounts, instructions, lastValidBlockHeight: latest.lastValidBlockHeight };
}

/** A failure as a person should read it: the program's error name and message when there is one. */
export type TxError = { kind: 'rejected' | 'program' | 'transaction' | 'network'; name: string; message: string; logs: string[]; code?: number };

/** The program error of a `{ InstructionError: [i, { Custom: n }] }` transaction error. */
function customCode(err: unknown): number | null {
  const e = err as { InstructionError?: [number, unknown] } | null;
  const inner = e?.InstructionError?.[1] as { Custom?: number | bigint } | undefined;
  return inner && inner.Custom !== undefined ? Number(inner.Custom) : null;
}

export function programError(code: number): { name: string; message: string } {
  const known = PROGRAM_ERRORS.get(code);
  if (known) return { name: known.name, message: known.msg };
  const anchor = ANCHOR_ERRORS[code];
  if (anchor) return { name: anchor[0], message: anchor[1] };
  return { name: `Custom error ${code}`, message: '' };
}

/** Names any failure of signing, sending or confirming. */
export function describeError(error: unknown): TxError {
  if (isRejection(error)) return { kind: 'rejected', name: 'Rejected', message: 'The wallet declined to sign: nothing was sent', logs: [] };
  let logs: string[] = [];
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (isSolanaError(e, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE)) {
      logs = [...((e.context.logs as readonly string[] | null) ?? [])];
    }
    if (isSolanaError(e, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM)) {
      const { name, message } = programError(e.context.code);
      return { kind: 'program', name, message, logs, code: e.context.code };
    }
    if ((e as { __confirmErr?: unknown }).__confirmErr !== undefined) {
      const err = (e as { __confirmErr: unknown }).__confirmErr;
      const code = customCode(err);
      if (code !== null) return { kind: 'program', ...programError(code), logs, code };
      return { kind: 'transaction', name: 'TransactionError', message: JSON.stringify(err), logs };
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  // JSON-RPC errors (kit gives them their negative JSON-RPC code): the node refused the request.
  if (isSolanaError(error) && (error.context as { __code?: number }).__code !== undefined && (error.context as { __code: number }).__code < 0) {
    return { kind: 'network', name: 'RPC error', message: `${message} (nothing was sent to the program)`, logs };
  }
  const kind = /fetch|network|HTTP|ECONN|unhealthy/i.test(message) ? 'network' : 'transaction';
  return { kind, name: kind === 'network' ? 'RPC error' : 'Error', message, logs };
}

export type Stage = 'signing' | 'sending' | 'confirming' | 'confirmed';

/**
 * Has the wallet sign `prepared`, sends it and waits until it is confirmed. Throws (see
 * `describeError`) if the wallet declines, the RPC refuses it, or it lands with an error.
 */
export async function signSendConfirm(rpc: Rpcs, connected: Connected, prepared: Prepared, onStage: (s: Stage) => void = () => {}): Promise<Signature> {
  onStage('signing');
  const result = await sign(connected, prepared.wire);
  let signature: Signature;
  if (result.signed) {
    onStage('sending');
    const tx = getTransactionDecoder().decode(result.signed);
    const base64 = getBase64Decoder().decode(result.signed);
    const feePayer = prepared.accounts[0]?.address;
    const sig = feePayer ? tx.signatures[feePayer] : null;
    if (!sig) throw new Error('the wallet did not sign as the fee payer');
    signature = (await rpc
      .sendTransaction(base64 as never, { encoding: 'base64', preflightCommitment: 'confirmed' })
      .send()) as Signature;
  } else {
    signature = getBase58Decoder().decode(result.sentSignature) as Signature;
  }
  onStage('confirming');
  await confirm(rpc, signature, prepared.lastValidBlockHeight);
  onStage('confirmed');
  return signature;
}

/** Polls the signature's status until it is confirmed, failed, or its blockhash expired. */
export async function confirm(rpc: Rpcs, signature: Signature, lastValidBlockHeight: bigint): Promise<void> {
  for (let i = 0; ; i++) {
    const { value } = await rpc.getSignatureStatuses([signature]).send();
    const status = value[0];
    if (status) {
      if (status.err) throw Object.assign(new Error('the transaction failed'), { __confirmErr: status.err });
      if (status.confirmationStatus === 'confirmed' || status.confirmationStatus === 'finalized') return;
    } else if (i % 5 === 4) {
      const height = await rpc.getBlockHeight({ commitment: 'confirmed' }).send();
      if (height > lastValidBlockHeight) throw new Error('the transaction expired before it landed (blockhash too old): nothing changed');
    }
    await new Promise((r) => setTimeout(r, Math.min(100 * (i + 1), 1000)));
  }
}
