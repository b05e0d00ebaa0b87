// The visualizations, checked against a scripted sequence whose engine state is known: every revision drawn
// with its operation, the gone ones with their reason, refused writes, watchers and what they saw, time travel,
// and a lesson step's revisions highlighted. Screenshots after the CLI walkthrough and after the TTL lesson step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

async function setValue(page, selector, value) {
  await page.locator(selector).evaluate((el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

test('timeline marks, reasons, refused writes, watchers and time travel match the engine', async () => {
  const { page, errors } = await open(browser, server.url, { viewport: { width: 1280, height: 900 } });
  for (const line of [
    'nats kv add t --history 2',
    'nats kv put t k 1', 'nats kv put t k 2', 'nats kv put t k 3',
    'nats kv put t x 1', 'nats kv purge -f t x',
    'nats kv update t k 4 1',
  ]) await type(page, line);
  // A watch pane on keys k, added before the next write.
  await page.getByRole('tab', { name: 'Watchers' }).click();
  await setValue(page, '.watch-form input[type=text]', 'k');
  await page.getByRole('button', { name: 'Add watcher' }).click();
  await page.locator('.pane .ev.initial-done').waitFor();
  assert.deepEqual(await page.locator('.pane .ev.put').allInnerTexts(), [await page.locator('.pane .ev.put').first().innerText()]);
  await type(page, 'nats kv put t k 5');
  await page.locator('.pane .ev.put', { hasText: 'k: 5' }).waitFor();

  await page.getByRole('tab', { name: 'Timeline' }).click();
  const marks = page.locator('svg.strip g.mark');
  assert.equal(await marks.count(), 6);
  const seqs = await marks.evaluateAll((els) => els.map((e) => [e.dataset.seq, e.dataset.kind, e.dataset.gone]));
  assert.deepEqual(seqs, [
    ['1', 'PUT', 'true'], ['2', 'PUT', 'true'], ['3', 'PUT', 'false'],
    ['4', 'PUT', 'true'], ['5', 'PURGE', 'false'], ['6', 'PUT', 'false'],
  ]);
  assert.match(await marks.nth(0).getAttribute('aria-label'), /Gone: pushed out by revision 3: the bucket keeps 2 revisions per key/);
  assert.match(await marks.nth(3).getAttribute('aria-label'), /Gone: rolled up by the purge at revision 5/);
  assert.match(await marks.nth(5).getAttribute('aria-label'), /Seen by 1 watcher/);
  assert.equal(await page.locator('svg.strip g.mark.newest').getAttribute('data-seq'), '6');
  const refused = page.locator('svg.strip g.refused');
  assert.equal(await refused.count(), 1);
  assert.match(await refused.getAttribute('aria-label'), /refused write to k after revision 5: wrong last sequence: 3/);
  // Keyboard: marks are focusable and read out.
  await marks.nth(1).focus();
  assert.match(await page.locator('.focused').innerText(), /revision 2: PUT k = 2/);
  // Lanes: k keeps 2 of 2, latest 6.
  assert.match(await page.locator('.lane', { hasText: 'k' }).first().getAttribute('aria-label'), /key k: 2 of 2 revisions kept, latest revision 6/);
  // Time travel to revision 2: k was 2 with history 1, 2.
  await setValue(page, '.travel input[type=range]', '2');
  await page.locator('table.past').waitFor();
  assert.deepEqual(await page.locator('table.past tbody tr').first().locator('td').allInnerTexts(), ['k', '2', '1 PUT, 2 PUT']);
  await page.getByRole('button', { name: 'Return to now' }).click();
  await page.locator('table.past').waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
});

test('a lesson step is explained on the timeline; screenshots after the walkthrough and the TTL step', { timeout: 150_000 }, async () => {
  const { page } = await open(browser, server.url, { viewport: { width: 1280, height: 900 } });
  await page.getByRole('button', { name: 'Key-Value with the nats CLI' }).click();
  // Step by step up to compare-and-swap, which writes one revision and has one write refused.
  for (const step of ['Create a bucket', 'Store and read a value', 'Every write is a new revision', 'Delete a key',
    'Create: a lock only one client gets', 'Update: compare and swap']) {
    await page.getByRole('button', { name: step }).click();
    await page.getByRole('button', { name: 'Run step', exact: true }).click();
  }
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const explain = await page.locator('.explain').innerText();
  assert.match(explain, /Update: compare and swap/);
  assert.match(explain, /refused \(✗\)/);
  assert.ok(await page.locator('svg.strip g.mark.explained').count() >= 1);
  await page.screenshot({ path: path.join(shots, 'timeline-cli-walkthrough.png') });

  const p2 = (await open(browser, server.url + '?lesson=python&step=8', { viewport: { width: 1280, height: 900 } })).page;
  await p2.getByRole('button', { name: 'Run all' }).click();
  // The lesson's programs run one after another in Python: the TTL step's has run once every step is done.
  await p2.locator('.progress', { hasText: /^(\d+) of \1 steps done$/ }).waitFor({ timeout: 100_000 });
  await p2.getByRole('tab', { name: 'Timeline' }).click();
  await p2.locator('select[aria-label=Bucket]').first().selectOption('SESSIONS');
  const gone = p2.locator('svg.strip g.mark.gone');
  assert.equal(await gone.count(), 1);
  assert.match(await gone.getAttribute('aria-label'), /expired: older than the bucket's TTL/);
  await p2.screenshot({ path: path.join(shots, 'timeline-ttl-lesson.png') });
});
