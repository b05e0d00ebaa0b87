// The instructor's board of a workshop: connects to the workshop's NATS server with the credentials in the page's
// fragment (#server=...&user=instructor&pass=...), watches the progress bucket every learner's page writes into
// (kv.watch() of the official client), and draws learners × steps as a live table, who is stuck, how many solved
// each exercise, and a form that sets or clears the message every learner's page shows.
// scripts/bundle_clients.mjs bundles this file with the pinned @nats-io packages into board.js.
import { wsconnect } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';

const PROGRESS = 'kvplay_progress';
const NEWS = 'kvplay_news';
const NEWS_KEY = 'message';
const KEEP = 'kvplay.board.connection';

/** What a verdict looks like in a cell: a sign and a word, never colour alone. */
const SHOWN = {
  pass: ['✓', 'passed', 'ok'],
  drift: ['✓', 'passed (older output)', 'ok'],
  solved: ['◐', 'solved by Run all', 'meh'],
  shown: ['·', 'read', 'meh'],
  waiting: ['…', 'running its programs', 'meh'],
  pending: ['○', 'not solved yet', 'bad'],
  fail: ['✗', 'failed', 'bad'],
  'check-error': ['!', "the lesson's check is broken", 'bad'],
};
const DONE = new Set(['pass', 'drift', 'shown']);

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};

/** The connection from the fragment (then kept for this tab only, and taken out of the address bar). */
function connectionFromAddress() {
  const h = new URLSearchParams(location.hash.slice(1));
  if (h.get('server') || h.get('user')) {
    const c = { server: h.get('server') || '', user: h.get('user') || '', pass: h.get('pass') || '' };
    try { sessionStorage.setItem(KEEP, JSON.stringify(c)); } catch { /* no storage: a reload needs the link */ }
    history.replaceState(null, '', location.pathname + location.search);
    return c;
  }
  try { return JSON.parse(sessionStorage.getItem(KEEP)) || null; } catch { return null; }
}

const state = {
  workshop: { lessons: [], learners: [] },
  records: new Map(), // key -> StepRecord
  presence: new Map(), // learner -> Presence
  news: null,
  stuckMinutes: 5,
};

function status(text, kind = '') {
  const s = $('#board-status');
  s.textContent = text;
  s.dataset.kind = kind;
}

/** Lessons as workshop.json lists them, completed from records of lessons it does not name. */
function lessons() {
  const out = state.workshop.lessons.map((l) => ({ ...l, steps: [...(l.steps || [])] }));
  for (const r of state.records.values()) {
    let l = out.find((x) => x.name === r.lesson);
    if (!l) { l = { name: r.lesson, title: r.lesson, steps: [] }; out.push(l); }
    for (let n = 1; n <= Math.max(r.steps || 0, r.step); n++) {
      if (!l.steps.find((s) => s.n === n)) l.steps.push({ n, title: n === r.step ? r.title : `Step ${n}`, exercise: false });
    }
    l.steps.sort((a, b) => a.n - b.n);
  }
  return out;
}

function learners() {
  const names = [...state.workshop.learners];
  for (const r of state.records.values()) if (!names.includes(r.learner)) names.push(r.learner);
  for (const p of state.presence.values()) if (!names.includes(p.learner)) names.push(p.learner);
  return names;
}

const minutesSince = (at) => (Date.now() - Date.parse(at)) / 60_000;

/** Why a learner looks stuck in a lesson, or null. */
function stuck(learner, lesson) {
  const recs = [...state.records.values()].filter((r) => r.learner === learner && r.lesson === lesson.name);
  const failing = recs.find((r) => !DONE.has(r.verdict) && r.verdict !== 'solved' && r.attempts >= 3);
  if (failing) return `step ${failing.step} tried ${failing.attempts} times, still ${SHOWN[failing.verdict]?.[1] ?? failing.verdict}`;
  const times = recs.map((r) => Date.parse(r.at));
  const p = state.presence.get(learner);
  if (p && p.lesson === lesson.name) times.push(Date.parse(p.at));
  const last = Math.max(...times.filter((t) => !Number.isNaN(t)));
  if (!Number.isFinite(last)) return null;
  const all = lesson.steps.every((s) => recs.some((r) => r.step === s.n && DONE.has(r.verdict)));
  const idle = (Date.now() - last) / 60_000;
  if (!all && idle >= state.stuckMinutes) return `no progress for ${Math.floor(idle)} min`;
  return null;
}

function cell(rec) {
  if (!rec) return el('td', { class: 'cell none' }, el('span', { 'aria-hidden': 'true' }, '–'), el('span', { class: 'sr' }, 'not run'));
  const [sign, word, kind] = SHOWN[rec.verdict] || ['?', rec.verdict, 'meh'];
  const tries = rec.attempts > 1 ? ` ×${rec.attempts}` : '';
  const td = el('td', { class: `cell ${kind}`, title: rec.detail ? `${word}: ${rec.detail}` : word },
    el('span', { 'aria-hidden': 'true' }, sign + tries), el('span', { class: 'sr' }, `${word}${rec.attempts > 1 ? `, ${rec.attempts} tries` : ''}`));
  td.dataset.verdict = rec.verdict;
  return td;
}

function render() {
  const root = $('#board');
  root.replaceChildren();
  const people = learners();
  const stuckList = [];
  for (const lesson of lessons()) {
    const section = el('section', { class: 'lesson-board', 'aria-labelledby': `h-${lesson.name}` });
    section.append(el('h2', { id: `h-${lesson.name}` }, lesson.title || lesson.name));
    const table = el('table', { class: 'grid' });
    table.append(el('caption', {}, `${people.length} learner${people.length === 1 ? '' : 's'} × ${lesson.steps.length} steps of ${lesson.title || lesson.name}`));
    const head = el('tr', {}, el('th', { scope: 'col' }, 'Learner'));
    for (const s of lesson.steps) {
      head.append(el('th', { scope: 'col', title: s.title }, el('span', { class: 'n' }, String(s.n)), el('span', { class: 'step-title' }, ` ${s.title}${s.exercise ? ' (exercise)' : ''}`)));
    }
    head.append(el('th', { scope: 'col' }, 'Where'));
    table.append(el('thead', {}, head));
    const body = el('tbody');
    for (const who of people) {
      const row = el('tr', {}, el('th', { scope: 'row' }, who));
      row.dataset.learner = who;
      for (const s of lesson.steps) row.append(cell(state.records.get(`${who}.${lesson.name}.${s.n}`)));
      const why = stuck(who, lesson);
      const p = state.presence.get(who);
      const where = why ? `Stuck: ${why}` : p && p.lesson === lesson.name ? `on step ${p.step}` : '';
      if (why) stuckList.push(`${who} (${lesson.title || lesson.name}): ${why}`);
      row.append(el('td', { class: why ? 'where stuck' : 'where' }, where));
      body.append(row);
    }
    table.append(body);
    const exercises = lesson.steps.filter((s) => s.exercise);
    if (exercises.length) {
      const foot = el('tr', {}, el('th', { scope: 'row' }, 'Solved'));
      for (const s of lesson.steps) {
        if (!s.exercise) { foot.append(el('td')); continue; }
        const n = people.filter((who) => state.records.get(`${who}.${lesson.name}.${s.n}`)?.verdict === 'pass').length;
        foot.append(el('td', { class: 'solved-count', 'data-step': String(s.n) }, `${n} of ${people.length}`));
      }
      foot.append(el('td'));
      table.append(el('tfoot', {}, foot));
    }
    section.append(el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': `${lesson.title || lesson.name}, scrolls sideways` }, table));
    root.append(section);
  }
  const list = $('#stuck');
  list.replaceChildren(...(stuckList.length ? stuckList.map((s) => el('li', {}, s)) : [el('li', {}, 'Nobody looks stuck.')]));
  $('#current-message').textContent = state.news ? `Shown to every learner now: “${state.news}”` : 'No message is shown.';
}

/** Draws once after a burst of records (the watch's initial values arrive together). */
let drawing = null;
function soon() {
  drawing ??= setTimeout(() => { drawing = null; render(); }, 30);
}

async function main() {
  const conn = connectionFromAddress();
  try {
    const r = await fetch('workshop.json');
    if (r.ok) state.workshop = { lessons: [], learners: [], ...(await r.json()) };
  } catch { /* the board works from the records alone */ }
  const server = conn?.server || state.workshop.server;
  render();
  if (!server) { status('No server: open the board from the link the workshop printed.', 'bad'); return; }
  status(`Connecting to ${server}…`);
  let nc;
  try {
    nc = await wsconnect({ servers: server, user: conn?.user || undefined, pass: conn?.pass || undefined, maxReconnectAttempts: -1 });
  } catch (e) {
    status(`Could not connect to ${server}: ${e.message}`, 'bad');
    return;
  }
  status(`Connected to ${server} as ${conn?.user || 'nobody'}; following the learners' progress live.`, 'ok');
  (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') status(`Reconnecting to ${server}…`, 'bad');
      if (s.type === 'reconnect') status(`Connected to ${server} as ${conn?.user}; following the learners' progress live.`, 'ok');
    }
  })();
  const kvm = new Kvm(nc);
  const progress = await kvm.open(PROGRESS);
  const news = await kvm.open(NEWS);
  const watch = await progress.watch({ key: '>' });
  (async () => {
    for await (const e of watch) {
      try {
        if (e.operation !== 'PUT') {
          state.records.delete(e.key);
        } else if (e.key.endsWith('.presence')) {
          const p = e.json();
          state.presence.set(p.learner, p);
        } else {
          state.records.set(e.key, e.json());
        }
      } catch { /* a record that is not JSON is not drawn */ }
      soon();
    }
  })();
  const newsWatch = await news.watch({ key: NEWS_KEY });
  (async () => {
    for await (const e of newsWatch) {
      state.news = e.operation === 'PUT' ? e.string() : null;
      soon();
    }
  })();
  $('#message-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = $('#message').value.trim();
    const done = $('#message-result');
    try {
      if (text) await news.put(NEWS_KEY, text); else await news.delete(NEWS_KEY);
      done.textContent = text ? 'Sent to every learner.' : 'The message is cleared.';
    } catch (e) {
      done.textContent = `Not sent: ${e.message}`;
    }
  });
  $('#clear-message').addEventListener('click', async () => {
    const done = $('#message-result');
    try {
      await news.delete(NEWS_KEY);
      $('#message').value = '';
      done.textContent = 'The message is cleared.';
    } catch (e) {
      done.textContent = `Not cleared: ${e.message}`;
    }
  });
}

$('#stuck-minutes').addEventListener('change', (e) => {
  const n = Number(e.target.value);
  if (n > 0) { state.stuckMinutes = n; render(); }
});
// Time passes: who has made no progress for a while changes without any write.
setInterval(render, 15_000);
main().catch((e) => status(`The board stopped: ${e.message}`, 'bad'));
