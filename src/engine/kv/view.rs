//! `View`: the KV store's reads over a shared engine, for the visualizations, which change nothing (its
//! consumers are its own, made and read at once). Clients in process go through the server's JetStream handler
//! (`server::local`), whose consumers and checks are nats-server's.

use std::collections::VecDeque;

use super::{subject_matches, Engine, MAX_PAYLOAD};
use crate::engine::error::{ApiError, ErrorKind, KvError};
use crate::engine::headers::Headers;
use crate::engine::stream::{StoredMsg, Stream, StreamConfig};
use crate::engine::{AccountInfo, Nanos, Status, WatchId, WatchOptions};
use crate::store::local::{self as store, JetStream};
use crate::store::{Deliver, Delivery, Msg, MsgAt, OrderedConsumer};

/// A stored message as a consumer or a get hands it out (without its data when only headers are asked for).
pub(super) fn msg_of(m: &StoredMsg, headers_only: bool) -> Msg {
    Msg {
        subject: m.subject.clone(),
        seq: m.seq,
        time: m.time,
        headers: m.headers.clone(),
        data: if headers_only { Vec::new() } else { m.data.clone() },
    }
}

fn not_found() -> KvError {
    KvError::api(ApiError::stream_not_found())
}

/// The messages an ordered consumer starts with: where it starts, among the subjects it follows.
fn initial<'a>(s: &'a Stream, filters: &[String], deliver: Deliver) -> Vec<&'a StoredMsg> {
    let matches = |m: &&StoredMsg| filters.iter().any(|p| subject_matches(p, &m.subject));
    let literal = filters.iter().all(|p| !p.split('.').any(|t| t == "*" || t == ">"));
    if deliver == Deliver::New {
        return Vec::new();
    }
    if literal {
        // Exact subjects: their messages come from the subject index instead of a walk over the stream.
        let mut seqs: Vec<u64> = Vec::new();
        for subject in filters {
            let kept = s.subject_seqs(subject);
            match deliver {
                Deliver::From(from) => seqs.extend(kept.into_iter().filter(|q| *q >= from)),
                Deliver::All => seqs.extend(kept),
                _ => seqs.extend(kept.last()),
            }
        }
        crate::engine::index::sort_seqs(&mut seqs);
        seqs.dedup();
        return seqs.into_iter().filter_map(|q| s.get(q)).collect();
    }
    match deliver {
        Deliver::From(from) => s.messages_from(from).filter(matches).collect(),
        Deliver::All => s.messages().filter(matches).collect(),
        _ => s.last_per_subject().into_iter().filter(|m| matches(m)).collect(),
    }
}

impl Engine {
    /// The queue an ordered consumer starts with, or `None` without its stream.
    pub fn first_deliveries(&self, c: &OrderedConsumer) -> Option<VecDeque<Delivery>> {
        let s = self.streams.get(&c.stream)?;
        let msgs = initial(s, &c.filters, c.deliver);
        let n = msgs.len() as u64;
        let mut queue: VecDeque<Delivery> = VecDeque::with_capacity(msgs.len() + 1);
        for (i, m) in msgs.into_iter().enumerate() {
            queue.push_back(Delivery::Msg { msg: msg_of(m, c.headers_only), pending: n - 1 - i as u64 });
        }
        queue.push_back(Delivery::CaughtUp);
        Some(queue)
    }

    /// One message of a stream, by sequence or the last on a subject (a direct get answers the same).
    pub fn msg_at(&self, stream: &str, at: MsgAt) -> Result<Option<Msg>, KvError> {
        let s = self.streams.get(stream).ok_or_else(not_found)?;
        let m = match at {
            MsgAt::Seq(seq) => s.get(seq),
            MsgAt::LastBySubject(subject) => s.last_for_subject(&subject),
        };
        Ok(m.map(|m| msg_of(m, false)))
    }

    /// A stream's info in KV's shape, or the API's "stream not found".
    pub fn stream_info(&self, stream: &str) -> Result<Status, KvError> {
        self.stream_status(stream).ok_or_else(not_found)
    }

    /// A reader's view, for the visualizations, which hold the engine shared: the store's reads, changing
    /// nothing.
    pub fn view(&self) -> View<'_> {
        View { engine: self, consumers: Default::default() }
    }
}

/// The engine as the store's `JetStream` for reads: the consumers of its reads are its own, and it writes
/// nothing.
pub struct View<'a> {
    engine: &'a Engine,
    /// Its consumers (a read makes one at a time).
    consumers: Vec<(WatchId, VecDeque<Delivery>)>,
}

fn read_only() -> KvError {
    KvError { kind: ErrorKind::NotSupported, message: "nats: a view of the engine writes nothing".into(), api: None }
}

impl View<'_> {
    pub fn status(&mut self, bucket: &str) -> Result<Status, KvError> {
        store::status(self, bucket)
    }
    pub fn bucket_names(&mut self) -> Result<Vec<String>, KvError> {
        store::key_value_store_names(self)
    }
    pub fn keys(&mut self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        store::keys(self, bucket, filters)
    }
    pub fn get(&mut self, bucket: &str, key: &str) -> Result<crate::engine::Entry, KvError> {
        store::get(self, bucket, key)
    }
    pub fn entry(&mut self, bucket: &str, key: &str, revision: u64) -> Result<crate::engine::Entry, KvError> {
        store::entry(self, bucket, key, revision)
    }
    pub fn history(&mut self, bucket: &str, key: &str) -> Result<Vec<crate::engine::Entry>, KvError> {
        store::history(self, bucket, key)
    }
}

impl JetStream for View<'_> {
    fn now(&self) -> Nanos {
        self.engine.now()
    }

    fn max_payload(&self) -> u64 {
        MAX_PAYLOAD
    }

    fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        Ok(self.engine.account_info())
    }

    fn stream_info(&mut self, stream: &str) -> Result<Status, KvError> {
        self.engine.stream_info(stream)
    }

    fn stream_config(&mut self, stream: &str) -> Result<Option<StreamConfig>, KvError> {
        Ok(self.engine.streams.get(stream).map(|s| s.config.clone()))
    }

    fn create_stream(&mut self, _: &StreamConfig) -> Result<(), KvError> {
        Err(read_only())
    }

    fn update_stream(&mut self, _: &StreamConfig) -> Result<(), KvError> {
        Err(read_only())
    }

    fn delete_stream(&mut self, _: &str) -> Result<(), KvError> {
        Err(read_only())
    }

    fn stream_names(&mut self, subject: &str) -> Result<Vec<String>, KvError> {
        let meets = |s: &Stream| s.config.subjects.iter().any(|x| super::sourcing::subjects_collide(x, subject));
        Ok(self.engine.streams.iter().filter(|(_, s)| meets(s)).map(|(n, _)| n.clone()).collect())
    }

    fn publish(&mut self, _: &str, _: Headers, _: &[u8]) -> Result<u64, KvError> {
        Err(read_only())
    }

    fn get_msg(&mut self, stream: &str, at: MsgAt) -> Result<Option<Msg>, KvError> {
        self.engine.msg_at(stream, at)
    }

    fn purge_subject(&mut self, _: &str, _: &str, _: u64) -> Result<(), KvError> {
        Err(read_only())
    }

    fn create_consumer(&mut self, c: OrderedConsumer) -> Result<WatchId, KvError> {
        let queue = self.engine.first_deliveries(&c).ok_or_else(not_found)?;
        let id = WatchId(self.consumers.iter().map(|(i, _)| i.0).max().unwrap_or(0) + 1);
        self.consumers.push((id, queue));
        Ok(id)
    }

    fn deliveries(&mut self, id: WatchId) -> Option<(WatchOptions, Vec<Delivery>)> {
        let (_, q) = self.consumers.iter_mut().find(|(i, _)| *i == id)?;
        Some((WatchOptions::default(), q.drain(..).collect()))
    }

    fn delete_consumer(&mut self, id: WatchId) {
        self.consumers.retain(|(i, _)| *i != id);
    }
}
