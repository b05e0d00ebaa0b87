// Host side of the playground's embed interface: paste it once into a page with playground iframes.
// It sizes each playground frame to its content, and turns the frame's replies into DOM events on the iframe:
//   frame.addEventListener('kvplay:result', (e) => console.log(e.detail.output))
// Messages to an embed:   { type: "kvplay:run", command: "nats kv ls", id: 1 }   { type: "kvplay:reset" }
// Messages from an embed: { type: "kvplay:result", id, output, ok }   { type: "kvplay:height", height }
(function () {
  window.addEventListener('message', (ev) => {
    const frame = Array.from(document.querySelectorAll('iframe')).find((f) => f.contentWindow === ev.source);
    const msg = ev.data || {};
    if (!frame || typeof msg.type !== 'string' || !msg.type.startsWith('kvplay:')) return;
    if (msg.type === 'kvplay:height' && typeof msg.height === 'number') {
      frame.style.height = Math.min(Math.max(msg.height, 120), 2000) + 'px';
    }
    frame.dispatchEvent(new CustomEvent(msg.type, { detail: msg }));
  });
})();
