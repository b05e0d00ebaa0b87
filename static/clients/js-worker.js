// The JavaScript worker: runs one JavaScript cell's program, as written for a real server, with the official
// client (@nats-io/nats-core, jetstream, kv from vendor/nats.js, fetched on the first Run only). The page starts
// one worker per run and ends it when the program is over or Stop is pressed, so a run's connections, watchers
// and timers end with it. The worker has no DOM and is given no storage.
//
// The program's imports of @nats-io/* are pointed at modules made here from the bundle, whose `wsconnect` (and
// transport-node's `connect`) reach the playground: through a stand-in WebSocket whose bytes the page relays to
// its own NATS server (kvplay_connect), or, when the page is connected to a real server, that server.
//
// Messages from the page: {t:'run', cell, code, filename, remote}, {t:'data', id, bytes}, {t:'closed', id}.
// To the page: {t:'ready', ms}, {t:'out', cell, stream, text}, {t:'done', cell, error}, {t:'open', id},
// {t:'send', id, bytes}, {t:'close', id}.

// The page's storage is not the program's: hide what a worker could otherwise reach.
for (const name of ['indexedDB', 'caches', 'cookieStore', 'storage']) {
  try { Object.defineProperty(self, name, { value: undefined, configurable: false, writable: false }); } catch { /* not there */ }
}

const vendor = new URL('./vendor/nats.js', self.location.href).href;
const PACKAGES = ['@nats-io/nats-core', '@nats-io/jetstream', '@nats-io/kv', '@nats-io/transport-node'];

let cell = '';
let filename = '<cell>';
let codeLines = [];
let moduleUrl = '';
const shimUrls = new Map();
let finished = false;

// ---- output -------------------------------------------------------------------------------------------------

// The most a run prints (the page keeps a little more); past it, a runaway loop's output is dropped here, once said.
const MAX_OUTPUT = 190_000;
let printed = 0;
const out = (stream, text) => {
  if (finished || printed > MAX_OUTPUT) return;
  printed += text.length;
  if (printed > MAX_OUTPUT) text = '\n(output cut: the program printed more than 190,000 characters)\n';
  postMessage({ t: 'out', cell, stream, text });
};

/** A value as Node's console shows it, closely enough for a learner: strings raw at the top, objects as literals. */
function inspect(v, depth = 0, seen = new Set()) {
  if (typeof v === 'string') return depth === 0 ? v : JSON.stringify(v).replace(/^"|"$/g, "'");
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return `[Function: ${v.name || '(anonymous)'}]`;
  if (typeof v === 'symbol') return v.toString();
  if (v === null || typeof v !== 'object') return String(v);
  if (v instanceof Error) return describe(v).trimEnd();
  if (seen.has(v)) return '[Circular]';
  if (depth > 2) return Array.isArray(v) ? '[Array]' : '[Object]';
  seen.add(v);
  try {
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Uint8Array) {
      const items = Array.from(v.slice(0, 50), String);
      if (v.length > 50) items.push(`... ${v.length - 50} more items`);
      return `Uint8Array(${v.length}) [ ${items.join(', ')} ]`;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[ ${v.map((x) => inspect(x, depth + 1, seen)).join(', ')} ]`;
    }
    if (v instanceof Map) {
      return `Map(${v.size}) { ${[...v].map(([k, x]) => `${inspect(k, depth + 1, seen)} => ${inspect(x, depth + 1, seen)}`).join(', ')} }`;
    }
    if (v instanceof Set) return `Set(${v.size}) { ${[...v].map((x) => inspect(x, depth + 1, seen)).join(', ')} }`;
    const name = v.constructor && v.constructor !== Object ? `${v.constructor.name} ` : '';
    const keys = Object.keys(v);
    if (keys.length === 0) return `${name}{}`;
    const body = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(v[k], depth + 1, seen)}`);
    return `${name}{ ${body.join(', ')} }`;
  } catch {
    return Object.prototype.toString.call(v);
  } finally {
    seen.delete(v);
  }
}

/** console.log's arguments: printf-style placeholders in a leading string, the rest joined by spaces. */
function format(args) {
  let rest = args;
  let head = '';
  if (typeof args[0] === 'string' && args.length > 1 && /%[sdifjoOc%]/.test(args[0])) {
    let i = 1;
    head = args[0].replace(/%[sdifjoOc%]/g, (p) => {
      if (p === '%%') return '%';
      if (i >= args.length) return p;
      const a = args[i++];
      switch (p) {
        case '%s': return typeof a === 'string' ? a : inspect(a, 1);
        case '%d': case '%i': return String(p === '%i' ? Math.trunc(Number(a)) : Number(a));
        case '%f': return String(Number(a));
        case '%j': try { return JSON.stringify(a); } catch { return '[Circular]'; }
        case '%c': return '';
        default: return inspect(a, 1);
      }
    });
    rest = args.slice(i);
    return [head, ...rest.map((a) => inspect(a))].join(' ');
  }
  return rest.map((a) => inspect(a)).join(' ');
}

for (const [name, stream] of [['log', 'stdout'], ['info', 'stdout'], ['debug', 'stdout'], ['warn', 'stderr'], ['error', 'stderr'], ['trace', 'stderr']]) {
  console[name] = (...args) => out(stream, format(args) + '\n');
}
console.dir = (v) => out('stdout', inspect(v, 1) + '\n');
console.table = (v) => out('stdout', inspect(v, 1) + '\n');

// ---- errors -------------------------------------------------------------------------------------------------

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Module addresses made here, back to the names the program wrote. */
function unblob(text) {
  let s = String(text);
  if (moduleUrl) s = s.split(moduleUrl).join(filename);
  for (const [pkg, url] of shimUrls) s = s.split(url).join(pkg);
  return s;
}

/** The program as the body of an async function, for finding a syntax error's line: import statements blanked
 * (their lines kept) and `export` dropped, which changes nothing about the rest's syntax. */
function asBody(lines) {
  return lines.join('\n')
    .replace(/^[ \t]*import\s[\s\S]*?from\s*["'][^"'\n]*["'];?|^[ \t]*import\s*["'][^"'\n]*["'];?/gm, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/^([ \t]*)export\s+(default\s+)?/gm, '$1');
}

/** The line of a syntax error V8 reported without one: the first prefix of the program that fails to compile
 * with the same message (a prefix cut short only "ends unexpectedly"). */
function syntaxLine(err) {
  const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
  const fails = (n) => {
    try { new AsyncFunction(asBody(codeLines.slice(0, n))); return null; } catch (e) { return e instanceof SyntaxError ? e.message : null; }
  };
  if (fails(codeLines.length) !== err.message) return 0;
  for (let n = 1; n <= codeLines.length; n++) {
    const m = fails(n);
    if (m === err.message) return n;
  }
  return 0;
}

/** The line that imports a name a package does not have. */
function importLine(err) {
  const m = /does not provide an export named '([^']+)'/.exec(err.message);
  if (!m) return 0;
  const i = codeLines.findIndex((l) => /\bimport\b/.test(l) && new RegExp(`\\b${escapeRe(m[1])}\\b`).test(l));
  return i + 1;
}

/** An error as a learner can act on it: the cell's line it came from, with a caret, then the message. */
function describe(err) {
  if (!(err instanceof Error)) return `Uncaught ${inspect(err, 1)}\n`;
  if (err instanceof SyntaxError && typeof err.line !== 'number') {
    const line = importLine(err) || syntaxLine(err);
    if (line) err.line = line;
  }
  const stack = String(err.stack || '');
  const frames = moduleUrl ? [...stack.matchAll(new RegExp(`${escapeRe(moduleUrl)}:(\\d+):(\\d+)`, 'g'))] : [];
  const where = frames.map((f) => [Number(f[1]), Number(f[2])]).filter(([l]) => l >= 1 && l <= codeLines.length);
  let text = '';
  if (where.length) {
    const [l, c] = where[0];
    text += `${filename}:${l}\n${codeLines[l - 1]}\n${' '.repeat(Math.max(0, c - 1))}^\n\n`;
  } else if (typeof err.line === 'number') {
    text += `${filename}:${err.line}\n${codeLines[err.line - 1] ?? ''}\n\n`;
  }
  const name = err.name && err.name !== 'Error' ? err.name : (err.constructor?.name || 'Error');
  text += `${name}: ${unblob(err.message)}\n`;
  const seen = new Set();
  for (const [l, c] of where) {
    const at = `    at ${filename}:${l}:${c}`;
    if (!seen.has(at)) { seen.add(at); text += at + '\n'; }
  }
  return text;
}

// ---- the link to the page's server ---------------------------------------------------------------------------

const links = new Map();
let nextLink = 1;

/** A WebSocket as nats.js's wsconnect uses one, whose bytes go to the page and come back from it. */
class PageSocket {
  constructor(url) {
    this.url = url;
    this.binaryType = 'arraybuffer';
    this.readyState = 0; // CONNECTING
    this.bufferedAmount = 0;
    this.onopen = null;
    this.onmessage = null;
    this.onclose = null;
    this.onerror = null;
    this.early = [];
    this.id = nextLink++;
    links.set(this.id, this);
    postMessage({ t: 'open', id: this.id });
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1; // OPEN
      this.onopen?.({});
      for (const data of this.early.splice(0)) this.onmessage?.({ data });
    }, 0);
  }

  receive(bytes) {
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    if (this.readyState === 0) this.early.push(data);
    else if (this.readyState === 1) this.onmessage?.({ data });
  }

  send(data) {
    if (this.readyState !== 1) throw new Error('the link is not open');
    // A copy: the client may reuse its buffer, and the copy's memory moves to the page.
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data.slice(0))
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
        : new TextEncoder().encode(String(data));
    postMessage({ t: 'send', id: this.id, bytes }, [bytes.buffer]);
  }

  close() {
    if (this.readyState >= 2) return;
    postMessage({ t: 'close', id: this.id });
    this.closed();
  }

  closed() {
    if (this.readyState === 3) return;
    this.readyState = 3; // CLOSED
    links.delete(this.id);
    setTimeout(() => this.onclose?.({ code: 1000, reason: '', wasClean: true }), 0);
  }
}

// ---- the run --------------------------------------------------------------------------------------------------

let remote = '';
let settled = false;
const conns = new Set();
let userTimers = 0;

function finish(error) {
  if (finished) return;
  if (error) { printed = Math.min(printed, MAX_OUTPUT - error.length); out('stderr', error); }
  finished = true;
  postMessage({ t: 'done', cell, error: error ? 'error' : '' });
}

/** The program is over as a Node program would be: its code has run and nothing it opened is still open. */
function maybeDone() {
  if (settled && conns.size === 0 && userTimers === 0) finish('');
}

// Timers the program itself set keep it running, as in Node; the client's own timers do not.
const fromProgram = () => moduleUrl !== '' && (new Error().stack || '').split('\n').slice(2, 4).some((l) => l.includes(moduleUrl));
const realSetTimeout = self.setTimeout.bind(self);
const realClearTimeout = self.clearTimeout.bind(self);
const realSetInterval = self.setInterval.bind(self);
const realClearInterval = self.clearInterval.bind(self);
const counted = new Set();
self.setTimeout = (fn, ms, ...a) => {
  if (!fromProgram()) return realSetTimeout(fn, ms, ...a);
  userTimers++;
  const id = realSetTimeout(() => {
    counted.delete(id);
    userTimers--;
    try { typeof fn === 'function' ? fn(...a) : null; } finally { maybeDone(); }
  }, ms);
  counted.add(id);
  return id;
};
self.clearTimeout = (id) => {
  if (counted.delete(id)) { userTimers--; realClearTimeout(id); realSetTimeout(maybeDone, 0); } else realClearTimeout(id);
};
self.setInterval = (fn, ms, ...a) => {
  if (!fromProgram()) return realSetInterval(fn, ms, ...a);
  userTimers++;
  const id = realSetInterval(fn, ms, ...a);
  counted.add(id);
  return id;
};
self.clearInterval = (id) => {
  if (counted.delete(id)) { userTimers--; realClearInterval(id); realSetTimeout(maybeDone, 0); } else realClearInterval(id);
};

// What a Node program may look at: its arguments (the generated programs read the server's address there).
self.process = {
  argv: ['node', 'main.mjs'],
  env: {},
  exit(code = 0) { finish(code ? `process.exit(${code})\n` : ''); },
};

self.addEventListener('unhandledrejection', (e) => { e.preventDefault(); finish(describe(e.reason)); });
self.addEventListener('error', (e) => { e.preventDefault(); finish(describe(e.error ?? new Error(e.message))); });

/** wsconnect (and transport-node's connect) as the program calls it: to the playground's server. */
function connector(core) {
  return async function wsconnect(opts = {}) {
    const o = { ...opts };
    if (remote) {
      o.servers = remote;
      delete o.wsFactory;
    } else {
      o.servers = 'ws://localhost:8080';
      o.wsFactory = async (url) => ({ socket: new PageSocket(url), encrypted: false });
    }
    const nc = await core.wsconnect(o);
    conns.add(nc);
    nc.closed().then(() => { conns.delete(nc); maybeDone(); });
    return nc;
  };
}

const RESERVED = new Set(['default', 'delete', 'new', 'class', 'function', 'var', 'let', 'const', 'import', 'export']);

/** A module for one package, exporting every name the bundle has of it. */
function shim(pkg, mod) {
  const names = Object.keys(mod).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && !RESERVED.has(k));
  const text = `const m = globalThis.__kvplayPackages[${JSON.stringify(pkg)}];\nexport const { ${names.join(', ')} } = m;\n`;
  return URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
}

/** The program with its package imports pointed at the shims, line for line; unknown packages are refused. */
function rewrite(code) {
  const lines = code.split('\n');
  const spec = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\2/g;
  for (let i = 0; i < lines.length; i++) {
    lines[i] = lines[i].replace(spec, (all, pre, q, name) => {
      if (shimUrls.has(name)) return `${pre}${q}${shimUrls.get(name)}${q}`;
      if (/^(\.|\/|https?:|blob:|data:)/.test(name)) return all;
      const e = new Error(`Cannot find package '${name}': a cell can import ${PACKAGES.join(', ')}`);
      e.name = 'ModuleNotFoundError';
      e.line = i + 1;
      throw e;
    });
  }
  return lines.join('\n');
}

async function run(m) {
  cell = m.cell;
  filename = m.filename || '<cell>';
  remote = m.remote || '';
  codeLines = String(m.code).split('\n');
  const t0 = performance.now();
  const bundle = await import(vendor);
  const core = { ...bundle.natsCore, wsconnect: connector(bundle.natsCore) };
  self.__kvplayPackages = {
    '@nats-io/nats-core': core,
    '@nats-io/jetstream': bundle.natsJetstream,
    '@nats-io/kv': bundle.natsKv,
    '@nats-io/transport-node': { ...core, connect: core.wsconnect },
  };
  for (const pkg of PACKAGES) shimUrls.set(pkg, shim(pkg, self.__kvplayPackages[pkg]));
  postMessage({ t: 'ready', ms: Math.round(performance.now() - t0) });
  const code = rewrite(String(m.code));
  moduleUrl = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  await import(moduleUrl);
  settled = true;
  maybeDone();
}

self.onmessage = (ev) => {
  const m = ev.data || {};
  switch (m.t) {
    case 'run': run(m).catch((e) => finish(describe(e))); break;
    case 'data': links.get(m.id)?.receive(m.bytes); break;
    case 'closed': links.get(m.id)?.closed(); break;
  }
};
