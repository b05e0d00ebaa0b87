// A learner types the CLI walkthrough into the terminal, one command at a time, and sees what the document
// teaches: values stored and read back, a lock that only one create wins, an update guarded by its revision,
// a watch that sees a later change, and the bucket removed at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('the CLI walkthrough, typed step by step', async () => {
  const { page, errors } = await open(browser, server.url, { viewport: { width: 1280, height: 860 } });
  await type(page, 'nats account info');
  assert.match(await terminalText(page), /JetStream Account Information:/);
  await type(page, 'nats kv add my-kv');
  assert.match(await terminalText(page), /Information for Key-Value Store Bucket my-kv created/);
  await type(page, 'nats kv put my-kv Key1 Value1');
  await type(page, 'nats kv get my-kv Key1');
  assert.match(await terminalText(page), /my-kv > Key1 revision: 1 created @ /);
  // The explorer shows the bucket and the key's value.
  await page.getByRole('tab', { name: 'Buckets' }).click();
  await page.locator('.explorer .bucket h3', { hasText: 'my-kv' }).waitFor();
  assert.equal(await page.locator('.explorer td.value').first().innerText(), 'Value1');
  await page.screenshot({ path: path.join(shots, 'walkthrough-get.png') });

  // del asks first, as the CLI does; the learner answers y.
  await type(page, 'nats kv del my-kv Key1');
  assert.match(await page.locator('.prompt').innerText(), /Delete key my-kv > Key1\? \(y\/N\)/);
  await type(page, 'y');
  await type(page, 'nats kv del my-kv NoSuchKey');
  await type(page, 'y');
  let text = await terminalText(page);
  assert.match(text, /\? Delete key my-kv > NoSuchKey\? Yes/);
  assert.doesNotMatch(text, /nats: error: nats: key not found/, 'deleting a missing key is harmless');

  await type(page, 'nats kv add my-sem');
  await type(page, 'nats kv create my-sem Semaphore1 Value1');
  await type(page, 'nats kv create my-sem Semaphore1 Value1');
  assert.match(await terminalText(page), /wrong last sequence: 1: key exists/);
  await type(page, 'nats kv update my-sem Semaphore1 Value2 1');
  await type(page, 'nats kv update my-sem Semaphore1 Value2 1');
  assert.match(await terminalText(page), /description=wrong last sequence: 2/);

  await type(page, 'nats kv watch my-kv');
  text = await terminalText(page);
  assert.match(text, /DELETE my-kv > Key1/);
  await page.locator('.term-status', { hasText: '1 watch running' }).waitFor();
  await type(page, 'nats kv put my-kv Key1 Value2');
  assert.match(await terminalText(page), /PUT my-kv > Key1: Value2/);
  await page.locator('#term-input').press('Control+c');
  await page.locator('.term-status').waitFor({ state: 'detached' });

  await type(page, 'nats kv rm my-kv');
  await type(page, 'y');
  await type(page, 'nats kv ls');
  assert.doesNotMatch((await terminalText(page)).split('$ nats kv ls').pop(), /my-kv/);
  await page.screenshot({ path: path.join(shots, 'walkthrough-end.png') });
  assert.deepEqual(errors, []);
});

test('values are shown as text, never as HTML', async () => {
  const { page, errors } = await open(browser, server.url);
  await page.evaluate(() => { window.__xss = 0; });
  const evil = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
  await type(page, 'nats kv add x');
  await type(page, `nats kv put x k '${evil}'`);
  await type(page, 'nats kv get x k');
  await page.getByRole('tab', { name: 'Buckets' }).click();
  await page.locator('.explorer td.value').first().waitFor();
  assert.equal(await page.evaluate(() => window.__xss), 0);
  assert.equal(await page.locator('.terminal img, .explorer img, .terminal script, .explorer script').count(), 0);
  assert.ok((await terminalText(page)).includes(evil), 'the terminal shows the value literally');
  assert.equal(await page.locator('.explorer td.value').first().innerText(), evil);
  assert.deepEqual(errors, []);
});

test('line editor: history, completion, paste, clear, and the clock expiring a TTL', async () => {
  const { page } = await open(browser, server.url);
  const input = page.locator('#term-input');
  await type(page, 'nats kv add sessions --ttl 10s');
  await type(page, 'nats kv put sessions user1 token');
  // Up recalls the last command.
  await input.press('ArrowUp');
  assert.equal(await input.inputValue(), 'nats kv put sessions user1 token');
  await input.press('ArrowUp');
  assert.equal(await input.inputValue(), 'nats kv add sessions --ttl 10s');
  await input.press('ArrowDown');
  await input.press('ArrowDown');
  assert.equal(await input.inputValue(), '');
  // Tab completes subcommands and bucket names.
  await input.fill('nats kv hi');
  await input.press('Tab');
  assert.equal(await input.inputValue(), 'nats kv history ');
  await input.fill('nats kv get ses');
  await input.press('Tab');
  assert.equal(await input.inputValue(), 'nats kv get sessions ');
  await input.fill('');
  // Pasting several lines runs them in order.
  await input.focus();
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text', 'nats kv put sessions user2 a\nnats kv get sessions user2 --raw\n');
    document.querySelector('#term-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await page.locator('.line.input', { hasText: 'nats kv get sessions user2 --raw' }).waitFor();
  // Fast-forwarding the clock expires the bucket's values.
  await page.getByRole('button', { name: 'Fast-forward the clock 1m' }).click();
  await type(page, 'nats kv get sessions user1');
  assert.match(await terminalText(page), /nats: error: nats: key not found/);
  // Ctrl-L clears the screen.
  await input.press('Control+l');
  assert.equal((await terminalText(page)).trim(), '');
});

test('a phone-sized screen keeps everything usable', async () => {
  const { page } = await open(browser, server.url, { viewport: { width: 375, height: 740 } });
  await page.getByRole('button', { name: 'Key-Value with the nats CLI' }).click();
  await page.screenshot({ path: path.join(shots, 'phone-lesson.png'), fullPage: true });
  await type(page, 'nats kv add phone');
  await type(page, 'nats kv put phone greeting hello');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: path.join(shots, 'phone.png'), fullPage: true });
});
