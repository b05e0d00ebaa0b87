//! What only clients on the wire use: message counters' sums, message schedules and their firing, the checks
//! of their headers, and fast batch publishing. The server reaches them through `FEATURES`, which `Server::accept` installs (and
//! `Standalone::install_features`, for the whole page and `kvplay serve`), so the page's small modules, whose
//! actors are all clients in process and never connect, carry no code for them. A client in process never
//! needs them: it only makes KV buckets, and only a client on the wire can make a stream with counters or
//! schedules.

use std::any::Any;
use std::collections::BTreeSet;

use super::consumer::AckTarget;
use super::counter;
use super::jetstream::batch::Batches;
use super::jetstream::fast_batch::FastBatches;
use super::jetstream::{go_json, subjects_overlap, Advisory, JetStream, Out};
use crate::engine::headers::{self, Headers};
use crate::engine::stream::{Stream, StreamConfig};
use crate::engine::{ApiError, Engine, Nanos};

/// A publish's counter increment, checked (`None`: none).
type Increment = fn(&StreamConfig, &Headers, &[u8]) -> Result<Option<counter::BigInt>, ApiError>;
/// What a counter stream stores: the subject's sum after the increment.
type CounterBody = fn(&Stream, &str, Option<&counter::BigInt>) -> Result<Vec<u8>, ApiError>;

/// The features, as functions the server calls.
pub struct Features {
    pub increment: Increment,
    /// A publish's schedule headers, checked; whether the schedule message needs the rollup the server adds.
    pub schedule_checks: fn(&Stream, &str, &Headers, Nanos) -> Result<bool, ApiError>,
    pub counter_body: CounterBody,
    /// After a message is stored in a stream with schedules: its schedule noted, or the schedule it ends purged.
    pub stored: fn(&mut JetStream, &mut Engine, &str, u64, &Headers),
    /// Fires the schedules due by a time, each at its own instant (consumers see the copies at the next pump).
    pub fire: fn(&mut JetStream, &mut Engine, Nanos),
    /// A publish into a fast batch (`jetstream/fast_batch.rs`): stream, subject, reply, headers, payload.
    pub fast_batch: FastBatch,
    /// An advisory as nats-server publishes it (its subject and JSON), queued for the server to route.
    pub advisory: fn(&mut JetStream, Nanos, Advisory),
    /// A stream created, changed or deleted (action, configurations before and after): its advisory, its
    /// batches ended when it stops taking them, the durable feeds read again when its sources change.
    pub stream_changed: StreamChanged,
    /// The advisories queued since the server last routed them.
    pub take_advisories: fn(&mut JetStream) -> Vec<Out>,
    /// Durable sources: the subject a consumer delivers on when it feeds a stream (stream, name, deliver
    /// subject), what it delivered there, and storing that in the streams it feeds.
    pub fed_on: FedOn,
    pub take_fed: TakeFed,
    pub store_fed: fn(&mut JetStream, &mut Engine),
    /// A mirror's or source's durable consumer checked (`source_checks::check_consumer`).
    pub source_consumer: super::source_checks::ConsumerCheck,
    /// `Nats-Expected-Last-Subject-Sequence` checked on the subject (or pattern) `...-Subject` names.
    pub expected_elsewhere: fn(&Stream, &Headers) -> Result<(), ApiError>,
}

/// Takes what a consumer feeding durable sources delivered on its subject (from `start` on) out of what is
/// routed: messages to store, flow control requests to answer.
type TakeFed = fn(&mut WireSlot, &str, &mut Vec<Out>, usize, &mut Vec<String>);
type FedOn = fn(&mut WireSlot, &Engine, &str, &str, &str) -> Option<String>;
type WireSlot = Option<Box<dyn Any>>;

/// What only clients on the wire make, kept by the JetStream side behind `Any` (`JetStream::wire`).
#[derive(Default)]
pub(super) struct Wire {
    /// Atomic batches being staged (`jetstream/batch.rs`).
    pub batches: Batches,
    /// Fast batches being published (`jetstream/fast_batch.rs`).
    pub fast_batches: FastBatches,
    /// Advisories published since the server last routed them.
    advisories: Vec<Out>,
    /// Durable sources: origin, consumer, the stream it feeds and the subject it must deliver on (built from the
    /// streams' configurations when first needed, forgotten when one changes).
    feeds: Option<Vec<[String; 4]>>,
    /// What durable consumers delivered to the streams they feed, stored at the next `settle`: the streams,
    /// and the delivery's ack subject (origin, consumer, sequence).
    fed: Vec<(Vec<String>, AckTarget)>,
    /// When each schedule message fires next: time, stream, sequence; `None` until built from the streams.
    schedules: Option<BTreeSet<(Nanos, String, u64)>>,
}

fn wire_in(slot: &mut WireSlot) -> &mut Wire {
    if !slot.as_ref().is_some_and(|w| w.is::<Wire>()) {
        *slot = Some(Box::new(Wire::default()));
    }
    slot.as_mut().and_then(|w| w.downcast_mut()).expect("a wire state was just put there")
}

/// The JetStream side's wire state, made when first needed.
pub(super) fn wire(js: &mut JetStream) -> &mut Wire {
    wire_in(&mut js.wire)
}

type StreamChanged = fn(&mut JetStream, Nanos, &str, &'static str, Option<&StreamConfig>, Option<&StreamConfig>);

/// A fast batch's publish and what the server sends for it.
type FastBatch = fn(&mut JetStream, &mut Engine, &str, &str, &str, Headers, &[u8]) -> Vec<Out>;

pub static FEATURES: Features = Features {
    increment: check_increment,
    schedule_checks: check_schedule,
    counter_body,
    stored,
    fire,
    fast_batch: super::jetstream::fast_batch::publish,
    advisory,
    stream_changed,
    take_advisories: |js| std::mem::take(&mut wire(js).advisories),
    fed_on,
    take_fed,
    store_fed,
    expected_elsewhere,
    source_consumer: super::source_checks::check_consumer,
};

/// A publish's expected last sequence of another subject, or of a pattern's last match, as nats-server checks
/// it (a subject with nothing stored has 0).
fn expected_elsewhere(s: &Stream, h: &Headers) -> Result<(), ApiError> {
    let Some(on) = headers::get(h, headers::EXPECTED_LAST_SUBJECT_SEQ_SUBJECT).filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let Some(expected) = headers::get(h, headers::EXPECTED_LAST_SUBJECT_SEQ).filter(|s| !s.is_empty()) else {
        return Err(ApiError::new(400, 10193, "missing sequence for expected last sequence per subject"));
    };
    // A sequence nats-server cannot read is one no message has.
    let expected: u64 = expected.trim().parse().unwrap_or(u64::MAX);
    let last = if on.split('.').any(|t| t == "*" || t == ">") {
        s.messages().rev().find(|m| crate::engine::kv::subject_matches(on, &m.subject)).map(|m| m.seq)
    } else {
        s.last_for_subject(on).map(|m| m.seq)
    };
    let last = last.unwrap_or(0);
    if last != expected {
        return Err(ApiError::wrong_last_sequence(last));
    }
    Ok(())
}

/// The durable sources of every stream: origin, consumer, the stream fed, the subject it listens on.
fn durable_feeds(engine: &Engine) -> Vec<[String; 4]> {
    let mut feeds = Vec::new();
    for name in engine.stream_names() {
        let Some(s) = engine.stream_named(&name) else { continue };
        for o in s.config.mirror.iter().chain(s.config.sources.iter()) {
            if let Some(c) = &o.consumer {
                feeds.push([o.name.clone(), c.name.clone(), name.clone(), c.deliver_subject.clone()]);
            }
        }
    }
    feeds
}

/// The subject a consumer delivers on when it feeds a durable source.
fn fed_on(slot: &mut WireSlot, engine: &Engine, stream: &str, name: &str, deliver: &str) -> Option<String> {
    let feeds = wire_in(slot).feeds.get_or_insert_with(|| durable_feeds(engine));
    let feeds_here = feeds.iter().any(|[o, n, _, on]| o == stream && n == name && on == deliver);
    feeds_here.then(|| deliver.to_string())
}

fn take_fed(slot: &mut WireSlot, on: &str, out: &mut Vec<Out>, start: usize, flow: &mut Vec<String>) {
    let w = wire_in(slot);
    let (feeds, fed) = (w.feeds.as_deref().unwrap_or_default(), &mut w.fed);
    let mine: Vec<Out> = out.drain(start..).collect();
    for o in mine {
        let on_feed = o.deliver.as_deref() == Some(on) || (o.deliver.is_none() && o.subject == on);
        if !on_feed {
            out.push(o);
        } else if let Some(t) = o.reply.as_deref().and_then(AckTarget::parse) {
            let to = feeds
                .iter()
                .filter(|[origin, consumer, _, d]| *origin == t.stream && *consumer == t.consumer && d == on)
                .map(|[_, _, f, _]| f.clone())
                .collect();
            fed.push((to, t));
        } else if let Some(fc) = o.reply {
            // The stream answers flow control at once; heartbeats need no answer.
            flow.push(fc);
        }
    }
}

/// Stores what feeding consumers delivered in the streams they feed, then acknowledges it for the consumer, as
/// the stream acknowledges what it stores.
fn store_fed(js: &mut JetStream, engine: &mut Engine) {
    for (followers, target) in std::mem::take(&mut wire(js).fed) {
        for f in &followers {
            engine.copy_from_feed(f, &target.stream, &target.consumer, target.sseq);
        }
        js.ack_fed(&target, engine.now());
    }
}

fn stream_changed(
    js: &mut JetStream,
    now: Nanos,
    name: &str,
    action: &'static str,
    old: Option<&StreamConfig>,
    new: Option<&StreamConfig>,
) {
    // Batches in flight end when the stream stops taking them.
    if !new.is_some_and(|c| c.allow_atomic) {
        wire(js).batches.drop_stream(name);
    }
    if !new.is_some_and(|c| c.allow_batched) {
        wire(js).fast_batches.drop_stream(name);
    }
    let fed_durably = |c: &StreamConfig| c.mirror.iter().chain(c.sources.iter()).any(|o| o.consumer.is_some());
    if old.is_some_and(fed_durably) || new.is_some_and(fed_durably) {
        wire(js).feeds = None;
    }
    advisory(js, now, Advisory::Stream { stream: name, action });
}

/// An advisory's subject and body, field for field (and in the order) nats-server writes them, queued.
fn advisory(js: &mut JetStream, now: Nanos, a: Advisory) {
    use serde::Serialize;
    #[derive(Serialize)]
    struct Event<T: Serialize> {
        #[serde(rename = "type")]
        kind: String,
        id: String,
        timestamp: String,
        #[serde(flatten)]
        body: T,
    }
    #[derive(Serialize)]
    struct Action<'a> {
        stream: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        consumer: Option<&'a str>,
        action: &'static str,
    }
    #[derive(Serialize)]
    struct Delivery<'a> {
        stream: &'a str,
        consumer: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        consumer_seq: Option<u64>,
        stream_seq: u64,
        deliveries: u64,
        #[serde(skip_serializing_if = "str::is_empty")]
        reason: &'a str,
    }
    #[derive(Serialize)]
    struct Pause<'a> {
        stream: &'a str,
        consumer: &'a str,
        paused: bool,
        pause_until: &'a str,
    }
    const PREFIX: &str = "$JS.EVENT.ADVISORY";
    let event = |js: &mut JetStream, kind: &str| (format!("io.nats.jetstream.advisory.v1.{kind}"), js.event_id());
    let timestamp = crate::engine::time::rfc3339_nanos(now);
    let (subject, payload) = match a {
        Advisory::Stream { stream, action } => {
            let verb = match action {
                "create" => "CREATED",
                "delete" => "DELETED",
                _ => "UPDATED",
            };
            let (kind, id) = event(js, "stream_action");
            let subject = format!("{PREFIX}.STREAM.{verb}.{stream}");
            (subject, go_json(&Event { kind, id, timestamp, body: Action { stream, consumer: None, action } }))
        }
        Advisory::Consumer { stream, consumer, action } => {
            let verb = if action == "create" { "CREATED" } else { "DELETED" };
            let (kind, id) = event(js, "consumer_action");
            let subject = format!("{PREFIX}.CONSUMER.{verb}.{stream}.{consumer}");
            let body = Action { stream, consumer: Some(consumer), action };
            (subject, go_json(&Event { kind, id, timestamp, body }))
        }
        Advisory::Delivery { target: t, terminated } => {
            let (what, verb, reason) = match terminated {
                Some(reason) => ("terminated", "MSG_TERMINATED", reason),
                None => ("nak", "MSG_NAKED", ""),
            };
            let (kind, id) = event(js, what);
            let subject = format!("{PREFIX}.CONSUMER.{verb}.{}.{}", t.stream, t.consumer);
            let body = Delivery {
                stream: &t.stream,
                consumer: &t.consumer,
                consumer_seq: Some(t.dseq),
                stream_seq: t.sseq,
                deliveries: t.delivered,
                reason,
            };
            (subject, go_json(&Event { kind, id, timestamp, body }))
        }
        Advisory::MaxDeliveries { stream, consumer, sseq, deliveries } => {
            let (kind, id) = event(js, "max_deliver");
            let subject = format!("{PREFIX}.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}");
            let body = Delivery { stream, consumer, consumer_seq: None, stream_seq: sseq, deliveries, reason: "" };
            (subject, go_json(&Event { kind, id, timestamp, body }))
        }
        Advisory::Pause { stream, consumer, paused, until } => {
            let (kind, id) = event(js, "consumer_pause");
            let subject = format!("{PREFIX}.CONSUMER.PAUSE.{stream}.{consumer}");
            let body = Pause { stream, consumer, paused, pause_until: until };
            (subject, go_json(&Event { kind, id, timestamp, body }))
        }
    };
    wire(js).advisories.push(Out { deliver: None, subject, reply: None, headers: None, payload });
}

/// A counter stream's body: the sum, or the error nats-server gives for a publish without an increment.
fn counter_body(s: &Stream, subject: &str, incr: Option<&counter::BigInt>) -> Result<Vec<u8>, ApiError> {
    match incr {
        Some(n) => counter_sum(s, subject, n),
        None => Err(ApiError::new(400, 10169, "message counter increment is missing")),
    }
}

/// A stored message's schedule, noted for firing; or, for a client's `Nats-Schedule-Next: purge`, the
/// schedule its `Nats-Scheduler` names purged.
fn stored(js: &mut JetStream, engine: &mut Engine, stream: &str, seq: u64, h: &Headers) {
    let now = engine.now();
    if headers::get(h, "Nats-Schedule-Next") == Some("purge") {
        if let Some(scheduler) = headers::get(h, "Nats-Scheduler").filter(|s| !s.is_empty()) {
            engine.purge_stream(stream, Some(scheduler), None, None);
        }
        return;
    }
    let index = schedules(js, engine);
    if let Some(at) = first_fire(h, now, now) {
        index.insert((at, stream.to_string(), seq));
    }
}

/// When a schedule message first fires.
fn first_fire(h: &Headers, time: Nanos, now: Nanos) -> Option<Nanos> {
    let pattern = headers::get(h, "Nats-Schedule")?;
    let zone = headers::get(h, "Nats-Schedule-Time-Zone");
    crate::engine::schedule::next_fire(pattern, zone, time, now).ok().flatten().map(|(at, _)| at)
}

/// The schedules, built from the streams the first time they are needed (after a restore or an import, their
/// streams' schedule messages).
fn schedules<'a>(js: &'a mut JetStream, engine: &Engine) -> &'a mut BTreeSet<(Nanos, String, u64)> {
    wire(js).schedules.get_or_insert_with(|| {
        let mut set = BTreeSet::new();
        for name in engine.stream_names() {
            let Some(s) = engine.stream_named(&name).filter(|s| s.config.allow_msg_schedules) else { continue };
            for m in s.messages() {
                if let Some(at) = first_fire(&m.headers, m.time, m.time) {
                    set.insert((at, name.clone(), m.seq));
                }
            }
        }
        set
    })
}

/// Fires what is due by `now`, in time order, each at its instant on the engine's clock, as nats-server's
/// scheduler does: a copy of the schedule message (or of the last message on its `Nats-Schedule-Source`) on
/// its target subject, without the schedule's own headers, naming its scheduler and when it fires next; a
/// schedule that does not repeat is then purged.
fn fire(js: &mut JetStream, engine: &mut Engine, now: Nanos) {
    loop {
        let due = schedules(js, engine).first().filter(|(at, _, _)| *at <= now).cloned();
        let Some(entry) = due else { break };
        schedules(js, engine).remove(&entry);
        let (at, stream, seq) = entry;
        engine.set_now(at);
        let Some(s) = engine.stream_named(&stream) else { continue };
        let Some(m) = s.get(seq) else { continue };
        let h = &m.headers;
        let pattern = headers::get(h, "Nats-Schedule").unwrap_or("");
        let zone = headers::get(h, "Nats-Schedule-Time-Zone");
        let Ok(Some((next, repeat))) = crate::engine::schedule::next_fire(pattern, zone, at, at) else { continue };
        let Some(target) = headers::get(h, "Nats-Schedule-Target").filter(|t| !t.is_empty()).map(str::to_string) else {
            continue;
        };
        let ttl = headers::get(h, "Nats-Schedule-TTL").filter(|t| !t.is_empty()).map(str::to_string);
        let rollup = headers::get(h, "Nats-Schedule-Rollup").filter(|r| !r.is_empty()).map(str::to_string);
        let scheduler = m.subject.clone();
        let source = headers::get(h, "Nats-Schedule-Source").filter(|s| !s.is_empty());
        let from = source.and_then(|src| s.last_for_subject(src)).unwrap_or(m);
        let mut out: Headers = from
            .headers
            .iter()
            .filter(|(k, _)| {
                !k.starts_with("Nats-Schedule")
                    && !k.starts_with("Nats-Expected-")
                    && !["Nats-Scheduler", "Nats-Msg-Id", headers::MSG_TTL, headers::ROLLUP].contains(&k.as_str())
            })
            .cloned()
            .collect();
        let data = from.data.clone();
        out.push(("Nats-Scheduler".into(), scheduler.clone()));
        let next_words = if repeat { crate::engine::time::rfc3339_nanos(next) } else { "purge".to_string() };
        out.push(("Nats-Schedule-Next".into(), next_words));
        if let Some(t) = ttl {
            out.push((headers::MSG_TTL.to_string(), t));
        }
        if let Some(r) = rollup {
            out.push((headers::ROLLUP.to_string(), r));
        }
        // A fired message is the server's own: it is stored as it is, without a client's checks.
        let _ = engine.publish_stream(&stream, &target, out, data);
        if repeat {
            schedules(js, engine).insert((next, stream, seq));
        } else {
            engine.purge_stream(&stream, Some(&scheduler), None, None);
        }
    }
}

/// A message schedule's checks (`Nats-Schedule` and its companions, and a client's `Nats-Schedule-Next: purge`),
/// in nats-server's order; whether the schedule message needs the `Nats-Rollup: sub` the server adds.
pub(super) fn check_schedule(s: &Stream, subject: &str, h: &Headers, now: Nanos) -> Result<bool, ApiError> {
    use crate::engine::schedule::{next_fire, PatternError};
    let cfg = &s.config;
    let allowed = cfg.allow_msg_schedules;
    let disabled = || ApiError::new(400, 10188, "message schedules is disabled");
    let invalid_target = || ApiError::new(400, 10190, "message schedules target is invalid");
    let invalid_source = || ApiError::new(400, 10203, "message schedules source is invalid");
    let invalid_scheduler = || ApiError::new(400, 10212, "message schedules invalid scheduler");
    let pattern = headers::get(h, "Nats-Schedule").unwrap_or("");
    let zone = headers::get(h, "Nats-Schedule-Time-Zone");
    let mut rollup_sub = false;
    match next_fire(pattern, zone, now, now) {
        Err(_) if !allowed => return Err(disabled()),
        Err(PatternError::Invalid) => {
            let zone_bad = zone.is_some_and(|z| z.is_empty());
            return Err(if zone_bad {
                ApiError::new(400, 10223, "message schedules time zone is invalid")
            } else {
                ApiError::new(400, 10189, "message schedules pattern is invalid")
            });
        }
        Err(PatternError::TimeZone) => {
            return Err(ApiError::not_supported("message schedules in a time zone other than UTC"));
        }
        Ok(None) => {}
        Ok(Some(_)) => {
            if !allowed {
                return Err(disabled());
            }
            let ttl = headers::get(h, "Nats-Schedule-TTL").unwrap_or("");
            if !ttl.is_empty() && crate::engine::stream::parse_message_ttl(ttl).is_none() {
                return Err(ApiError::new(400, 10191, "message schedules invalid per-message TTL"));
            }
            let rollup = headers::get(h, "Nats-Schedule-Rollup").unwrap_or("");
            if !rollup.is_empty() && rollup != "sub" {
                return Err(ApiError::new(400, 10192, "message schedules invalid rollup"));
            }
            if !ttl.is_empty() && !cfg.allow_msg_ttl {
                return Err(ApiError::message_ttl_disabled());
            }
            let target = headers::get(h, "Nats-Schedule-Target").unwrap_or("");
            if target.is_empty() || !crate::server::wire::valid_publish(target) || target == subject {
                return Err(invalid_target());
            }
            let source = headers::get(h, "Nats-Schedule-Source").unwrap_or("");
            if !source.is_empty()
                && (source == target || source == subject || !crate::server::wire::valid_publish(source))
            {
                return Err(invalid_source());
            }
            if !cfg.subjects.iter().any(|p| subjects_overlap(p, target)) {
                return Err(invalid_target());
            }
            if !source.is_empty() && !cfg.subjects.iter().any(|p| subjects_overlap(p, source)) {
                return Err(invalid_source());
            }
            match headers::get(h, headers::ROLLUP) {
                None | Some("") => rollup_sub = true,
                Some("sub") => {}
                Some(_) => return Err(ApiError::new(400, 10192, "message schedules invalid rollup")),
            }
        }
    }
    if let Some(next) = headers::get(h, "Nats-Schedule-Next").filter(|n| !n.is_empty()) {
        if next != "purge" {
            return Err(invalid_scheduler());
        }
        let scheduler = headers::get(h, "Nats-Scheduler").unwrap_or("");
        if scheduler.is_empty() || scheduler == subject || !crate::server::wire::valid_publish(scheduler) {
            return Err(invalid_scheduler());
        }
        if !allowed {
            return Err(disabled());
        }
        if s.last_for_subject(scheduler)
            .is_some_and(|m| headers::get(&m.headers, "Nats-Schedule").is_none_or(str::is_empty))
        {
            return Err(invalid_scheduler());
        }
    } else if headers::get(h, "Nats-Scheduler").is_some_and(|v| !v.is_empty()) {
        return Err(invalid_scheduler());
    }
    Ok(rollup_sub)
}

/// A counter increment's checks, in nats-server's order: readable, allowed on the stream, without a payload,
/// and without the headers a counter cannot honour (rollups and expectations). `None`: no increment.
pub(super) fn check_increment(
    cfg: &StreamConfig,
    h: &Headers,
    payload: &[u8],
) -> Result<Option<counter::BigInt>, ApiError> {
    let Some(text) = headers::get(h, "Nats-Incr") else { return Ok(None) };
    let invalid = || ApiError::new(400, 10171, "message counter increment is invalid");
    let n = counter::BigInt::parse(text).ok_or_else(invalid)?;
    if !cfg.allow_msg_counter {
        return Err(ApiError::new(400, 10168, "message counters is disabled"));
    }
    if !payload.is_empty() {
        return Err(ApiError::new(400, 10170, "message counter has payload"));
    }
    let present = |k: &str| headers::get(h, k).is_some_and(|v| !v.is_empty());
    let number = |k: &str| headers::get(h, k).is_some_and(|v| v.trim().parse::<u64>().is_ok());
    if present(headers::ROLLUP)
        || present("Nats-Expected-Stream")
        || present("Nats-Expected-Last-Msg-Id")
        || present("Nats-Expected-Last-Subject-Sequence-Subject")
        || number("Nats-Expected-Last-Sequence")
        || number("Nats-Expected-Last-Subject-Sequence")
    {
        return Err(invalid());
    }
    Ok(Some(n))
}

/// A counter's new body: the subject's last value plus the increment (an unreadable last value is a broken
/// counter).
fn counter_sum(s: &Stream, subject: &str, incr: &counter::BigInt) -> Result<Vec<u8>, ApiError> {
    let last = match s.last_for_subject(subject) {
        Some(m) => counter::value_of(&m.data).ok_or_else(|| ApiError::new(400, 10172, "message counter is broken"))?,
        None => counter::BigInt::parse("0").expect("zero"),
    };
    Ok(counter::body_of(&last.add(incr)))
}
