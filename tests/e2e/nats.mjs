// A real nats-server for the end-to-end tests: JetStream and a WebSocket listener on free loopback ports, an
// optional user and password, a temporary store, and a second client (nats-py) that writes and lists buckets.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, root } from './harness.mjs';

const bin = path.join(root, '.tools/venv/bin/nats-server');
const python = path.join(root, '.tools/venv/bin/python');


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

function py(script, args) {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', script, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`)); else resolve(stdout);
    });
  });
}

const PUT = `
import asyncio, sys, nats
async def main():
    for _ in range(100):
        try:
            nc = await nats.connect(sys.argv[1], user=sys.argv[5] or None, password=sys.argv[6] or None)
            break
        except Exception:
            await asyncio.sleep(0.1)
    kv = await nc.jetstream().key_value(sys.argv[2])
    await kv.put(sys.argv[3], sys.argv[4].encode())
    await nc.close()
asyncio.run(main())
`;

const BUCKETS = `
import asyncio, sys, nats
async def main():
    nc = await nats.connect(sys.argv[1], user=sys.argv[2] or None, password=sys.argv[3] or None)
    infos = await nc.jetstream().streams_info()
    print("\\n".join(i.config.name[3:] for i in infos if i.config.name.startswith("KV_")))
    await nc.close()
asyncio.run(main())
`;

/** Starts a server; resolves to { port, wsUrl, put, buckets, restart, stop }. */
export async function startNats({ user = '', pass = '' } = {}) {
  if (!fs.existsSync(bin)) throw new Error('the real nats-server is not installed: run bash scripts/setup.sh');
  const port = await freePort();
  const wsPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvplay-e2e-nats-'));
  const auth = user ? `authorization { user: "${user}", password: "${pass}" }\n` : '';
  fs.writeFileSync(path.join(dir, 'server.conf'),
    `${auth}websocket {\n  listen: "127.0.0.1:${wsPort}"\n  no_tls: true\n}\n`);
  let child;
  const start = async () => {
    child = spawn(bin, ['-c', path.join(dir, 'server.conf'), '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', path.join(dir, 'js')],
      { stdio: 'ignore' });
    await waitForPort(port);
    await waitForPort(wsPort);
  };
  const kill = () => new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
  await start();
  const tcp = `nats://127.0.0.1:${port}`;
  return {
    port,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    put: (bucket, key, value) => py(PUT, [tcp, bucket, key, value, user, pass]),
    buckets: async () => (await py(BUCKETS, [tcp, user, pass])).split('\n').filter(Boolean),
    restart: async () => { await kill(); await start(); },
    stop: async () => { await kill(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
