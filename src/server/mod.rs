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
pub mod jetstream;
#[cfg(not(target_arch = "wasm32"))]
pub mod net;
pub mod stream_checks;
pub mod transform;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::engine::kv::subject_matches;
use crate::engine::{Engine, Nanos};
use jetstream::{JetStream, Out};
use wire::{ClientOp, Decoder, WireError};

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
}

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
        }
    }
}

/// The INFO the server greets with.
#[derive(Serialize)]
struct InfoJson<'a> {
    server_id: &'a str,
    server_name: &'a str,
    version: &'a str,
    proto: u8,
    go: &'a str,
    host: &'a str,
    port: u16,
    headers: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    auth_required: bool,
    max_payload: usize,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    jetstream: bool,
    client_id: u64,
    client_ip: &'a str,
}

/// The CONNECT a client sends; unknown fields are ignored.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ConnectJson {
    verbose: bool,
    pedantic: bool,
    echo: Option<bool>,
    headers: bool,
    no_responders: bool,
    user: Option<String>,
    pass: Option<String>,
    auth_token: Option<String>,
    lang: Option<String>,
    version: Option<String>,
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
    verbose: bool,
    pedantic: bool,
    echo: bool,
    headers: bool,
    no_responders: bool,
    /// The server has decided to close this connection once its output is written.
    closing: bool,
    subs: HashMap<String, Sub>,
    lang: String,
}

/// Subscriptions indexed by the literal part of their subject before the first wildcard, so routing a subject
/// looks at the few that can match it.
#[derive(Default)]
struct SubIndex {
    by_prefix: HashMap<String, Vec<(ConnId, String)>>,
}

fn literal_prefix(subject: &str) -> String {
    let mut p = Vec::new();
    for t in subject.split('.') {
        if t == "*" || t == ">" {
            break;
        }
        p.push(t);
    }
    p.join(".")
}

impl SubIndex {
    fn insert(&mut self, subject: &str, conn: ConnId, sid: &str) {
        self.by_prefix.entry(literal_prefix(subject)).or_default().push((conn, sid.to_string()));
    }
    fn remove(&mut self, subject: &str, conn: ConnId, sid: &str) {
        let p = literal_prefix(subject);
        if let Some(v) = self.by_prefix.get_mut(&p) {
            v.retain(|(c, s)| !(*c == conn && s == sid));
            if v.is_empty() {
                self.by_prefix.remove(&p);
            }
        }
    }
    /// Calls `f` for every subscription whose literal prefix is a token prefix of the subject: the only ones
    /// that can match it.
    fn each_candidate(&self, subject: &str, mut f: impl FnMut(ConnId, &str)) {
        let mut visit = |p: &str| {
            if let Some(v) = self.by_prefix.get(p) {
                for (c, sid) in v {
                    f(*c, sid);
                }
            }
        };
        // Each prefix once: a subject that starts with a dot would otherwise visit the empty prefix twice.
        visit("");
        for (i, _) in subject.match_indices('.').filter(|(i, _)| *i > 0) {
            visit(&subject[..i]);
        }
        if !subject.is_empty() {
            visit(subject);
        }
    }
}

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
}

/// The status a requester receives when nothing is subscribed to its request's subject.
const NO_RESPONDERS: &[u8] = b"NATS/1.0 503\r\n\r\n";

impl Server {
    pub fn new(opts: ServerOptions) -> Server {
        let js = JetStream::new(&opts.server_name, opts.seed);
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
        }
    }

    pub fn options(&self) -> &ServerOptions {
        &self.opts
    }

    /// The number of open connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// The number of consumers clients have created.
    pub fn consumer_count(&self) -> usize {
        self.js.consumer_count()
    }

    /// A new connection: the server greets it with INFO.
    pub fn accept(&mut self, client_ip: &str) -> ConnId {
        let id = self.next_conn;
        self.next_conn += 1;
        let info = InfoJson {
            server_id: &self.opts.server_id,
            server_name: &self.opts.server_name,
            version: api::SERVER_VERSION,
            proto: 1,
            go: "go1.25.4",
            host: &self.opts.host,
            port: self.opts.port,
            headers: true,
            auth_required: self.opts.auth != Auth::None,
            max_payload: self.opts.max_payload,
            jetstream: self.opts.jetstream,
            client_id: id,
            client_ip,
        };
        let mut out = b"INFO ".to_vec();
        out.extend_from_slice(&serde_json::to_vec(&info).unwrap_or_default());
        out.extend_from_slice(b"\r\n");
        self.conns.insert(
            id,
            Conn {
                decoder: Decoder::new(self.opts.max_payload),
                out,
                connected: false,
                verbose: false,
                pedantic: false,
                echo: true,
                headers: false,
                no_responders: false,
                closing: false,
                subs: HashMap::new(),
                lang: String::new(),
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
                    let auth_pending = !c.connected && self.opts.auth != Auth::None;
                    let text = if auth_pending && e == WireError::UnknownOperation {
                        "Authorization Violation"
                    } else {
                        e.text()
                    };
                    self.fail(conn, text);
                    break;
                }
            }
        }
        self.pump(engine);
    }

    /// Sends `-ERR` and closes the connection once that is written.
    fn fail(&mut self, conn: ConnId, text: &str) {
        if let Some(c) = self.conns.get_mut(&conn) {
            wire::encode_err(&mut c.out, text);
            c.closing = true;
            self.dirty.insert(conn);
        }
        self.drop_subs(conn);
    }

    fn reply_ok(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(&conn) {
            if c.verbose {
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
            ClientOp::Connect(json) => {
                // Read as Go does: a repeated field's last value wins.
                let parsed =
                    serde_json::from_str::<serde_json::Value>(&json).and_then(serde_json::from_value::<ConnectJson>);
                let Ok(cj) = parsed else {
                    self.fail(conn, "Invalid Connect");
                    return;
                };
                let ok = match &self.opts.auth {
                    Auth::None => true,
                    Auth::UserPass { user, pass } => {
                        cj.user.as_deref() == Some(user) && cj.pass.as_deref() == Some(pass)
                    }
                    Auth::Token(t) => cj.auth_token.as_deref() == Some(t),
                };
                if !ok {
                    self.fail(conn, "Authorization Violation");
                    return;
                }
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.connected = true;
                    c.verbose = cj.verbose;
                    c.pedantic = cj.pedantic;
                    c.echo = cj.echo.unwrap_or(true);
                    c.headers = cj.headers;
                    c.no_responders = cj.no_responders && cj.headers;
                    c.lang = format!("{} {}", cj.lang.unwrap_or_default(), cj.version.unwrap_or_default());
                }
                self.reply_ok(conn);
            }
            ClientOp::Ping => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.out.extend_from_slice(b"PONG\r\n");
                    self.dirty.insert(conn);
                }
            }
            ClientOp::Pong => {}
            ClientOp::Sub { subject, queue, sid } => {
                if !wire::valid_filter(&subject) || queue.as_deref().is_some_and(|q| q.contains(['.', '*', '>'])) {
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
                self.index.insert(&subject, conn, &sid);
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
                let (pedantic, has_headers) =
                    self.conns.get(&conn).map(|c| (c.pedantic, c.headers)).unwrap_or((false, false));
                if headers.is_some() && !has_headers && self.conns.get(&conn).is_some_and(|c| c.connected) {
                    self.fail(conn, "Message headers not supported");
                    return;
                }
                // Only a pedantic client is told off for a wildcard or malformed subject; nats-server takes the
                // rest as they are (the JetStream API's consumer-create subjects carry a filter with wildcards).
                if pedantic && !wire::valid_publish(&subject) {
                    self.send_err(conn, "Invalid Publish Subject");
                    return;
                }
                self.reply_ok(conn);
                self.publish(engine, Some(conn), &subject, reply.as_deref(), headers.as_deref(), &payload);
            }
        }
    }

    fn remove_sub(&mut self, conn: ConnId, sid: &str) {
        if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.subs.remove(sid)) {
            self.index.remove(&s.subject, conn, sid);
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
            self.no_responders(from, reply);
            return;
        }
        if self.opts.jetstream && from.is_some() {
            if subject.starts_with("$JS.API.") {
                let mono = self.mono_ms;
                if let Some(o) = self.js.handle_api(engine, subject, reply, payload, mono) {
                    responders += 1;
                    outs.extend(o);
                }
            } else if subject.starts_with("$JS.FC.") {
                self.js.flow_control_reply(subject);
                responders += 1;
            } else if subject.starts_with("$JS.ACK.") {
                responders += 1;
            } else if let Some(stream) = self.js.capture(engine, subject) {
                responders += 1;
                outs.extend(self.js.publish(engine, &stream, subject, reply, headers, payload));
            }
        }
        responders += self.route(from, subject, reply, headers, payload);
        if responders == 0 {
            self.no_responders(from, reply);
        }
        for o in outs {
            self.route_out(o);
        }
    }

    /// Tells a requester that nothing answered its request, if it asked to be told.
    fn no_responders(&mut self, from: Option<ConnId>, reply: Option<&str>) {
        if let (Some(conn), Some(reply)) = (from, reply) {
            if self.conns.get(&conn).is_some_and(|c| c.no_responders) {
                self.route_to(conn, reply, None, Some(NO_RESPONDERS), b"");
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
        let mut plain: Vec<(ConnId, String)> = Vec::new();
        let mut groups: BTreeMap<String, Vec<(ConnId, String)>> = BTreeMap::new();
        let conns = &self.conns;
        self.index.each_candidate(on, |conn, sid| {
            let Some(c) = conns.get(&conn) else { return };
            let Some(s) = c.subs.get(sid) else { return };
            if !subject_matches(&s.subject, on) || (!c.echo && Some(conn) == from) {
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
        let n = plain.len();
        for (conn, sid) in plain {
            self.deliver(conn, &sid, subject, reply, headers, payload);
        }
        n
    }

    /// Delivers to the subscriptions of one connection that match (the no-responders status).
    fn route_to(&mut self, conn: ConnId, subject: &str, reply: Option<&str>, headers: Option<&[u8]>, payload: &[u8]) {
        let sids: Vec<String> = self
            .conns
            .get(&conn)
            .map(|c| {
                c.subs.iter().filter(|(_, s)| subject_matches(&s.subject, subject)).map(|(k, _)| k.clone()).collect()
            })
            .unwrap_or_default();
        for sid in sids {
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
        wire::encode_msg(&mut c.out, subject, sid, reply, headers, payload);
        s.delivered += 1;
        let done = s.max.is_some_and(|m| s.delivered >= m);
        self.dirty.insert(conn);
        if done {
            self.remove_sub(conn, sid);
        }
    }

    fn has_interest(index: &SubIndex, conns: &BTreeMap<ConnId, Conn>, subject: &str) -> bool {
        let mut found = false;
        index.each_candidate(subject, |conn, sid| {
            found = found
                || conns.get(&conn).and_then(|c| c.subs.get(sid)).is_some_and(|s| subject_matches(&s.subject, subject));
        });
        found
    }

    /// Lets consumers deliver what is new in their streams (after any change, including writes that did not
    /// come through the protocol).
    pub fn pump(&mut self, engine: &Engine) {
        if !self.opts.jetstream {
            return;
        }
        // One pass is enough: routing delivers to subscribers and never writes into a stream.
        let (index, conns) = (&self.index, &self.conns);
        let interest = |s: &str| Self::has_interest(index, conns, s);
        let outs = self.js.pump(engine, &interest, self.mono_ms);
        for o in outs {
            self.route_out(o);
        }
    }

    /// Moves the engine's clock (expiring what is due) and delivers what that changed.
    pub fn set_time(&mut self, engine: &mut Engine, now: Nanos) {
        engine.set_now(now);
        self.pump(engine);
    }

    /// The protocol's own clock moved (milliseconds, monotonic): heartbeats and inactive consumers.
    pub fn handle_timeout(&mut self, engine: &Engine, mono_ms: u64) {
        self.mono_ms = self.mono_ms.max(mono_ms);
        self.pump(engine);
    }

    /// When `handle_timeout` next has work (protocol clock, milliseconds).
    pub fn poll_timeout(&self) -> Option<u64> {
        self.js.next_timeout()
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
        self.conns.remove(&conn);
        self.dirty.remove(&conn);
        self.pump(engine);
    }
}

/// A server with an engine of its own (`kvplay serve`, tests): the same calls, with the engine held here.
pub struct Standalone {
    pub server: Server,
    pub engine: Engine,
}

impl Standalone {
    pub fn new(opts: ServerOptions, engine: Engine) -> Standalone {
        Standalone { server: Server::new(opts), engine }
    }
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
    pub fn accept(&mut self, client_ip: &str) -> ConnId {
        self.server.accept(client_ip)
    }
    pub fn handle_bytes(&mut self, conn: ConnId, bytes: &[u8]) {
        self.server.handle_bytes(&mut self.engine, conn, bytes)
    }
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
