// JavaScript in the page: a lesson's JavaScript cell runs the official client (@nats-io/kv over nats-core's
// wsconnect) as written for a real server, in a worker, against the page's own NATS server; its writes show in
// the terminal, the explorer and the timeline; an edit reruns, an error points at the cell's line, Stop ends a
// watcher and its connection; with the page connected to a real nats-server the cell's program writes there; a
// code embed runs when its host page asks; the As code tab's JavaScript runs; and a
// page that runs no JavaScript cell fetches none of the client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, shots } from './harness.mjs';
import { startNats } from './nats.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const isClient = (u) => /vendor\/nats\.js|js-worker\.js/.test(u);
// The lesson's JavaScript step (the Python lesson's last).
const JS_STEP = 13;

/** The output under a cell once its run has ended. */
async function finished(cell, timeout = 30_000) {
  await cell.locator('.js-stop[disabled]').waitFor({ timeout });
  return cell.locator('.jsout').innerText();
}

/** The lesson's output block under the first cell: what the document says the program prints. */
async function documented(page) {
  return (await page.locator('pre.code[data-lang="output"]').first().innerText()).trimEnd();
}

test('a page that runs no JavaScript cell fetches none of the client, even with the cells in view', async () => {
  const { page, errors } = await open(browser, server.url + `?lesson=python&step=${JS_STEP}`);
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.locator('.jscell').first().waitFor();
  await type(page, 'nats kv ls');
  await page.locator('.term-out', { hasText: 'No Key-Value buckets found' }).waitFor();
  const all = [...urls, ...(await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)))];
  assert.deepEqual(all.filter(isClient), []);
  assert.deepEqual(errors, []);
});

test('a JavaScript cell runs nats.js against the page: output, the terminal, explorer and timeline see its writes', async () => {
  const { page, errors } = await open(browser, server.url + `?lesson=python&step=${JS_STEP}`, { viewport: { width: 1280, height: 900 } });
  const fetched = [];
  page.on('requestfinished', (r) => { if (isClient(r.url())) fetched.push(new URL(r.url()).pathname); });
  const cell = page.locator('.jscell').first();
  const t0 = Date.now();
  await cell.locator('.js-run').click();
  await cell.locator('.jsout').waitFor({ timeout: 30_000 });
  const cold = Date.now() - t0;
  assert.equal((await finished(cell)).trimEnd(), await documented(page));
  console.log(`cold: first output after ${cold} ms; fetched ${fetched.sort().join(', ')}`);
  assert.deepEqual(fetched.sort(), ['/js-worker.js', '/vendor/nats.js']);

  await type(page, 'nats kv get PREFS theme --raw');
  await page.locator('.term-out', { hasText: /^light$/m }).waitFor();
  await page.getByRole('tab', { name: 'Buckets' }).click();
  await page.locator('.explorer .bucket h3', { hasText: 'PREFS' }).waitFor();
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.locator('svg.strip g.mark').nth(1).waitFor();
  assert.deepEqual(
    await page.locator('svg.strip g.mark').evaluateAll((els) => els.map((e) => e.dataset.seq)),
    ['1', '2'],
  );
  await page.getByRole('tab', { name: 'Lesson' }).click();

  // Edited: another value, then a typo that fails at its line.
  const box = cell.locator('textarea');
  const doc = await box.inputValue();
  await box.fill(doc.replace('kvm.create("PREFS", { history: 5 })', 'kvm.open("PREFS")').replaceAll('"light"', '"blue"').replace('theme = light', 'theme = blue'));
  const t1 = Date.now();
  await cell.locator('.js-run').click();
  const again = await finished(cell);
  console.log(`warm: re-run finished after ${Date.now() - t1} ms`);
  assert.match(again, /^theme = dark at revision 3\ntheme = blue at revision 4\nread theme = blue \(revision 4\)\n/);
  await type(page, 'nats kv get PREFS theme --raw');
  await page.locator('.term-out', { hasText: /^blue$/m }).waitFor();

  await box.fill(doc.replace('const entry = await kv.get(', 'const entry = await kv.gett('));
  await cell.locator('.js-run').click();
  const err = await finished(cell);
  const line = doc.split('\n').findIndex((l) => l.includes('kv.get(')) + 1;
  assert.match(err, new RegExp(`<step ${JS_STEP}>:${line}\\nconst entry = await kv\\.gett\\("theme"\\);\\n *\\^\\n\\nTypeError: kv\\.gett is not a function\\n`));
  assert.doesNotMatch(err, /blob:|vendor|js-worker/);
  assert.equal(await cell.locator('.jsout .stderr').count(), 1);
  await cell.locator('.js-reset').click();
  assert.equal(await box.inputValue(), doc);

  // A package the worker does not have is named, with the line that imports it.
  await box.fill('import { connect } from "nats";\nconsole.log("never");');
  await cell.locator('.js-run').click();
  assert.match(await finished(cell), /^<step 13>:1\nimport \{ connect \} from "nats";\n\nModuleNotFoundError: Cannot find package 'nats': a cell can import @nats-io\/nats-core, @nats-io\/jetstream, @nats-io\/kv, @nats-io\/transport-node\n$/);
  // A syntax error and a name a package lacks are shown at their lines too.
  await box.fill(doc.replace('const entry = await kv.get("theme");', 'const entry = await kv.get("theme"'));
  await cell.locator('.js-run').click();
  assert.match(await finished(cell), new RegExp(`^<step ${JS_STEP}>:${line}\\nconst entry = await kv\\.get\\("theme"\\n\\nSyntaxError: `));
  await box.fill(doc.replace('import { Kvm } from', 'import { Kvm, KeyValueStore } from'));
  await cell.locator('.js-run').click();
  assert.equal(await finished(cell), `<step ${JS_STEP}>:2\nimport { Kvm, KeyValueStore } from "@nats-io/kv";\n\nSyntaxError: The requested module '@nats-io/kv' does not provide an export named 'KeyValueStore'\n`);
  await page.screenshot({ path: path.join(shots, 'javascript-cell.png') });
  assert.deepEqual(errors, []);
});

test('a watcher prints what the terminal writes until Stop, which closes its connection; a busy loop is cut and stopped; no storage', async () => {
  const { page, errors } = await open(browser, server.url + `?lesson=python&step=${JS_STEP}`);
  await type(page, 'nats kv add PREFS');
  await page.locator('.term-out', { hasText: 'Information for Key-Value Store Bucket PREFS' }).waitFor();
  const watcher = page.locator('.jscell').nth(1);
  await watcher.locator('.js-run').click();
  await watcher.locator('.jsout', { hasText: 'watching theme' }).waitFor({ timeout: 30_000 });
  await page.locator('.conn-state', { hasText: '1 client connected' }).waitFor();
  await type(page, 'nats kv put PREFS theme blue');
  await watcher.locator('.jsout', { hasText: 'PUT theme = blue (revision 1)' }).waitFor();
  await type(page, 'nats kv del PREFS theme -f');
  await watcher.locator('.jsout', { hasText: 'DEL theme =  (revision 2)' }).waitFor();
  assert.ok(await watcher.locator('.js-stop').isEnabled(), 'a watcher keeps running');
  await watcher.locator('.js-stop').click();
  await watcher.locator('.js-stopped').waitFor();
  // Its connection is gone from the page's server.
  await page.locator('.conn-state', { hasText: 'client connected' }).waitFor({ state: 'detached' });
  assert.equal((await watcher.locator('.jsout').innerText()).trimEnd(), 'watching theme\nPUT theme = blue (revision 1)\nDEL theme =  (revision 2)\n(stopped)');

  // A program that never yields: its output is cut, the page stays responsive, and Stop ends it.
  const box = watcher.locator('textarea');
  await box.fill('for (let i = 0; ; i++) console.log(i);');
  await watcher.locator('.js-run').click();
  await watcher.locator('.jsout', { hasText: 'output cut: the program printed more than 190,000 characters' }).waitFor({ timeout: 30_000 });
  await type(page, 'nats kv get PREFS theme');
  await page.locator('.term-out', { hasText: 'nats: error: nats: key not found' }).waitFor();
  await watcher.locator('.js-stop').click();
  await watcher.locator('.js-stopped').waitFor();
  assert.ok((await watcher.locator('.jsout').innerText()).length < 200_000);

  // The program sees no storage and no page.
  await box.fill('console.log(typeof indexedDB, typeof caches, typeof localStorage, typeof document, typeof window);');
  await watcher.locator('.js-run').click();
  assert.equal(await finished(watcher), 'undefined undefined undefined undefined undefined\n');
  assert.deepEqual(errors, []);
});

test('a code embed runs its program when the host page asks, and answers with its output', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url + 'embed-example.html');
  const frame = page.frameLocator('#embed-js');
  await frame.locator('.jscell .js-run').waitFor();
  await page.locator('#run-js').click();
  await page.locator('#result-js', { hasText: 'ok' }).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#result-js').innerText(), 'ok\nrevision 1: received\nrevision 2: shipped\n');
  // The embed shows the output and the timeline, and the frame grew to hold them.
  await frame.locator('.jsout', { hasText: 'revision 2: shipped' }).waitFor();
  await frame.locator('svg.strip g.mark').nth(1).waitFor();
  await page.waitForFunction(() => parseFloat(document.getElementById('embed-js').style.height) > 200);
  await page.locator('#reset-js').click();
  await frame.locator('.jsout').waitFor({ state: 'detached' });
  // A bad address says what is wrong.
  await page.goto(server.url + 'index.html?embed=code&lang=javascript');
  assert.match(await page.locator('[role=alert]').innerText(), /program is missing: give code= or lesson=, step= and cell=/);
  assert.deepEqual(errors, []);
});

test('the As code tab runs its JavaScript against the page', async () => {
  const { page, errors } = await open(browser, server.url);
  await type(page, 'nats kv add demo');
  await type(page, 'nats kv put demo colour red');
  await page.locator('.term-out', { hasText: /^red$/m }).waitFor();
  await page.getByRole('tab', { name: 'As code' }).click();
  await page.getByRole('tab', { name: 'JavaScript' }).click();
  const run = page.locator('.code-run');
  await run.locator('.code-run-go').click();
  await run.locator('.code-run-stop[disabled]').waitFor({ timeout: 30_000 });
  const out = await run.locator('.code-run-out').innerText();
  console.log(`As code printed: ${JSON.stringify(out)}`);
  assert.equal(await run.locator('.code-run-out .stderr').count(), 0, out);
  // The program put the value again: a second revision, as the printed revision says.
  await type(page, 'nats kv get demo colour');
  await page.locator('.term-out', { hasText: 'demo > colour revision: 2' }).waitFor();
  assert.equal(out, '2\n');
  assert.deepEqual(errors, []);
});

test('the As code tab runs its Python too, with nats-py in the Python worker', async () => {
  const { page, errors } = await open(browser, server.url);
  await type(page, 'nats kv add demo');
  await type(page, 'nats kv put demo colour red');
  await page.locator('.term-out', { hasText: /^red$/m }).waitFor();
  await page.getByRole('tab', { name: 'As code' }).click();
  await page.getByRole('tab', { name: 'Python', exact: true }).click();
  const run = page.locator('.code-run');
  await run.locator('.code-run-go').click();
  await run.locator('.code-run-stop[disabled]').waitFor({ timeout: 120_000 });
  assert.equal(await run.locator('.code-run-out').innerText(), '2\n');
  await type(page, 'nats kv get demo colour');
  await page.locator('.term-out', { hasText: 'demo > colour revision: 2' }).waitFor();
  assert.deepEqual(errors, []);
});

test('with the page connected to a real server, a cell\'s program reaches that server, not the embedded one', async () => {
  const nats = await startNats();
  try {
    const { page, errors } = await open(browser, server.url + `?lesson=python&step=${JS_STEP}`);
    if (!(await page.locator('.server-bar').evaluate((d) => d.open))) await page.locator('.server-bar summary').click();
    await page.locator('.server-url').fill(nats.wsUrl);
    await page.locator('.server-url').dispatchEvent('change');
    await page.getByRole('button', { name: /^(Connect|Reconnect)$/ }).click();
    await page.locator('.conn-state', { hasText: 'Connected' }).waitFor({ timeout: 10_000 });
    const cell = page.locator('.jscell').first();
    await cell.locator('.js-run').click();
    assert.equal((await finished(cell)).trimEnd(), await documented(page));
    assert.deepEqual(await nats.buckets(), ['PREFS']);
    // The page's own server never saw it.
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.locator('.conn-state', { hasText: 'Embedded engine' }).waitFor();
    await type(page, 'nats kv ls');
    await page.locator('.term-out', { hasText: 'No Key-Value buckets found' }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await nats.stop();
  }
});

test('Embed offers the session as a nats.js cell for the page, and the embed it writes runs it', async () => {
  const { page, errors } = await open(browser, server.url);
  await type(page, 'nats kv add demo');
  await type(page, 'nats kv put demo colour red');
  await type(page, 'nats kv get demo colour');
  await page.locator('.term-out', { hasText: 'demo > colour revision: 1' }).waitFor();
  await page.getByRole('button', { name: 'Embed' }).click();
  await page.getByLabel(/as a JavaScript cell/).check();
  const snippet = await page.locator('textarea.embed-code').inputValue();
  const src = /<iframe src="([^"]+)"/.exec(snippet)[1].replaceAll('&amp;', '&');
  assert.match(src, /\?embed=code&lang=javascript&code=[A-Za-z0-9_-]+$/);
  // A fresh page, as a reader's: the program makes the bucket, puts the value (printing its revision, the one the
  // terminal's get showed) and gets it back.
  const reader = await browser.newPage();
  await reader.goto(src);
  await reader.locator('.js-run').click();
  // The embed's first screen is the lesson module; its Run hands over to the whole app, which runs the program.
  await reader.waitForFunction(() => window.kvplayParts.whole, null, { timeout: 30_000 });
  await reader.locator('.js-stop[disabled]').waitFor({ timeout: 30_000 });
  assert.equal(await reader.locator('.jsout').innerText(), '1\nred\n');
  assert.deepEqual(errors, []);
});
