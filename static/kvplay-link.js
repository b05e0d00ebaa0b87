// A stand-in WebSocket that carries the NATS protocol to the playground's in-page server instead of the
// network, for the official JavaScript client: wsconnect({ servers: "ws://localhost:8080", wsFactory }).
// Bytes go through the page's link (kvplay_connect); the server answers on a later task, never inside send().

class PlaygroundSocket {
  constructor(url) {
    this.url = url;
    this.binaryType = 'arraybuffer';
    this.readyState = 0; // CONNECTING
    this.bufferedAmount = 0;
    this.onopen = null;
    this.onmessage = null;
    this.onclose = null;
    this.onerror = null;
    const bindings = globalThis.wasmBindings;
    if (!bindings || !bindings.kvplay_connect) {
      throw new Error('the playground has not started yet');
    }
    // What the server sends before the socket reports itself open (its INFO) waits here.
    this.early = [];
    this.link = bindings.kvplay_connect(
      (bytes) => {
        // Each delivery is its own buffer: clients keep views of what they were given.
        const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        if (this.readyState === 0) this.early.push(data);
        else if (this.readyState === 1) this.onmessage?.({ data });
      },
      () => this.#closed(true),
    );
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1; // OPEN
      this.onopen?.({});
      for (const data of this.early.splice(0)) this.onmessage?.({ data });
    }, 0);
  }

  send(data) {
    if (this.readyState !== 1) throw new Error('the link is not open');
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data)
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new TextEncoder().encode(String(data));
    this.link.send(bytes);
  }

  close() {
    if (this.readyState >= 2) return;
    this.link.close();
    this.#closed(true);
  }

  #closed(clean) {
    if (this.readyState === 3) return;
    this.readyState = 3; // CLOSED
    setTimeout(() => this.onclose?.({ code: 1000, reason: '', wasClean: clean }), 0);
  }
}

/** The `wsFactory` option of nats.js's wsconnect: every server address reaches the in-page server. */
export async function wsFactory(url) {
  // The page's server is in the whole app: on a first load, load it (the terminal's state goes with it).
  if (!globalThis.wasmBindings?.kvplay_connect && globalThis.kvplayParts) await globalThis.kvplayParts.load('client');
  return { socket: new PlaygroundSocket(url), encrypted: false };
}

export { PlaygroundSocket };
