// Loading in parts: the first load is the terminal, the explorer and the clock; anything else a visitor opens
// loads the whole app, which goes on exactly where the first load was (buckets and their history, a running
// watch, the clock's moves, the terminal's lines and half-typed line), then does what was asked. A lesson's
// address starts the whole app at once; a failed fetch leaves the first load working and says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import zlib from 'node:zlib';
import { serve, launch, open, type, terminalText } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

/** Opens a page recording the paths it requests, once `ready` shows. */
async function openLogged(url, ready = '#term-input') {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.locator(ready).waitFor();
  return { ctx, page, requests, errors };
}

test('the first load fetches none of the whole app; the Timeline tab loads it and everything carries over', async () => {
  const { ctx, page, requests, errors } = await openLogged(server.url);
  assert.ok(requests.some((p) => /playground-lite-[0-9a-f]+_bg\.wasm$/.test(p)), 'the first load is the small module');
  await type(page, 'nats kv add demo --history 2 --ttl 1h');
  for (const v of ['one', 'two', 'three']) await type(page, `nats kv put demo k ${v}`);
  await type(page, 'nats kv watch demo');
  await page.getByRole('button', { name: 'Fast-forward the clock 1m' }).click();
  const clockBefore = await page.locator('.clock-time').innerText();
  await page.locator('#term-input').fill('nats kv get demo k');
  assert.ok(!requests.some((p) => p.startsWith('/full/') || p.startsWith('/vendor/')), 'nothing else before it is needed');

  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.waitForFunction(() => window.kvplayParts.whole);
  assert.ok(requests.some((p) => /^\/full\/full-[0-9a-f]+_bg\.wasm$/.test(p)), 'the whole app was fetched on first use');
  // The timeline shows the revision the history limit removed, with why: the journal came across.
  await page.locator('[aria-label="Timeline"] svg').first().waitFor();
  assert.equal(await page.getByRole('tab', { name: 'Timeline' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#term-input').inputValue(), 'nats kv get demo k', 'the half-typed line is kept');
  const text = await terminalText(page);
  assert.match(text, /\$ nats kv put demo k three\nthree\n/);
  assert.match(await page.locator('.term-status').innerText(), /1 watch running/);
  const clockAfter = await page.locator('.clock-time').innerText();
  assert.ok(clockAfter >= clockBefore, `the clock kept its fast-forward (${clockBefore} then ${clockAfter})`);
  // The running watch goes on in the whole app: a new write reaches it.
  await type(page, 'nats kv put demo k four');
  await page.locator('.term-out', { hasText: 'PUT demo > k: four' }).waitFor();
  await page.keyboard.press('Control+c');
  await type(page, 'nats kv history demo k');
  assert.match(await terminalText(page), /three[\s\S]*four/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('each control of the first load opens its part in the whole app', async () => {
  const cases = [
    { press: (p) => p.getByRole('button', { name: 'Key-Value with the nats CLI' }).click(), shown: (p) => p.getByRole('button', { name: 'Run all' }) },
    { press: (p) => p.getByRole('tab', { name: 'Watchers' }).click(), shown: (p) => p.locator('[aria-label="Watchers"] button').first() },
    { press: (p) => p.getByRole('tab', { name: 'As code' }).click(), shown: (p) => p.getByRole('tab', { name: /nats-py|Python/ }).first() },
    { press: (p) => p.getByRole('button', { name: 'Share' }).click(), shown: (p) => p.locator('input.share-link') },
    { press: (p) => p.getByRole('button', { name: 'Embed' }).click(), shown: (p) => p.locator('textarea, .embed-panel').first() },
    { press: (p) => p.getByRole('button', { name: 'Start over' }).click(), shown: (p) => p.getByRole('button', { name: 'Yes, wipe everything' }) },
    { press: (p) => p.locator('.server-bar summary').click(), shown: (p) => p.locator('form.server-form input.server-url') },
  ];
  for (const c of cases) {
    const { ctx, page, errors } = await openLogged(server.url);
    await type(page, 'nats kv add carried');
    await c.press(page);
    await c.shown(page).waitFor({ state: 'visible', timeout: 15_000 });
    await page.waitForFunction(() => window.kvplayParts.whole);
    // The bucket made in the first load is there.
    await type(page, 'nats kv ls');
    assert.match(await terminalText(page), /carried/);
    assert.deepEqual(errors, []);
    await ctx.close();
  }
});

test('the pointer over a control of the whole app fetches it early without starting it; the press then starts it', async () => {
  const { ctx, page, requests, errors } = await openLogged(server.url);
  await type(page, 'nats kv add early');
  const fetched = page.waitForResponse(/\/full\/full-[0-9a-f]+_bg\.wasm$/);
  await page.getByRole('tab', { name: 'Timeline' }).hover();
  await fetched;
  assert.equal(await page.evaluate(() => window.kvplayParts.whole), false, 'fetched, not started');
  await type(page, 'nats kv put early k v');
  assert.match(await terminalText(page), /\$ nats kv put early k v\nv\n/, 'the first load goes on');
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.waitForFunction(() => window.kvplayParts.whole);
  await page.locator('[aria-label="Timeline"] svg').first().waitFor();
  assert.equal(requests.filter((p) => /^\/full\/full-[0-9a-f]+_bg\.wasm$/.test(p)).length, 1, 'fetched once');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('an Import picked in the first load is imported by the whole app', async () => {
  const exportFile = path.join(os.tmpdir(), 'kvplay-parts-export.json');
  {
    const { ctx, page } = await openLogged(server.url);
    await type(page, 'nats kv add moved --history 3');
    await type(page, 'nats kv put moved a 1');
    await type(page, 'nats kv put moved a 2');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await (await download).saveAs(exportFile);
    await ctx.close();
  }
  const { ctx, page } = await openLogged(server.url);
  await page.locator('input[type=file]').setInputFiles(exportFile);
  await page.locator('.term-out', { hasText: 'imported 1 bucket from' }).waitFor();
  await type(page, 'nats kv history moved a');
  assert.match(await terminalText(page), /moved[\s\S]*2/);
  fs.rmSync(exportFile, { force: true });
  await ctx.close();
});

test('a lesson address starts the whole app at once, without the first load', async () => {
  const { ctx, page, requests } = await openLogged(server.url + '?lesson=cli&step=2');
  await page.getByRole('button', { name: 'Run step' }).first().waitFor();
  assert.ok(!requests.some((p) => /playground-lite/.test(p)), `the first load is not fetched: ${requests.join(' ')}`);
  await ctx.close();
});

test('a visitor with a kept session gets the whole app at once, which restores it; a newcomer gets the first load', async () => {
  const { ctx, page, requests } = await openLogged(server.url);
  assert.ok(requests.some((p) => /playground-lite-[0-9a-f]+_bg\.wasm$/.test(p)), 'a newcomer starts in the first load');
  await type(page, 'nats kv add kept --history 3');
  await type(page, 'nats kv put kept k one');
  await type(page, 'nats kv put kept k two');
  const before = requests.length;
  await page.reload();
  await page.locator('#term-input').waitFor();
  await page.waitForFunction(() => window.kvplayParts.whole);
  const after = requests.slice(before);
  assert.ok(after.some((p) => /^\/full\/full-[0-9a-f]+_bg\.wasm$/.test(p)), 'the whole app starts at once');
  assert.ok(!after.some((p) => /playground-lite-[0-9a-f]+_bg\.wasm$/.test(p)), 'without the first load');
  await page.locator('.line.note', { hasText: 'restored your session' }).waitFor();
  await type(page, 'nats kv history kept k');
  assert.match(await terminalText(page), /one[\s\S]*two/);
  // Start over forgets the session: the next visit is a newcomer's again.
  await page.getByRole('button', { name: 'Start over' }).click();
  await page.getByRole('button', { name: 'Yes, wipe everything' }).click();
  const wiped = requests.length;
  await page.reload();
  await page.locator('#term-input').waitFor();
  assert.ok(requests.slice(wiped).some((p) => /playground-lite-[0-9a-f]+_bg\.wasm$/.test(p)), 'the first load again');
  await ctx.close();
});

test('a session kept after the loader looked (another tab) is left untouched by the first load, which says so', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  // Another tab keeps its session between the loader's look (which sees nothing) and the first load's start.
  await page.addInitScript(() => {
    if (sessionStorage.getItem('seeded')) return;
    sessionStorage.setItem('seeded', '1');
    const get = Storage.prototype.getItem;
    let first = true;
    Storage.prototype.getItem = function (key) {
      if (key === 'kvplay.state' && first) {
        first = false;
        localStorage.setItem('kvplay.state', '{"format":"from another tab"}');
        return null;
      }
      return get.call(this, key);
    };
  });
  await page.goto(server.url);
  await page.locator('#term-input').waitFor();
  assert.equal(await page.evaluate(() => window.kvplayParts.whole), false, 'the first load runs');
  await page.locator('.line.note', { hasText: 'a session from another visit is kept in this browser' }).waitFor();
  await type(page, 'nats kv add mine');
  await type(page, 'nats kv put mine k v');
  assert.equal(await page.evaluate(() => localStorage.getItem('kvplay.state')), '{"format":"from another tab"}',
    'what another tab kept is not overwritten');
  await ctx.close();
});

test('when the whole app cannot be fetched, the first load says so and keeps working', async () => {
  const { ctx, page } = await openLogged(server.url);
  await page.route('**/full/**', (route) => route.abort());
  await type(page, 'nats kv add stays');
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.locator('[role=alert]', { hasText: 'could not be loaded' }).waitFor();
  await type(page, 'nats kv put stays k v');
  assert.match(await terminalText(page), /\$ nats kv put stays k v\nv\n/);
  // Once the network is back, the same press loads it.
  await page.unroute('**/full/**');
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.waitForFunction(() => window.kvplayParts.whole);
  await type(page, 'nats kv get stays k --raw');
  assert.match(await terminalText(page), /\nv\n?/);
  await ctx.close();
});

const snippetCmds = () => 'z.' + zlib.deflateSync(Buffer.from('nats kv add snip --history 2\nnats kv put snip k 1\nnats kv put snip k 2\nnats kv put snip k 3'))
  .toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

test('a snippet embed loads only the snippet module and runs', async () => {
  const { ctx, page, requests } = await openLogged(`${server.url}?embed=snippet&cmds=${snippetCmds()}`, '.snippet button');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('.snippet-out', { hasText: '$ nats kv put snip k 3' }).waitFor();
  assert.ok(requests.some((p) => /^\/snippet\/snippet-[0-9a-f]+_bg\.wasm$/.test(p)));
  assert.ok(!requests.some((p) => /playground-lite|\/full\//.test(p)), `only the snippet module: ${requests.join(' ')}`);
  await ctx.close();
});

test('a snippet with its timeline starts in the snippet module; Run shows the output, then the whole app draws the timeline under it', async () => {
  const { ctx, page, requests, errors } = await openLogged(`${server.url}?embed=snippet&timeline=1&cmds=${snippetCmds()}`, '.snippet button');
  assert.ok(requests.some((p) => p.startsWith('/snippet/')), 'the snippet module');
  assert.ok(!requests.some((p) => p.startsWith('/full/')), `none of the whole app before Run: ${requests.join(' ')}`);
  // The keyboard reaching Run starts the fetch.
  const fetched = page.waitForResponse(/\/full\/full-[0-9a-f]+_bg\.wasm$/);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Run');
  await fetched;
  assert.equal(await page.evaluate(() => window.kvplayParts.whole), false);
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('.snippet-out', { hasText: '$ nats kv put snip k 3' }).waitFor();
  const before = await page.locator('.snippet-out').innerText();
  await page.waitForFunction(() => window.kvplayParts.whole);
  assert.ok(requests.some((p) => /^\/full\/full-[0-9a-f]+_bg\.wasm$/.test(p)), 'the whole app, for the timeline');
  // The whole app went on with the snippet's server: the revision the history limit removed is on the timeline.
  await page.locator('.snippet [aria-label="Timeline"] svg').waitFor();
  assert.equal(await page.locator('.snippet-out').innerText(), before, 'the same output');
  assert.equal(await page.locator('.snippet').count(), 1, 'one snippet on the page');
  assert.equal(await page.locator('.snippet .mark[data-seq="1"]').getAttribute('data-gone'), 'true');
  assert.equal(await page.locator('.snippet .mark[data-seq="3"]').getAttribute('data-gone'), 'false');
  assert.equal(await page.locator('.pane-loading').count(), 0, 'the loading line is gone');
  // The Run button keeps the keyboard's focus, and runs again from an empty server in the whole app.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Run');
  await page.keyboard.press('Enter');
  await page.locator('.snippet .mark[data-seq="3"]').waitFor();
  assert.equal(await page.locator('.snippet .mark').count(), 3);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a host command sent while the snippet module hands over is run by the whole app', async () => {
  const { ctx, page, errors } = await openLogged(`${server.url}?embed=snippet&timeline=1&cmds=${snippetCmds()}`, '.snippet button');
  // As soon as the snippet module has taken its page away, the host sends a command.
  await page.evaluate(() => {
    const embed = document.querySelector('.embed');
    new MutationObserver((_, obs) => {
      if (!embed.isConnected) {
        obs.disconnect();
        window.postMessage({ type: 'kvplay:run', command: 'nats kv put snip k 4', id: 2 }, '*');
      }
    }).observe(document.body, { childList: true });
  });
  await page.getByRole('button', { name: 'Run' }).click();
  await page.waitForFunction(() => window.kvplayParts.whole);
  await page.locator('.snippet-out', { hasText: '$ nats kv put snip k 4' }).waitFor();
  await page.locator('.snippet .mark[data-seq="4"]').waitFor();
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a snippet with its timeline: the host page's command shows the timeline too; a failed fetch says why and Run tries again", async () => {
  const { ctx, page, requests } = await openLogged(`${server.url}?embed=snippet&timeline=1&cmds=${snippetCmds()}`, '.snippet button');
  // The whole app's files are held until the page has said what it waits for, then refused.
  let release;
  const gate = new Promise((r) => { release = r; });
  await page.route('**/full/**', async (route) => { await gate; await route.abort(); });
  // The host page's command (here the page posts to itself, as a host page would).
  await page.evaluate(() => window.postMessage({ type: 'kvplay:run', command: 'nats kv add hosted', id: 1 }, '*'));
  await page.locator('.snippet-out', { hasText: 'nats kv add hosted' }).waitFor();
  await page.locator('.pane-loading[role=status]', { hasText: 'Loading the timeline…' }).waitFor();
  release();
  await page.locator('[role=alert]', { hasText: 'The timeline could not be loaded' }).waitFor();
  assert.equal(await page.evaluate(() => window.kvplayParts.whole), false);
  // The host's reset clears the output, and the line about the timeline with it.
  await page.evaluate(() => window.postMessage({ type: 'kvplay:reset', id: 3 }, '*'));
  await page.locator('.snippet-out').waitFor({ state: 'detached' });
  assert.equal(await page.locator('[role=alert]').count(), 0);
  // The snippet keeps working without it.
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('.snippet-out', { hasText: '$ nats kv put snip k 3' }).waitFor();
  await page.locator('[role=alert]', { hasText: 'The timeline could not be loaded' }).waitFor();
  await page.unroute('**/full/**');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('.snippet [aria-label="Timeline"] svg').waitFor();
  assert.ok(requests.some((p) => p.startsWith('/full/')));
  assert.equal(await page.locator('[role=alert]').count(), 0);
  await ctx.close();
});

test('with the keyboard alone: the tab pressed in the first load has the focus in the whole app', async () => {
  const { ctx, page } = await openLogged(server.url);
  await page.getByRole('tab', { name: 'Watchers' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.kvplayParts.whole);
  await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'tab' && document.activeElement.textContent === 'Watchers');
  assert.equal(await page.getByRole('tab', { name: 'Watchers' }).getAttribute('aria-selected'), 'true');
  await ctx.close();
});

const isWhole = (p) => p.startsWith('/full/');
const isLessonModule = (p) => /^\/lesson\/lesson-[0-9a-f]+_bg\.wasm$/.test(p);

test('a lesson embed loads only the lesson module and runs its steps there; one asked to keep its session is the whole app', async () => {
  const { ctx, page, requests, errors } = await openLogged(server.url + '?embed=lesson&lesson=cli&step=2');
  assert.ok(requests.some(isLessonModule), `the lesson module: ${requests.join(' ')}`);
  assert.ok(!requests.some((p) => isWhole(p) || /playground-lite/.test(p)), `nothing else: ${requests.join(' ')}`);
  // The module carries no lesson: the loader fetched the one the address names, beside it, and only that one.
  assert.ok(requests.includes('/lessons/cli-walkthrough.md') && !requests.some((p) => /python-kv/.test(p)));
  const step = page.locator('.step-body');
  const title = await step.locator('h3').innerText();
  await page.getByRole('button', { name: 'Run step' }).click();
  await step.locator('.result, .verdict').first().waitFor();
  assert.match(await terminalText(page), /\$ nats /, 'the step ran in the terminal');
  // Typed commands count towards the lesson there too, and Next moves on.
  await page.getByRole('button', { name: 'Next' }).click();
  assert.notEqual(await step.locator('h3').innerText(), title);
  assert.ok(!requests.some(isWhole), 'a CLI lesson never needs the whole app');
  assert.deepEqual(errors, []);
  await ctx.close();

  const kept = await openLogged(server.url + '?embed=lesson&lesson=cli&step=2&persist=1');
  await kept.page.getByRole('button', { name: 'Run step' }).first().waitFor();
  assert.ok(kept.requests.some(isWhole) && !kept.requests.some(isLessonModule), 'persist=1 is the whole app');
  await kept.ctx.close();
});

test("a lesson embed whose lesson file cannot be fetched starts the whole app, which has the lessons built in", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.route('**/lessons/*.md', (route) => route.abort());
  await page.goto(server.url + '?embed=lesson&lesson=cli&step=2');
  await page.getByRole('button', { name: 'Run step' }).first().waitFor();
  assert.ok(requests.some(isWhole), `the whole app: ${requests.join(' ')}`);
  await page.getByRole('button', { name: 'Run step' }).first().click();
  await page.locator('.step-body .result, .step-body .verdict').first().waitFor();
  assert.match(await terminalText(page), /\$ nats /);
  await ctx.close();
});

test("a lesson embed's Python cell hands the page over to the whole app, which runs the edited code where the embed was", { timeout: 120_000 }, async () => {
  const { ctx, page, requests, errors } = await openLogged(server.url + '?embed=lesson&lesson=python&step=2');
  await type(page, 'nats kv add before');
  assert.ok(!requests.some(isWhole), 'nothing of the whole app yet');
  const progress = await page.locator('.progress').innerText();
  const cell = page.locator('.pycell').first();
  const box = cell.locator('textarea');
  const doc = await box.inputValue();
  await box.fill(doc + '\nprint("edited in the embed")');
  await cell.locator('.py-run').click();
  await page.locator('[role=status]', { hasText: 'Loading Python' }).first().waitFor();
  await page.waitForFunction(() => window.kvplayParts.whole, null, { timeout: 30_000 });
  const ran = page.locator('.pycell').first();
  await ran.locator('.pyout', { hasText: 'edited in the embed' }).waitFor({ timeout: 90_000 });
  assert.match(await ran.locator('.pyout').innerText(), /bucket=CONFIG values=0 history=10/);
  assert.match(await ran.locator('textarea').inputValue(), /edited in the embed/, 'the edit came across');
  // The lesson goes on where it was: the same step and its progress, to which the program that ran adds its step.
  const [, done, of] = progress.match(/^(\d+) of (\d+) steps done$/);
  await page.locator('.progress', { hasText: `${Number(done) + 1} of ${of} steps done` }).waitFor();
  assert.equal(await page.locator('.step-body h3').innerText(), 'Connect and create a bucket');
  assert.ok(!requests.some((p) => /playground-lite/.test(p)));
  await type(page, 'nats kv ls');
  assert.match(await terminalText(page), /before[\s\S]*CONFIG|CONFIG[\s\S]*before/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a lesson embed's Run step of a program without operations hands over, and the whole app runs the step", { timeout: 120_000 }, async () => {
  const seed = fs.readFileSync(path.join(import.meta.dirname, '../../../shared/seeds/kv-tutorial-python.md'), 'utf8');
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.route('**/fixtures/seed.md', (r) => r.fulfill({ status: 200, contentType: 'text/markdown', body: seed }));
  await page.goto(server.url + '?embed=lesson&lesson=' + encodeURIComponent(server.url + 'fixtures/seed.md'));
  await page.locator('ol.steps button', { hasText: 'Step 1: Create KV Bucket' }).click();
  assert.ok(requests.some(isLessonModule) && !requests.some(isWhole));
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  await page.waitForFunction(() => window.kvplayParts.whole, null, { timeout: 30_000 });
  const cell = page.locator('.pycell').first();
  await cell.locator('.py-verdict').waitFor({ timeout: 90_000 });
  assert.match(await cell.locator('.py-verdict').innerText(), /AttributeError: 'KeyValue' object has no attribute 'bucket'/);
  assert.equal(await page.locator('.step-body h3').innerText(), 'Step 1: Create KV Bucket');
  await ctx.close();
});

test("a lesson embed's JavaScript cell runs in the whole app, after steps run in the lesson module, with their results kept", { timeout: 120_000 }, async () => {
  const { ctx, page, requests, errors } = await openLogged(server.url + '?embed=lesson&lesson=python&step=12');
  // A step of commands only runs in the lesson module (a step with programs would need Python).
  await page.getByRole('button', { name: 'Run step' }).click();
  await page.locator('.step-body .result').first().waitFor();
  await page.locator('#term-input').focus();
  await type(page, 'nats kv add CONFIG');
  const progress = await page.locator('.progress').innerText();
  assert.ok(!requests.some(isWhole), 'Run step of a step of commands stays in the lesson module');
  await page.locator('ol.steps button', { hasText: 'The same from JavaScript' }).click();
  const cell = page.locator('.jscell').first();
  const box = cell.locator('textarea');
  await box.fill((await box.inputValue()).replace('await nc.close();', 'console.log("edited in the embed");\nawait nc.close();'));
  await cell.locator('.js-run').click();
  await page.waitForFunction(() => window.kvplayParts.whole, null, { timeout: 30_000 });
  const ran = page.locator('.jscell').first();
  await ran.locator('.jsout', { hasText: 'edited in the embed' }).waitFor({ timeout: 60_000 });
  assert.match(await ran.locator('.jsout').innerText(), /theme = dark at revision 1[\s\S]*revision 2: light/);
  assert.equal(await page.locator('.progress').innerText(), progress, 'the lesson came across with its progress');
  await page.locator('ol.steps button', { hasText: 'What to use it for' }).click();
  await page.locator('.step-body .result').first().waitFor();
  await type(page, 'nats kv ls');
  assert.match(await terminalText(page), /CONFIG[\s\S]*PREFS|PREFS[\s\S]*CONFIG/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a code embed shows its program from the lesson module; Run hands over and the whole app runs the edited program', { timeout: 90_000 }, async () => {
  const { ctx, page, requests, errors } =
    await openLogged(server.url + '?embed=code&lang=javascript&lesson=python&step=13&cell=1', '.jscell .js-run');
  assert.ok(requests.some(isLessonModule) && !requests.some(isWhole), `the lesson module only: ${requests.join(' ')}`);
  const box = page.locator('.jscell textarea');
  await box.fill((await box.inputValue()).replace('await nc.close();', 'console.log("edited");\nawait nc.close();'));
  await page.locator('.jscell .js-run').click();
  await page.waitForFunction(() => window.kvplayParts.whole, null, { timeout: 30_000 });
  await page.locator('.jsout', { hasText: 'edited' }).waitFor({ timeout: 60_000 });
  assert.match(await page.locator('.jsout').innerText(), /theme = dark at revision 1[\s\S]*edited/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a line typed with --trace in the first load is run by the whole app, which writes the API trace', async () => {
  const { ctx, page, requests, errors } = await openLogged(server.url);
  await type(page, 'nats kv add traced');
  assert.ok(!requests.some((p) => p.startsWith('/full/')), 'plain commands need nothing more');
  await type(page, 'nats kv put traced k v --trace');
  await page.waitForFunction(() => window.kvplayParts.whole);
  await page.locator('.term-out', { hasText: '>>> $JS.API.STREAM.INFO.KV_traced' }).waitFor();
  const text = await terminalText(page);
  // Once: the whole app ran the line the first load handed over; the bucket came across with it.
  assert.equal(text.split('$ nats kv put traced k v --trace').length - 1, 1, text);
  assert.match(text, /loading the API tracer/);
  await type(page, 'nats kv get traced k --raw');
  assert.match(await terminalText(page), /\$ nats kv get traced k --raw\nv\n/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a traced line whose whole app cannot be fetched runs in the first load, which says why it shows no trace', async () => {
  const { ctx, page } = await openLogged(server.url);
  await page.route('**/full/**', (route) => route.abort());
  await type(page, 'nats kv add offline');
  await type(page, 'nats kv put offline k v --trace');
  await page.locator('.term-out', { hasText: 'the API tracer could not be loaded' }).waitFor();
  await page.locator('.term-out', { hasText: 'writes no API trace' }).waitFor();
  const text = await terminalText(page);
  assert.match(text, /\$ nats kv put offline k v --trace\n[\s\S]*\nv\n/);
  await type(page, 'nats kv get offline k --raw');
  assert.match(await terminalText(page), /\$ nats kv get offline k --raw\nv\n/);
  await ctx.close();
});
