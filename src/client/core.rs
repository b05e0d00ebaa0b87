//! The KV client over any byte link: the handshake (INFO, CONNECT with credentials, PING/PONG), request/reply, the
//! JetStream API calls KV needs, ordered push consumers for watches, and reconnection that resumes watches. It is
//! written once, as `async` code over two small traits, and runs on a blocking TCP or WebSocket link natively
//! (where every wait returns at once) and on the browser's WebSocket (where waits yield to the event loop).

use std::collections::BTreeMap;
use std::future::Future;

use serde_json::json;

use super::proto::{encode, read_headers, ClientOp, Decoder, ServerOp};
use super::url::{Auth, ServerUrl};
pub use crate::backend::wire::KvBackend;
use crate::backend::ConnectionInfo;
use crate::engine::headers::{self as hdr, Headers};
use crate::engine::kv::{subject_matches, ClusterInfo, SourceInfo};
use crate::engine::stream::StreamConfig;
use crate::engine::{
    AccountInfo, ApiError, Config, Entry, ErrorKind, KvError, Nanos, Operation, Status, WatchEvent, WatchId,
    WatchOptions,
};
use crate::server::api::{
    time_from_json, AccountInfoJson, ConnectJson, ConsumerCreateRequest, ConsumerInfoJson, InfoJson, ListRequest,
    MaybeError, MsgGetJson, MsgGetRequest, PubAckJson, PurgeRequest, StreamInfoJson, StreamNamesJson,
    StreamSourceInfoJson,
};
use crate::server::wire::HeaderBlock;
use crate::store::wire::{self as store, JetStream};
use crate::store::{Deliver, Delivery, Msg, MsgAt, Ordered, OrderedConsumer};
use crate::transfer::{BucketExport, Export, RevisionExport};

/// A byte pipe to a server, already open.
pub trait Link {
    /// Sends bytes; an error means the connection is gone.
    fn send(&mut self, bytes: &[u8]) -> Result<(), KvError>;
    /// Waits up to `timeout_ms` for bytes; an empty vector when none came in time, an error when the
    /// connection is gone.
    fn recv(&mut self, timeout_ms: u64) -> impl Future<Output = Result<Vec<u8>, KvError>>;
    /// Closes the link.
    fn close(&mut self);
    /// Whether the link is still open, when the transport knows (the browser's WebSocket does); `None` when only
    /// a round trip can tell, so the client probes with a PING before each request.
    fn is_open(&self) -> Option<bool> {
        None
    }
}

/// Opens links and knows the time: what differs between a native process and a browser tab.
pub trait Dial {
    type L: Link;
    fn dial(&self, url: &ServerUrl) -> impl Future<Output = Result<Self::L, KvError>>;
    /// Waits (reconnect backoff, and a script's `sleep` against a real server).
    fn pause(&self, ms: u64) -> impl Future<Output = ()>;
    /// Milliseconds on a clock that only moves forward.
    fn now_ms(&self) -> f64;
    /// The wall clock, in nanoseconds since the epoch.
    fn wall(&self) -> Nanos;
    /// Some entropy for inbox names.
    fn nonce(&self) -> u64;
}

/// The connection is gone (closed, lost, never made): in words a learner can act on.
pub fn conn_err(msg: impl Into<String>) -> KvError {
    KvError { kind: ErrorKind::ConnectionClosed, message: msg.into(), api: None }
}

/// No answer came in time.
pub fn timeout_err(msg: impl Into<String>) -> KvError {
    KvError { kind: ErrorKind::Timeout, message: msg.into(), api: None }
}

/// The server could not be reached at all.
pub fn unreachable_err(msg: impl Into<String>) -> KvError {
    KvError { kind: ErrorKind::Unreachable, message: msg.into(), api: None }
}

/// The credentials cannot be used (a seed that does not read, a signature that fails).
pub fn refused_err(msg: impl Into<String>) -> KvError {
    KvError { kind: ErrorKind::Refused, message: msg.into(), api: None }
}

/// The server sent what the client cannot read.
pub fn protocol_err(msg: impl Into<String>) -> KvError {
    KvError { kind: ErrorKind::Protocol, message: msg.into(), api: None }
}

/// The server's `-ERR`: a refusal of credentials or permissions, or another protocol error.
pub fn server_err(text: &str) -> KvError {
    let e = text.trim_matches('\'').to_lowercase();
    if e.contains("authorization") || e.contains("authentication") || e.contains("permissions violation") {
        KvError { kind: ErrorKind::Refused, message: format!("nats: error: {e}"), api: None }
    } else {
        protocol_err(format!("nats: error: {e}"))
    }
}

/// An error of a given kind about the connection.
pub fn conn_err_kind(kind: ErrorKind, msg: impl Into<String>) -> KvError {
    KvError { kind, message: msg.into(), api: None }
}

/// An ordered push consumer delivering to its own inbox (a watch, a key listing, a history read), or a plain
/// subscription (no stream).
#[derive(Clone, Debug)]
struct Watch {
    sid: u64,
    /// The consumer's name on the server (empty until it answered, and for a plain subscription).
    name: String,
    /// What the consumer was asked for and what it received; a plain subscription's stream is empty.
    o: Ordered,
    /// Its stream was deleted through this connection: it delivers nothing more.
    gone: bool,
    deliver: String,
    /// The newest of our own writes this watch must receive before a command is over.
    expect: u64,
}

impl Watch {
    fn stream(&self) -> &str {
        &self.o.consumer.stream
    }
}

/// What the connection is doing, for the page to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkState {
    Connected,
    /// The connection dropped; the client is dialling again.
    Reconnecting {
        attempt: u32,
        last_error: String,
    },
}

/// A connection to a server with the KV operations.
pub struct Client<D: Dial> {
    dialer: D,
    link: D::L,
    url: ServerUrl,
    dec: Decoder,
    info: InfoJson,
    inbox: String,
    next_sid: u64,
    next_req: u64,
    awaiting: Option<String>,
    reply: Option<Message>,
    server_err: Option<String>,
    watches: BTreeMap<WatchId, Watch>,
    next_watch: u64,
    /// Buckets this connection has seen exist, so a put or get costs one round trip, not two (a bucket deleted
    /// elsewhere is noticed when the server has no responder for it).
    known: BTreeMap<String, StreamConfig>,
    pub timeout_ms: u64,
    rtt: Nanos,
    /// After every command, wait until watches have everything the server delivered (deterministic
    /// transcripts for scripts and the conformance suite). The page shows deliveries as they come instead.
    pub strict: bool,
    /// Called with every state change (reconnecting, connected again).
    pub on_state: Option<StateHook>,
    /// The session's time the clock last moved to (`set_now`), from which a move waits.
    last_now: Option<Nanos>,
}

/// How much longer than a `sleep` asks a real server is given before the script goes on. Each sleep waits
/// from when it starts, so the time commands take on the server only adds to the waits, never shortens them.
pub const REAL_SLACK_MS: u64 = 250;

/// How long a session's move to `now` waits on a real server, given the time it last moved to (which is updated):
/// the first move only sets the start, and moving back or staying waits nothing.
pub fn wait_for(last: &mut Option<Nanos>, now: Nanos) -> Option<Nanos> {
    match *last {
        Some(l) if now > l => {
            *last = Some(now);
            Some(now - l)
        }
        Some(_) => None,
        None => {
            *last = Some(now);
            None
        }
    }
}

/// What the client calls when its connection state changes.
pub type StateHook = Box<dyn FnMut(&LinkState)>;

/// The handshake on a fresh link: INFO, CONNECT, PING, PONG.
async fn handshake<D: Dial>(
    dialer: &D,
    url: &ServerUrl,
    timeout_ms: u64,
) -> Result<(D::L, Decoder, InfoJson, Nanos), KvError> {
    let mut link = dialer.dial(url).await?;
    let mut dec = Decoder::new();
    let start = dialer.now_ms();
    let deadline = start + timeout_ms as f64;
    let next = |dec: &mut Decoder| dec.next_op().map_err(|e| protocol_err(format!("nats: error: protocol: {}", e.0)));
    let info: InfoJson = loop {
        match next(&mut dec)? {
            Some(ServerOp::Info(j)) => {
                break serde_json::from_str(&j)
                    .map_err(|e| protocol_err(format!("nats: error: unreadable INFO from the server: {e}")))?
            }
            Some(ServerOp::Err(e)) => return Err(server_err(&e)),
            Some(other) => {
                return Err(protocol_err(format!("nats: error: expected INFO from the server, got {other:?}")))
            }
            None => {}
        }
        let left = deadline - dialer.now_ms();
        if left <= 0.0 {
            link.close();
            return Err(protocol_err(format!(
                "nats: error: {} answered but sent no NATS greeting: is this a NATS server's {} port?",
                url.display(),
                if url.scheme == super::url::Scheme::Nats { "client" } else { "websocket" }
            )));
        }
        let b = link.recv(left as u64).await?;
        dec.push(&b);
    };
    if info.max_payload > 0 {
        dec.max_payload = info.max_payload as usize + 1024;
    }
    let mut connect = ConnectJson {
        verbose: false,
        pedantic: false,
        echo: Some(true),
        headers: true,
        no_responders: true,
        lang: Some("rust-kvplay".into()),
        version: Some(env!("CARGO_PKG_VERSION").into()),
        protocol: Some(1),
        ..ConnectJson::default()
    };
    let nonce = info.nonce.as_deref().unwrap_or_default();
    match &url.auth {
        Auth::None => {}
        Auth::UserPass(u, p) => (connect.user, connect.pass) = (Some(u.clone()), Some(p.clone())),
        Auth::Token(t) => connect.auth_token = Some(t.clone()),
        Auth::NKey(seed) => {
            let (public, sig) = super::nkey::sign_nonce(seed, nonce)?;
            (connect.nkey, connect.sig) = (Some(public), Some(sig));
        }
        Auth::Creds { jwt, seed } => {
            let (_, sig) = super::nkey::sign_nonce(seed, nonce)?;
            (connect.jwt, connect.sig) = (Some(jwt.clone()), Some(sig));
        }
    }
    let connect = serde_json::to_string(&connect).map_err(|e| protocol_err(format!("nats: error: {e}")))?;
    let sent = dialer.now_ms();
    link.send(&encode(&ClientOp::Connect(&connect)))?;
    link.send(&encode(&ClientOp::Ping))?;
    loop {
        while let Some(op) = next(&mut dec)? {
            match op {
                ServerOp::Pong => {
                    let rtt = ((dialer.now_ms() - sent) * 1e6) as Nanos;
                    return Ok((link, dec, info, rtt));
                }
                ServerOp::Err(e) => {
                    link.close();
                    let mut err = server_err(&e);
                    if err.kind == ErrorKind::Refused {
                        err.message.push_str(": the server refused these credentials");
                    }
                    return Err(err);
                }
                ServerOp::Ping => link.send(&encode(&ClientOp::Pong))?,
                _ => {}
            }
        }
        let left = deadline - dialer.now_ms();
        if left <= 0.0 {
            link.close();
            return Err(timeout_err("nats: error: timeout waiting for the server to accept the connection"));
        }
        match link.recv(left as u64).await {
            Ok(b) => dec.push(&b),
            Err(e) if e.kind == ErrorKind::ConnectionClosed => {
                return Err(conn_err(format!(
                    "nats: error: the server closed the connection during the handshake ({})",
                    e.message.trim_start_matches("nats: error: ")
                )))
            }
            Err(e) => return Err(e),
        }
    }
}

/// Adds a newly read revision to a bucket's kept ones as the server keeps them: a purge marker rolls up the
/// key's earlier revisions, and a key keeps at most `history` revisions.
fn keep_like_the_server(kept: &mut Vec<RevisionExport>, new: RevisionExport, history: usize) {
    if new.operation == "PURGE" {
        kept.retain(|r| r.key != new.key);
    }
    let key = new.key.clone();
    kept.push(new);
    let mut extra = kept.iter().filter(|r| r.key == key).count().saturating_sub(history.max(1));
    kept.retain(|r| {
        let drop = extra > 0 && r.key == key;
        if drop {
            extra -= 1;
        }
        !drop
    });
}

/// A message's headers and data.
/// A reply: its header block (the status line apart from the headers) and its payload.
type Message = (HeaderBlock, Vec<u8>);

/// A message from a get's headers (the server's `Nats-Subject`, `Nats-Sequence`, `Nats-Time-Stamp`) and data.
fn msg_of(h: HeaderBlock, data: Vec<u8>) -> Msg {
    let get = |n: &str| hdr::get(&h.headers, n).map(str::to_string);
    Msg {
        subject: get("Nats-Subject").unwrap_or_default(),
        seq: get("Nats-Sequence").and_then(|s| s.parse().ok()).unwrap_or(0),
        time: get("Nats-Time-Stamp").and_then(|t| time_from_json(&t)).unwrap_or(0),
        data,
        headers: h.headers,
    }
}

/// A JetStream API reply read with the shared types (`server::api`): the API's refusal (`Err`, its error block)
/// or the reply `T`; a reply that is neither is a protocol error (the outer `Err`).
type Answer<T> = Result<Result<T, ApiError>, KvError>;

fn read_answer<T: serde::de::DeserializeOwned>(p: &[u8], what: &str) -> Answer<T> {
    match serde_json::from_slice::<MaybeError>(p) {
        Ok(MaybeError { error: Some(e) }) => return Ok(Err(e.into())),
        Ok(_) => {}
        Err(_) => return Err(protocol_err(format!("nats: invalid jetstream {what} response"))),
    }
    serde_json::from_slice(p)
        .map(Ok)
        .map_err(|e| protocol_err(format!("nats: error: unreadable {what} response from the server: {e}")))
}

/// A reply whose body is not read (a delete, a purge, a create whose info is asked for again).
type Ignored = serde::de::IgnoredAny;

use crate::server::local::stream_request as stream_json;

/// A stream's status from a STREAM.INFO response.
fn status_from(bucket: &str, info: StreamInfoJson) -> Status {
    let config = info.config.engine_config();
    Status {
        bucket: bucket.to_string(),
        config,
        created: time_from_json(&info.created).unwrap_or(0),
        values: info.state.messages,
        bytes: info.state.bytes,
        first_revision: info.state.first_seq,
        last_revision: info.state.last_seq,
        last_update: time_from_json(&info.state.last_ts),
        keys: info.state.num_subjects,
        cluster: info.cluster.map(|c| ClusterInfo { name: c.name.unwrap_or_default(), leader: c.leader }),
        mirror: info.mirror.map(|m| source_info_from(&m)),
        sources: info.sources.iter().map(source_info_from).collect(),
    }
}

fn source_info_from(i: &StreamSourceInfoJson) -> SourceInfo {
    SourceInfo { name: i.name.clone(), lag: i.lag, seq: i.seq, active: i.active }
}

/// A direct get of the first message at or after `seq` on `subject` (an export's step).
fn next_by_subject(seq: u64, subject: &str) -> MsgGetRequest {
    MsgGetRequest { seq: Some(seq), next_by_subj: Some(subject.to_string()), ..MsgGetRequest::default() }
}

impl<D: Dial> Client<D> {
    /// Connects and greets the server.
    pub async fn connect(dialer: D, url: ServerUrl) -> Result<Client<D>, KvError> {
        let timeout_ms = 5_000;
        let (link, dec, info, rtt) = handshake(&dialer, &url, timeout_ms).await?;
        let inbox = format!("_INBOX.kvplay{:x}", dialer.nonce());
        let mut c = Client {
            dialer,
            link,
            url,
            dec,
            info,
            inbox,
            next_sid: 2,
            next_req: 1,
            awaiting: None,
            reply: None,
            server_err: None,
            watches: BTreeMap::new(),
            next_watch: 1,
            known: Default::default(),
            timeout_ms,
            rtt,
            strict: true,
            on_state: None,
            last_now: None,
        };
        let sub = format!("{}.*", c.inbox);
        c.link.send(&encode(&ClientOp::Sub { subject: &sub, sid: 1 }))?;
        Ok(c)
    }

    pub fn dialer(&self) -> &D {
        &self.dialer
    }

    pub fn connection_info(&self) -> ConnectionInfo {
        let user = match &self.url.auth {
            Auth::UserPass(u, _) => u.clone(),
            _ => String::new(),
        };
        ConnectionInfo {
            user,
            account: "$G".into(),
            client_id: self.info.client_id,
            client_ip: self.info.client_ip.clone(),
            rtt: self.rtt,
            headers_supported: self.info.headers,
            max_payload: self.info.max_payload,
            url: self.url.display(),
            address: self.url.host_port(),
            server_id: self.info.server_id.clone(),
            server_version: self.info.version.clone(),
            server_name: self.info.server_name.clone(),
        }
    }

    /// Takes in bytes from the server: answers PINGs, keeps the awaited reply, routes watch deliveries.
    fn feed(&mut self, bytes: &[u8]) -> Result<(), KvError> {
        self.dec.push(bytes);
        while let Some(op) = self.dec.next_op().map_err(|e| protocol_err(format!("nats: error: protocol: {}", e.0)))? {
            match op {
                ServerOp::Ping => self.link.send(&encode(&ClientOp::Pong))?,
                ServerOp::Msg { subject, sid, reply, headers, payload } => {
                    if sid == 1 && self.awaiting.as_deref() == Some(subject.as_str()) {
                        self.awaiting = None;
                        self.reply = Some((read_headers(headers.as_deref()), payload));
                    } else {
                        self.route(sid, reply, headers, subject, payload);
                    }
                }
                ServerOp::Err(e) => self.server_err = Some(e),
                ServerOp::Info(j) => {
                    // Servers send INFO again when the cluster changes; keep what the greeting said otherwise.
                    if let Ok(info) = serde_json::from_str::<InfoJson>(&j) {
                        self.info = info;
                    }
                }
                ServerOp::Pong | ServerOp::Ok => {}
            }
        }
        Ok(())
    }

    /// Takes whatever the link has right now without waiting (watch deliveries between commands).
    pub async fn pump(&mut self) -> Result<(), KvError> {
        loop {
            let b = self.link.recv(0).await?;
            if b.is_empty() {
                return Ok(());
            }
            self.feed(&b)?;
        }
    }

    /// Routes a message to its consumer or subscription, if it is a delivery.
    fn route(&mut self, sid: u64, reply: Option<String>, headers: Option<Vec<u8>>, subject: String, payload: Vec<u8>) {
        let Some(w) = self.watches.values_mut().find(|w| w.sid == sid && !w.gone) else { return };
        let headers = read_headers(headers.as_deref()).headers;
        // A plain subscription (`subscribe`): each message as it came.
        if w.stream().is_empty() {
            if w.o.queue.len() >= 64 {
                w.o.queue.pop_front();
            }
            let msg = Msg { subject, seq: 0, time: 0, headers, data: payload };
            w.o.queue.push_back(Delivery::Msg { msg, pending: 0 });
            return;
        }
        w.o.receive(subject, reply.as_deref(), headers, payload);
    }

    /// Reads from the link until `deadline_ms` (or until `done` holds).
    async fn read_until(&mut self, deadline_ms: f64, done: impl Fn(&Self) -> bool) -> Result<(), KvError> {
        while !done(self) {
            let left = deadline_ms - self.dialer.now_ms();
            if left <= 0.0 {
                break;
            }
            let b = self.link.recv(left as u64).await?;
            self.feed(&b)?;
        }
        Ok(())
    }

    /// Sends a request and waits for its reply, routing watch deliveries that arrive meanwhile.
    pub async fn request(
        &mut self,
        subject: &str,
        headers: &[(String, String)],
        payload: &[u8],
    ) -> Result<Message, KvError> {
        let open = match self.link.is_open() {
            Some(open) => open,
            None => self.link.send(&encode(&ClientOp::Ping)).is_ok(),
        };
        if !open {
            // Nothing of this request went out: reconnect (the watches resume) and send it on the new connection.
            self.reconnect().await?;
        }
        self.request_once(subject, headers, payload).await
    }

    /// A request on the current connection, without reconnecting.
    async fn request_once(
        &mut self,
        subject: &str,
        headers: &[(String, String)],
        payload: &[u8],
    ) -> Result<Message, KvError> {
        let token = self.next_req;
        self.next_req += 1;
        let reply = format!("{}.{token}", self.inbox);
        self.awaiting = Some(reply.clone());
        self.reply = None;
        self.server_err = None;
        self.link.send(&encode(&ClientOp::Pub { subject, reply: Some(&reply), headers, payload }))?;
        let deadline = self.dialer.now_ms() + self.timeout_ms as f64;
        loop {
            if let Some((hdrs, p)) = self.reply.take() {
                if hdrs.status.as_ref().is_some_and(|(code, _)| *code == 503) {
                    return Err(conn_err_kind(
                        ErrorKind::NoResponders,
                        "nats: error: nats: no responders available for request",
                    ));
                }
                return Ok((hdrs, p));
            }
            if let Some(e) = self.server_err.take() {
                self.awaiting = None;
                return Err(server_err(&e));
            }
            let left = deadline - self.dialer.now_ms();
            if left <= 0.0 {
                self.awaiting = None;
                return Err(timeout_err("nats: error: context deadline exceeded"));
            }
            let b = self.link.recv(left as u64).await?;
            self.feed(&b)?;
        }
    }

    /// A JetStream API request with a typed body, and its typed reply.
    async fn api<T: serde::de::DeserializeOwned>(&mut self, subject: &str, body: &impl serde::Serialize) -> Answer<T> {
        let body = serde_json::to_vec(body).map_err(|e| protocol_err(format!("nats: error: {e}")))?;
        let (_, p) = self.request(subject, &[], &body).await?;
        read_answer(&p, "api")
    }

    /// The message at `last_by_subj` or `seq` (direct get): its headers (the server's own included) and data;
    /// `None` when there is none.
    async fn direct_get_raw(&mut self, stream: &str, body: MsgGetRequest) -> Result<Option<Message>, KvError> {
        let subject = format!("$JS.API.DIRECT.GET.{stream}");
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let (h, p) = match self.request(&subject, &[], &bytes).await {
            Err(e) if e.kind == ErrorKind::NoResponders => {
                // Either the stream went away, or it does not answer direct gets (`allow_direct` is off, as in
                // buckets nats-py creates): then the message is read through the stream API, as the Go client does.
                self.known.remove(stream);
                self.stream_info(stream).await?;
                return self.msg_get(stream, body).await;
            }
            r => r?,
        };
        if h.status.is_some() {
            return Ok(None);
        }
        Ok(Some((h, p)))
    }

    /// A message by the same request as a direct get, through `$JS.API.STREAM.MSG.GET`: its headers as a direct
    /// get gives them (the stored ones, and `Nats-Subject`, `Nats-Sequence`, `Nats-Time-Stamp`) and its data.
    async fn msg_get(&mut self, stream: &str, body: MsgGetRequest) -> Result<Option<Message>, KvError> {
        let m = match self.api::<MsgGetJson>(&format!("$JS.API.STREAM.MSG.GET.{stream}"), &body).await? {
            Ok(got) => got.message,
            Err(e) if e.err_code == 10037 => return Ok(None),
            Err(e) => return Err(KvError::api(e)),
        };
        let decode = |t: Option<&str>| {
            crate::transfer::base64_decode(t.unwrap_or_default())
                .map_err(|_| protocol_err("nats: invalid jetstream api response"))
        };
        let mut block = match m.hdrs.as_deref() {
            Some(h) => read_headers(Some(&decode(Some(h))?)),
            None => HeaderBlock::default(),
        };
        block.headers.push(("Nats-Subject".into(), m.subject.clone()));
        block.headers.push(("Nats-Sequence".into(), m.seq.to_string()));
        block.headers.push(("Nats-Time-Stamp".into(), m.time.clone()));
        Ok(Some((block, decode(m.data.as_deref())?)))
    }

    /// Every bucket with its kept revisions (up to `limit` per bucket), in the playground's export format: what
    /// the page's explorer and timeline show of a real server. With the `previous` export, a bucket whose state is
    /// unchanged is not read again, and one that only grew has just its new revisions read (checked against the
    /// server's counts; read whole when they disagree).
    pub async fn export(&mut self, limit: usize, previous: Option<&Export>) -> Result<Export, KvError> {
        let mut buckets = Vec::new();
        for name in self.bucket_names().await? {
            let st = match self.status(&name).await {
                Ok(st) => st,
                Err(e) if e.kind == ErrorKind::BucketNotFound => continue,
                Err(e) => return Err(e),
            };
            let config = Config::from_stream_config(&name, &st.config);
            let prev = previous
                .and_then(|p| p.buckets.iter().find(|b| b.config.bucket == name && b.created == st.created))
                .filter(|p| p.revisions.len() < limit);
            let mut revisions = match prev {
                Some(p) if p.last_revision == st.last_revision => p.revisions.clone(),
                Some(p) => {
                    let mut r = p.revisions.clone();
                    for n in self.read_revisions(&name, p.last_revision + 1, limit).await? {
                        keep_like_the_server(&mut r, n, config.history as usize);
                    }
                    r
                }
                None => Vec::new(),
            };
            let agrees = revisions.len() as u64 == st.values
                && revisions.first().map(|r| r.revision) == (st.values > 0).then_some(st.first_revision);
            if prev.is_none() || !agrees {
                revisions = self.read_revisions(&name, 1, limit).await?;
            }
            buckets.push(BucketExport { config, created: st.created, last_revision: st.last_revision, revisions });
        }
        Ok(Export { format: crate::transfer::FORMAT.to_string(), now: self.dialer.wall(), buckets })
    }

    /// A bucket's kept revisions from `from` on (at most `limit`), as exported.
    async fn read_revisions(&mut self, bucket: &str, from: u64, limit: usize) -> Result<Vec<RevisionExport>, KvError> {
        const SERVER_HEADERS: [&str; 6] = [
            "Nats-Stream",
            "Nats-Subject",
            "Nats-Sequence",
            "Nats-Time-Stamp",
            "Nats-Last-Sequence",
            "Nats-Num-Pending",
        ];
        let mut out = Vec::new();
        let mut seq = from;
        let subject = format!("$KV.{bucket}.>");
        while out.len() < limit {
            let body = next_by_subject(seq, &subject);
            let Some((h, p)) = self.direct_get_raw(&crate::store::stream_of(bucket), body).await? else { break };
            let m = msg_of(h, p);
            let headers = m.headers.iter().filter(|(k, _)| !SERVER_HEADERS.contains(&k.as_str())).cloned().collect();
            let e = crate::store::entry_of(m, 0);
            seq = e.revision + 1;
            out.push(RevisionExport::new(e.revision, &e.key, headers, &e.value, e.created));
        }
        Ok(out)
    }

    /// Waits until every watch has received our own writes it matches; in strict mode also until it has
    /// everything its consumer says the server delivered.
    pub async fn settle(&mut self) -> Result<(), KvError> {
        if self.watches.is_empty() {
            return Ok(());
        }
        let deadline = self.dialer.now_ms() + 2_000.0;
        self.read_until(deadline, |c| {
            c.watches.values().all(|w| w.gone || (w.o.last_seq >= w.expect && w.o.init_done))
        })
        .await?;
        if !self.strict {
            return Ok(());
        }
        let ids: Vec<WatchId> = self.watches.keys().copied().collect();
        for id in ids {
            for _ in 0..200 {
                let (stream, consumer, have) = match self.watches.get(&id) {
                    Some(w) if !w.stream().is_empty() && !w.gone => {
                        (w.stream().to_string(), w.name.clone(), w.o.last_seq)
                    }
                    Some(_) => break,
                    None => break,
                };
                let subject = format!("$JS.API.CONSUMER.INFO.{stream}.{consumer}");
                let Ok(info) = self.api::<ConsumerInfoJson>(&subject, &json!({})).await? else { break };
                let (delivered, pending) = (info.delivered.stream_seq, info.num_pending);
                if pending == 0 && have >= delivered {
                    break;
                }
                let deadline = self.dialer.now_ms() + 20.0;
                self.read_until(deadline, |_| false).await?;
            }
        }
        Ok(())
    }
}

/// The command language's seam over this connection: the store's functions, over the wire.
impl<D: Dial> KvBackend for Client<D> {
    fn now(&self) -> Nanos {
        self.dialer.wall()
    }

    /// A real server keeps its own time: moving the session's clock waits for real, as long as the move (plus
    /// a little: the server's expiry timers fire just after the instant), then lets watches catch up.
    async fn set_now(&mut self, now: Nanos) {
        if let Some(d) = wait_for(&mut self.last_now, now) {
            let ms = (d / 1_000_000).max(0) as u64 + REAL_SLACK_MS;
            self.dialer.pause(ms).await;
            let _ = self.settle().await;
        }
    }

    fn connection_info(&self) -> ConnectionInfo {
        Client::connection_info(self)
    }

    async fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        JetStream::account_info(self).await
    }

    async fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        store::create_key_value(self, cfg).await
    }

    async fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        store::update_key_value(self, cfg).await
    }

    async fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        store::delete_key_value(self, bucket).await
    }

    async fn status(&mut self, bucket: &str) -> Result<Status, KvError> {
        store::status(self, bucket).await
    }

    async fn bucket_names(&mut self) -> Result<Vec<String>, KvError> {
        store::key_value_store_names(self).await
    }

    async fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        store::put(self, bucket, key, value).await
    }

    async fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        store::create(self, bucket, key, value, ttl).await
    }

    async fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        store::update(self, bucket, key, value, revision).await
    }

    async fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError> {
        store::delete(self, bucket, key).await
    }

    async fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        store::purge(self, bucket, key, ttl).await
    }

    async fn get(&mut self, bucket: &str, key: &str) -> Result<Entry, KvError> {
        store::get(self, bucket, key).await
    }

    async fn get_revision(&mut self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        store::entry(self, bucket, key, revision).await
    }

    async fn history(&mut self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        store::history(self, bucket, key).await
    }

    async fn keys(&mut self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        store::keys(self, bucket, filters).await
    }

    async fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        store::watch(self, bucket, patterns, options).await
    }

    /// What a watch received, after waiting for what the server owes it (in strict mode).
    async fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        if !self.watches.contains_key(&id) {
            return vec![WatchEvent::Closed];
        }
        store::watch_events(self, id).await
    }

    async fn stop_watch(&mut self, id: WatchId) {
        store::stop_watch(self, id).await
    }

    async fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError> {
        store::purge_deletes(self, bucket).await
    }
}

impl<D: Dial> Client<D> {
    /// Creates the ordered push consumer behind a watch and subscribes to its deliveries.
    async fn start_consumer(&mut self, id: WatchId, resume_after: u64) -> Result<(), KvError> {
        let Some(w) = self.watches.get(&id) else { return Ok(()) };
        let (sid, deliver, stream) = (w.sid, w.deliver.clone(), w.stream().to_string());
        self.link.send(&encode(&ClientOp::Sub { subject: &deliver, sid }))?;
        // A plain subscription has no consumer.
        if stream.is_empty() {
            return Ok(());
        }
        let cfg = w.o.config(&deliver, resume_after);
        let body = serde_json::to_string(&ConsumerCreateRequest {
            stream_name: stream.clone(),
            config: Some(cfg),
            ..Default::default()
        })
        .unwrap_or_default();
        let (_, p) = self.request_once(&format!("$JS.API.CONSUMER.CREATE.{stream}"), &[], body.as_bytes()).await?;
        let info = match read_answer::<ConsumerInfoJson>(&p, "consumer info")? {
            Ok(info) => info,
            Err(e) => {
                let _ = self.link.send(&encode(&ClientOp::Unsub { sid, max: None }));
                return Err(KvError::api(e));
            }
        };
        if let Some(w) = self.watches.get_mut(&id) {
            w.name = info.name.clone();
            if resume_after == 0 {
                w.o.created(info.num_pending);
            }
        }
        Ok(())
    }

    /// What a watch or a subscription received since it was last asked, without waiting: a subscription's
    /// messages as entries named by their subjects.
    pub fn take_events(&mut self, id: WatchId) -> Vec<WatchEvent> {
        let Some(w) = self.watches.get_mut(&id) else { return vec![WatchEvent::Closed] };
        let got: Vec<Delivery> = w.o.queue.drain(..).collect();
        if !w.stream().is_empty() {
            return crate::store::events(w.o.consumer.watch, got);
        }
        got.into_iter()
            .filter_map(|d| match d {
                Delivery::Msg { msg, .. } => Some(WatchEvent::Entry(Entry {
                    bucket: String::new(),
                    key: msg.subject,
                    operation: Operation::from_headers(&msg.headers),
                    value: msg.data,
                    revision: 0,
                    delta: 0,
                    created: 0,
                    marker_reason: None,
                })),
                _ => None,
            })
            .collect()
    }

    /// Whether a watch has received something not yet taken.
    pub fn has_events(&self) -> bool {
        self.watches.values().any(|w| !w.o.queue.is_empty())
    }

    /// Connects again after the connection was lost, with growing pauses for up to about ten seconds (the page
    /// keeps trying for longer), and resumes every watch from the revision after the last one it received, so
    /// none is lost or repeated.
    pub async fn reconnect(&mut self) -> Result<(), KvError> {
        self.reconnect_for(10_000.0).await
    }

    /// As `reconnect`, giving up after `give_up_ms`.
    pub async fn reconnect_for(&mut self, give_up_ms: f64) -> Result<(), KvError> {
        self.link.close();
        let mut pause = 50u64;
        let give_up = self.dialer.now_ms() + give_up_ms;
        let mut attempt = 0u32;
        let (link, dec, info, rtt) = loop {
            attempt += 1;
            match handshake(&self.dialer, &self.url, self.timeout_ms).await {
                Ok(x) => break x,
                Err(e) if self.dialer.now_ms() >= give_up => return Err(e),
                Err(e) => {
                    if let Some(f) = self.on_state.as_mut() {
                        f(&LinkState::Reconnecting { attempt, last_error: e.message.clone() });
                    }
                    self.dialer.pause(pause).await;
                    pause = (pause * 2).min(2_000);
                }
            }
        };
        self.link = link;
        self.dec = dec;
        self.info = info;
        self.rtt = rtt;
        self.awaiting = None;
        self.reply = None;
        self.inbox = format!("_INBOX.kvplay{:x}", self.dialer.nonce());
        let sub = format!("{}.*", self.inbox);
        self.link.send(&encode(&ClientOp::Sub { subject: &sub, sid: 1 }))?;
        let ids: Vec<WatchId> = self.watches.keys().copied().collect();
        for id in ids {
            let Some(last) = self.watches.get(&id).filter(|w| !w.gone).map(|w| w.o.last_seq) else { continue };
            self.start_consumer(id, last).await?;
        }
        if let Some(f) = self.on_state.as_mut() {
            f(&LinkState::Connected);
        }
        Ok(())
    }

    /// Subscribes to `subject` (a plain subscription, no consumer): each message arrives as a watch event whose
    /// entry has the subject as its key, the data as its value and the operation its `KV-Operation` header names
    /// (`take_events`; at most 64 wait, older ones go first). It is made again after a reconnection, as watches
    /// are, and kept as one of them so a client that never subscribes carries no more code for it.
    pub fn subscribe(&mut self, subject: &str) -> Result<WatchId, KvError> {
        let sid = self.next_sid;
        self.next_sid += 1;
        self.link.send(&encode(&ClientOp::Sub { subject, sid }))?;
        let id = WatchId(self.next_watch);
        self.next_watch += 1;
        let mut o = Ordered::new(OrderedConsumer {
            stream: String::new(),
            filters: vec![subject.to_string()],
            deliver: Deliver::New,
            headers_only: false,
            watch: WatchOptions::default(),
        });
        o.init_done = true;
        let w = Watch { sid, name: String::new(), o, gone: false, deliver: subject.to_string(), expect: 0 };
        self.watches.insert(id, w);
        Ok(id)
    }

    /// Closes the connection.
    pub fn close(&mut self) {
        self.link.close();
    }
}

/// The store's JetStream calls over the wire: `$JS.API` requests, publishes that wait for their ack, and ordered
/// push consumers.
impl<D: Dial> JetStream for Client<D> {
    fn now(&self) -> Nanos {
        self.dialer.wall()
    }

    fn max_payload(&self) -> u64 {
        if self.info.max_payload > 0 {
            self.info.max_payload
        } else {
            u64::MAX
        }
    }

    async fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        let a = match self.api::<AccountInfoJson>("$JS.API.INFO", &json!({})).await {
            Err(e) if e.kind == ErrorKind::NoResponders => {
                return Err(conn_err_kind(
                    ErrorKind::JetStreamNotEnabled,
                    "nats: error: JetStream not enabled on this server (start it with -js)",
                ))
            }
            other => other?.map_err(KvError::api)?,
        };
        Ok(AccountInfo {
            memory: a.memory,
            storage: a.storage,
            streams: a.streams,
            consumers: a.consumers,
            reserved_memory: a.reserved_memory,
            reserved_storage: a.reserved_storage,
        })
    }

    async fn stream_info(&mut self, stream: &str) -> Result<Status, KvError> {
        let info = match self.api::<StreamInfoJson>(&format!("$JS.API.STREAM.INFO.{stream}"), &json!({})).await? {
            Ok(info) => info,
            Err(e) => {
                self.known.remove(stream);
                return Err(KvError::api(e));
            }
        };
        let st = status_from("", info);
        self.known.insert(stream.to_string(), st.config.clone());
        Ok(st)
    }

    /// Remembered once seen, so a put or get costs one round trip, not two (a stream deleted elsewhere is
    /// noticed when nothing answers for it).
    async fn stream_config(&mut self, stream: &str) -> Result<Option<StreamConfig>, KvError> {
        if let Some(c) = self.known.get(stream) {
            return Ok(Some(c.clone()));
        }
        match self.stream_info(stream).await {
            Ok(st) => Ok(Some(st.config)),
            Err(KvError { api: Some(e), .. }) if e.err_code == 10059 => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn create_stream(&mut self, config: &StreamConfig) -> Result<(), KvError> {
        let subject = format!("$JS.API.STREAM.CREATE.{}", config.name);
        self.api::<Ignored>(&subject, &stream_json(config)).await?.map(|_| ()).map_err(KvError::api)
    }

    async fn update_stream(&mut self, config: &StreamConfig) -> Result<(), KvError> {
        self.known.remove(&config.name);
        let subject = format!("$JS.API.STREAM.UPDATE.{}", config.name);
        self.api::<Ignored>(&subject, &stream_json(config)).await?.map(|_| ()).map_err(KvError::api)
    }

    /// The stream's consumers on this connection end with it.
    async fn delete_stream(&mut self, stream: &str) -> Result<(), KvError> {
        self.known.remove(stream);
        self.api::<Ignored>(&format!("$JS.API.STREAM.DELETE.{stream}"), &json!({})).await?.map_err(KvError::api)?;
        for w in self.watches.values_mut().filter(|w| w.stream() == stream && !w.gone) {
            let _ = self.link.send(&encode(&ClientOp::Unsub { sid: w.sid, max: None }));
            w.gone = true;
            w.o.queue.push_back(Delivery::Gone);
        }
        Ok(())
    }

    async fn stream_names(&mut self, subject: &str) -> Result<Vec<String>, KvError> {
        let req = ListRequest { subject: Some(subject.into()), offset: None };
        let names = self.api::<StreamNamesJson>("$JS.API.STREAM.NAMES", &req).await?.map_err(KvError::api)?;
        Ok(names.streams.unwrap_or_default())
    }

    /// Waits for the stream's ack, then for the watches of this connection that follow the subject to receive
    /// the write.
    async fn publish(&mut self, subject: &str, headers: Headers, data: &[u8]) -> Result<u64, KvError> {
        let (_, p) = self.request(subject, &headers, data).await?;
        let ack = read_answer::<PubAckJson>(&p, "publish")?.map_err(KvError::publish)?;
        let seq = ack.seq;
        for w in self.watches.values_mut() {
            if w.stream() == ack.stream && w.o.consumer.filters.iter().any(|f| subject_matches(f, subject)) {
                w.expect = w.expect.max(seq);
            }
        }
        self.settle().await?;
        Ok(seq)
    }

    async fn get_msg(&mut self, stream: &str, at: MsgAt) -> Result<Option<Msg>, KvError> {
        let body = match at {
            MsgAt::Seq(seq) => MsgGetRequest { seq: Some(seq), ..MsgGetRequest::default() },
            MsgAt::LastBySubject(s) => MsgGetRequest { last_by_subj: Some(s), ..MsgGetRequest::default() },
        };
        Ok(self.direct_get_raw(stream, body).await?.map(|(h, p)| msg_of(h, p)))
    }

    async fn purge_subject(&mut self, stream: &str, subject: &str, keep: u64) -> Result<(), KvError> {
        let req = PurgeRequest { filter: Some(subject.to_string()), keep: Some(keep), seq: None };
        self.api::<Ignored>(&format!("$JS.API.STREAM.PURGE.{stream}"), &req).await?.map(|_| ()).map_err(KvError::api)
    }

    /// Registers the consumer before creating it (deliveries can arrive before the create response), then waits
    /// until it has delivered what was pending.
    async fn create_consumer(&mut self, c: OrderedConsumer) -> Result<WatchId, KvError> {
        let sid = self.next_sid;
        self.next_sid += 1;
        let deliver = format!("{}.w{sid}", self.inbox.replace("_INBOX.", "_INBOX.d"));
        let id = WatchId(self.next_watch);
        self.next_watch += 1;
        let w = Watch { sid, name: String::new(), o: Ordered::new(c), gone: false, deliver, expect: 0 };
        self.watches.insert(id, w);
        if let Err(e) = self.start_consumer(id, 0).await {
            self.watches.remove(&id);
            return Err(e);
        }
        self.settle().await?;
        Ok(id)
    }

    async fn deliveries(&mut self, id: WatchId) -> Option<(WatchOptions, Vec<Delivery>)> {
        if self.settle().await.is_err() && self.reconnect().await.is_ok() {
            let _ = self.settle().await;
        }
        let w = self.watches.get_mut(&id)?;
        Some((w.o.consumer.watch, w.o.queue.drain(..).collect()))
    }

    async fn delete_consumer(&mut self, id: WatchId) {
        if let Some(w) = self.watches.remove(&id) {
            if w.gone {
                return;
            }
            let _ = self.link.send(&encode(&ClientOp::Unsub { sid: w.sid, max: None }));
            if w.stream().is_empty() {
                return;
            }
            let subject = format!("$JS.API.CONSUMER.DELETE.{}.{}", w.stream(), w.name);
            let _ = self.api::<Ignored>(&subject, &json!({})).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_move_waits_only_forward_from_the_last_one() {
        let mut last = None;
        assert_eq!(wait_for(&mut last, 100), None, "the first move sets the start");
        assert_eq!(wait_for(&mut last, 100), None);
        assert_eq!(wait_for(&mut last, 350), Some(250));
        assert_eq!(wait_for(&mut last, 200), None, "moving back waits nothing");
        assert_eq!(last, Some(350));
    }

    fn rev(n: u64, key: &str, op: &str) -> RevisionExport {
        let headers = if op == "PUT" { vec![] } else { vec![("KV-Operation".to_string(), op.to_string())] };
        RevisionExport::new(n, key, headers, b"", 0)
    }

    #[test]
    fn new_revisions_are_kept_as_the_server_keeps_them() {
        let mut kept = Vec::new();
        for r in [rev(1, "a", "PUT"), rev(2, "a", "PUT"), rev(3, "b", "PUT"), rev(4, "a", "PUT")] {
            keep_like_the_server(&mut kept, r, 2);
        }
        let revs = |k: &Vec<RevisionExport>| k.iter().map(|r| r.revision).collect::<Vec<_>>();
        assert_eq!(revs(&kept), vec![2, 3, 4], "a keeps its two newest");
        keep_like_the_server(&mut kept, rev(5, "b", "DEL"), 2);
        assert_eq!(revs(&kept), vec![2, 3, 4, 5], "a delete marker is one more revision");
        keep_like_the_server(&mut kept, rev(6, "a", "PURGE"), 2);
        assert_eq!(revs(&kept), vec![3, 5, 6], "a purge marker rolls up the key");
    }
}
