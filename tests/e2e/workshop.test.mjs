// A workshop on a real nats-server, run by `kvplay workshop` as an instructor runs it (tests/e2e/workshop-server.mjs):
// two learners open their join links (credentials in the fragment, which leaves the address bar), the instructor
// opens the board; a learner's Run step appears on the board, the instructor's message appears on both learners'
// pages and goes when cleared, a reload keeps the connection as the same learner, and so does a server restart.
// Beside it: a lesson from another http:// origin, and any remembered connection made again on reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import http from 'node:http';
import fs from 'node:fs';
import { launch, open, shots, here } from './harness.mjs';
import { startWorkshop } from './workshop-server.mjs';

const learners = ['alice', 'bob'];
let web, browser, ws;
before(async () => {
  ws = await startWorkshop(learners, path.join(here, 'fixtures/workshop/intro.md'));
  // The page, the lesson and workshop.json come from the workshop's own web server.
  web = { url: ws.site };
  browser = await launch();
});
after(async () => { await browser?.close(); await ws?.stop(); });

const joinLink = (name) => ws.join(name);

async function joined(page, name) {
  await page.locator('.conn-state', { hasText: `Connected to the workshop server as ${name}` }).waitFor({ timeout: 15_000 });
}

test('two learners and the board: Run step reaches the board, the message reaches both pages, a reload and a server restart keep the connection', async () => {
  const pages = {};
  for (const name of learners) {
    const { page, errors } = await open(browser, joinLink(name), { viewport: { width: 1280, height: 900 } });
    pages[name] = { page, errors };
    await joined(page, name);
    // The credentials left the address bar; the lesson's address stayed.
    assert.doesNotMatch(page.url(), /pass=|user=|server=/, 'the join link\'s credentials are not in the address');
    assert.match(page.url(), /lesson=lessons(%2F|\/)intro\.md/);
    await page.locator('.lesson h2', { hasText: 'Workshop: first steps' }).waitFor();
  }

  const { page: board, errors: boardErrors } = await (async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(ws.board);
    return { page, errors };
  })();
  await board.locator('#board-status', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
  assert.doesNotMatch(board.url(), /pass=/, 'the board\'s credentials are not in the address');
  // Both learners are on the board from the moment they joined (their presence), with no step run yet.
  await board.locator('tr[data-learner="alice"]').waitFor();
  await board.locator('tr[data-learner="bob"]').waitFor();

  // Alice runs the step that makes a bucket; the board shows it in her row, with the verdict in words too.
  const alice = pages.alice.page;
  await alice.locator('.step button', { hasText: 'Make a bucket' }).click();
  await alice.getByRole('button', { name: 'Run step' }).click();
  const aliceStep2 = board.locator('tr[data-learner="alice"] td.cell:nth-of-type(2)');
  await board.locator('tr[data-learner="alice"] td.cell:nth-of-type(2)[data-verdict="pass"]').waitFor({ timeout: 15_000 });
  assert.match(await aliceStep2.innerText(), /passed/);
  assert.equal(await board.locator('tr[data-learner="bob"] td.cell[data-verdict]').count(), 0, 'bob ran nothing');
  // The same failing exercise checked three times makes Alice stuck, in words.
  await alice.locator('.step button', { hasText: 'Your turn' }).click();
  for (let i = 1; i <= 3; i++) {
    await alice.getByRole('button', { name: 'Check' }).click();
    await board.locator('tr[data-learner="alice"] td.cell[data-verdict="pending"]', { hasText: i > 1 ? `${i} tries` : 'not solved' }).waitFor({ timeout: 15_000 });
  }
  await board.locator('tr[data-learner="alice"] td.where', { hasText: 'Stuck: step 4 tried 3 times' }).waitFor();
  await board.locator('#stuck', { hasText: 'alice' }).waitFor();
  await alice.locator('#term-input').fill('nats kv add stock --history 2');
  await alice.locator('#term-input').press('Enter');
  await board.locator('tr[data-learner="alice"] td.cell[data-verdict="pass"]', { hasText: '4 tries' }).waitFor({ timeout: 15_000 });
  await board.locator('tfoot td.solved-count[data-step="4"]', { hasText: '1 of 2' }).waitFor();
  await board.screenshot({ path: path.join(shots, 'workshop-board.png'), fullPage: true });

  // The instructor's message appears on both learners' pages.
  await board.locator('#message').fill('Break until 11:00');
  await board.getByRole('button', { name: 'Send' }).click();
  for (const name of learners) {
    await pages[name].page.locator('.workshop-news[role="status"] .workshop-message', { hasText: 'Break until 11:00' }).waitFor({ timeout: 15_000 });
  }
  await pages.bob.page.screenshot({ path: path.join(shots, 'workshop-learner.png') });

  // A reload keeps the connection (as the same learner), the lesson and the message.
  await alice.reload();
  await alice.locator('#term-input').waitFor();
  await joined(alice, 'alice');
  assert.doesNotMatch(alice.url(), /pass=/);
  await alice.locator('.workshop-message', { hasText: 'Break until 11:00' }).waitFor({ timeout: 15_000 });
  await alice.locator('.lesson h2', { hasText: 'Workshop: first steps' }).waitFor();
  // After the reload her steps still reach the board.
  await alice.locator('.step button', { hasText: 'Put a value' }).click();
  await alice.getByRole('button', { name: 'Run step' }).click();
  await board.locator('tr[data-learner="alice"] td.cell:nth-of-type(3)[data-verdict="pass"]').waitFor({ timeout: 15_000 });

  // Cleared from the board, the message leaves both pages; a learner can dismiss one too.
  await board.getByRole('button', { name: 'Clear the message' }).click();
  for (const name of learners) {
    await pages[name].page.locator('.workshop-message').waitFor({ state: 'detached', timeout: 15_000 });
  }
  await board.locator('#message').fill('Look at step 2');
  await board.getByRole('button', { name: 'Send' }).click();
  await pages.bob.page.locator('.workshop-message', { hasText: 'Look at step 2' }).waitFor({ timeout: 15_000 });
  await pages.bob.page.getByRole('button', { name: "Dismiss the instructor's message" }).click();
  await pages.bob.page.locator('.workshop-message').waitFor({ state: 'detached' });

  // The server restarts (a laptop's network drops and comes back): the pages connect again by themselves, the
  // message still reaches them and their steps still reach the board.
  await ws.restart();
  await joined(alice, 'alice');
  await joined(pages.bob.page, 'bob');
  // The board's client may not have noticed the restart yet: a send it could not make says so, and is made again.
  await board.locator('#message').fill('We are back');
  for (const deadline = Date.now() + 20_000; ;) {
    await board.locator('#message-result').evaluate((e) => { e.textContent = ''; });
    await board.getByRole('button', { name: 'Send' }).click();
    await board.locator('#message-result', { hasText: /Sent|Not sent/ }).waitFor({ timeout: 20_000 });
    if (/^Sent/.test(await board.locator('#message-result').innerText())) break;
    assert.ok(Date.now() < deadline, 'the board could send its message again after the restart');
  }
  for (const name of learners) {
    await pages[name].page.locator('.workshop-message', { hasText: 'We are back' }).waitFor({ timeout: 20_000 });
  }
  const bob = pages.bob.page;
  await bob.locator('.step button', { hasText: 'Make a bucket' }).click();
  await bob.getByRole('button', { name: 'Run step' }).click();
  await board.locator('tr[data-learner="bob"] td.cell:nth-of-type(2)[data-verdict="pass"]').waitFor({ timeout: 20_000 });

  // The browser itself logs each refused dial while the server was down; nothing else may be logged.
  const own = (errors) => errors.filter((e) => !/^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed/.test(e));
  for (const name of learners) assert.deepEqual(own(pages[name].errors), [], `${name}'s page logged no errors`);
  assert.deepEqual(own(boardErrors), [], 'the board logged no errors');
});

test('the board reads well at phone width: a real table with headers, verdicts in words', async () => {
  const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
  await page.goto(ws.board);
  await page.locator('#board-status', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
  await page.locator('table.grid thead th[scope="col"]').first().waitFor();
  assert.ok(await page.locator('table.grid tbody th[scope="row"]').count() >= 2);
  // The page itself does not scroll sideways: only the table's own region does.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone`);
  await page.screenshot({ path: path.join(shots, 'workshop-board-phone.png'), fullPage: true });
});

/** A lesson server on another origin (another port), over plain http://, with or without CORS. */
function lessonServer({ cors }) {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url);
    const headers = { 'content-type': 'text/markdown' };
    if (cors) headers['access-control-allow-origin'] = '*';
    res.writeHead(200, headers);
    res.end(fs.readFileSync(path.join(here, 'fixtures/workshop/intro.md')));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/`, seen, close: () => new Promise((r) => server.close(r)),
  })));
}

test('a lesson from another http:// address opens, keeps its own query string across a reload, and a refusal says why', async () => {
  const open_ = await lessonServer({ cors: true });
  const closed = await lessonServer({ cors: false });
  try {
    const lesson = `${open_.url}lessons/intro.md?v=2&lang=en`;
    const { page } = await open(browser, `${web.url}?lesson=${encodeURIComponent(lesson)}`);
    await page.locator('.lesson h2', { hasText: 'Workshop: first steps' }).waitFor({ timeout: 15_000 });
    await page.locator('.step button', { hasText: 'Put a value' }).click();
    await page.waitForFunction(() => /step=3/.test(location.search));
    await page.reload();
    await page.locator('.lesson h2', { hasText: 'Workshop: first steps' }).waitFor({ timeout: 15_000 });
    assert.equal(new URL(page.url()).searchParams.get('lesson'), lesson, 'the lesson address kept its query string');
    assert.deepEqual(open_.seen, ['/lessons/intro.md?v=2&lang=en', '/lessons/intro.md?v=2&lang=en']);

    const { page: refused } = await open(browser, `${web.url}?lesson=${encodeURIComponent(closed.url + 'intro.md')}`);
    const note = refused.locator('.term-out', { hasText: 'could not load the lesson' });
    await note.waitFor({ timeout: 15_000 });
    assert.match(await note.innerText(), /answered, but does not allow this page to read the file: it must send Access-Control-Allow-Origin/);
  } finally {
    await open_.close();
    await closed.close();
  }
});

test('a connection whose credentials the learner asked to remember is made again on reload; Disconnect forgets it', async () => {
  const { page, errors } = await open(browser, web.url, { viewport: { width: 1280, height: 900 } });
  await page.locator('.server-bar summary').click();
  await page.locator('.server-url').waitFor();
  await page.locator('.server-url').fill(ws.wsUrl);
  await page.locator('.server-url').dispatchEvent('change');
  await page.locator('.server-form select').selectOption('user');
  await page.getByLabel('User', { exact: true }).fill('bob');
  await page.getByLabel('User', { exact: true }).dispatchEvent('change');
  await page.getByLabel('Password', { exact: true }).fill(ws.pass('bob'));
  await page.getByLabel('Password', { exact: true }).dispatchEvent('change');
  await page.getByLabel('Remember credentials in this browser').check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.locator('.conn-state', { hasText: 'Connected: nats-server' }).waitFor({ timeout: 15_000 });
  await page.reload();
  await page.locator('#term-input').waitFor();
  await page.locator('.conn-state', { hasText: 'Connected: nats-server' }).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: /^Disconnect/ }).click();
  await page.locator('.conn-state', { hasText: 'Embedded engine' }).waitFor();
  await page.reload();
  await page.locator('#term-input').waitFor();
  assert.match(await page.locator('.conn-state').innerText(), /Embedded engine/);
  assert.deepEqual(errors, []);
});
