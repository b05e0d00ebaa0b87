//! The engine as the KV store's `JetStream`, in process (`Local`): stream calls checked as the engine checks a
//! bucket's stream, messages read from the streams' indexes, and ordered consumers kept beside the streams (the
//! timeline shows what each delivered). Nothing here waits, so every call completes at its first poll
//! (so the store's `local` functions run them).

use std::collections::VecDeque;

use super::{remember, subject_matches, Engine, Watcher, MAX_PAYLOAD};
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
        seqs.sort_unstable();
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
    fn validate_stream_config(c: &StreamConfig) -> Result<(), KvError> {
        use crate::engine::time::NANOS_PER_SEC;
        if c.replicas > 1 {
            return Err(KvError::api(ApiError::replicas_not_supported()));
        }
        if c.subject_delete_marker_ttl > 0 && c.subject_delete_marker_ttl < NANOS_PER_SEC {
            return Err(KvError::api(ApiError::invalid_config("subject delete marker TTL must be at least 1 second")));
        }
        if c.subject_delete_marker_ttl < 0 {
            return Err(KvError::api(ApiError::invalid_config("subject delete marker TTL must not be negative")));
        }
        if c.max_age < 0 {
            return Err(KvError::api(ApiError::invalid_config("max age needs to be >= 0")));
        }
        if c.mirror.is_some() && c.subject_delete_marker_ttl > 0 {
            return Err(KvError::api(ApiError::invalid_config("subject delete markers forbidden on mirrors")));
        }
        Ok(())
    }

    fn create_stream_checked(&mut self, config: &StreamConfig) -> Result<(), KvError> {
        let mut sc = config.clone();
        Self::validate_stream_config(&sc)?;
        self.check_origins(&mut sc).map_err(KvError::api)?;
        if let Some(existing) = self.streams.get(&sc.name) {
            if existing.config != sc {
                return Err(KvError::api(ApiError::stream_name_in_use()));
            }
            return Ok(());
        }
        self.check_reservation(&sc).map_err(KvError::api)?;
        let name = sc.name.clone();
        let now = self.now;
        self.place_stream(&name, Stream::new(sc, now));
        self.catch_up(&name);
        Ok(())
    }

    fn update_stream_checked(&mut self, config: &StreamConfig) -> Result<(), KvError> {
        let mut sc = config.clone();
        let Some(was_mirror) = self.streams.get(&sc.name).map(|s| s.config.mirror.clone()) else {
            return Err(not_found());
        };
        Self::validate_stream_config(&sc)?;
        self.check_origins(&mut sc).map_err(KvError::api)?;
        if sc.mirror.is_some() && sc.mirror != was_mirror {
            return Err(KvError::api(ApiError::new(400, 10055, "stream mirror configuration can not be updated")));
        }
        let Some(existing) = self.streams.get(&sc.name) else { return Err(not_found()) };
        if existing.config.storage != sc.storage {
            return Err(KvError::api(ApiError::invalid_config(
                "stream configuration update can not change storage type",
            )));
        }
        if existing.config.allow_msg_ttl && !sc.allow_msg_ttl {
            return Err(KvError::api(ApiError::invalid_config("message TTL status can not be disabled")));
        }
        self.check_reservation(&sc).map_err(KvError::api)?;
        let name = sc.name.clone();
        Engine::update_stream(self, sc);
        self.catch_up(&name);
        Ok(())
    }

    /// The queue an ordered consumer starts with, or `None` without its stream.
    fn first_deliveries(&self, c: &OrderedConsumer) -> Option<VecDeque<Delivery>> {
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

    /// Keeps an ordered consumer beside its stream: later publishes queue on it (`deliver_to_watchers`).
    fn add_consumer(&mut self, c: OrderedConsumer, queue: VecDeque<Delivery>) -> WatchId {
        let mut delivered = VecDeque::new();
        for d in &queue {
            if let Delivery::Msg { msg, .. } = d {
                remember(&mut delivered, msg.seq);
            }
        }
        let id = WatchId(self.next_watch);
        self.next_watch += 1;
        let bucket = c.stream.strip_prefix("KV_").unwrap_or(&c.stream).to_string();
        let w = Watcher {
            stream: c.stream,
            bucket,
            patterns: c.filters,
            options: c.watch,
            headers_only: c.headers_only,
            queue,
            closed: false,
            delivered,
        };
        self.watchers.insert(id, w);
        id
    }

    /// The engine in process, to read and write through the store (`KvBackend for Engine`).
    pub fn local(&mut self) -> Local<'_> {
        Local { engine: Access::Write(self), consumers: Default::default() }
    }

    /// A reader's view, for the visualizations, which hold the engine shared: the store's reads, changing
    /// nothing.
    pub fn view(&self) -> Local<'_> {
        Local { engine: Access::Read(self), consumers: Default::default() }
    }
}

enum Access<'a> {
    Read(&'a Engine),
    Write(&'a mut Engine),
}

/// The engine as the store's `JetStream`: with write access, its consumers are the engine's (a watch's, which
/// later publishes reach); a read-only view keeps the consumers of its reads to itself and writes nothing.
pub struct Local<'a> {
    engine: Access<'a>,
    /// A view's own consumers (a read makes one at a time).
    consumers: Vec<(WatchId, VecDeque<Delivery>)>,
}

impl Local<'_> {
    fn engine(&self) -> &Engine {
        match &self.engine {
            Access::Read(e) => e,
            Access::Write(e) => e,
        }
    }

    fn writable(&mut self) -> Result<&mut Engine, KvError> {
        match &mut self.engine {
            Access::Write(e) => Ok(e),
            Access::Read(_) => Err(KvError {
                kind: ErrorKind::NotSupported,
                message: "nats: a view of the engine writes nothing".into(),
                api: None,
            }),
        }
    }

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

impl JetStream for Local<'_> {
    fn now(&self) -> Nanos {
        self.engine().now()
    }

    fn max_payload(&self) -> u64 {
        MAX_PAYLOAD
    }

    fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        Ok(self.engine().account_info())
    }

    fn stream_info(&mut self, stream: &str) -> Result<Status, KvError> {
        self.engine().stream_status(stream).ok_or_else(not_found)
    }

    fn stream_config(&mut self, stream: &str) -> Result<Option<StreamConfig>, KvError> {
        Ok(self.engine().streams.get(stream).map(|s| s.config.clone()))
    }

    fn create_stream(&mut self, config: &StreamConfig) -> Result<(), KvError> {
        self.writable()?.create_stream_checked(config)
    }

    fn update_stream(&mut self, config: &StreamConfig) -> Result<(), KvError> {
        self.writable()?.update_stream_checked(config)
    }

    fn delete_stream(&mut self, stream: &str) -> Result<(), KvError> {
        if self.writable()?.remove_stream(stream) {
            Ok(())
        } else {
            Err(not_found())
        }
    }

    fn stream_names(&mut self, subject: &str) -> Result<Vec<String>, KvError> {
        let meets = |s: &Stream| s.config.subjects.iter().any(|x| super::sourcing::subjects_collide(x, subject));
        Ok(self.engine().streams.iter().filter(|(_, s)| meets(s)).map(|(n, _)| n.clone()).collect())
    }

    fn publish(&mut self, subject: &str, headers: Headers, data: &[u8]) -> Result<u64, KvError> {
        let e = self.writable()?;
        let Some(name) = e.stream_for_subject(subject).map(str::to_string) else {
            return Err(KvError {
                kind: ErrorKind::NoResponders,
                message: "nats: no responders available for request".into(),
                api: None,
            });
        };
        e.publish_stream(&name, subject, headers, data.to_vec()).map_err(KvError::publish)
    }

    fn get_msg(&mut self, stream: &str, at: MsgAt) -> Result<Option<Msg>, KvError> {
        let s = self.engine().streams.get(stream).ok_or_else(not_found)?;
        let m = match at {
            MsgAt::Seq(seq) => s.get(seq),
            MsgAt::LastBySubject(subject) => s.last_for_subject(&subject),
        };
        Ok(m.map(|m| msg_of(m, false)))
    }

    fn purge_subject(&mut self, stream: &str, subject: &str, keep: u64) -> Result<(), KvError> {
        self.writable()?.purge_stream(stream, Some(subject), Some(keep), None).map(|_| ()).ok_or_else(not_found)
    }

    fn create_consumer(&mut self, c: OrderedConsumer) -> Result<WatchId, KvError> {
        let queue = self.engine().first_deliveries(&c).ok_or_else(not_found)?;
        match &mut self.engine {
            Access::Write(e) => Ok(e.add_consumer(c, queue)),
            Access::Read(_) => {
                let id = WatchId(self.consumers.iter().map(|(i, _)| i.0).max().unwrap_or(0) + 1);
                self.consumers.push((id, queue));
                Ok(id)
            }
        }
    }

    fn deliveries(&mut self, id: WatchId) -> Option<(WatchOptions, Vec<Delivery>)> {
        if let Some((_, q)) = self.consumers.iter_mut().find(|(i, _)| *i == id) {
            return Some((WatchOptions::default(), q.drain(..).collect()));
        }
        let Access::Write(e) = &mut self.engine else { return None };
        let w = e.watchers.get_mut(&id)?;
        Some((w.options, w.queue.drain(..).collect()))
    }

    fn delete_consumer(&mut self, id: WatchId) {
        let before = self.consumers.len();
        self.consumers.retain(|(i, _)| *i != id);
        if let (true, Access::Write(e)) = (self.consumers.len() == before, &mut self.engine) {
            e.watchers.remove(&id);
        }
    }
}
