// The rest of what a newcomer and a docs author meet: the Embed button's snippet, embeds without storage, the
// host's Reset, no 404s, markers in the explorer, the timeline's hover and labels, the keyboard, and the first
// screen on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

/** Makes local storage unavailable, as a file:// host or blocked third-party storage does. */
const noStorage = () => {
  Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });
};

test('Embed makes a ready-to-paste snippet with its options, and the snippet works in a page', async () => {
  const { page } = await open(browser, server.url, { viewport: { width: 1280, height: 900 } });
  await type(page, 'nats kv add docs --history 3');
  await type(page, 'nats kv put docs k v1');
  await type(page, 'nats kv put docs k v2');
  await page.getByRole('button', { name: 'Embed' }).click();
  const code = page.locator('.embed-code');
  assert.match(await code.inputValue(), /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed=snippet&amp;cmds=z\.[A-Za-z0-9_-]+" title="NATS KV example" loading="lazy" style="width: 100%; height: 320px;[^"]*"><\/iframe>\n<script src="http:\/\/127\.0\.0\.1:\d+\/embed-host\.js"><\/script>$/);
  await page.getByLabel('show the timeline under the output').check();
  await page.getByLabel('Theme').selectOption('dark');
  assert.match(await code.inputValue(), /&amp;timeline=1&amp;theme=dark"/);
  await page.screenshot({ path: path.join(shots, 'newcomer-embed-panel.png') });
  // A docs page made of exactly the pasted code, opened from a file: the frame runs and sizes itself.
  const html = `<!DOCTYPE html><title>docs</title><p>Before</p>${await code.inputValue()}<p>After</p>`;
  const file = path.join(os.tmpdir(), `kvplay-embed-${process.pid}.html`);
  fs.writeFileSync(file, html);
  const host = await browser.newPage({ viewport: { width: 900, height: 900 } });
  const errors = [];
  host.on('pageerror', (e) => errors.push(String(e)));
  await host.goto('file://' + file);
  const frame = host.frameLocator('iframe');
  await frame.getByRole('button', { name: 'Run' }).click();
  assert.match(await frame.locator('.snippet-out').innerText(), /\$ nats kv put docs k v2\nv2/);
  await frame.locator('svg.strip g.mark').first().waitFor();
  await host.waitForFunction(() => parseInt(document.querySelector('iframe').style.height, 10) > 320);
  fs.unlinkSync(file);
  assert.deepEqual(errors, []);
  // Without the script the frame keeps its height and scrolls instead of clipping.
  const bare = await browser.newPage({ viewport: { width: 900, height: 900 } });
  await bare.setContent(`<iframe src="${server.url}?embed=lesson&lesson=cli&step=3" style="width:100%;height:200px"></iframe>`);
  const f = bare.frameLocator('iframe');
  await f.getByRole('button', { name: 'Run step' }).waitFor();
  const scrolls = await bare.frames()[1].evaluate(() => document.scrollingElement.scrollHeight > document.scrollingElement.clientHeight && getComputedStyle(document.body).overflow !== 'hidden');
  assert.ok(scrolls, 'the embed scrolls inside a short frame');
});

test('an embed works without storage: no error, and Run step runs', async () => {
  const ctx = await browser.newContext();
  await ctx.addInitScript(noStorage);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(server.url + '?embed=lesson&lesson=cli&step=3');
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  await page.locator('.verdict.pass', { hasText: 'Matches the document' }).waitFor();
  assert.match(await terminalText(page), /\$ nats kv add lesson --history 5/);
  // The full page too: it keeps nothing, and says nothing is wrong.
  await page.goto(server.url);
  await page.locator('#term-input').waitFor();
  await type(page, 'nats kv add nostore');
  await page.getByRole('button', { name: 'Key-Value with the nats CLI' }).click();
  await page.getByRole('button', { name: 'Run all' }).click();
  await page.locator('.progress', { hasText: '11 of 12 steps done' }).waitFor();
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the example docs page: Reset clears the embed\'s output, and nothing is missing (no 404)', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
  const missing = [];
  page.on('response', (r) => { if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error') missing.push(m.text()); });
  await page.goto(server.url + 'embed-example.html');
  const lock = page.frameLocator('#embed-lock');
  await lock.getByRole('button', { name: 'Run' }).click();
  await lock.locator('.snippet-out').waitFor();
  await page.locator('#command').fill('nats kv ls --names');
  await page.locator('#run').click();
  await lock.locator('.snippet-out', { hasText: '$ nats kv ls --names' }).waitFor();
  await page.locator('#reset').click();
  await lock.locator('.snippet-out').waitFor({ state: 'detached' });
  assert.match(await page.locator('body').innerText(), /What the address of the frame can say/);
  await page.waitForTimeout(0);
  assert.deepEqual(missing, []);
});

test('the Buckets tab shows deleted and purged keys with their markers, apart from live keys', async () => {
  const { page } = await open(browser, server.url, { viewport: { width: 1280, height: 900 } });
  for (const l of ['nats kv add m --history 3', 'nats kv put m live 1', 'nats kv put m gone 2', 'nats kv del -f m gone', 'nats kv put m wiped 3', 'nats kv purge -f m wiped']) {
    await type(page, l);
  }
  await page.getByRole('tab', { name: 'Buckets' }).click();
  const rows = page.locator('.bucket table.keys tbody tr');
  await rows.first().waitFor();
  const seen = await rows.evaluateAll((trs) => trs.map((tr) => [tr.className.trim(), tr.innerText.split('\t')[0].trim()]));
  assert.deepEqual(seen.map(([c, k]) => [c.replace(/\s+selected/, ''), k]), [['', 'live'], ['marker del', 'gone'], ['marker purge', 'wiped']]);
  assert.match(await page.locator('tr.marker.del').innerText(), /DEL marker: deleted/);
  assert.match(await page.locator('tr.marker.purge').innerText(), /PURGE marker: purged/);
  await page.locator('tr.marker.del .keylink').click();
  assert.match(await page.locator('.detail').innerText(), /rev 3\s+DELETE/);
  await page.locator('.explorer').screenshot({ path: path.join(shots, 'newcomer-explorer-markers.png') });
});

test('hovering a revision in the timeline updates the readout; short labels are explained on screen', async () => {
  const { page } = await open(browser, server.url, { viewport: { width: 1280, height: 900 } });
  await type(page, 'nats kv add tl --history 3');
  await type(page, 'nats kv put tl a 1');
  await type(page, 'nats kv put tl a 2');
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const readout = page.locator('.focused');
  assert.match(await readout.innerText(), /Focus or hover a revision/);
  await page.locator('svg.strip g.mark[data-seq="1"] .dot').hover();
  await page.waitForFunction(() => /revision 1/i.test(document.querySelector('.focused').textContent));
  await page.locator('svg.strip g.mark[data-seq="2"] .dot').hover();
  await page.waitForFunction(() => /revision 2/i.test(document.querySelector('.focused').textContent));
  assert.match(await page.locator('.lane-key-help').innerText(), /kept\/limit \(1\/3: one revision kept of the three/);
  await page.getByRole('tab', { name: 'Watchers' }).click();
  assert.match(await page.locator('.form-hint').innerText(), /> is every key/);
});

test('Tab on an empty command line moves the focus on; Up then Down gives back the half-typed line', async () => {
  const { page } = await open(browser, server.url, { viewport: { width: 1280, height: 900 } });
  await type(page, 'nats kv add keys');
  const input = page.locator('#term-input');
  await input.focus();
  await page.keyboard.press('Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement.id), 'term-input', 'Tab left the empty line');
  await input.focus();
  await page.keyboard.press('Shift+Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement.id), 'term-input', 'Shift+Tab left too');
  // With something to complete, Tab completes and stays.
  await input.fill('nats kv inf');
  await input.press('Tab');
  assert.equal(await input.inputValue(), 'nats kv info ');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'term-input');
  // The side tabs and the lesson list are reachable by keyboard from the command line.
  await input.fill('');
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.getAttribute('role') === 'tab')) break;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'tab');
  await input.fill('nats kv put keys half');
  await input.press('ArrowUp');
  assert.equal(await input.inputValue(), 'nats kv add keys');
  await input.press('ArrowDown');
  assert.equal(await input.inputValue(), 'nats kv put keys half');
});

test('at 375 px the command line and the lesson tabs are on the first screen; the welcome wraps and starts with nats kv add', async () => {
  const { page, errors } = await open(browser, server.url, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  const box = await page.locator('#term-input').boundingBox();
  assert.ok(box.y + box.height <= 740, `command line at ${box.y}`);
  const header = await page.locator('header.top').boundingBox();
  assert.ok(header.height < 160, `header ${header.height} px (it was about 270)`);
  const welcome = page.locator('.line.note').first();
  assert.match(await welcome.innerText(), /^Welcome\./);
  const overflow = await page.locator('.term-out .line.note').evaluateAll((els) => els.some((e) => e.scrollWidth > e.clientWidth + 1));
  assert.equal(overflow, false, 'the welcome wraps to the pane');
  const t = await terminalText(page);
  assert.ok(t.indexOf('nats kv add') >= 0 && (t.indexOf('account info') < 0 || t.indexOf('nats kv add') < t.indexOf('account info')), 'leads with nats kv add');
  assert.ok((await page.getByRole('tab', { name: 'Lesson' }).boundingBox()).y < 740 * 1.6, 'the lesson tabs are close');
  await page.screenshot({ path: path.join(shots, 'newcomer-phone.png') });
  assert.deepEqual(errors, []);
});
