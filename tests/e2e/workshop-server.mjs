// A workshop for the end-to-end tests, made as an instructor makes one: `kvplay workshop LESSON --names ...` writes
// the nats-server configuration (an account per learner, the instructor's account with its exports), starts the
// real nats-server with it, creates the instructor's buckets and serves the page, the lesson and workshop.json
// from one origin. The learners' passwords are read from the links.txt it writes.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, root } from './harness.mjs';

const bin = path.join(root, '.tools/venv/bin/nats-server');


/** `kvplay`, built as the tests build it (quick when it is already). */
function kvplay() {
  execFileSync('cargo', ['build', '--quiet', '--locked', '--bin', 'kvplay'], { cwd: root, stdio: 'inherit' });
  return path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'debug', 'kvplay');
}

/** Runs `kvplay workshop` for these learners and `lesson` (a Markdown file); resolves once it has printed its links
 * (nats-server is up, the buckets exist, the page is served) to { site, wsUrl, pass(name), instructorPass, join(name),
 * board, restart, stop }. A restart stops the whole workshop (Ctrl-C) and runs the same command again: the
 * passwords and JetStream's store stay. */
export async function startWorkshop(learners, lesson) {
  if (!fs.existsSync(bin)) throw new Error('the real nats-server is not installed: run bash scripts/setup.sh');
  const exe = kvplay();
  const [port, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvplay-e2e-workshop-'));
  const site = process.env.KVPLAY_DIST || path.join(root, 'dist');
  const args = ['workshop', lesson, '--names', learners.join(','), '--out', dir, '--host', '127.0.0.1',
    '--port', String(port), '--ws-port', String(wsPort), '--http-port', String(httpPort), '--site', site,
    '--nats-server', bin];
  let child;
  const start = () => new Promise((resolve, reject) => {
    child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const seen = (d) => {
      out += d;
      if (/board/i.test(out) && fs.existsSync(path.join(dir, 'links.txt'))) resolve();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', (d) => { out += d; });
    child.once('exit', (code) => reject(new Error(`kvplay workshop ended (${code}) before it was ready:\n${out}`)));
  });
  const stopChild = () => new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
  await start();
  const links = Object.fromEntries(fs.readFileSync(path.join(dir, 'links.txt'), 'utf8').trim().split('\n')
    .map((l) => l.split('\t')).filter((p) => p.length === 2));
  const passOf = (link) => decodeURIComponent(/[#&]pass=([^&]*)/.exec(link)[1]);
  return {
    site: `http://127.0.0.1:${httpPort}/`,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    tcpUrl: `127.0.0.1:${port}`,
    pass: (name) => passOf(links[name]),
    instructorPass: passOf(links.board),
    join: (name) => links[name],
    board: links.board,
    restart: async () => { await stopChild(); await start(); },
    stop: async () => { await stopChild(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
