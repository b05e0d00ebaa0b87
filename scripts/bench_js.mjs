// Measures JavaScript in the page: cold time from pressing Run on the Python lesson's first JavaScript cell to its
// first printed line (a fresh browser each time, so nothing is cached), the bytes fetched for it (raw, and gzip -9
// as a server that compresses would send them), and a warm re-run of the whole cell. Needs a release build in
// dist/. Usage: node scripts/bench_js.mjs [RUNS]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, root } from '../tests/e2e/harness.mjs';

const runs = Number(process.argv[2] || 7);
const server = await serve();
const cold = [], whole = [], warm = [];
let files = new Map();
for (let i = 0; i < runs; i++) {
  const browser = await launch();
  const page = await browser.newPage();
  files = new Map();
  page.on('requestfinished', (r) => {
    const u = new URL(r.url());
    if (/^\/(js-worker\.js|vendor\/nats\.js)$/.test(u.pathname)) files.set(u.pathname, path.join(root, 'dist', u.pathname));
  });
  await page.goto(server.url + '?lesson=python&step=13');
  const cell = page.locator('.jscell').first();
  await cell.locator('.js-run').waitFor();
  // The app has started (the terminal takes input) before the clock starts.
  await page.locator('#term-input').waitFor();
  const t0 = Date.now();
  await cell.locator('.js-run').click();
  await cell.locator('.jsout').waitFor({ timeout: 60_000 });
  cold.push(Date.now() - t0);
  await cell.locator('.js-stop[disabled]').waitFor();
  whole.push(Date.now() - t0);
  // The cell again, on the bucket it made: open it instead of creating it.
  const box = cell.locator('textarea');
  await box.fill((await box.inputValue()).replace('kvm.create("PREFS", { history: 5 })', 'kvm.open("PREFS")'));
  const t1 = Date.now();
  await cell.locator('.js-run').click();
  await cell.locator('.js-stop[disabled]').waitFor();
  warm.push(Date.now() - t1);
  await browser.close();
}
await server.close();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
let raw = 0, gz = 0;
const rows = [];
for (const [name, file] of [...files].sort()) {
  const b = fs.readFileSync(file);
  const z = zlib.gzipSync(b, { level: 9 }).length;
  raw += b.length; gz += z;
  rows.push(`| ${name.slice(1)} | ${(b.length / 1024).toFixed(1)} KiB | ${(z / 1024).toFixed(1)} KiB |`);
}
console.log(`cold first output: median ${median(cold)} ms of ${runs} (${cold.join(', ')} ms)`);
console.log(`cold whole cell: median ${median(whole)} ms (${whole.join(', ')} ms)`);
console.log(`warm re-run (whole cell): median ${median(warm)} ms (${warm.join(', ')} ms)`);
console.log('| file | raw | gzip -9 |\n|---|---|---|\n' + rows.join('\n'));
console.log(`| **total** | **${(raw / 1024).toFixed(1)} KiB** | **${(gz / 1024).toFixed(1)} KiB** |`);
