//! A blocking connection to a real `nats-server` over TCP, with the JetStream KV operations the command language
//! needs, sending the messages the Go client sends, so `kvplay --server` and the conformance suite run the same
//! scripts against a real server. Watches are ordered push consumers; after each command the client reads until
//! every watch has what the server delivered, so transcripts are in a deterministic order.

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::proto::{decode_headers, encode, ClientOp, Decoder, ServerOp};
use crate::backend::{ConnectionInfo, KvBackend};
use crate::engine::kv::{key_valid, search_key_valid};
use crate::engine::stream::StreamConfig;
use crate::engine::time::parse_rfc3339_utc;
use crate::engine::{
    AccountInfo, ApiError, Config, Entry, ErrorKind, KvError, Nanos, Operation, Status, StorageType, WatchEvent,
    WatchId, WatchOptions,
};

fn wall() -> Nanos {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as Nanos).unwrap_or(0)
}

struct Watch {
    sid: u64,
    stream: String,
    consumer: String,
    bucket: String,
    options: WatchOptions,
    initial_pending: u64,
    received: u64,
    last_seq: u64,
    init_done: bool,
    queue: VecDeque<WatchEvent>,
    /// The filter subject, to know which of our own writes this watch must receive.
    filter: String,
    /// Where the server delivers this watch's messages.
    deliver: String,
    /// The newest of our own writes this watch must receive before a command is over.
    expect: u64,
}

/// A connection to a real server.
pub struct RemoteKv {
    sock: TcpStream,
    dec: Decoder,
    info: Value,
    /// The address as shown (no credentials).
    url: String,
    /// The address as given, credentials included, for the short-lived read connections.
    dial: String,
    inbox: String,
    next_sid: u64,
    next_req: u64,
    watches: BTreeMap<WatchId, Watch>,
    next_watch: u64,
    timeout: Duration,
    rtt: Nanos,
}

/// Why a connection could not be made, in words a learner can act on.
fn conn_err(msg: impl Into<String>) -> KvError {
    KvError { kind: ErrorKind::Other, message: msg.into(), api: None }
}

impl RemoteKv {
    /// Connects to `nats://[user:pass@]host:port` (or `[token@]host:port`).
    pub fn connect(url: &str) -> Result<RemoteKv, KvError> {
        let rest = url.strip_prefix("nats://").unwrap_or(url);
        let (auth, hostport) = match rest.rsplit_once('@') {
            Some((a, h)) => (Some(a), h),
            None => (None, rest),
        };
        let hostport = if hostport.contains(':') { hostport.to_string() } else { format!("{hostport}:4222") };
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&hostport)
            .map_err(|e| conn_err(format!("nats: error: cannot resolve {hostport}: {e}")))?
            .next()
            .ok_or_else(|| conn_err(format!("nats: error: no address for {hostport}")))?;
        let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map_err(|e| conn_err(format!("nats: error: dial tcp {hostport}: {e}")))?;
        let _ = sock.set_nodelay(true);
        let mut c = RemoteKv {
            sock,
            dec: Decoder::new(),
            info: Value::Null,
            url: format!("nats://{hostport}"),
            dial: url.to_string(),
            inbox: format!("_INBOX.kvplay{:x}", wall() as u64 ^ std::process::id() as u64),
            next_sid: 2,
            next_req: 1,
            watches: BTreeMap::new(),
            next_watch: 1,
            timeout: Duration::from_secs(5),
            rtt: 0,
        };
        let deadline = Instant::now() + c.timeout;
        match c.read_op(deadline)? {
            Some(ServerOp::Info(j)) => c.info = serde_json::from_str(&j).unwrap_or(Value::Null),
            other => return Err(conn_err(format!("nats: error: expected INFO from the server, got {other:?}"))),
        }
        if let Some(mp) = c.info["max_payload"].as_u64() {
            c.dec.max_payload = mp as usize + 1024;
        }
        let mut connect = json!({"verbose": false, "pedantic": false, "headers": true, "no_responders": true,
            "lang": "rust-kvplay", "version": env!("CARGO_PKG_VERSION"), "protocol": 1});
        match auth.map(|a| a.split_once(':')) {
            Some(Some((u, p))) => {
                connect["user"] = json!(u);
                connect["pass"] = json!(p);
            }
            Some(None) => connect["auth_token"] = json!(auth.unwrap_or_default()),
            None => {}
        }
        c.send(&encode(&ClientOp::Connect(&connect.to_string())))?;
        let t0 = Instant::now();
        c.send(&encode(&ClientOp::Ping))?;
        loop {
            match c.read_op(deadline)? {
                Some(ServerOp::Pong) => break,
                Some(ServerOp::Err(e)) => return Err(conn_err(format!("nats: error: {}", e.to_lowercase()))),
                Some(_) => {}
                None => return Err(conn_err("nats: error: timeout waiting for the server")),
            }
        }
        c.rtt = t0.elapsed().as_nanos() as Nanos;
        let sub = format!("{}.*", c.inbox);
        c.send(&encode(&ClientOp::Sub { subject: &sub, sid: 1 }))?;
        Ok(c)
    }

    fn send(&mut self, b: &[u8]) -> Result<(), KvError> {
        self.sock.write_all(b).map_err(|e| conn_err(format!("nats: error: connection lost: {e}")))
    }

    /// Reads the next operation, answering PINGs; `None` at the deadline.
    fn read_op(&mut self, deadline: Instant) -> Result<Option<ServerOp>, KvError> {
        loop {
            if let Some(op) = self.dec.next_op().map_err(|e| conn_err(format!("nats: error: protocol: {}", e.0)))? {
                if op == ServerOp::Ping {
                    self.send(&encode(&ClientOp::Pong))?;
                    continue;
                }
                return Ok(Some(op));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let _ = self.sock.set_read_timeout(Some(left.max(Duration::from_millis(1))));
            let mut buf = [0u8; 64 * 1024];
            match self.sock.read(&mut buf) {
                Ok(0) => return Err(conn_err("nats: error: the server closed the connection")),
                Ok(n) => self.dec.push(&buf[..n]),
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    return Ok(None)
                }
                Err(e) => return Err(conn_err(format!("nats: error: connection lost: {e}"))),
            }
        }
    }

    /// Routes a message to its watch, if it is a watch delivery.
    fn route(&mut self, sid: u64, reply: Option<String>, headers: Option<Vec<u8>>, subject: String, payload: Vec<u8>) {
        let Some((wid, w)) = self.watches.iter_mut().find(|(_, w)| w.sid == sid) else { return };
        let _ = wid;
        let Some(reply) = reply else { return }; // heartbeats and flow control have no ack subject
                                                 // $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>
        let t: Vec<&str> = reply.split('.').collect();
        if t.len() < 9 {
            return;
        }
        let seq: u64 = t[5].parse().unwrap_or(0);
        let ts: i64 = t[7].parse().unwrap_or(0);
        let pending: u64 = t[8].parse().unwrap_or(0);
        let hdrs = headers.map(|h| decode_headers(&h)).unwrap_or_default();
        let op = Operation::from_headers(&hdrs);
        let prefix = format!("$KV.{}.", w.bucket);
        let entry = Entry {
            bucket: w.bucket.clone(),
            key: subject.trim_start_matches(&prefix).to_string(),
            value: payload,
            revision: seq,
            delta: pending,
            created: ts,
            operation: op,
            marker_reason: crate::engine::headers::get(&hdrs, crate::engine::headers::MARKER_REASON)
                .map(str::to_string),
        };
        w.last_seq = seq;
        if !(w.options.ignore_deletes && op != Operation::Put) {
            w.queue.push_back(WatchEvent::Entry(entry));
        }
        if !w.init_done {
            w.received += 1;
            if w.received >= w.initial_pending || pending == 0 {
                w.init_done = true;
                w.queue.push_back(WatchEvent::InitialValuesDone);
            }
        }
    }

    /// Sends a request and waits for its reply, routing watch deliveries that arrive meanwhile.
    fn request(
        &mut self,
        subject: &str,
        headers: &[(String, String)],
        payload: &[u8],
    ) -> Result<(Vec<(String, String)>, Vec<u8>), KvError> {
        let token = self.next_req;
        self.next_req += 1;
        if self.send(&encode(&ClientOp::Ping)).is_err() {
            // Nothing of this request went out: reconnect (the watches resume) and send it on the new connection.
            self.reconnect()?;
        }
        let reply = format!("{}.{token}", self.inbox);
        self.send(&encode(&ClientOp::Pub { subject, reply: Some(&reply), headers, payload }))?;
        let deadline = Instant::now() + self.timeout;
        loop {
            match self.read_op(deadline)? {
                None => return Err(conn_err("nats: error: context deadline exceeded")),
                Some(ServerOp::Msg { subject: s, sid, reply: r, headers: h, payload: p }) => {
                    if sid == 1 && s == reply {
                        let hdrs = h.map(|h| decode_headers(&h)).unwrap_or_default();
                        if crate::engine::headers::get(&hdrs, "Status") == Some("503") {
                            return Err(conn_err("nats: error: nats: no responders available for request"));
                        }
                        return Ok((hdrs, p));
                    }
                    self.route(sid, r, h, s, p);
                }
                Some(ServerOp::Err(e)) => return Err(conn_err(format!("nats: error: {}", e.to_lowercase()))),
                Some(_) => {}
            }
        }
    }

    fn api(&mut self, subject: &str, body: &Value) -> Result<Value, KvError> {
        let (_, p) = self.request(subject, &[], body.to_string().as_bytes())?;
        serde_json::from_slice(&p).map_err(|_| conn_err("nats: invalid jetstream api response"))
    }

    fn api_error(v: &Value) -> Option<ApiError> {
        let e = v.get("error")?;
        Some(ApiError::new(
            e["code"].as_u64().unwrap_or(0) as u16,
            e["err_code"].as_u64().unwrap_or(0) as u16,
            e["description"].as_str().unwrap_or(""),
        ))
    }

    fn stream_json(c: &StreamConfig) -> Value {
        let mut v = json!({
            "name": c.name, "subjects": c.subjects, "description": c.description, "retention": "limits",
            "max_consumers": -1, "max_msgs": -1, "max_bytes": c.max_bytes, "max_age": c.max_age,
            "max_msgs_per_subject": c.max_msgs_per_subject, "max_msg_size": c.max_msg_size, "discard": "new",
            "storage": if c.storage == StorageType::Memory { "memory" } else { "file" }, "num_replicas": c.replicas,
            "duplicate_window": c.duplicate_window, "allow_rollup_hdrs": true, "deny_delete": true, "allow_direct": true,
            "compression": if c.compression { "s2" } else { "none" }, "metadata": c.metadata,
        });
        if c.allow_msg_ttl {
            v["allow_msg_ttl"] = json!(true);
            v["subject_delete_marker_ttl"] = json!(c.subject_delete_marker_ttl);
        }
        v
    }

    fn status_from(bucket: &str, v: &Value) -> Status {
        let c = &v["config"];
        let st = &v["state"];
        let config = StreamConfig {
            name: c["name"].as_str().unwrap_or_default().to_string(),
            subjects: vec![format!("$KV.{bucket}.>")],
            description: c["description"].as_str().unwrap_or_default().to_string(),
            max_msgs_per_subject: c["max_msgs_per_subject"].as_i64().unwrap_or(1),
            max_bytes: c["max_bytes"].as_i64().unwrap_or(-1),
            max_age: c["max_age"].as_i64().unwrap_or(0),
            max_msg_size: c["max_msg_size"].as_i64().unwrap_or(-1) as i32,
            storage: if c["storage"] == "memory" { StorageType::Memory } else { StorageType::File },
            replicas: c["num_replicas"].as_i64().unwrap_or(1),
            compression: c["compression"] == "s2",
            allow_msg_ttl: c["allow_msg_ttl"].as_bool().unwrap_or(false),
            subject_delete_marker_ttl: c["subject_delete_marker_ttl"].as_i64().unwrap_or(0),
            duplicate_window: c["duplicate_window"].as_i64().unwrap_or(0),
            metadata: c["metadata"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
                .unwrap_or_default(),
        };
        let t = |x: &Value| x.as_str().and_then(|s| parse_rfc3339_utc(s).or_else(|| parse_rfc3339_utc(&trim_frac(s))));
        let last_time = t(&st["last_ts"]).filter(|n| *n > 0);
        Status {
            bucket: bucket.to_string(),
            config,
            created: t(&v["created"]).unwrap_or(0),
            values: st["messages"].as_u64().unwrap_or(0),
            bytes: st["bytes"].as_u64().unwrap_or(0),
            first_revision: st["first_seq"].as_u64().unwrap_or(0),
            last_revision: st["last_seq"].as_u64().unwrap_or(0),
            last_update: last_time,
            keys: st["num_subjects"].as_u64().unwrap_or(0),
        }
    }

    fn publish(
        &mut self,
        bucket: &str,
        key: &str,
        headers: Vec<(String, String)>,
        value: &[u8],
    ) -> Result<u64, KvError> {
        let max = self.info["max_payload"].as_u64().unwrap_or(u64::MAX);
        if (super::proto::encode_headers(&headers).len() + value.len()) as u64 > max {
            return Err(KvError {
                kind: ErrorKind::Other,
                message: "nats: maximum payload exceeded".into(),
                api: None,
            });
        }
        let (_, p) = self.request(&format!("$KV.{bucket}.{key}"), &headers, value)?;
        let v: Value = serde_json::from_slice(&p).map_err(|_| conn_err("nats: invalid jetstream publish response"))?;
        if let Some(e) = Self::api_error(&v) {
            return Err(KvError::publish(e));
        }
        let seq = v["seq"].as_u64().ok_or_else(|| conn_err("nats: invalid jetstream publish response"))?;
        let subject = format!("$KV.{bucket}.{key}");
        for w in self.watches.values_mut() {
            if w.bucket == bucket && crate::engine::kv::subject_matches(&w.filter, &subject) {
                w.expect = w.expect.max(seq);
            }
        }
        Ok(seq)
    }

    fn load(&mut self, bucket: &str) -> Result<(), KvError> {
        self.status_mut(bucket).map(|_| ())
    }

    /// The message at `last_by_subj` or `seq` (direct get), as an entry; `None` when there is none.
    fn direct_get(&mut self, bucket: &str, body: Value) -> Result<Option<Entry>, KvError> {
        let (h, p) = self.request(&format!("$JS.API.DIRECT.GET.KV_{bucket}"), &[], body.to_string().as_bytes())?;
        let get = |n: &str| crate::engine::headers::get(&h, n).map(str::to_string);
        if get("Status").is_some() {
            return Ok(None);
        }
        let subject = get("Nats-Subject").unwrap_or_default();
        Ok(Some(Entry {
            bucket: bucket.to_string(),
            key: subject.trim_start_matches(&format!("$KV.{bucket}.")).to_string(),
            value: p,
            revision: get("Nats-Sequence").and_then(|s| s.parse().ok()).unwrap_or(0),
            delta: 0,
            created: get("Nats-Time-Stamp").and_then(|t| parse_rfc3339_utc(&trim_frac(&t))).unwrap_or(0),
            operation: Operation::from_headers(&h),
            marker_reason: get(crate::engine::headers::MARKER_REASON),
        }))
    }

    /// Every kept message of the bucket matching a subject filter, in order.
    fn scan(&mut self, bucket: &str, filter: &str) -> Result<Vec<Entry>, KvError> {
        let mut out = Vec::new();
        let mut seq = 1u64;
        while let Some(e) =
            self.direct_get(bucket, json!({"seq": seq, "next_by_subj": format!("$KV.{bucket}.{filter}")}))?
        {
            seq = e.revision + 1;
            out.push(e);
        }
        Ok(out)
    }

    /// Reads until every watch has received our own writes it matches, and what the server has delivered to it.
    fn settle(&mut self) -> Result<(), KvError> {
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.watches.values().any(|w| w.last_seq < w.expect || !w.init_done) {
            match self.read_op(deadline)? {
                Some(ServerOp::Msg { subject, sid, reply, headers, payload }) => {
                    self.route(sid, reply, headers, subject, payload)
                }
                Some(_) => {}
                None => break,
            }
        }
        let ids: Vec<WatchId> = self.watches.keys().copied().collect();
        for id in ids {
            for _ in 0..200 {
                let (stream, consumer, have) = match self.watches.get(&id) {
                    Some(w) => (w.stream.clone(), w.consumer.clone(), w.last_seq),
                    None => break,
                };
                let v = self.api(&format!("$JS.API.CONSUMER.INFO.{stream}.{consumer}"), &json!({}))?;
                if Self::api_error(&v).is_some() {
                    break;
                }
                let delivered = v["delivered"]["stream_seq"].as_u64().unwrap_or(0);
                let pending = v["num_pending"].as_u64().unwrap_or(0);
                if pending == 0 && have >= delivered {
                    break;
                }
                // Let the deliveries arrive.
                let deadline = Instant::now() + Duration::from_millis(20);
                while let Some(op) = self.read_op(deadline)? {
                    if let ServerOp::Msg { subject, sid, reply, headers, payload } = op {
                        self.route(sid, reply, headers, subject, payload);
                    }
                }
            }
        }
        Ok(())
    }
}

fn trim_frac(s: &str) -> String {
    // The server writes up to nine fraction digits; the parser takes at most nine.
    match s.split_once('.') {
        Some((a, b)) => {
            let digits: String = b.chars().take_while(|c| c.is_ascii_digit()).take(9).collect();
            format!("{a}.{digits}Z")
        }
        None => s.to_string(),
    }
}

impl KvBackend for RemoteKv {
    fn now(&self) -> Nanos {
        wall()
    }
    /// A real server keeps its own time: a script's `sleep` waits for real until the clock reaches `now`.
    fn set_now(&mut self, now: Nanos) {
        let w = wall();
        if now > w {
            std::thread::sleep(Duration::from_nanos((now - w) as u64));
        }
        let _ = self.settle();
    }
    fn connection_info(&self) -> ConnectionInfo {
        let s = |k: &str| self.info[k].as_str().unwrap_or_default().to_string();
        ConnectionInfo {
            user: String::new(),
            account: "$G".into(),
            client_id: self.info["client_id"].as_u64().unwrap_or(0),
            client_ip: s("client_ip"),
            rtt: self.rtt,
            headers_supported: self.info["headers"].as_bool().unwrap_or(false),
            max_payload: self.info["max_payload"].as_u64().unwrap_or(0),
            url: self.url.clone(),
            address: self.url.trim_start_matches("nats://").to_string(),
            server_id: s("server_id"),
            server_version: s("version"),
            server_name: s("server_name"),
        }
    }
    fn account_info(&self) -> Result<AccountInfo, KvError> {
        // `&self`: a fresh request needs the socket mutably, so account info is read through a second connection.
        let mut c = RemoteKv::connect(&self.dial)?;
        let v = c.api("$JS.API.INFO", &json!({}))?;
        if let Some(e) = Self::api_error(&v) {
            return Err(KvError::api(e));
        }
        Ok(AccountInfo {
            memory: v["memory"].as_u64().unwrap_or(0),
            storage: v["storage"].as_u64().unwrap_or(0),
            streams: v["streams"].as_u64().unwrap_or(0),
            consumers: v["consumers"].as_u64().unwrap_or(0),
        })
    }
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        let sc = cfg.to_stream_config()?;
        let v = self.api(&format!("$JS.API.STREAM.CREATE.{}", sc.name), &Self::stream_json(&sc))?;
        if let Some(e) = Self::api_error(&v) {
            if e.err_code == 10058 {
                return Err(KvError {
                    kind: ErrorKind::BucketExists,
                    message: format!("nats: bucket name already in use: {}\n{e}", cfg.bucket),
                    api: Some(e),
                });
            }
            return Err(KvError::api(e));
        }
        self.status(&cfg.bucket)
    }
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        let sc = cfg.to_stream_config()?;
        let v = self.api(&format!("$JS.API.STREAM.UPDATE.{}", sc.name), &Self::stream_json(&sc))?;
        if let Some(e) = Self::api_error(&v) {
            if e.err_code == 10059 {
                return Err(KvError {
                    kind: ErrorKind::BucketNotFound,
                    message: format!("nats: bucket not found: {}", cfg.bucket),
                    api: Some(e),
                });
            }
            return Err(KvError::api(e));
        }
        self.status(&cfg.bucket)
    }
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        if !crate::engine::kv::bucket_valid(bucket) {
            return Err(KvError::invalid_bucket());
        }
        let v = self.api(&format!("$JS.API.STREAM.DELETE.KV_{bucket}"), &json!({}))?;
        if let Some(e) = Self::api_error(&v) {
            if e.err_code == 10059 {
                return Err(KvError {
                    kind: ErrorKind::BucketNotFound,
                    message: format!("nats: bucket not found: {bucket}\n{e}"),
                    api: Some(e),
                });
            }
            return Err(KvError::api(e));
        }
        self.watches.retain(|_, w| w.bucket != bucket);
        Ok(())
    }
    fn status(&self, bucket: &str) -> Result<Status, KvError> {
        // Status is asked from `&self` (it is a read); use a short-lived second connection.
        let mut c = RemoteKv::connect(&self.dial)?;
        c.status_mut(bucket)
    }
    fn bucket_names(&self) -> Result<Vec<String>, KvError> {
        let mut c = RemoteKv::connect(&self.dial)?;
        let v = c.api("$JS.API.STREAM.NAMES", &json!({"subject": "$KV.*.>"}))?;
        let mut names: Vec<String> = v["streams"]
            .as_array()
            .map(|a| {
                a.iter().filter_map(|s| s.as_str()).filter_map(|s| s.strip_prefix("KV_")).map(str::to_string).collect()
            })
            .unwrap_or_default();
        names.sort();
        Ok(names)
    }
    fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        self.load(bucket)?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        self.publish(bucket, key, Vec::new(), value)
    }
    fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        self.load(bucket)?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        let hdrs = |rev: u64| {
            let mut h = vec![("Nats-Expected-Last-Subject-Sequence".to_string(), rev.to_string())];
            if ttl > 0 {
                h.push(("Nats-TTL".to_string(), crate::engine::time::go_duration_string(ttl)));
            }
            h
        };
        let err = match self.publish(bucket, key, hdrs(0), value) {
            Ok(r) => return Ok(r),
            Err(e) => e,
        };
        if let Some(last) = self.direct_get(bucket, json!({"last_by_subj": format!("$KV.{bucket}.{key}")}))? {
            if last.operation != Operation::Put {
                return self.publish(bucket, key, hdrs(last.revision), value);
            }
        }
        if err.kind == ErrorKind::WrongLastSequence {
            return Err(KvError {
                kind: ErrorKind::KeyExists,
                message: format!("{}: key exists", err.message),
                api: err.api,
            });
        }
        Err(err)
    }
    fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        self.load(bucket)?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        self.publish(bucket, key, vec![("Nats-Expected-Last-Subject-Sequence".into(), revision.to_string())], value)
    }
    fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError> {
        self.load(bucket)?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        self.publish(bucket, key, vec![("KV-Operation".into(), "DEL".into())], b"")
    }
    fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        self.load(bucket)?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        let mut h =
            vec![("KV-Operation".to_string(), "PURGE".to_string()), ("Nats-Rollup".to_string(), "sub".to_string())];
        if ttl > 0 {
            h.push(("Nats-TTL".to_string(), crate::engine::time::go_duration_string(ttl)));
        }
        self.publish(bucket, key, h, b"")
    }
    fn get(&self, bucket: &str, key: &str) -> Result<Entry, KvError> {
        let mut c = RemoteKv::connect(&self.dial)?;
        c.load(bucket)?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        match c.direct_get(bucket, json!({"last_by_subj": format!("$KV.{bucket}.{key}")}))? {
            Some(e) if e.operation == Operation::Put => Ok(e),
            _ => Err(KvError::key_not_found()),
        }
    }
    fn get_revision(&self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        let mut c = RemoteKv::connect(&self.dial)?;
        c.load(bucket)?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        match c.direct_get(bucket, json!({"seq": revision}))? {
            Some(e) if e.key == key && e.revision == revision && e.operation == Operation::Put => Ok(e),
            _ => Err(KvError::key_not_found()),
        }
    }
    fn history(&self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        let mut c = RemoteKv::connect(&self.dial)?;
        c.load(bucket)?;
        if !search_key_valid(key) {
            return Err(KvError::client(
                ErrorKind::InvalidKey,
                "invalid key: key cannot be empty and must be a valid NATS subject",
            ));
        }
        let h = c.scan(bucket, key)?;
        if h.is_empty() {
            return Err(KvError::key_not_found());
        }
        Ok(h)
    }
    fn keys(&self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        let mut c = RemoteKv::connect(&self.dial)?;
        let filter = filters.first().cloned().unwrap_or_else(|| ">".to_string());
        let mut latest: BTreeMap<String, (u64, Operation)> = BTreeMap::new();
        for e in c.scan(bucket, &filter)? {
            latest.insert(e.key.clone(), (e.revision, e.operation));
        }
        let mut v: Vec<(u64, String)> =
            latest.into_iter().filter(|(_, (_, op))| *op == Operation::Put).map(|(k, (r, _))| (r, k)).collect();
        v.sort();
        Ok(v.into_iter().map(|(_, k)| k).collect())
    }
    fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        self.load(bucket)?;
        let pattern = patterns.first().cloned().unwrap_or_else(|| ">".to_string());
        if !search_key_valid(&pattern) {
            return Err(KvError::client(
                ErrorKind::InvalidKey,
                "invalid key: key cannot be empty and must be a valid NATS subject",
            ));
        }
        let sid = self.next_sid;
        self.next_sid += 1;
        let deliver = format!("{}.w{sid}", self.inbox.replace("_INBOX.", "_INBOX.d"));
        self.send(&encode(&ClientOp::Sub { subject: &deliver, sid }))?;
        let mut cfg = json!({"deliver_subject": deliver, "ack_policy": "none", "max_deliver": 1,
            "filter_subject": format!("$KV.{bucket}.{pattern}"), "mem_storage": true, "num_replicas": 1,
            "inactive_threshold": 300_000_000_000i64, "replay_policy": "instant"});
        cfg["deliver_policy"] = json!(if options.resume_from_revision > 0 {
            "by_start_sequence"
        } else if options.updates_only {
            "new"
        } else if options.include_history {
            "all"
        } else {
            "last_per_subject"
        });
        if options.resume_from_revision > 0 {
            cfg["opt_start_seq"] = json!(options.resume_from_revision);
        }
        // Register the watch before creating its consumer: deliveries can arrive before the create response.
        let id = WatchId(self.next_watch);
        self.next_watch += 1;
        self.watches.insert(
            id,
            Watch {
                sid,
                stream: format!("KV_{bucket}"),
                consumer: String::new(),
                bucket: bucket.to_string(),
                options,
                initial_pending: u64::MAX,
                received: 0,
                last_seq: 0,
                init_done: options.updates_only,
                queue: VecDeque::new(),
                filter: format!("$KV.{bucket}.{pattern}"),
                expect: 0,
                deliver: deliver.clone(),
            },
        );
        let v = match self.api(
            &format!("$JS.API.CONSUMER.CREATE.KV_{bucket}"),
            &json!({"stream_name": format!("KV_{bucket}"), "config": cfg}),
        ) {
            Ok(v) => v,
            Err(e) => {
                self.watches.remove(&id);
                return Err(e);
            }
        };
        if let Some(e) = Self::api_error(&v) {
            self.watches.remove(&id);
            let _ = self.send(&encode(&ClientOp::Unsub { sid, max: None }));
            return Err(KvError::api(e));
        }
        let pending = v["num_pending"].as_u64().unwrap_or(0);
        if let Some(w) = self.watches.get_mut(&id) {
            w.consumer = v["name"].as_str().unwrap_or_default().to_string();
            // Deliveries already received count against what was pending when the consumer was made.
            w.initial_pending = pending + w.received;
            if !w.init_done && w.received >= w.initial_pending {
                w.init_done = true;
                w.queue.push_back(WatchEvent::InitialValuesDone);
            }
        }
        self.settle()?;
        Ok(id)
    }
    fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        if self.settle().is_err() && self.reconnect().is_ok() {
            let _ = self.settle();
        }
        match self.watches.get_mut(&id) {
            Some(w) => w.queue.drain(..).collect(),
            None => vec![WatchEvent::Closed],
        }
    }
    fn stop_watch(&mut self, id: WatchId) {
        if let Some(w) = self.watches.remove(&id) {
            let _ = self.send(&encode(&ClientOp::Unsub { sid: w.sid, max: None }));
            let _ = self.api(&format!("$JS.API.CONSUMER.DELETE.{}.{}", w.stream, w.consumer), &json!({}));
        }
    }
    fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError> {
        self.load(bucket)?;
        let mut latest: BTreeMap<String, Entry> = BTreeMap::new();
        for e in self.scan(bucket, ">")? {
            latest.insert(e.key.clone(), e);
        }
        let limit = wall() - crate::engine::kv::PURGE_DELETES_MARKER_THRESHOLD;
        for (k, e) in latest.into_iter().filter(|(_, e)| e.operation != Operation::Put) {
            let keep = if e.created > limit { 1 } else { 0 };
            let v = self.api(
                &format!("$JS.API.STREAM.PURGE.KV_{bucket}"),
                &json!({"filter": format!("$KV.{bucket}.{k}"), "keep": keep}),
            )?;
            if let Some(err) = Self::api_error(&v) {
                return Err(KvError::api(err));
            }
        }
        Ok(())
    }
}

impl RemoteKv {
    /// Connects again after the connection was lost, with growing pauses for up to about ten seconds, and
    /// resumes every watch from the revision after the last one it received, so none is lost or repeated.
    pub fn reconnect(&mut self) -> Result<(), KvError> {
        let mut pause = Duration::from_millis(50);
        let give_up = Instant::now() + Duration::from_secs(10);
        let fresh = loop {
            match RemoteKv::connect(&self.dial) {
                Ok(c) => break c,
                Err(e) if Instant::now() >= give_up => return Err(e),
                Err(_) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        };
        self.sock = fresh.sock;
        self.dec = fresh.dec;
        self.info = fresh.info;
        self.inbox = fresh.inbox;
        self.rtt = fresh.rtt;
        let ids: Vec<WatchId> = self.watches.keys().copied().collect();
        for id in ids {
            let Some(w) = self.watches.get(&id) else { continue };
            let (sid, deliver, filter, bucket, options, last) =
                (w.sid, w.deliver.clone(), w.filter.clone(), w.bucket.clone(), w.options, w.last_seq);
            self.send(&encode(&ClientOp::Sub { subject: &deliver, sid }))?;
            let mut cfg = json!({"deliver_subject": deliver, "ack_policy": "none", "max_deliver": 1,
                "filter_subject": filter, "mem_storage": true, "num_replicas": 1,
                "inactive_threshold": 300_000_000_000i64, "replay_policy": "instant"});
            if last > 0 {
                cfg["deliver_policy"] = json!("by_start_sequence");
                cfg["opt_start_seq"] = json!(last + 1);
            } else {
                cfg["deliver_policy"] = json!(if options.updates_only {
                    "new"
                } else if options.include_history {
                    "all"
                } else {
                    "last_per_subject"
                });
            }
            let v = self.api(
                &format!("$JS.API.CONSUMER.CREATE.KV_{bucket}"),
                &json!({"stream_name": format!("KV_{bucket}"), "config": cfg}),
            )?;
            if let Some(e) = Self::api_error(&v) {
                return Err(KvError::api(e));
            }
            if let Some(w) = self.watches.get_mut(&id) {
                w.consumer = v["name"].as_str().unwrap_or_default().to_string();
            }
        }
        Ok(())
    }

    fn status_mut(&mut self, bucket: &str) -> Result<Status, KvError> {
        if !crate::engine::kv::bucket_valid(bucket) {
            return Err(KvError::invalid_bucket());
        }
        let v = self.api(&format!("$JS.API.STREAM.INFO.KV_{bucket}"), &json!({}))?;
        if let Some(e) = Self::api_error(&v) {
            return Err(if e.err_code == 10059 { KvError::bucket_not_found() } else { KvError::api(e) });
        }
        Ok(Self::status_from(bucket, &v))
    }
}
