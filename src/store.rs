//! The KV algorithm, once: buckets, keys, history and watches as the official clients write them (async-nats's
//! `Store`, nats.go's `kv.go`), over `JetStream`, the few stream and consumer calls a KV store makes of a server.
//! The embedded engine answers those calls in process (`engine::local`), a connection answers them over the wire
//! (`client::core`); neither knows a rule of KV (markers, create's retry, what a watch's options mean).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::engine::headers::{self as hdr, Headers};
use crate::engine::kv::{bucket_valid, key_valid, search_key_valid};
use crate::engine::time::go_duration_string;
use crate::engine::stream::StreamConfig;
use crate::engine::{
    AccountInfo, Config, Entry, ErrorKind, KvError, Nanos, Operation, Status, WatchEvent, WatchId, WatchOptions,
};

/// Markers younger than this survive a compaction (`nats kv compact`) as their key's only message.
pub const PURGE_DELETES_MARKER_THRESHOLD: Nanos = 30 * 60 * crate::engine::time::NANOS_PER_SEC;

/// A stored message, as a stream hands it out.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Msg {
    pub subject: String,
    pub seq: u64,
    pub time: Nanos,
    pub headers: Headers,
    pub data: Vec<u8>,
}

/// Which message a get asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MsgAt {
    Seq(u64),
    LastBySubject(String),
}

/// Where an ordered consumer starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Deliver {
    All,
    LastPerSubject,
    New,
    /// From this sequence on.
    From(u64),
}

/// An ordered consumer: what a watch, a key listing and a history read are made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderedConsumer {
    pub stream: String,
    pub filters: Vec<String>,
    pub deliver: Deliver,
    pub headers_only: bool,
    /// What the watcher asked for: the consumer keeps it to describe itself (the store applies it).
    pub watch: WatchOptions,
}

/// What an ordered consumer hands over.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Delivery {
    /// A message, with how many more the consumer had pending when it was sent.
    Msg { msg: Msg, pending: u64 },
    /// Everything that was pending when the consumer was made has been delivered.
    CaughtUp,
    /// The consumer's stream went away.
    Gone,
}

/// The JetStream calls a KV store makes. Errors from the API come as `KvError::api` (10059 when a stream does
/// not exist); a publish's refusal as `KvError::publish`; a subject nothing listens on as `NoResponders`.
#[allow(async_fn_in_trait)]
pub trait JetStream {
    /// The server's time, for a marker's age.
    fn now(&self) -> Nanos;
    /// The most one message may carry (header and data).
    fn max_payload(&self) -> u64;
    async fn account_info(&mut self) -> Result<AccountInfo, KvError>;
    /// A stream's info in KV's shape (its `bucket` left for the store to name).
    async fn stream_info(&mut self, stream: &str) -> Result<Status, KvError>;
    /// A stream's configuration, which a connection may remember; `None` when there is no such stream.
    async fn stream_config(&mut self, stream: &str) -> Result<Option<StreamConfig>, KvError>;
    async fn create_stream(&mut self, config: &StreamConfig) -> Result<(), KvError>;
    async fn update_stream(&mut self, config: &StreamConfig) -> Result<(), KvError>;
    async fn delete_stream(&mut self, stream: &str) -> Result<(), KvError>;
    /// The names of the streams whose subjects meet `subject`.
    async fn stream_names(&mut self, subject: &str) -> Result<Vec<String>, KvError>;
    /// Publishes and waits for the stream's acknowledgement: the message's sequence.
    async fn publish(&mut self, subject: &str, headers: Headers, data: &[u8]) -> Result<u64, KvError>;
    /// One message (a direct get where the stream allows it); `None` when there is none.
    async fn get_msg(&mut self, stream: &str, at: MsgAt) -> Result<Option<Msg>, KvError>;
    /// Purges a subject of a stream, keeping its newest `keep` messages.
    async fn purge_subject(&mut self, stream: &str, subject: &str, keep: u64) -> Result<(), KvError>;
    /// Makes an ordered consumer; its deliveries queue until asked for.
    async fn create_consumer(&mut self, consumer: OrderedConsumer) -> Result<WatchId, KvError>;
    /// What a consumer delivered since it was last asked, with what its watcher asked for; over the wire, after
    /// waiting for what the server owes. `None` for a consumer it does not know.
    async fn deliveries(&mut self, id: WatchId) -> Option<(WatchOptions, Vec<Delivery>)>;
    async fn delete_consumer(&mut self, id: WatchId);
}

/// What a create does after its first write (expecting no message) was refused: the clients retry once,
/// expecting the key's last revision, when that revision is a delete or purge marker; otherwise a refusal for
/// the wrong last sequence becomes "key exists". `Ok(rev)` asks for the retry.
pub fn create_retry(first: KvError, last: Option<(Operation, u64)>) -> Result<u64, KvError> {
    if let Some((op, rev)) = last {
        if op != Operation::Put {
            return Ok(rev);
        }
    }
    if first.kind == ErrorKind::WrongLastSequence {
        return Err(KvError {
            kind: ErrorKind::KeyExists,
            message: format!("{}: key exists", first.message),
            api: first.api,
        });
    }
    Err(first)
}

/// A KV write, as the clients make it: which headers it carries is decided here, once, for the embedded engine
/// and for the client of a real server alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvWrite {
    Put,
    /// A write that expects the key's last revision to be `expect` (0: no message), with an optional TTL.
    Expect {
        expect: u64,
        ttl: Nanos,
    },
    Delete,
    Purge {
        ttl: Nanos,
    },
}

impl KvWrite {
    /// The headers of the message.
    pub fn headers(self) -> Headers {
        let ttl = |h: &mut Headers, ttl: Nanos| {
            if ttl > 0 {
                h.push((hdr::MSG_TTL.to_string(), go_duration_string(ttl)));
            }
        };
        match self {
            KvWrite::Put => Vec::new(),
            KvWrite::Expect { expect, ttl: t } => {
                let mut h = vec![(hdr::EXPECTED_LAST_SUBJECT_SEQ.to_string(), expect.to_string())];
                ttl(&mut h, t);
                h
            }
            KvWrite::Delete => vec![(hdr::KV_OPERATION.to_string(), "DEL".to_string())],
            KvWrite::Purge { ttl: t } => {
                let mut h = vec![
                    (hdr::KV_OPERATION.to_string(), "PURGE".to_string()),
                    (hdr::ROLLUP.to_string(), "sub".to_string()),
                ];
                ttl(&mut h, t);
                h
            }
        }
    }
}

/// Runs a future that never waits (every call to the engine in process): its output at the first poll.
pub fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        // An in-process call has nothing to wait for: this is a bug in the caller, never an input.
        Poll::Pending => unreachable!("an in-process JetStream call waited"),
    }
}

pub fn stream_of(bucket: &str) -> String {
    format!("KV_{bucket}")
}

fn subject_of(bucket: &str, key: &str) -> String {
    format!("$KV.{bucket}.{key}")
}

fn invalid_search_key() -> KvError {
    KvError::client(ErrorKind::InvalidKey, "invalid key: key cannot be empty and must be a valid NATS subject")
}

/// The key patterns a watch or a listing follows (all keys when none are given), each checked.
fn search_patterns(patterns: &[String]) -> Result<Vec<String>, KvError> {
    let patterns = if patterns.is_empty() { vec![">".to_string()] } else { patterns.to_vec() };
    if patterns.iter().any(|p| !search_key_valid(p)) {
        return Err(invalid_search_key());
    }
    Ok(patterns)
}

/// An entry from a message its consumer or a get handed over.
pub fn entry_of(msg: Msg, pending: u64) -> Entry {
    let mut parts = msg.subject.splitn(3, '.');
    let (_, bucket, key) = (parts.next(), parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    Entry {
        bucket: bucket.to_string(),
        key: key.to_string(),
        revision: msg.seq,
        delta: pending,
        created: msg.time,
        operation: Operation::from_headers(&msg.headers),
        marker_reason: hdr::get(&msg.headers, hdr::MARKER_REASON).map(str::to_string),
        value: msg.data,
    }
}

/// Opens a bucket as a client binds to one: its stream's configuration, which must exist.
async fn open<J: JetStream>(js: &mut J, bucket: &str) -> Result<StreamConfig, KvError> {
    if !bucket_valid(bucket) {
        return Err(KvError::invalid_bucket());
    }
    js.stream_config(&stream_of(bucket)).await?.ok_or_else(KvError::bucket_not_found)
}

/// A bucket's status (`nats kv info`).
pub async fn status<J: JetStream>(js: &mut J, bucket: &str) -> Result<Status, KvError> {
    if !bucket_valid(bucket) {
        return Err(KvError::invalid_bucket());
    }
    match js.stream_info(&stream_of(bucket)).await {
        Ok(st) => Ok(Status { bucket: bucket.to_string(), ..st }),
        Err(e) if e.api.as_ref().is_some_and(|a| a.err_code == 10059) => Err(KvError::bucket_not_found()),
        Err(e) => Err(e),
    }
}

/// Creates a bucket; the same configuration again is accepted, another one is "bucket name already in use".
pub async fn create_key_value<J: JetStream>(js: &mut J, cfg: &Config) -> Result<Status, KvError> {
    let sc = cfg.to_stream_config()?;
    match js.create_stream(&sc).await {
        Err(KvError { api: Some(e), .. }) if e.err_code == 10058 => Err(KvError::bucket_exists(&cfg.bucket, e)),
        Err(e) => Err(e),
        Ok(()) => status(js, &cfg.bucket).await,
    }
}

/// Changes a bucket's configuration (`nats kv edit`).
pub async fn update_key_value<J: JetStream>(js: &mut J, cfg: &Config) -> Result<Status, KvError> {
    let sc = cfg.to_stream_config()?;
    match js.update_stream(&sc).await {
        Err(KvError { api: Some(e), .. }) if e.err_code == 10059 => Err(KvError {
            kind: ErrorKind::BucketNotFound,
            message: format!("nats: bucket not found: {}", cfg.bucket),
            api: Some(e),
        }),
        Err(e) => Err(e),
        Ok(()) => status(js, &cfg.bucket).await,
    }
}

/// Deletes a bucket and everything in it.
pub async fn delete_key_value<J: JetStream>(js: &mut J, bucket: &str) -> Result<(), KvError> {
    if !bucket_valid(bucket) {
        return Err(KvError::invalid_bucket());
    }
    match js.delete_stream(&stream_of(bucket)).await {
        Err(KvError { api: Some(e), .. }) if e.err_code == 10059 => Err(KvError {
            kind: ErrorKind::BucketNotFound,
            message: format!("nats: bucket not found: {bucket}\n{e}"),
            api: Some(e),
        }),
        r => r,
    }
}

/// The names of the buckets, sorted: the streams on KV's subjects.
pub async fn key_value_store_names<J: JetStream>(js: &mut J) -> Result<Vec<String>, KvError> {
    let mut names: Vec<String> = js
        .stream_names("$KV.*.>")
        .await?
        .into_iter()
        .filter_map(|s| s.strip_prefix("KV_").map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// A write to a key: its headers decide what it is (`KvWrite`). A mirror's writes go to its origin's subjects.
async fn write<J: JetStream>(js: &mut J, bucket: &str, key: &str, w: KvWrite, value: &[u8]) -> Result<u64, KvError> {
    let cfg = open(js, bucket).await?;
    if !key_valid(key) {
        return Err(KvError::invalid_key());
    }
    let headers = w.headers();
    // The client refuses a message over the server's max payload before sending it.
    if (hdr::encoded_len(&headers) + value.len()) as u64 > js.max_payload() {
        return Err(KvError { kind: ErrorKind::Other, message: "nats: maximum payload exceeded".into(), api: None });
    }
    let subject = match &cfg.mirror {
        Some(m) => subject_of(m.name.strip_prefix("KV_").unwrap_or(&m.name), key),
        None => subject_of(bucket, key),
    };
    match js.publish(&subject, headers, value).await {
        Err(e) if e.kind == ErrorKind::NoResponders => Err(match status(js, bucket).await {
            // The bucket went away (deleted by another client), or nothing takes its writes.
            Err(gone) => gone,
            Ok(_) => KvError { kind: ErrorKind::NoResponders, message: "nats: no response from stream".into(), api: None },
        }),
        r => r,
    }
}

/// Puts a value, whatever the key held before.
pub async fn put<J: JetStream>(js: &mut J, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
    write(js, bucket, key, KvWrite::Put, value).await
}

/// Puts a value only if the key has none (never written, or deleted or purged last), optionally with a TTL:
/// a write expecting no message, retried once over a marker, as the clients do.
pub async fn create<J: JetStream>(js: &mut J, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
    let err = match write(js, bucket, key, KvWrite::Expect { expect: 0, ttl }, value).await {
        Ok(rev) => return Ok(rev),
        Err(e) => e,
    };
    // As nats.go: whatever refused the write, a key whose last message is a marker is written again over it.
    let last = js.get_msg(&stream_of(bucket), MsgAt::LastBySubject(subject_of(bucket, key))).await.ok().flatten();
    let rev = create_retry(err, last.map(|m| (Operation::from_headers(&m.headers), m.seq)))?;
    write(js, bucket, key, KvWrite::Expect { expect: rev, ttl }, value).await
}

/// Puts a value only if `revision` is the key's latest revision.
pub async fn update<J: JetStream>(js: &mut J, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
    write(js, bucket, key, KvWrite::Expect { expect: revision, ttl: 0 }, value).await
}

/// Stores a delete marker.
pub async fn delete<J: JetStream>(js: &mut J, bucket: &str, key: &str) -> Result<u64, KvError> {
    write(js, bucket, key, KvWrite::Delete, b"").await
}

/// Stores a purge marker that rolls up every earlier revision of the key, optionally with a TTL.
pub async fn purge<J: JetStream>(js: &mut J, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
    write(js, bucket, key, KvWrite::Purge { ttl }, b"").await
}

/// The key's current value; a deleted or purged key is "key not found".
pub async fn get<J: JetStream>(js: &mut J, bucket: &str, key: &str) -> Result<Entry, KvError> {
    open(js, bucket).await?;
    if !key_valid(key) {
        return Err(KvError::invalid_key());
    }
    match js.get_msg(&stream_of(bucket), MsgAt::LastBySubject(subject_of(bucket, key))).await? {
        Some(m) if Operation::from_headers(&m.headers) == Operation::Put => Ok(entry_of(m, 0)),
        _ => Err(KvError::key_not_found()),
    }
}

/// One revision of a key (async-nats's `entry_for_revision`); a revision of another key, a marker or a removed
/// revision is "key not found".
pub async fn entry<J: JetStream>(js: &mut J, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
    open(js, bucket).await?;
    if !key_valid(key) {
        return Err(KvError::invalid_key());
    }
    match js.get_msg(&stream_of(bucket), MsgAt::Seq(revision)).await? {
        Some(m)
            if m.seq == revision
                && m.subject == subject_of(bucket, key)
                && Operation::from_headers(&m.headers) == Operation::Put =>
        {
            Ok(entry_of(m, 0))
        }
        _ => Err(KvError::key_not_found()),
    }
}

/// The consumer a watch of `patterns` with `options` reads from.
fn watch_consumer(bucket: &str, patterns: &[String], options: WatchOptions, headers_only: bool) -> OrderedConsumer {
    let deliver = if options.resume_from_revision > 0 {
        Deliver::From(options.resume_from_revision)
    } else if options.updates_only {
        Deliver::New
    } else if options.include_history {
        Deliver::All
    } else {
        Deliver::LastPerSubject
    };
    OrderedConsumer {
        stream: stream_of(bucket),
        filters: patterns.iter().map(|p| subject_of(bucket, p)).collect(),
        deliver,
        headers_only,
        watch: options,
    }
}

/// Starts a watch: its initial values (per the options), then the end of the initial values (unless
/// `updates_only`), then every later matching change (`watch_events`).
pub async fn watch<J: JetStream>(js: &mut J, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
    open(js, bucket).await?;
    let patterns = search_patterns(patterns)?;
    js.create_consumer(watch_consumer(bucket, &patterns, options, false)).await
}

/// What a watch received since it was last asked.
pub async fn watch_events<J: JetStream>(js: &mut J, id: WatchId) -> Vec<WatchEvent> {
    let Some((options, deliveries)) = js.deliveries(id).await else { return Vec::new() };
    events(options, deliveries)
}

/// A watch's events from what its consumer delivered, by what the watcher asked for.
pub fn events(options: WatchOptions, deliveries: Vec<Delivery>) -> Vec<WatchEvent> {
    let mut out = Vec::new();
    for d in deliveries {
        match d {
            Delivery::Msg { msg, pending } => {
                let e = entry_of(msg, pending);
                if !(options.ignore_deletes && e.operation != Operation::Put) {
                    out.push(WatchEvent::Entry(e));
                }
            }
            Delivery::CaughtUp if !options.updates_only => out.push(WatchEvent::InitialValuesDone),
            Delivery::CaughtUp => {}
            Delivery::Gone => out.push(WatchEvent::Closed),
        }
    }
    out
}

/// Stops a watch.
pub async fn stop_watch<J: JetStream>(js: &mut J, id: WatchId) {
    js.delete_consumer(id).await;
}

/// Reads a consumer's initial values to their end, then deletes it.
async fn initial<J: JetStream>(js: &mut J, consumer: OrderedConsumer) -> Result<Vec<Entry>, KvError> {
    let id = js.create_consumer(consumer).await?;
    let mut out = Vec::new();
    let mut done = false;
    while !done {
        let Some((_, got)) = js.deliveries(id).await else { break };
        if got.is_empty() {
            js.delete_consumer(id).await;
            return Err(KvError { kind: ErrorKind::Timeout, message: "nats: timeout".into(), api: None });
        }
        for d in got {
            match d {
                Delivery::Msg { msg, pending } => out.push(entry_of(msg, pending)),
                Delivery::CaughtUp | Delivery::Gone => done = true,
            }
        }
    }
    js.delete_consumer(id).await;
    Ok(out)
}

/// Every kept revision of a key (or key pattern), oldest first, markers included.
pub async fn history<J: JetStream>(js: &mut J, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
    open(js, bucket).await?;
    if !search_key_valid(key) {
        return Err(invalid_search_key());
    }
    let options = WatchOptions { include_history: true, ..WatchOptions::default() };
    let h = initial(js, watch_consumer(bucket, &[key.to_string()], options, false)).await?;
    if h.is_empty() {
        return Err(KvError::key_not_found());
    }
    Ok(h)
}

/// The keys that hold a value, in the order of their latest revision, optionally filtered by patterns.
pub async fn keys<J: JetStream>(js: &mut J, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
    open(js, bucket).await?;
    let patterns = search_patterns(filters)?;
    let options = WatchOptions { ignore_deletes: true, ..WatchOptions::default() };
    let latest = initial(js, watch_consumer(bucket, &patterns, options, true)).await?;
    Ok(latest.into_iter().filter(|e| e.operation == Operation::Put).map(|e| e.key).collect())
}

/// Removes delete and purge markers (`nats kv compact`): markers older than 30 minutes go with their key,
/// younger ones stay as the key's only message.
pub async fn purge_deletes<J: JetStream>(js: &mut J, bucket: &str) -> Result<(), KvError> {
    open(js, bucket).await?;
    let latest = initial(js, watch_consumer(bucket, &[">".to_string()], WatchOptions::default(), true)).await?;
    let limit = js.now() - PURGE_DELETES_MARKER_THRESHOLD;
    for m in latest.into_iter().filter(|e| e.operation != Operation::Put) {
        let keep = if m.created > limit { 1 } else { 0 };
        js.purge_subject(&stream_of(bucket), &subject_of(bucket, &m.key), keep).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: u64, op: Option<&str>) -> Msg {
        let headers = op.map(|o| vec![("KV-Operation".to_string(), o.to_string())]).unwrap_or_default();
        Msg { subject: "$KV.b.k.x".into(), seq, time: 7, headers, data: b"v".to_vec() }
    }

    #[test]
    fn an_entry_names_its_bucket_and_key_from_the_subject() {
        let e = entry_of(msg(3, None), 2);
        assert_eq!((e.bucket.as_str(), e.key.as_str(), e.revision, e.delta), ("b", "k.x", 3, 2));
        assert_eq!(e.operation, Operation::Put);
    }

    #[test]
    fn a_watch_applies_its_options_to_what_the_consumer_delivered() {
        let delivered = vec![
            Delivery::Msg { msg: msg(1, None), pending: 1 },
            Delivery::Msg { msg: msg(2, Some("DEL")), pending: 0 },
            Delivery::CaughtUp,
        ];
        let plain = events(WatchOptions::default(), delivered.clone());
        assert_eq!(plain.len(), 3);
        assert_eq!(plain[2], WatchEvent::InitialValuesDone);
        let quiet = events(WatchOptions { ignore_deletes: true, updates_only: true, ..Default::default() }, delivered);
        assert_eq!(quiet.len(), 1);
        assert!(matches!(&quiet[0], WatchEvent::Entry(e) if e.revision == 1));
        assert_eq!(events(WatchOptions::default(), vec![Delivery::Gone]), vec![WatchEvent::Closed]);
    }

    #[test]
    fn the_consumer_of_a_watch_starts_where_its_options_say() {
        let c = |o: WatchOptions| watch_consumer("b", &[">".to_string()], o, false).deliver;
        assert_eq!(c(WatchOptions::default()), Deliver::LastPerSubject);
        assert_eq!(c(WatchOptions { include_history: true, ..Default::default() }), Deliver::All);
        assert_eq!(c(WatchOptions { updates_only: true, ..Default::default() }), Deliver::New);
        assert_eq!(c(WatchOptions { resume_from_revision: 4, updates_only: true, ..Default::default() }), Deliver::From(4));
    }
}
