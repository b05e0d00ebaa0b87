// The lesson runner in the page: both built-in lessons pass every step with Run all, a step runs into the
// terminal, an exercise is checked, progress survives a reload, and a link opens a lesson at a step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots, root } from './harness.mjs';

let server, browser;
before(async () => {
  // A lesson whose exercise checks a key it never makes (`colour` where the hint writes `color`): the author's error.
  server = await serve(undefined, { '/lessons/broken.md': path.join(root, 'tests/data/workshop/broken-check.md') });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

for (const [name, title] of [['cli', 'Key-Value with the nats CLI'], ['python', 'Key-Value from Python']]) {
  test(`Run all passes every step of "${title}"`, { timeout: 180_000 }, async () => {
    const { page, errors } = await open(browser, server.url, { viewport: { width: 1280, height: 900 } });
    await page.getByRole('button', { name: title }).click();
    await page.getByRole('button', { name: 'Run all' }).click();
    const steps = page.locator('.steps .step');
    const n = await steps.count();
    assert.ok(n > 5, `${n} steps`);
    // The Python lesson's programs run for real, one after another: every step is done once the last has run.
    if (name === 'python') await page.locator('.progress', { hasText: `${n} of ${n} steps done` }).waitFor({ timeout: 150_000 });
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

test('a link opens a lesson at a step', { timeout: 120_000 }, async () => {
  const { page } = await open(browser, server.url + '?lesson=python&step=8');
  await page.locator('.step-body h3', { hasText: 'Values that expire' }).waitFor();
  // The TTL step's program sleeps four seconds on the page's clock, which fast-forwards.
  await page.getByRole('button', { name: 'Run all' }).click();
  await page.locator('.progress', { hasText: /^(\d+) of \1 steps done$/ }).waitFor({ timeout: 100_000 });
  await page.getByRole('button', { name: 'Values that expire' }).click();
  assert.match(await page.locator('.step-body .pyout').innerText(), /after 4 s: nats: key not found/);
});

// Issue 24, learners 1: Run step and a cell's own Run run the program itself, and only a program that ran
// counts; 2: Run all keeps an exercise the learner solved; 3: a step taken after a later one says why it differs.
test('a Python step is done when its program ran, with Run step or its cell\'s own Run, and not before', { timeout: 120_000 }, async () => {
  const { page, errors } = await open(browser, server.url + '?lesson=python&step=3', { viewport: { width: 1280, height: 900 } });
  const progress = page.locator('.progress');
  const n = await page.locator('.steps .step').count();
  // "Put and get" before the step that connects: the program runs, raises, and the step is not done.
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  await page.locator('.pycell .py-verdict', { hasText: "NameError" }).waitFor({ timeout: 60_000 });
  assert.equal(await progress.innerText(), `0 of ${n} steps done`);
  assert.match(await page.locator('.steps .step.current').getAttribute('class'), /\bfail\b/);
  // Run step on the first program step: its output in its cell, and the step done.
  await page.locator('ol.steps button', { hasText: 'Connect and create a bucket' }).click();
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  await page.locator('.pycell .pyout', { hasText: 'bucket=CONFIG values=0 history=10' }).waitFor({ timeout: 30_000 });
  await progress.filter({ hasText: `1 of ${n} steps done` }).waitFor();
  assert.match(await terminalText(page), /step 2 "Connect and create a bucket" done: its program ran/);
  // The next step with the cell's own Run counts too.
  await page.locator('ol.steps button', { hasText: 'Put and get' }).click();
  await page.locator('.pycell .py-run').click();
  await page.locator('.pycell .pyout', { hasText: 'read app.timeout = 30 (revision 1)' }).waitFor({ timeout: 30_000 });
  await progress.filter({ hasText: `2 of ${n} steps done` }).waitFor();
  assert.match(await page.locator('.steps .step.current').getAttribute('class'), /\bpass\b/);
  // Running it again now differs (revisions 3 and 4) and takes nothing back.
  await page.locator('.pycell .py-run').click();
  await page.locator('.pycell .pyout', { hasText: 'at revision 3' }).waitFor({ timeout: 30_000 });
  await page.locator('.pycell .py-verdict').waitFor();
  assert.equal(await progress.innerText(), `2 of ${n} steps done`);
  assert.deepEqual(errors, []);
});

test('Run all keeps an exercise the learner solved; a step taken after a later one says why it differs', async () => {
  const { page, errors } = await open(browser, server.url + '?lesson=cli&step=11', { viewport: { width: 1280, height: 900 } });
  await type(page, 'nats kv add inventory --history 3');
  await type(page, 'nats kv put inventory apples 12');
  await page.locator('.verdict.pass', { hasText: 'every check passes' }).waitFor();
  await page.getByRole('button', { name: 'Run all' }).click();
  await page.getByRole('button', { name: 'Your turn' }).click();
  assert.doesNotMatch(await page.locator('.step-body').innerText(), /Solved for you/);
  assert.match(await page.locator('.step-body').innerText(), /You solved this step yourself earlier/);
  assert.match(await page.locator('.steps .step.current').getAttribute('class'), /\bpass\b/);
  assert.equal(await page.locator('.progress').innerText(), '12 of 12 steps done');
  // Reset, the steps before "Store and read a value", then a later step, then it: its output differs, and it says why.
  await page.getByRole('button', { name: 'Reset' }).click();
  for (const step of ['Create a bucket', 'Every write is a new revision', 'Store and read a value']) {
    await page.getByRole('button', { name: step }).click();
    await page.getByRole('button', { name: 'Run step', exact: true }).click();
  }
  assert.match(await page.locator('.step-body').innerText(), /Step \d+ "Every write is a new revision" ran before this one and changed the buckets it uses/);
  assert.deepEqual(errors, []);
});

// Issue 24, learners 5: the tabs follow the WAI-ARIA tabs pattern, and Enter on a lesson button leaves the focus
// on the lesson it opened.
test('the tabs move with arrow keys, Home and End; Enter on a lesson keeps the focus in the lesson', async () => {
  const { page, errors } = await open(browser, server.url + '?lesson=cli&step=2', { viewport: { width: 1280, height: 900 } });
  const lessonTab = page.getByRole('tab', { name: 'Lesson' });
  assert.equal(await lessonTab.getAttribute('aria-selected'), 'true');
  assert.equal(await lessonTab.getAttribute('tabindex'), '0');
  assert.equal(await page.getByRole('tab', { name: 'Buckets' }).getAttribute('tabindex'), '-1');
  assert.equal(await page.locator('#' + await lessonTab.getAttribute('aria-controls')).getAttribute('role'), 'tabpanel');
  await lessonTab.focus();
  await page.keyboard.press('ArrowRight');
  const focused = () => page.evaluate(() => document.activeElement?.textContent);
  assert.equal(await focused(), 'Buckets');
  assert.equal(await page.getByRole('tab', { name: 'Buckets' }).getAttribute('aria-selected'), 'true');
  assert.ok(await page.getByRole('tabpanel', { name: 'Buckets' }).isVisible());
  await page.keyboard.press('End');
  assert.equal(await focused(), 'Python console');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), 'Lesson');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focused(), 'Python console');
  await page.keyboard.press('Home');
  assert.equal(await focused(), 'Lesson');
  // Back to the list with the keyboard, then into a lesson: the focus lands on its heading, not on the page.
  await page.getByRole('button', { name: 'Lessons', exact: true }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName + ':' + document.activeElement?.textContent), 'H2:Lessons');
  await page.getByRole('button', { name: 'Key-Value from Python' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName + ':' + document.activeElement?.textContent), 'H2:Key-Value from Python');
  assert.deepEqual(errors, []);
});

test('at 800 px the running watch is in view; at phone width the tool rows show there is more, and Start over is reachable', async () => {
  const { page, errors } = await open(browser, server.url, { viewport: { width: 1280, height: 800 } });
  await type(page, 'nats kv add seen');
  await type(page, 'nats kv watch seen');
  const bar = page.locator('.term-status', { hasText: '1 watch running: Ctrl-C stops' });
  await bar.waitFor();
  const box = await bar.boundingBox();
  assert.ok(box && box.y + box.height <= 800, `the bar ends at ${box && box.y + box.height} px`);
  await page.screenshot({ path: path.join(shots, 'learners-watch-800.png') });
  const phone = (await open(browser, server.url, { viewport: { width: 375, height: 740 } })).page;
  const row = phone.locator('.session-bar');
  const overflows = await row.evaluate((el) => el.scrollWidth > el.clientWidth);
  assert.ok(overflows, 'the session bar is wider than the phone');
  assert.match(await row.evaluate((el) => getComputedStyle(el).maskImage), /linear-gradient/);
  await phone.screenshot({ path: path.join(shots, 'learners-phone-toolbar.png') });
  const start = phone.getByRole('button', { name: 'Start over' });
  await start.scrollIntoViewIfNeeded();
  await start.click();
  await phone.getByText(/Start over\?|clears/).first().waitFor();
  assert.deepEqual(errors, []);
});

test('the first load\'s tabs follow the WAI-ARIA tabs pattern too: arrows move along them, a whole-app tab opens with Enter', async () => {
  const { page, errors } = await open(browser, server.url);
  const lessonTab = page.getByRole('tab', { name: 'Lesson' });
  assert.equal(await lessonTab.getAttribute('tabindex'), '0');
  assert.equal(await page.getByRole('tab', { name: 'Timeline' }).getAttribute('tabindex'), '-1');
  await lessonTab.focus();
  const focused = () => page.evaluate(() => document.activeElement?.textContent);
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), 'Buckets');
  assert.equal(await page.getByRole('tab', { name: 'Buckets' }).getAttribute('aria-selected'), 'true');
  assert.ok(await page.getByRole('tabpanel', { name: 'Buckets' }).isVisible());
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), 'Timeline');
  await page.keyboard.press('End');
  assert.equal(await focused(), 'Python console');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), 'Lesson');
  assert.ok(await page.getByRole('tabpanel', { name: 'Lesson' }).isVisible());
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focused(), 'Timeline');
  await page.keyboard.press('Enter');
  // The whole app takes over with the timeline chosen.
  await page.getByRole('tab', { name: 'Timeline', selected: true }).waitFor();
  assert.deepEqual(errors, []);
});

test('an exercise whose check is broken says it is the lesson author\'s error, not the learner\'s', async () => {
  const { page, errors } = await open(browser, server.url + '?lesson=lessons/broken.md&step=5', { viewport: { width: 1280, height: 900 } });
  const alert = page.locator('.step-body [role=alert]', { hasText: 'its author\'s, not yours' });
  await alert.waitFor();
  assert.match(await alert.innerText(), /check `key my-kv colour = blue`: .*colour/);
  // The learner does what the exercise asks; the broken check is not held against them as "Not done yet".
  await type(page, 'nats kv add my-kv');
  await type(page, 'nats kv put my-kv color blue');
  await page.getByRole('button', { name: 'Check' }).click();
  assert.equal(await page.locator('.step-body', { hasText: 'Not done yet' }).count(), 0);
  assert.deepEqual(errors, []);
});
