/**
 * Test harness: a fresh `spice serve` on a temporary ledger with a test network, and the
 * wallets to drive it through this client.
 *
 * The network is set up with the CLI on the ledger file before the server starts (the file is
 * the CLI's; `migrations/embedded.toml` with the overrides below), then everything else goes
 * through JSON-RPC: kit's RPC client over HTTP and its subscriptions over the server's
 * websocket (`sendAndConfirmTransactionFactory`, as a wallet app does).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  type Address,
  address,
  airdropFactory,
  lamports,
  appendTransactionMessageInstructions,
  assertIsTransactionWithBlockhashLifetime,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  createTransactionMessage,
  getSignatureFromTransaction,
  type Instruction,
  type KeyPairSigner,
  pipe,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type TransactionSigner,
} from '@solana/kit';

import { fetchSpiceNetwork, spiceProgramError, type SpiceNetwork } from '../src';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SPICE_BIN = process.env.SPICE_BIN ?? path.join(REPO, 'target/debug/spice');

/** Test-network overrides of migrations/embedded.toml: see `startServer`. */
const OVERRIDES: Record<string, string> = {
  // Deterministic tests: no job is drawn for audit (a job is only voted on when disputed).
  audit_rate_bps: '0',
  // At least the program's floor (`NetworkParams::min_reward_outflow_per_window`).
  max_reward_outflow_per_window: '100_000_000_000',
};

export type Rpc = ReturnType<typeof createSolanaRpc>;

/** Every wait is bounded: a send and its confirmation, a CLI command, a whole suite. */
const SEND_TIMEOUT_MS = 30_000;
const COMMAND_TIMEOUT_MS = 60_000;
export const SUITE_TIMEOUT_MS = 300_000;

export type Env = {
  dir: string;
  ledger: string;
  url: string;
  wsUrl: string;
  rpc: Rpc;
  rpcSubscriptions: ReturnType<typeof createSolanaRpcSubscriptions>;
  net: SpiceNetwork;
  /** The deployer: the network's authority and the mints' authority. */
  authority: KeyPairSigner;
  attestors: KeyPairSigner[];
  provider: KeyPairSigner;
  client: KeyPairSigner;
  /** Another wallet paying settlement rent (the program refuses the job's client as that payer). */
  cranker: KeyPairSigner;
  /** Sends `instructions` in one transaction paid by `feePayer` and waits for `confirmed`. */
  send(feePayer: TransactionSigner, instructions: Instruction[]): Promise<string>;
  /** `spice` with the test's HOME and ledger; `overRpc` adds `--url` to the running server. */
  spice(args: string[], options?: { overRpc?: boolean }): string;
  /** A `spice_*` dev method of the server. */
  dev(method: string, params?: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
};

/** Writes a new keypair file in the Solana CLI's format (the 32-byte seed, then the public key). */
function newKeypairFile(file: string): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.d === undefined || jwk.x === undefined) throw new Error('ed25519 JWK without d or x');
  const bytes = [...Buffer.from(jwk.d, 'base64url'), ...Buffer.from(jwk.x, 'base64url')];
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(bytes));
  return file;
}

function keypairFile(file: string): Promise<KeyPairSigner> {
  const bytes = JSON.parse(readFileSync(file, 'utf8')) as number[];
  return createKeyPairSignerFromBytes(new Uint8Array(bytes));
}

function networkToml(dir: string, extra: Record<string, string>): string {
  let text = readFileSync(path.join(REPO, 'migrations/embedded.toml'), 'utf8');
  for (const [key, value] of Object.entries({ ...OVERRIDES, ...extra })) {
    const line = new RegExp(`^${key} = .*$`, 'm');
    if (!line.test(text)) throw new Error(`migrations/embedded.toml has no ${key}`);
    text = text.replace(line, `${key} = ${value}`);
  }
  const file = path.join(dir, 'network.toml');
  writeFileSync(file, text);
  return file;
}

async function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`spice serve did not start: ${out}${err}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`spice serve exited (${code}): ${out}${err}`));
    });
  });
}

/** Deploys a test network on a fresh ledger and starts `spice serve` on it. */
export async function startServer(overrides: Record<string, string> = {}): Promise<Env> {
  if (!existsSync(SPICE_BIN)) {
    throw new Error(`${SPICE_BIN} is missing: run \`cargo build -p spice-cli\` first (or set SPICE_BIN)`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'spice-js-'));
  const ledger = path.join(dir, 'ledger.json');
  const { SPICE_URL: _url, SPICE_NETWORK: _network, SPICE_KEYPAIR: _keypair, ...inherited } = process.env;
  const env = { ...inherited, HOME: dir, SPICE_LEDGER: ledger };
  let url = '';
  let networkAddress = '';
  const spice = (args: string[], options: { overRpc?: boolean } = {}) =>
    execFileSync(SPICE_BIN, [...(options.overRpc ? ['--url', url, '--network', networkAddress] : []), ...args], {
      cwd: dir,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: COMMAND_TIMEOUT_MS,
    });

  // Every wallet, the deployer's and the attestors' of the network file included.
  newKeypairFile(path.join(dir, '.config/solana/id.json'));
  for (const n of [1, 2, 3]) newKeypairFile(path.join(dir, `.config/spice/attestor-${n}.json`));
  const deployed = JSON.parse(spice(['-o', 'json', 'network', 'deploy', networkToml(dir, overrides)])) as { network: string };
  networkAddress = deployed.network;
  spice(['dev', 'warp', '--seconds', '3600']); // the governance delay: attestors vote from then
  const wallet = (name: string) => {
    const file = newKeypairFile(path.join(dir, `${name}.json`));
    spice(['-k', file, 'dev', 'airdrop']);
    return file;
  };
  const providerFile = wallet('provider');
  const clientFile = wallet('client');
  const crankerFile = wallet('cranker');
  const provider = await keypairFile(providerFile);
  const client = await keypairFile(clientFile);
  spice(['dev', 'mint-to', '--mint', 'stake', '--to', provider.address, '5000000000base']);
  spice(['dev', 'mint-to', '--mint', 'payment', '--to', client.address, '100000000base']);

  const child = spawn(SPICE_BIN, ['serve', '--bind', '127.0.0.1:0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The server never outlives the test process.
  const killServer = () => child.kill('SIGKILL');
  process.once('exit', killServer);
  url = await waitForListening(child);
  const wsUrl = url.replace(/^http/, 'ws');
  const rpc = createSolanaRpc(url);
  const rpcSubscriptions = createSolanaRpcSubscriptions(wsUrl);
  const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions });
  const airdrop = airdropFactory({ rpc, rpcSubscriptions });

  const send = async (feePayer: TransactionSigner, instructions: Instruction[]) => {
    const { value: latestBlockhash } = await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send();
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(feePayer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(latestBlockhash, m),
      (m) => appendTransactionMessageInstructions(instructions, m),
    );
    const transaction = await signTransactionMessageWithSigners(message);
    assertIsTransactionWithBlockhashLifetime(transaction);
    try {
      await sendAndConfirm(transaction, { commitment: 'confirmed', abortSignal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
    } catch (e) {
      throw describeFailure(e);
    }
    return getSignatureFromTransaction(transaction);
  };

  let id = 0;
  const dev = async (method: string, params: unknown[] = []) => {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };

  const stop = async () => {
    process.removeListener('exit', killServer);
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  // The attestors pay their votes' fees and rent: SOL through requestAirdrop, as a wallet would.
  const attestors = await Promise.all([1, 2, 3].map((n) => keypairFile(path.join(dir, `.config/spice/attestor-${n}.json`))));
  for (const attestor of attestors) {
    await airdrop({
      recipientAddress: attestor.address,
      lamports: lamports(2_000_000_000n),
      commitment: 'confirmed',
      abortSignal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  }

  return {
    dir,
    ledger,
    url,
    wsUrl,
    rpc,
    rpcSubscriptions,
    net: await fetchSpiceNetwork(rpc, address(deployed.network)),
    authority: await keypairFile(path.join(dir, '.config/solana/id.json')),
    attestors,
    provider,
    client,
    cranker: await keypairFile(crankerFile),
    send,
    spice,
    dev,
    stop,
  };
}

/** A failed send with the program's logs and the transaction error, for test output. */
export function describeFailure(e: unknown): Error {
  if (!(e instanceof Error)) return new Error(String(e));
  const context = (e as { context?: { logs?: string[] } }).context;
  const cause = (e as { cause?: unknown }).cause;
  const detail = [
    e.message,
    cause instanceof Error ? `cause: ${cause.message} ${JSON.stringify((cause as { context?: unknown }).context ?? {}, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}` : '',
    ...(context?.logs ?? []),
  ];
  const wrapped = new Error(detail.filter((d) => d !== '').join('\n'));
  (wrapped as { cause?: unknown }).cause = e;
  return wrapped;
}

/** Token balance (base units) of a token account, 0 if it does not exist. */
export async function tokenBalance(rpc: Rpc, account: Address): Promise<bigint> {
  const info = await rpc.getAccountInfo(account, { encoding: 'base64' }).send();
  if (info.value === null) return 0n;
  return BigInt((await rpc.getTokenAccountBalance(account).send()).value.amount);
}

/** Asserts that `promise` fails with the program error `code` (a generated `SPICE_ERROR__*`). */
export async function assertRefused(promise: Promise<unknown>, code: number, what: string): Promise<void> {
  try {
    await promise;
  } catch (e) {
    const found = spiceProgramError(e);
    if (found?.code === code) return;
    throw new Error(`${what}: expected program error ${code}, got ${found ? `${found.name} (${found.code})` : e instanceof Error ? e.message : String(e)}`);
  }
  throw new Error(`${what}: expected program error ${code}, but it succeeded`);
}
