//! The browser entry point: mounts the playground app, and exports the client's latency probe for the benchmark.

use wasm_bindgen::prelude::*;

fn main() {
    yew::Renderer::<nats_kv_playground::app::App>::new().render();
}

/// A connection to the page's NATS server, for JavaScript: `kvplay_connect(onData, onClose)` returns a link
/// whose `send(Uint8Array)` carries the client's protocol bytes; the server's bytes arrive through `onData`
/// (a `Uint8Array`), always on a later task. `static/kvplay-link.js` wraps it as a WebSocket for nats.js.
#[wasm_bindgen]
pub struct KvplayLink {
    id: u64,
    open: std::cell::Cell<bool>,
}

#[wasm_bindgen]
impl KvplayLink {
    pub fn send(&self, bytes: &[u8]) {
        if self.open.get() {
            nats_kv_playground::app::page_link::send(self.id, bytes.to_vec());
        }
    }
    pub fn close(&self) {
        if self.open.replace(false) {
            nats_kv_playground::app::page_link::close(self.id);
        }
    }
}

#[wasm_bindgen]
pub fn kvplay_connect(on_data: js_sys::Function, on_close: Option<js_sys::Function>) -> Result<KvplayLink, JsValue> {
    let id = nats_kv_playground::app::page_link::connect(on_data, on_close).map_err(|e| JsValue::from_str(&e))?;
    Ok(KvplayLink { id, open: std::cell::Cell::new(true) })
}

/// Times `n` puts then `n` gets of a 100-byte value through the page's own client over WebSocket, one at a
/// time, and returns the round trips in milliseconds as `[puts, gets]` (`scripts/bench_ws.mjs` calls it).
#[wasm_bindgen]
pub async fn kvplay_latency_probe(url: String, n: u32) -> Result<JsValue, JsValue> {
    use nats_kv_playground::backend::wire::KvBackend;
    use nats_kv_playground::client::{core::Client, url::ServerUrl, web::WebDial};
    use nats_kv_playground::engine::Config;
    let err = |m: String| JsValue::from_str(&m);
    let now = || web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_default();
    let mut c = Client::connect(WebDial, ServerUrl::parse(&url).map_err(err)?).await.map_err(|e| err(e.message))?;
    c.strict = false;
    let _ = c.create_bucket(&Config::new("benchrs")).await;
    let value = vec![b'x'; 100];
    let (mut puts, mut gets) = (Vec::new(), Vec::new());
    for i in 0..n {
        let t = now();
        c.put("benchrs", &format!("k{}", i % 50), &value).await.map_err(|e| err(e.message))?;
        puts.push(now() - t);
    }
    for i in 0..n {
        let t = now();
        c.get("benchrs", &format!("k{}", i % 50)).await.map_err(|e| err(e.message))?;
        gets.push(now() - t);
    }
    c.close();
    serde_wasm_bindgen::to_value(&(puts, gets)).map_err(|e| err(e.to_string()))
}
