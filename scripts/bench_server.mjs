// The playground's NATS server beside nats-server, same machine, same run (reports, not tests):
// 1. round trips of KV put and get with nats-py and with @nats-io/kv (node) against `kvplay serve` (release
//    build) and against nats-server, over TCP on loopback;
// 2. in one headless Chromium page, nats.js against the in-page server (through the page link) beside the same
//    client against nats-server over loopback WebSocket.
// Prints a Markdown section; scripts/bench.sh puts it into BENCHMARKS.md. Needs `trunk build --release`, the
// kvplay built for speed (`cargo build --profile fast --bin kvplay`) and the tools scripts/setup.sh installs.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { serve, launch, root } from '../tests/e2e/harness.mjs';
import { startNats } from '../tests/e2e/nats.mjs';

const N = 2000, ROUNDS = 3;
const npm = path.join(root, '.tools/npm');
const py = path.join(root, '.tools/venv/bin/python');
const freePort = () => new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const waitPort = async (port) => { for (let i = 0; i < 100; i++) { if (await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.end(); r(true); }); c.on('error', () => r(false)); })) return; await new Promise((r) => setTimeout(r, 50)); } };

const real = await startNats();
const [kvPort, kvWs] = [await freePort(), await freePort()];
const kvplay = spawn(path.join(root, 'target/fast/kvplay'), ['serve', '-p', String(kvPort), '--websocket-port', String(kvWs)], { stdio: 'ignore' });
await waitPort(kvPort);
fs.copyFileSync(path.join(root, 'scripts/bench/rtt.mjs'), path.join(npm, 'bench-rtt.mjs'));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: npm, encoding: 'utf8' }).trim().split(' ').map(Number);
const acc = { py: { ours: [], theirs: [] }, js: { ours: [], theirs: [] } };
for (let r = 0; r < ROUNDS; r++) {
  acc.py.ours.push(run(py, [path.join(root, 'scripts/bench/rtt.py'), `nats://127.0.0.1:${kvPort}`, String(N)]));
  acc.py.theirs.push(run(py, [path.join(root, 'scripts/bench/rtt.py'), `nats://127.0.0.1:${real.port}`, String(N)]));
  acc.js.ours.push(run('node', ['bench-rtt.mjs', `127.0.0.1:${kvPort}`, String(N)]));
  acc.js.theirs.push(run('node', ['bench-rtt.mjs', `127.0.0.1:${real.port}`, String(N)]));
}
fs.rmSync(path.join(npm, 'bench-rtt.mjs'));
const mean = (rows, i) => rows.reduce((a, r) => a + r[i], 0) / rows.length;
const line = (name, c) => ['put', 'get'].map((op, i) => {
  const [o, t] = [mean(c.ours, i), mean(c.theirs, i)];
  return `| ${name} | ${op} | ${o.toFixed(0)} µs | ${t.toFixed(0)} µs | ${(o / t).toFixed(2)} |`;
}).join('\n');

// In the page: the in-page server beside nats-server over WebSocket, same client, same page.
const web = await serve();
const browser = await launch();
const page = await browser.newPage();
await page.goto(web.url);
await page.locator('#term-input').waitFor();
const inPage = await page.evaluate(async ([wsUrl, n, rounds]) => {
  const nats = await import('/vendor/nats.js');
  const { wsFactory } = await import('/kvplay-link.js');
  const probe = async (opts, bucket) => {
    const nc = await nats.wsconnect(opts);
    const kv = await new nats.Kvm(nc).create(bucket);
    const value = new TextEncoder().encode('x'.repeat(100));
    for (let i = 0; i < 50; i++) await kv.put('k' + (i % 50), value);
    let t = performance.now();
    for (let i = 0; i < n; i++) await kv.put('k' + (i % 50), value);
    const put = (performance.now() - t) / n;
    t = performance.now();
    for (let i = 0; i < n; i++) await kv.get('k' + (i % 50));
    const get = (performance.now() - t) / n;
    await nc.close();
    return [put * 1000, get * 1000];
  };
  const out = { ours: [], theirs: [] };
  for (let r = 0; r < rounds; r++) {
    out.ours.push(await probe({ servers: 'ws://localhost:8080', wsFactory }, 'inpage'));
    out.theirs.push(await probe({ servers: wsUrl }, 'overws'));
  }
  return out;
}, [real.wsUrl, 500, ROUNDS]);
await browser.close();
await web.close();
kvplay.kill();
await real.stop();
const pageLine = ['put', 'get'].map((op, i) => {
  const [o, t] = [mean(inPage.ours, i), mean(inPage.theirs, i)];
  return `| ${op} | ${o.toFixed(0)} µs | ${t.toFixed(0)} µs | ${(t / o).toFixed(1)}x |`;
}).join('\n');
const version = JSON.parse(fs.readFileSync(path.join(npm, 'node_modules/@nats-io/kv/package.json'), 'utf8')).version;
console.log(`Round trips, one request at a time, 100-byte values over 50 keys, ${ROUNDS} rounds of ${N} puts then
${N} gets per client and server, alternating; \`kvplay serve\` is built for speed (profile \`fast\`). Ratio = kvplay serve / nats-server
(below 1: the playground's server is faster).

| client | op | kvplay serve | nats-server | ratio |
|---|---|---|---|---|
${line('nats-py 2.16.0', acc.py)}
${line(`@nats-io/kv ${version} (node)`, acc.js)}

In one headless Chromium page, @nats-io/kv ${version} with \`wsconnect\` against the in-page server (through the page
link, no network) beside the same client against nats-server over loopback WebSocket, ${ROUNDS} rounds of 500:

| op | in-page server | nats-server over WebSocket | in-page is faster by |
|---|---|---|---|
${pageLine}`);
