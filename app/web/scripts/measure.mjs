// `npm run measure`: the bundle's size (raw and gzip, from dist/ after `npm run build`) and the
// time to first render against `spice serve` in Debian's Chromium: the app shell's first frame
// (`spice:first-render`), the network page with its data (`spice:network-rendered`) and with the
// audit computed (`spice:audit-rendered`), each from navigation start; the median of 5 cold loads.

import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { SpiceNetwork } from './harness.mjs';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');
const assets = join(WEB, 'dist', 'assets');
const files = readdirSync(assets).map((name) => {
  const bytes = readFileSync(join(assets, name));
  return { name, bytes: statSync(join(assets, name)).size, gzip: gzipSync(bytes, { level: 9 }).length };
});
const sum = (ext, key) => files.filter((f) => f.name.endsWith(ext)).reduce((s, f) => s + f[key], 0);
const bundle = { js: sum('.js', 'bytes'), jsGzip: sum('.js', 'gzip'), css: sum('.css', 'bytes'), cssGzip: sum('.css', 'gzip'), files };

const TOKENS = 1_000_000n;
const spice = SpiceNetwork.create();
const owner = spice.fundedKeypair('provider', { stake: 5_000n * TOKENS });
const client = spice.fundedKeypair('client', { payment: 1_000n * TOKENS });
spice.json(['provider', 'register', '--stake', '2000', '--gpu-model', 'H100', '--gpu-count', '8', '--vram-gb', '80', '--region', 'eu-west'], { keypair: owner.file });
spice.runJob(client.file, owner.file);
spice.finalizeEpochs(1);
spice.createJob(client.file);
await spice.serve();
const port = 4180;
const web = spawn(join(WEB, 'node_modules', '.bin', 'vite'), ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: WEB, stdio: 'ignore' });
// Whatever happens, the servers this script started end with it.
process.on('exit', () => {
  web.kill('SIGTERM');
  spice.server?.kill('SIGTERM');
});
web.on('exit', (code) => {
  if (code) throw new Error(`vite preview exited (${code}): is port ${port} taken?`);
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(base)).ok) break;
  } catch {
    if (i > 100) throw new Error('vite preview did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}
const executablePath = process.env.CHROMIUM_PATH || execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const runs = [];
const cleanup = async () => {
  await browser.close().catch(() => {});
  web.kill('SIGTERM');
  await spice.stop();
  spice.remove();
};
try {
for (let i = 0; i < 5; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/?rpc=${encodeURIComponent(spice.url)}#/network`);
  try {
    await page.getByTestId('audit-verdict').waitFor();
  } catch (e) {
    await page.screenshot({ path: join(WEB, 'test-results', 'measure-failed.png') });
    console.error(await page.locator('main').innerText());
    throw e;
  }
  runs.push(
    await page.evaluate(() => {
      const at = (name) => Math.round(performance.getEntriesByName(name)[0]?.startTime ?? NaN);
      const paint = performance.getEntriesByName('first-contentful-paint')[0]?.startTime;
      return { firstContentfulPaint: Math.round(paint ?? NaN), shell: at('spice:first-render'), network: at('spice:network-rendered'), audit: at('spice:audit-rendered') };
    }),
  );
  await context.close();
}
} finally {
  await cleanup();
}
const median = (key) => {
  const v = runs.map((r) => r[key]).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
const report = {
  bundle: { jsBytes: bundle.js, jsGzipBytes: bundle.jsGzip, cssBytes: bundle.css, cssGzipBytes: bundle.cssGzip },
  firstRenderMs: { firstContentfulPaint: median('firstContentfulPaint'), shell: median('shell'), networkData: median('network'), audit: median('audit') },
  runs,
};
console.log(JSON.stringify(report, null, 2));
