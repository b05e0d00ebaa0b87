// The page's loader (the build puts the module paths in PARTS above this line). It starts a small module (the
// first load: the terminal, the bucket explorer, the clock; the lesson module for a lesson or code embed; the
// snippet module for a snippet embed), unless the address needs the whole app at once; and it loads the whole app when
// the visitor first opens anything else: kvplayParts.load(intent) fetches and compiles it, takes the small
// module's state, unmounts it and starts the whole app, which goes on from that state.

/** The module the address starts with: 'full', 'lesson', 'snippet' or 'lite'. */
function partFor(location) {
  const q = new URLSearchParams(location.search);
  const embed = q.get('embed');
  const yes = (k) => ['1', 'true'].includes(q.get(k));
  // A lesson embed keeps nothing and opens no share link; one asked to do either is the whole app's.
  if (embed === 'lesson') return yes('persist') || location.hash.startsWith('#share=') ? 'full' : 'lesson';
  // A snippet (with its timeline too: the whole app draws that once the snippet ran) starts in the snippet module.
  if (embed === 'snippet') return 'snippet';
  // A code embed shows its program in the lesson module until it first runs.
  if (embed === 'code') return 'lesson';
  if (q.has('lesson')) return 'full';
  // A workshop's join link, or a real-server connection kept from the last visit: the whole app connects at once.
  if (/(^#|&)server=/.test(location.hash) || keptConnection()) return 'full';
  // A session kept from the last visit (a share link replaces it): reading it back is the whole app's.
  const keeps = embed ? yes('persist') : true;
  if (keeps && !location.hash.replace(/^#+/, '').startsWith('share=') && kept('kvplay.state')) return 'full';
  return 'lite';
}

/** Whether this browser keeps `key` for the page (`kvplay.state`: the session, `app::save_state`). */
function kept(key) {
  try {
    return localStorage.getItem(key) !== null;
  } catch {
    return false; // no storage for this page
  }
}

/** Whether the page is to connect to a real server again (app::components::server_bar keeps this). */
function keptConnection() {
  return kept('kvplay.server.auto');
}

/** The built-in lesson a lesson or code embed's address names (`?lesson=cli`), fetched beside the lesson module,
 * which reads it from `kvplayLessons` (`lesson::built_in_text`) instead of carrying every lesson; false when it
 * could not be fetched (the whole app, which has them compiled in, starts instead). */
async function fetchLesson(location) {
  window.kvplayLessons = new Map();
  const name = new URLSearchParams(location.search).get('lesson');
  if (!Object.hasOwn(LESSONS, name)) return true;
  try {
    const r = await fetch(LESSONS[name]);
    if (!r.ok) return false;
    window.kvplayLessons.set(name, await r.text());
    return true;
  } catch {
    return false;
  }
}

async function start(part, module) {
  // The module's bytes and its glue are fetched side by side.
  const bytes = module ?? fetch(part.wasm);
  const glue = await import(part.js);
  const ready = part === PARTS.full && new Promise((resolve) => {
    if (window.kvplayReady) resolve();
    else addEventListener('kvplay:ready', () => resolve(), { once: true });
  });
  await glue.default({ module_or_path: bytes });
  window.wasmBindings = glue;
  // The whole app has mounted and its NATS server takes connections.
  if (ready) await ready;
  return glue;
}

function showFailure(message) {
  const p = document.createElement('p');
  p.setAttribute('role', 'alert');
  p.className = 'verdict fail';
  p.textContent = message;
  document.body.prepend(p);
}

/** What had the keyboard's focus, so the same control has it in the whole app. */
function describeFocus() {
  const a = document.activeElement;
  if (!a || a === document.body) return null;
  return { id: a.id, tag: a.tagName, role: a.getAttribute('role'), text: a.textContent.trim() };
}

function restoreFocus(d) {
  if (!d) return;
  const el = (d.id && document.getElementById(d.id)) ||
    [...document.querySelectorAll(d.tag)].find((e) => e.getAttribute('role') === d.role && e.textContent.trim() === d.text);
  el?.focus();
}

let whole = null; // the whole app's start, once asked for
let running = false; // the whole app has started
let fetched = null; // the whole app's module, compiled, and its glue, once asked for

/** Fetches and compiles the whole app's module and its glue (once; again after a failure). */
function fetchWhole() {
  fetched ??= Promise.all([
    fetch(PARTS.full.wasm).then((r) => {
      if (!r.ok) throw new Error('the server answered ' + r.status);
      return r.arrayBuffer();
    }).then((b) => WebAssembly.compile(b)),
    import(PARTS.full.js),
  ]).catch((e) => {
    fetched = null;
    throw e;
  });
  return fetched;
}

window.kvplayParts = {
  /** Whether the whole app is running. */
  get whole() { return running; },
  /** Starts fetching the whole app without starting it (a visitor is about to need it); errors wait for load. */
  prefetch() {
    if (!whole) fetchWhole().catch(() => {});
  },
  /** Resolves once the whole app runs; `intent` says what the visitor opened (see app::handoff::Intent). */
  load(intent) {
    if (whole) return whole;
    whole = (async () => {
      let module;
      try {
        [module] = await fetchWhole();
      } catch (e) {
        whole = null;
        throw 'the rest of the playground could not be loaded (' + (e && e.message || e) + ')';
      }
      const focus = describeFocus();
      const small = window.wasmBindings; // the small module running now
      // What the host page sends while neither module listens waits for the whole app.
      const waiting = [];
      const hold = (e) => waiting.push(e);
      addEventListener('message', hold);
      if (small && small.kvplay_hand_over) {
        small.kvplay_hand_over(intent);
        small.kvplay_retire();
      }
      try {
        await start(PARTS.full, module);
      } catch (e) {
        showFailure('The playground could not start: ' + (e && e.message || e) + '. Reload the page.');
        throw e;
      } finally {
        removeEventListener('message', hold);
      }
      for (const e of waiting) dispatchEvent(new MessageEvent('message', { data: e.data, origin: e.origin, source: e.source }));
      running = true;
      restoreFocus(focus);
      dispatchEvent(new CustomEvent('kvplay:whole', { detail: { intent } }));
    })();
    return whole;
  },
};

/** The page's height as the host should size its frame: the content's own height. (`scrollHeight` is never less
 * than the frame, so sizing a frame from it only ever grows it.) `app::host::post_height` measures the same. */
function contentHeight() {
  return Math.ceil(document.documentElement.getBoundingClientRect().height);
}

/** An embed lays itself out from its content, not from the frame's height (the `data-embed` rules in style.css),
 * and tells the host page its height whenever that changes, whichever module is running. */
function guestOfHost(location) {
  const embed = new URLSearchParams(location.search).get('embed');
  if (!embed) return;
  document.documentElement.setAttribute('data-embed', embed);
  if (window.parent === window || typeof ResizeObserver !== 'function') return;
  let last = -1;
  new ResizeObserver(() => {
    const height = contentHeight();
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: 'kvplay:height', height }, '*');
    }
  }).observe(document.documentElement);
}

/** The packed commands the address carries, as the page reads them (`app::UrlParams::parse`): a snippet's
 * `cmds=` (percent-decoded when it has a `%`) and a share link's `#share=`. */
function packedLinks(location) {
  const found = [];
  for (const pair of location.search.replace(/^\?/, '').split('&')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at) !== 'cmds') continue;
    let v = pair.slice(at + 1);
    if (v.includes('%')) {
      try { v = decodeURIComponent(v); } catch { /* kept as written, as the page keeps it */ }
    }
    if (v) found.push(v);
  }
  const hash = location.hash.replace(/^#+/, '');
  if (hash.startsWith('share=')) found.push(hash.slice('share='.length));
  return found;
}

/** Unpacks one link with the browser's inflate: zlib for a link with a checksum (`z.`), raw deflate for an older
 * one; 'base64' when it is not base64, null when it is damaged, cut short or over 1 MiB (the page then says so). */
async function unpackLink(packed) {
  const checked = packed.startsWith('z.');
  const text = (checked ? packed.slice(2) : packed).replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  let bytes;
  try {
    bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return 'base64';
  }
  const limit = 1 << 20;
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(checked ? 'deflate' : 'deflate-raw')).getReader();
  const parts = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        reader.cancel().catch(() => {});
        return null;
      }
      parts.push(value);
    }
  } catch {
    return null;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The modules carry no inflater: the address's links are unpacked here, before the module starts, and kept by
 * their packed text for `transfer::decode_share`. */
async function unpackLinks(location) {
  const map = new Map();
  window.kvplayUnpacked = map;
  if (typeof DecompressionStream !== 'function') return;
  await Promise.all(packedLinks(location).map(async (p) => map.set(p, await unpackLink(p))));
}

guestOfHost(window.location);
let first = partFor(window.location);
// A lesson embed's lesson and its module are fetched side by side.
const lesson = first === 'lesson' && fetchLesson(window.location);
const lessonModule = first === 'lesson' && fetch(PARTS.lesson.wasm);
if (lessonModule) lessonModule.catch(() => {}); // not used when the whole app starts instead
await unpackLinks(window.location);
try {
  if (lesson && !(await lesson)) first = 'full';
  if (first === 'full') {
    whole = start(PARTS.full).then(() => { running = true; });
    await whole;
  } else {
    await start(PARTS[first], first === 'lesson' ? lessonModule : null);
  }
} catch (e) {
  showFailure('The playground could not start: ' + (e && e.message || e) + '. Reload the page.');
  throw e;
} finally {
  document.getElementById('boot-note')?.remove();
}
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: {} }));
