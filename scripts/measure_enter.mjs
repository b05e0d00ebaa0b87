// Measures, in headless Chromium on a release build, the time from Enter to the output of a `nats kv put` typed
// in the page's terminal: 1,000 puts, each timed in the page from the Enter key's event to the frame after the
// put's output line is in the terminal. Prints the median and the 90th percentile.
// Usage: node scripts/measure_enter.mjs [DIST]   (default: dist; run after `trunk build --release`)
import path from 'node:path';
import { serve, launch, root } from '../tests/e2e/harness.mjs';

const dist = process.argv[2] || path.join(root, 'dist');
const N = Number(process.env.ENTER_N || 1000);
const server = await serve(dist);
const browser = await launch();
const page = await browser.newPage();
await page.goto(server.url + '?persist=0');
const input = page.locator('#term-input');
await input.waitFor();
await input.fill('nats kv add enter');
await input.press('Enter');
await page.waitForFunction(() => document.body.innerText.includes('Information for Key-Value Store Bucket enter'));
const times = [];
for (let i = 0; i < N; i++) {
  const value = `v${i}x`;
  await input.fill(`nats kv put enter k ${value}`);
  const ms = await page.evaluate((value) => new Promise((resolve) => {
    const log = document.querySelector('[role="log"]');
    const el = document.getElementById('term-input');
    const seen = () => [...log.querySelectorAll('.line')].slice(-3).some((l) => l.textContent.trim() === value);
    const t0 = performance.now();
    const obs = new MutationObserver(() => {
      if (seen()) {
        obs.disconnect();
        requestAnimationFrame(() => resolve(performance.now() - t0));
      }
    });
    obs.observe(log, { childList: true, subtree: true, characterData: true });
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  }), value);
  times.push(ms);
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(times.length * q))];
console.log(`Enter to output of a put, ${N} puts: median ${at(0.5).toFixed(1)} ms, 90th percentile ${at(0.9).toFixed(1)} ms`);
await browser.close();
server.close();
