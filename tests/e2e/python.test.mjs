// Python in the page: a lesson's Python cell runs real CPython (Pyodide) with the real nats-py against the
// page's own NATS server, its writes show in the terminal and the explorer, an edited cell prints the new
// output or a traceback pointing at its line, Stop ends a watcher, a seed program runs as written with
// `asyncio.run(main())`, and a page that runs no Python fetches none of Pyodide.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';
import { startNats } from './nats.mjs';

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
  // A key that is not there: nats-py's KeyNotFoundError, whose traceback opens with the cell's own line, not
  // with the error nats-py met inside itself on the way (issue 24, learners 5).
  await box.fill(doc.replace('kv.get("app.timeout")', 'kv.get("no.such.key")'));
  await second.locator('.py-run').click();
  const missing = await finished(second);
  assert.match(missing, /^Traceback \(most recent call last\):\n {2}File "<step 3>", line 5, in <module>/m);
  assert.match(missing, /KeyNotFoundError/);
  assert.doesNotMatch(missing, /During handling of the above exception|The above exception was the direct cause/);
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

// The Python seed document opened as a lesson (workshop mode: a Markdown file from an address). Every program
// step runs as CPython with nats-py runs it against nats-server (checked there by tests/python_headless.rs):
// Steps 1 and 3 fail as they do on a real server, explained, with the corrected line a button applies.
const seedText = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../../../shared/seeds/kv-tutorial-python.md'), 'utf8');

async function openSeed() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/fixtures/kv-tutorial-python.md', (r) => r.fulfill({ status: 200, contentType: 'text/markdown', body: seedText }));
  await page.goto(server.url + '?lesson=' + encodeURIComponent(server.url + 'fixtures/kv-tutorial-python.md'));
  await page.locator('ol.steps').waitFor();
  return { page, errors, ctx };
}

async function runStep(page, title) {
  await page.locator('ol.steps button', { hasText: title }).click();
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
}

test('the Python seed document runs as a lesson: every program step as on nats-server, fixes offered, the clock fast-forwarded', { timeout: 240_000 }, async () => {
  const { page, errors, ctx } = await openSeed();

  // Step 1: the document's `kv.bucket` fails as on a real server; the corrected line is offered and works.
  await runStep(page, 'Step 1: Create KV Bucket');
  let cell = page.locator('.pycell').first();
  await cell.locator('.py-verdict').waitFor({ timeout: 90_000 });
  assert.match(await cell.locator('.py-verdict').innerText(), /Failed: the program raised AttributeError: 'KeyValue' object has no attribute 'bucket'/);
  assert.match(await cell.locator('.py-why').last().innerText(), /no `bucket` attribute/);
  await cell.locator('.py-fix').click();
  assert.match(await cell.locator('textarea').inputValue(), /\{\(await kv\.status\(\)\)\.bucket\}/);
  await cell.locator('.py-run').click();
  assert.match(await finished(cell), /✓ Created KV bucket: CONFIG/);
  assert.match(await cell.locator('.py-verdict').innerText(), /^Passed/);

  // Step 2 passes; the timeline shows the revisions the program wrote.
  await runStep(page, 'Step 2: Basic CRUD Operations');
  cell = page.locator('.pycell').first();
  assert.match(await finished(cell), /Entry not found: nats: key not found\n[\s\S]*Keys in bucket: \['app.max_connections', 'app.timeout'\]/);
  assert.match(await cell.locator('.py-verdict').innerText(), /^Passed/);
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.locator('svg.strip g.mark[data-seq="5"]').waitFor({ timeout: 5_000 });
  assert.deepEqual(
    await page.locator('svg.strip g.mark').evaluateAll((els) => els.map((e) => [e.dataset.seq, e.dataset.kind])),
    [['1', 'PUT'], ['2', 'PUT'], ['3', 'PUT'], ['4', 'PUT'], ['5', 'DEL']],
  );
  await page.getByRole('tab', { name: 'Lesson' }).click();

  // Step 3: `async for` over history() fails as on a real server; the plain `for` is offered and works.
  await runStep(page, 'Step 3: History and Revisions');
  cell = page.locator('.pycell').first();
  await cell.locator('.py-verdict').waitFor({ timeout: 30_000 });
  assert.match(await cell.locator('.py-verdict').innerText(), /TypeError: 'async for' requires an object with __aiter__ method, got list/);
  await cell.locator('.py-fix').click();
  await cell.locator('.py-run').click();
  assert.match(await finished(cell), /Total revisions: 10/);
  assert.match(await cell.locator('.py-verdict').innerText(), /^Passed/);

  // Step 4: the watcher program sleeps 7 s of playground time at once; the key watcher waits for five changes
  // of app.timeout, which the terminal makes.
  await runStep(page, 'Step 4: Watch for Changes');
  const [watcher, keyWatcher] = [page.locator('.pycell').nth(0), page.locator('.pycell').nth(1)];
  assert.match(await finished(watcher), /Making changes to KV store...[\s\S]*\[WATCH\] Key: feature.dark_mode\n {2}Value: DELETED/);
  assert.match(await watcher.locator('.py-clock').innerText(), /clock: fast-forwarded \(playground time\): the program's sleeps moved the playground's clock 7 s at once/);
  await keyWatcher.locator('.pyout', { hasText: '[1] app.timeout changed to' }).waitFor({ timeout: 10_000 });
  // It also sees the first program's put of app.timeout if it was watching by then, as on a real server.
  let typed = 0;
  while (typed < 4 && !/\[5\]/.test(await keyWatcher.locator('.pyout').innerText())) {
    typed += 1;
    await type(page, `nats kv put CONFIG app.timeout ${200 + typed}`);
    await keyWatcher.locator('.pyout', { hasText: `changed to: ${200 + typed} ` }).waitFor({ timeout: 10_000 });
  }
  assert.match(await finished(keyWatcher, 10_000), new RegExp(`\\[5\\] app.timeout changed to: ${200 + typed} \\(rev \\d+\\)\\n$`));
  assert.match(await keyWatcher.locator('.py-verdict').innerText(), /^Passed/);

  // Step 5: the 11-second wait ends at once and the key has expired, as after a real 11 s.
  await runStep(page, 'Step 5: TTL (Time-to-Live)');
  cell = page.locator('.pycell').first();
  const t0 = Date.now();
  const ttl = await finished(cell);
  const took = Date.now() - t0;
  assert.match(ttl, /After 5s - Value: token-abc-xyz\n\nWaiting another 6 seconds \(11s total\)...\nKey expired \(TTL\): nats: key not found/);
  assert.ok(took < 11_000, `the TTL step took ${took} ms: its sleeps were not fast-forwarded`);
  assert.match(await cell.locator('.py-clock').innerText(), /moved the playground's clock 11 s at once/);
  console.log(`TTL step (11 s of sleeps) ran in ${took} ms`);

  for (const [title, last] of [['Step 6: Distributed Configuration Example', /\[CONFIG UPDATE\] max_connections = 200/], ['Step 7: Feature Flags System', /beta_api: ✗ Disabled/]]) {
    await runStep(page, title);
    cell = page.locator('.pycell').first();
    assert.match(await finished(cell), last);
    assert.match(await cell.locator('.py-verdict').innerText(), /^Passed/);
  }
  await page.screenshot({ path: path.join(shots, 'python-seed-lesson.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the built-in Python lesson prints in the page what CPython prints on kvplay serve and nats-server', { timeout: 180_000 }, async () => {
  // tests/python_headless.rs writes what CPython printed, step by step; the page's Pyodide must print the same.
  const golden = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../lessons/built-in-python.printed'), 'utf8');
  const want = [];
  for (const part of golden.split(/^STEP /m).filter(Boolean)) {
    const nl = part.indexOf('\n');
    want.push([part.slice(0, nl), part.slice(nl + 1)]);
  }
  const { page, errors } = await open(browser, server.url + '?lesson=python&step=2', { viewport: { width: 1280, height: 900 } });
  const got = [];
  for (const [title] of want) {
    await page.locator('ol.steps button', { hasText: title }).click();
    const cell = page.locator('.pycell').first();
    await cell.locator('.py-run').click();
    got.push([title, await finished(cell, 90_000)]);
  }
  assert.deepEqual(got, want);
  assert.deepEqual(errors, []);
});

test('the Python console: nc, js and kv ready, one call at a time with its value echoed, history with Up', { timeout: 120_000 }, async () => {
  const { page, errors } = await open(browser, server.url);
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await type(page, 'nats kv add CONFIG');
  await page.getByRole('tab', { name: 'Python console' }).click();
  const input = page.locator('#py-console-input');
  await input.waitFor();
  // Opening the console loads nothing: Python comes with the first line.
  assert.deepEqual(urls.filter(isPython), []);
  const log = page.locator('.pyconsole pre.pyout');
  await input.fill('await kv.put("console.key", b"42")');
  await input.press('Enter');
  await log.locator('.py-prompt', { hasText: '>>> await kv.put' }).waitFor({ timeout: 90_000 });
  await page.waitForFunction(() => /nc, js and kv \(the bucket CONFIG\) are ready\n[\s\S]*>>> await kv\.put\("console\.key", b"42"\)\n1\n/.test(document.querySelector('.pyconsole pre.pyout')?.innerText || ''), null, { timeout: 30_000 });
  await input.fill('(await kv.get("console.key")).value');
  await input.press('Enter');
  await page.waitForFunction(() => /\n>>> \(await kv\.get\("console\.key"\)\)\.value\nb'42'\n/.test(document.querySelector('.pyconsole pre.pyout')?.innerText || ''), null, { timeout: 30_000 });
  // Up recalls the last line, twice the one before.
  await input.press('ArrowUp');
  assert.equal(await input.inputValue(), '(await kv.get("console.key")).value');
  await input.press('ArrowUp');
  assert.equal(await input.inputValue(), 'await kv.put("console.key", b"42")');
  await input.press('ArrowDown');
  await input.press('ArrowDown');
  assert.equal(await input.inputValue(), '');
  // The console's write is the playground's: the terminal reads it.
  await type(page, 'nats kv get CONFIG console.key --raw');
  await page.locator('.term-out', { hasText: /^42$/m }).waitFor();
  assert.deepEqual(errors, []);
});

test('with the page connected to a real nats-server, a cell program reaches that server and its sleeps are real', { timeout: 120_000 }, async () => {
  const nats = await startNats();
  try {
    const { page, errors } = await open(browser, server.url + '?lesson=python&step=2');
    await page.locator('.server-bar summary').click();
    await page.locator('.server-url').fill(nats.wsUrl);
    await page.locator('.server-url').dispatchEvent('change');
    await page.getByRole('button', { name: /^(Connect|Reconnect)$/ }).click();
    await page.locator('.conn-state', { hasText: 'Connected' }).waitFor({ timeout: 10_000 });
    const cell = page.locator('.pycell').first();
    await cell.locator('textarea').fill([
      'import asyncio, time, nats',
      'nc = await nats.connect("nats://localhost:4222")',
      'kv = await nc.jetstream().create_key_value(bucket="onserver")',
      'print("put", await kv.put("k", b"from python"))',
      't = time.monotonic()',
      'await asyncio.sleep(0.5)',
      'print("slept for real", time.monotonic() - t >= 0.45)',
      'await nc.close()',
    ].join('\n'));
    await cell.locator('.py-run').click();
    assert.equal(await finished(cell, 90_000), 'put 1\nslept for real True\n');
    assert.match(await cell.innerText(), /clock: real \(the page is connected to ws:/);
    // The value is on the real server: the terminal, which runs there too, reads it (nats-py's bucket answers no
    // direct gets, so the terminal's client reads it through the stream API, as the nats CLI does).
    await type(page, 'nats kv get onserver k --raw');
    await page.locator('.term-out', { hasText: 'from python' }).waitFor();
    // The embedded engine has no such bucket.
    await page.getByRole('button', { name: /Disconnect/ }).click();
    await page.locator('.conn-state', { hasText: 'Embedded engine' }).waitFor();
    await type(page, 'nats kv ls');
    assert.doesNotMatch((await terminalText(page)).split('$ nats kv ls').pop(), /onserver/);
    assert.deepEqual(errors, []);
  } finally {
    await nats.stop();
  }
});
