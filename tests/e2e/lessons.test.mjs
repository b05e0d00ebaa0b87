// The lesson runner in the page: both built-in lessons pass every step with Run all, a step runs into the
// terminal, an exercise is checked, progress survives a reload, and a link opens a lesson at a step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

for (const [name, title] of [['cli', 'Key-Value with the nats CLI'], ['python', 'Key-Value from Python']]) {
  test(`Run all passes every step of "${title}"`, async () => {
    const { page, errors } = await open(browser, server.url, { viewport: { width: 1280, height: 900 } });
    await page.getByRole('button', { name: title }).click();
    await page.getByRole('button', { name: 'Run all' }).click();
    const steps = page.locator('.steps .step');
    const n = await steps.count();
    assert.ok(n > 5, `${n} steps`);
    const classes = await steps.evaluateAll((els) => els.map((e) => e.className));
    let solved = 0;
    for (const [i, c] of classes.entries()) {
      assert.match(c, /\b(pass|shown|solved)\b/, `step ${i + 1} is ${c}`);
      solved += /\bsolved\b/.test(c) ? 1 : 0;
    }
    // An exercise Run all solved is not the learner's progress.
    assert.equal(solved, name === 'cli' ? 1 : 0);
    assert.equal(await page.locator('.progress').innerText(), `${n - solved} of ${n} steps done`);
    assert.match(await terminalText(page), name === 'cli' ? /\$ nats kv add lesson --history 5/ : /\$ nats kv ls --names/);
    await page.screenshot({ path: path.join(shots, `lesson-${name}-run-all.png`) });
    assert.deepEqual(errors, []);
  });
}

test('a step runs in the terminal, shows expected beside actual, and an exercise is checked', async () => {
  const { page } = await open(browser, server.url, { viewport: { width: 1280, height: 900 } });
  await page.getByRole('button', { name: 'Key-Value with the nats CLI' }).click();
  await page.getByRole('button', { name: 'Create a bucket' }).click();
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  await page.locator('.verdict.pass', { hasText: 'Matches the document' }).waitFor();
  assert.match(await terminalText(page), /\$ nats kv add lesson --history 5\nInformation for Key-Value Store Bucket lesson/);
  assert.match(await page.locator('.compare .actual').innerText(), /History Kept: 5/);
  // The exercise: not done, then done by typing in the terminal.
  await page.getByRole('button', { name: 'Your turn' }).click();
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.locator('.verdict.pending').waitFor();
  await page.getByRole('button', { name: 'Show hint' }).click();
  assert.match(await page.locator('.exercise pre').innerText(), /nats kv add inventory --history 3/);
  await type(page, 'nats kv add inventory --history 3');
  await type(page, 'nats kv put inventory apples 12');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.locator('.verdict.pass', { hasText: 'every check passes' }).waitFor();
  // The address names the step; progress survives a reload.
  assert.match(page.url(), /\?lesson=cli&step=11$/);
  await page.reload();
  await page.locator('.lesson h2', { hasText: 'Key-Value with the nats CLI' }).waitFor();
  assert.equal(await page.locator('.progress').innerText(), '2 of 12 steps done');
  assert.equal(await page.locator('.step.current').innerText(), '✓Your turn');
  await page.screenshot({ path: path.join(shots, 'lesson-exercise.png') });
});

test('a link opens a lesson at a step', async () => {
  const { page } = await open(browser, server.url + '?lesson=python&step=8');
  await page.locator('.step-body h3', { hasText: 'Values that expire' }).waitFor();
  // The TTL step waits four seconds on the page's clock, which fast-forwards.
  await page.getByRole('button', { name: 'Run all' }).click();
  await page.getByRole('button', { name: 'Values that expire' }).click();
  assert.match(await page.locator('.step-body').innerText(), /after 4 s: nats: key not found/);
});
