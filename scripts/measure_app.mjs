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
`);
