// The page against a real nats-server over WebSocket: connect from the server bar, run commands (watches
// included) and both lessons there, see the server's buckets in the explorer, clear errors for a wrong port and a
// wrong password, reconnection after the server restarts, and the way back to the embedded engine with its state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';
import { startNats } from './nats.mjs';

let web, browser;
before(async () => { web = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await web?.close(); });

/** Opens the page, connects to `url` with optional credentials, and waits for the given state. */
async function connect(page, url, { user, pass, want = 'Connected' } = {}) {
  if (!(await page.locator('.server-bar').evaluate((d) => d.open))) await page.locator('.server-bar summary').click();
  await page.locator('.server-url').fill(url);
  await page.locator('.server-url').dispatchEvent('change');
  if (user) {
    await page.locator('.server-form select').selectOption('user');
    await page.getByLabel('User', { exact: true }).fill(user);
    await page.getByLabel('User', { exact: true }).dispatchEvent('change');
    await page.getByLabel('Password', { exact: true }).fill(pass);
    await page.getByLabel('Password', { exact: true }).dispatchEvent('change');
  }
  await page.getByRole('button', { name: /^(Connect|Reconnect)$/ }).click();
  await page.locator('.conn-state', { hasText: want }).waitFor({ timeout: 10_000 });
}

/** Types a line and waits until the terminal's text (as shown, line by line) matches `until`. */
async function run(page, line, until) {
  const before = (await terminalText(page)).length;
  await type(page, line);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = (await terminalText(page)).slice(before);
    if (until.test(text)) return text;
    if (Date.now() > deadline) assert.fail(`after "${line}" the terminal never showed ${until}:\n${text}`);
    await page.waitForTimeout(50);
  }
}

test('commands and watches run on the server, the explorer shows its buckets, and Disconnect brings the embedded engine back as it was', async () => {
  const nats = await startNats();
  try {
    const { page, errors } = await open(browser, web.url, { viewport: { width: 1280, height: 900 } });
    assert.match(await page.locator('.conn-state').innerText(), /Embedded engine/);
    // Something in the embedded engine first, to find it again afterwards.
    await type(page, 'nats kv add local-only');
    await connect(page, nats.wsUrl);
    assert.match(await page.locator('.conn-state').innerText(), /Connected: nats-server 2\.\d+\.\d+/);
    await run(page, 'nats account info', /Connected URL: ws:\/\/127\.0\.0\.1/);
    // The embedded bucket's report above names the embedded server as its leader; account info must not.
    const accountInfo = (await terminalText(page)).split('$ nats account info').pop();
    assert.doesNotMatch(accountInfo, /NPLAYGROUND/, 'account info comes from the real server');
    await run(page, 'nats kv ls', /No Key-Value buckets found/);
    await run(page, 'nats kv add demo --history 3', /Bucket Name: demo/);
    await run(page, 'nats kv put demo greeting hello', /^hello$/m);
    await run(page, 'nats kv watch demo', /PUT demo > greeting: hello/);
    await run(page, 'nats kv put demo greeting bonjour', /PUT demo > greeting: bonjour/);
    // A write from another client reaches the running watch.
    await nats.put('demo', 'other', 'from-python');
    await page.locator('.term-out', { hasText: 'PUT demo > other: from-python' }).waitFor({ timeout: 10_000 });
    await page.locator('#term-input').press('Control+c');
    await page.locator('.term-out', { hasText: '(stopped 1 watch)' }).waitFor();
    await run(page, 'nats kv update demo greeting hi 1', /wrong last sequence: 2/);
    await run(page, 'nats kv history demo greeting', /History for demo > greeting/);
    await type(page, 'nats kv del demo greeting');
    await page.locator('.prompt', { hasText: 'Delete key demo > greeting?' }).waitFor();
    await run(page, 'y', /\? Delete key demo > greeting\? Yes/);
    await run(page, 'nats kv get demo greeting', /nats: error: nats: key not found/);
    // The explorer and the timeline show the server's bucket.
    await page.getByRole('tab', { name: 'Buckets' }).click();
    await page.locator('.explorer', { hasText: 'other' }).waitFor();
    assert.match(await page.locator('.explorer').innerText(), /The buckets on ws:\/\/127\.0\.0\.1:\d+, as read after the last command/);
    assert.doesNotMatch(await page.locator('.explorer').innerText(), /local-only/);
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.locator('.timeline svg').waitFor();
    await page.screenshot({ path: path.join(shots, 'server-connected.png') });
    // A Watchers pane on the server: its history, then a write from another client.
    await page.getByRole('tab', { name: 'Watchers' }).click();
    await page.getByRole('button', { name: 'Add watcher' }).click();
    const pane = page.locator('.pane', { hasText: 'demo >' });
    await pane.locator('.initial-done').waitFor({ timeout: 10_000 });
    assert.match(await pane.innerText(), /PUT demo > other: from-python/);
    await nats.put('demo', 'late', 'news');
    await pane.locator('li', { hasText: 'PUT demo > late: news' }).waitFor({ timeout: 10_000 });
    await pane.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.pane').waitFor({ state: 'detached' });
    // Back to the embedded engine: its bucket is still there, the server's is not.
    await page.getByRole('button', { name: /Disconnect/ }).click();
    await page.locator('.conn-state', { hasText: 'Embedded engine' }).waitFor();
    await run(page, 'nats kv ls', /local-only/);
    assert.doesNotMatch((await terminalText(page)).split('(disconnected')[1], /\bdemo\b/);
    assert.deepEqual(errors, []);
  } finally {
    await nats.stop();
  }
});

for (const [name, title] of [['cli', 'Key-Value with the nats CLI'], ['python', 'Key-Value from Python']]) {
  test(`the ${name} lesson passes every step against the server`, async () => {
    const nats = await startNats();
    try {
      const { page, errors } = await open(browser, web.url, { viewport: { width: 1280, height: 900 } });
      await connect(page, nats.wsUrl);
      await page.getByRole('button', { name: title }).click();
      await page.getByRole('button', { name: 'Run all' }).click();
      const steps = page.locator('.steps .step');
      const n = await steps.count();
      // The cli lesson's exercise, solved by Run all, is "solved for you", not progress.
      const solved = name === 'cli' ? 1 : 0;
      await page.locator('.progress', { hasText: `${n - solved} of ${n} steps done` }).waitFor({ timeout: 60_000 });
      const classes = await steps.evaluateAll((els) => els.map((e) => e.className));
      for (const [i, c] of classes.entries()) assert.match(c, /\b(pass|shown|solved)\b/, `step ${i + 1} is ${c}`);
      assert.equal(classes.filter((c) => /\bsolved\b/.test(c)).length, solved);
      // The lesson ran on the real server, not on the embedded engine.
      assert.doesNotMatch(await terminalText(page), /NPLAYGROUND/);
      if (name === 'python') assert.ok((await nats.buckets()).includes('CONFIG'), 'the lesson\'s bucket is on the server');
      await page.screenshot({ path: path.join(shots, `server-lesson-${name}.png`) });
      assert.deepEqual(errors, []);
    } finally {
      await nats.stop();
    }
  });
}

test('on a server too, commands the learner types count towards the lesson step, an exercise included', async () => {
  const nats = await startNats();
  try {
    const { page, errors } = await open(browser, web.url, { viewport: { width: 1280, height: 900 } });
    await connect(page, nats.wsUrl);
    await page.getByRole('button', { name: 'Key-Value with the nats CLI' }).click();
    await page.locator('.steps button', { hasText: 'Create a bucket' }).click();
    await type(page, 'nats kv add lesson --history 5');
    await page.locator('.line.note', { hasText: 'step 3 "Create a bucket" done, with what you typed' }).waitFor();
    await page.locator('.steps button', { hasText: 'Your turn' }).click();
    await type(page, 'nats kv add inventory --history 3');
    await type(page, 'nats kv put inventory apples 12');
    await page.locator('.line.note', { hasText: 'step 11 "Your turn" done' }).waitFor();
    assert.equal(await page.locator('.progress').innerText(), '2 of 12 steps done');
    assert.ok((await nats.buckets()).includes('inventory'), 'the learner\'s bucket is on the server');
    assert.deepEqual(errors, []);
  } finally {
    await nats.stop();
  }
});

test('a wrong port and a wrong password give clear errors within seconds, and the page stays usable', async () => {
  const nats = await startNats({ user: 'learner', pass: 's3cret' });
  try {
    const { page } = await open(browser, web.url);
    const t0 = Date.now();
    await connect(page, 'ws://127.0.0.1:9', { want: 'Embedded engine' });
    await page.locator('.server-form [role=alert]', { hasText: 'nothing accepted a WebSocket there' }).waitFor({ timeout: 6_000 });
    assert.ok(Date.now() - t0 < 6_000, 'the refusal is reported within seconds');
    await page.locator('.server-form .server-url').fill('http://127.0.0.1:8080');
    await page.locator('.server-url').dispatchEvent('change');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('.server-form [role=alert]', { hasText: 'ws://' }).waitFor();
    await connect(page, nats.wsUrl, { user: 'learner', pass: 'wrong', want: 'Embedded engine' });
    await page.locator('.server-form [role=alert]', { hasText: 'authorization violation' }).waitFor({ timeout: 6_000 });
    await connect(page, nats.wsUrl, { user: 'learner', pass: 's3cret' });
    await run(page, 'nats kv add secured', /Bucket Name: secured/);
    // Credentials were not kept: nothing in storage unless asked.
    const kept = await page.evaluate(() => localStorage.getItem('kvplay.server.credentials'));
    assert.equal(kept, null);
    await page.screenshot({ path: path.join(shots, 'server-auth.png') });
  } finally {
    await nats.stop();
  }
});

test('the page reconnects after the server restarts and the running watch resumes without loss or repeats', async () => {
  const nats = await startNats();
  try {
    const { page } = await open(browser, web.url);
    await connect(page, nats.wsUrl);
    await run(page, 'nats kv add r --history 5', /Bucket Name: r/);
    await run(page, 'nats kv put r a 1', /^1$/m);
    await run(page, 'nats kv watch r', /PUT r > a: 1/);
    await nats.restart();
    await page.locator('.conn-state', { hasText: /Reconnecting|Connected/ }).waitFor();
    await nats.put('r', 'b', 'while-away');
    await page.locator('.term-out', { hasText: 'PUT r > b: while-away' }).waitFor({ timeout: 20_000 });
    await page.locator('.conn-state', { hasText: 'Connected' }).waitFor();
    await run(page, 'nats kv put r c 3', /PUT r > c: 3/);
    const text = await terminalText(page);
    assert.equal(text.match(/PUT r > a: 1/g).length, 1, 'nothing repeated');
    assert.equal(text.match(/PUT r > b: while-away/g).length, 1);
  } finally {
    await nats.stop();
  }
});
