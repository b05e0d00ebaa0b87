//! The engine as a NATS server, without I/O: bytes from each connection in (`handle_bytes`), bytes for each
//! connection out (`poll_transmit`), time as an argument (`set_time` for the engine's clock, `handle_timeout`
//! for the protocol's own timers). It speaks the client protocol as nats-server does (INFO, CONNECT with
//! authentication, PUB/HPUB, SUB with queue groups, UNSUB with a maximum, PING/PONG, +OK/-ERR) and routes
//! subjects with `*` and `>` across connections, with request/reply and "no responders"; `jetstream`
//! answers the JetStream API over the engine's streams. The page, `kvplay serve` and the tests drive the same
//! core over their own links.
//!
//! Architecture invariant: nothing here does I/O or reads a clock, and nothing a client sends can panic it;
//! one connection's bad input closes at most that connection.

pub mod api;
mod connect;
pub mod consumer;
pub mod consumer_checks;
pub mod counter;
pub mod features;
pub mod gojson;
pub mod jetstream;
pub mod local;
mod msg_trace;
pub mod source_checks;
pub mod stream_checks;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::engine::index::PrefixIndex;
use crate::engine::kv::subject_matches;
use crate::engine::{Engine, Nanos};
use connect::ClientOpts;
use jetstream::{JetStream, Out};
use wire::{ClientOp, Decoder};

/// A connection's handle.
pub type ConnId = u64;

/// How clients must authenticate, as the server was started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    UserPass {
        user: String,
        pass: String,
    },
    Token(String),
}

/// What the server says about itself and what it allows.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub server_id: String,
    pub server_name: String,
    pub host: String,
    pub port: u16,
    pub max_payload: usize,
    pub auth: Auth,
    pub jetstream: bool,
    /// Seeds consumer names and queue-group choices, so runs are reproducible.
    pub seed: u64,
    /// The most bytes that may wait for one connection (here and in its link) before it is closed as a slow
    /// consumer; nats-server's `max_pending`, 64 MB.
    pub max_pending: usize,
    /// How long a connection may go without a CONNECT when credentials are required (protocol clock,
    /// milliseconds); nats-server's `auth_timeout`, 2 s.
    pub auth_timeout_ms: u64,
    /// How often the server PINGs a connection (milliseconds); nats-server's `ping_interval`, 2 minutes.
    pub ping_interval_ms: u64,
    /// How many PINGs may go unanswered before the connection is closed as stale; nats-server's `ping_max`, 2.
    pub max_pings_out: u32,
    /// Whether watchers (push consumers without acknowledgements) keep the sequences they delivered, for the
    /// page's timeline; `kvplay serve` keeps none.
    pub watch_log: bool,
}

/// nats-server's default `max_pending`: 64 MB.
pub const MAX_PENDING: usize = 64 * 1024 * 1024;

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            server_id: crate::backend::EMBEDDED_SERVER_ID.to_string(),
            server_name: crate::backend::EMBEDDED_SERVER_ID.to_string(),
            host: "127.0.0.1".into(),
            port: 4222,
            max_payload: crate::engine::kv::MAX_PAYLOAD as usize,
            auth: Auth::None,
            jetstream: true,
            seed: 0x5eed_cafe,
            max_pending: MAX_PENDING,
            auth_timeout_ms: 2_000,
            ping_interval_ms: 120_000,
            max_pings_out: 2,
            watch_log: true,
        }
    }
}

#[derive(Clone, Debug)]
struct Sub {
    subject: String,
    queue: Option<String>,
    max: Option<u64>,
    delivered: u64,
}

struct Conn {
    decoder: Decoder,
    out: Vec<u8>,
    connected: bool,
    /// What its CONNECTs set, over nats-server's defaults (verbose and pedantic until a CONNECT says otherwise).
    opts: ClientOpts,
    /// Headers agreed: the client announced them (the server always supports them).
    headers: bool,
    /// The server has decided to close this connection once its output is written.
    closing: bool,
    subs: HashMap<String, Sub>,
    /// nats-server follows an accepted CONNECT with a second INFO, after the PONG of the handshake.
    connect_info_due: bool,
    /// The client speaks the protocol's dynamic INFO (protocol 1) and has had its handshake's PONG: the server
    /// may send it an INFO at any time (lame duck mode).
    dynamic_info: bool,
    /// Bytes the link was given and has not written yet (`queued_in_link`, `written`).
    in_link: usize,
    /// When this connection's timer fires: its auth deadline, then its next PING (protocol clock).
    timer_at: u64,
    pings_out: u32,
    ip: String,
    start_ms: u64,
    last_activity_ms: u64,
    stats: Stats,
}

/// Message and byte counts, for the server (`/varz`) and each connection (`/connz`), as nats-server counts them:
/// payload bytes with headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
}

/// The server's counters for monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerStats {
    pub msgs: Stats,
    pub total_connections: u64,
    pub slow_consumers: u64,
    pub stale_connections: u64,
}

/// One connection as monitoring shows it (`/connz`); times on the protocol clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnInfo {
    pub cid: ConnId,
    pub ip: String,
    pub start_ms: u64,
    pub last_activity_ms: u64,
    pub pending_bytes: usize,
    pub subscriptions: usize,
    pub lang: String,
    pub version: String,
    pub stats: Stats,
    /// Its subscriptions, by sid: subject, queue group, messages delivered, auto-unsubscribe maximum.
    pub subs: Vec<SubInfo>,
}

/// One subscription as monitoring shows it (`/connz?subs=detail`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubInfo {
    pub sid: String,
    pub subject: String,
    pub queue: Option<String>,
    pub msgs: u64,
    pub max: Option<u64>,
}

/// Subscriptions by connection and sid, indexed by the literal part of their subject before the first
/// wildcard, so routing a subject looks at the few that can match it.
type SubIndex = PrefixIndex<(ConnId, String)>;

/// The server: connections, subscriptions and consumers over an engine it is lent for each input, so the page's
/// terminal and views keep owning the engine they show (one engine, one truth).
pub struct Server {
    opts: ServerOptions,
    conns: BTreeMap<ConnId, Conn>,
    next_conn: ConnId,
    index: SubIndex,
    js: JetStream,
    mono_ms: u64,
    rng: u64,
    /// Connections with output waiting, for the I/O layer.
    dirty: BTreeSet<ConnId>,
    /// Each connection's timer (`Conn::timer_at`), soonest first.
    timers: BTreeSet<(u64, ConnId)>,
    stats: ServerStats,
    /// What clients in process published (and what that republished), for subscribers at the next `pump`;
    /// kept only while some connection could receive it.
    outbox: Vec<Out>,
    /// Lame duck mode (`lame_duck`): JetStream stopped, clients told, new ones refused by the I/O layer.
    lame_duck: bool,
    /// Message traces sent (`msg_trace.rs`), the sequence of the next one's server block.
    trace_seq: u64,
    /// The headers a traced message is stored with (its trace turned off, as nats-server stores it), for the
    /// publish that follows.
    traced_store_headers: Option<Vec<u8>>,
}

/// The status a requester receives when nothing is subscribed to its request's subject: nats-server names the
/// subject that had no responders.
fn no_responders(subject: &str) -> Vec<u8> {
    format!("NATS/1.0 503\r\nNats-Subject: {subject}\r\n\r\n").into_bytes()
}

impl Server {
    pub fn new(opts: ServerOptions) -> Server {
        let mut js = JetStream::new(&opts.server_name, opts.seed);
        js.watch_log = opts.watch_log;
        let rng = opts.seed | 1;
        Server {
            opts,
            conns: BTreeMap::new(),
            next_conn: 1,
            index: SubIndex::default(),
            js,
            mono_ms: 0,
            rng,
            dirty: BTreeSet::new(),
            timers: BTreeSet::new(),
            stats: ServerStats::default(),
            outbox: Vec::new(),
            lame_duck: false,
            trace_seq: 0,
            traced_store_headers: None,
        }
    }

    pub fn options(&self) -> &ServerOptions {
        &self.opts
    }

    /// The number of open connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// The server's counters (`/varz`).
    pub fn stats(&self) -> ServerStats {
        self.stats
    }

    /// The open connections, oldest first (`/connz`).
    pub fn connections(&self) -> Vec<ConnInfo> {
        self.conns
            .iter()
            .map(|(id, c)| ConnInfo {
                cid: *id,
                ip: c.ip.clone(),
                start_ms: c.start_ms,
                last_activity_ms: c.last_activity_ms,
                pending_bytes: c.out.len() + c.in_link,
                subscriptions: c.subs.len(),
                lang: c.opts.text[connect::LANG].clone(),
                version: c.opts.text[connect::VERSION].clone(),
                stats: c.stats,
                subs: {
                    let mut subs: Vec<SubInfo> = c
                        .subs
                        .iter()
                        .map(|(sid, s)| SubInfo {
                            sid: sid.clone(),
                            subject: s.subject.clone(),
                            queue: s.queue.clone(),
                            msgs: s.delivered,
                            max: s.max,
                        })
                        .collect();
                    subs.sort_by(|a, b| (a.sid.len(), &a.sid).cmp(&(b.sid.len(), &b.sid)));
                    subs
                },
            })
            .collect()
    }

    /// The number of subscriptions clients hold.
    pub fn subscription_count(&self) -> usize {
        self.conns.values().map(|c| c.subs.len()).sum()
    }

    /// The number of consumers clients have created.
    pub fn consumer_count(&self) -> usize {
        self.js.consumer_count()
    }

    /// The INFO line for a connection; `connected` gives the one sent after its CONNECT was accepted.
    fn info_line(&self, id: ConnId, client_ip: &str, connected: bool) -> Vec<u8> {
        self.info_line_with(id, client_ip, connected, false)
    }

    fn info_line_with(&self, id: ConnId, client_ip: &str, connected: bool, ldm: bool) -> Vec<u8> {
        let info = api::InfoJson {
            server_id: self.opts.server_id.clone(),
            server_name: self.opts.server_name.clone(),
            version: api::SERVER_VERSION.into(),
            proto: 1,
            git_commit: "b2fd3ef".into(),
            go: api::GO_VERSION.into(),
            host: self.opts.host.clone(),
            port: self.opts.port,
            headers: true,
            auth_required: self.opts.auth != Auth::None,
            max_payload: self.opts.max_payload as u64,
            jetstream: self.opts.jetstream,
            client_id: id,
            client_ip: client_ip.to_string(),
            nonce: None,
            ldm,
            connect_info: connected,
            remote_account: connected.then(|| "$G".to_string()),
            api_lvl: 5,
        };
        let mut out = b"INFO ".to_vec();
        out.extend_from_slice(&api::go_json(&info));
        // nats-server's greeting ends with a space before the line end; the INFO after CONNECT does not.
        out.extend_from_slice(if connected { b"\r\n" } else { b" \r\n" });
        out
    }

    /// Lame duck mode, as nats-server enters it (`SIGUSR2`): JetStream stops (its API has no responders), and
    /// every client that reads dynamic INFO is sent one with `"ldm":true`, so that it can move to another
    /// server before this one closes it. The I/O layer stops accepting and later closes the connections.
    pub fn lame_duck(&mut self) {
        if std::mem::replace(&mut self.lame_duck, true) {
            return;
        }
        let told: Vec<(ConnId, String)> = self
            .conns
            .iter()
            .filter(|(_, c)| c.dynamic_info && !c.closing)
            .map(|(id, c)| (*id, c.ip.clone()))
            .collect();
        for (id, ip) in told {
            let line = self.info_line_with(id, &ip, false, true);
            if let Some(c) = self.conns.get_mut(&id) {
                c.out.extend_from_slice(&line);
                self.dirty.insert(id);
            }
        }
    }

    /// Whether JetStream answers: enabled, and not stopped by lame duck mode.
    fn jetstream_on(&self) -> bool {
        self.opts.jetstream && !self.lame_duck
    }

    /// The open connections' ids (for the I/O layer to close them, one by one, in lame duck mode).
    pub fn connection_ids(&self) -> Vec<ConnId> {
        self.conns.keys().copied().collect()
    }

    /// A new connection: the server greets it with INFO. A server with clients on the wire serves what only
    /// they use (`features.rs`).
    pub fn accept(&mut self, client_ip: &str) -> ConnId {
        self.install_features();
        let id = self.next_conn;
        self.next_conn += 1;
        let out = self.info_line(id, client_ip, false);
        let timer_at = self.mono_ms
            + if self.opts.auth != Auth::None { self.opts.auth_timeout_ms } else { self.opts.ping_interval_ms };
        self.timers.insert((timer_at, id));
        self.stats.total_connections += 1;
        let mut decoder = Decoder::new(self.opts.max_payload);
        decoder.awaiting_auth = self.opts.auth != Auth::None;
        self.conns.insert(
            id,
            Conn {
                decoder,
                out,
                connected: false,
                opts: ClientOpts::default(),
                headers: false,
                closing: false,
                subs: HashMap::new(),
                connect_info_due: false,
                dynamic_info: false,
                in_link: 0,
                timer_at,
                pings_out: 0,
                ip: client_ip.to_string(),
                start_ms: self.mono_ms,
                last_activity_ms: self.mono_ms,
                stats: Stats::default(),
            },
        );
        self.dirty.insert(id);
        id
    }

    /// Bytes from a connection, in any pieces.
    pub fn handle_bytes(&mut self, engine: &mut Engine, conn: ConnId, bytes: &[u8]) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        if c.closing {
            return;
        }
        c.last_activity_ms = self.mono_ms;
        c.decoder.push(bytes);
        loop {
            let Some(c) = self.conns.get_mut(&conn) else { return };
            if c.closing {
                break;
            }
            match c.decoder.next_op() {
                Ok(Some(op)) => self.process(engine, conn, op),
                Ok(None) => break,
                Err(e) => {
                    self.end(conn, e.text());
                    break;
                }
            }
        }
        self.pump(engine);
        self.js.settle(engine);
    }

    /// Sends `-ERR` and closes the connection once that is written.
    fn fail(&mut self, conn: ConnId, text: &str) {
        self.end(conn, Some(text));
    }

    /// Closes the connection once what it was sent is written, with a last `-ERR` if `text` is given.
    fn end(&mut self, conn: ConnId, text: Option<&str>) {
        if let Some(c) = self.conns.get_mut(&conn) {
            if let Some(text) = text {
                wire::encode_err(&mut c.out, text);
            }
            c.closing = true;
            self.dirty.insert(conn);
        }
        self.drop_subs(conn);
    }

    fn reply_ok(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(&conn) {
            if c.opts.verbose {
                c.out.extend_from_slice(b"+OK\r\n");
                self.dirty.insert(conn);
            }
        }
    }

    fn send_err(&mut self, conn: ConnId, text: &str) {
        if let Some(c) = self.conns.get_mut(&conn) {
            wire::encode_err(&mut c.out, text);
            self.dirty.insert(conn);
        }
    }

    fn process(&mut self, engine: &mut Engine, conn: ConnId, op: ClientOp) {
        let needs_auth = self.opts.auth != Auth::None;
        let connected = self.conns.get(&conn).is_some_and(|c| c.connected);
        if needs_auth && !connected && !matches!(op, ClientOp::Connect(_)) {
            self.fail(conn, "Authorization Violation");
            return;
        }
        match op {
            ClientOp::Connect(arg) => {
                // In nats-server's order: the decoder, credentials, an account named, the protocol, no responders.
                let Some(c) = self.conns.get_mut(&conn) else { return };
                if c.opts.read(&arg).is_err() {
                    self.end(conn, None);
                    return;
                }
                let o = &c.opts;
                let credentials = match &self.opts.auth {
                    Auth::None => true,
                    Auth::UserPass { user, pass } => o.text[connect::USER] == *user && o.text[connect::PASS] == *pass,
                    Auth::Token(t) => o.text[connect::TOKEN] == *t,
                };
                let refusal = if !credentials || !o.text[connect::ACCOUNT].is_empty() || o.new_account {
                    Some("Authorization Violation")
                } else if !(0..=1).contains(&o.protocol) {
                    Some("invalid client protocol")
                } else if o.no_responders && !o.headers {
                    Some("no responders requires headers support")
                } else {
                    None
                };
                if let Some(text) = refusal {
                    self.fail(conn, text);
                    return;
                }
                let ping_at = self.mono_ms + self.opts.ping_interval_ms;
                if !c.connected {
                    // The auth deadline is met: the timer becomes the PING timer.
                    self.timers.remove(&(c.timer_at, conn));
                    c.timer_at = ping_at;
                    self.timers.insert((ping_at, conn));
                }
                c.connected = true;
                c.headers = c.opts.headers;
                c.decoder.headers = c.headers;
                c.decoder.awaiting_auth = false;
                // Only a client that speaks the protocol's dynamic INFO (protocol 1) is sent one after CONNECT.
                c.connect_info_due = c.opts.protocol >= 1;
                self.reply_ok(conn);
            }
            ClientOp::Info(arg) => {
                // A client's INFO means nothing to the server, but one it cannot read closes the connection.
                let readable = serde_json::from_str::<serde_json::Value>(&String::from_utf8_lossy(&arg))
                    .is_ok_and(|v| v.is_object() || v.is_null());
                if !readable {
                    self.end(conn, None);
                }
            }
            ClientOp::Ping => {
                let Some(c) = self.conns.get_mut(&conn) else { return };
                c.out.extend_from_slice(b"PONG\r\n");
                self.dirty.insert(conn);
                // The INFO that follows an accepted CONNECT comes after the PONG of the handshake's PING, never
                // before it: clients read that PONG as the first line after their CONNECT.
                if std::mem::take(&mut c.connect_info_due) {
                    c.dynamic_info = true;
                    let ip = c.ip.clone();
                    let line = self.info_line(conn, &ip, true);
                    if let Some(c) = self.conns.get_mut(&conn) {
                        c.out.extend_from_slice(&line);
                    }
                }
            }
            ClientOp::Pong => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.pings_out = 0;
                }
            }
            ClientOp::Sub { subject, queue, sid } => {
                // A queue group is any name (nats-server checks only the subject).
                if !wire::valid_filter(&subject) {
                    self.send_err(conn, "Invalid Subject");
                    return;
                }
                let Some(c) = self.conns.get_mut(&conn) else { return };
                if c.subs.contains_key(&sid) {
                    // A repeated SID replaces nothing on nats-server; it is ignored.
                    self.reply_ok(conn);
                    return;
                }
                c.subs.insert(sid.clone(), Sub { subject: subject.clone(), queue, max: None, delivered: 0 });
                self.index.insert(&subject, (conn, sid.clone()));
                self.reply_ok(conn);
            }
            ClientOp::Unsub { sid, max } => {
                let Some(c) = self.conns.get_mut(&conn) else { return };
                let remove = match (c.subs.get_mut(&sid), max) {
                    (Some(s), Some(m)) if s.delivered < m => {
                        s.max = Some(m);
                        false
                    }
                    (Some(_), _) => true,
                    (None, _) => false,
                };
                if remove {
                    self.remove_sub(conn, &sid);
                }
                self.reply_ok(conn);
            }
            ClientOp::Pub { subject, reply, headers, payload } => {
                // Headers the client did not announce closed the connection in the decoder.
                let pedantic = self.conns.get(&conn).is_some_and(|c| c.opts.pedantic);
                // Only a pedantic client is told off for a wildcard or malformed subject, and (measured on
                // nats-server 2.15) the message goes on as for any client: a wildcard subject is delivered, one
                // with an empty token reaches nothing (the JetStream API's consumer-create subjects carry a
                // filter with wildcards).
                if pedantic && !wire::valid_publish(&subject) {
                    self.send_err(conn, "Invalid Publish Subject");
                }
                let size = (headers.as_ref().map_or(0, |h| h.len()) + payload.len()) as u64;
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.stats.in_msgs += 1;
                    c.stats.in_bytes += size;
                }
                self.stats.msgs.in_msgs += 1;
                self.stats.msgs.in_bytes += size;
                self.reply_ok(conn);
                // A message that asks for a trace (`Nats-Trace-Dest`) is published by `msg_trace.rs`.
                let traced = headers
                    .as_deref()
                    .is_some_and(|h| self.traced_publish(engine, conn, &subject, reply.as_deref(), h, &payload));
                if !traced {
                    self.publish(engine, Some(conn), &subject, reply.as_deref(), headers.as_deref(), &payload);
                }
            }
        }
    }

    fn remove_sub(&mut self, conn: ConnId, sid: &str) {
        if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.subs.remove(sid)) {
            self.index.remove(&s.subject, &(conn, sid.to_string()));
        }
    }

    fn drop_subs(&mut self, conn: ConnId) {
        let sids: Vec<String> = self.conns.get(&conn).map(|c| c.subs.keys().cloned().collect()).unwrap_or_default();
        for sid in sids {
            self.remove_sub(conn, &sid);
        }
    }

    /// A message published by a client (or by the server itself when `from` is `None`).
    fn publish(
        &mut self,
        engine: &mut Engine,
        from: Option<ConnId>,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) {
        let mut responders = 0;
        let mut outs: Vec<Out> = Vec::new();
        if !wire::routable(subject) {
            self.no_responders(from, subject, reply);
            return;
        }
        if self.jetstream_on() && from.is_some() {
            // What consumers delivered without acks since is settled before anyone looks.
            self.js.settle(engine);
            if subject.starts_with("$JS.API.") {
                let mono = self.mono_ms;
                let (index, conns) = (&self.index, &self.conns);
                let interest = |s: &str| Self::has_interest(index, conns, s);
                if let Some(o) = self.js.handle_api(engine, subject, reply, headers, payload, mono, &interest) {
                    responders += 1;
                    outs.extend(o);
                }
            } else if subject.starts_with("$JS.FC.") {
                self.js.flow_control_reply(subject);
                responders += 1;
            } else if subject.starts_with("$JS.ACK.") {
                let mono = self.mono_ms;
                if let Some(o) = self.js.acknowledge(engine, subject, reply, payload, mono) {
                    responders += 1;
                    outs.extend(o);
                }
            } else if let Some(stream) = self.js.capture(engine, subject) {
                responders += 1;
                // A traced message is stored with its trace turned off (`msg_trace.rs`).
                let stored = self.traced_store_headers.take();
                let headers = stored.as_deref().or(headers);
                outs.extend(self.js.publish(engine, &stream, subject, reply, headers, payload));
            }
        }
        // In lame duck mode JetStream's API stays imported with nothing behind it: requests go unanswered.
        if self.lame_duck && subject.starts_with("$JS.API.") {
            responders += 1;
        }
        responders += self.route(from, subject, reply, headers, payload);
        if responders == 0 {
            self.no_responders(from, subject, reply);
        }
        outs.extend(self.js.take_advisories());
        for o in outs {
            self.route_out(o);
        }
    }

    /// Tells a requester that nothing answered its request, if it asked to be told.
    fn no_responders(&mut self, from: Option<ConnId>, subject: &str, reply: Option<&str>) {
        if let (Some(conn), Some(reply)) = (from, reply) {
            if self.conns.get(&conn).is_some_and(|c| c.opts.no_responders && c.headers) {
                self.route_to(conn, reply, None, Some(&no_responders(subject)), b"");
            }
        }
    }

    fn route_out(&mut self, o: Out) {
        match &o.deliver {
            Some(on) => {
                let on = on.clone();
                self.route_as(None, &on, &o.subject, o.reply.as_deref(), o.headers.as_deref(), &o.payload);
            }
            None => {
                self.route(None, &o.subject, o.reply.as_deref(), o.headers.as_deref(), &o.payload);
            }
        }
    }

    /// Delivers a message to every matching subscription (one per queue group); returns how many got it.
    fn route(
        &mut self,
        from: Option<ConnId>,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> usize {
        self.route_as(from, subject, subject, reply, headers, payload)
    }

    /// Routes on `on`, showing the receivers `subject` (as a push consumer's deliveries are).
    fn route_as(
        &mut self,
        from: Option<ConnId>,
        on: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> usize {
        let plain = self.targets(from, on);
        let n = plain.len();
        for (conn, sid) in plain {
            self.deliver(conn, &sid, subject, reply, headers, payload);
        }
        n
    }

    /// The subscriptions a message on `on` goes to: every plain one that matches and one member of each queue
    /// group, picked at random (the publisher's own only when it echoes).
    fn targets(&mut self, from: Option<ConnId>, on: &str) -> Vec<(ConnId, String)> {
        let mut plain: Vec<(ConnId, String)> = Vec::new();
        let mut groups: BTreeMap<String, Vec<(ConnId, String)>> = BTreeMap::new();
        let conns = &self.conns;
        self.index.each_match(on, |_, (conn, sid)| {
            let conn = *conn;
            let Some(c) = conns.get(&conn) else { return };
            let Some(s) = c.subs.get(sid) else { return };
            if !subject_matches(&s.subject, on) || (!c.opts.echo && Some(conn) == from) {
                return;
            }
            match &s.queue {
                Some(q) => groups.entry(q.clone()).or_default().push((conn, sid.to_string())),
                None => plain.push((conn, sid.to_string())),
            }
        });
        for (_, members) in groups {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            let pick = (self.rng % members.len() as u64) as usize;
            plain.push(members[pick].clone());
        }
        plain
    }

    /// Delivers to the subscriptions of one connection that match (the no-responders status).
    /// Delivers to one of the connection's subscriptions that match (as nats-server answers a request nobody
    /// took: a literal match before a wildcard one).
    fn route_to(&mut self, conn: ConnId, subject: &str, reply: Option<&str>, headers: Option<&[u8]>, payload: &[u8]) {
        let sid = self.conns.get(&conn).and_then(|c| {
            c.subs
                .iter()
                .filter(|(_, s)| subject_matches(&s.subject, subject))
                .min_by_key(|(sid, s)| (s.subject != subject, s.subject.len(), sid.as_str()))
                .map(|(sid, _)| sid.clone())
        });
        if let Some(sid) = sid {
            self.deliver(conn, &sid, subject, reply, headers, payload);
        }
    }

    fn deliver(
        &mut self,
        conn: ConnId,
        sid: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        let Some(s) = c.subs.get_mut(sid) else { return };
        // A client that did not ask for headers gets the payload alone, as nats-server strips them.
        let headers = if c.headers { headers } else { None };
        let before = c.out.len();
        wire::encode_msg(&mut c.out, subject, sid, reply, headers, payload);
        if c.out.len() + c.in_link > self.opts.max_pending {
            // As nats-server: the message is dropped, nothing more is written, and the connection closes.
            c.out.truncate(before);
            self.slow_consumer(conn);
            return;
        }
        s.delivered += 1;
        let size = (headers.map_or(0, |h| h.len()) + payload.len()) as u64;
        c.stats.out_msgs += 1;
        c.stats.out_bytes += size;
        self.stats.msgs.out_msgs += 1;
        self.stats.msgs.out_bytes += size;
        let done = s.max.is_some_and(|m| s.delivered >= m);
        self.dirty.insert(conn);
        if done {
            self.remove_sub(conn, sid);
        }
    }

    /// Closes a connection that cannot keep up (too much pending, or the link's write deadline passed), as
    /// nats-server does: counted in `slow_consumers`, what waits is dropped, and no `-ERR` is sent.
    pub fn slow_consumer(&mut self, conn: ConnId) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        if c.closing {
            return;
        }
        c.out.clear();
        c.closing = true;
        self.stats.slow_consumers += 1;
        self.dirty.insert(conn);
        self.drop_subs(conn);
    }

    /// The link took `n` bytes from `poll_transmit` and has not written them yet: they count against
    /// `max_pending` until `written` says they left.
    pub fn queued_in_link(&mut self, conn: ConnId, n: usize) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.in_link += n;
        }
    }

    /// The link wrote `n` bytes it had queued.
    pub fn written(&mut self, conn: ConnId, n: usize) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.in_link = c.in_link.saturating_sub(n);
        }
    }

    fn has_interest(index: &SubIndex, conns: &BTreeMap<ConnId, Conn>, subject: &str) -> bool {
        let mut found = false;
        index.each_match(subject, |_, (conn, sid)| {
            found = found || conns.get(conn).is_some_and(|c| c.subs.contains_key(sid));
        });
        found
    }

    /// A publish by a client in process (`local::InProcess`, the terminal's KV store), as a connection's is:
    /// the stream that captures the subject stores it, with the expectation headers checked; subscribers get
    /// it, and what it republished, at the next `pump`. `None` when no stream captures it (the publisher meets
    /// no responders); otherwise the acknowledgement's sequence or the stream's refusal.
    pub fn publish_in_process(
        &mut self,
        engine: &mut Engine,
        subject: &str,
        headers: crate::engine::headers::Headers,
        payload: &[u8],
    ) -> Option<Result<u64, crate::engine::ApiError>> {
        if !self.jetstream_on() || !wire::routable(subject) {
            return None;
        }
        self.js.settle(engine);
        let stream = self.js.capture(engine, subject)?;
        let routed = !self.conns.is_empty();
        let block = if routed { jetstream::encode_headers(&headers) } else { None };
        let (ack, outs) = self.js.publish_typed(engine, &stream, subject, headers, payload);
        self.js.pump_in_process(engine, self.mono_ms);
        if routed {
            let msg = Out {
                deliver: None,
                subject: subject.to_string(),
                reply: None,
                headers: block,
                payload: payload.to_vec(),
            };
            self.outbox.push(msg);
            self.outbox.extend(outs);
        }
        Some(ack.map(|(seq, _)| seq))
    }

    /// A consumer a client in process makes, which delivers at once what it starts with and keeps its
    /// deliveries for that client (`JetStream::take_in_process`). `number` asks for the consumer's number (a
    /// watch carried over from the first load keeps its own).
    pub fn consumer_in_process(
        &mut self,
        engine: &Engine,
        stream: &str,
        config: api::ConsumerConfigJson,
        number: Option<u64>,
    ) -> Result<(String, u64, u64), crate::engine::ApiError> {
        let made = self.js.create_consumer_typed(engine, stream, config, number, self.mono_ms)?;
        self.js.pump_in_process(engine, self.mono_ms);
        Ok(made)
    }

    /// A client in process deletes its consumer (if it is still there).
    pub fn drop_in_process(&mut self, engine: &mut Engine, stream: &str, consumer: &str) {
        if let Some(outs) = self.js.delete_consumer(engine, stream, consumer) {
            self.send_later(outs);
        }
    }

    /// The protocol clock, for a client in process that pumps its consumer.
    pub fn mono_ms(&self) -> u64 {
        self.mono_ms
    }

    /// The watchers of a stream, for the timeline (`JetStream::watchers`).
    pub fn watchers(&self, stream: &str, from: u64, to: u64) -> Vec<consumer::WatcherInfo> {
        self.js.watchers(stream, from, to)
    }

    /// The server's JetStream handler, for clients in process (`local::InProcess`).
    pub fn jetstream(&mut self) -> &mut JetStream {
        &mut self.js
    }

    /// Keeps what an in-process request produced for connections (answers to their waiting pull requests) for
    /// the next `pump`.
    pub fn send_later(&mut self, outs: Vec<Out>) {
        if !self.conns.is_empty() {
            self.outbox.extend(outs);
        }
    }

    /// Lets consumers deliver what is new in their streams (after any change, including writes that did not
    /// come through the protocol), after what clients in process published.
    pub fn pump(&mut self, engine: &Engine) {
        for o in std::mem::take(&mut self.outbox) {
            self.route_out(o);
        }
        if !self.jetstream_on() {
            return;
        }
        // One pass is enough: routing delivers to subscribers and never writes into a stream.
        let (index, conns) = (&self.index, &self.conns);
        let interest = |s: &str| Self::has_interest(index, conns, s);
        let mut outs = self.js.pump(engine, &interest, self.mono_ms);
        outs.extend(self.js.take_advisories());
        for o in outs {
            self.route_out(o);
        }
    }

    /// Serves what only clients on the wire use (counters, schedules: `features.rs`), before any connects: a
    /// page that may connect clients, `kvplay serve`.
    pub fn install_features(&mut self) {
        self.js.features = Some(&features::FEATURES);
    }

    /// Moves the engine's clock (expiring what is due, firing schedules) and delivers what that changed.
    pub fn set_time(&mut self, engine: &mut Engine, now: Nanos) {
        if let Some(f) = self.js.features.filter(|_| now > engine.now()) {
            (f.fire)(&mut self.js, engine, now);
        }
        engine.set_now(now);
        self.pump(engine);
        self.js.settle(engine);
    }

    /// The protocol's own clock moved (milliseconds, monotonic): heartbeats and inactive consumers.
    pub fn handle_timeout(&mut self, engine: &Engine, mono_ms: u64) {
        self.mono_ms = self.mono_ms.max(mono_ms);
        while let Some(&(at, conn)) = self.timers.first() {
            if at > self.mono_ms {
                break;
            }
            self.timers.remove(&(at, conn));
            self.connection_timer(conn);
        }
        self.pump(engine);
    }

    /// A connection's timer fired: without a CONNECT where credentials are required it is closed
    /// (`Authentication Timeout`); otherwise it is PINGed, and closed as stale when `max_pings_out` PINGs went
    /// unanswered (`Stale Connection`), as nats-server does.
    fn connection_timer(&mut self, conn: ConnId) {
        let auth = self.opts.auth != Auth::None;
        let (max_out, next) = (self.opts.max_pings_out, self.mono_ms + self.opts.ping_interval_ms);
        let Some(c) = self.conns.get_mut(&conn) else { return };
        if c.closing {
            return;
        }
        if auth && !c.connected {
            self.fail(conn, "Authentication Timeout");
            return;
        }
        if c.pings_out + 1 > max_out {
            self.stats.stale_connections += 1;
            self.fail(conn, "Stale Connection");
            return;
        }
        c.pings_out += 1;
        c.out.extend_from_slice(b"PING\r\n");
        c.timer_at = next;
        self.timers.insert((next, conn));
        self.dirty.insert(conn);
    }

    /// When `handle_timeout` next has work (protocol clock, milliseconds).
    pub fn poll_timeout(&self) -> Option<u64> {
        let timer = self.timers.first().map(|(at, _)| *at);
        match (self.js.next_timeout(), timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The bytes waiting for a connection.
    pub fn poll_transmit(&mut self, conn: ConnId) -> Option<Vec<u8>> {
        let c = self.conns.get_mut(&conn)?;
        if c.out.is_empty() {
            return None;
        }
        Some(std::mem::take(&mut c.out))
    }

    /// Connections that have output waiting (or are to be closed), oldest first; the set is cleared.
    pub fn take_dirty(&mut self) -> Vec<ConnId> {
        std::mem::take(&mut self.dirty).into_iter().collect()
    }

    /// True when the server has closed this connection: write what `poll_transmit` gives, then drop the link.
    pub fn is_closing(&self, conn: ConnId) -> bool {
        self.conns.get(&conn).is_none_or(|c| c.closing)
    }

    /// The link went away (or was dropped after `is_closing`): its subscriptions end.
    pub fn close(&mut self, engine: &Engine, conn: ConnId) {
        self.drop_subs(conn);
        if let Some(c) = self.conns.remove(&conn) {
            self.timers.remove(&(c.timer_at, conn));
        }
        self.dirty.remove(&conn);
        self.pump(engine);
    }
}

/// An engine served with the default options (an import, a restored session).
impl From<Engine> for Standalone {
    fn from(engine: Engine) -> Standalone {
        Standalone::new(ServerOptions::default(), engine)
    }
}

/// The node's engine is what it keeps (streams, the account): reading it needs no server call.
impl std::ops::Deref for Standalone {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl std::ops::DerefMut for Standalone {
    fn deref_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }
}

/// A server with an engine of its own: `kvplay serve`, and the embedded server every actor of the page, a lesson
/// run and `kvplay run` is a client of (in process through `local::InProcess`, or over a link). The same calls
/// as `Server`'s, with the engine held here.
pub struct Standalone {
    pub server: Server,
    pub engine: Engine,
    /// The consumers of clients in process (the terminal's watches), by watch.
    pub in_process: local::Consumers,
}

impl Standalone {
    pub fn new(opts: ServerOptions, engine: Engine) -> Standalone {
        Standalone { server: Server::new(opts), engine, in_process: Default::default() }
    }
    /// The playground's embedded server (the page's, a lesson run's, `kvplay run`'s): the default options and a
    /// new engine whose clock starts at `now`.
    pub fn embedded(now: Nanos) -> Standalone {
        Standalone::new(ServerOptions::default(), Engine::new(now))
    }
    /// A server that goes on with another engine (a reset or an import keeps the page's connections).
    pub fn with_server(mut server: Server, engine: Engine) -> Standalone {
        // Schedules and durable feeds are built again from the new engine's streams.
        server.js.wire = None;
        Standalone { server, engine, in_process: Default::default() }
    }
    /// Serves what only clients on the wire use before any connects (`Server::install_features`).
    pub fn install_features(&mut self) {
        self.server.install_features();
    }
    /// Takes the server away for another engine (`with_server`), after deleting the consumers of its clients
    /// in process: their session ends with this engine.
    pub fn take_server(&mut self) -> Server {
        for (stream, name) in std::mem::take(&mut self.in_process).drain() {
            self.server.drop_in_process(&mut self.engine, &stream, &name);
        }
        std::mem::replace(&mut self.server, Server::new(ServerOptions::default()))
    }
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
    /// The watchers of a bucket, oldest first, with what each delivered between revisions `from` and `to`.
    pub fn watchers_between(&self, bucket: &str, from: u64, to: u64) -> Vec<consumer::WatcherInfo> {
        self.server.watchers(&crate::store::stream_of(bucket), from, to)
    }
    pub fn accept(&mut self, client_ip: &str) -> ConnId {
        self.server.accept(client_ip)
    }
    pub fn handle_bytes(&mut self, conn: ConnId, bytes: &[u8]) {
        self.server.handle_bytes(&mut self.engine, conn, bytes)
    }
    /// Moves the clock and delivers what that changed (`Server::set_time`).
    pub fn set_time(&mut self, now: Nanos) {
        self.server.set_time(&mut self.engine, now)
    }
    pub fn handle_timeout(&mut self, mono_ms: u64) {
        self.server.handle_timeout(&self.engine, mono_ms)
    }
    pub fn poll_transmit(&mut self, conn: ConnId) -> Option<Vec<u8>> {
        self.server.poll_transmit(conn)
    }
    pub fn is_closing(&self, conn: ConnId) -> bool {
        self.server.is_closing(conn)
    }
    pub fn close(&mut self, conn: ConnId) {
        self.server.close(&self.engine, conn)
    }
    pub fn consumer_count(&self) -> usize {
        self.server.consumer_count()
    }
}

#[cfg(test)]
mod tests;
