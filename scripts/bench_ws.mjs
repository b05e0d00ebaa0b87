// Round-trip latency of KV put and get over WebSocket against a real nats-server, in one headless Chromium page:
// the playground's own client (the release wasm, through its latency probe) beside the official JavaScript
// client (@nats-io/kv with wsconnect from @nats-io/nats-core, bundled for the page), same server, same run,
// alternating rounds. Prints a Markdown section; scripts/bench.sh puts it into BENCHMARKS.md.
// Needs `trunk build --release` and the official client installed in .tools/npm (bench.sh does both).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, root } from '../tests/e2e/harness.mjs';
import { startNats } from '../tests/e2e/nats.mjs';

const npm = path.join(root, '.tools/npm');
const work = fs.mkdtempSync(path.join(root, 'target', 'bench-ws-'));
fs.writeFileSync(path.join(work, 'entry.js'), `
import { wsconnect } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
window.officialProbe = async function (url, n) {
  const nc = await wsconnect({ servers: url });
  const kv = await new Kvm(nc).create('benchjs', { history: 1 });
  const value = new TextEncoder().encode('x'.repeat(100));
  const puts = [], gets = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await kv.put('k' + (i % 50), value); puts.push(performance.now() - t); }
  for (let i = 0; i < n; i++) { const t = performance.now(); await kv.get('k' + (i % 50)); gets.push(performance.now() - t); }
  await nc.close();
  return [puts, gets];
};
`);
execFileSync(path.join(npm, 'node_modules/.bin/esbuild'), [path.join(work, 'entry.js'), '--bundle', '--format=iife',
  `--outfile=${path.join(work, 'official.js')}`, '--log-level=warning'], { env: { ...process.env, NODE_PATH: path.join(npm, 'node_modules') } });
const official = fs.readFileSync(path.join(work, 'official.js'), 'utf8');
const version = JSON.parse(fs.readFileSync(path.join(npm, 'node_modules/@nats-io/kv/package.json'), 'utf8')).version;

const nats = await startNats();
const web = await serve();
const browser = await launch();
// The page's CSP forbids inline scripts; the bundled official client is added for the measurement only.
const page = await browser.newPage({ bypassCSP: true });
await page.goto(web.url);
await page.locator('#term-input').waitFor();
await page.waitForFunction(() => window.wasmBindings && window.wasmBindings.kvplay_latency_probe);
await page.addScriptTag({ content: official });

const N = 500, ROUNDS = 5;
const ours = { put: [], get: [] }, theirs = { put: [], get: [] };
// A warm-up round each, not counted.
await page.evaluate(([u]) => window.wasmBindings.kvplay_latency_probe(u, 50), [nats.wsUrl]);
await page.evaluate(([u]) => window.officialProbe(u, 50), [nats.wsUrl]);
for (let r = 0; r < ROUNDS; r++) {
  const [p1, g1] = await page.evaluate(([u, n]) => window.wasmBindings.kvplay_latency_probe(u, n), [nats.wsUrl, N]);
  const [p2, g2] = await page.evaluate(([u, n]) => window.officialProbe(u, n), [nats.wsUrl, N]);
  ours.put.push(...p1); ours.get.push(...g1); theirs.put.push(...p2); theirs.get.push(...g2);
}
await browser.close();
await web.close();
await nats.stop();
fs.rmSync(work, { recursive: true, force: true });

const q = (xs, f) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(f * s.length))]; };
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const us = (ms) => `${Math.round(ms * 1000)} µs`;
const row = (op) => {
  const a = ours[op], b = theirs[op];
  const ratio = mean(a) / mean(b);
  return `| ${op} | ${us(mean(a))} | ${us(q(a, 0.99))} | ${us(mean(b))} | ${us(q(b, 0.99))} | ${ratio.toFixed(2)} |`;
};
console.log(`${ROUNDS} rounds of ${N} puts then ${N} gets (100-byte values, 50 keys), one request at a time, alternating
between the clients, in one headless Chromium page against nats-server on loopback over its WebSocket listener.
The browser's timer is coarse (0.1 ms), so the mean over all ${ROUNDS * N} requests is the figure to read.
Ratio = our mean / the official client's mean (below 1: ours is faster).

| op | ours mean | ours p99 | @nats-io/kv ${version} mean | @nats-io/kv p99 | ratio |
|---|---|---|---|---|---|
${row('put')}
${row('get')}`);
