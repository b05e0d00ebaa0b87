// Python in the page: a lesson's Python cell runs real CPython (Pyodide) with the real nats-py against the
// page's own NATS server, its writes show in the terminal and the explorer, an edited cell prints the new
// output or a traceback pointing at its line, Stop ends a watcher, a seed program runs as written with
// `asyncio.run(main())`, and a page that runs no Python fetches none of Pyodide.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const isPython = (u) => /vendor\/pyodide\/|python-worker\.js/.test(u);
const fixture = (f) => fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', f), 'utf8');

/** The output under a cell once it has finished running. */
async function finished(cell, timeout = 60_000) {
  await cell.locator('.py-stop[disabled]').waitFor({ timeout });
  return cell.locator('.pyout').innerText();
}

test('a page that runs no Python fetches none of it, even with the Python lesson open', async () => {
  const { page, errors } = await open(browser, server.url + '?lesson=python&step=2');
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.locator('.pycell').first().waitFor();
  await type(page, 'nats kv ls');
  await page.waitForTimeout(300);
  const all = [...urls, ...(await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)))];
  assert.deepEqual(all.filter(isPython), []);
  assert.deepEqual(errors, []);
});

test('a cell run before the cell that defines its names fails with NameError, explained in one line', async () => {
  const { page, errors } = await open(browser, server.url + '?lesson=python&step=3');
  const cell = page.locator('.pycell').first();
  await cell.locator('.py-run').click();
  const out = await finished(cell);
  assert.match(out, /File "<step 3>", line 1, in <module>\n[^\n]*\n[^\n]*\nNameError: name 'kv' is not defined/);
  assert.match(out, /`kv` is not defined in this lesson's Python yet: an earlier cell defines it \(run that one first\), or no cell does\.\s*$/);
  assert.deepEqual(errors, []);
});

test('the Python lesson runs real Python: output, the terminal and explorer see its writes, edits, tracebacks', async () => {
  const { page, errors } = await open(browser, server.url + '?lesson=python&step=2', { viewport: { width: 1280, height: 900 } });
  const fetched = [];
  page.on('response', async (r) => { if (isPython(r.url())) fetched.push(r.url()); });
  const first = page.locator('.pycell').first();
  const t0 = Date.now();
  await first.locator('.py-run').click();
  await first.locator('.py-progress').waitFor();
  assert.match(await first.locator('.py-progress').innerText(), /Loading Python… [\d.]+ MB of [\d.]+ MB/);
  await first.locator('.pyout', { hasText: 'bucket=' }).waitFor({ timeout: 60_000 });
  const cold = Date.now() - t0;
  assert.equal((await finished(first)).trimEnd(), 'bucket=CONFIG values=0 history=10');
  console.log(`cold: first output after ${cold} ms, ${fetched.length} Python files fetched`);

  // Step 2 uses `kv` from step 1: one namespace per lesson.
  await page.getByRole('button', { name: 'Next' }).click();
  const second = page.locator('.pycell').first();
  await second.locator('.py-run').click();
  assert.equal((await finished(second)).trimEnd(), 'app.timeout = 30 at revision 1\napp.max_connections = 100 at revision 2\nread app.timeout = 30 (revision 1)');
  // What nats-py wrote is in the playground's engine.
  await type(page, 'nats kv get CONFIG app.max_connections --raw');
  await page.locator('.term-out', { hasText: /^100$/m }).waitFor();
  await page.getByRole('tab', { name: 'Buckets' }).click();
  await page.locator('.explorer', { hasText: 'app.max_connections' }).waitFor();
  assert.match(await page.locator('.explorer').innerText(), /CONFIG[\s\S]*app\.timeout/);
  await page.getByRole('tab', { name: 'Lesson' }).click();

  // Edited: a different value, then a typo.
  const box = second.locator('textarea');
  const doc = await box.inputValue();
  await box.fill(doc.replace('b"100"', 'b"250"').replace('= 100 at', '= 250 at'));
  const t1 = Date.now();
  await second.locator('.py-run').click();
  const out = await finished(second);
  console.log(`warm: re-run finished after ${Date.now() - t1} ms`);
  assert.match(out, /app.max_connections = 250 at revision 4/);
  await type(page, 'nats kv get CONFIG app.max_connections --raw');
  await page.locator('.term-out', { hasText: /^250$/m }).waitFor();
  await box.fill(doc.replace('entry = await kv.get', 'entry = await kv.gett'));
  await second.locator('.py-run').click();
  const tb = await finished(second);
  assert.match(tb, /Traceback \(most recent call last\):\n {2}File "<step 3>", line 5, in <module>/);
  assert.match(tb, /AttributeError: 'KeyValue' object has no attribute 'gett'/);
  assert.doesNotMatch(tb, /_pyodide|kvplay_bridge/);
  await second.locator('.py-reset').click();
  assert.equal(await box.inputValue(), doc);
  await page.screenshot({ path: path.join(shots, 'python-cell.png') });
  assert.deepEqual(errors, []);
});

test('a seed program runs unchanged with asyncio.run(main()); a watcher prints a terminal write until Stop', async () => {
  const { page, errors } = await open(browser, server.url + '?lesson=python&step=2');
  const cell = page.locator('.pycell').first();
  await cell.locator('textarea').fill(fixture('create_kv_bucket.py'));
  await cell.locator('.py-run').click();
  const out = await finished(cell);
  // The seed's program fails here as it does with CPython against nats-server: nats-py 2.16's KeyValue has no
  // `bucket` attribute. The traceback points at the program's own lines only.
  assert.equal(out, [
    'Creating KV bucket...', '', 'Traceback (most recent call last):',
    '  File "<step 2>", line 33, in <module>', '    asyncio.run(main())', '    ~~~~~~~~~~~^^^^^^^^',
    '  File "<step 2>", line 20, in main', '    print(f"✓ Created KV bucket: {kv.bucket}")',
    '                                  ^^^^^^^^^', "AttributeError: 'KeyValue' object has no attribute 'bucket'", '',
  ].join('\n'));
  // Corrected, the program runs to its end and prints what CPython prints against nats-server (`TTL: 0.0`).
  await cell.locator('textarea').fill(fixture('create_kv_bucket.py').replace('{kv.bucket}', '{(await kv.status()).bucket}'));
  await cell.locator('.py-run').click();
  assert.equal(await finished(cell), 'Creating KV bucket...\n\n✓ Created KV bucket: CONFIG\n\nBucket Info:\n  Bucket: CONFIG\n  Values: 0\n  History: 10\n  TTL: 0.0\n');

  // A program that never ends keeps printing what others write, until Stop.
  await cell.locator('textarea').fill([
    'import asyncio, nats',
    'async def main():',
    '    nc = await nats.connect("nats://localhost:4222")',
    '    kv = await nc.jetstream().key_value("CONFIG")',
    '    w = await kv.watchall()',
    '    async for e in w:',
    '        if e is not None:',
    '            print(f"{e.key} = {e.value.decode()} (revision {e.revision})")',
    'asyncio.run(main())',
  ].join('\n'));
  await cell.locator('.py-run').click();
  await cell.locator('.py-state', { hasText: 'Running' }).waitFor();
  await page.waitForTimeout(500);
  await type(page, 'nats kv put CONFIG from.terminal hello');
  await cell.locator('.pyout', { hasText: 'from.terminal = hello (revision 1)' }).waitFor({ timeout: 10_000 });
  await cell.locator('.py-stop').click();
  assert.match(await finished(cell, 10_000), /\(stopped\)\s*$/);
  assert.deepEqual(errors, []);
});
