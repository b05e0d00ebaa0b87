// Bundles the official JavaScript client (@nats-io/nats-core, jetstream, kv, as pinned by scripts/setup.sh)
// into one ES module for the page: OUT/vendor/nats.js. The page loads it only when client code first runs.
// The workshop's board (static/board/board.mjs, with the same client) becomes OUT/board.js, beside board.html.
// Usage: node scripts/bundle_clients.mjs OUT_DIR
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, '.tools/npm/node_modules/'));
const esbuild = require('esbuild');
const out = process.argv[2] || process.env.TRUNK_STAGING_DIR || path.join(root, 'dist');
await esbuild.build({
  entryPoints: [path.join(root, 'static/clients/nats.entry.mjs')],
  nodePaths: [path.join(root, '.tools/npm/node_modules')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'eof',
  outfile: path.join(out, 'vendor/nats.js'),
  logLevel: 'warning',
});
await esbuild.build({
  entryPoints: [path.join(root, 'static/board/board.mjs')],
  nodePaths: [path.join(root, '.tools/npm/node_modules')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'eof',
  outfile: path.join(out, 'board.js'),
  logLevel: 'warning',
});
