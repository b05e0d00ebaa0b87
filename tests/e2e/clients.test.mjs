// The official JavaScript client (@nats-io/kv over nats-core's wsconnect, bundled into the build) connects to
// the page's own NATS server through a stand-in WebSocket, unchanged but for its wsFactory. What it writes
// shows in the terminal, the explorer and the timeline, because it is the same engine; what the terminal writes
// reaches the client's watcher. A page that never runs a client fetches none of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';

let web, browser;
before(async () => { web = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await web?.close(); });

/** Loads nats.js and the playground's socket factory in the page, as `globalThis.nats` and `.wsFactory`. */
async function loadClient(page) {
  await page.evaluate(async () => {
    globalThis.nats = await import('/vendor/nats.js');
    globalThis.wsFactory = (await import('/kvplay-link.js')).wsFactory;
  });
}

/** Runs an async function in the page (evaluated by the browser's debugger, so the page's CSP does not stop
 * it) with nats.js loaded. */
async function withClient(page, fn) {
  await loadClient(page);
  return page.evaluate(fn);
}

test('nats.js runs against the in-page server and the views show what it does', async () => {
  const { page, errors } = await open(browser, web.url, { viewport: { width: 1280, height: 900 } });
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.waitForTimeout(300);
  assert.ok(!requests.some((p) => p.startsWith('/vendor/')), 'nothing of the client is fetched before it is used');

  const out = await withClient(page, async () => {
    const { wsconnect, Kvm } = globalThis.nats;
    const wsFactory = globalThis.wsFactory;
    const nc = await wsconnect({ servers: 'ws://localhost:8080', wsFactory });
    const kvm = new Kvm(nc);
    const kv = await kvm.create('jsdemo', { history: 3 });
    const lines = [];
    lines.push(`put ${await kv.put('greeting', 'hello')}`);
    lines.push(`put ${await kv.put('greeting', 'hello again')}`);
    const e = await kv.get('greeting');
    lines.push(`get ${e.string()} ${e.revision}`);
    try { await kv.create('greeting', 'x'); } catch (err) { lines.push(`create ${err.message}`); }
    const hist = [];
    for await (const h of await kv.history({ key: 'greeting' })) hist.push(`${h.revision}:${h.string()}`);
    lines.push(`history ${hist.join(' ')}`);
    // A watcher that stays open: the terminal's write must reach it.
    const w = await kv.watch({ key: 'greeting', include: 'updates' });
    globalThis.__seen = [];
    (async () => { for await (const x of w) globalThis.__seen.push(`${x.operation} ${x.revision} ${x.string()}`); })();
    // A plain subscription to the bucket's subjects: the terminal publishes to the same server.
    const sub = nc.subscribe('$KV.jsdemo.>');
    globalThis.__core = [];
    (async () => { for await (const m of sub) globalThis.__core.push(`${m.subject} ${m.string()}`); })();
    await nc.flush();
    globalThis.__nc = nc;
    return lines;
  });
  assert.deepEqual(out, [
    'put 1', 'put 2', 'get hello again 2', 'create wrong last sequence: 2', 'history 1:hello 2:hello again',
  ]);
  assert.ok(requests.includes('/vendor/nats.js'), 'the client was loaded on first use');

  // The page says a client is connected to its server.
  await page.locator('.conn-state', { hasText: '1 client connected' }).waitFor({ timeout: 5_000 });
  // The terminal sees the client's bucket and writes.
  await type(page, 'nats kv get jsdemo greeting');
  await page.locator('.term-out', { hasText: 'hello again' }).waitFor();
  assert.match(await terminalText(page), /jsdemo > greeting revision: 2/);
  // ... and the client's watcher hears the terminal's write.
  await type(page, 'nats kv put jsdemo greeting from-the-terminal');
  await page.waitForFunction(() => (globalThis.__seen || []).length > 0, null, { timeout: 5_000 });
  assert.deepEqual(await page.evaluate(() => globalThis.__seen), ['PUT 3 from-the-terminal']);
  // ... and so does a plain subscription: the terminal is a client of the same server.
  await page.waitForFunction(() => (globalThis.__core || []).length > 0, null, { timeout: 5_000 });
  assert.deepEqual(await page.evaluate(() => globalThis.__core), ['$KV.jsdemo.greeting from-the-terminal']);

  // The explorer and the timeline show the revisions the client wrote.
  await page.getByRole('tab', { name: 'Buckets' }).click();
  await page.locator('.explorer .bucket h3', { hasText: 'jsdemo' }).waitFor();
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.locator('svg.strip g.mark').first().waitFor();
  assert.deepEqual(
    await page.locator('svg.strip g.mark').evaluateAll((els) => els.map((e) => [e.dataset.seq, e.dataset.kind])),
    [['1', 'PUT'], ['2', 'PUT'], ['3', 'PUT']],
  );
  // A write from the client while the timeline is open redraws it.
  await withClient(page, async () => {
    const kv = await new globalThis.nats.Kvm(globalThis.__nc).open('jsdemo');
    await kv.delete('greeting');
  });
  await page.locator('svg.strip g.mark[data-seq="4"]').waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('svg.strip g.mark[data-seq="4"]').getAttribute('data-kind'), 'DEL');
  await page.screenshot({ path: path.join(shots, 'nats-js-in-page.png') });

  // The client closes: nothing is left behind but what it stored.
  await withClient(page, async () => { await globalThis.__nc.close(); });
  assert.deepEqual(errors, []);
});

test('many clients at once, and bad bytes close only their own link', async () => {
  const { page, errors } = await open(browser, web.url);
  const result = await withClient(page, async () => {
    const { nats, wsFactory } = globalThis;
    const conns = await Promise.all([...Array(20)].map(() => nats.wsconnect({ servers: 'ws://localhost:8080', wsFactory })));
    const kv = await new nats.Kvm(conns[0]).create('many');
    await Promise.all(conns.map(async (nc, i) => {
      const b = await new nats.Kvm(nc).open('many');
      await b.put(`k${i}`, `${i}`);
    }));
    // A raw link that sends garbage is closed by the server; the others carry on.
    const closed = await new Promise((resolve) => {
      const link = globalThis.wasmBindings.kvplay_connect(() => {}, () => resolve(true));
      link.send(new TextEncoder().encode('NOT NATS\r\n'));
      setTimeout(() => resolve(false), 2000);
    });
    const keys = [];
    for await (const k of await kv.keys()) keys.push(k);
    await Promise.all(conns.map((c) => c.close()));
    return { closed, keys: keys.length };
  });
  assert.deepEqual(result, { closed: true, keys: 20 });
  assert.deepEqual(errors, []);
});
