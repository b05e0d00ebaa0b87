// A workshop's real nats-server for the end-to-end tests, configured as the workshop contract says
// (src/lesson/progress.rs): one account per learner (user = the learner's name) with JetStream, and the
// instructor's account INSTRUCTOR (user "instructor") with the buckets kvplay_progress and kvplay_news, exporting
// the progress subjects, the news stream and the news key's direct get, which each learner's account imports.
// The configuration is written here by hand; `kvplay workshop --no-start` writes the same for a real workshop.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root } from './harness.mjs';

const bin = path.join(root, '.tools/venv/bin/nats-server');
const require = createRequire(path.join(root, '.tools/npm/node_modules/'));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port}`);
}

/** The server's configuration for these learners (passwords are the learner's name with "-pw"). */
export function workshopConfig({ port, wsPort, storeDir, learners, instructorPass }) {
  const learner = (name) => `  ${name} {
    jetstream: enabled
    users: [ { user: "${name}", password: "${name}-pw" } ]
    imports: [
      { service: { account: INSTRUCTOR, subject: "$KV.kvplay_progress.${name}.>" } }
      { stream: { account: INSTRUCTOR, subject: "kvplay.news.>" } }
      { service: { account: INSTRUCTOR, subject: "$JS.API.DIRECT.GET.KV_kvplay_news.$KV.kvplay_news.message" } }
    ]
  }`;
  return `listen: 127.0.0.1:${port}
jetstream { store_dir: "${storeDir}" }
websocket { listen: "127.0.0.1:${wsPort}", no_tls: true }
accounts {
  INSTRUCTOR {
    jetstream: enabled
    users: [ { user: "instructor", password: "${instructorPass}" } ]
    exports: [
      { service: "$KV.kvplay_progress.>" }
      { stream: "kvplay.news.>" }
      { service: "$JS.API.DIRECT.GET.KV_kvplay_news.>" }
    ]
  }
${learners.map(learner).join('\n')}
}
`;
}

/** Starts the server and creates the instructor's buckets; resolves to { wsUrl, pass(name), instructorPass, restart,
 * stop } (a restart keeps JetStream's store: the buckets stay). */
export async function startWorkshop(learners) {
  if (!fs.existsSync(bin)) throw new Error('the real nats-server is not installed: run bash scripts/setup.sh');
  const port = await freePort();
  const wsPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvplay-e2e-workshop-'));
  const instructorPass = 'teach-pw';
  const conf = path.join(dir, 'workshop.conf');
  fs.writeFileSync(conf, workshopConfig({ port, wsPort, storeDir: path.join(dir, 'js'), learners, instructorPass }));
  let child;
  const start = async () => {
    child = spawn(bin, ['-c', conf], { stdio: 'ignore' });
    await waitForPort(port);
    await waitForPort(wsPort);
  };
  const kill = () => new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
  await start();
  const { connect } = require('@nats-io/transport-node');
  const { Kvm } = require('@nats-io/kv');
  const nc = await connect({ servers: `127.0.0.1:${port}`, user: 'instructor', pass: instructorPass });
  const kvm = new Kvm(nc);
  await kvm.create('kvplay_progress', { history: 5 });
  await kvm.create('kvplay_news', { allow_direct: true, republish: { src: '$KV.kvplay_news.>', dest: 'kvplay.news.>' } });
  await nc.close();
  return {
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    tcpUrl: `127.0.0.1:${port}`,
    pass: (name) => `${name}-pw`,
    instructorPass,
    restart: async () => { await kill(); await start(); },
    stop: async () => { await kill(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
