//! The server's JetStream in process: the KV store's seam (`store::JetStream`) answered by the server's own
//! handler with typed requests and no bytes. The terminal, the lesson runner and `kvplay run` are its clients:
//! their stream calls meet nats-server's checks (`jetstream::JetStream::create_stream`, ...), their publishes
//! are captured, acknowledged, republished and routed to the server's subscribers as a connection's are
//! (`Server::publish_in_process`), and their ordered consumers are the server's own (`Server::consumer_in_process`),
//! which the client pumps when it reads them and reads with the same client-side state as over the wire
//! (`store::Ordered`). Nothing here waits, so the store's `local` functions run over it.

use serde::{Deserialize, Serialize};

use super::api::{PurgeRequest, StreamConfigJson};
use super::wire::HeaderBlock;
use super::Standalone;
use crate::engine::error::{ErrorKind, KvError};
use crate::engine::headers::Headers;
use crate::engine::index::ListMap;
use crate::engine::kv::MAX_PAYLOAD;
use crate::engine::stream::StreamConfig;
use crate::engine::{AccountInfo, ApiError, Nanos, Status, WatchId, WatchOptions};
use crate::store::local::JetStream;
use crate::store::{Delivery, Msg, MsgAt, Ordered, OrderedConsumer};

/// A client of the server in process: requests go to its JetStream handler, publishes through its routing.
pub struct InProcess<'a> {
    node: &'a mut Standalone,
}

impl Standalone {
    /// The server's JetStream for a client in process (`KvBackend for Standalone`).
    pub fn in_process(&mut self) -> InProcess<'_> {
        InProcess { node: self }
    }
}

/// A consumer a client in process made: its name and deliver subject on the server, and the client's side of
/// it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LocalConsumer {
    name: String,
    deliver: String,
    o: Ordered,
    /// The server removed it (its stream was deleted): it delivers nothing more.
    gone: bool,
}

/// The consumers of clients in process, by watch (a watch's id is its consumer's number on the server, as the
/// timeline names it).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Consumers {
    list: ListMap<WatchId, LocalConsumer>,
    /// Deliver subjects made so far.
    made: u64,
}

impl Consumers {
    /// Each consumer's stream and name, leaving none.
    pub fn drain(self) -> impl Iterator<Item = (String, String)> {
        self.list.into_values().map(|c| (c.o.consumer.stream, c.name))
    }
}

/// Gives a consumer's client what the consumer has due; a consumer the server no longer has ends its watch.
fn feed(server: &mut super::Server, engine: &mut crate::engine::Engine, c: &mut LocalConsumer) {
    if c.gone {
        return;
    }
    let (stream, mono) = (c.o.consumer.stream.clone(), server.mono_ms());
    match server.jetstream().take_in_process(engine, &stream, &c.name, mono) {
        Some(outs) => {
            for m in outs {
                let headers = m.headers.as_deref().and_then(HeaderBlock::decode).unwrap_or_default().headers;
                c.o.receive(m.subject, m.reply.as_deref(), headers, m.payload);
            }
        }
        None => {
            c.gone = true;
            c.o.queue.push_back(Delivery::Gone);
            server.drop_in_process(engine, &stream, &c.name);
        }
    }
}

impl Standalone {
    /// Moves the clock for clients in process in steps, one at each time a stream expires something, giving
    /// their consumers what each step stored (so a watch sees a marker written and expired within one long
    /// move, as it would on a real server).
    pub fn step_to(&mut self, now: Nanos) {
        while let Some(at) = self.engine.next_expiry().filter(|at| *at > self.engine.now() && *at < now) {
            self.engine.set_now(at);
            let mono = self.server.mono_ms();
            self.server.jetstream().pump_in_process(&self.engine, mono);
        }
        self.engine.set_now(now);
    }

    /// Makes the consumers clients in process had on another server (the first load's, handed to the whole
    /// app) on this one, each resuming after the last message it received and keeping its watch's id.
    pub fn resume_in_process(&mut self, carried: Consumers) {
        self.in_process.made = self.in_process.made.max(carried.made);
        for (id, mut c) in carried.list.into_entries() {
            if c.gone {
                continue;
            }
            let cfg = c.o.config(&c.deliver, c.o.last_seq);
            let stream = c.o.consumer.stream.clone();
            if let Ok((name, _, _)) = self.server.consumer_in_process(&self.engine, &stream, cfg, Some(id.0)) {
                c.name = name;
                self.in_process.list.insert(id, c);
            }
        }
    }
}

/// The configuration a client sends for a stream (the user's metadata only, no server keys), as the Go client
/// writes it; the wire client sends the same.
pub fn stream_request(c: &StreamConfig) -> StreamConfigJson {
    let mut j = StreamConfigJson::from_engine(c, false);
    j.metadata = c.metadata.clone();
    j
}

impl InProcess<'_> {
    /// Counts an API request as the server counts one from a connection, and turns its error into the client's.
    fn answered<T>(&mut self, r: Result<T, ApiError>) -> Result<T, KvError> {
        self.node.server.jetstream().count_request(r.is_err());
        r.map_err(KvError::api)
    }
}

impl JetStream for InProcess<'_> {
    fn now(&self) -> Nanos {
        self.node.engine.now()
    }

    fn max_payload(&self) -> u64 {
        MAX_PAYLOAD
    }

    fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        let Standalone { server, engine, .. } = &mut *self.node;
        let info = server.jetstream().account_info(engine);
        self.answered(Ok(info))
    }

    fn stream_info(&mut self, stream: &str) -> Result<Status, KvError> {
        let r = self.node.engine.stream_info(stream);
        self.node.server.jetstream().count_request(r.is_err());
        r
    }

    fn stream_config(&mut self, stream: &str) -> Result<Option<StreamConfig>, KvError> {
        Ok(self.node.engine.stream_named(stream).map(|s| s.config.clone()))
    }

    fn create_stream(&mut self, config: &StreamConfig) -> Result<(), KvError> {
        let Standalone { server, engine, .. } = &mut *self.node;
        let r = server.jetstream().create_stream(engine, &config.name, &stream_request(config));
        if r.is_ok() {
            engine.catch_up(&config.name);
        }
        self.answered(r)
    }

    fn update_stream(&mut self, config: &StreamConfig) -> Result<(), KvError> {
        let Standalone { server, engine, .. } = &mut *self.node;
        let r = server.jetstream().update_stream(engine, &config.name, &stream_request(config));
        if r.is_ok() {
            engine.catch_up(&config.name);
        }
        self.answered(r)
    }

    fn delete_stream(&mut self, stream: &str) -> Result<(), KvError> {
        let Standalone { server, engine, .. } = &mut *self.node;
        let r = server.jetstream().delete_stream(engine, stream).map(|closed| server.send_later(closed));
        self.answered(r)
    }

    fn stream_names(&mut self, subject: &str) -> Result<Vec<String>, KvError> {
        let Standalone { server, engine, .. } = &mut *self.node;
        let names = server.jetstream().stream_names(engine, Some(subject));
        self.answered(Ok(names))
    }

    fn publish(&mut self, subject: &str, headers: Headers, data: &[u8]) -> Result<u64, KvError> {
        let Standalone { server, engine, .. } = &mut *self.node;
        match server.publish_in_process(engine, subject, headers, data) {
            Some(ack) => ack.map_err(KvError::publish),
            None => Err(KvError {
                kind: ErrorKind::NoResponders,
                message: "nats: no responders available for request".into(),
                api: None,
            }),
        }
    }

    fn get_msg(&mut self, stream: &str, at: MsgAt) -> Result<Option<Msg>, KvError> {
        self.node.engine.msg_at(stream, at)
    }

    fn purge_subject(&mut self, stream: &str, subject: &str, keep: u64) -> Result<(), KvError> {
        let Standalone { server, engine, .. } = &mut *self.node;
        let req = PurgeRequest { filter: Some(subject.to_string()), keep: Some(keep), ..Default::default() };
        let r = server.jetstream().purge_stream(engine, stream, &req).map(|_| ());
        self.answered(r)
    }

    fn create_consumer(&mut self, c: OrderedConsumer) -> Result<WatchId, KvError> {
        let Standalone { server, engine, in_process } = &mut *self.node;
        in_process.made += 1;
        let deliver = format!("_INBOX.inprocess.{}", in_process.made);
        let mut o = Ordered::new(c);
        let stream = o.consumer.stream.clone();
        let r = server.consumer_in_process(engine, &stream, o.config(&deliver, 0), None);
        server.jetstream().count_request(r.is_err());
        let (name, pending, number) = r.map_err(KvError::api)?;
        o.created(pending);
        let id = WatchId(number);
        in_process.list.insert(id, LocalConsumer { name, deliver, o, gone: false });
        Ok(id)
    }

    fn deliveries(&mut self, id: WatchId) -> Option<(WatchOptions, Vec<Delivery>)> {
        let Standalone { server, engine, in_process } = &mut *self.node;
        let c = in_process.list.get_mut(&id)?;
        feed(server, engine, c);
        Some((c.o.consumer.watch, c.o.queue.drain(..).collect()))
    }

    fn delete_consumer(&mut self, id: WatchId) {
        let Standalone { server, engine, in_process } = &mut *self.node;
        if let Some(c) = in_process.list.remove(&id) {
            server.drop_in_process(engine, &c.o.consumer.stream, &c.name);
            server.jetstream().count_request(false);
        }
    }
}
