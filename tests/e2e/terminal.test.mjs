// The terminal reads like a terminal: a line wider than the pane wraps at the pane's width (the end of a long
// error stays in view), a table scrolls sideways instead of being cut off, a copy gives the text as printed,
// and watch colours PUT and DELETE as natscli does on a colour terminal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, open, type, terminalText, shots } from './harness.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('a long error line wraps inside a narrow pane and stays readable', async () => {
  const { page, errors } = await open(browser, server.url, { viewport: { width: 480, height: 900 } });
  await type(page, 'nats kv add locks');
  await type(page, 'nats kv create locks l1 first');
  await type(page, 'nats kv create locks l1 second');
  const want = 'nats: error: nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: 1: key exists';
  const err = page.locator('.term-out .line.err', { hasText: 'wrong last sequence' }).last();
  await err.waitFor();
  assert.equal((await err.innerText()).trimEnd(), want);

  const geo = await page.evaluate(() => {
    const out = document.querySelector('.term-out');
    const spans = [...out.querySelectorAll('.line.err')];
    const line = spans[spans.length - 1];
    const o = out.getBoundingClientRect();
    const rects = [...line.getClientRects()];
    return {
      outLeft: o.left, outRight: o.right,
      lineLeft: Math.min(...rects.map((r) => r.left)), lineRight: Math.max(...rects.map((r) => r.right)),
      rows: new Set(rects.map((r) => Math.round(r.top))).size,
      scrollWidth: out.scrollWidth, clientWidth: out.clientWidth,
    };
  });
  // The pane is narrower than the line, so the line takes several rows, every one of them inside the pane.
  assert.ok(geo.rows > 1, `the error should wrap: ${JSON.stringify(geo)}`);
  assert.ok(geo.lineRight <= geo.outRight + 0.5 && geo.lineLeft >= geo.outLeft - 0.5, JSON.stringify(geo));
  assert.ok(geo.scrollWidth <= geo.clientWidth, `nothing sticks out sideways: ${JSON.stringify(geo)}`);

  // A copy of the output gives the line as printed, without the breaks the wrapping shows.
  const copied = await page.evaluate(() => {
    const sel = window.getSelection();
    sel.selectAllChildren(document.querySelector('.term-out'));
    const t = sel.toString();
    sel.removeAllRanges();
    return t;
  });
  assert.ok(copied.includes(`\n${want}`), JSON.stringify(copied));
  assert.ok(copied.includes('\n$ nats kv create locks l1 second\n'), JSON.stringify(copied));
  assert.equal(copied.trimEnd(), (await terminalText(page)).trimEnd());

  // A table is not wrapped: it scrolls sideways within the pane, and its last column can be scrolled to.
  await type(page, 'nats kv history locks l1');
  const table = page.locator('.term-out .table-block').last();
  await table.waitFor();
  const t = await table.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const out = el.closest('.term-out').getBoundingClientRect();
    el.scrollLeft = el.scrollWidth;
    return { wide: el.scrollWidth > el.clientWidth, overflow: getComputedStyle(el).overflowX, right: r.right, outRight: out.right, scrolled: el.scrollLeft > 0 };
  });
  assert.ok(t.wide && t.scrolled && t.overflow === 'auto', JSON.stringify(t));
  assert.ok(t.right <= t.outRight + 0.5, JSON.stringify(t));
  assert.match(await table.innerText(), /│ Value\s+│/);
  await page.screenshot({ path: path.join(shots, 'terminal-narrow.png') });
  assert.deepEqual(errors, []);
});

test('watch colours PUT green and DELETE red, and shows no escape characters', async () => {
  const { page, errors } = await open(browser, server.url, { viewport: { width: 1280, height: 860 } });
  await type(page, 'nats kv add w');
  await type(page, 'nats kv watch w');
  await type(page, 'nats kv put w k v1');
  await type(page, 'nats kv del -f w k');
  const put = page.locator('.term-out .ansi-green', { hasText: 'PUT' }).first();
  const del = page.locator('.term-out .ansi-red', { hasText: 'DELETE' }).first();
  await put.waitFor();
  await del.waitFor();
  assert.notEqual(await put.evaluate((e) => getComputedStyle(e).color), await del.evaluate((e) => getComputedStyle(e).color));
  const text = await terminalText(page);
  assert.match(text, /PUT w > k: v1/);
  assert.match(text, /DELETE w > k/);
  assert.doesNotMatch(text, /\u001b/);
  assert.deepEqual(errors, []);
});
