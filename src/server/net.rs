//! `kvplay serve`: the server core on real sockets (native only). One thread owns the `Server`; each
//! connection has a reader thread (TCP or WebSocket) that sends it bytes and a writer thread that takes bytes
//! from it. An optional monitoring port answers `/varz` and `/healthz` as nats-server does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{ConnId, ServerOptions, Standalone};
use crate::engine::{Engine, Nanos};

/// Where and how to serve.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub addr: String,
    pub port: u16,
    /// `None`: no WebSocket listener; `Some(0)`: any free port.
    pub websocket_port: Option<u16>,
    /// `None`: no monitoring listener.
    pub http_port: Option<u16>,
    pub server: ServerOptions,
}

enum Event {
    Accept {
        ip: String,
        writer: Sender<Option<Vec<u8>>>,
        id: Sender<ConnId>,
    },
    Bytes(ConnId, Vec<u8>),
    Closed(ConnId),
    Varz(Sender<String>),
    /// The clock moved: answered once the server has set its time.
    Sync(Sender<()>),
}

fn wall() -> Nanos {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as Nanos).unwrap_or(0)
}

/// A running server: its addresses, and a way to stop it (tests start it in-process).
pub struct Running {
    pub port: u16,
    pub websocket_port: u16,
    pub http_port: u16,
    stop: Arc<AtomicBool>,
    core: Option<thread::JoinHandle<()>>,
    /// How far the server's clock is ahead of the wall clock (`fast_forward`), in nanoseconds.
    offset: Arc<AtomicI64>,
    events: Sender<Event>,
}

impl Running {
    /// Moves the server's clock forward by `by` (a headless lesson's program slept), expiring what is due;
    /// returns once the server has done so.
    pub fn fast_forward(&self, by: Nanos) {
        self.offset.fetch_add(by.max(0), Ordering::SeqCst);
        let (tx, rx) = mpsc::channel();
        if self.events.send(Event::Sync(tx)).is_ok() {
            let _ = rx.recv_timeout(Duration::from_secs(5));
        }
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.core.take() {
            let _ = h.join();
        }
    }
}

fn listen(addr: &str, port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind((addr, port))
}

/// Binds the listeners and starts serving in background threads.
pub fn start(opts: ServeOptions) -> std::io::Result<Running> {
    let tcp = listen(&opts.addr, opts.port)?;
    let port = tcp.local_addr()?.port();
    let ws = match opts.websocket_port {
        Some(p) => Some(listen(&opts.addr, p)?),
        None => None,
    };
    let websocket_port = match &ws {
        Some(l) => l.local_addr()?.port(),
        None => 0,
    };
    let http = match opts.http_port {
        Some(p) => Some(listen(&opts.addr, p)?),
        None => None,
    };
    let http_port = match &http {
        Some(l) => l.local_addr()?.port(),
        None => 0,
    };
    let mut server_opts = opts.server.clone();
    server_opts.host = opts.addr.clone();
    server_opts.port = port;
    let (tx, rx) = mpsc::channel::<Event>();
    let stop = Arc::new(AtomicBool::new(false));
    spawn_acceptor(tcp, tx.clone(), false);
    if let Some(l) = ws {
        spawn_acceptor(l, tx.clone(), true);
    }
    if let Some(l) = http {
        let tx = tx.clone();
        thread::spawn(move || {
            for s in l.incoming().flatten() {
                let tx = tx.clone();
                thread::spawn(move || monitor(s, tx));
            }
        });
    }
    let stop2 = stop.clone();
    let offset = Arc::new(AtomicI64::new(0));
    let offset2 = offset.clone();
    let core = thread::spawn(move || core_loop(Standalone::new(server_opts, Engine::new(wall())), rx, stop2, offset2));
    Ok(Running { port, websocket_port, http_port, stop, core: Some(core), offset, events: tx })
}

fn spawn_acceptor(l: TcpListener, tx: Sender<Event>, websocket: bool) {
    thread::spawn(move || {
        for s in l.incoming().flatten() {
            let tx = tx.clone();
            thread::spawn(move || connection(s, tx, websocket));
        }
    });
}

fn connection(stream: TcpStream, tx: Sender<Event>, websocket: bool) {
    let _ = stream.set_nodelay(true);
    let ip = stream.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|_| "127.0.0.1".into());
    let (wtx, wrx) = mpsc::channel::<Option<Vec<u8>>>();
    let (idtx, idrx) = mpsc::channel();
    if tx.send(Event::Accept { ip, writer: wtx, id: idtx }).is_err() {
        return;
    }
    let Ok(id) = idrx.recv() else { return };
    if websocket {
        let Ok(mut ws) = tungstenite::accept(stream) else {
            let _ = tx.send(Event::Closed(id));
            return;
        };
        let Ok(raw) = ws.get_ref().try_clone() else { return };
        let writer = thread::spawn(move || {
            let mut out = tungstenite::WebSocket::from_raw_socket(raw, tungstenite::protocol::Role::Server, None);
            while let Ok(Some(b)) = wrx.recv() {
                if out.send(tungstenite::Message::Binary(b.into())).is_err() {
                    break;
                }
            }
            let _ = out.get_ref().shutdown(Shutdown::Both);
        });
        loop {
            match ws.read() {
                Ok(tungstenite::Message::Binary(b)) => {
                    if tx.send(Event::Bytes(id, b.to_vec())).is_err() {
                        break;
                    }
                }
                Ok(tungstenite::Message::Text(t)) => {
                    if tx.send(Event::Bytes(id, t.as_bytes().to_vec())).is_err() {
                        break;
                    }
                }
                Ok(tungstenite::Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = tx.send(Event::Closed(id));
        let _ = writer.join();
    } else {
        let Ok(mut raw) = stream.try_clone() else { return };
        let writer = thread::spawn(move || {
            while let Ok(Some(b)) = wrx.recv() {
                if raw.write_all(&b).is_err() {
                    break;
                }
            }
            let _ = raw.shutdown(Shutdown::Both);
        });
        let mut reader = stream;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(Event::Bytes(id, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = tx.send(Event::Closed(id));
        let _ = writer.join();
    }
}

fn core_loop(mut hosted: Standalone, rx: Receiver<Event>, stop: Arc<AtomicBool>, offset: Arc<AtomicI64>) {
    let start = Instant::now();
    let mut writers: std::collections::HashMap<ConnId, Sender<Option<Vec<u8>>>> = Default::default();
    let started = wall();
    loop {
        if stop.load(Ordering::SeqCst) {
            for w in writers.values() {
                let _ = w.send(None);
            }
            return;
        }
        let server = &mut hosted.server;
        let engine = &mut hosted.engine;
        let mono = start.elapsed().as_millis() as u64;
        let wait = server.poll_timeout().map(|t| t.saturating_sub(mono)).unwrap_or(200).clamp(1, 200);
        let ev = rx.recv_timeout(Duration::from_millis(wait));
        server.set_time(engine, wall() + offset.load(Ordering::SeqCst));
        server.handle_timeout(engine, start.elapsed().as_millis() as u64);
        match ev {
            Ok(Event::Accept { ip, writer, id }) => {
                let c = server.accept(&ip);
                writers.insert(c, writer);
                let _ = id.send(c);
            }
            Ok(Event::Bytes(c, b)) => server.handle_bytes(engine, c, &b),
            Ok(Event::Closed(c)) => {
                server.close(engine, c);
                if let Some(w) = writers.remove(&c) {
                    let _ = w.send(None);
                }
            }
            Ok(Event::Varz(reply)) => {
                let _ = reply.send(varz(server, engine, started));
            }
            Ok(Event::Sync(reply)) => {
                let _ = reply.send(());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        for c in server.take_dirty() {
            if let Some(b) = server.poll_transmit(c) {
                if let Some(w) = writers.get(&c) {
                    let _ = w.send(Some(b));
                }
            }
            if server.is_closing(c) {
                if let Some(w) = writers.remove(&c) {
                    let _ = w.send(None);
                }
                server.close(engine, c);
            }
        }
    }
}

fn varz(server: &super::Server, engine: &Engine, started: Nanos) -> String {
    let o = server.options();
    serde_json::json!({
        "server_id": o.server_id, "server_name": o.server_name, "version": super::api::SERVER_VERSION,
        "proto": 1, "host": o.host, "port": o.port, "max_payload": o.max_payload, "auth_required": o.auth != super::Auth::None,
        "start": crate::engine::time::rfc3339_nanos(started), "now": crate::engine::time::rfc3339_nanos(wall()),
        "connections": server.connection_count(), "jetstream": {"config": {"store_dir": "", "sync_interval": 0},
        "stats": {"memory": engine.account_info().memory, "storage": engine.account_info().storage,
        "accounts": 1, "ha_assets": 0, "api": {"level": 5}}},
        "storage": "memory (kvplay serve keeps nothing on disk)",
    })
    .to_string()
}

/// Answers one HTTP request on the monitoring port.
fn monitor(stream: TcpStream, tx: Sender<Event>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(mut w) = stream.try_clone() else { return };
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    if r.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap_or("/").to_string();
    let (status, body) = match path.as_str() {
        "/healthz" => ("200 OK", "{\"status\":\"ok\"}".to_string()),
        "/varz" => {
            let (rtx, rrx) = mpsc::channel();
            let _ = tx.send(Event::Varz(rtx));
            match rrx.recv_timeout(Duration::from_secs(2)) {
                Ok(b) => ("200 OK", b),
                Err(_) => ("503 Service Unavailable", "{}".into()),
            }
        }
        _ => ("404 Not Found", "404 page not found\n".into()),
    };
    let _ = write!(
        w,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
