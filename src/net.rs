//! `kvplay serve`: the server core on real sockets (native only). One thread owns the `Server`; an async
//! runtime (tokio) accepts TCP and WebSocket connections, each a reader task that sends the core bytes and a
//! writer task that writes what the core gives it, and answers the monitoring port (`/varz`, `/connz`, `/jsz`,
//! `/healthz`, on hyper) with nats-server's fields.
//!
//! As nats-server: listeners take the system's listen backlog, the open-files limit is raised to its hard limit
//! at start, a failing accept (out of file descriptors) backs off from 10 ms to 1 s while the open connections
//! keep being served, and a write that cannot finish within the write deadline (10 s) closes the connection as
//! a slow consumer, as a connection with more than `max_pending` bytes waiting does (the core counts both).
//! The other way, a connection has at most `READS_IN_FLIGHT` reads waiting for the core: a client publishing
//! faster than the core keeps up is not read until it has caught up, so neither direction queues without bound.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc as amsc, oneshot};

use crate::engine::{Engine, JsLimits, Nanos};
use crate::protocol_trace::{log_line, Direction};
use crate::server::{ConnId, ServerOptions, Standalone};

/// How long one write may take before the connection is closed as a slow consumer (nats-server's
/// `write_deadline`, 10 s).
pub const WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// How long a WebSocket client may take to finish its upgrade (nats-server's websocket `handshake_timeout`).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);
/// How many reads of a connection may wait for the core (each at most `READ_SIZE` bytes, nats-server's
/// `maxBufSize`): a client that
/// publishes faster than the core handles it waits, as nats-server stalls a fast producer.
const READS_IN_FLIGHT: usize = 16;
const READ_SIZE: usize = 64 * 1024;
/// A connection's first read buffer (nats-server's `startBufSize`).
const READ_START: usize = 512;
/// nats-server's pause after a failed accept: doubled on each failure up to the maximum.
const ACCEPT_MIN_SLEEP: Duration = Duration::from_millis(10);
const ACCEPT_MAX_SLEEP: Duration = Duration::from_secs(1);
/// Lame duck mode (nats-server's defaults): clients are told at once, closed from the end of the grace period,
/// spread over the rest of the duration (at most a second apart); then the server stops.
const LAME_DUCK_DURATION: Duration = Duration::from_secs(120);
const LAME_DUCK_GRACE: Duration = Duration::from_secs(10);

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
    /// The server-wide JetStream limits; `None`: as nats-server picks them without configuration
    /// (`system_limits`).
    pub js_limits: Option<JsLimits>,
    /// nats-server's protocol trace (`-V`) on standard error (`protocol_trace.rs`).
    pub trace: bool,
}

/// What the writer task of a connection is given.
enum Outbound {
    Bytes(Vec<u8>),
    Close,
}

/// How `/connz` shows each connection's subscriptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Subs {
    Count,
    List,
    Detail,
}

/// A monitoring endpoint the core answers.
#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Varz,
    /// Connections from `offset`, at most `limit`, only `cid` when given, with their subscriptions listed
    /// (`subs=true`) or detailed (`subs=detail`).
    Connz {
        offset: usize,
        limit: usize,
        cid: Option<u64>,
        subs: Subs,
    },
    Jsz,
}

enum Event {
    Accept {
        addr: SocketAddr,
        websocket: bool,
        writer: amsc::UnboundedSender<Outbound>,
        id: oneshot::Sender<ConnId>,
    },
    /// Bytes a client sent; the permit goes back to its reader once the core has handled them.
    Bytes(ConnId, Vec<u8>, tokio::sync::OwnedSemaphorePermit),
    /// The writer wrote this many of the bytes it was given.
    Written(ConnId, usize),
    /// A write did not finish within `WRITE_DEADLINE`.
    Stalled(ConnId),
    Closed(ConnId),
    Monitor(Endpoint, oneshot::Sender<String>),
    /// The clock moved: answered once the server has set its time.
    Sync(Sender<()>),
    /// Enter lame duck mode (the listeners are closed already): its grace period and duration.
    LameDuck(Duration, Duration),
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
    runtime: Option<tokio::runtime::Runtime>,
    /// How far the server's clock is ahead of the wall clock (`fast_forward`), in nanoseconds.
    offset: Arc<AtomicI64>,
    events: Sender<Event>,
    /// The accept loops (client and WebSocket listeners), stopped in lame duck mode.
    accepts: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Lame duck mode, as nats-server enters it on `SIGUSR2`: no new connections (the listeners close),
    /// JetStream stopped, clients told with an INFO, then closed from the end of the grace period on; the
    /// server stops once the last is closed (`finished`).
    pub fn lame_duck(&mut self) {
        self.lame_duck_within(LAME_DUCK_GRACE, LAME_DUCK_DURATION);
    }

    /// Lame duck mode with a grace period and duration of its own (nats-server's `lame_duck_grace_period` and
    /// `lame_duck_duration`).
    pub fn lame_duck_within(&mut self, grace: Duration, duration: Duration) {
        for a in self.accepts.drain(..) {
            a.abort();
        }
        let _ = self.events.send(Event::LameDuck(grace, duration));
    }

    /// Whether the server has stopped on its own (the end of lame duck mode).
    pub fn finished(&self) -> bool {
        self.core.as_ref().is_none_or(|c| c.is_finished())
    }

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
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The listen backlog Go gives a listener (and so nats-server): the system's `somaxconn`, at most 65535.
fn backlog() -> u32 {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .map(|n| n.min(65535))
        .unwrap_or(4096)
}

/// Raises the soft limit on open files to the hard limit, as the Go runtime does at start for nats-server, so
/// thousands of clients can connect.
pub fn raise_open_files_limit() {
    #[cfg(unix)]
    // SAFETY: getrlimit and setrlimit read and write a plain struct owned here.
    unsafe {
        let mut l = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max {
            l.rlim_cur = l.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

/// The JetStream limits nats-server takes when none are configured: three quarters of the system's memory for
/// memory storage (and three quarters of the store directory's free disk, at most 1 TB, for file storage). Here
/// file storage is kept in memory too, so its limit is also three quarters of the system's memory.
pub fn system_limits() -> JsLimits {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<i64>().ok()
        })
        .map(|kb| kb * 1024)
        .unwrap_or(4 << 30);
    let three_quarters = total / 4 * 3;
    JsLimits { max_memory: three_quarters, max_storage: three_quarters }
}

fn listen(addr: &str, port: u16) -> std::io::Result<TcpListener> {
    let sa = (addr, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::AddrNotAvailable, format!("{addr} has no address")))?;
    let socket = if sa.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(sa)?;
    socket.listen(backlog())
}

/// Binds the listeners and starts serving in the background.
pub fn start(opts: ServeOptions) -> std::io::Result<Running> {
    raise_open_files_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("kvplay-serve")
        .enable_all()
        .build()?;
    let _guard = runtime.enter();
    // A port that cannot be had is named, with what it was for.
    let named = |what: &'static str, port: u16| {
        let addr = &opts.addr;
        move |e: std::io::Error| std::io::Error::new(e.kind(), format!("{addr}:{port} ({what}): {e}"))
    };
    let tcp = listen(&opts.addr, opts.port).map_err(named("clients", opts.port))?;
    let port = tcp.local_addr()?.port();
    let ws = opts.websocket_port.map(|p| listen(&opts.addr, p).map_err(named("websocket", p))).transpose()?;
    let websocket_port = ws.as_ref().map(|l| l.local_addr().map(|a| a.port())).transpose()?.unwrap_or(0);
    let http = opts.http_port.map(|p| listen(&opts.addr, p).map_err(named("monitoring", p))).transpose()?;
    let http_port = http.as_ref().map(|l| l.local_addr().map(|a| a.port())).transpose()?.unwrap_or(0);
    let mut server_opts = opts.server.clone();
    server_opts.host = opts.addr.clone();
    server_opts.port = port;
    let (tx, rx) = mpsc::channel::<Event>();
    let stop = Arc::new(AtomicBool::new(false));
    let mut accepts = vec![runtime.spawn(accept_loop(tcp, tx.clone(), false))];
    if let Some(l) = ws {
        accepts.push(runtime.spawn(accept_loop(l, tx.clone(), true)));
    }
    if let Some(l) = http {
        runtime.spawn(monitor_loop(l, tx.clone()));
    }
    let info = Info {
        host: opts.addr.clone(),
        http_port,
        websocket_port,
        started: wall(),
        limits: opts.js_limits.unwrap_or_else(system_limits),
        trace: opts.trace,
    };
    let (stop2, offset) = (stop.clone(), Arc::new(AtomicI64::new(0)));
    let offset2 = offset.clone();
    let mut engine = Engine::new(wall());
    engine.set_limits(info.limits);
    let core = thread::Builder::new().name("kvplay-core".into()).spawn(move || {
        let mut hosted = Standalone::new(server_opts, engine);
        hosted.install_features();
        core_loop(hosted, rx, stop2, offset2, info)
    })?;
    drop(_guard);
    Ok(Running {
        port,
        websocket_port,
        http_port,
        stop,
        core: Some(core),
        runtime: Some(runtime),
        offset,
        events: tx,
        accepts,
    })
}

/// Accepts connections until the runtime stops; a failed accept (EMFILE and the like) pauses, doubling from
/// `ACCEPT_MIN_SLEEP` to `ACCEPT_MAX_SLEEP`, instead of spinning.
async fn accept_loop(l: TcpListener, tx: Sender<Event>, websocket: bool) {
    let mut pause = ACCEPT_MIN_SLEEP;
    loop {
        match l.accept().await {
            Ok((s, addr)) => {
                pause = ACCEPT_MIN_SLEEP;
                tokio::spawn(connection(s, addr, tx.clone(), websocket));
            }
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(ACCEPT_MAX_SLEEP);
            }
        }
    }
}

/// Registers a connection with the core; `None` when the core is gone.
async fn register(
    tx: &Sender<Event>,
    addr: SocketAddr,
    websocket: bool,
) -> Option<(ConnId, amsc::UnboundedReceiver<Outbound>)> {
    let (wtx, wrx) = amsc::unbounded_channel();
    let (idtx, idrx) = oneshot::channel();
    tx.send(Event::Accept { addr, websocket, writer: wtx, id: idtx }).ok()?;
    let id = idrx.await.ok()?;
    Some((id, wrx))
}

/// WebSocket buffers as small as the TCP path's first read buffer grows from (tungstenite's default is 128 KiB
/// each way per connection), so thousands of WebSocket clients hold little memory.
fn ws_config() -> tungstenite::protocol::WebSocketConfig {
    tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0)
}

async fn connection(stream: TcpStream, addr: SocketAddr, tx: Sender<Event>, websocket: bool) {
    let _ = stream.set_nodelay(true);
    if websocket {
        let Ok(Ok(ws)) = tokio::time::timeout(
            HANDSHAKE_TIMEOUT,
            tokio_tungstenite::accept_async_with_config(stream, Some(ws_config())),
        )
        .await
        else {
            return;
        };
        let Some((id, mut wrx)) = register(&tx, addr, true).await else { return };
        let (mut sink, mut source) = ws.split();
        let txw = tx.clone();
        let mut writer = tokio::spawn(async move {
            while let Some(Outbound::Bytes(b)) = wrx.recv().await {
                let n = b.len();
                let send = sink.send(tungstenite::Message::Binary(b.into()));
                match tokio::time::timeout(WRITE_DEADLINE, send).await {
                    Ok(Ok(())) => {
                        let _ = txw.send(Event::Written(id, n));
                    }
                    Ok(Err(_)) => break,
                    Err(_) => {
                        let _ = txw.send(Event::Stalled(id));
                        break;
                    }
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
        });
        let credit = Arc::new(tokio::sync::Semaphore::new(READS_IN_FLIGHT));
        loop {
            let Ok(permit) = credit.clone().acquire_owned().await else { break };
            tokio::select! {
                m = source.next() => match m {
                    Some(Ok(tungstenite::Message::Binary(b))) => {
                        if tx.send(Event::Bytes(id, b.to_vec(), permit)).is_err() {
                            break;
                        }
                    }
                    Some(Ok(tungstenite::Message::Text(t))) => {
                        if tx.send(Event::Bytes(id, t.as_bytes().to_vec(), permit)).is_err() {
                            break;
                        }
                    }
                    Some(Ok(tungstenite::Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                _ = &mut writer => break,
            }
        }
        let _ = tx.send(Event::Closed(id));
        writer.abort();
    } else {
        let Some((id, mut wrx)) = register(&tx, addr, false).await else { return };
        let (mut rd, mut wr) = stream.into_split();
        let txw = tx.clone();
        let mut writer = tokio::spawn(async move {
            while let Some(Outbound::Bytes(b)) = wrx.recv().await {
                match tokio::time::timeout(WRITE_DEADLINE, wr.write_all(&b)).await {
                    Ok(Ok(())) => {
                        let _ = txw.send(Event::Written(id, b.len()));
                    }
                    Ok(Err(_)) => break,
                    Err(_) => {
                        let _ = txw.send(Event::Stalled(id));
                        break;
                    }
                }
            }
            let _ = wr.shutdown().await;
        });
        // As nats-server: a small read buffer that doubles when a read fills it and halves when reads are
        // small, so thousands of idle connections hold little memory.
        let mut buf = vec![0u8; READ_START];
        let credit = Arc::new(tokio::sync::Semaphore::new(READS_IN_FLIGHT));
        loop {
            let Ok(permit) = credit.clone().acquire_owned().await else { break };
            tokio::select! {
                r = rd.read(&mut buf) => match r {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(Event::Bytes(id, buf[..n].to_vec(), permit)).is_err() {
                            break;
                        }
                        if n == buf.len() && buf.len() < READ_SIZE {
                            buf.resize(buf.len() * 2, 0);
                        } else if n < buf.len() / 2 && buf.len() > READ_START {
                            buf.truncate(buf.len() / 2);
                            buf.shrink_to_fit();
                        }
                    }
                },
                _ = &mut writer => break,
            }
        }
        let _ = tx.send(Event::Closed(id));
        writer.abort();
    }
}

/// What monitoring says about the server besides the core's own state.
struct Info {
    host: String,
    http_port: u16,
    websocket_port: u16,
    started: Nanos,
    limits: JsLimits,
    trace: bool,
}

struct Link {
    writer: amsc::UnboundedSender<Outbound>,
    addr: SocketAddr,
    websocket: bool,
    /// The protocol trace of what the client sent and was sent (`-V`).
    trace: Option<Box<(Direction, Direction)>>,
}

impl Link {
    /// Traces bytes the client sent (`inbound`) or is sent, as nats-server's `-V` logs them.
    fn trace(&mut self, c: ConnId, bytes: &[u8], inbound: bool) {
        let Some(t) = self.trace.as_mut() else { return };
        let (dir, arrow) = if inbound { (&mut t.0, "<<-") } else { (&mut t.1, "->>") };
        let entries = dir.feed(bytes);
        if entries.is_empty() {
            return;
        }
        let client = self.addr.to_string();
        let mut err = std::io::stderr().lock();
        for e in entries {
            let _ = writeln!(err, "{}", log_line(wall(), &client, c, arrow, &e));
        }
    }
}

fn core_loop(mut hosted: Standalone, rx: Receiver<Event>, stop: Arc<AtomicBool>, offset: Arc<AtomicI64>, info: Info) {
    let start = Instant::now();
    let mut links: HashMap<ConnId, Link> = HashMap::new();
    // Lame duck mode: the connections still to close, the next closing's time and the pause between two.
    let mut lame: Option<(Vec<ConnId>, Instant, Duration)> = None;
    loop {
        if let Some((left, at, every)) = lame.as_mut().filter(|(_, at, _)| Instant::now() >= *at) {
            match left.pop() {
                Some(c) => {
                    hosted.server.close(&hosted.engine, c);
                    if let Some(l) = links.remove(&c) {
                        let _ = l.writer.send(Outbound::Close);
                    }
                    *at = Instant::now() + *every;
                }
                None => return,
            }
        }
        if stop.load(Ordering::SeqCst) {
            for l in links.values() {
                let _ = l.writer.send(Outbound::Close);
            }
            return;
        }
        let server = &mut hosted.server;
        let engine = &mut hosted.engine;
        let mono = start.elapsed().as_millis() as u64;
        let mut wait = server.poll_timeout().map(|t| t.saturating_sub(mono)).unwrap_or(200).clamp(1, 200);
        if let Some((_, at, _)) = &lame {
            wait = wait.min(at.saturating_duration_since(Instant::now()).as_millis().max(1) as u64);
        }
        let ev = rx.recv_timeout(Duration::from_millis(wait));
        server.set_time(engine, wall().saturating_add(offset.load(Ordering::SeqCst)));
        server.handle_timeout(engine, start.elapsed().as_millis() as u64);
        match ev {
            Ok(Event::Accept { addr, websocket, writer, id }) => {
                let c = server.accept(&addr.ip().to_string());
                let trace = info.trace.then(Box::default);
                links.insert(c, Link { writer, addr, websocket, trace });
                let _ = id.send(c);
            }
            Ok(Event::Bytes(c, b, permit)) => {
                if let Some(l) = links.get_mut(&c) {
                    l.trace(c, &b, true);
                }
                server.handle_bytes(engine, c, &b);
                drop(permit);
            }
            Ok(Event::Written(c, n)) => server.written(c, n),
            Ok(Event::Stalled(c)) => server.slow_consumer(c),
            Ok(Event::Closed(c)) => {
                server.close(engine, c);
                if let Some(l) = links.remove(&c) {
                    let _ = l.writer.send(Outbound::Close);
                }
            }
            Ok(Event::Monitor(what, reply)) => {
                let now = wall();
                let mono = start.elapsed().as_millis() as u64;
                let _ = reply.send(monitor_json(server, engine, &info, &links, what, now, mono));
            }
            Ok(Event::Sync(reply)) => {
                let _ = reply.send(());
            }
            Ok(Event::LameDuck(grace, duration)) if lame.is_none() => {
                server.lame_duck();
                let mut left = server.connection_ids();
                left.reverse();
                let n = left.len().max(1) as u32;
                let spread = duration.checked_sub(grace).filter(|d| !d.is_zero()).unwrap_or(Duration::from_secs(1));
                let every = (spread / n).min(Duration::from_secs(1));
                // Without clients the server stops at once, as nats-server does.
                let first = if left.is_empty() { Duration::ZERO } else { grace };
                lame = Some((left, Instant::now() + first, every));
            }
            Ok(Event::LameDuck(..)) => {}
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        for c in server.take_dirty() {
            if let Some(b) = server.poll_transmit(c) {
                if let Some(l) = links.get_mut(&c) {
                    server.queued_in_link(c, b.len());
                    l.trace(c, &b, false);
                    let _ = l.writer.send(Outbound::Bytes(b));
                }
            }
            if server.is_closing(c) {
                if let Some(l) = links.remove(&c) {
                    let _ = l.writer.send(Outbound::Close);
                }
                server.close(engine, c);
            }
        }
    }
}

// Monitoring, in nats-server's field names and order (the fields a learner looks at; the rest of nats-server's
// are left out rather than made up).

#[derive(Serialize)]
struct JetStreamConfigJson {
    max_memory: i64,
    max_storage: i64,
    store_dir: String,
    sync_interval: u64,
    strict: bool,
}

#[derive(Serialize)]
struct JetStreamApiJson {
    level: u32,
    total: u64,
    errors: u64,
}

#[derive(Serialize)]
struct JetStreamStatsJson {
    memory: u64,
    storage: u64,
    reserved_memory: u64,
    reserved_storage: u64,
    accounts: u32,
    ha_assets: u32,
    api: JetStreamApiJson,
}

#[derive(Serialize)]
struct JetStreamLimitsJson {
    default_max_consumers: u32,
}

#[derive(Serialize)]
struct VarzJetStreamJson {
    config: JetStreamConfigJson,
    stats: JetStreamStatsJson,
    limits: JetStreamLimitsJson,
}

/// A section nats-server writes as `{}` when that part of it is not configured (clusters, gateways, ...).
#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct WebsocketJson {
    #[serde(skip_serializing_if = "String::is_empty")]
    host: String,
    #[serde(skip_serializing_if = "is_zero")]
    port: u16,
}

fn is_zero(p: &u16) -> bool {
    *p == 0
}

#[derive(Serialize)]
struct SlowConsumerStatsJson {
    clients: u64,
    routes: u64,
    gateways: u64,
    leafs: u64,
}

#[derive(Serialize)]
struct VarzJson {
    server_id: String,
    server_name: String,
    version: &'static str,
    proto: u8,
    go: &'static str,
    host: String,
    port: u16,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    auth_required: bool,
    max_connections: u32,
    ping_interval: u64,
    ping_max: u32,
    http_host: String,
    http_port: u16,
    http_base_path: &'static str,
    https_port: u16,
    /// Seconds, written as Go writes a float64 (`2`, not `2.0`).
    auth_timeout: serde_json::Number,
    max_control_line: u32,
    max_payload: usize,
    max_pending: usize,
    cluster: Empty,
    gateway: Empty,
    leaf: Empty,
    mqtt: Empty,
    websocket: WebsocketJson,
    jetstream: VarzJetStreamJson,
    write_deadline: u64,
    start: String,
    now: String,
    uptime: String,
    /// Resident memory, in bytes.
    mem: u64,
    cores: usize,
    connections: usize,
    total_connections: u64,
    routes: u32,
    remotes: u32,
    leafnodes: u32,
    in_msgs: u64,
    in_bytes: u64,
    out_msgs: u64,
    out_bytes: u64,
    slow_consumers: u64,
    stale_connections: u64,
    subscriptions: usize,
    slow_consumer_stats: SlowConsumerStatsJson,
    stale_connection_stats: SlowConsumerStatsJson,
    /// Not a nats-server field: says where this server keeps its state.
    storage: &'static str,
}

#[derive(Serialize)]
struct ConnzConnJson {
    cid: ConnId,
    kind: &'static str,
    #[serde(rename = "type")]
    kind_of_link: &'static str,
    ip: String,
    port: u16,
    start: String,
    last_activity: String,
    uptime: String,
    idle: String,
    pending_bytes: usize,
    in_msgs: u64,
    out_msgs: u64,
    in_bytes: u64,
    out_bytes: u64,
    subscriptions: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    lang: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscriptions_list: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscriptions_list_detail: Option<Vec<SubDetailJson>>,
}

/// A subscription in `/connz?subs=detail`, in nats-server's field names and order.
#[derive(Serialize)]
struct SubDetailJson {
    subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    qgroup: Option<String>,
    sid: String,
    msgs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<u64>,
    cid: ConnId,
}

#[derive(Serialize)]
struct ConnzJson {
    server_id: String,
    now: String,
    num_connections: usize,
    total: usize,
    offset: usize,
    limit: usize,
    connections: Vec<ConnzConnJson>,
}

#[derive(Serialize)]
struct JszJson {
    memory: u64,
    storage: u64,
    reserved_memory: u64,
    reserved_storage: u64,
    accounts: u32,
    ha_assets: u32,
    api: JetStreamApiJson,
    server_id: String,
    now: String,
    config: JetStreamConfigJson,
    limits: JetStreamLimitsJson,
    streams: usize,
    consumers: u64,
    messages: u64,
    bytes: u64,
    total: u32,
}

/// This process's resident memory (`/varz` `mem`), 0 where the system does not say.
fn resident_bytes() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    #[cfg(unix)]
    // SAFETY: sysconf reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(0) as u64;
    #[cfg(not(unix))]
    let page = 4096;
    pages * page
}

/// A duration as nats-server's monitoring writes one: `1d2h3m4s`, largest unit first.
fn go_uptime(ms: u64) -> String {
    let s = ms / 1000;
    let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let mut out = String::new();
    for (n, u) in [(d, "d"), (h, "h"), (m, "m")] {
        if n > 0 || !out.is_empty() {
            out.push_str(&format!("{n}{u}"));
        }
    }
    out.push_str(&format!("{s}s"));
    out
}

fn monitor_json(
    server: &crate::server::Server,
    engine: &Engine,
    info: &Info,
    links: &HashMap<ConnId, Link>,
    what: Endpoint,
    now: Nanos,
    mono: u64,
) -> String {
    use crate::engine::time::rfc3339_nanos;
    let o = server.options();
    let account = engine.account_info();
    let config = || JetStreamConfigJson {
        max_memory: info.limits.max_memory,
        max_storage: info.limits.max_storage,
        store_dir: String::new(),
        sync_interval: 120_000_000_000,
        strict: true,
    };
    let api = || JetStreamApiJson { level: 5, total: 0, errors: 0 };
    // The protocol clock started with the server: a connection's times are the start time plus its offsets.
    let at = |ms: u64| rfc3339_nanos(info.started + ms as Nanos * 1_000_000);
    let stats = server.stats();
    let body = match what {
        Endpoint::Varz => serde_json::to_string_pretty(&VarzJson {
            server_id: o.server_id.clone(),
            server_name: o.server_name.clone(),
            version: crate::server::api::SERVER_VERSION,
            proto: 1,
            go: crate::server::api::GO_VERSION,
            host: o.host.clone(),
            port: o.port,
            auth_required: o.auth != crate::server::Auth::None,
            max_connections: 65536,
            ping_interval: o.ping_interval_ms * 1_000_000,
            ping_max: o.max_pings_out,
            http_host: info.host.clone(),
            http_port: info.http_port,
            http_base_path: "",
            https_port: 0,
            auth_timeout: if o.auth_timeout_ms.is_multiple_of(1000) {
                (o.auth_timeout_ms / 1000).into()
            } else {
                serde_json::Number::from_f64(o.auth_timeout_ms as f64 / 1000.0).unwrap_or_else(|| 0.into())
            },
            max_control_line: 4096,
            max_payload: o.max_payload,
            max_pending: o.max_pending,
            cluster: Empty {},
            gateway: Empty {},
            leaf: Empty {},
            mqtt: Empty {},
            websocket: WebsocketJson {
                host: if info.websocket_port > 0 { info.host.clone() } else { String::new() },
                port: info.websocket_port,
            },
            jetstream: VarzJetStreamJson {
                config: config(),
                stats: JetStreamStatsJson {
                    memory: account.memory,
                    storage: account.storage,
                    reserved_memory: account.reserved_memory,
                    reserved_storage: account.reserved_storage,
                    accounts: 1,
                    ha_assets: 0,
                    api: api(),
                },
                limits: JetStreamLimitsJson { default_max_consumers: 1000 },
            },
            write_deadline: WRITE_DEADLINE.as_nanos() as u64,
            start: rfc3339_nanos(info.started),
            now: rfc3339_nanos(now),
            uptime: go_uptime(mono),
            mem: resident_bytes(),
            cores: thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            connections: server.connection_count(),
            total_connections: stats.total_connections,
            routes: 0,
            remotes: 0,
            leafnodes: 0,
            in_msgs: stats.msgs.in_msgs,
            in_bytes: stats.msgs.in_bytes,
            out_msgs: stats.msgs.out_msgs,
            out_bytes: stats.msgs.out_bytes,
            slow_consumers: stats.slow_consumers,
            stale_connections: stats.stale_connections,
            subscriptions: server.subscription_count(),
            slow_consumer_stats: SlowConsumerStatsJson {
                clients: stats.slow_consumers,
                routes: 0,
                gateways: 0,
                leafs: 0,
            },
            stale_connection_stats: SlowConsumerStatsJson {
                clients: stats.stale_connections,
                routes: 0,
                gateways: 0,
                leafs: 0,
            },
            storage: "memory (kvplay serve keeps nothing on disk)",
        }),
        Endpoint::Connz { offset, limit, cid, subs } => {
            let mut all = server.connections();
            // The total counts every connection, a `cid` filter or not (as nats-server's does).
            let total = all.len();
            all.retain(|c| cid.is_none_or(|id| c.cid == id));
            let limit = if cid.is_some() { 1 } else { limit };
            let connections: Vec<ConnzConnJson> = all
                .into_iter()
                .skip(offset)
                .take(limit)
                .map(|c| {
                    let link = links.get(&c.cid);
                    ConnzConnJson {
                        cid: c.cid,
                        kind: "Client",
                        kind_of_link: if link.is_some_and(|l| l.websocket) { "websocket" } else { "nats" },
                        ip: c.ip,
                        port: link.map(|l| l.addr.port()).unwrap_or(0),
                        start: at(c.start_ms),
                        last_activity: at(c.last_activity_ms),
                        uptime: go_uptime(mono.saturating_sub(c.start_ms)),
                        idle: go_uptime(mono.saturating_sub(c.last_activity_ms)),
                        pending_bytes: c.pending_bytes,
                        in_msgs: c.stats.in_msgs,
                        out_msgs: c.stats.out_msgs,
                        in_bytes: c.stats.in_bytes,
                        out_bytes: c.stats.out_bytes,
                        subscriptions: c.subscriptions,
                        lang: c.lang,
                        version: c.version,
                        subscriptions_list: (subs == Subs::List && !c.subs.is_empty())
                            .then(|| c.subs.iter().map(|s| s.subject.clone()).collect()),
                        subscriptions_list_detail: (subs == Subs::Detail && !c.subs.is_empty()).then(|| {
                            c.subs
                                .iter()
                                .map(|s| SubDetailJson {
                                    subject: s.subject.clone(),
                                    qgroup: s.queue.clone(),
                                    sid: s.sid.clone(),
                                    msgs: s.msgs,
                                    max: s.max.filter(|m| *m > 0),
                                    cid: c.cid,
                                })
                                .collect()
                        }),
                    }
                })
                .collect();
            serde_json::to_string_pretty(&ConnzJson {
                server_id: o.server_id.clone(),
                now: rfc3339_nanos(now),
                num_connections: connections.len(),
                total,
                offset,
                limit,
                connections,
            })
        }
        Endpoint::Jsz => {
            let (mut messages, mut bytes) = (0, 0);
            for name in engine.stream_names() {
                if let Some(s) = engine.stream_named(&name) {
                    messages += s.state().msgs;
                    bytes += s.state().bytes;
                }
            }
            serde_json::to_string_pretty(&JszJson {
                memory: account.memory,
                storage: account.storage,
                reserved_memory: account.reserved_memory,
                reserved_storage: account.reserved_storage,
                accounts: 1,
                ha_assets: 0,
                api: api(),
                server_id: o.server_id.clone(),
                now: rfc3339_nanos(now),
                config: config(),
                limits: JetStreamLimitsJson { default_max_consumers: 1000 },
                streams: engine.stream_names().len(),
                consumers: account.consumers + server.consumer_count() as u64,
                messages,
                bytes,
                total: 1,
            })
        }
    };
    body.unwrap_or_default()
}

/// Serves the monitoring port with hyper, one task per HTTP connection.
async fn monitor_loop(l: TcpListener, tx: Sender<Event>) {
    let mut pause = ACCEPT_MIN_SLEEP;
    loop {
        let stream = match l.accept().await {
            Ok((s, _)) => {
                pause = ACCEPT_MIN_SLEEP;
                s
            }
            Err(_) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(ACCEPT_MAX_SLEEP);
                continue;
            }
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let tx = tx.clone();
                async move { Ok::<_, Infallible>(answer(req, tx).await) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(false)
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(5))
                .serve_connection(io, service)
                .await;
        });
    }
}

/// A query parameter's value, decoded as Go's `url.ParseQuery` decodes it (`%XX`, `+` for a space).
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    let raw = query?.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name)?.1;
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                let v = std::str::from_utf8(&hex).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(v?);
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

/// A query parameter read as nats-server's monitor reads it (Go's `strconv`), or its 400 in its words. An
/// absent or empty parameter is `None`.
fn decode<T: std::str::FromStr<Err = std::num::ParseIntError>>(
    q: Option<&str>,
    name: &str,
    go_type: &str,
    go_fn: &str,
) -> Result<Option<T>, String> {
    let Some(v) = query_value(q, name).filter(|v| !v.is_empty()) else { return Ok(None) };
    let v = v.as_str();
    v.parse::<T>().map(Some).map_err(|e| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => "value out of range",
            _ => "invalid syntax",
        };
        format!("Error decoding {go_type} for '{name}': strconv.{go_fn}: parsing \"{v}\": {why}")
    })
}

/// A boolean parameter as Go's `strconv.ParseBool` reads it.
fn decode_bool(q: Option<&str>, name: &str) -> Result<bool, String> {
    match query_value(q, name).unwrap_or_default().as_str() {
        "" | "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        v => Err(format!("Error decoding boolean for '{name}': strconv.ParseBool: parsing \"{v}\": invalid syntax")),
    }
}

/// `/connz`'s parameters in nats-server's order, or the 400 it answers.
fn connz_params(q: Option<&str>) -> Result<Endpoint, String> {
    decode_bool(q, "auth")?;
    let subs = match query_value(q, "subs").as_deref() {
        Some("detail") => Subs::Detail,
        _ if decode_bool(q, "subs")? => Subs::List,
        _ => Subs::Count,
    };
    let offset = decode::<i64>(q, "offset", "int", "Atoi")?.unwrap_or(0).max(0) as usize;
    let limit = decode::<i64>(q, "limit", "int", "Atoi")?.filter(|l| *l > 0).unwrap_or(1024) as usize;
    let cid = decode::<u64>(q, "cid", "uint64", "ParseUint")?.filter(|c| *c > 0);
    let state = query_value(q, "state").unwrap_or_default();
    let state = state.as_str();
    if !matches!(state, "" | "open" | "closed" | "any" | "all") {
        return Err(format!("Error decoding state for {state}"));
    }
    const SORTS: [&str; 15] = [
        "",
        "cid",
        "start",
        "subs",
        "pending",
        "msgs_to",
        "msgs_from",
        "bytes_to",
        "bytes_from",
        "last",
        "idle",
        "uptime",
        "stop",
        "reason",
        "rtt",
    ];
    let sort = query_value(q, "sort").unwrap_or_default();
    let sort = sort.as_str();
    if !SORTS.contains(&sort) {
        return Err(format!("invalid sorting option: {sort}"));
    }
    if matches!(sort, "stop" | "reason") && state != "closed" {
        return Err(format!("sort by {sort} only valid on closed connections"));
    }
    Ok(Endpoint::Connz { offset, limit, cid, subs })
}

/// `/healthz`'s parameters as nats-server checks them before it looks at JetStream: the 400 or 404 it answers.
fn healthz_refusal(q: Option<&str>) -> Option<hyper::Response<Full<Bytes>>> {
    for name in ["js-enabled", "js-enabled-only", "js-server-only", "js-meta-only", "details"] {
        if let Err(e) = decode_bool(q, name) {
            return Some(response(hyper::StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", e));
        }
    }
    let given = |name| query_value(q, name).filter(|v| !v.is_empty());
    let (account, stream, consumer) = (given("account"), given("stream"), given("consumer"));
    let account = account.as_deref();
    let (code, status, error) = if account.is_none() && stream.is_some() {
        (hyper::StatusCode::BAD_REQUEST, "error", "\"account\" must not be empty when checking stream health".into())
    } else if stream.is_none() && consumer.is_some() {
        (hyper::StatusCode::BAD_REQUEST, "error", "\"stream\" must not be empty when checking consumer health".into())
    } else if let Some(a) = account.filter(|a| *a != "$G") {
        (hyper::StatusCode::NOT_FOUND, "unavailable", format!("JetStream account {a:?} not found"))
    } else {
        return None;
    };
    let error = String::from_utf8(crate::server::api::go_json(&error)).unwrap_or_default();
    let body = format!("{{\"status\":\"{status}\",\"error\":{error}}}");
    Some(response(code, "application/json", body))
}

/// Answers one monitoring request as nats-server does (JSON, `Access-Control-Allow-Origin: *`).
async fn answer(req: hyper::Request<hyper::body::Incoming>, tx: Sender<Event>) -> hyper::Response<Full<Bytes>> {
    let q = req.uri().query();
    let endpoint = match req.uri().path() {
        "/healthz" => match healthz_refusal(q) {
            Some(refused) => return refused,
            None => None,
        },
        "/varz" => Some(Endpoint::Varz),
        "/connz" => match connz_params(q) {
            Ok(e) => Some(e),
            Err(e) => return response(hyper::StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", e),
        },
        "/jsz" => Some(Endpoint::Jsz),
        _ => return response(hyper::StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "404 page not found\n".into()),
    };
    let Some(endpoint) = endpoint else {
        return response(hyper::StatusCode::OK, "application/json", "{\"status\":\"ok\"}".into());
    };
    let (rtx, rrx) = oneshot::channel();
    if tx.send(Event::Monitor(endpoint, rtx)).is_err() {
        return response(hyper::StatusCode::SERVICE_UNAVAILABLE, "application/json", "{}".into());
    }
    match tokio::time::timeout(Duration::from_secs(5), rrx).await {
        Ok(Ok(body)) => response(hyper::StatusCode::OK, "application/json", body),
        _ => response(hyper::StatusCode::SERVICE_UNAVAILABLE, "application/json", "{}".into()),
    }
}

fn response(status: hyper::StatusCode, content_type: &str, body: String) -> hyper::Response<Full<Bytes>> {
    let mut r = hyper::Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(hyper::header::ACCESS_CONTROL_ALLOW_ORIGIN, hyper::header::HeaderValue::from_static("*"));
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        h.insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_reads_as_nats_server_writes_it() {
        assert_eq!(go_uptime(0), "0s");
        assert_eq!(go_uptime(61_000), "1m1s");
        assert_eq!(go_uptime(3_600_000), "1h0m0s");
        assert_eq!(go_uptime(90_061_000), "1d1h1m1s");
    }
}
