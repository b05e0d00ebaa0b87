//! The JetStream API over the engine's streams, as nats-server answers it for what KV clients use: `$JS.API.*`
//! requests (account info, streams, message gets, direct gets, consumers), publishes into streams with their
//! PubAck and expectation headers, and push consumers (deliver policies, filters, headers-only, flow control,
//! idle heartbeats, pending counts and the ack subjects clients read). It returns the messages to send; the
//! server routes them.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde::Serialize;

use super::api::*;
use super::consumer::{AckKind, AckPolicy, AckTarget, Consumer, Start, WatcherInfo};
use super::consumer_checks;
use super::counter;
use super::gojson;
use super::stream_checks;
use super::wire::HeaderBlock;
use crate::engine::headers::{self, Headers};
use crate::engine::index::ListMap;
use crate::engine::kv::subject_matches;
use crate::engine::stream::{RemovalReason, Retention, StoredMsg, Stream, StreamConfig, StreamSource};
use crate::engine::time::{rfc3339_nanos, NANOS_PER_MILLI};
use crate::engine::transform::SubjectTransform;
use crate::engine::{AccountInfo, ApiError, Engine, Nanos, WatchId};

/// A message for the server to route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Out {
    /// The subject the message is routed on: a push consumer's deliver subject, or `subject` when `None`.
    pub deliver: Option<String>,
    /// The subject the receiver sees (a consumer delivers each message with its own subject).
    pub subject: String,
    pub reply: Option<String>,
    pub headers: Option<Vec<u8>>,
    pub payload: Vec<u8>,
}

impl Out {
    fn json(subject: &str, v: &impl Serialize) -> Out {
        Out { deliver: None, subject: subject.to_string(), reply: None, headers: None, payload: go_json(v) }
    }
    fn raw(subject: &str, payload: Vec<u8>) -> Out {
        Out { deliver: None, subject: subject.to_string(), reply: None, headers: None, payload }
    }
    fn status(subject: &str, code: u16, desc: &str) -> Out {
        let h = HeaderBlock { status: Some((code, desc.to_string())), headers: Vec::new() };
        Out { deliver: None, subject: subject.to_string(), reply: None, headers: Some(h.encode()), payload: Vec::new() }
    }
}

/// What a JetStream advisory tells (`$JS.EVENT.ADVISORY.`), formatted by `features.rs` for clients on the wire
/// (borrowed: a server without clients on the wire builds nothing for it).
pub enum Advisory<'a> {
    /// A stream created, modified or deleted ("create", "modify", "delete").
    Stream {
        stream: &'a str,
        action: &'static str,
    },
    /// A consumer created or deleted.
    Consumer {
        stream: &'a str,
        consumer: &'a str,
        action: &'static str,
    },
    /// A message refused (`-NAK`: no reason) or terminated (`+TERM`, with the reason it gave).
    Delivery {
        target: &'a AckTarget,
        terminated: Option<&'a str>,
    },
    /// A message that reached `max_deliver`.
    MaxDeliveries {
        stream: &'a str,
        consumer: &'a str,
        sseq: u64,
        deliveries: u64,
    },
    Pause {
        stream: &'a str,
        consumer: &'a str,
        paused: bool,
        until: &'a str,
    },
}

/// The JetStream side of the server: consumers, de-duplication windows and API counters. Streams live in the
/// engine.
pub struct JetStream {
    consumers: ListMap<(String, String), Consumer>,
    /// Message ids seen per stream within its duplicate window: id, sequence, time.
    msg_ids: HashMap<String, VecDeque<(String, u64, Nanos)>>,
    api_total: u64,
    api_errors: u64,
    rng: u64,
    server_name: String,
    /// How many republished copies deep the publish being handled is.
    republish_depth: u32,
    /// Interest streams that lost a consumer where the engine could not be changed (`pump`): `settle` removes
    /// what no consumer left wants.
    unwanted: BTreeSet<String>,
    /// Consumers made so far (each gets the next number).
    made: u64,
    /// Whether watchers keep what they delivered, for the timeline (`ServerOptions::watch_log`).
    pub watch_log: bool,
    /// What only clients on the wire make (`features.rs`: atomic and fast batches, advisories, durable feeds, schedules),
    /// behind `Any` so that a server without such clients carries no code to keep or drop it.
    pub(super) wire: Option<Box<dyn std::any::Any>>,
    /// The protocol clock at the last pump.
    last_mono: u64,
    /// What only clients on the wire use (`features.rs`), once a connection was accepted.
    pub(super) features: Option<&'static super::features::Features>,
}

pub(super) mod batch;
mod direct;
pub(super) mod fast_batch;

/// How many republish hops one publish may lead to (two streams may republish into each other's subjects).
const MAX_REPUBLISH_CHAIN: u32 = 8;

fn kind(name: &str) -> String {
    format!("io.nats.jetstream.api.v1.{name}")
}

fn b64(b: &[u8]) -> String {
    crate::cli::format::base64(b)
}

/// A client's header block, as headers the engine stores (the status line is not a header).
/// Whether a request's `Nats-Required-Api-Level` names a level above this server's, or is not a number: nats-server
/// refuses such a request (10185, or status 412) before reading it.
pub(super) fn requires_higher_level(raw: Option<&[u8]>) -> bool {
    raw.is_some_and(|_| headers_require_higher_level(&parse_headers(raw)))
}

/// As `requires_higher_level`, of a message's headers (a batch's messages may require a level too).
pub(super) fn headers_require_higher_level(h: &Headers) -> bool {
    headers::get(h, "Nats-Required-Api-Level")
        .filter(|v| !v.is_empty())
        .is_some_and(|v| v.parse::<i64>().map_or(true, |l| l > API_LEVEL_NUMBER))
}

/// This server's API level, as a number.
const API_LEVEL_NUMBER: i64 = 5;

/// The response type of an API request nats-server answers, whether its errors carry paging, and the Go type its
/// body is decoded into (named in the decoder's errors).
fn response_kind(tokens: &[&str]) -> Option<(&'static str, bool, &'static str)> {
    Some(match tokens {
        ["INFO"] => ("account_info_response", false, ""),
        ["STREAM", "CREATE", _] => ("stream_create_response", false, "StreamConfigRequest"),
        ["STREAM", "UPDATE", _] => ("stream_update_response", false, "StreamConfigRequest"),
        ["STREAM", "INFO", _] => ("stream_info_response", true, "JSApiStreamInfoRequest"),
        ["STREAM", "NAMES"] => ("stream_names_response", true, "JSApiStreamNamesRequest"),
        ["STREAM", "LIST"] => ("stream_list_response", true, "JSApiStreamListRequest"),
        ["STREAM", "PURGE", _] => ("stream_purge_response", false, "JSApiStreamPurgeRequest"),
        ["STREAM", "DELETE", _] => ("stream_delete_response", false, ""),
        ["STREAM", "MSG", "GET", _] => ("stream_msg_get_response", false, "JSApiMsgGetRequest"),
        ["STREAM", "MSG", "DELETE", _] => ("stream_msg_delete_response", false, "JSApiMsgDeleteRequest"),
        ["CONSUMER", "CREATE", ..] | ["CONSUMER", "DURABLE", "CREATE", ..] => {
            ("consumer_create_response", false, "CreateConsumerRequest")
        }
        ["CONSUMER", "INFO", _, _] => ("consumer_info_response", false, ""),
        ["CONSUMER", "DELETE", _, _] => ("consumer_delete_response", false, ""),
        ["CONSUMER", "NAMES", _] => ("consumer_names_response", true, "JSApiConsumersRequest"),
        ["CONSUMER", "LIST", _] => ("consumer_list_response", true, "JSApiConsumersRequest"),
        ["CONSUMER", "PAUSE", _, _] => ("consumer_pause_response", false, "JSApiConsumerPauseRequest"),
        ["CONSUMER", "UNPIN", _, _] => ("consumer_unpin_response", false, "JSApiConsumerUnpinRequest"),
        ["CONSUMER", "RESET", _, _] => ("consumer_reset_response", false, "JSApiConsumerResetRequest"),
        _ => return None,
    })
}

pub fn parse_headers(raw: Option<&[u8]>) -> Headers {
    raw.and_then(HeaderBlock::decode).map(|h| h.headers).unwrap_or_default()
}

pub(super) fn encode_headers(h: &Headers) -> Option<Vec<u8>> {
    (!h.is_empty()).then(|| HeaderBlock { status: None, headers: h.clone() }.encode())
}

/// JSON as Go's encoder writes it (`api::go_json`).
pub use super::api::go_json;

/// The server's error for a request body it cannot read. Its decoder's text for a body that ends too soon is
/// kept; other texts are serde's.
fn invalid_json(e: &serde_json::Error) -> ApiError {
    ApiError::new(400, 10025, format!("invalid JSON: {}", go_json_error(e)))
}

/// Go's decoder's words for the errors it shares with serde: a body that ends too soon, and an unknown field
/// (its strict decoder refuses them); others keep serde's words.
fn go_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if e.is_eof() {
        return "unexpected EOF".to_string();
    }
    if let Some(rest) = text.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or_default();
        return format!("json: unknown field {field:?}");
    }
    text
}

/// Go's `json.Unmarshal` words for a body serde could not read (`gojson`), or else serde's own.
fn go_unmarshal_words(body: &[u8], e: &serde_json::Error) -> String {
    gojson::unmarshal_words(body).unwrap_or_else(|| go_json_error(e))
}

/// An error response, with the fields the server writes beside the error in that response: zero counts in a
/// paged one, no streams or consumers in a names or list one, nothing purged in a purge one.
fn error_response(reply: &str, resp: &str, e: &ApiError, paged: bool) -> Out {
    let listing = matches!(resp, "stream_names_response" | "stream_list_response");
    let paged = paged || listing;
    let r = ErrorResponse {
        kind: kind(resp),
        error: e.into(),
        total: paged.then_some(0),
        offset: paged.then_some(0),
        limit: paged.then_some(0),
        // A list response's streams are an empty list beside an error; a names response's are null.
        streams: match resp {
            "stream_list_response" => Some(serde_json::Value::Array(Vec::new())),
            "stream_names_response" => Some(serde_json::Value::Null),
            _ => None,
        },
        // A consumer names or list response's consumers are an empty list beside an error.
        consumers: matches!(resp, "consumer_names_response" | "consumer_list_response")
            .then(|| serde_json::Value::Array(Vec::new())),
        purged: (resp == "stream_purge_response").then_some(0),
        paused: (resp == "consumer_pause_response").then_some(false),
        pause_until: (resp == "consumer_pause_response").then(|| ZERO_TIME.to_string()),
        reset_seq: (resp == "consumer_reset_response").then_some(0),
    };
    Out::json(reply, &r)
}

/// Whether a body is a JSON object or array (after white space): the only bodies some requests read.
fn is_json_object_or_array(payload: &[u8]) -> bool {
    matches!(payload.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{') | Some(b'['))
}

/// The fields a message get request may carry: nats-server's decoder refuses others.
const MSG_GET_FIELDS: [&str; 10] = [
    "seq",
    "last_by_subj",
    "next_by_subj",
    "batch",
    "max_bytes",
    "start_time",
    "multi_last",
    "up_to_seq",
    "up_to_time",
    "no_hdrs",
];

/// A message get request's own checks: no unknown field, no batch, and one way to name the message.
fn check_msg_get(payload: &[u8], req: &MsgGetRequest) -> Result<(), ApiError> {
    let fields = serde_json::from_slice::<serde_json::Value>(payload).ok();
    let keys = fields.as_ref().and_then(|v| v.as_object()).map(|o| o.keys().cloned().collect::<Vec<_>>());
    if let Some(k) = keys.unwrap_or_default().into_iter().find(|k| !MSG_GET_FIELDS.contains(&k.as_str())) {
        return Err(ApiError::new(400, 10025, format!("invalid JSON: json: unknown field {k:?}")));
    }
    let bad = || Err(ApiError::new(400, 10003, "bad request"));
    if req.batch.unwrap_or(0) > 0 {
        return bad();
    }
    let (seq, last, next) = (req.seq.unwrap_or(0), req.last_by_subj.is_some(), req.next_by_subj.is_some());
    if (seq > 0 && last) || (seq == 0 && !last && !next) || (last && next) {
        return bad();
    }
    Ok(())
}

/// Whether a request carries nothing: no bytes, or an empty JSON object.
fn is_empty_request(payload: &[u8]) -> bool {
    payload.is_empty()
        || serde_json::from_slice::<serde_json::Value>(payload)
            .is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
}

/// The most subjects a stream info response lists.
const MAX_SUBJECT_DETAILS: usize = 100_000;

/// A response that says only that it succeeded.
#[derive(Serialize)]
struct Success {
    #[serde(rename = "type")]
    kind: String,
    success: bool,
}

/// Whether any subject of one list can match a subject of the other.
fn overlaps(a: &[String], b: &[String]) -> bool {
    a.iter().any(|x| b.iter().any(|y| subjects_overlap(x, y)))
}

/// Whether two subjects (with wildcards) can match a common subject.
pub use crate::engine::kv::sourcing::subjects_collide as subjects_overlap;

impl JetStream {
    pub fn new(server_name: &str, seed: u64) -> JetStream {
        JetStream {
            consumers: ListMap::default(),
            msg_ids: HashMap::new(),
            api_total: 0,
            api_errors: 0,
            rng: seed | 1,
            server_name: server_name.to_string(),
            republish_depth: 0,
            unwanted: BTreeSet::new(),
            made: 0,
            watch_log: false,
            wire: None,
            last_mono: 0,
            features: None,
        }
    }

    /// Applies work-queue and interest retention to what consumers are done with: a message goes once no
    /// consumer of its stream still wants it (nats-server's `ackMsg` and `noInterest`), and an interest stream
    /// that lost a consumer drops what only that one wanted.
    pub fn settle(&mut self, engine: &mut Engine) {
        // What durable consumers delivered goes into the streams they feed.
        if let Some(f) = self.features {
            (f.store_fed)(self, engine);
        }
        let mut done: Vec<(String, u64)> = Vec::new();
        for c in self.consumers.values_mut() {
            done.extend(c.done.drain(..).map(|q| (c.stream.clone(), q)));
        }
        for (stream, seq) in done {
            let Some(s) = engine.stream_named(&stream) else { continue };
            if s.config.retention == Retention::Limits {
                continue;
            }
            let Some(m) = s.get(seq) else { continue };
            if !self.wanted(&stream, seq, &m.subject) {
                engine.remove_retained(&stream, seq, RemovalReason::Acknowledged);
            }
        }
        for stream in std::mem::take(&mut self.unwanted) {
            self.drop_unwanted(engine, &stream);
        }
    }

    /// Whether any consumer of a stream still wants one of its messages.
    fn wanted(&self, stream: &str, seq: u64, subject: &str) -> bool {
        self.consumers.values().any(|c| c.stream == stream && c.needs_ack(seq, subject))
    }

    /// Removes the messages of an interest stream that no consumer wants (after a consumer went).
    fn drop_unwanted(&mut self, engine: &mut Engine, stream: &str) {
        let Some(s) = engine.stream_named(stream) else { return };
        if s.config.retention != Retention::Interest {
            return;
        }
        let unwanted: Vec<u64> =
            s.messages().filter(|m| !self.wanted(stream, m.seq, &m.subject)).map(|m| m.seq).collect();
        for seq in unwanted {
            engine.remove_retained(stream, seq, RemovalReason::NoInterest);
        }
    }

    fn random_name(&mut self) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..8)
            .map(|_| {
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                ALPHABET[(self.rng % ALPHABET.len() as u64) as usize] as char
            })
            .collect()
    }

    /// How many consumers the server holds (for account info).
    pub fn consumer_count(&self) -> usize {
        self.consumers.len()
    }

    fn stream_consumers(&self, stream: &str) -> u64 {
        self.of_stream(stream).count() as u64
    }

    /// The consumers of one stream, by name.
    fn of_stream<'a>(&'a self, stream: &str) -> impl Iterator<Item = &'a Consumer> + 'a {
        let from = (stream.to_string(), String::new());
        let stream = stream.to_string();
        self.consumers.from(&from).take_while(move |((s, _), _)| *s == stream).map(|(_, c)| c)
    }

    /// The watchers of a stream (push consumers without acknowledgements that keep a log), in the order they
    /// were made, with the sequences each delivered between `from` and `to`, for the timeline.
    pub fn watchers(&self, stream: &str, from: u64, to: u64) -> Vec<WatcherInfo> {
        let prefix = format!("$KV.{}.", stream.strip_prefix("KV_").unwrap_or(stream));
        let mut list: Vec<WatcherInfo> = self
            .of_stream(stream)
            .filter_map(|c| {
                let log = c.log.as_ref()?;
                // Delivered sequences only grow, so the range is found by binary search.
                let start = log.partition_point(|d| *d < from);
                let end = log.partition_point(|d| *d <= to);
                Some(WatcherInfo {
                    id: WatchId(c.number),
                    patterns: c.filters.iter().map(|p| p.trim_start_matches(&prefix).to_string()).collect(),
                    delivered: log.range(start..end.max(start)).copied().collect(),
                })
            })
            .collect();
        list.sort_by_key(|w| w.id.0);
        list
    }

    /// A consumer a client in process makes (`local::InProcess`): the `$JS.API.CONSUMER.CREATE` request, typed,
    /// with its name, what it has pending and its number.
    pub fn create_consumer_typed(
        &mut self,
        engine: &Engine,
        stream: &str,
        config: ConsumerConfigJson,
        number: Option<u64>,
        mono_ms: u64,
    ) -> Result<(String, u64, u64), ApiError> {
        // A new ephemeral consumer: the configuration's own checks, and none of those of a name or an update.
        let mut cfg = config;
        let s = engine.stream_named(stream).ok_or_else(ApiError::stream_not_found)?;
        consumer_checks::set_defaults(&mut cfg, s, false)?;
        // A typed request comes from the playground's own KV client, whose configurations are valid by
        // construction: it gets the server's defaults; the checks that refuse a client's mistakes run on the
        // wire (`create_consumer`), and here in debug builds, so a test catches a client that would be refused.
        debug_assert!(
            consumer_checks::check_config(&cfg, s).is_ok(),
            "an in-process consumer nats-server would refuse"
        );
        ephemeral_default(&mut cfg);
        set_consumer_metadata(&mut cfg);
        let filters = consumer_checks::filters_of(&cfg);
        if s.config.retention == Retention::WorkQueue {
            self.check_work_queue_consumer(&cfg, stream, &filters)?;
        }
        let name = self.random_name();
        let pending = self
            .add_consumer(engine, stream, name.clone(), cfg, filters, mono_ms, &|_| true, |c, s| c.pending_count(s))?;
        let Some(c) = self.consumers.get_mut(&(stream.to_string(), name.clone())) else {
            return Ok((name, pending, 0));
        };
        c.held = Some(Vec::new());
        if let Some(n) = number {
            c.number = n;
            self.made = self.made.max(n);
        }
        Ok((name, pending, c.number))
    }

    /// `$JS.API.CONSUMER.DELETE` as a typed request: what the consumer's waiting requests are told, or `None`
    /// when there is no such consumer.
    pub fn delete_consumer(&mut self, engine: &mut Engine, stream: &str, name: &str) -> Option<Vec<Out>> {
        let mut gone = self.consumers.remove(&(stream.to_string(), name.to_string()))?;
        self.drop_unwanted(engine, stream);
        self.advise(engine.now(), Advisory::Consumer { stream, consumer: name, action: "delete" });
        Some(gone.close_requests())
    }

    /// Lets the consumers of clients in process deliver what is due, kept for their clients: after a write
    /// in process and at each step of the clock (a connection's write pumps them with the rest, `pump`), so
    /// they see every message as a real server's consumers would, however late their client reads.
    pub fn pump_in_process(&mut self, engine: &Engine, mono_ms: u64) {
        let now = engine.now();
        for c in self.consumers.values_mut() {
            let (Some(held), Some(s)) = (c.held.as_mut(), engine.stream_named(&c.stream)) else { continue };
            let mut out = std::mem::take(held);
            c.pump(s, now, mono_ms, &|_| true, &mut out);
            c.held = Some(out);
        }
    }

    /// What a consumer of a client in process delivered since it was last asked, or `None` when it is gone
    /// (its stream was deleted, or a client deleted it).
    pub fn take_in_process(&mut self, engine: &Engine, stream: &str, name: &str, mono_ms: u64) -> Option<Vec<Out>> {
        let c = self.consumers.get_mut(&(stream.to_string(), name.to_string()))?;
        let s = engine.stream_named(stream)?;
        let mut out = c.held.replace(Vec::new()).unwrap_or_default();
        c.pump(s, engine.now(), mono_ms, &|_| true, &mut out);
        Some(out)
    }

    /// The stream whose subjects capture a published subject.
    pub fn capture(&self, engine: &Engine, subject: &str) -> Option<String> {
        engine.stream_for_subject(subject).map(str::to_string)
    }

    fn stream_info(&self, engine: &Engine, s: &Stream, kind_name: Option<&str>, paged: bool) -> StreamInfoJson {
        StreamInfoJson {
            kind: kind_name.map(kind),
            total: paged.then_some(0),
            offset: paged.then_some(0),
            limit: paged.then_some(0),
            config: StreamConfigJson::from_engine(&s.config, kind_name.is_some()),
            created: stream_created(s),
            state: StreamStateJson::of(s, self.stream_consumers(&s.config.name)),
            cluster: (kind_name == Some("stream_info_response"))
                .then(|| ClusterJson { name: None, leader: self.server_name.clone() }),
            mirror: s.config.mirror.as_ref().map(|m| source_info(engine, s, m, false)),
            sources: s.config.sources.iter().map(|src| source_info(engine, s, src, true)).collect(),
            ts: rfc3339_nanos(engine.now()),
            did_create: false,
        }
    }

    /// A stream info response with what the request asked for: the deleted sequences, and the message count of
    /// each subject matching a filter (a page of at most `MAX_SUBJECT_DETAILS`, from `offset`, in subject order).
    fn stream_info_with(&self, engine: &Engine, s: &Stream, req: &StreamInfoRequest) -> StreamInfoJson {
        let mut info = self.stream_info(engine, s, Some("stream_info_response"), true);
        if req.deleted_details {
            info.state.deleted = Some(s.deleted()).filter(|d| !d.is_empty());
        }
        if req.subjects_filter.is_empty() {
            return info;
        }
        let totals = s.subject_totals(&req.subjects_filter);
        if totals.is_empty() {
            return info;
        }
        let offset = req.offset.max(0) as u64;
        info.total = Some(totals.len() as u64);
        info.offset = Some(offset);
        info.limit = Some(MAX_SUBJECT_DETAILS as u64);
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let page: BTreeMap<String, u64> = totals.into_iter().skip(skip).take(MAX_SUBJECT_DETAILS).collect();
        info.state.subjects = Some(page).filter(|p| !p.is_empty());
        info
    }

    /// `$JS.API.STREAM.CREATE` as a typed request: the server's checks in its order, then the stream (or the same
    /// one again). Copies a new mirror or source owes are made by `catch_up`, after the answer.
    pub fn create_stream(&mut self, engine: &mut Engine, name: &str, cfg: &StreamConfigJson) -> Result<(), ApiError> {
        cfg.check_known_fields()?;
        stream_checks::check_enums(cfg)?;
        stream_checks::check_create_request(cfg, name)?;
        let durable = self.features.map(|f| f.source_consumer);
        stream_checks::check_config_among(cfg, &|n| engine.stream_named(n).map(|s| s.config.clone()), durable)?;
        stream_checks::check_single_server(cfg)?;
        let mut sc = cfg.engine_config();
        inherit_mirror_direct(engine, &mut sc);
        match engine.stream_named(name).map(|s| &s.config) {
            Some(old) if *old != sc => Err(ApiError::stream_name_in_use()),
            Some(_) => Ok(()),
            None => {
                stream_checks::check_resources(&sc, engine.reserved_by_others(sc.storage, name))?;
                engine.check_reservation(&sc)?;
                if engine.overlapping_stream(&sc.subjects, name).is_some() {
                    return Err(ApiError::new(400, 10065, "subjects overlap with an existing stream"));
                }
                cfg.check_supported()?;
                self.stream_changed(engine.now(), name, "create", None, Some(&sc));
                engine.insert_stream(sc);
                Ok(())
            }
        }
    }

    /// `$JS.API.STREAM.UPDATE` as a typed request: the configuration's checks, then what an update may not change.
    pub fn update_stream(&mut self, engine: &mut Engine, name: &str, cfg: &StreamConfigJson) -> Result<(), ApiError> {
        cfg.check_known_fields()?;
        stream_checks::check_enums(cfg)?;
        let durable = self.features.map(|f| f.source_consumer);
        stream_checks::check_config_among(cfg, &|n| engine.stream_named(n).map(|s| s.config.clone()), durable)?;
        if cfg.name != name {
            return Err(ApiError::new(400, 10056, "stream name in subject does not match request"));
        }
        let old = engine.stream_named(name).map(|s| s.config.clone()).ok_or_else(ApiError::stream_not_found)?;
        stream_checks::check_single_server(cfg)?;
        let mut sc = cfg.engine_config();
        inherit_mirror_direct(engine, &mut sc);
        stream_checks::check_update(&old, &sc, cfg)?;
        let over = consumers_over_limits(&old, &sc, self.consumers.values().filter(|c| c.stream == name));
        if !over.is_empty() {
            return Err(ApiError::new(500, 10069, format!("change to limits violates consumers: {}", over.join(", "))));
        }
        stream_checks::seal(&mut sc);
        if engine.overlapping_stream(&sc.subjects, name).is_some() {
            return Err(ApiError::new(400, 10065, "subjects overlap with an existing stream"));
        }
        cfg.check_supported()?;
        self.stream_changed(engine.now(), name, "modify", Some(&old), Some(&sc));
        engine.update_stream(sc);
        Ok(())
    }

    /// `$JS.API.STREAM.DELETE` as a typed request: the stream, its consumers (whose waiting pull requests are
    /// told, in what it returns) and its de-duplication window.
    pub fn delete_stream(&mut self, engine: &mut Engine, name: &str) -> Result<Vec<Out>, ApiError> {
        let Some(old) = engine.stream_named(name) else { return Err(ApiError::stream_not_found()) };
        self.stream_changed(engine.now(), name, "delete", Some(&old.config), None);
        engine.remove_stream(name);
        let mut closed = Vec::new();
        self.consumers.retain(|(s, _), c| {
            if s == name {
                closed.extend(c.close_requests());
            }
            s != name
        });
        self.msg_ids.remove(name);
        Ok(closed)
    }

    /// `$JS.API.STREAM.NAMES` as a typed request: every stream, or those whose subjects meet `subject`.
    pub fn stream_names(&self, engine: &Engine, subject: Option<&str>) -> Vec<String> {
        let meets = |n: &String| {
            subject.is_none_or(|f| {
                engine.stream_named(n).is_some_and(|s| s.config.subjects.iter().any(|t| subjects_overlap(t, f)))
            })
        };
        engine.stream_names().into_iter().filter(meets).collect()
    }

    /// `$JS.API.STREAM.PURGE` as a typed request (the request's `filter`, `keep` and `seq`): how many went.
    pub fn purge_stream(&mut self, engine: &mut Engine, name: &str, req: &PurgeRequest) -> Result<u64, ApiError> {
        if req.seq.unwrap_or(0) > 0 && req.keep.unwrap_or(0) > 0 {
            return Err(ApiError::new(400, 10003, "bad request"));
        }
        let s = engine.stream_named(name).ok_or_else(ApiError::stream_not_found)?;
        if s.config.sealed {
            return Err(ApiError::stream_sealed());
        }
        if s.config.deny_purge {
            return Err(ApiError::new(500, 10110, "stream purge not permitted"));
        }
        // Zero values are unset, as nats-server reads them (`{"seq":0}` purges everything).
        let filter = req.filter.as_deref().filter(|f| !f.is_empty());
        Ok(engine.purge_stream(name, filter, req.keep.filter(|k| *k > 0), req.seq.filter(|q| *q > 0)).unwrap_or(0))
    }

    /// `$JS.API.INFO` as a typed request: the account's usage, with the consumers this server holds.
    /// Publishes an advisory where clients on the wire may hear it (`features.rs` words it; a server without
    /// such clients has no one to tell).
    fn advise(&mut self, now: Nanos, a: Advisory) {
        if let Some(f) = self.features {
            (f.advisory)(self, now, a);
        }
    }

    /// What clients on the wire hear of a stream created, changed or deleted (`features.rs`): its advisory, its
    /// batches ended when it no longer takes them, the durable feeds read again when its sources change.
    fn stream_changed(
        &mut self,
        now: Nanos,
        name: &str,
        action: &'static str,
        old: Option<&StreamConfig>,
        new: Option<&StreamConfig>,
    ) {
        if let Some(f) = self.features {
            (f.stream_changed)(self, now, name, action, old, new);
        }
    }

    /// A message a durable source stored, acknowledged for the consumer that fed it.
    pub(super) fn ack_fed(&mut self, target: &AckTarget, now: Nanos) {
        if let Some(c) = self.consumers.get_mut(&(target.stream.clone(), target.consumer.clone())) {
            c.acknowledge(target, &AckKind::Ack, now, self.last_mono);
        }
    }

    /// The advisories published since the last call, for the server to route.
    pub fn take_advisories(&mut self) -> Vec<Out> {
        match self.features {
            Some(f) => (f.take_advisories)(self),
            None => Vec::new(),
        }
    }

    /// A unique id for an event (nats-server's are NUIDs: 22 letters and digits).
    pub(super) fn event_id(&mut self) -> String {
        let mut id = String::new();
        while id.len() < 22 {
            id.push_str(&self.random_name());
        }
        id.truncate(22);
        id
    }

    pub fn account_info(&self, engine: &Engine) -> AccountInfo {
        AccountInfo { consumers: self.consumers.len() as u64, ..engine.account_info() }
    }

    /// Counts a request to the API that a client in process made (account info reports the total and errors).
    pub fn count_request(&mut self, failed: bool) {
        self.api_total += 1;
        self.api_errors += u64::from(failed);
    }

    /// Whether a stream lets `$JS.API.STREAM.MSG.DELETE` (with and without erasing: the playground keeps no bytes to
    /// overwrite) remove its messages.
    fn may_delete_msg(&self, engine: &Engine, name: &str) -> Result<(), ApiError> {
        let s = engine.stream_named(name).ok_or_else(ApiError::stream_not_found)?;
        if s.config.sealed {
            return Err(ApiError::stream_sealed());
        }
        if s.config.deny_delete {
            return Err(ApiError::new(500, 10057, "message delete not permitted"));
        }
        Ok(())
    }

    /// An error response (`error_response`), counted among the API's errors.
    fn error(&mut self, reply: &str, resp: &str, e: &ApiError, paged: bool) -> Vec<Out> {
        self.api_errors += 1;
        vec![error_response(reply, resp, e, paged)]
    }

    /// Answers a `$JS.API.` request. `None` when nothing answers that subject on a real server either (an unknown
    /// API, or a direct get on a stream that does not allow it): the client then meets "no responders" or a
    /// timeout, as there.
    #[allow(clippy::too_many_arguments)]
    pub fn handle_api(
        &mut self,
        engine: &mut Engine,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
        mono_ms: u64,
        interest: &dyn Fn(&str) -> bool,
    ) -> Option<Vec<Out>> {
        let api = subject.strip_prefix("$JS.API.")?;
        let tokens: Vec<&str> = api.split('.').collect();
        // Every request may require an API level; asking for more than this server's is refused before the
        // request is read (by the stream or consumer that answers it, with a status).
        let level_too_low = requires_higher_level(headers);
        // Direct gets are answered by the stream itself, not counted as API calls.
        if tokens.first() == Some(&"DIRECT") {
            return self.direct_get(engine, &tokens, api, reply?, payload, level_too_low);
        }
        let reply = reply?;
        // A pull request is answered by the consumer itself: no consumer, no responder.
        if let ["CONSUMER", "MSG", "NEXT", stream, name] = tokens.as_slice() {
            return self.pull_request(stream, name, reply, payload, mono_ms, level_too_low);
        }
        if let ["CONSUMER", "RESET", stream, name] = tokens.as_slice() {
            return self.consumer_reset(engine, stream, name, reply, payload, level_too_low);
        }
        self.api_total += 1;
        if level_too_low {
            if let Some((resp, paged, _)) = response_kind(&tokens) {
                let e = ApiError::new(412, 10185, "JetStream minimum api level required");
                return Some(self.error(reply, resp, &e, paged));
            }
        }
        let body = |p: &[u8]| -> Result<serde_json::Value, ApiError> {
            if p.iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(serde_json::Value::Object(Default::default()));
            }
            let go_type = response_kind(&tokens).map_or("", |k| k.2);
            gojson::decode(p, go_type)
                .map(without_nulls)
                .map_err(|words| ApiError::new(400, 10025, format!("invalid JSON: {words}")))
        };
        macro_rules! parse {
            ($t:ty, $resp:expr, $paged:expr) => {
                match body(payload).and_then(|v| serde_json::from_value::<$t>(v).map_err(|e| invalid_json(&e))) {
                    Ok(v) => v,
                    Err(e) => return Some(self.error(reply, $resp, &e, $paged)),
                }
            };
        }
        let out = match tokens.as_slice() {
            ["INFO"] => {
                let a = self.account_info(engine);
                let info = AccountInfoJson {
                    kind: kind("account_info_response"),
                    memory: a.memory,
                    storage: a.storage,
                    reserved_memory: a.reserved_memory,
                    reserved_storage: a.reserved_storage,
                    streams: a.streams,
                    consumers: a.consumers,
                    limits: AccountLimitsJson {
                        max_memory: -1,
                        max_storage: -1,
                        max_streams: -1,
                        max_consumers: -1,
                        max_ack_pending: -1,
                        memory_max_stream_bytes: -1,
                        storage_max_stream_bytes: -1,
                        max_bytes_required: false,
                    },
                    api: ApiStatsJson { level: 5, total: self.api_total - 1, errors: self.api_errors },
                };
                vec![Out::json(reply, &info)]
            }
            ["STREAM", "CREATE", name] | ["STREAM", "UPDATE", name] => {
                let create = tokens[1] == "CREATE";
                let resp = if create { "stream_create_response" } else { "stream_update_response" };
                let cfg: StreamConfigJson = parse!(StreamConfigJson, resp, false);
                let result = if create {
                    self.create_stream(engine, name, &cfg)
                } else {
                    self.update_stream(engine, name, &cfg)
                };
                if let Err(e) = result {
                    return Some(self.error(reply, resp, &e, false));
                }
                let s = engine.stream_named(name)?;
                let mut info = self.stream_info(engine, s, Some(resp), false);
                // Measured on nats-server 2.15: it says it created the stream when an identical one existed too.
                info.did_create = create;
                // A new mirror or source copies what it owes after the answer is written, as there.
                engine.catch_up(name);
                vec![Out::json(reply, &info)]
            }
            ["STREAM", "INFO", name] => {
                let resp = "stream_info_response";
                // Only a JSON object or array is read as options, as the server does; anything else is ignored.
                let req = if is_json_object_or_array(payload) {
                    parse!(StreamInfoRequest, resp, true)
                } else {
                    StreamInfoRequest::default()
                };
                match engine.stream_named(name) {
                    Some(s) => vec![Out::json(reply, &self.stream_info_with(engine, s, &req))],
                    None => return Some(self.error(reply, resp, &ApiError::stream_not_found(), true)),
                }
            }
            ["STREAM", "MSG", "DELETE", name] => {
                let resp = "stream_msg_delete_response";
                if is_empty_request(payload) {
                    return Some(self.error(reply, resp, &ApiError::new(400, 10003, "bad request"), false));
                }
                let req: MsgDeleteRequest = parse!(MsgDeleteRequest, resp, false);
                if let Err(e) = self.may_delete_msg(engine, name) {
                    return Some(self.error(reply, resp, &e, false));
                }
                // The delete's own failure (no such message) is an answer nats-server does not count as an error.
                match engine.delete_stream_msg(name, req.seq) {
                    Ok(()) => vec![Out::json(reply, &Success { kind: kind(resp), success: true })],
                    Err(e) => vec![error_response(reply, resp, &e, false)],
                }
            }
            ["STREAM", "DELETE", name] => {
                if !is_empty_request(payload) {
                    let e = ApiError::new(400, 10038, "expected an empty request payload");
                    return Some(self.error(reply, "stream_delete_response", &e, false));
                }
                let closed = match self.delete_stream(engine, name) {
                    Ok(closed) => closed,
                    Err(e) => return Some(self.error(reply, "stream_delete_response", &e, false)),
                };
                #[derive(Serialize)]
                struct Del {
                    #[serde(rename = "type")]
                    kind: String,
                    success: bool,
                }
                let mut v = vec![Out::json(reply, &Del { kind: kind("stream_delete_response"), success: true })];
                v.extend(closed);
                v
            }
            ["STREAM", "NAMES"] | ["STREAM", "LIST"] => {
                let list = tokens[1] == "LIST";
                let resp = if list { "stream_list_response" } else { "stream_names_response" };
                let req: ListRequest = parse!(ListRequest, resp, false);
                let names = self.stream_names(engine, req.subject.as_deref());
                let offset = req.offset.unwrap_or(0) as usize;
                let limit = if list { 256 } else { 1024 };
                let page: Vec<String> = names.iter().skip(offset).take(limit).cloned().collect();
                if list {
                    #[derive(Serialize)]
                    struct List {
                        #[serde(rename = "type")]
                        kind: String,
                        total: usize,
                        offset: usize,
                        limit: usize,
                        streams: Vec<StreamInfoJson>,
                    }
                    let streams = page
                        .iter()
                        .filter_map(|n| engine.stream_named(n))
                        .map(|s| self.stream_info(engine, s, None, false))
                        .collect();
                    vec![Out::json(reply, &List { kind: kind(resp), total: names.len(), offset, limit, streams })]
                } else {
                    let streams = (!page.is_empty()).then_some(page);
                    let names = StreamNamesJson { kind: kind(resp), total: names.len(), offset, limit, streams };
                    vec![Out::json(reply, &names)]
                }
            }
            ["STREAM", "PURGE", name] => {
                let resp = "stream_purge_response";
                // Only a JSON object or array is read as options, as the server does; anything else is ignored.
                let req = if is_json_object_or_array(payload) {
                    parse!(PurgeRequest, resp, false)
                } else {
                    PurgeRequest::default()
                };
                let purged = match self.purge_stream(engine, name, &req) {
                    Ok(n) => n,
                    Err(e) => return Some(self.error(reply, resp, &e, false)),
                };
                #[derive(Serialize)]
                struct Purge {
                    #[serde(rename = "type")]
                    kind: String,
                    success: bool,
                    purged: u64,
                }
                vec![Out::json(reply, &Purge { kind: kind(resp), success: true, purged })]
            }
            ["STREAM", "MSG", "GET", name] => {
                let resp = "stream_msg_get_response";
                if is_empty_request(payload) {
                    return Some(self.error(reply, resp, &ApiError::new(400, 10003, "bad request"), false));
                }
                let req: MsgGetRequest = parse!(MsgGetRequest, resp, false);
                if let Err(e) = check_msg_get(payload, &req) {
                    return Some(self.error(reply, resp, &e, false));
                }
                let Some(s) = engine.stream_named(name) else {
                    return Some(self.error(reply, resp, &ApiError::stream_not_found(), false));
                };
                match find_msg(s, &req) {
                    Ok(m) => {
                        let message = StoredMsgJson {
                            subject: m.subject.clone(),
                            seq: m.seq,
                            hdrs: encode_headers(&m.headers).map(|h| b64(&h)),
                            data: (!m.data.is_empty()).then(|| b64(&m.data)),
                            time: rfc3339_nanos(m.time),
                        };
                        vec![Out::json(reply, &MsgGetJson { kind: kind(resp), message })]
                    }
                    Err(e) => return Some(self.error(reply, resp, &e, false)),
                }
            }
            ["CONSUMER", "CREATE", stream, rest @ ..] | ["CONSUMER", "DURABLE", "CREATE", stream, rest @ ..] => {
                let resp = "consumer_create_response";
                let unknown = body(payload).ok().as_ref().and_then(consumer_checks::unknown_field);
                let req: ConsumerCreateRequest = parse!(ConsumerCreateRequest, resp, false);
                let durable = tokens[1] == "DURABLE";
                let (name, filter) = match rest {
                    [] => (None, None),
                    [n] => (Some(n.to_string()), None),
                    [n, f @ ..] => (Some(n.to_string()), Some(f.join("."))),
                };
                let req = (req, unknown);
                match self.create_consumer(engine, stream, name, filter, durable, req, mono_ms, interest) {
                    Ok(info) => vec![Out::json(reply, &info)],
                    Err(e) => return Some(self.error(reply, resp, &e, false)),
                }
            }
            ["CONSUMER", "INFO", stream, name] => {
                let resp = "consumer_info_response";
                let (Some(c), Some(s)) =
                    (self.consumers.get(&(stream.to_string(), name.to_string())), engine.stream_named(stream))
                else {
                    let e = if engine.stream_named(stream).is_none() {
                        ApiError::stream_not_found()
                    } else {
                        ApiError::new(404, 10014, "consumer not found")
                    };
                    return Some(self.error(reply, resp, &e, false));
                };
                vec![Out::json(reply, &c.info(s, engine.now(), Some(kind(resp))))]
            }
            ["CONSUMER", "DELETE", stream, name] => {
                let resp = "consumer_delete_response";
                if engine.stream_named(stream).is_none() {
                    return Some(self.error(reply, resp, &ApiError::stream_not_found(), false));
                }
                let Some(closed) = self.delete_consumer(engine, stream, name) else {
                    return Some(self.error(reply, resp, &ApiError::new(404, 10014, "consumer not found"), false));
                };
                #[derive(Serialize)]
                struct Del {
                    #[serde(rename = "type")]
                    kind: String,
                    success: bool,
                }
                let mut v = vec![Out::json(reply, &Del { kind: kind(resp), success: true })];
                v.extend(closed);
                v
            }
            ["CONSUMER", "NAMES", stream] | ["CONSUMER", "LIST", stream] => {
                let list = tokens[1] == "LIST";
                let resp = if list { "consumer_list_response" } else { "consumer_names_response" };
                // Only a JSON object or array is read (for its offset), before the stream is looked up.
                let offset = if is_json_object_or_array(payload) {
                    parse!(ConsumersRequest, resp, true).offset.unwrap_or(0).max(0) as usize
                } else {
                    0
                };
                let Some(s) = engine.stream_named(stream) else {
                    return Some(self.error(reply, resp, &ApiError::stream_not_found(), true));
                };
                let mut mine: Vec<&Consumer> = self.consumers.values().filter(|c| c.stream == *stream).collect();
                mine.sort_by(|a, b| a.name.cmp(&b.name));
                let total = mine.len();
                let offset = offset.min(total);
                let limit = if list { 256 } else { 1024 };
                let page = mine.iter().skip(offset).take(limit);
                #[derive(Serialize)]
                struct Page<T> {
                    #[serde(rename = "type")]
                    kind: String,
                    total: usize,
                    offset: usize,
                    limit: usize,
                    consumers: Vec<T>,
                }
                if list {
                    // A list shows each configuration as stored: without the server's level and version.
                    let consumers = page
                        .map(|c| {
                            let mut info = c.info(s, engine.now(), None);
                            info.config.metadata.retain(|k, _| k != "_nats.level" && k != "_nats.ver");
                            info
                        })
                        .collect();
                    vec![Out::json(reply, &Page { kind: kind(resp), total, offset, limit, consumers })]
                } else {
                    let consumers: Vec<String> = page.map(|c| c.name.clone()).collect();
                    vec![Out::json(reply, &Page { kind: kind(resp), total, offset, limit, consumers })]
                }
            }
            ["CONSUMER", "PAUSE", stream, name] => match self.pause_consumer(engine, stream, name, payload, mono_ms) {
                Ok(r) => vec![Out::json(reply, &r)],
                Err(e) => return Some(self.error(reply, "consumer_pause_response", &e, false)),
            },
            ["CONSUMER", "UNPIN", stream, name] => {
                let resp = "consumer_unpin_response";
                // Read as Go's plain decoder reads it: fields it does not know are ignored.
                let req = match serde_json::from_slice::<ConsumerUnpinRequest>(payload) {
                    Ok(r) => r,
                    Err(e) => {
                        let words = format!("invalid JSON: {}", go_unmarshal_words(payload, &e));
                        return Some(self.error(reply, resp, &ApiError::new(400, 10025, words), false));
                    }
                };
                let e = if req.group.is_empty() {
                    Some(ApiError::new(400, 10025, "invalid JSON: consumer group not specified"))
                } else if !consumer_checks::valid_group_name(&req.group) {
                    Some(ApiError::new(
                        400,
                        10162,
                        "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters",
                    ))
                } else if engine.stream_named(stream).is_none() {
                    Some(ApiError::stream_not_found())
                } else {
                    match self.consumers.get_mut(&(stream.to_string(), name.to_string())) {
                        None => Some(ApiError::new(404, 10014, "consumer not found")),
                        Some(c) => (!c.unpin(&req.group)).then(|| {
                            ApiError::new(400, 10160, "Provided priority group does not exist for this consumer")
                        }),
                    }
                };
                match e {
                    Some(e) => return Some(self.error(reply, resp, &e, false)),
                    None => {
                        #[derive(Serialize)]
                        struct Unpinned {
                            #[serde(rename = "type")]
                            kind: String,
                        }
                        vec![Out::json(reply, &Unpinned { kind: kind(resp) })]
                    }
                }
            }
            // Each consumer listens on its own reset subject: nothing answers for one that does not exist.
            // The rest of an account's API a real server has (snapshots, restores, a cluster's moves and
            // elections): answered, plainly, with what the playground lacks. The system account's (META, SERVER,
            // ACCOUNT) is not an account's to call: unanswered, as below.
            ["STREAM", op @ ("SNAPSHOT" | "RESTORE" | "CANCEL_MOVE"), _]
            | ["STREAM", op @ ("PEER" | "LEADER"), _, _]
            | ["CONSUMER", op @ "LEADER", _, _, _] => {
                let e = not_supported(&format!("{} {}", tokens[0].to_lowercase(), op.to_lowercase()));
                return Some(self.error(reply, "error_response", &e, false));
            }
            // nats-server listens on the whole API and leaves what it does not know unanswered: the requester
            // waits for its timeout rather than meeting "no responders".
            _ => {
                self.api_total -= 1;
                return Some(Vec::new());
            }
        };
        Some(out)
    }

    /// `$JS.API.CONSUMER.RESET.<stream>.<consumer>`: answered by the consumer itself (nothing answers for a missing
    /// one), and, as on nats-server, counted neither as an API request nor as an error.
    fn consumer_reset(
        &mut self,
        engine: &Engine,
        stream: &str,
        name: &str,
        reply: &str,
        payload: &[u8],
        level_too_low: bool,
    ) -> Option<Vec<Out>> {
        let key = (stream.to_string(), name.to_string());
        let (Some(s), true) = (engine.stream_named(stream), self.consumers.contains_key(&key)) else {
            return Some(Vec::new());
        };
        let resp = "consumer_reset_response";
        let refuse = |e: ApiError| Some(vec![error_response(reply, resp, &e, false)]);
        if level_too_low {
            return refuse(ApiError::new(412, 10185, "JetStream minimum api level required"));
        }
        let req = if payload.is_empty() {
            ConsumerResetRequest::default()
        } else {
            // Go's plain decoder: its words, without the strict decoder's offset.
            let words = |e: &serde_json::Error| go_unmarshal_words(payload, e);
            match serde_json::from_slice::<serde_json::Value>(payload).map(|v| reset_request(&v)) {
                Ok(Ok(r)) => r,
                Ok(Err(text)) => return refuse(ApiError::new(400, 10025, format!("invalid JSON: {text}"))),
                Err(e) => return refuse(ApiError::new(400, 10025, format!("invalid JSON: {}", words(&e)))),
            }
        };
        let now = engine.now();
        let c = self.consumers.get_mut(&key)?;
        match c.reset(req.seq, s) {
            Ok(seq) => {
                // The consumer's info, then where it starts again, as nats-server writes them.
                let info = c.info(s, now, Some(kind(resp)));
                let mut out = Out::json(reply, &info);
                out.payload.pop();
                out.payload.extend_from_slice(format!(",\"reset_seq\":{seq}}}").as_bytes());
                Some(vec![out])
            }
            Err(why) => refuse(ApiError::new(400, 10204, format!("invalid reset: {why}"))),
        }
    }

    /// `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`: the request waits on the consumer (the server's pump
    /// answers it), or is answered at once with a status.
    fn pull_request(
        &mut self,
        stream: &str,
        name: &str,
        reply: &str,
        payload: &[u8],
        mono_ms: u64,
        level_too_low: bool,
    ) -> Option<Vec<Out>> {
        let c = self.consumers.get_mut(&(stream.to_string(), name.to_string()))?;
        // The consumer answers before reading the request: a push consumer takes none, and a request may
        // require a higher API level.
        if let Some(refused) = c.refuse_unread(reply, mono_ms, level_too_low) {
            return Some(vec![refused]);
        }
        let text = std::str::from_utf8(payload).unwrap_or("").trim();
        // nats-server reads a JSON object, or else a number, or else asks for one message; only a JSON
        // request names a priority group.
        let (req, json) = if text.starts_with('{') {
            match serde_json::from_str::<PullRequestJson>(text) {
                Ok(r) => (r, true),
                Err(e) => {
                    let words = format!("Bad Request - {}", go_unmarshal_words(text.as_bytes(), &e));
                    return Some(vec![Out::status(reply, 400, &words)]);
                }
            }
        } else {
            (PullRequestJson { batch: text.parse::<i64>().unwrap_or(1), ..Default::default() }, false)
        };
        Some(match c.add_request(req, json, reply, mono_ms) {
            Ok(()) => Vec::new(),
            Err(o) => vec![o],
        })
    }

    /// `$JS.API.CONSUMER.CREATE` (and its legacy forms): nats-server's checks in its order (`consumer_checks`),
    /// then the new consumer, or the update an existing one allows.
    #[allow(clippy::too_many_arguments)]
    fn create_consumer(
        &mut self,
        engine: &Engine,
        stream: &str,
        name: Option<String>,
        subject_filter: Option<String>,
        durable: bool,
        (req, unknown): (ConsumerCreateRequest, Option<String>),
        mono_ms: u64,
        interest: &dyn Fn(&str) -> bool,
    ) -> Result<ConsumerInfoJson, ApiError> {
        consumer_checks::check_decoded(&req, unknown.as_deref())?;
        let mut cfg = req.config.clone().unwrap_or_default();
        // The request's subject against its body (nats-server's API handler).
        if req.stream_name != stream {
            return Err(ApiError::new(400, 10056, "stream name in subject does not match request"));
        }
        let legacy_ephemeral = name.is_none();
        let subject_name = name.clone().or_else(|| cfg.name.clone()).unwrap_or_default();
        if subject_name.contains(['\\', '/']) {
            return Err(ApiError::new(400, 10127, "Consumer name can not contain path separators"));
        }
        let named = |c: &ConsumerConfigJson| c.durable_name.clone().filter(|d| !d.is_empty());
        if durable {
            let Some(d) = named(&cfg) else {
                return Err(ApiError::new(
                    400,
                    10018,
                    "consumer expected to be durable but a durable name was not set",
                ));
            };
            if d != subject_name {
                return Err(ApiError::new(
                    400,
                    10017,
                    "consumer name in subject does not match durable name in request",
                ));
            }
            cfg.name = Some(subject_name.clone());
        } else if !legacy_ephemeral {
            if named(&cfg).is_some_and(|d| d != subject_name) {
                return Err(ApiError::new(
                    400,
                    10017,
                    "consumer name in subject does not match durable name in request",
                ));
            }
            cfg.name = Some(subject_name.clone());
        } else if named(&cfg).is_some() {
            return Err(ApiError::new(
                400,
                10020,
                "consumer expected to be ephemeral but a durable name was set in request",
            ));
        }
        if let Some(f) = &subject_filter {
            if cfg.filter_subjects.as_ref().is_some_and(|l| !l.is_empty()) {
                return Err(ApiError::new(
                    400,
                    10137,
                    "consumer with multiple subject filters cannot use subject based API",
                ));
            }
            if cfg.filter_subject.as_deref().unwrap_or("") != f {
                return Err(ApiError::new(
                    400,
                    10131,
                    "Consumer create request did not match filtered subject from create subject",
                ));
            }
        }
        if cfg.num_replicas > 1 {
            return Err(ApiError::replicas_not_supported());
        }
        let s = engine.stream_named(stream).ok_or_else(ApiError::stream_not_found)?;
        let key_name = cfg.name.clone().filter(|n| !n.is_empty()).or_else(|| named(&cfg));
        let existing = key_name.as_ref().and_then(|n| self.consumers.get(&(stream.to_string(), n.clone())));
        // An update keeps the pause; only `CONSUMER.PAUSE` changes it.
        if let Some(old) = existing {
            cfg.pause_until = old.config.pause_until.clone();
        }
        consumer_checks::set_defaults(&mut cfg, s, req.pedantic)?;
        consumer_checks::check_config(&cfg, s)?;
        cfg.pause_until = cfg.pause_until.as_deref().map(consumer_checks::utc_time);
        set_consumer_metadata(&mut cfg);
        // A create must ask for what the consumer has, as nats-server compares before it gives a consumer
        // without a durable name its inactive threshold (so such a consumer cannot be created twice).
        let asked = cfg.clone();
        ephemeral_default(&mut cfg);
        if cfg.durable_name.as_deref() == Some("") {
            cfg.durable_name = None;
        }
        if cfg.name.as_deref() == Some("") {
            cfg.name = None;
        }
        let filters = consumer_checks::filters_of(&cfg);
        let action = req.action.as_deref().unwrap_or("");
        if let Some(old) = existing {
            if action == "create" && old.config != asked {
                return Err(ApiError::new(400, 10148, "consumer already exists"));
            }
            let name = old.name.clone();
            if s.config.retention == Retention::WorkQueue && !self.partition_unique(stream, &name, &filters) {
                return Err(ApiError::new(400, 10100, "filtered consumer not unique on workqueue stream"));
            }
            let old_interest = old.config.deliver_subject.as_deref().is_some_and(interest);
            consumer_checks::check_update(&old.config, &cfg, old_interest)?;
            let key = (stream.to_string(), name);
            let (now, info_kind) = (engine.now(), Some(kind("consumer_create_response")));
            let c = self.consumers.get_mut(&key).expect("the consumer looked up above");
            if c.config != cfg {
                c.update(cfg, filters, now, mono_ms);
            }
            c.rules = Some(&super::consumer::RULES);
            return Ok(c.info(s, now, info_kind));
        }
        if action == "update" {
            return Err(ApiError::new(400, 10149, "consumer does not exist"));
        }
        if s.config.max_consumers > 0 && self.stream_consumers(stream) >= s.config.max_consumers as u64 {
            return Err(ApiError::new(400, 10026, "maximum consumers limit reached"));
        }
        if s.config.retention == Retention::WorkQueue {
            self.check_work_queue_consumer(&cfg, stream, &filters)?;
        }
        let name = key_name.unwrap_or_else(|| self.random_name());
        if cfg.durable_name.is_some() || cfg.name.is_some() {
            cfg.name = Some(name.clone());
        }
        let now = engine.now();
        let key = (stream.to_string(), name.clone());
        self.add_consumer(engine, stream, name, cfg, filters, mono_ms, interest, |_, _| ())?;
        let (c, s) = (self.consumers.get_mut(&key), engine.stream_named(stream));
        let (Some(c), Some(s)) = (c, s) else { return Err(ApiError::stream_not_found()) };
        c.rules = Some(&super::consumer::RULES);
        c.set_pause(now, mono_ms);
        Ok(c.info(s, now, Some(kind("consumer_create_response"))))
    }

    /// `$JS.API.CONSUMER.PAUSE.<stream>.<consumer>`: pauses the consumer until a time, or resumes it (a body
    /// without a time, or that is not a JSON object).
    fn pause_consumer(
        &mut self,
        engine: &Engine,
        stream: &str,
        name: &str,
        payload: &[u8],
        mono_ms: u64,
    ) -> Result<ConsumerPauseJson, ApiError> {
        let text = std::str::from_utf8(payload).unwrap_or("").trim();
        let req = if text.starts_with('{') || text.starts_with('[') {
            let v = serde_json::from_str::<serde_json::Value>(text).map_err(|e| invalid_json(&e))?;
            if let Some(k) = v.as_object().and_then(|o| o.keys().find(|k| *k != "pause_until")) {
                return Err(ApiError::new(400, 10025, format!("invalid JSON: json: unknown field {k:?}")));
            }
            serde_json::from_value::<ConsumerPauseRequest>(v).map_err(|e| invalid_json(&e))?
        } else {
            ConsumerPauseRequest::default()
        };
        if engine.stream_named(stream).is_none() {
            return Err(ApiError::stream_not_found());
        }
        let now = engine.now();
        let Some(c) = self.consumers.get_mut(&(stream.to_string(), name.to_string())) else {
            return Err(ApiError::new(404, 10014, "consumer not found"));
        };
        let until = req.pause_until.as_deref().map(consumer_checks::utc_time).filter(|t| !t.starts_with("0001-01-01T"));
        let mut cfg = c.config.clone();
        cfg.pause_until = until.clone();
        set_consumer_metadata(&mut cfg);
        let filters = c.filters.clone();
        c.update(cfg, filters, now, mono_ms);
        c.rules = Some(&super::consumer::RULES);
        let mut resp = ConsumerPauseJson {
            kind: kind("consumer_pause_response"),
            paused: false,
            pause_until: ZERO_TIME.to_string(),
            pause_remaining: 0,
        };
        if let Some(t) = until {
            let at = consumer_checks::pause_nanos(Some(&t)).unwrap_or(0);
            resp.pause_until = t;
            resp.paused = now < at;
            if resp.paused {
                resp.pause_remaining = at - now;
            }
        }
        let (paused, until) = (resp.paused, resp.pause_until.as_str());
        self.advise(now, Advisory::Pause { stream, consumer: name, paused, until });
        Ok(resp)
    }

    /// Whether a work-queue consumer's filters overlap no other consumer's (nats-server's `partitionUnique`).
    fn partition_unique(&self, stream: &str, name: &str, filters: &[String]) -> bool {
        let mut others = self.consumers.values().filter(|c| c.stream == stream && c.name != name);
        if filters.is_empty() {
            return others.next().is_none();
        }
        !others.any(|c| c.filters.is_empty() || overlaps(&c.filters, filters))
    }

    /// Makes a consumer whose configuration passed nats-server's checks: where it starts, the server's metadata.
    /// `answer` reads the new consumer for the reply (a connection's is the consumer's info; a client in process
    /// needs only how many messages are pending).
    #[allow(clippy::too_many_arguments)]
    fn add_consumer<R>(
        &mut self,
        engine: &Engine,
        stream: &str,
        name: String,
        cfg: ConsumerConfigJson,
        filters: Vec<String>,
        mono_ms: u64,
        interest: &dyn Fn(&str) -> bool,
        answer: impl FnOnce(&Consumer, &Stream) -> R,
    ) -> Result<R, ApiError> {
        let s = engine.stream_named(stream).ok_or_else(ApiError::stream_not_found)?;
        let filters: Vec<String> = filters.into_iter().filter(|f| f != ">").collect();
        let st = s.state();
        let matches = |subject: &str| filters.is_empty() || filters.iter().any(|f| subject_matches(f, subject));
        let mut initial = VecDeque::new();
        let cursor = match cfg.deliver_policy.as_str() {
            "all" => st.first_seq.max(1),
            "new" => st.last_seq + 1,
            "last" => s.messages().rev().find(|m| matches(&m.subject)).map(|m| m.seq).unwrap_or(st.last_seq + 1),
            "by_start_sequence" => cfg.opt_start_seq.unwrap_or(1),
            "by_start_time" => {
                let t = cfg.opt_start_time.as_deref().and_then(time_from_json).unwrap_or(0);
                s.messages().find(|m| m.time >= t).map(|m| m.seq).unwrap_or(st.last_seq + 1)
            }
            _ => {
                initial = s.last_per_subject().into_iter().filter(|m| matches(&m.subject)).map(|m| m.seq).collect();
                st.last_seq + 1
            }
        };
        let mut c = Consumer::new(stream, &name, cfg, filters, Start { initial, cursor }, engine.now(), mono_ms);
        c.bound = c.deliver.as_deref().is_some_and(interest);
        if self.watch_log && c.deliver.is_some() && c.ack == AckPolicy::None {
            c.log = Some(VecDeque::new());
        }
        let answer = answer(&c, s);
        self.made += 1;
        c.number = self.made;
        self.advise(engine.now(), Advisory::Consumer { stream, consumer: &name, action: "create" });
        self.consumers.insert((stream.to_string(), name), c);
        Ok(answer)
    }

    /// nats-server's rules for a new consumer of a work-queue stream, in its order: explicit acks, deliver all,
    /// then at most one consumer without a filter and filters that do not overlap another consumer's.
    fn check_work_queue_consumer(
        &self,
        cfg: &ConsumerConfigJson,
        stream: &str,
        filters: &[String],
    ) -> Result<(), ApiError> {
        if cfg.ack_policy != "explicit" && cfg.ack_policy != "flow_control" {
            return Err(ApiError::new(400, 10098, "workqueue stream requires explicit ack"));
        }
        if cfg.deliver_policy != "all" {
            return Err(ApiError::new(400, 10101, "consumer must be deliver all on workqueue stream"));
        }
        if self.consumers.values().any(|c| c.stream == stream) {
            if filters.is_empty() {
                return Err(ApiError::new(
                    400,
                    10099,
                    "multiple non-filtered consumers not allowed on workqueue stream",
                ));
            }
            if !self.partition_unique(stream, "", filters) {
                return Err(ApiError::new(400, 10100, "filtered consumer not unique on workqueue stream"));
            }
        }
        Ok(())
    }

    /// Publishes into a stream, as a client's PUB on one of its subjects does: the republished copy, if the
    /// stream has a republish directive, then the PubAck to `reply` (none for a stream without acks).
    pub fn publish(
        &mut self,
        engine: &mut Engine,
        stream: &str,
        subject: &str,
        reply: Option<&str>,
        raw_headers: Option<&[u8]>,
        payload: &[u8],
    ) -> Vec<Out> {
        let h = parse_headers(raw_headers);
        // A reply subject ending `.$FI` publishes into a fast batch (whatever its headers say).
        if let (Some(reply), Some(f)) = (reply.filter(|_| fast_batch::is_fast(reply)), self.features) {
            return (f.fast_batch)(self, engine, stream, subject, reply, h, payload);
        }
        if let Some(id) = headers::get(&h, "Nats-Batch-Id").map(str::to_string) {
            return self.batch_publish(engine, stream, subject, reply, h, payload, &id);
        }
        let no_ack = engine.stream_named(stream).is_some_and(|s| s.config.no_ack);
        let (result, mut outs) = self.publish_typed(engine, stream, subject, h, payload);
        let Some(reply) = reply.filter(|_| !no_ack) else { return outs };
        let ack = match result {
            Ok((seq, duplicate)) => {
                // A counter's acknowledgement carries its value (a duplicate's does not).
                let s = engine.stream_named(stream).filter(|s| s.config.allow_msg_counter && !duplicate);
                let val = s.and_then(|s| s.get(seq)).and_then(|m| counter::value_of(&m.data)).map(|v| v.to_string());
                PubAckJson { error: None, stream: stream.to_string(), seq, duplicate, val, batch: None, count: None }
            }
            Err(e) => PubAckJson::refused(stream, &e),
        };
        outs.push(Out {
            deliver: None,
            subject: reply.to_string(),
            reply: None,
            headers: None,
            payload: ack.to_wire(),
        });
        outs
    }

    /// A publish into a stream as a typed request: its acknowledgement (the sequence, and whether it was a
    /// duplicate) or the error, and what it republished for the server to route.
    pub fn publish_typed(
        &mut self,
        engine: &mut Engine,
        stream: &str,
        subject: &str,
        h: Headers,
        payload: &[u8],
    ) -> (Result<(u64, bool), ApiError>, Vec<Out>) {
        let last_on_subject =
            engine.stream_named(stream).and_then(|s| s.last_for_subject(subject)).map_or(0, |m| m.seq);
        let result = self.try_publish(engine, stream, subject, h, payload);
        let mut outs = Vec::new();
        if let Ok((seq, false)) = result {
            if let Some(copy) = republished(engine, stream, seq, last_on_subject) {
                // The copy is an ordinary publish: a stream whose subjects capture it stores it too (without an
                // acknowledgement), as on nats-server. Chains of republishes stop after a few hops.
                let captured = engine.stream_for_subject(&copy.subject).map(str::to_string);
                if let Some(other) = captured.filter(|o| o != stream && self.republish_depth < MAX_REPUBLISH_CHAIN) {
                    self.republish_depth += 1;
                    let h = parse_headers(copy.headers.as_deref());
                    let (_, more) = self.publish_typed(engine, &other, &copy.subject, h, &copy.payload);
                    self.republish_depth -= 1;
                    outs.push(copy);
                    outs.extend(more);
                } else {
                    outs.push(copy);
                }
            }
        }
        (result, outs)
    }

    fn try_publish(
        &mut self,
        engine: &mut Engine,
        stream: &str,
        subject: &str,
        h: Headers,
        payload: &[u8],
    ) -> Result<(u64, bool), ApiError> {
        let s = engine.stream_named(stream).ok_or_else(ApiError::stream_not_found)?;
        let now = engine.now();
        let mut h = h;
        let (body, msg_id) = match self.precheck(s, subject, &h, payload, now)? {
            Checked::Duplicate(seq) => return Ok((seq, true)),
            Checked::Store { body, msg_id, rollup_sub } => {
                if rollup_sub {
                    h.push((headers::ROLLUP.to_string(), "sub".to_string()));
                }
                (body, msg_id)
            }
        };
        let interest = s.config.retention == Retention::Interest;
        let after = self.features.filter(|_| s.config.allow_msg_schedules).map(|f| (f, h.clone()));
        let seq = engine.publish_stream(stream, subject, h, body)?;
        if let Some((f, h)) = after {
            (f.stored)(self, engine, stream, seq, &h);
        }
        // An interest stream keeps nothing no consumer wants: the sequence is used and the message is not kept.
        if interest && !self.wanted(stream, seq, subject) {
            engine.remove_retained(stream, seq, RemovalReason::NoInterest);
        }
        if let Some(id) = msg_id {
            self.msg_ids.entry(stream.to_string()).or_default().push_back((id, seq, now));
        }
        Ok((seq, false))
    }

    /// The server's checks of a publish before the stream stores it (the stream checks the rest): a counter's
    /// increment, the de-duplication window, the expectations the server keeps, rollup permission. What to store
    /// (a counter's sum, or the payload), or the duplicate's sequence.
    pub(super) fn precheck(
        &mut self,
        s: &Stream,
        subject: &str,
        h: &Headers,
        payload: &[u8],
        now: Nanos,
    ) -> Result<Checked, ApiError> {
        let stream = s.config.name.as_str();
        let incr = match self.features {
            Some(f) => (f.increment)(&s.config, h, payload)?,
            None => None,
        };
        let window = s.config.duplicate_window;
        let ids = self.msg_ids.entry(stream.to_string()).or_default();
        while ids.front().is_some_and(|(_, _, t)| now - *t > window) {
            ids.pop_front();
        }
        let msg_id = headers::get(h, "Nats-Msg-Id").map(str::to_string);
        if let Some(id) = &msg_id {
            if let Some((_, seq, _)) = ids.iter().find(|(i, _, _)| i == id) {
                return Ok(Checked::Duplicate(*seq));
            }
        }
        if let Some(exp) = headers::get(h, "Nats-Expected-Stream") {
            if exp != stream {
                return Err(ApiError::new(400, 10060, "expected stream does not match"));
            }
        }
        let st = s.state();
        if let Some(exp) = headers::get(h, "Nats-Expected-Last-Sequence") {
            if exp.trim().parse::<u64>().ok() != Some(st.last_seq) {
                return Err(ApiError::wrong_last_sequence(st.last_seq));
            }
        }
        if let Some(exp) = headers::get(h, "Nats-Expected-Last-Msg-Id") {
            let last = ids.back().map(|(i, _, _)| i.as_str()).unwrap_or("");
            if exp != last {
                return Err(ApiError::new(400, 10070, format!("wrong last msg ID: {last}")));
            }
        }
        if let Some(f) = self.features {
            (f.expected_elsewhere)(s, h)?;
        }
        if headers::get(h, "Nats-Stream-Source").is_some() {
            return Err(ApiError::new(400, 10227, "message stream source header is not allowed"));
        }
        let rollup_sub = match self.features {
            Some(f) => (f.schedule_checks)(s, subject, h, now)?,
            None => false,
        };
        if let Some(r) = headers::get(h, headers::ROLLUP) {
            if !s.config.allow_rollup_hdrs {
                return Err(ApiError::new(500, 10111, "rollup not permitted"));
            }
            match r {
                "sub" | "all" => {}
                other => return Err(ApiError::new(500, 10111, format!("rollup value invalid: {other:?}"))),
            }
        }
        let body = match self.features {
            Some(f) if s.config.allow_msg_counter => (f.counter_body)(s, subject, incr.as_ref())?,
            _ => payload.to_vec(),
        };
        Ok(Checked::Store { body, msg_id, rollup_sub })
    }

    /// A client's answer to a flow-control request (a publish on `$JS.FC.`).
    pub fn flow_control_reply(&mut self, subject: &str) {
        for c in self.consumers.values_mut() {
            c.flow_control_reply(subject);
        }
    }

    /// An acknowledgement (a publish on `$JS.ACK.`): `None` when no consumer has that subject, so the publisher
    /// meets no responders as on nats-server; otherwise the empty reply an acknowledgement with a reply gets.
    pub fn acknowledge(
        &mut self,
        engine: &mut Engine,
        subject: &str,
        reply: Option<&str>,
        payload: &[u8],
        mono_ms: u64,
    ) -> Option<Vec<Out>> {
        let target = AckTarget::parse(subject)?;
        // A consumer without acknowledgements listens for none: nothing answers.
        let c = self
            .consumers
            .get_mut(&(target.stream.clone(), target.consumer.clone()))
            .filter(|c| c.ack != AckPolicy::None)?;
        let mut out = Vec::new();
        if let Some(kind) = AckKind::parse(payload) {
            let was_pending = c.is_pending(target.sseq);
            c.acknowledge(&target, &kind, engine.now(), mono_ms);
            match kind.clone() {
                AckKind::Nak { .. } if was_pending => {
                    self.advise(engine.now(), Advisory::Delivery { target: &target, terminated: None })
                }
                AckKind::Term { reason } if was_pending => {
                    self.advise(engine.now(), Advisory::Delivery { target: &target, terminated: Some(&reason) })
                }
                _ => {}
            }
            let Some(c) = self.consumers.get_mut(&(target.stream.clone(), target.consumer.clone())) else {
                return Some(out);
            };
            if let (AckKind::Next { batch }, Some(r)) = (&kind, reply) {
                let req = PullRequestJson { batch: *batch, ..Default::default() };
                if let Err(o) = c.add_request(req, false, r, mono_ms) {
                    out.push(o);
                }
                return Some(out);
            }
        }
        if let Some(r) = reply {
            out.push(Out { deliver: None, subject: r.to_string(), reply: None, headers: None, payload: Vec::new() });
        }
        self.settle(engine);
        Some(out)
    }

    /// Delivers what every consumer has due, sends idle heartbeats and request statuses, and removes consumers
    /// whose interest or activity has been gone longer than their inactive threshold.
    pub fn pump(&mut self, engine: &Engine, interest: &dyn Fn(&str) -> bool, mono_ms: u64) -> Vec<Out> {
        let mut out = Vec::new();
        let now = engine.now();
        self.last_mono = mono_ms;
        let mut gone = Vec::new();
        // Durable sources are made only by clients on the wire (their state is put back after the loop).
        let mut wire = self.wire.take();
        let mut flow_replies = Vec::new();
        for (key, c) in self.consumers.iter_mut() {
            let Some(s) = engine.stream_named(&c.stream) else {
                gone.push(key.clone());
                continue;
            };
            // A client in process takes its consumer's deliveries when it reads them (`take_in_process`).
            if let Some(held) = c.held.as_mut() {
                let mut kept = std::mem::take(held);
                c.pump(s, now, mono_ms, &|_| true, &mut kept);
                c.held = Some(kept);
                continue;
            }
            // A consumer that feeds a durable source delivers to that stream, which listens on its subject.
            let fed = match (self.features, c.deliver.as_deref()) {
                (Some(f), Some(d)) => (f.fed_on)(&mut wire, engine, &c.stream, &c.name, d),
                _ => None,
            };
            let listens = |s: &str| fed.as_deref() == Some(s) || interest(s);
            let start = out.len();
            if !c.pump(s, now, mono_ms, &listens, &mut out) {
                gone.push(key.clone());
            }
            if let (Some(d), Some(f)) = (fed, self.features) {
                (f.take_fed)(&mut wire, &d, &mut out, start, &mut flow_replies);
            }
        }
        self.wire = wire;
        for fc in flow_replies {
            self.flow_control_reply(&fc);
        }
        let mut exceeded = Vec::new();
        for c in self.consumers.values_mut().filter(|c| !c.exceeded.is_empty()) {
            let (stream, name) = (c.stream.clone(), c.name.clone());
            exceeded.extend(c.exceeded.drain(..).map(|(sseq, n)| (stream.clone(), name.clone(), sseq, n)));
        }
        for (stream, consumer, sseq, deliveries) in exceeded {
            self.advise(now, Advisory::MaxDeliveries { stream: &stream, consumer: &consumer, sseq, deliveries });
        }
        for k in gone {
            if let Some(mut c) = self.consumers.remove(&k) {
                out.extend(c.close_requests());
                self.unwanted.insert(c.stream.clone());
                self.advise(now, Advisory::Consumer { stream: &c.stream, consumer: &c.name, action: "delete" });
            }
        }
        out
    }

    /// When `pump` next has something to do on its own (a heartbeat, an expiry, a redelivery, a removal).
    pub fn next_timeout(&self) -> Option<u64> {
        self.consumers.values().filter_map(Consumer::next_timeout).min()
    }
}

/// A request with its `null` fields removed: Go's decoder leaves a field as it was for `null`, so clients send
/// them freely (async-nats writes `"consumer_limits": null` in every stream configuration).
fn without_nulls(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect(),
        ),
        other => other,
    }
}

/// A consumer without a durable name goes after five seconds without interest unless it says otherwise.
fn ephemeral_default(cfg: &mut ConsumerConfigJson) {
    if cfg.durable_name.as_deref().is_none_or(str::is_empty) && cfg.inactive_threshold.is_none() {
        cfg.inactive_threshold = Some(crate::server::consumer::DEFAULT_INACTIVE_MS as i64 * NANOS_PER_MILLI);
    }
}

/// What `JetStream::precheck` found: a duplicate within the window, or what to store.
pub(super) enum Checked {
    Duplicate(u64),
    /// `rollup_sub`: a schedule message, stored with the `Nats-Rollup: sub` the server adds to it.
    Store {
        body: Vec<u8>,
        msg_id: Option<String>,
        rollup_sub: bool,
    },
}

/// A reset request read as Go's plain decoder reads it (unknown fields ignored), or its words for a `seq`
/// that is not an unsigned number.
fn reset_request(v: &serde_json::Value) -> Result<ConsumerResetRequest, String> {
    let into = "into Go struct field JSApiConsumerResetRequest.seq of type uint64";
    match v.get("seq") {
        None | Some(serde_json::Value::Null) => Ok(ConsumerResetRequest::default()),
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(seq) => Ok(ConsumerResetRequest { seq }),
            None => Err(format!("json: cannot unmarshal number {n} {into}")),
        },
        Some(other) => {
            let what = match other {
                serde_json::Value::Bool(_) => "bool",
                serde_json::Value::String(_) => "string",
                serde_json::Value::Array(_) => "array",
                _ => "object",
            };
            Err(format!("json: cannot unmarshal {what} {into}"))
        }
    }
}

/// The server's metadata keys on a consumer configuration: its API level, version, and the level the
/// configuration requires.
fn set_consumer_metadata(cfg: &mut ConsumerConfigJson) {
    cfg.metadata.insert("_nats.level".into(), API_LEVEL.into());
    let level = consumer_checks::required_level(cfg);
    cfg.metadata.insert("_nats.req.level".into(), level.into());
    cfg.metadata.insert("_nats.ver".into(), SERVER_VERSION.into());
}

/// The consumers a stream update's new consumer limits would leave over them (nats-server checks only when a
/// limit is set and changed).
fn consumers_over_limits<'a>(
    old: &StreamConfig,
    new: &StreamConfig,
    consumers: impl Iterator<Item = &'a Consumer>,
) -> Vec<String> {
    let (o, n) = (old.consumer_limits, new.consumer_limits);
    let changed = (n.inactive_threshold > 0 && n.inactive_threshold != o.inactive_threshold)
        || (n.max_ack_pending > 0 && n.max_ack_pending != o.max_ack_pending);
    if !changed {
        return Vec::new();
    }
    consumers
        .filter(|c| {
            let it = c.config.inactive_threshold.unwrap_or(0);
            let mack = c.config.max_ack_pending.unwrap_or(0);
            (n.inactive_threshold > 0 && it > n.inactive_threshold)
                || (n.max_ack_pending > 0 && mack > n.max_ack_pending)
        })
        .map(|c| c.name.clone())
        .collect()
}

/// The copy of a stored message a stream's republish directive sends on: the message's headers, then the
/// stream's (`Nats-Stream`, `Nats-Subject`, `Nats-Sequence`, `Nats-Time-Stamp`, `Nats-Last-Sequence`: the
/// subject's previous sequence), and with `headers_only` no body but its size in `Nats-Msg-Size`.
fn republished(engine: &Engine, stream: &str, seq: u64, last_on_subject: u64) -> Option<Out> {
    let s = engine.stream_named(stream)?;
    let r = s.config.republish.as_ref()?;
    let m = s.get(seq)?;
    let dest = SubjectTransform::new(&r.src, &r.dest).ok()?.apply(&m.subject)?;
    let mut h = m.headers.clone();
    let mut add = |k: &str, v: String| h.push((k.to_string(), v));
    add("Nats-Stream", stream.to_string());
    add("Nats-Subject", m.subject.clone());
    add("Nats-Sequence", seq.to_string());
    add("Nats-Time-Stamp", rfc3339_nanos(m.time));
    add("Nats-Last-Sequence", last_on_subject.to_string());
    let payload = if r.headers_only {
        add("Nats-Msg-Size", m.data.len().to_string());
        Vec::new()
    } else {
        m.data.clone()
    };
    Some(Out { deliver: None, subject: dest, reply: None, headers: encode_headers(&h), payload })
}

/// A mirror inherits direct gets from its origin when the origin exists (nats-server sets `mirror_direct` from
/// the origin's `allow_direct`, whatever was asked).
fn inherit_mirror_direct(engine: &Engine, sc: &mut StreamConfig) {
    if let Some(origin) = sc.mirror.as_ref().and_then(|m| engine.stream_named(&m.name)) {
        sc.mirror_direct = origin.config.allow_direct;
    }
}

/// How far a mirror or a source has come, as stream info reports it (see `Engine::source_info`).
fn source_info(engine: &Engine, s: &Stream, src: &StreamSource, with_seq: bool) -> StreamSourceInfoJson {
    let i = engine.source_info(s, src, with_seq);
    StreamSourceInfoJson {
        name: i.name,
        lag: i.lag,
        seq: i.seq,
        active: i.active,
        filter_subject: src.filter_subject.clone(),
        subject_transforms: src
            .subject_transforms
            .iter()
            .map(|t| TransformJson { src: t.src.clone(), dest: t.dest.clone() })
            .collect(),
    }
}

/// The message a get request names.
fn find_msg<'a>(s: &'a Stream, req: &MsgGetRequest) -> Result<&'a StoredMsg, ApiError> {
    let none = || ApiError::new(404, 10037, "no message found");
    if let Some(subj) = &req.last_by_subj {
        let literal = !subj.split('.').any(|t| t == "*" || t == ">");
        return if literal {
            s.last_for_subject(subj).ok_or_else(none)
        } else {
            s.messages().rev().find(|m| subject_matches(subj, &m.subject)).ok_or_else(none)
        };
    }
    if let Some(subj) = &req.next_by_subj {
        let from = req.seq.unwrap_or(0);
        return s.messages_from(from).find(|m| subject_matches(subj, &m.subject)).ok_or_else(none);
    }
    match req.seq {
        Some(q) => s.get(q).ok_or_else(none),
        None => Err(ApiError::new(400, 10003, "bad request")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_subjects() {
        assert!(subjects_overlap("$KV.a.>", "$KV.a.b"));
        assert!(subjects_overlap("$KV.*.x", "$KV.a.>"));
        assert!(!subjects_overlap("$KV.a.>", "$KV.b.>"));
        assert!(!subjects_overlap("a.b", "a.b.c"));
    }

    #[test]
    fn json_is_escaped_as_go_escapes_it() {
        assert_eq!(go_json(&"a.> & <b>"), br#""a.\u003e \u0026 \u003cb\u003e""#.to_vec());
    }
}
