// Host side of the playground's embed interface: paste it once into a page with playground iframes.
// It sizes each playground frame to its content, and turns the frame's replies into DOM events on the iframe:
//   frame.addEventListener('kvplay:result', (e) => console.log(e.detail.output))
// A frame with the attribute data-kvplay-fixed keeps the height its author gave it (its content scrolls inside).
// Messages to an embed:   { type: "kvplay:run", command: "nats kv ls", id: 1 }   { type: "kvplay:reset" }
// Messages from an embed: { type: "kvplay:result", id, output, ok }   { type: "kvplay:height", height }
// The height an embed reports is its content's own, which does not depend on the frame's height, so sizing the
// frame to it settles; the script never focuses or scrolls anything.
(function () {
  const MIN = 80;
  const MAX = 2000;
  // What a frame's border and padding take of its height where the page sizes boxes by their border.
  const chrome = (frame) => {
    const s = getComputedStyle(frame);
    if (s.boxSizing !== 'border-box') return 0;
    return ['borderTopWidth', 'borderBottomWidth', 'paddingTop', 'paddingBottom'].reduce((n, k) => n + (parseFloat(s[k]) || 0), 0);
  };
  window.addEventListener('message', (ev) => {
    const frame = Array.from(document.querySelectorAll('iframe')).find((f) => f.contentWindow === ev.source);
    const msg = ev.data || {};
    if (!frame || typeof msg.type !== 'string' || !msg.type.startsWith('kvplay:')) return;
    if (msg.type === 'kvplay:height' && typeof msg.height === 'number' && !frame.hasAttribute('data-kvplay-fixed')) {
      const height = Math.min(Math.max(Math.ceil(msg.height), MIN), MAX) + chrome(frame) + 'px';
      if (frame.style.height !== height) frame.style.height = height;
    }
    frame.dispatchEvent(new CustomEvent(msg.type, { detail: msg }));
  });
})();
