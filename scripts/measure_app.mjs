// Measures the release build: transferred sizes (raw and gzip) and the time from navigation to a terminal that
// accepts input in headless Chromium (median of several loads), plus how long long outputs take to show.
// Prints a Markdown section; scripts/bench.sh puts it into BENCHMARKS.md. Run after `trunk build --release`.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, root, type } from '../tests/e2e/harness.mjs';

const dist = path.join(root, 'dist');
const rows = [];
let rawTotal = 0, gzTotal = 0;
for (const f of fs.readdirSync(dist).sort()) {
  const ext = path.extname(f);
  if (!['.wasm', '.js', '.css', '.html', '.svg'].includes(ext)) continue;
  // The example docs page and its script are not part of what the playground loads.
  if (f.startsWith('embed-')) continue;
  const buf = fs.readFileSync(path.join(dist, f));
  const gz = zlib.gzipSync(buf, { level: 9 }).length;
  rawTotal += buf.length; gzTotal += gz;
  rows.push(`| ${f.replace(/-[0-9a-f]{16}/, '')} | ${(buf.length / 1024).toFixed(1)} KiB | ${(gz / 1024).toFixed(1)} KiB |`);
}
rows.push(`| **total** | **${(rawTotal / 1024).toFixed(1)} KiB** | **${(gzTotal / 1024).toFixed(1)} KiB** |`);

const server = await serve();
const browser = await launch();
const loads = [];
for (let i = 0; i < 9; i++) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      const input = document.querySelector('#term-input');
      if (input && !input.disabled) { window.__ready = performance.now(); obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(server.url);
  await page.waitForFunction(() => window.__ready !== undefined);
  loads.push(await page.evaluate(() => window.__ready));
  await ctx.close();
}
loads.sort((a, b) => a - b);
const median = loads[Math.floor(loads.length / 2)];

// Long outputs: 10,000 keys pasted in, then listed, then one key's 64-revision history.
const page = await browser.newPage();
await page.goto(server.url);
await page.locator('#term-input').waitFor();
await type(page, 'nats kv add big --history 64');
const lines = Array.from({ length: 10000 }, (_, i) => `nats kv put big key.${i} value-${i}`).join('\n') + '\n';
const pasteMs = await page.evaluate(async (text) => {
  const t0 = performance.now();
  const dt = new DataTransfer();
  dt.setData('text', text);
  document.querySelector('#term-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
}, lines);
const lsMs = await page.evaluate(async () => {
  const input = document.querySelector('#term-input');
  const t0 = performance.now();
  input.value = 'nats kv ls big';
  input.dispatchEvent(new InputEvent('input', { bubbles: true }));
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
});
// Scale: a bucket of 100,000 revisions over 10,000 keys, then the time each further write takes to run and be
// drawn with the timeline showing (the last 40 revisions, then all of them folded into bins).
async function paste(p, text) {
  await p.evaluate((t) => {
    const dt = new DataTransfer();
    dt.setData('text', t);
    document.querySelector('#term-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
}
async function timedPut(p, i) {
  return p.evaluate(async (n) => {
    const input = document.querySelector('#term-input');
    const t0 = performance.now();
    input.value = `nats kv put huge key.${n % 10000} again-${n}`;
    input.dispatchEvent(new InputEvent('input', { bubbles: true }));
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  }, i);
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const big = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await big.goto(server.url);
await big.locator('#term-input').waitFor();
await type(big, 'nats kv add huge --history 10');
const fillStart = Date.now();
for (let chunk = 0; chunk < 10; chunk++) {
  const lines = Array.from({ length: 10000 }, (_, i) => `nats kv put huge key.${i} v${chunk}`).join('\n') + '\n';
  await paste(big, lines);
  await big.locator('.term-in input').press('Control+l');
}
const fillMs = Date.now() - fillStart;
await big.getByRole('tab', { name: 'Timeline' }).click();
await big.locator('svg.strip').waitFor();
const windowTimes = [];
for (let i = 0; i < 15; i++) windowTimes.push(await timedPut(big, i));
await big.locator('select[aria-label="How many revisions to show"]').selectOption('0');
await big.locator('svg.strip.bins').waitFor();
const allTimes = [];
for (let i = 0; i < 15; i++) allTimes.push(await timedPut(big, 100 + i));
await big.getByRole('tab', { name: 'Buckets' }).click();
const explorerTimes = [];
for (let i = 0; i < 15; i++) explorerTimes.push(await timedPut(big, 200 + i));
await browser.close();
await server.close();

console.log(`### Release build size

| file | raw | gzip -9 |
|---|---|---|
${rows.join('\n')}

### Time to an interactive terminal (headless Chromium, localhost)

Median of ${loads.length} fresh loads, from navigation start to the terminal's input in the page: **${median.toFixed(0)} ms**
(fastest ${loads[0].toFixed(0)} ms, slowest ${loads[loads.length - 1].toFixed(0)} ms).

### Long outputs

| what | time |
|---|---|
| paste 10,000 \`nats kv put\` lines (run, echoed, rendered) | ${pasteMs.toFixed(0)} ms |
| \`nats kv ls\` of 10,000 keys (run and rendered; the newest 2,000 lines are drawn) | ${lsMs.toFixed(0)} ms |

### Visualizations at scale: 100,000 revisions over 10,000 keys

Filling the bucket (100,000 pasted puts, in ten pastes): ${(fillMs / 1000).toFixed(1)} s.
Each further write, from Enter to the next frame drawn (median of 15), with:

| pane showing | per update |
|---|---|
| Timeline, last 40 revisions one by one, 30 key lanes | ${med(windowTimes).toFixed(1)} ms |
| Timeline, all revisions folded into bins | ${med(allTimes).toFixed(1)} ms |
| Buckets explorer (first 200 of 10,000 keys) | ${med(explorerTimes).toFixed(1)} ms |
`);
