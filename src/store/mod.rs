//! The KV algorithm, once: buckets, keys, history and watches as the official clients write them (async-nats's
//! `Store`, nats.go's `kv.go`), over `JetStream`, the few stream and consumer calls a KV store makes of a server.
//! Its text (`algorithm.rs`) is compiled twice, as Rust crates that serve blocking and async callers from one
//! source do: `local`, plain functions the embedded server answers in process (`server::local`, nothing to
//! wait for), and `wire`, `async` functions a connection answers over the wire (`client::core`). Neither side
//! knows a rule of KV (markers, create's retry, what a watch's options mean).

use crate::engine::headers::{self as hdr, Headers};
use crate::engine::kv::{bucket_valid, key_valid, search_key_valid};
use crate::engine::stream::StreamConfig;
use crate::engine::time::go_duration_string;
use crate::engine::{
    AccountInfo, Config, Entry, ErrorKind, KvError, Nanos, Operation, Status, WatchEvent, WatchId, WatchOptions,
};
use crate::server::api::ConsumerConfigJson;

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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// The client's side of an ordered push consumer, as the official clients keep it: what was asked for, how
/// much it has received, and when the initial values are over. Both of the store's seams keep one per
/// consumer (`client::core` over the wire, `server::local` in process), so a watch reads the same either way.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Ordered {
    pub consumer: OrderedConsumer,
    /// What the consumer had pending when it was made (`u64::MAX` until the server said).
    initial_pending: u64,
    received: u64,
    /// The newest stream sequence received.
    pub last_seq: u64,
    pub init_done: bool,
    pub queue: std::collections::VecDeque<Delivery>,
}

impl Ordered {
    pub fn new(consumer: OrderedConsumer) -> Ordered {
        Ordered {
            consumer,
            initial_pending: u64::MAX,
            received: 0,
            last_seq: 0,
            init_done: false,
            queue: Default::default(),
        }
    }

    /// The consumer's configuration, as the Go client sends it: no acknowledgements, delivered once, to
    /// `deliver`; after a reconnection it resumes after the last sequence it received (`resume_after`).
    pub fn config(&self, deliver: &str, resume_after: u64) -> ConsumerConfigJson {
        let filters = &self.consumer.filters;
        let (deliver_policy, opt_start_seq) = match (resume_after, self.consumer.deliver) {
            (1.., _) => ("by_start_sequence", Some(resume_after + 1)),
            (_, Deliver::From(seq)) => ("by_start_sequence", Some(seq)),
            (_, Deliver::New) => ("new", None),
            (_, Deliver::All) => ("all", None),
            (_, Deliver::LastPerSubject) => ("last_per_subject", None),
        };
        ConsumerConfigJson {
            deliver_policy: deliver_policy.into(),
            opt_start_seq,
            ack_policy: "none".into(),
            max_deliver: 1,
            // One subject as `filter_subject`, several as `filter_subjects` (as the clients send them).
            filter_subject: (filters.len() == 1).then(|| filters[0].clone()),
            filter_subjects: (filters.len() > 1).then(|| filters.to_vec()),
            replay_policy: "instant".into(),
            deliver_subject: Some(deliver.to_string()),
            headers_only: self.consumer.headers_only,
            inactive_threshold: Some(300_000_000_000),
            num_replicas: 1,
            mem_storage: true,
            ..ConsumerConfigJson::default()
        }
    }

    /// The server made the consumer with `pending` messages waiting for it; what arrived before its answer
    /// counts against them.
    pub fn created(&mut self, pending: u64) {
        self.initial_pending = pending + self.received;
        if !self.init_done && self.received >= self.initial_pending {
            self.init_done = true;
            self.queue.push_back(Delivery::CaughtUp);
        }
    }

    /// A message on the deliver subject. Heartbeats and flow control have no ack subject and are not kept;
    /// a delivery's ack subject says its sequence, time and what is still pending
    /// (`$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`).
    pub fn receive(&mut self, subject: String, reply: Option<&str>, headers: Headers, data: Vec<u8>) {
        let Some(reply) = reply else { return };
        let t: Vec<&str> = reply.split('.').collect();
        if t.len() < 9 {
            return;
        }
        let seq: u64 = t[5].parse().unwrap_or(0);
        if seq <= self.last_seq {
            return; // already seen (a resumed consumer never repeats, but be safe)
        }
        let time: Nanos = t[7].parse().unwrap_or(0);
        let pending: u64 = t[8].parse().unwrap_or(0);
        self.last_seq = seq;
        self.queue.push_back(Delivery::Msg { msg: Msg { subject, seq, time, headers, data }, pending });
        if !self.init_done {
            self.received += 1;
            if self.received >= self.initial_pending || pending == 0 {
                self.init_done = true;
                self.queue.push_back(Delivery::CaughtUp);
            }
        }
    }
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

/// The algorithm over the in-process seam: plain functions.
pub mod local {
    use super::*;
    use crate::{plain_aw as aw, plain_fn as kv_fn};
    include!("algorithm.rs");
}

/// The algorithm over the wire: the same text as `async` functions.
pub mod wire {
    use super::*;
    use crate::{async_aw as aw, async_fn as kv_fn};
    include!("algorithm.rs");
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
        assert_eq!(
            c(WatchOptions { resume_from_revision: 4, updates_only: true, ..Default::default() }),
            Deliver::From(4)
        );
    }
}
