//! The in-page NATS server's link to JavaScript: any number of connections (nats.js through a stand-in
//! WebSocket, nats-py in a worker), each a pair of byte streams. Bytes a client sends are queued and handled
//! later, in a microtask of their own, and bytes for a client are handed to its callback then too: never inside
//! the client's own `send`. The server works on the playground's engine, so the terminal, the explorer, the timeline
//! and the watchers panes show what those clients do; what the terminal does reaches the clients' watchers.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use super::Shared;
use crate::server::ConnId;

/// A connection's way back to JavaScript.
struct Link {
    on_data: js_sys::Function,
    on_close: Option<js_sys::Function>,
}

enum Input {
    Bytes(Vec<u8>),
    Close,
}

struct Host {
    shared: Shared,
    /// Called when clients changed the engine, so the views redraw.
    on_change: Rc<dyn Fn()>,
    links: BTreeMap<ConnId, Link>,
    inbox: VecDeque<(ConnId, Input)>,
    scheduled: bool,
    /// How many links the views last heard of (a client connecting or leaving redraws them).
    known_links: usize,
    /// A redraw of the views is due (clients' writes are drawn at most every `REDRAW_MS`, not one by one).
    redraw_due: bool,
}

/// How often the views redraw while clients write.
const REDRAW_MS: u32 = 50;

thread_local! {
    static HOST: RefCell<Option<Host>> = const { RefCell::new(None) };
}

/// Makes the page's server reachable from JavaScript (the app does this once it has mounted).
pub fn install(shared: Shared, on_change: Rc<dyn Fn()>) {
    HOST.with(|h| {
        *h.borrow_mut() = Some(Host {
            shared,
            on_change,
            links: BTreeMap::new(),
            inbox: VecDeque::new(),
            scheduled: false,
            known_links: 0,
            redraw_due: false,
        })
    });
}

/// A new connection: its callbacks receive the server's bytes (`Uint8Array`) and its close.
pub fn connect(on_data: js_sys::Function, on_close: Option<js_sys::Function>) -> Result<ConnId, String> {
    let id = HOST.with(|h| {
        let mut h = h.borrow_mut();
        let host = h.as_mut().ok_or("the playground has not started yet")?;
        let id =
            host.shared.0.try_borrow_mut().map_err(|_| "the playground is busy")?.session.backend.accept("127.0.0.1");
        host.links.insert(id, Link { on_data, on_close });
        Ok::<ConnId, String>(id)
    })?;
    schedule();
    Ok(id)
}

/// Bytes from a client; handled later, never inside this call.
pub fn send(id: ConnId, bytes: Vec<u8>) {
    HOST.with(|h| {
        if let Some(host) = h.borrow_mut().as_mut() {
            host.inbox.push_back((id, Input::Bytes(bytes)));
        }
    });
    schedule();
}

/// The client closed its side.
pub fn close(id: ConnId) {
    HOST.with(|h| {
        if let Some(host) = h.borrow_mut().as_mut() {
            host.inbox.push_back((id, Input::Close));
        }
    });
    schedule();
}

/// Asks for the queued input to be handled and the waiting output delivered, soon, on a fresh task.
pub fn schedule() {
    let first = HOST.with(|h| match h.borrow_mut().as_mut() {
        Some(host) if !host.scheduled => {
            host.scheduled = true;
            true
        }
        _ => false,
    });
    if first && cfg!(target_arch = "wasm32") {
        // A microtask: after the caller's stack has unwound (never inside its send), but without the clamped
        // delay of a timer.
        wasm_bindgen_futures::spawn_local(async { service() });
    }
}

/// Handles what clients sent, then hands each its output, outside any borrow of the playground.
fn service() {
    let (deliveries, closes, changed, on_change) = HOST.with(|h| {
        let mut h = h.borrow_mut();
        let Some(host) = h.as_mut() else { return (Vec::new(), Vec::new(), false, None) };
        host.scheduled = false;
        let Ok(mut pg) = host.shared.0.try_borrow_mut() else {
            // The app is in the middle of something: try again on the next task.
            host.scheduled = true;
            gloo::timers::callback::Timeout::new(1, service).forget();
            return (Vec::new(), Vec::new(), false, None);
        };
        let before = super::marks(&pg.session.backend.engine);
        let crate::server::Standalone { server: page, engine, .. } = &mut pg.session.backend;
        while let Some((id, input)) = host.inbox.pop_front() {
            match input {
                Input::Bytes(b) => page.handle_bytes(engine, id, &b),
                Input::Close => {
                    page.close(engine, id);
                    host.links.remove(&id);
                }
            }
        }
        let mut deliveries = Vec::new();
        let mut closes = Vec::new();
        for id in page.take_dirty() {
            let Some(link) = host.links.get(&id) else { continue };
            if let Some(bytes) = page.poll_transmit(id) {
                deliveries.push((link.on_data.clone(), bytes));
            }
            if page.is_closing(id) {
                page.close(engine, id);
                if let Some(l) = host.links.remove(&id) {
                    closes.extend(l.on_close);
                }
            }
        }
        let changed = super::marks(engine) != before || host.links.len() != host.known_links;
        host.known_links = host.links.len();
        (deliveries, closes, changed, Some(host.on_change.clone()))
    });
    for (f, bytes) in deliveries {
        let arr = js_sys::Uint8Array::from(bytes.as_slice());
        let _ = f.call1(&wasm_bindgen::JsValue::NULL, &arr);
    }
    for f in closes {
        let _ = f.call0(&wasm_bindgen::JsValue::NULL);
    }
    if changed && on_change.is_some() {
        let first = HOST.with(|h| match h.borrow_mut().as_mut() {
            Some(host) => !std::mem::replace(&mut host.redraw_due, true),
            None => false,
        });
        if first {
            gloo::timers::callback::Timeout::new(REDRAW_MS, || {
                let f = HOST.with(|h| {
                    let mut h = h.borrow_mut();
                    let host = h.as_mut()?;
                    host.redraw_due = false;
                    Some(host.on_change.clone())
                });
                if let Some(f) = f {
                    f();
                }
            })
            .forget();
        }
    }
}

/// Moves the playground's clock forward by `by` for a program's sleep, expiring what is due and letting the
/// server's consumers deliver what that changed (the terminal's watches hear it on the clock's next tick).
/// False when the playground is busy this instant.
/// `Playground::connected_url`, for code that holds no handle to the playground (the Python cells' relay).
pub fn connected_server() -> Option<String> {
    HOST.with(|h| h.borrow().as_ref()?.shared.0.try_borrow().ok()?.connected_url())
}

pub fn advance_clock(by: crate::engine::Nanos) -> bool {
    let moved = HOST.with(|h| {
        let h = h.borrow();
        let Some(host) = h.as_ref() else { return Some(None) };
        let Ok(mut pg) = host.shared.0.try_borrow_mut() else { return None };
        let real = super::real_now();
        if by > 0 {
            pg.clock.fast_forward(real, by);
        }
        let now = pg.clock.now(real);
        pg.session.backend.set_time(now);
        Some((by > 0).then(|| host.on_change.clone()))
    });
    let Some(redraw) = moved else { return false };
    schedule();
    if let Some(f) = redraw {
        f();
    }
    true
}

/// How many clients are connected to the page's server.
pub fn connections() -> usize {
    HOST.with(|h| h.borrow().as_ref().map_or(0, |host| host.links.len()))
}

/// The protocol clock: milliseconds since the page loaded (monotonic; the playground's clock may pause).
pub fn mono_ms() -> u64 {
    if cfg!(target_arch = "wasm32") {
        web_sys::window().and_then(|w| w.performance()).map(|p| p.now() as u64).unwrap_or(0)
    } else {
        0
    }
}
