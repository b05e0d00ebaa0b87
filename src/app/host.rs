//! The page and the page that embeds it (or a worker): JavaScript objects built from fields, messages to the
//! host page (`kvplay:result`, `kvplay:reset`, `kvplay:height`), and the host's `kvplay:run` and `kvplay:reset`
//! answered on a playground. The whole app, the snippet module and the code embed all speak through these.

use wasm_bindgen::JsValue;

use super::term_state::TermAction;
use super::Playground;
use crate::engine::Nanos;

/// A JavaScript object with these fields (an undefined value leaves its field out).
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        if !v.is_undefined() {
            let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
        }
    }
    o.into()
}

/// A field of a JavaScript object (undefined when it has none).
pub fn field(v: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

/// Whether this page is a guest in another page's frame. A guest takes no focus (and so scrolls nothing of its
/// host) until the reader interacts with it: no `autofocus`.
pub fn in_frame() -> bool {
    let Some(w) = web_sys::window() else { return false };
    matches!(w.parent(), Ok(Some(parent)) if parent != w)
}

/// Posts a message to the page that embeds this one; nothing when the page is not embedded.
pub fn post(fields: &[(&str, JsValue)]) {
    let Some(w) = web_sys::window() else { return };
    let Ok(Some(parent)) = w.parent() else { return };
    if parent == w {
        return;
    }
    let _ = parent.post_message(&object(fields), "*");
}

/// Tells the host page how tall this page's content is (`embed-host.js` sizes the frame to it). The content's own
/// height, not `scrollHeight`, which is never less than the frame: a frame sized from that only ever grows. An
/// embed's layout does not follow the frame's height (the `data-embed` rules in `style.css`), so sizing the
/// frame to it settles. The page's loader reports the same measure whenever it changes.
pub fn post_height() {
    if let Some(h) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let rect = js_sys::Reflect::get(&h, &"getBoundingClientRect".into())
            .ok()
            .and_then(|f| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f).ok())
            .and_then(|f| f.call0(&h).ok());
        let Some(height) = rect.and_then(|r| field(&r, "height").as_f64()) else { return };
        let height = height.ceil();
        // `listening`: the page now answers the host's messages (the loader's reports come before it does).
        post(&[("type", "kvplay:height".into()), ("height", height.into()), ("listening", true.into())]);
    }
}

/// A message from the host page.
pub struct HostMessage {
    pub kind: String,
    pub command: String,
    /// The host's id for the request, given back in the reply.
    pub id: JsValue,
}

impl HostMessage {
    /// Reads a `postMessage` payload; `None` for anything that is not a message with a string `type`.
    pub fn read(data: &JsValue) -> Option<HostMessage> {
        let kind = field(data, "type").as_string()?;
        let command = field(data, "command").as_string().unwrap_or_default();
        let id = field(data, "id").as_f64().map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        Some(HostMessage { kind, command, id })
    }
}

/// Does what the host asked on the playground (`kvplay:run` a command, `kvplay:reset` the server) and posts the
/// reply; returns what the terminal (or the snippet's output) shows of it. Other messages are not for this.
/// `real` is the real time it happens at.
pub fn answer(pg: &mut Playground, msg: &HostMessage, real: Nanos) -> Option<TermAction> {
    match msg.kind.as_str() {
        "kvplay:run" => {
            let prompt = pg.prompt();
            let r = pg.run(&msg.command, real);
            post(&[
                ("type", "kvplay:result".into()),
                ("id", msg.id.clone()),
                ("output", r.text().into()),
                ("ok", r.ok.into()),
            ]);
            Some(TermAction::Batch(vec![
                TermAction::Echo { prompt, line: msg.command.clone() },
                TermAction::Output(r.chunks),
            ]))
        }
        "kvplay:reset" => {
            pg.reset_server(real);
            post(&[("type", "kvplay:reset".into()), ("id", msg.id.clone()), ("ok", true.into())]);
            Some(TermAction::Clear)
        }
        _ => None,
    }
}
