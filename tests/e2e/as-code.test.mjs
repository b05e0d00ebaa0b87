// The "As code" tab: the session's latest command (or one chosen from the list) written for nats-py, nats.js,
// async-nats and nats.go, with tabs the keyboard moves between and a Copy button that copies the program.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const code = (page) => page.locator('.code-view pre.code').innerText();

test('the latest command as code in four clients, by mouse and keyboard, copied as shown', async () => {
  const { page, errors } = await open(browser, server.url, { permissions: ['clipboard-read', 'clipboard-write'] });
  await page.getByRole('tab', { name: 'As code' }).click();
  await page.locator('.code-view .empty', { hasText: 'Type a nats kv command' }).waitFor();

  await type(page, 'nats kv add shop --history 3 --ttl 1h');
  await type(page, 'nats kv put shop apple "1 kg"');
  await page.locator('.code-view pre.code', { hasText: 'kv.put' }).waitFor();
  assert.match(await code(page), /kv = await js\.key_value\("shop"\)\n\s+print\(await kv\.put\("apple", "1 kg"\.encode\(\)\)\)/);
  assert.match(await page.locator('.code-view select option:checked').innerText(), /nats kv put shop apple "1 kg" \(latest\)/);

  // Arrow keys move between the clients and take the focus with them; Home and End go to the ends.
  const python = page.getByRole('tab', { name: 'Python', exact: true });
  await python.focus();
  await page.keyboard.press('ArrowRight');
  const js = page.getByRole('tab', { name: 'JavaScript' });
  assert.equal(await js.getAttribute('aria-selected'), 'true');
  assert.ok(await js.evaluate((el) => el === document.activeElement), 'the chosen tab has the focus');
  assert.match(await code(page), /const kv = await kvm\.open\("shop"\);\nconsole\.log\(await kv\.put\("apple", "1 kg"\)\);/);
  await page.keyboard.press('ArrowRight');
  assert.match(await code(page), /let revision = kv\.put\("apple", "1 kg"\.into\(\)\)\.await\?;/);
  await page.keyboard.press('End');
  assert.match(await code(page), /revision, err := kv\.Put\(ctx, "apple", \[\]byte\("1 kg"\)\)/);
  await page.keyboard.press('ArrowRight');
  assert.equal(await python.getAttribute('aria-selected'), 'true', 'the last tab wraps round to the first');

  // An earlier command, with its bucket options.
  await page.locator('.code-view select').selectOption('nats kv add shop --history 3 --ttl 1h');
  assert.match(await code(page), /await js\.create_key_value\(bucket="shop", direct=True, history=3, ttl=3600\)/);
  await page.getByRole('tab', { name: 'Go' }).click();
  assert.match(await code(page), /History:\s+3,\n\s+TTL:\s+3600 \* time\.Second,/);

  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await page.locator('.code-view .copy-note', { hasText: 'Copied' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied.trimEnd(), (await code(page)).trimEnd());

  // A command the generator cannot write is not offered; one typed later is shown at once.
  await type(page, 'nats kv get shop');
  assert.doesNotMatch(await page.locator('.code-view select').innerText(), /nats kv get shop\n/);
  await type(page, 'nats kv history shop apple');
  await page.locator('.code-view pre.code', { hasText: 'kv.History(ctx, "apple")' }).waitFor();
  await page.screenshot({ path: path.join(shots, 'as-code.png') });
  assert.deepEqual(errors, []);
});
