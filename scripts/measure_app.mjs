// Measures the release build in headless Chromium: the bytes each kind of page requests until it is ready (the
// playground, a snippet embed, a lesson embed), the time to a ready page (median of 9 cold loads), the time to
// open each part loaded on first use, and how long long outputs and large buckets take to show.
// Prints a Markdown section; scripts/bench.sh puts it into BENCHMARKS.md. Run after `trunk build --release`.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, root, type } from '../tests/e2e/harness.mjs';

const dist = process.env.KVPLAY_DIST || path.join(root, 'dist');
const distFile = (p) => path.join(dist, p.endsWith('/') ? p + 'index.html' : decodeURIComponent(p));
const gzipOf = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await serve();
const browser = await launch();

// A snippet embed's commands, packed as the Embed panel packs them (zlib, URL-safe base64, "z." prefix).
const packed = 'z.' + zlib.deflateSync(Buffer.from('nats kv add demo\nnats kv put demo greeting hello\nnats kv get demo greeting'), { level: 9 })
  .toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const kinds = [
  { name: 'the playground', path: '', ready: '#term-input' },
  { name: 'the playground, for a visitor with a kept session (the whole app at once)', path: '', ready: '#term-input', kept: true },
  { name: 'a snippet embed', path: `?embed=snippet&cmds=${packed}`, ready: '.snippet button' },
  { name: 'a snippet embed with its timeline', path: `?embed=snippet&timeline=1&cmds=${packed}`, ready: '.snippet button' },
  { name: 'a lesson embed', path: '?lesson=cli&embed=lesson', ready: '#term-input' },
  { name: 'a lesson embed (the Python lesson)', path: '?lesson=python&embed=lesson&step=2', ready: '#term-input' },
  { name: 'a code embed (a Python cell of the lesson)', path: '?embed=code&lang=python&lesson=python&step=2&cell=1', ready: '.pycell .py-run' },
];

/** A session as the playground keeps it in the browser (two commands typed in a fresh page). */
async function keptSession() {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(server.url);
  await page.locator('#term-input').waitFor();
  await type(page, 'nats kv add demo');
  await type(page, 'nats kv put demo greeting hello');
  await page.waitForFunction(() => localStorage.getItem('kvplay.state'));
  const state = await page.evaluate(() => localStorage.getItem('kvplay.state'));
  await ctx.close();
  return state;
}
const kept = await keptSession();

/** One cold load (a fresh browser context): the files requested until `ready` shows, and the time to it. */
async function coldLoad(kind) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  if (kind.kept) {
    await page.addInitScript((s) => { if (!localStorage.getItem('kvplay.state')) localStorage.setItem('kvplay.state', s); }, kept);
  }
  const files = [];
  page.on('request', (r) => files.push(new URL(r.url()).pathname));
  await page.addInitScript((sel) => {
    new MutationObserver((_, obs) => {
      const el = document.querySelector(sel);
      if (el && !el.disabled) { window.__ready = performance.now(); obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });
  }, kind.ready);
  await page.goto(server.url + kind.path);
  await page.waitForFunction(() => window.__ready !== undefined);
  const ms = await page.evaluate(() => window.__ready);
  const seen = [...files];
  await ctx.close();
  return { ms, files: seen };
}

const sizeRows = [];
const loadRows = [];
let playgroundFiles = [];
for (const kind of kinds) {
  const loads = [];
  let files = [];
  for (let i = 0; i < 9; i++) {
    const r = await coldLoad(kind);
    loads.push(r.ms);
    files = r.files;
  }
  const unique = [...new Set(files)].filter((f) => fs.existsSync(distFile(f)) && fs.statSync(distFile(f)).isFile());
  let gz = 0, raw = 0;
  for (const f of unique) {
    const file = distFile(f);
    raw += fs.statSync(file).size;
    gz += gzipOf(file);
  }
  if (kind.path === '' && !kind.kept) playgroundFiles = unique;
  sizeRows.push(`| ${kind.name} | ${unique.length} | ${kib(raw)} | **${kib(gz)}** |`);
  loads.sort((a, b) => a - b);
  loadRows.push(`| ${kind.name} | **${med(loads).toFixed(0)} ms** | ${loads[0].toFixed(0)} ms | ${loads[loads.length - 1].toFixed(0)} ms |`);
}
const fileRows = playgroundFiles.map((f) => {
  const file = distFile(f);
  return `| ${(f.endsWith('/') ? 'index.html' : f.slice(1)).replace(/-[0-9a-f]{15,16}/, '')} | ${kib(fs.statSync(file).size)} | ${kib(gzipOf(file))} |`;
});
const moduleRows = (dir) => fs.readdirSync(path.join(dist, dir)).sort().map((f) =>
  `| ${dir}/${f.replace(/-[0-9a-f]{15,16}/, '')} | ${kib(fs.statSync(path.join(dist, dir, f)).size)} | ${kib(gzipOf(path.join(dist, dir, f)))} |`);
const fullRows = moduleRows('full');
const lessonRows = moduleRows('lesson');

// Opening each part the first load does not have, from a fresh load of the playground: from the press to the
// part on screen (the whole app fetched, compiled, handed the state, and drawn), median of 5.
const parts = [
  { name: 'Timeline tab', open: (p) => p.getByRole('tab', { name: 'Timeline' }).click(), shown: '[aria-label="Timeline"] .timeline, [aria-label="Timeline"] p' },
  { name: 'Watchers tab', open: (p) => p.getByRole('tab', { name: 'Watchers' }).click(), shown: '[aria-label="Watchers"] button' },
  { name: 'As code tab', open: (p) => p.getByRole('tab', { name: 'As code' }).click(), shown: '[aria-label="As code"] *' },
  { name: 'a lesson (Key-Value with the nats CLI)', open: (p) => p.getByRole('button', { name: 'Key-Value with the nats CLI' }).click(), shown: '.lesson ol, .lesson .steps, .lesson nav' },
  { name: 'Share', open: (p) => p.getByRole('button', { name: 'Share' }).click(), shown: 'input.share-link' },
  { name: 'the server control', open: (p) => p.locator('.server-bar summary').click(), shown: 'form.server-form input.server-url' },
  { name: 'Run of a JavaScript cell, in a lesson embed (to the cell running)', from: '?lesson=python&embed=lesson&step=13', open: (p) => p.locator('.jscell .js-run').first().click(), shown: '.jscell .js-stop:not([disabled]), .jscell .jsout' },
  { name: 'Run of a snippet with its timeline (to the timeline drawn; its output shows at once)', from: `?embed=snippet&timeline=1&cmds=${packed}`, ready: '.snippet button', first: async () => {}, open: (p) => p.getByRole('button', { name: 'Run' }).click(), shown: '.snippet .timeline svg' },
  { name: 'Run of a Python cell, in a lesson embed (to the cell running)', from: '?lesson=python&embed=lesson&step=2', open: (p) => p.locator('.pycell .py-run').first().click(), shown: '.pycell .py-stop:not([disabled]), .pycell .pyout' },
];
const partRows = [];
for (const part of parts) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(server.url + (part.from ?? ''));
    await page.locator(part.ready ?? '#term-input').waitFor();
    await (part.first ?? ((p) => type(p, 'nats kv add demo')))(page);
    const t0 = await page.evaluate(() => performance.now());
    await part.open(page);
    await page.waitForFunction((sel) => window.kvplayParts.whole && [...document.querySelectorAll(sel)].some((e) => e.offsetParent !== null), part.shown);
    times.push(await page.evaluate((t) => performance.now() - t, t0));
    await ctx.close();
  }
  partRows.push(`| ${part.name} | ${med(times).toFixed(0)} ms |`);
}

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

console.log(`### First load, by kind of page

What the browser requested until the page was ready for the visitor (the terminal accepts input; a snippet or a
code embed shows its Run button), gzip -9 of each file as served, cold (a fresh browser context each time). Targets: under 300 KB
for the playground, under 200 KB for a snippet embed.

| page | files | raw | gzip -9 |
|---|---|---|---|
${sizeRows.join('\n')}

The playground's first load, file by file:

| file | raw | gzip -9 |
|---|---|---|
${fileRows.join('\n')}

The lesson embed's module (the first load's engine and terminal with the lesson runner and panel):

| file | raw | gzip -9 |
|---|---|---|
${lessonRows.join('\n')}

The whole app, fetched when a visitor first opens a part the small module does not have (or at once for a
lesson's address; for a snippet with its timeline, once it ran):

| file | raw | gzip -9 |
|---|---|---|
${fullRows.join('\n')}

### Time to a ready page (headless Chromium, localhost)

From navigation start to the page ready (as above), 9 cold loads each. Target: under 300 ms for the playground.

| page | median | fastest | slowest |
|---|---|---|---|
${loadRows.join('\n')}

### Opening a part loaded on first use

From the press (in a fresh playground or lesson embed, after one command; in a snippet, at once) to the part drawn: the whole app
fetched, compiled, handed the small module's state, started and drawn (for a cell: running). Median of 5.

| part | time |
|---|---|
${partRows.join('\n')}

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
