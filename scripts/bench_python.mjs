// Measures Python in the page: cold time from pressing Run on the Python lesson's first cell to its first
// printed line (a fresh browser each time), the bytes the worker fetched for it (raw, and gzip -9 as a server
// that compresses would send them), and the time of a warm re-run. Needs a release build in dist/.
// Usage: node scripts/bench_python.mjs [RUNS]   (KVPLAY_DIST=DIR measures another build than dist/)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, root } from '../tests/e2e/harness.mjs';

const runs = Number(process.argv[2] || 5);
const dist = process.env.KVPLAY_DIST || path.join(root, 'dist');
const server = await serve(dist);
const cold = [], warm = [];
let files = new Map();
for (let i = 0; i < runs; i++) {
  const browser = await launch();
  const page = await browser.newPage();
  files = new Map();
  page.on('requestfinished', (r) => {
    const u = new URL(r.url());
    if (/vendor\/pyodide\/|python-worker\.js/.test(u.pathname)) files.set(u.pathname, path.join(dist, u.pathname));
  });
  await page.goto(server.url + '?lesson=python&step=2');
  const cell = page.locator('.pycell').first();
  await cell.locator('.py-run').waitFor();
  const t0 = Date.now();
  await cell.locator('.py-run').click();
  await cell.locator('.pyout', { hasText: 'bucket=' }).waitFor({ timeout: 120_000 });
  cold.push(Date.now() - t0);
  await cell.locator('.py-stop[disabled]').waitFor();
  const t1 = Date.now();
  await cell.locator('.py-run').click();
  await cell.locator('.py-stop[disabled]').waitFor();
  warm.push(Date.now() - t1);
  await browser.close();
}
await server.close();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
let raw = 0, gz = 0;
const rows = [];
for (const [name, file] of [...files].sort()) {
  const b = fs.readFileSync(file);
  const z = name.endsWith('.zip') || name.endsWith('.whl') ? b.length : zlib.gzipSync(b, { level: 9 }).length;
  raw += b.length; gz += z;
  rows.push(`| ${name} | ${(b.length / 1024).toFixed(0)} KiB | ${(z / 1024).toFixed(0)} KiB |`);
}
console.log(`cold first output: median ${median(cold)} ms of ${runs} (${cold.join(', ')} ms)`);
console.log(`warm re-run (whole cell): median ${median(warm)} ms (${warm.join(', ')} ms)`);
console.log('| file | raw | gzip -9 |\n|---|---|---|\n' + rows.join('\n'));
console.log(`| **total** | **${(raw / 1024).toFixed(0)} KiB** | **${(gz / 1024).toFixed(0)} KiB** |`);
