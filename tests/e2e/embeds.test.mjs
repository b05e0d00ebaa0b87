// Embeds as a documentation page's reader meets them: a lesson step's frame settles at its content's height (and
// does not open with a tall empty terminal), no embed takes the page's focus or scrolls it before the reader
// interacts, the compact one-step embed shows the step, its Run and its output, the Embed panel makes Python and
// JavaScript cells, and <nats-kv-playground> works on a page of another origin, loading only once scrolled to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { serve, launch, open, type } from './harness.mjs';

let server, browser, other;
// A second origin for host pages: another port of 127.0.0.1 serving whatever page a test puts there.
const pages = new Map();
before(async () => {
  server = await serve();
  browser = await launch();
  other = await new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      const body = pages.get(new URL(req.url, 'http://x').pathname);
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/html' });
      res.end(body ?? 'not found');
    });
    s.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${s.address().port}/`, close: () => new Promise((r) => s.close(r)) }));
  });
});
after(async () => { await browser?.close(); await server?.close(); await other?.close(); });

/** Records, in the host page, every height its first frame is given and every height report the frame sends. */
const recordHeights = () => {
  window.heights = [];
  window.reports = 0;
  window.reportsSinceChange = 0;
  addEventListener('message', (e) => {
    if (e.data && e.data.type === 'kvplay:height') { window.reports++; window.reportsSinceChange++; }
  });
  const watch = (frame) => new MutationObserver(() => {
    const h = frame.style.height;
    if (h && h !== window.heights[window.heights.length - 1]) { window.heights.push(h); window.reportsSinceChange = 0; }
  }).observe(frame, { attributes: true, attributeFilter: ['style'] });
  addEventListener('DOMContentLoaded', () => watch(document.querySelector('iframe')));
};

/** Waits until the frame has reported its height four more times (the page reports on each tick of its clock)
 * without the host changing the frame's height: it has settled. Fails if it keeps changing. */
async function settled(page) {
  await page.waitForFunction(() => window.reportsSinceChange >= 4, null, { timeout: 20_000 });
  return page.evaluate(() => window.heights.map((h) => parseInt(h, 10)));
}

test('a lesson-step embed settles at its content\'s height, before and after Run step, and takes no focus or scroll', async () => {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  await page.addInitScript(recordHeights);
  // A docs page whose embed is below the fold, with the sizing script.
  pages.set('/lesson-step.html', `<!DOCTYPE html><title>docs</title><p style="height: 1200px">Read this first.</p>
    <iframe src="${server.url}?embed=lesson&lesson=cli&step=3" title="A lesson step" style="width: 100%; height: 320px; border: 1px solid #ccc"></iframe>
    <p>After the example.</p><script src="${server.url}embed-host.js"></script>`);
  await page.goto(other.url + 'lesson-step.html');
  const frame = page.frameLocator('iframe');
  await frame.getByRole('button', { name: 'Run step' }).waitFor();
  const opened = await settled(page);
  const first = opened[opened.length - 1];
  assert.ok(opened.length <= 3, `the height settled at once: ${opened.join(' → ')}`);
  assert.ok(first < 900, `the embed opens at its content's height, not more: ${first}px`);
  const termHeight = await frame.locator('.terminal').evaluate((t) => t.getBoundingClientRect().height);
  assert.ok(termHeight < 250, `the empty terminal is small: ${termHeight}px`);
  // Nothing took the host's focus or scrolled it.
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the host page is not scrolled to the embed');
  assert.equal(await page.evaluate(() => document.activeElement === document.body), true, 'the host keeps its focus');
  // The reader runs the step: the frame grows to hold the output, then settles.
  await frame.getByRole('button', { name: 'Run step' }).click();
  await frame.locator('.term-out', { hasText: 'nats kv add lesson' }).waitFor();
  const ran = await settled(page);
  const last = ran[ran.length - 1];
  assert.ok(last >= first && last < 2000, `after Run step the frame holds the output and stops: ${ran.join(' → ')}`);
  // What the frame shows fits it: nothing is cut off and nothing scrolls inside.
  const fits = await page.frames()[1].evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1);
  assert.ok(fits, 'the frame is as tall as its content');
  await page.close();
});

test('the compact one-step embed shows the step, its Run and its output; the steps it builds on run quietly first', async () => {
  const p = await browser.newPage({ viewport: { width: 800, height: 600 } });
  const pageErrors = [];
  p.on('pageerror', (e) => pageErrors.push(String(e)));
  await p.goto(server.url + '?embed=lesson&lesson=cli&step=8&compact=1');
  const step = p.getByRole('region', { name: /^Lesson step: Update: compare and swap/ });
  await step.waitFor();
  assert.equal(await step.locator('h2').innerText(), 'Update: compare and swap');
  assert.match(await step.locator('pre.cmdline').innerText(), /^\$ nats kv update lesson lock\.report worker-1-renewed 5\n\$ nats kv update lesson lock\.report worker-1-renewed 5$/);
  // Only the step: no step list, no Run all, no terminal, no lesson list.
  assert.equal(await p.getByRole('button', { name: 'Run all' }).count(), 0);
  assert.equal(await p.locator('.terminal, .lesson-steps, .step-list').count(), 0);
  await step.getByRole('button', { name: 'Run' }).click();
  const out = await step.locator('pre.snippet-out').innerText();
  assert.match(out.split('\n')[0], /^\$ nats kv update lesson lock\.report worker-1-renewed 5$/, 'the step\'s own command comes first');
  assert.doesNotMatch(out, /bucket not found/);
  assert.match(out, /wrong last sequence: 6/, 'the second update fails as the lesson shows');
  assert.match(await step.innerText(), /first ran the \d+ earlier steps this one builds on/);
  assert.match(await step.locator('.verdict').innerText(), /as the lesson shows/);
  // Run again: the same, from an empty server.
  await step.getByRole('button', { name: 'Run' }).click();
  assert.equal(await step.locator('pre.snippet-out').innerText(), out);
  assert.deepEqual(pageErrors, []);
  await p.close();
});

test('the Embed panel makes a Python cell embed that runs the session in the page', { timeout: 120_000 }, async () => {
  const { page, errors } = await open(browser, server.url);
  await type(page, 'nats kv add demo');
  await type(page, 'nats kv put demo colour red');
  await type(page, 'nats kv get demo colour');
  await page.locator('.term-out', { hasText: 'demo > colour revision: 1' }).waitFor();
  await page.getByRole('button', { name: 'Embed' }).click();
  await page.getByLabel(/as a Python cell/).check();
  const snippet = await page.locator('textarea.embed-code').inputValue();
  const src = /<iframe src="([^"]+)"/.exec(snippet)[1].replaceAll('&amp;', '&');
  assert.match(src, /\?embed=code&lang=python&code=[A-Za-z0-9_-]+$/);
  const code = Buffer.from(new URL(src).searchParams.get('code'), 'base64url').toString();
  assert.doesNotMatch(code, /sys\.argv|pip install/, 'a cell for the page, not a program for a shell');
  const reader = await browser.newPage();
  await reader.goto(src);
  await reader.locator('.pycell .py-run, .pycell button', { hasText: 'Run' }).first().click();
  await reader.locator('.pyout', { hasText: 'red' }).waitFor({ timeout: 100_000 });
  assert.match(await reader.locator('.pyout').innerText(), /^1\nred\n/);
  assert.deepEqual(errors, []);
  await reader.close();
  await page.close();
});

test('<nats-kv-playground> on a page of another origin: lazy until scrolled to, sized to its content, runs, takes no focus', async () => {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  pages.set('/element.html', `<!DOCTYPE html><title>docs</title>
    <script src="${server.url}nats-kv-playground.js"></script>
    <h1>Revisions</h1><p style="height: 1500px">Every write appends a revision.</p>
    <nats-kv-playground id="ex" timeline theme="light">
      nats kv add demo --history 5
      nats kv put demo greeting hello
      nats kv put demo greeting again
    </nats-kv-playground>
    <p style="height: 400px">After.</p>`);
  await page.goto(other.url + 'element.html');
  const el = page.locator('#ex');
  await page.waitForFunction(() => customElements.get('nats-kv-playground') !== undefined);
  assert.equal(await el.evaluate((e) => e.shadowRoot.querySelector('iframe')), null, 'no frame before it is near the viewport');
  assert.ok(!requests.some((u) => u.endsWith('.wasm')), 'nothing of the playground is fetched before it is needed');
  // The reader scrolls down to it: the frame appears, from the playground's origin, and loads.
  await page.evaluate(() => window.scrollTo(0, 1200));
  await page.waitForFunction(() => document.getElementById('ex').shadowRoot.querySelector('iframe'));
  const src = await el.evaluate((e) => e.shadowRoot.querySelector('iframe').src);
  assert.ok(src.startsWith(server.url) && !src.startsWith(other.url), `the frame is the playground's origin: ${src}`);
  // (Locators reach into the element's open shadow root.)
  const frame = page.frameLocator('#ex iframe');
  await frame.getByRole('button', { name: 'Run' }).waitFor();
  assert.match(await frame.locator('pre.cmdline').innerText(), /^\$ nats kv add demo --history 5\n\$ nats kv put demo greeting hello\n\$ nats kv put demo greeting again$/);
  // It sized itself to its content, and neither took the focus nor moved the page.
  await page.waitForFunction(() => parseInt(document.getElementById('ex').shadowRoot.querySelector('iframe').style.height, 10) > 0);
  assert.equal(await page.evaluate(() => window.scrollY), 1200);
  assert.equal(await page.evaluate(() => document.activeElement === document.body), true);
  const before = await el.evaluate((e) => e.getBoundingClientRect().height);
  await frame.getByRole('button', { name: 'Run' }).click();
  await frame.locator('.snippet-out', { hasText: '$ nats kv put demo greeting again' }).waitFor();
  await frame.locator('svg.strip g.mark').first().waitFor();
  await page.waitForFunction((b) => document.getElementById('ex').getBoundingClientRect().height > b + 50, before);
  const fits = await frame.locator('html').evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1);
  assert.ok(fits, 'the element is as tall as what its frame shows');
  // The page drives it: run() answers with a kvplay:result event on the element.
  const result = await el.evaluate((e) => new Promise((resolve) => {
    e.addEventListener('kvplay:result', (ev) => resolve(ev.detail), { once: true });
    e.run('nats kv get demo greeting', 7);
  }));
  assert.equal(result.id, 7);
  assert.match(result.output, /again/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a compact step of the Python lesson shows its program; Run runs it, after the step it builds on, with real Python', { timeout: 150_000 }, async () => {
  const p = await browser.newPage({ viewport: { width: 800, height: 600 } });
  const pageErrors = [];
  p.on('pageerror', (e) => pageErrors.push(String(e)));
  await p.goto(server.url + '?embed=lesson&lesson=python&step=3&compact=1');
  const step = p.getByRole('region', { name: 'Lesson step: Put and get' });
  await step.waitFor();
  const shown = await step.evaluate((e) => e.innerText + [...e.querySelectorAll('textarea')].map((t) => t.value).join('\n'));
  assert.match(shown, /rev = await kv\.put\("app\.timeout", b"30"\)/, 'the program is shown');
  assert.equal(await p.getByRole('button', { name: 'Run all' }).count(), 0);
  assert.equal(await p.locator('.terminal').count(), 0);
  // One Run for the step (the step it builds on first); the cell's own controls are not offered.
  assert.equal(await step.getByRole('button', { name: 'Run', exact: true }).count(), 0);
  await step.getByRole('button', { name: 'Run step' }).click();
  // The whole app takes over in the same compact view, runs the bucket's step quietly, then this program.
  const out = p.getByRole('region', { name: 'Lesson step: Put and get' }).locator('.pyout', { hasText: 'read app.timeout = 30 (revision 1)' });
  await out.waitFor({ timeout: 120_000 });
  assert.match(await out.innerText(), /^app\.timeout = 30 at revision 1\napp\.max_connections = 100 at revision 2\nread app\.timeout = 30 \(revision 1\)/);
  const region = await p.getByRole('region', { name: 'Lesson step: Put and get' }).innerText();
  assert.match(region, /first ran the 1 earlier step this one builds on/);
  assert.doesNotMatch(region, /shows no output/, 'the program is compared with the output the lesson shows');
  assert.doesNotMatch(await p.locator('body').innerText(), /NameError|BucketNotFound/);
  assert.equal(await p.getByRole('button', { name: 'Run all' }).count(), 0, 'still one step alone');
  assert.deepEqual(pageErrors, []);
  await p.close();
});

test('a lesson embed of the Python lesson: Run all hands over to the whole app, which runs the programs', { timeout: 170_000 }, async () => {
  const p = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const pageErrors = [];
  p.on('pageerror', (e) => pageErrors.push(String(e)));
  await p.goto(server.url + '?embed=lesson&lesson=python&step=2');
  await p.getByRole('button', { name: 'Run all' }).click();
  // The first program ran for real: its cell shows what it printed.
  // Every program runs, one after another, in the embed (it stays an embed: no page header): every step is done.
  const n = await p.locator('.steps .step').count();
  await p.locator('.progress', { hasText: `${n} of ${n} steps done` }).waitFor({ timeout: 140_000 });
  assert.equal(await p.locator('header.top').count(), 0, 'still an embed');
  assert.match(p.url(), /embed=lesson/);
  assert.doesNotMatch(await p.locator('body').innerText(), /NameError/);
  assert.deepEqual(pageErrors, []);
  await p.close();
});

test('the Embed panel pastes the custom element too, and what it pastes runs on a page of another origin', async () => {
  const { page, errors } = await open(browser, server.url);
  await type(page, 'nats kv add demo');
  await type(page, 'nats kv put demo colour "red & <blue>"');
  await page.getByRole('button', { name: 'Embed' }).click();
  await page.getByLabel(/the <nats-kv-playground> element/).check();
  const snippet = await page.locator('textarea.embed-code').inputValue();
  assert.match(snippet, /^<script src="[^"]+\/nats-kv-playground\.js" defer><\/script>\n<nats-kv-playground>\nnats kv add demo\nnats kv put demo colour "red &amp; &lt;blue&gt;"\n<\/nats-kv-playground>$/);
  pages.set('/from-panel.html', `<!DOCTYPE html><title>docs</title><h1>Example</h1>\n${snippet}`);
  const host = await browser.newPage({ viewport: { width: 900, height: 700 } });
  await host.goto(other.url + 'from-panel.html');
  const frame = host.frameLocator('nats-kv-playground iframe');
  await frame.getByRole('button', { name: 'Run' }).click();
  await frame.locator('.snippet-out', { hasText: 'red & <blue>' }).waitFor();
  assert.deepEqual(errors, []);
  await host.close();
  await page.close();
});
