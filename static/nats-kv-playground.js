// <nats-kv-playground>: the playground as one element of any page, from one script served beside the playground:
//   <script src="https://PLAYGROUND/nats-kv-playground.js" defer></script>
//   <nats-kv-playground>nats kv add demo
//   nats kv put demo greeting hello</nats-kv-playground>
// Attributes (see the README's "The playground in your own pages"):
//   commands    nats commands, one a line (or the element's text, when it has no language or language="nats")
//   language    nats | python | javascript: the element's text (or its code attribute) is a program in that language
//   code        the program, instead of the element's text
//   lesson, step    a built-in lesson (cli, python) or a lesson's address, and a step counted from 1;
//                   with compact, only that step: its commands, Run and output
//   cell        with lesson, step and language: that step's cell-th program in the language, alone
//   theme       light | dark (otherwise the reader's system setting); timeline: draw the bucket's revisions too
//   height      a fixed height in pixels; without it the element is as tall as its content
//   src         the playground's address, when it is not where this script came from
// The element makes its frame only when it comes near the viewport, never takes focus or scrolls the page, and
// fires the frame's replies as events on itself (kvplay:result, kvplay:reset). run(command) and reset() drive it.
(function () {
  if (window.customElements === undefined || customElements.get('nats-kv-playground')) return;
  const scriptUrl = document.currentScript && document.currentScript.src ? document.currentScript.src : location.href;
  const ATTRS = ['commands', 'language', 'code', 'lesson', 'step', 'cell', 'compact', 'theme', 'timeline', 'height', 'src'];
  const MIN = 80;
  const MAX = 2000;
  const STYLE = `:host { display: block; margin: 1rem 0; }
    iframe, .waiting { display: block; width: 100%; box-sizing: border-box; border: 1px solid #d7dce2; border-radius: 8px; }
    .waiting { height: 140px; }
    iframe { height: 140px; background: transparent; }`;

  /** URL-safe base64 of bytes, without padding (what the playground's addresses carry). */
  function base64url(bytes) {
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  /** Commands packed as the Embed button and share links pack them: zlib, base64url, behind `z.`. */
  async function pack(commands) {
    const stream = new Blob([commands.join('\n')]).stream().pipeThrough(new CompressionStream('deflate'));
    return 'z.' + base64url(new Uint8Array(await new Response(stream).arrayBuffer()));
  }

  /** The element's text as lines of a program or commands: common indentation and blank edges removed. */
  function dedent(text) {
    const lines = text.replace(/\r\n?/g, '\n').split('\n');
    while (lines.length && !lines[0].trim()) lines.shift();
    while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^\s*/)[0].length));
    return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0));
  }

  class NatsKvPlayground extends HTMLElement {
    static get observedAttributes() { return ATTRS; }

    constructor() {
      super();
      this.attachShadow({ mode: 'open' }).innerHTML = `<style>${STYLE}</style><div class="waiting" part="frame"></div>`;
      this.frame = null;
      this.observer = null;
      this.pending = [];
    }

    connectedCallback() {
      this.applyHeight(null);
      if (this.frame || this.observer) return;
      // Lazy: the frame (and the playground's code) loads only when the element comes near the viewport.
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          this.observer.disconnect();
          this.observer = null;
          this.load();
        }
      }, { rootMargin: '200px 0px' });
      this.observer.observe(this);
    }

    disconnectedCallback() {
      if (this.observer) this.observer.disconnect();
      this.observer = null;
    }

    attributeChangedCallback(name, before, after) {
      if (before === after) return;
      if (name === 'height') this.applyHeight(null);
      else if (this.frame) this.load();
    }

    /** The playground's address: the src attribute, or where this script came from. */
    get base() {
      return new URL(this.getAttribute('src') || '.', scriptUrl);
    }

    /** The frame's address, from the attributes (and the element's text). */
    async address() {
      // The element's text is read once the page around it has been parsed.
      if (document.readyState === 'loading') await new Promise((r) => document.addEventListener('DOMContentLoaded', r, { once: true }));
      const q = new URLSearchParams();
      const language = (this.getAttribute('language') || 'nats').toLowerCase();
      const lang = language === 'js' ? 'javascript' : language === 'py' ? 'python' : language;
      const lesson = this.getAttribute('lesson');
      const text = this.hasAttribute('code') ? this.getAttribute('code') : this.textContent;
      if (lesson && this.hasAttribute('cell')) {
        q.set('embed', 'code');
        q.set('lang', lang);
        q.set('lesson', lesson);
        q.set('step', this.getAttribute('step') || '1');
        q.set('cell', this.getAttribute('cell'));
      } else if (lesson) {
        q.set('embed', 'lesson');
        q.set('lesson', lesson);
        if (this.hasAttribute('step')) q.set('step', this.getAttribute('step'));
        if (this.hasAttribute('compact')) q.set('compact', '1');
      } else if (lang === 'python' || lang === 'javascript') {
        q.set('embed', 'code');
        q.set('lang', lang);
        q.set('code', base64url(new TextEncoder().encode(dedent(text).join('\n') + '\n')));
      } else {
        const source = this.hasAttribute('commands') ? this.getAttribute('commands') : text;
        const commands = dedent(source).map((l) => l.replace(/^\$\s+/, '').trim()).filter((l) => l);
        q.set('embed', 'snippet');
        q.set('cmds', await pack(commands));
      }
      const theme = this.getAttribute('theme');
      if (theme === 'light' || theme === 'dark') q.set('theme', theme);
      if (this.hasAttribute('timeline') && this.getAttribute('timeline') !== 'false') q.set('timeline', '1');
      return new URL('index.html?' + q.toString().replace(/\+/g, '%20'), this.base).href;
    }

    async load() {
      const href = await this.address();
      let frame = this.frame;
      if (!frame) {
        frame = document.createElement('iframe');
        frame.setAttribute('part', 'frame');
        frame.title = this.getAttribute('title') || 'NATS KV Playground example';
        this.shadowRoot.querySelector('.waiting').replaceWith(frame);
        this.frame = frame;
        this.applyHeight(null);
        this.listening = false;
      }
      this.listening = false;
      frame.src = href;
    }

    /** A fixed height (the height attribute), or the content's height the frame reported. */
    applyHeight(reported) {
      const fixed = parseInt(this.getAttribute('height'), 10);
      const target = this.frame || this.shadowRoot.querySelector('.waiting');
      if (!target) return;
      let h = null;
      if (fixed > 0) h = fixed;
      else if (typeof reported === 'number') h = Math.min(Math.max(Math.ceil(reported) + 2, MIN), MAX); // + the border
      if (h !== null && target.style.height !== h + 'px') target.style.height = h + 'px';
    }

    /** Runs a command in a snippet or lesson embed (a program embed runs its program); answers with kvplay:result. */
    run(command, id) {
      this.send({ type: 'kvplay:run', command, id });
    }

    reset() {
      this.send({ type: 'kvplay:reset' });
    }

    send(msg) {
      // Until the playground in the frame listens (it says so with its first height), messages wait.
      if (this.frame && this.listening) this.frame.contentWindow.postMessage(msg, this.base.origin);
      else this.pending.push(msg);
    }

    /** A message from this element's frame: its height, or a reply to fire as an event. */
    receive(msg) {
      if (msg.type === 'kvplay:height' && typeof msg.height === 'number') this.applyHeight(msg.height);
      if (msg.listening && !this.listening) {
        this.listening = true;
        for (const m of this.pending.splice(0)) this.frame.contentWindow.postMessage(m, this.base.origin);
      }
      this.dispatchEvent(new CustomEvent(msg.type, { detail: msg }));
    }
  }

  window.addEventListener('message', (ev) => {
    const msg = ev.data || {};
    if (typeof msg.type !== 'string' || !msg.type.startsWith('kvplay:')) return;
    for (const el of document.querySelectorAll('nats-kv-playground')) {
      if (el.frame && el.frame.contentWindow === ev.source && ev.origin === el.base.origin) {
        el.receive(msg);
        return;
      }
    }
  });

  customElements.define('nats-kv-playground', NatsKvPlayground);
})();
