// Measures, in headless Chromium on the release build, the time from pressing Run step on the Python lesson's
// first program step ("Connect and create a bucket") to its program's first output in the cell: cold (a fresh
// browser context, so Pyodide and nats-py load from the server) and warm (the same page: Run step on the next
// step, "Put and get", whose cell has not run yet).
// Prints a Markdown table; run after `trunk build --release` (scripts/bench.sh does neither for this yet).
import { serve, launch } from '../tests/e2e/harness.mjs';

const ROUNDS = 3;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await serve();
const browser = await launch();

/** Presses Run step and waits for the cell's first output; the milliseconds between, as the page measures them. */
async function runStep(page) {
  await page.evaluate(() => {
    window.__firstOutput = undefined;
    const start = performance.now();
    window.__runStart = start;
    new MutationObserver((_, obs) => {
      const out = document.querySelector('.pycell .pyout');
      if (out && out.textContent.trim() !== '') {
        window.__firstOutput = performance.now() - start;
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  await page.getByRole('button', { name: 'Run step', exact: true }).click();
  await page.waitForFunction(() => window.__firstOutput !== undefined, null, { timeout: 120_000 });
  return page.evaluate(() => window.__firstOutput);
}

const cold = [];
const warm = [];
for (let i = 0; i < ROUNDS; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(server.url + '?lesson=python');
  await page.locator('ol.steps button', { hasText: 'Connect and create a bucket' }).click();
  cold.push(await runStep(page));
  await page.locator('ol.steps button', { hasText: 'Put and get' }).click();
  await page.locator('.step-body h3', { hasText: 'Put and get' }).waitFor();
  warm.push(await runStep(page));
  await ctx.close();
}
await browser.close();
server.close();

const ms = (x) => `${Math.round(x)} ms`;
console.log('| Run step to the first output | median | runs |');
console.log('|---|---|---|');
console.log(`| cold (fresh context: Pyodide and nats-py loaded) | ${ms(med(cold))} | ${cold.map(ms).join(', ')} |`);
console.log(`| warm (the same page, the next step) | ${ms(med(warm))} | ${warm.map(ms).join(', ')} |`);
