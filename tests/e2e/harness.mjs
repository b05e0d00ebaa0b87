// Shared pieces of the end-to-end tests: a static server for dist/ on 127.0.0.1, headless Chromium, and
// helpers that type into the playground's terminal as a learner would.
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
const require = createRequire(path.join(root, '.tools/npm/node_modules/'));
const { chromium } = require('playwright-core');

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.py': 'text/plain', '.zip': 'application/zip', '.wasm': 'application/wasm', '.css': 'text/css', '.md': 'text/markdown', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

/** Serves a directory on 127.0.0.1 on a free port; resolves to { url, close }. `extra` maps paths to files or
 * to functions that return a body (a workshop's lesson files and workshop.json, served beside the app). */
export function serve(dir = process.env.KVPLAY_DIST || path.join(root, 'dist'), extra = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const more = extra[url.pathname];
    if (more) {
      res.writeHead(200, { 'content-type': types[path.extname(url.pathname)] || 'application/octet-stream' });
      return res.end(typeof more === 'function' ? more() : fs.readFileSync(more));
    }
    // Test fixtures (a workshop's lesson file) are served beside the app.
    const base = url.pathname.startsWith('/fixtures/') ? path.join(here) : dir;
    let file = path.join(base, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir) && !file.startsWith(path.join(here, 'fixtures'))) { res.writeHead(403); return res.end(); }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end('not found'); }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) });
  }));
}

/** A loopback port nothing listens on, for a server a test starts: below the range the system hands out for
 * outgoing connections and port 0 (32768 and up), so no connection takes it before the server binds it, and never
 * the same twice in one run. */
let nextPort = (process.pid * 7919) % 12000;
export async function freePort() {
  for (let i = 0; i < 12000; i++) {
    const port = 20000 + (nextPort++ % 12000);
    const free = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free loopback port between 20000 and 32000');
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export const shots = path.join(root, 'tests/screenshots');
fs.mkdirSync(shots, { recursive: true });

/** Opens the playground and waits until the terminal accepts input; collects console errors. */
export async function open(browser, url, opts = {}) {
  const page = await browser.newPage(opts);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.locator('#term-input').waitFor();
  return { page, errors };
}

/** Types one line into the terminal and presses Enter. */
export async function type(page, line) {
  const input = page.locator('#term-input');
  await input.click();
  await input.fill(line);
  await input.press('Enter');
}

/** The terminal's text, one string. */
export async function terminalText(page) {
  return page.locator('.term-out').innerText();
}
