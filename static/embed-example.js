// The example page's own controls: send a command to the second embed, run the JavaScript example, or reset
// them, with postMessage.
(function () {
  const frame = document.getElementById('embed-lock');
  let id = 0;
  frame.addEventListener('kvplay:result', (e) => { document.getElementById('result').textContent = e.detail.output; });
  document.getElementById('run').addEventListener('click', () => {
    frame.contentWindow.postMessage({ type: 'kvplay:run', command: document.getElementById('command').value, id: ++id }, '*');
  });
  document.getElementById('reset').addEventListener('click', () => frame.contentWindow.postMessage({ type: 'kvplay:reset' }, '*'));
  const js = document.getElementById('embed-js');
  js.addEventListener('kvplay:result', (e) => {
    document.getElementById('result-js').textContent = `${e.detail.ok ? 'ok' : 'failed'}\n${e.detail.output}`;
  });
  document.getElementById('run-js').addEventListener('click', () => js.contentWindow.postMessage({ type: 'kvplay:run', id: ++id }, '*'));
  document.getElementById('reset-js').addEventListener('click', () => js.contentWindow.postMessage({ type: 'kvplay:reset' }, '*'));
})();
