//! The browser entry point: mounts the playground app, and exports the client's latency probe for the benchmark.

use wasm_bindgen::prelude::*;

fn main() {
    yew::Renderer::<nats_kv_playground::app::App>::new().render();
}

/// Times `n` puts then `n` gets of a 100-byte value through the page's own client over WebSocket, one at a
/// time, and returns the round trips in milliseconds as `[puts, gets]` (`scripts/bench_ws.mjs` calls it).
#[wasm_bindgen]
pub async fn kvplay_latency_probe(url: String, n: u32) -> Result<JsValue, JsValue> {
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
