// `npm run demo`: builds the app, starts `spice serve` on a demo network and serves the app.
//
//   cd app/web && npm ci && npm run demo        # then open the printed URL
//
// The demo network is migrations/embedded.toml on a fresh ledger in app/web/.demo/, with a
// provider, a client and a few jobs (one settled in an epoch already finalized, one running, one
// open), so that every page has something to show. Its keypairs are printed: import one into a
// Wallet Standard wallet (Phantom, Solflare, Backpack…) pointed at the RPC URL to act as that
// provider or client. Options: --rpc-port N (8899), --port N (4173), --no-build.

import { spawn, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpiceNetwork } from './harness.mjs';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const rpcPort = Number(option('--rpc-port', '8899'));
const webPort = Number(option('--port', '4173'));
const TOKENS = 1_000_000n;

if (!args.includes('--no-build')) {
  console.log('building the app (vite build)…');
  execFileSync('npx', ['vite', 'build'], { cwd: WEB, stdio: 'inherit' });
}

const dir = join(WEB, '.demo');
rmSync(dir, { recursive: true, force: true });
console.log(`deploying the demo network on a fresh ledger in ${dir}…`);
const spice = SpiceNetwork.create({ dir });
const provider = spice.fundedKeypair('provider', { stake: 10_000n * TOKENS, payment: 10n * TOKENS });
const client = spice.fundedKeypair('client', { stake: 10n * TOKENS, payment: 10_000n * TOKENS });
spice.json(['provider', 'register', '--stake', '2500', '--gpu-model', 'H100', '--gpu-count', '8', '--vram-gb', '80', '--region', 'eu-west'], { keypair: provider.file });
spice.runJob(client.file, provider.file, { price: '0.5', units: 100, done: 90 });
spice.runJob(client.file, provider.file, { price: '0.25', units: 40, done: 40 });
spice.finalizeEpochs(1);
const running = spice.createJob(client.file, { price: '0.4', units: 60 });
spice.accept(provider.file, running);
spice.createJob(client.file, { price: '1', units: 10 });

await spice.serve({ bind: `127.0.0.1:${rpcPort}` });
const web = spawn(join(WEB, 'node_modules', '.bin', 'vite'), ['preview', '--host', '127.0.0.1', '--port', String(webPort), '--strictPort'], { cwd: WEB, stdio: ['ignore', 'ignore', 'inherit'] });

const url = `http://127.0.0.1:${webPort}/?rpc=${encodeURIComponent(spice.url)}#/network`;
console.log(`
spice serve   ${spice.url}   (ledger ${spice.ledger})
network       ${spice.address}
provider      ${provider.address}   keypair ${provider.file}
client        ${client.address}   keypair ${client.file}

open ${url}

Ctrl-C stops both servers.`);

const stop = async () => {
  web.kill('SIGTERM');
  await spice.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
