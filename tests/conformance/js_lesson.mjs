// Runs every JavaScript program of a lesson that shows its output (a `javascript` block followed by an `output`
// block) with node and the official client against a real nats-server's WebSocket port, and checks that each
// prints exactly what the lesson shows: the page's cells must tell the truth about a real server.
// Usage: node tests/conformance/js_lesson.mjs lessons/python-kv.md
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modules = path.join(root, '.tools/npm');
const bin = path.join(root, '.tools/venv/bin/nats-server');

const md = fs.readFileSync(process.argv[2], 'utf8');
const pairs = [];
let pending = null;
for (const m of md.matchAll(/^```([\w-]*)\n([\s\S]*?)^```/gm)) {
  if (m[1] === 'javascript' || m[1] === 'js') pending = m[2];
  else if (m[1] === 'output' && pending !== null) { pairs.push([pending, m[2].replace(/\n+$/, '')]); pending = null; }
}
if (pairs.length === 0) { console.error('no javascript/output pairs found'); process.exit(1); }

const freePort = () => new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const listening = async (port) => {
  for (let i = 0; i < 200; i++) {
    if (await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); }); c.on('error', () => r(false)); })) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port}`);
};

const [port, wsPort] = [await freePort(), await freePort()];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvplay-jslesson-'));
fs.writeFileSync(path.join(dir, 'server.conf'), `websocket {\n  listen: "127.0.0.1:${wsPort}"\n  no_tls: true\n}\n`);
const server = spawn(bin, ['-c', path.join(dir, 'server.conf'), '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', path.join(dir, 'js')], { stdio: 'ignore' });
const failures = [];
try {
  await listening(port);
  await listening(wsPort);
  for (const [i, [code, expected]] of pairs.entries()) {
    // Beside the installed packages, so its imports resolve as in a project that installed them.
    const file = path.join(modules, `lesson-js-${process.pid}-${i}.mjs`);
    fs.writeFileSync(file, code.replaceAll('ws://localhost:8080', `ws://127.0.0.1:${wsPort}`));
    try {
      const got = await new Promise((resolve, reject) => execFile('node', ['--no-warnings', '--experimental-websocket', file], { timeout: 30_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))));
      if (got.replace(/\n+$/, '') !== expected) failures.push(`program ${i + 1} printed:\n${got}\nbut the lesson shows:\n${expected}`);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
  console.log(`${pairs.length} programs run, ${failures.length} differ`);
} finally {
  server.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}
if (failures.length) { console.error(failures.join('\n\n')); process.exit(1); }
