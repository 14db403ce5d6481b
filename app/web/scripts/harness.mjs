// A Spice network on the embedded ledger, served by `spice serve`: what the browser tests and
// `npm run demo` start from. Everything goes through the `spice` CLI (docs/CLI.md) on a ledger
// file in its own folder (HOME points there too, so the CLI's default keypairs —
// ~/.config/solana/id.json for the deployer, ~/.config/spice/attestor-N.json — stay inside it).
//
// Plain ESM JavaScript so that both Node scripts and the Playwright tests (TypeScript) use it.

import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (app/web/scripts/../../..). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The `spice` binary: $SPICE_BIN, else the workspace's debug build. */
export function spiceBin() {
  const bin = process.env.SPICE_BIN || join(REPO, 'target', 'debug', 'spice');
  if (!existsSync(bin)) {
    throw new Error(`no spice binary at ${bin}: run \`cargo build -p spice-cli\` first (or set SPICE_BIN)`);
  }
  return bin;
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Base58 of bytes (Solana addresses). */
export function base58(bytes) {
  const digits = [];
  for (const byte of bytes) {
    let carry = byte;
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i] << 8;
      digits[i] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = '';
  for (const byte of bytes) {
    if (byte !== 0) break;
    out += '1';
  }
  for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i]];
  return out;
}

/**
 * A fresh Ed25519 keypair: its address, its 32-byte seed in base64 (what the test wallet
 * takes) and the 64-byte Solana keypair file the CLI takes, written to `file`.
 */
export function newKeypair(file) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d, 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify([...seed, ...pub]));
  return { address: base58(pub), seed: seed.toString('base64'), file };
}

export class SpiceNetwork {
  /**
   * Deploys migrations/embedded.toml on a new ledger in `dir` (a temp dir by default) and
   * waits out the governance delay so that the attestors vote.
   */
  static create({ dir, deploy = join(REPO, 'migrations', 'embedded.toml') } = {}) {
    const folder = dir ?? mkdtempSync(join(tmpdir(), 'spice-web-'));
    mkdirSync(folder, { recursive: true });
    const net = new SpiceNetwork(folder);
    // The deployer and the attestors of migrations/embedded.toml, made here (not by the CLI).
    const deployer = newKeypair(net.deployer);
    net.cli(['dev', 'airdrop', '--to', deployer.address, '--sol', '100']);
    for (const n of [1, 2, 3]) {
      const attestor = newKeypair(net.attestor(n));
      net.cli(['dev', 'airdrop', '--to', attestor.address, '--sol', '10']);
    }
    const out = net.json(['network', 'deploy', deploy]);
    net.addresses = out;
    net.address = out.network;
    net.cli(['dev', 'warp', '--seconds', '3600']);
    return net;
  }

  constructor(dir) {
    this.dir = dir;
    this.ledger = join(dir, 'ledger.json');
    this.bin = spiceBin();
    this.server = null;
    this.addresses = {};
    this.address = '';
  }

  env() {
    const env = { ...process.env, HOME: this.dir, SPICE_LEDGER: this.ledger, NO_COLOR: '1' };
    // The CLI's other defaults must not leak in from the caller's environment.
    for (const k of ['SPICE_URL', 'SPICE_KEYPAIR', 'SPICE_NETWORK']) delete env[k];
    return env;
  }

  /**
   * Runs `spice ARGS` (as `keypair`, a file, if given) and returns its stdout. Throws with
   * stderr. `server`: through the running `spice serve` over JSON-RPC (`--url`), like any other
   * party on the cluster (its subscribers are notified), instead of on the ledger file.
   */
  cli(args, { keypair, server = false } = {}) {
    let full = keypair ? ['--keypair', keypair, ...args] : args;
    if (server) full = ['--url', this.url, '--network', this.address, ...full];
    try {
      return execFileSync(this.bin, full, { env: this.env(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      throw new Error(`spice ${full.join(' ')} failed (${e.status}):\n${e.stderr}\n${e.stdout}`);
    }
  }

  /** `spice -o json ARGS`, parsed. */
  json(args, options) {
    return JSON.parse(this.cli(['-o', 'json', ...args], options));
  }

  /** `json` through the server (see `cli`). */
  viaServer(args, keypair) {
    return this.json(args, { keypair, server: true });
  }

  /** A keypair file in the network's folder, created if missing. */
  keypair(name) {
    const file = join(this.dir, `${name}.json`);
    if (!existsSync(file)) newKeypair(file);
    return file;
  }

  /** A new keypair with SOL for fees, and tokens of `stake` / `payment` (base units). */
  fundedKeypair(name, { stake = 0n, payment = 0n } = {}) {
    const kp = newKeypair(join(this.dir, `${name}.json`));
    this.fund(kp.address, { stake, payment });
    return kp;
  }

  /** SOL, and test tokens minted by the deployer (the mint authority). */
  fund(address, { stake = 0n, payment = 0n, sol = 10 } = {}) {
    this.cli(['dev', 'airdrop', '--to', address, '--sol', String(sol)]);
    if (stake > 0n) this.mintTo('stake', address, stake);
    if (payment > 0n) this.mintTo('payment', address, payment);
  }

  /** `spice dev mint-to` of `amount` base units (`<n>base`; an older CLI took base units bare). */
  mintTo(mint, address, amount) {
    try {
      this.cli(['dev', 'mint-to', '--mint', mint, '--to', address, `${amount}base`]);
    } catch (e) {
      if (!/invalid|parse|base/i.test(String(e))) throw e;
      this.cli(['dev', 'mint-to', '--mint', mint, '--to', address, String(amount)]);
    }
  }

  /** Starts `spice serve` on a free port; resolves once it listens. */
  async serve({ bind = '127.0.0.1:0' } = {}) {
    if (this.server) throw new Error('already serving');
    const child = spawn(this.bin, ['serve', '--bind', bind], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const url = await new Promise((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`spice serve did not start: ${err}`)), 30_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/[0-9.:]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`spice serve exited (${code}): ${err}`));
      });
    });
    this.server = child;
    this.url = url;
    return url;
  }

  /** Stops the server (SIGTERM) and waits for it. */
  async stop() {
    const child = this.server;
    if (!child) return;
    this.server = null;
    if (child.exitCode !== null) return;
    await new Promise((done) => {
      child.once('exit', done);
      child.kill('SIGTERM');
    });
  }

  /** One JSON-RPC call to the server. */
  async rpc(method, params = []) {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = await response.json();
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  }

  /** Moves the served chain's clock (the server's dev method). */
  warpSeconds(seconds) {
    return this.rpc('spice_warpSeconds', [seconds]);
  }

  /** The deployer's keypair file (the network authority, mint authority, and a payer). */
  get deployer() {
    return join(this.dir, '.config', 'solana', 'id.json');
  }

  /** An attestor's keypair file (1–3), as migrations/embedded.toml names them. */
  attestor(n) {
    return join(this.dir, '.config', 'spice', `attestor-${n}.json`);
  }

  /** `job create` by `client` (a keypair file); price in payment tokens. Returns the job address. */
  createJob(client, { price = '0.1', units = 50, extra = [] } = {}) {
    return this.json(['job', 'create', '--price-per-unit', String(price), '--max-units', String(units), ...extra], { keypair: client }).job;
  }

  accept(owner, job, { server = false } = {}) {
    return this.json(['job', 'accept', job], { keypair: owner, server });
  }

  submit(owner, job, units, { server = false } = {}) {
    return this.json(['job', 'submit', job, '--units', String(units), '--result-uri', 'https://example.com/result'], { keypair: owner, server });
  }

  /**
   * Settles a submitted job: the client approves (the deployer pays the reward accounts' rent);
   * if the audit draw selected it, two attestors vote Valid for `units`.
   */
  approve(client, job, units) {
    const out = this.json(['job', 'approve', job, '--payer', this.deployer], { keypair: client });
    if (out.settled === false) {
      for (const n of [1, 2]) {
        this.json(['attestor', 'attest', job, '--valid', '--units', String(units)], { keypair: this.attestor(n) });
      }
    }
    return out;
  }

  /** Two attestors vote on `job` (`valid`: Valid for `units`, else Invalid). */
  vote(job, { valid, units = 0, server = false }) {
    for (const n of [1, 2]) {
      this.json(['attestor', 'attest', job, valid ? '--valid' : '--invalid', '--units', String(units)], { keypair: this.attestor(n), server });
    }
  }

  /** Whether an account exists on the ledger (a job closes when it settles). */
  exists(address) {
    try {
      this.json(['job', 'show', address]);
      return true;
    } catch {
      return false;
    }
  }

  /** A whole job for `owner`'s provider: created by `client`, accepted, submitted, approved. */
  runJob(client, owner, { price = '0.1', units = 50, done = 40 } = {}) {
    const job = this.createJob(client, { price, units });
    this.accept(owner, job);
    this.submit(owner, job, done);
    this.approve(client, job, done);
    return job;
  }

  /** Ends the current epoch (warps the file's clock), finalizes what ended and closes the shards. */
  finalizeEpochs(epochs = 1) {
    this.cli(['dev', 'warp', '--epochs', String(epochs)]);
    this.cli(['rewards', 'finalize']);
    this.cli(['rewards', 'close-shards']);
  }

  /** `spice audit -o json` (exit code 2 on violations is not an error here). */
  audit() {
    try {
      return JSON.parse(execFileSync(this.bin, ['-o', 'json', 'audit'], { env: this.env(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    } catch (e) {
      if (e.status === 2) return JSON.parse(e.stdout);
      throw new Error(`spice audit failed (${e.status}): ${e.stderr}`);
    }
  }

  /**
   * Tampers with the ledger file as app/cli/tests/e2e.rs does: sets the token amount (u64 at
   * bytes 64..72) of token account `address` behind the program's back. The server must be
   * stopped.
   */
  setTokenAmount(address, amount) {
    const ledger = JSON.parse(readFileSync(this.ledger, 'utf8'));
    const entry = ledger.accounts[address];
    if (!entry) throw new Error(`${address} is not in the ledger file`);
    const bytes = Buffer.from(entry.data, 'base64');
    bytes.writeBigUInt64LE(BigInt(amount), 64);
    entry.data = bytes.toString('base64');
    writeFileSync(this.ledger, JSON.stringify(ledger));
  }

  /** Removes the folder (the server must be stopped). */
  remove() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
