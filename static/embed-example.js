// The example page's own controls: send a command to the second embed, or reset it, with postMessage.
(function () {
  const frame = document.getElementById('embed-lock');
  let id = 0;
  frame.addEventListener('kvplay:result', (e) => { document.getElementById('result').textContent = e.detail.output; });
  document.getElementById('run').addEventListener('click', () => {
    frame.contentWindow.postMessage({ type: 'kvplay:run', command: document.getElementById('command').value, id: ++id }, '*');
  });
  document.getElementById('reset').addEventListener('click', () => frame.contentWindow.postMessage({ type: 'kvplay:reset' }, '*'));
})();
