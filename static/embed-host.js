// Host side of the playground's embed interface, as a documentation page would use it.
// Messages to an embed:   { type: "kvplay:run", command: "nats kv ls", id: 1 }   { type: "kvplay:reset" }
// Messages from an embed: { type: "kvplay:result", id, output, ok }   { type: "kvplay:height", height }
(function () {
  const frames = Array.from(document.querySelectorAll('iframe'));
  window.addEventListener('message', (ev) => {
    const frame = frames.find((f) => f.contentWindow === ev.source);
    const msg = ev.data || {};
    if (!frame) return;
    if (msg.type === 'kvplay:height' && typeof msg.height === 'number') {
      frame.style.height = Math.min(Math.max(msg.height, 120), 2000) + 'px';
    } else if (msg.type === 'kvplay:result') {
      document.getElementById('result').textContent = msg.output;
    }
  });
  let id = 0;
  const target = () => document.getElementById('embed-lock').contentWindow;
  document.getElementById('run').addEventListener('click', () => {
    target().postMessage({ type: 'kvplay:run', command: document.getElementById('command').value, id: ++id }, '*');
  });
  document.getElementById('reset').addEventListener('click', () => target().postMessage({ type: 'kvplay:reset' }, '*'));
})();
