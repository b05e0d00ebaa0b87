// The mdBook integration as a docs author and a reader meet it: the example book (examples/book) is built with
// a real mdbook and the mdbook-kvplay preprocessor (which checks its nats blocks while building), served from its
// own origin, and opened in Chromium, where its blocks are live embeds that run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, root } from './harness.mjs';

let server, browser, book, out, buildLog;
before(async () => {
  server = await serve();
  browser = await launch();
  const target = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
  execFileSync('cargo', ['build', '--quiet', '--locked', '--bin', 'mdbook-kvplay'], { cwd: root, stdio: 'inherit' });
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'kvplay-book-'));
  // The build runs every block: nats blocks with the lesson runner, Python with nats-py, JavaScript with nats.js.
  const built = spawnSync('mdbook', ['build', path.join(root, 'examples/book'), '--dest-dir', out], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${path.join(target, 'debug')}:${process.env.PATH}`,
      // The embeds point at the playground this test serves.
      MDBOOK_PREPROCESSOR__KVPLAY__PLAYGROUND: server.url,
      KVPLAY_PYTHON: path.join(root, '.tools/venv/bin/python'),
      KVPLAY_NODE: process.execPath,
      KVPLAY_NODE_MODULES: path.join(root, '.tools/npm/node_modules'),
    },
  });
  buildLog = `${built.stdout}${built.stderr}`;
  assert.equal(built.status, 0, buildLog);
  book = await serve(out);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await book?.close();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

test('the book build ran its Python and JavaScript blocks (nothing was embedded without running)', () => {
  assert.doesNotMatch(buildLog, /embedded without running/);
  assert.doesNotMatch(buildLog, /does not do what the book shows/);
});

test('a book built with mdbook-kvplay has live embeds for its playground blocks, which run', { timeout: 90_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(book.url + 'revisions.html');
  const elements = page.locator('nats-kv-playground');
  assert.equal(await elements.count(), 3);
  assert.deepEqual(await elements.evaluateAll((els) => els.map((e) => e.getAttribute('language') || 'nats')), ['nats', 'python', 'javascript']);
  // The nats block: its commands (not the output the book shows), Run, and the output.
  const first = elements.nth(0);
  await first.scrollIntoViewIfNeeded();
  const frame = page.frameLocator('nats-kv-playground >> nth=0 >> iframe');
  await frame.getByRole('button', { name: 'Run' }).click();
  const output = frame.locator('.snippet-out');
  await output.filter({ hasText: '$ nats kv get demo greeting --raw' }).waitFor();
  assert.match(await output.innerText(), /\$ nats kv get demo greeting --raw\nhello again\n/);
  assert.doesNotMatch(await frame.locator('pre.cmdline').innerText(), /^hello again$/m, 'the expected output is not a command');
  // The JavaScript block runs in the reader's browser against the embed's server.
  await elements.nth(2).scrollIntoViewIfNeeded();
  const js = page.frameLocator('nats-kv-playground >> nth=2 >> iframe');
  await js.locator('.js-run').click();
  await js.locator('.jsout', { hasText: '1' }).waitFor({ timeout: 60_000 });
  assert.equal(await js.locator('.jsout').innerText(), '1\n');
  assert.deepEqual(errors, []);
  await page.close();
});
