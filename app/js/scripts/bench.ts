// `npm run bench`: what a TypeScript wallet app sees of `spice serve` through this client, on a
// fresh test network (the tests' harness): getAccountInfo requests/s (one at a time, and 16 in
// flight) for a few seconds each, and create_job transactions/s sent and confirmed one after
// another with kit's sendAndConfirmTransactionFactory (signatureSubscribe over the websocket).
// Bounded in count and time; loopback only.
import { performance } from 'node:perf_hooks';

import { createJobInstruction, fetchNetwork, nextJobId } from '../src';
import { startServer } from '../test/harness';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const JOBS = Number(process.env.BENCH_JOBS ?? 50);

const env = await startServer();
try {
  const timed = async (inFlight: number) => {
    let done = 0;
    const end = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < end) {
          await fetchNetwork(env.rpc, env.net.address);
          done++;
        }
      }),
    );
    return done / SECONDS;
  };
  const sequential = await timed(1);
  const parallel = await timed(16);

  const { net, client } = env;
  let id = await nextJobId(env.rpc, net, client.address);
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < JOBS; i++) {
    const { instruction } = await createJobInstruction(net, client, {
      jobId: id++,
      pricePerUnit: 1n,
      maxUnits: 1n,
      specHash: new Uint8Array(32),
      specUri: '',
      targetProvider: null,
      acceptSeconds: 600n,
      runSeconds: 600n,
    });
    const t0 = performance.now();
    await env.send(client, [instruction]);
    latencies.push(performance.now() - t0);
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]?.toFixed(1);
  console.log(`getAccountInfo (fetchNetwork, decoded): ${sequential.toFixed(0)} req/s one at a time, ${parallel.toFixed(0)} req/s with 16 in flight (${SECONDS} s each)`);
  console.log(
    `create_job sent and confirmed one after another: ${(JOBS / elapsed).toFixed(1)} tx/s over ${JOBS} (latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms)`,
  );
} finally {
  await env.stop();
}
