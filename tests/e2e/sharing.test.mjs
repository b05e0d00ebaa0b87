// Embeds, share links, export and import, and persistence, as documentation pages, workshop attendees and
// returning learners meet them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('an example docs page with two embeds, driven through postMessage', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url + 'embed-example.html');
  const history = page.frameLocator('#embed-history');
  const lock = page.frameLocator('#embed-lock');
  await history.getByRole('button', { name: 'Run' }).click();
  await history.locator('.snippet-out').waitFor();
  assert.match(await history.locator('.snippet-out').innerText(), /│ app\.timeout │\s+2 │ PUT │/);
  await history.locator('svg.strip g.mark').first().waitFor();
  // Each embed has its own engine: the lock example has no config bucket.
  await lock.getByRole('button', { name: 'Run' }).click();
  assert.match(await lock.locator('.snippet-out').innerText(), /wrong last sequence: 1: key exists/);
  await page.locator('#command').fill('nats kv ls --names');
  await page.locator('#run').click();
  await page.waitForFunction(() => document.getElementById('result').textContent.length > 0);
  assert.equal((await page.locator('#result').innerText()).trim(), 'locks');
  // The embeds report their height and the host resizes them.
  const h = await page.locator('#embed-history').evaluate((f) => parseInt(f.style.height, 10));
  assert.ok(h > 200, `height ${h}`);
  await page.locator('#reset').click();
  await page.locator('#command').fill('nats kv ls');
  await page.locator('#run').click();
  await page.waitForFunction(() => document.getElementById('result').textContent.includes('No Key-Value buckets found'));
  await page.screenshot({ path: path.join(shots, 'embed-example.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a share link reproduces the session; a damaged one starts empty with a clear message', async () => {
  const { page } = await open(browser, server.url);
  await type(page, 'nats kv add shared --history 3');
  await type(page, 'nats kv put shared greeting "hello there"');
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.locator('.share-link').inputValue();
  assert.match(link, /#share=z\.[A-Za-z0-9_-]+$/);
  const other = (await open(browser, link)).page;
  assert.match(await terminalText(other), /opened a shared session: 2 commands replayed/);
  await type(other, 'nats kv get shared greeting --raw');
  assert.match(await terminalText(other), /hello there/);
  const damaged = (await open(browser, link.slice(0, link.length - 12))).page;
  assert.match(await terminalText(damaged), /this share link could not be opened: .*The playground starts empty\./);
  await type(damaged, 'nats kv ls');
  assert.match(await terminalText(damaged), /No Key-Value buckets found/);
});

test('export then import gives the same state; a bad file changes nothing', async () => {
  const { page } = await open(browser, server.url);
  await type(page, 'nats kv add ex --history 2');
  await type(page, 'nats kv put ex a 1');
  await type(page, 'nats kv put ex a 2');
  await type(page, 'nats kv del -f ex b');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
  const file = path.join(shots, 'export.json');
  await download.saveAs(file);
  const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(exported.format, 'nats-kv-playground/v1');
  assert.deepEqual(exported.buckets[0].revisions.map((r) => [r.revision, r.key, r.operation]), [[1, 'a', 'PUT'], [2, 'a', 'PUT'], [3, 'b', 'DEL']]);
  const fresh = (await open(browser, server.url)).page;
  await fresh.locator('input[type=file]').setInputFiles(file);
  await fresh.locator('.line.note', { hasText: 'imported 1 bucket' }).waitFor();
  await type(fresh, 'nats kv history ex a');
  const t = await terminalText(fresh);
  assert.match(t, /│ a\s+│\s+1 │ PUT/);
  assert.match(t, /│ a\s+│\s+2 │ PUT/);
  await type(fresh, 'nats kv put ex c 3');
  await type(fresh, 'nats kv get ex c');
  assert.match(await terminalText(fresh), /ex > c revision: 4 created/);
  const bad = path.join(shots, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ ...exported, buckets: [{ ...exported.buckets[0], revisions: [exported.buckets[0].revisions[1], exported.buckets[0].revisions[0]] }] }));
  await fresh.locator('input[type=file]').setInputFiles(bad);
  await fresh.locator('.line.note', { hasText: 'refused, nothing changed' }).waitFor();
  await type(fresh, 'nats kv get ex c --raw');
  assert.match(await terminalText(fresh), /\n3$/m);
});

test('a reload keeps the session; damaged storage is reported and set aside', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(server.url);
  await page.locator('#term-input').waitFor();
  await type(page, 'nats kv add keep');
  await type(page, 'nats kv put keep k survives');
  await page.waitForFunction(() => (localStorage.getItem('kvplay.state') || '').includes('c3Vydml2ZXM'));
  await page.reload();
  await page.locator('.line.note', { hasText: 'restored your session' }).waitFor();
  await type(page, 'nats kv get keep k --raw');
  assert.match(await terminalText(page), /survives/);
  await page.locator('#term-input').press('ArrowUp');
  assert.equal(await page.locator('#term-input').inputValue(), 'nats kv get keep k --raw');
  // Storage damaged while the page is away (the page keeps its session as it goes, so the damage is done
  // before the next one starts).
  await page.evaluate(() => sessionStorage.setItem('damage', '1'));
  await ctx.addInitScript(() => {
    if (sessionStorage.getItem('damage') === '1') {
      sessionStorage.removeItem('damage');
      localStorage.setItem('kvplay.state', '{"format":"nats-kv-playground-state/v1","export":');
    }
  });
  await page.reload();
  await page.locator('.line.note', { hasText: 'could not be restored' }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('kvplay.state.unreadable')), '{"format":"nats-kv-playground-state/v1","export":');
  await type(page, 'nats kv ls');
  assert.match(await terminalText(page), /No Key-Value buckets found/);
  await ctx.close();
});

test('workshop mode: a lesson opens from its address, and a missing one is explained', async () => {
  const { page } = await open(browser, server.url + '?lesson=' + encodeURIComponent(server.url + 'fixtures/workshop.md'));
  await page.locator('.lesson h2', { hasText: 'Workshop: inventory' }).waitFor();
  await page.getByRole('button', { name: 'Make the bucket' }).click();
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.locator('.verdict.pending').waitFor();
  await type(page, 'nats kv add stock --history 2');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.locator('.verdict.pass', { hasText: 'every check passes' }).waitFor();
  const missing = (await open(browser, server.url + '?lesson=' + encodeURIComponent(server.url + 'fixtures/none.md'))).page;
  await missing.locator('.line.note', { hasText: 'could not load the lesson' }).waitFor();
});

// Issue 24, learners 4: a share link keeps what the transcript shows (Ctrl-C, answers, clock moves), and the
// recipient's own work survives a reload made right after a command.
test('a share link keeps Ctrl-C and the answers; after opening it, a reload right after a command keeps it', async () => {
  const { page } = await open(browser, server.url);
  await type(page, 'nats kv add talk');
  await type(page, 'nats kv put talk k v1');
  await type(page, 'nats kv watch talk');
  await page.locator('#term-input').press('Control+c');
  await page.locator('.line.note', { hasText: 'stopped 1 watch' }).waitFor();
  await type(page, 'nats kv del talk k');
  await type(page, 'n');
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.locator('.share-link').inputValue();
  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await other.goto(link);
  await other.locator('.line.note', { hasText: 'opened a shared session: 4 commands replayed' }).waitFor();
  const replayed = await terminalText(other);
  assert.match(replayed, /\$ \^C/);
  assert.match(replayed, /Delete key talk > k\? No/);
  // The watch the sender stopped stays stopped: a write prints nothing but its own line.
  await type(other, 'nats kv put talk k2 v2');
  await type(other, 'nats kv get talk k --raw');
  assert.match(await terminalText(other), /\$ nats kv get talk k --raw\nv1\n/);
  assert.doesNotMatch(await terminalText(other), /PUT talk > k2/);
  // The recipient's own command, then a reload at once: it is kept.
  await type(other, 'nats kv put talk mine kept-on-reload');
  await other.reload();
  await other.locator('.line.note', { hasText: 'restored your session' }).waitFor();
  await type(other, 'nats kv get talk mine --raw');
  assert.match(await terminalText(other), /\$ nats kv get talk mine --raw\nkept-on-reload\n/);
  await ctx.close();
});
