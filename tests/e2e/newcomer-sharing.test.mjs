// Sharing and keeping work as a newcomer does it: a link reproduces clock moves and is copied with a notice,
// the address forgets the link once it is open, a damaged link starts empty, a reload keeps the clock and the
// transcript, Start over and a clashing Import ask first, and the exports record clock moves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const forward = (page, label) => page.getByRole('button', { name: `Fast-forward the clock ${label}` }).click();

test('a share link reproduces clock moves, is copied with a notice, and leaves the address once opened', async () => {
  const ctx = await browser.newContext();
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.replace(/\/$/, '') });
  const page = await ctx.newPage();
  await page.goto(server.url);
  await page.locator('#term-input').waitFor();
  await type(page, 'nats kv add sessions --ttl 30s');
  await type(page, 'nats kv put sessions alice token');
  await forward(page, '1m');
  await type(page, 'nats kv get sessions alice');
  assert.match(await terminalText(page), /nats: error: nats: key not found/);
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.locator('.share-link').inputValue();
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await page.locator('.copied', { hasText: 'Link copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  await page.close();

  // The recipient sees the value expired, as the sender did.
  const other = await ctx.newPage();
  await other.goto(link);
  await other.locator('#term-input').waitFor();
  assert.match(await terminalText(other), /opened a shared session: 3 commands replayed, and 1 clock move as the sender made them/);
  assert.match(await terminalText(other), /\$ sleep 1m\n/);
  await type(other, 'nats kv get sessions alice');
  assert.match(await terminalText(other), /key not found[\s\S]*\$ nats kv get sessions alice\nnats: error: nats: key not found/);
  assert.equal(new URL(other.url()).hash, '', 'the address dropped the share part');
  // The recipient's own work survives a reload: the link is not replayed over it.
  await type(other, 'nats kv put sessions bob mine');
  await other.waitForFunction(() => (localStorage.getItem('kvplay.state') || '').includes('bWluZQ'));
  await other.reload();
  await other.locator('.line.note', { hasText: 'restored your session' }).waitFor();
  await type(other, 'nats kv get sessions bob --raw');
  assert.match(await terminalText(other), /\nmine\n?/);
  await ctx.close();
});

test('a damaged link opens an empty playground with a clear message and runs nothing', async () => {
  const { page } = await open(browser, server.url);
  await type(page, 'nats kv add shared --history 3');
  await type(page, 'nats kv put shared greeting "hello there"');
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.locator('.share-link').inputValue();
  const i = link.indexOf('#share=') + 20;
  const damaged = link.slice(0, i) + (link[i] === 'A' ? 'B' : 'A') + link.slice(i + 1);
  const { page: p2, errors } = await open(browser, damaged);
  const t = await terminalText(p2);
  assert.match(t, /this share link could not be opened: this share link is damaged or cut short.*The playground starts empty\./);
  assert.doesNotMatch(t, /\$ nats/, 'nothing was replayed');
  await type(p2, 'nats kv ls');
  assert.match(await terminalText(p2), /No Key-Value buckets found/);
  assert.deepEqual(errors, []);
});

test('a reload keeps the clock\'s moves and the transcript, so TTLs and ages stay true', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(server.url);
  await page.locator('#term-input').waitFor();
  await type(page, 'nats kv add cache --ttl 90m');
  await type(page, 'nats kv put cache k still-here');
  await forward(page, '1h');
  await page.waitForFunction(() => (localStorage.getItem('kvplay.state') || '').includes('"clock_offset":36'));
  await page.reload();
  await page.locator('.line.note', { hasText: 'restored your session' }).waitFor();
  const t = await terminalText(page);
  assert.match(t, /\$ nats kv put cache k still-here\n/, 'the transcript came back');
  assert.match(t, /\(clock moved forward 1h\)/);
  // One more hour: 2 h after the put, past the bucket's 90 m. Without the kept offset it would still be there.
  await forward(page, '1h');
  await type(page, 'nats kv get cache k');
  assert.match(await terminalText(page), /\$ nats kv get cache k\nnats: error: nats: key not found/);
  await ctx.close();
});

test('Start over asks first, and Cancel keeps everything', async () => {
  const { page } = await open(browser, server.url);
  await type(page, 'nats kv add precious');
  await page.getByRole('button', { name: 'Start over' }).click();
  const ask = page.getByRole('alertdialog', { name: 'Start over?' });
  await ask.waitFor();
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await type(page, 'nats kv ls --names');
  assert.match(await terminalText(page), /\nprecious\n?/);
  await page.getByRole('button', { name: 'Start over' }).click();
  await page.getByRole('button', { name: 'Yes, wipe everything' }).click();
  await page.locator('.line.note', { hasText: 'started over' }).waitFor();
  await type(page, 'nats kv ls');
  assert.match(await terminalText(page), /No Key-Value buckets found/);
});

test('an import that holds a bucket of the same name asks before replacing it; others join the session', async () => {
  const { page } = await open(browser, server.url);
  await type(page, 'nats kv add same');
  await type(page, 'nats kv put same k from-file');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
  const file = path.join(shots, 'newcomer-export.json');
  await download.saveAs(file);
  await type(page, 'nats kv put same k changed-here');
  await type(page, 'nats kv add other');
  await page.locator('input[type=file]').setInputFiles(file);
  const ask = page.getByRole('alertdialog', { name: 'Replace buckets?' });
  await ask.waitFor();
  assert.match(await ask.innerText(), /holds the bucket same, which this session has too/);
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('.line.note', { hasText: 'import cancelled: nothing changed' }).waitFor();
  await type(page, 'nats kv get same k --raw');
  assert.match(await terminalText(page), /\nchanged-here\n?/);
  await page.locator('input[type=file]').setInputFiles(file);
  await page.getByRole('button', { name: 'Replace' }).click();
  await page.locator('.line.note', { hasText: 'imported 1 bucket' }).waitFor();
  await type(page, 'nats kv get same k --raw');
  assert.match(await terminalText(page), /get same k --raw\nfrom-file/);
  await type(page, 'nats kv ls --names');
  assert.match(await terminalText(page), /ls --names\nother\nsame/, 'the session\'s other bucket stayed');
});

test('the .sh and .py exports record clock moves and go on past a refused write', async () => {
  const { page } = await open(browser, server.url);
  await type(page, 'nats kv add ex --ttl 30s');
  await type(page, 'nats kv create ex lock one');
  await type(page, 'nats kv create ex lock two');
  await forward(page, '1m');
  await type(page, 'nats kv create ex lock three');
  const save = async (name) => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name, exact: true }).click()]);
    const f = path.join(shots, `newcomer-session.${name.slice(1)}`);
    await d.saveAs(f);
    return fs.readFileSync(f, 'utf8');
  };
  const sh = await save('.sh');
  assert.match(sh, /nats kv create ex lock two\nsleep 60  # the playground's clock moved forward\nnats kv create ex lock three\n/);
  assert.doesNotMatch(sh, /set -e/);
  const py = await save('.py');
  assert.match(py, /await asyncio\.sleep\(60\)/);
  assert.match(py, /try:  # nats kv create ex lock two\n(?:        .*\n)+    except Exception as e:\n        print\("error:", e\)\n    await asyncio\.sleep/);
  for (const [name, text] of [['.mjs', /try \{ \/\/ nats kv create ex lock two\n/], ['.rs', /\/\/ nats kv create ex lock two\n    if let Err\(err\) = async \{/], ['.go', /\/\/ nats kv create ex lock two\n\tif err := func\(\) error \{/]]) {
    assert.match(await save(name), text, name);
  }
});

test('a link made before links had a checksum (raw deflate) still opens, unpacked by the browser', async () => {
  const zlib = await import('node:zlib');
  const packed = zlib.deflateRawSync(Buffer.from('nats kv add old --history 2\nnats kv put old k v1\n'))
    .toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const { page, errors } = await open(browser, server.url + '#share=' + packed);
  await page.locator('.line.note', { hasText: 'opened a shared session: 2 commands replayed' }).waitFor();
  await type(page, 'nats kv get old k --raw');
  assert.match(await terminalText(page), /\nv1\n?/);
  assert.deepEqual(errors, []);
});
