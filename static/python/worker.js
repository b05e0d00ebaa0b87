// The Python worker: CPython (Pyodide) and nats-py, loaded on the first Run of a Python cell and kept for the
// page's lifetime. It runs the cells' code (top-level await, `asyncio.run(main())` through stack switching) and
// carries nats-py's connections to the page, which relays them to its NATS server (`kvplay_connect`): the
// worker itself has no sockets and no access to the page's storage.
//
// Messages from the page: {t:'run', ns, cell, code, filename, echo}, {t:'stop', cell}, {t:'reset', ns},
// {t:'data', id, bytes}, {t:'closed', id}, {t:'clock', n} (the clock has moved). To the page:
// {t:'progress', what, loaded, total}, {t:'ready', ms}, {t:'out', cell, stream, text}, {t:'done', cell, error},
// {t:'open', id}, {t:'send', id, bytes}, {t:'close', id}, {t:'clock', n, ms, cell} (move the playground's clock
// by ms for a sleep of `cell`'s program; 0 only asks for a round trip).

const base = new URL('./vendor/pyodide/', self.location.href).href;
let booting = null;
let py = null;

// Bytes fetched so far, of the total the build's manifest lists, for the page's progress bar.
let loaded = 0;
let total = 0;
let what = 'Loading Python…';
const progress = () => postMessage({ t: 'progress', what, loaded, total });

const realFetch = self.fetch.bind(self);
self.fetch = async (input, init) => {
  const res = await realFetch(input, init);
  if (!res.body) return res;
  const reader = res.body.getReader();
  const counted = new ReadableStream({
    async pull(ctl) {
      const { done, value } = await reader.read();
      if (done) { ctl.close(); return; }
      loaded += value.byteLength;
      progress();
      ctl.enqueue(value);
    },
    cancel(r) { return reader.cancel(r); },
  });
  return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
};

// The links to the page's server, by id; each calls back into nats-py's transport.
const links = new Map();
let nextLink = 1;
self.kvplayLinkOpen = (onData, onClose) => {
  const id = nextLink++;
  links.set(id, { onData, onClose });
  postMessage({ t: 'open', id });
  return id;
};
self.kvplayLinkSend = (id, bytes) => {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  postMessage({ t: 'send', id, bytes: b }, [b.buffer]);
};
self.kvplayLinkClose = (id) => {
  if (links.delete(id)) postMessage({ t: 'close', id });
};
self.kvplayClock = (n, ms, cell) => postMessage({ t: 'clock', n, ms, cell });
// Cells stopped since their last Run: how their program ended is "stopped", whatever JavaScript made of it.
const stopped = new Set();
self.kvplayOut = (cell, stream, text) => {
  // Pyodide reports the cancelled program's CancelledError on stderr on its way out; Stop says it instead.
  if (stopped.has(cell) && stream === 'stderr' && /^(asyncio\.exceptions\.)?CancelledError\s*$/.test(text)) return;
  postMessage({ t: 'out', cell, stream, text });
};

async function boot() {
  const t0 = performance.now();
  const manifest = await (await realFetch(base + 'manifest.json')).json();
  total = manifest.total;
  progress();
  const { loadPyodide } = await import(base + 'pyodide.mjs');
  const opts = { indexURL: base, stdout: (s) => self.kvplayOut('', 'stdout', s + '\n'), stderr: (s) => self.kvplayOut('', 'stderr', s + '\n') };
  // The build's memory snapshot has the interpreter booted and nats-py imported: restoring it is much faster
  // than booting. nats-py's files are unpacked again so that anything it imports later is there too.
  if (manifest.snapshot) opts._loadSnapshot = self.fetch(base + manifest.snapshot).then((r) => r.arrayBuffer());
  const wheel = manifest.snapshot ? self.fetch(base + manifest.wheel).then((r) => r.arrayBuffer()) : null;
  const pyodide = await loadPyodide(opts);
  what = 'Installing nats-py…';
  progress();
  if (wheel) {
    pyodide.FS.writeFile('/tmp/nats.whl', new Uint8Array(await wheel));
    pyodide.runPython("import zipfile, site\nzipfile.ZipFile('/tmp/nats.whl').extractall(site.getsitepackages()[0])");
  } else {
    await pyodide.loadPackage(base + manifest.wheel, { messageCallback: () => {}, errorCallback: (m) => self.kvplayOut('', 'stderr', m + '\n') });
  }
  const bridge = await (await self.fetch(base + 'kvplay_bridge.py')).text();
  pyodide.FS.writeFile('/home/pyodide/kvplay_bridge.py', bridge);
  await pyodide.runPythonAsync('import sys\nsys.path.insert(0, "/home/pyodide")\nimport kvplay_bridge');
  py = pyodide.pyimport('kvplay_bridge');
  loaded = total;
  what = 'Python ready';
  progress();
  postMessage({ t: 'ready', ms: Math.round(performance.now() - t0) });
  return py;
}

async function run(m) {
  try {
    booting ??= boot();
    const b = await booting;
    const err = await b.run_cell(m.ns, m.cell, m.code, m.filename, !!m.echo);
    postMessage({ t: 'done', cell: m.cell, error: String(err) });
  } catch (e) {
    // Stop cancels the cell's own task too: its promise then rejects with CancelledError.
    const text = String(e && e.message ? e.message : e);
    postMessage({ t: 'done', cell: m.cell, error: stopped.has(m.cell) || /CancelledError/.test(text) ? 'stopped' : text });
  }
}

self.onmessage = (ev) => {
  const m = ev.data;
  switch (m.t) {
    case 'run': stopped.delete(m.cell); run(m); break;
    case 'stop': stopped.add(m.cell); if (py) py.stop_cell(m.cell); break;
    case 'reset': if (py) py.reset_namespace(m.ns); break;
    case 'clock': if (py) py.clock_answer(m.n); break;
    case 'data': { const l = links.get(m.id); if (l) l.onData(m.bytes); break; }
    case 'closed': { const l = links.get(m.id); links.delete(m.id); if (l) l.onClose(); break; }
  }
};
