//! The browser entry point of the first load: mounts the small app (`app::components::first_load`) and lets the
//! page's loader take its state for the whole app (`kvplay_hand_over`, then `kvplay_retire`).

use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static HANDLE: RefCell<Option<yew::AppHandle<nats_kv_playground::app::components::first_load::FirstLoad>>> =
        const { RefCell::new(None) };
}

fn main() {
    let handle = yew::Renderer::<nats_kv_playground::app::components::first_load::FirstLoad>::new().render();
    HANDLE.with(|h| *h.borrow_mut() = Some(handle));
}

/// Leaves the first load's state on the window for the whole app, for the part the visitor asked for
/// (`tab:timeline`, `lesson:cli`, `session:share`, `connect`, `client`, ...).
#[wasm_bindgen]
pub fn kvplay_hand_over(intent: String) -> Result<bool, JsValue> {
    nats_kv_playground::app::components::first_load::hand_over(&intent).map_err(|e| JsValue::from_str(&e))
}

/// Unmounts the first load (its clock tick and listeners stop), so the whole app can mount in its place.
#[wasm_bindgen]
pub fn kvplay_retire() {
    nats_kv_playground::app::components::first_load::retire();
    if let Some(h) = HANDLE.with(|h| h.borrow_mut().take()) {
        h.destroy();
    }
}
