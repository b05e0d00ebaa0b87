// A newcomer wandering through the lessons: steps taken out of order say what they build on and create the
// lesson's own buckets, typed commands count, a step's command goes to the terminal in one click, and Run all
// shows everything it typed and marks the exercise it solved as solved for you.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

async function openCli(viewport = { width: 1280, height: 900 }) {
  const r = await open(browser, server.url, { viewport });
  await r.page.getByRole('button', { name: 'Key-Value with the nats CLI' }).click();
  return r;
}

const stepButton = (page, title) => page.locator('.steps button', { hasText: title });

test('"Clean up" run first removes nothing and never runs `nats kv add -f`', async () => {
  const { page, errors } = await openCli();
  await stepButton(page, 'Clean up').click();
  await page.locator('.needs', { hasText: 'This step builds on steps' }).waitFor();
  assert.match(await page.locator('.needs').innerText(), /"Your turn"/);
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  await page.locator('.verdict.drift').first().waitFor();
  const t = await terminalText(page);
  assert.doesNotMatch(t, /nats kv add -f/);
  assert.doesNotMatch(t, /usage:/i);
  assert.match(await page.locator('.step-body').innerText(), /does not exist here \(the steps that create it have not run\), so there was nothing to remove/);
  assert.deepEqual(errors, []);
});

test('a step that builds on skipped steps says so, offers to run them, and then matches the document', async () => {
  const { page } = await openCli();
  await stepButton(page, 'Every write is a new revision').click();
  const needs = page.locator('.needs');
  await needs.waitFor();
  assert.match(await needs.innerText(), /builds on steps 3 "Create a bucket" and 4 "Store and read a value", which have not run yet/);
  await needs.getByRole('button', { name: 'Run those 2 steps first' }).click();
  await needs.waitFor({ state: 'detached' });
  assert.match(await terminalText(page), /\$ nats kv add lesson --history 5\n/);
  // Still on the same step; running it now matches.
  await page.locator('.step-body h3', { hasText: 'Every write is a new revision' }).waitFor();
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  await page.locator('.verdict.pass', { hasText: 'Matches the document' }).last().waitFor();
  assert.equal(await page.locator('.verdict.fail').count(), 0);
});

test('a step run anyway creates the bucket with the lesson\'s configuration and says why it differs', async () => {
  const { page } = await openCli();
  await stepButton(page, 'Every write is a new revision').click();
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  await page.locator('.verdict.fail').first().waitFor();
  assert.match(await terminalText(page), /\$ nats kv add lesson --history 5\n/);
  const body = await page.locator('.step-body').innerText();
  assert.match(body, /created it as the lesson does, with nats kv add lesson --history 5/);
  assert.match(body, /builds on steps that have not run yet \(3 "Create a bucket", 4 "Store and read a value"\): that is why its output differs/);
  await type(page, 'nats kv info lesson');
  assert.match(await terminalText(page), /History Kept: 5/);
});

test('a Python step taken first: the steps it builds on run their programs first, then it runs its own', { timeout: 120_000 }, async () => {
  const { page, errors } = await open(browser, server.url + '?lesson=python&step=6', { viewport: { width: 1280, height: 900 } });
  await page.locator('.step-body h3', { hasText: 'History and revisions' }).waitFor();
  assert.match(await page.locator('.needs').innerText(), /builds on steps/);
  const before = page.getByRole('button', { name: /Run those \d+ steps first/ });
  const n = Number((await before.innerText()).match(/\d+/)[0]);
  await before.click();
  // Each earlier program runs for real, in order; the panel comes back to this step once they have.
  await page.locator('.progress', { hasText: new RegExp(`^${n} of \\d+ steps done$`) }).waitFor({ timeout: 90_000 });
  await page.locator('.step-body h3', { hasText: 'History and revisions' }).waitFor();
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  const cell = page.locator('.pycell').first();
  await cell.locator('.py-verdict', { hasText: 'Passed' }).waitFor({ timeout: 30_000 });
  assert.match(await cell.locator('.pyout').innerText(), /^revision 1: 30\nrevision 3: 60\nrevision 4: 90/);
  await page.locator('.progress', { hasText: new RegExp(`^${n + 1} of \\d+ steps done$`) }).waitFor();
  assert.deepEqual(errors, []);
});

test('commands the learner types count, and "Type it" puts a step\'s command on the command line', async () => {
  const { page, errors } = await openCli();
  await stepButton(page, 'Create a bucket').click();
  await page.getByRole('button', { name: 'Type nats kv add lesson --history 5 in the terminal' }).click();
  const input = page.locator('#term-input');
  assert.equal(await input.inputValue(), 'nats kv add lesson --history 5');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'term-input', 'the command line has the focus');
  await input.press('Enter');
  await page.locator('.line.note', { hasText: 'step 3 "Create a bucket" done, with what you typed; Next goes on to "Store and read a value"' }).waitFor();
  assert.match(await page.locator('.step.current').getAttribute('class'), /\bpass\b/);
  assert.equal(await page.locator('.progress').innerText(), '1 of 12 steps done');
  // A two-command step counts each command; an unrelated command in between does not break it.
  await page.getByRole('button', { name: 'Next' }).click();
  await type(page, 'nats kv put lesson greeting hello');
  await page.locator('.typed-progress', { hasText: 'You typed 1 of this step\'s 2 commands' }).waitFor();
  await type(page, 'nats kv ls');
  await type(page, 'nats kv get lesson greeting');
  await page.locator('.step.current.pass').waitFor();
  assert.equal(await page.locator('.progress').innerText(), '2 of 12 steps done');
  await page.screenshot({ path: path.join(shots, 'newcomer-typed-step.png') });
  assert.deepEqual(errors, []);
});

test('Run all echoes every command, the exercise\'s too, and marks the exercise solved for you', async () => {
  const { page } = await openCli();
  await page.getByRole('button', { name: 'Run all' }).click();
  const t = await terminalText(page);
  assert.match(t, /\$ nats kv add inventory --history 3\n/);
  assert.match(t, /\$ nats kv put inventory apples 12\n/);
  const exercise = stepButton(page, 'Your turn');
  assert.match(await exercise.locator('.mark').getAttribute('title'), /solved for you/);
  assert.match(await page.locator('.step', { hasText: 'Your turn' }).getAttribute('class'), /\bsolved\b/);
  assert.equal(await page.locator('.progress').innerText(), '11 of 12 steps done');
  await exercise.click();
  assert.match(await page.locator('.verdict.solved').innerText(), /Solved for you/);
});

test('the document\'s output and the playground\'s are each the pane\'s width, so a history table compares whole', async () => {
  const { page } = await openCli();
  await page.getByRole('button', { name: 'Run all' }).click();
  await stepButton(page, 'Every write is a new revision').click();
  const expected = page.locator('.compare pre.expected').last();
  const actual = page.locator('.compare pre.actual').last();
  const [e, a] = [await expected.boundingBox(), await actual.boundingBox()];
  assert.ok(a.y > e.y + e.height - 1, 'stacked: the playground\'s output is under the document\'s');
  assert.ok(e.width > 440 && a.width > 440, `widths ${e.width} ${a.width}`);
  const clipped = await actual.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
  assert.equal(clipped, false, 'the history table fits');
  await page.locator('.step-body').screenshot({ path: path.join(shots, 'newcomer-compare.png') });
});
