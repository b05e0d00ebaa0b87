// Run by scripts/copy_python.py (a post-build hook), after its copy: a memory snapshot of Pyodide with the
// standard modules and nats-py already imported, so the page's Python starts from it instead of booting the
// interpreter (the boot, not the download, dominated the first Run). Written to DIST/vendor/pyodide/snapshot.bin
// and named in the manifest the worker reads; built once per Pyodide version and wheel and kept in
// target/py-snapshot/. Nothing imported here holds a JavaScript
// object: the bridge, which does, is imported in the page after the snapshot is restored.
// Usage: node scripts/make_py_snapshot.mjs [DIST]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] || process.env.TRUNK_STAGING_DIR || path.join(root, 'dist');
const dest = path.join(out, 'vendor/pyodide');
const manifestFile = path.join(dest, 'manifest.json');
const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
const pyodideDir = path.join(root, '.tools/pyodide/node_modules/pyodide/');
const version = JSON.parse(fs.readFileSync(path.join(pyodideDir, 'package.json'), 'utf8')).version;
// The modules the snapshot holds; the bridge's own list of imports, plus what nats-py imports.
const PRELOAD = `
import zipfile, site
zipfile.ZipFile('/tmp/nats.whl').extractall(site.getsitepackages()[0])
import asyncio, contextvars, heapq, linecache, traceback, json, ssl, ast, inspect, base64, hashlib, random
import nats, nats.aio.client, nats.aio.transport, nats.aio.subscription, nats.aio.msg, nats.errors
import nats.js, nats.js.api, nats.js.kv, nats.js.errors, nats.js.client, nats.js.manager
import pyodide.code, pyodide.ffi
`;
const cacheDir = path.join(root, 'target/py-snapshot');
const cached = path.join(cacheDir, `pyodide-${version}-${manifest.wheel}-${Buffer.from(PRELOAD).toString('base64url').slice(-16)}.bin`);

if (!fs.existsSync(cached)) {
  const { loadPyodide } = await import(path.join(pyodideDir, 'pyodide.mjs'));
  const py = await loadPyodide({ indexURL: pyodideDir, _makeSnapshot: true });
  py.FS.writeFile('/tmp/nats.whl', fs.readFileSync(path.join(dest, manifest.wheel)));
  py.runPython(PRELOAD);
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(cached, py.makeMemorySnapshot());
}
fs.copyFileSync(cached, path.join(dest, 'snapshot.bin'));
manifest.snapshot = 'snapshot.bin';
manifest.files['snapshot.bin'] = fs.statSync(cached).size;
manifest.total = Object.values(manifest.files).reduce((a, b) => a + b, 0);
fs.writeFileSync(manifestFile, JSON.stringify(manifest));
