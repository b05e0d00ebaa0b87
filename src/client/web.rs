//! The client in the page: a link over the browser's WebSocket (binary frames) and the timers it waits on. Bytes
//! the socket receives are queued by its event handlers; the client's waits are futures that wake when bytes
//! arrive, the socket closes, or their timeout passes.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo::timers::callback::Timeout;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::core::{conn_err, timeout_err, unreachable_err, Dial, Link};
use super::url::{Scheme, ServerUrl};
use crate::engine::{KvError, Nanos};

#[derive(Default)]
struct Inbound {
    chunks: VecDeque<Vec<u8>>,
    opened: bool,
    /// Why the socket closed, once it has.
    closed: Option<String>,
    waker: Option<Waker>,
}

impl Inbound {
    fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// A WebSocket to the server's websocket listener.
pub struct WsLink {
    ws: WebSocket,
    inbound: Rc<RefCell<Inbound>>,
    _handlers: Vec<Box<dyn std::any::Any>>,
}

impl Drop for WsLink {
    fn drop(&mut self) {
        self.close();
    }
}

/// A future that resolves when `ready` says so, or after `ms` milliseconds with `None`.
struct Wait<T, F: FnMut(&mut Inbound) -> Option<T>> {
    inbound: Rc<RefCell<Inbound>>,
    ready: F,
    ms: u64,
    timer: Option<Timeout>,
    fired: Rc<RefCell<bool>>,
}

impl<T, F: FnMut(&mut Inbound) -> Option<T> + Unpin> Future for Wait<T, F> {
    type Output = Option<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        if let Some(v) = (this.ready)(&mut this.inbound.borrow_mut()) {
            return Poll::Ready(Some(v));
        }
        if *this.fired.borrow() || this.ms == 0 {
            return Poll::Ready(None);
        }
        this.inbound.borrow_mut().waker = Some(cx.waker().clone());
        if this.timer.is_none() {
            let fired = this.fired.clone();
            let inbound = this.inbound.clone();
            this.timer = Some(Timeout::new(this.ms.min(u32::MAX as u64) as u32, move || {
                *fired.borrow_mut() = true;
                inbound.borrow_mut().wake();
            }));
        }
        Poll::Pending
    }
}

fn wait<T, F: FnMut(&mut Inbound) -> Option<T> + Unpin>(
    inbound: &Rc<RefCell<Inbound>>,
    ms: u64,
    ready: F,
) -> Wait<T, F> {
    Wait { inbound: inbound.clone(), ready, ms, timer: None, fired: Rc::new(RefCell::new(false)) }
}

impl Link for WsLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), KvError> {
        if self.ws.ready_state() != WebSocket::OPEN {
            return Err(conn_err("nats: error: the connection to the server is closed"));
        }
        self.ws.send_with_u8_array(bytes).map_err(|_| conn_err("nats: error: the connection to the server is closed"))
    }

    async fn recv(&mut self, timeout_ms: u64) -> Result<Vec<u8>, KvError> {
        let got = wait(&self.inbound, timeout_ms, |ib: &mut Inbound| {
            if !ib.chunks.is_empty() {
                let mut all = Vec::new();
                for c in ib.chunks.drain(..) {
                    all.extend_from_slice(&c);
                }
                return Some(Ok(all));
            }
            ib.closed.clone().map(|why| {
                Err(super::core::conn_err_kind(
                    crate::engine::ErrorKind::ConnectionClosed,
                    format!("nats: error: the server closed the connection ({why})"),
                ))
            })
        })
        .await;
        got.unwrap_or(Ok(Vec::new()))
    }

    fn is_open(&self) -> Option<bool> {
        Some(self.ws.ready_state() == WebSocket::OPEN && self.inbound.borrow().closed.is_none())
    }

    fn close(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onopen(None);
        self.ws.set_onerror(None);
        let _ = self.ws.close();
        let mut ib = self.inbound.borrow_mut();
        ib.closed.get_or_insert_with(|| "closed by the page".to_string());
        ib.wake();
    }
}

/// Opens WebSockets and keeps time in the page.
#[derive(Clone, Copy, Default)]
pub struct WebDial;

fn close_reason(code: u16, reason: &str, opened: bool) -> String {
    if !opened {
        return "nothing accepted a WebSocket there: is nats-server running with a websocket listener on that port?"
            .to_string();
    }
    match (code, reason) {
        (_, r) if !r.is_empty() => format!("code {code}: {r}"),
        (1000, _) => "closed normally".to_string(),
        (1006, _) => "the connection dropped".to_string(),
        _ => format!("code {code}"),
    }
}

impl Dial for WebDial {
    type L = WsLink;

    async fn dial(&self, url: &ServerUrl) -> Result<WsLink, KvError> {
        let scheme = match url.scheme {
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
            Scheme::Nats => {
                return Err(unreachable_err(
                    "nats: error: a browser can reach NATS only over WebSocket: use ws://host:port, the port of the server's websocket listener",
                ))
            }
        };
        let target = format!("{scheme}://{}{}", url.host_port(), url.path);
        let ws = WebSocket::new(&target).map_err(|e| {
            let why = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
            unreachable_err(format!("nats: error: {target} is not an address the browser can open: {why}"))
        })?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let inbound = Rc::new(RefCell::new(Inbound::default()));
        let on_message = {
            let ib = inbound.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
                let data = ev.data();
                let bytes = if let Some(buf) = data.dyn_ref::<js_sys::ArrayBuffer>() {
                    js_sys::Uint8Array::new(buf).to_vec()
                } else if let Some(s) = data.as_string() {
                    s.into_bytes()
                } else {
                    return;
                };
                let mut ib = ib.borrow_mut();
                ib.chunks.push_back(bytes);
                ib.wake();
            })
        };
        let on_open = {
            let ib = inbound.clone();
            Closure::<dyn FnMut()>::new(move || {
                let mut ib = ib.borrow_mut();
                ib.opened = true;
                ib.wake();
            })
        };
        let on_close = {
            let ib = inbound.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
                let mut ib = ib.borrow_mut();
                let why = close_reason(ev.code(), &ev.reason(), ib.opened);
                ib.closed.get_or_insert(why);
                ib.wake();
            })
        };
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut link = WsLink {
            ws,
            inbound: inbound.clone(),
            _handlers: vec![Box::new(on_message), Box::new(on_open), Box::new(on_close)],
        };
        let opened =
            wait(&inbound, 5_000, |ib: &mut Inbound| if ib.opened { Some(Ok(())) } else { ib.closed.clone().map(Err) })
                .await;
        match opened {
            Some(Ok(())) => Ok(link),
            Some(Err(why)) => {
                link.close();
                Err(unreachable_err(format!("nats: error: could not connect to {}: {why}", url.display())))
            }
            None => {
                link.close();
                Err(timeout_err(format!(
                    "nats: error: could not connect to {}: no answer within 5 seconds",
                    url.display()
                )))
            }
        }
    }

    async fn pause(&self, ms: u64) {
        let ib = Rc::new(RefCell::new(Inbound::default()));
        let _: Option<()> = wait(&ib, ms.max(1), |_: &mut Inbound| None).await;
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn wall(&self) -> Nanos {
        (js_sys::Date::now() * 1_000_000.0) as Nanos
    }

    fn nonce(&self) -> u64 {
        (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64 ^ (js_sys::Date::now() as u64).rotate_left(40)
    }
}
