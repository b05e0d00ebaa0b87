//! A JetStream consumer as nats-server keeps one: push (to a deliver subject) or pull (to the reply subjects of
//! waiting `MSG.NEXT` requests), with its cursor, acknowledgements (none, all, explicit: `+ACK`, `-NAK` with a
//! delay, `+WPI`, `+TERM`, `+NXT`), redelivery after `ack_wait` or `backoff`, `max_deliver`, `max_ack_pending`,
//! flow control and idle heartbeats, and the status messages pull requests end with (404, 408, 409, 400).
//!
//! Time here is the protocol's monotonic clock in milliseconds (`mono`), passed in by the server; the engine's
//! clock (`Nanos`) only stamps what clients read (`last_active`, `created`).
//!
//! Cost: a consumer's cursor moves past messages its filter does not match, so a consumer that is idle, or whose
//! filter matches nothing, costs nothing per message once it has looked at it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::api::*;
use super::jetstream::Out;
use super::wire::HeaderBlock;
use crate::engine::headers::Headers;
use crate::engine::kv::subject_matches;
use crate::engine::stream::{Retention, StoredMsg, Stream};
use crate::engine::time::{rfc3339_nanos, NANOS_PER_MILLI};
use crate::engine::Nanos;

/// How long an ephemeral consumer stays without interest or activity, when its configuration says nothing.
pub const DEFAULT_INACTIVE_MS: u64 = 5_000;
/// The acknowledgement wait nats-server gives a consumer that acknowledges, when its configuration says nothing.
pub const DEFAULT_ACK_WAIT_NS: i64 = 30_000_000_000;
/// The most unacknowledged messages a consumer has out, when its configuration says nothing.
pub const DEFAULT_MAX_ACK_PENDING: i64 = 1_000;
/// The most pull requests a consumer keeps waiting, when its configuration says nothing.
pub const DEFAULT_MAX_WAITING: i64 = 512;
/// Bytes delivered after which a flow-controlled consumer asks the client to confirm, and the most it sends
/// before the confirmation arrives.
const FC_EVERY_BYTES: usize = 256 * 1024;
const FC_STALL_BYTES: usize = 4 * 1024 * 1024;

/// How a consumer's messages are acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckPolicy {
    None,
    All,
    Explicit,
}

impl AckPolicy {
    pub fn parse(s: &str) -> Option<AckPolicy> {
        match s {
            "" | "none" => Some(AckPolicy::None),
            "all" => Some(AckPolicy::All),
            "explicit" => Some(AckPolicy::Explicit),
            _ => None,
        }
    }
}

/// A message out and not yet acknowledged.
#[derive(Clone, Debug)]
struct Pending {
    dseq: u64,
    /// When it is redelivered unless acknowledged (protocol clock).
    deadline: u64,
}

/// A waiting pull request.
#[derive(Clone, Debug)]
pub struct PullRequest {
    pub reply: String,
    pub batch: i64,
    /// Bytes the request may still take; 0 when it set no limit.
    pub max_bytes: i64,
    pub expires: Option<u64>,
    pub no_wait: bool,
    /// Whether it has had a message (a `no_wait` request with an expiry ends at the stream's end only then).
    pub delivered: bool,
    pub heartbeat_ms: u64,
    pub last_sent: u64,
    /// Whether the request set a byte limit at all.
    pub bytes_limited: bool,
    /// What a JSON request asked of a priority group (`None` for a plain batch size).
    pub group: Option<PriorityAsk>,
}

impl PullRequest {
    /// A `no_wait` request ends with 404 where the stream ends, unless it set an expiry and has had nothing yet.
    fn ends_at_stream_end(&self) -> bool {
        self.no_wait && (self.expires.is_none() || self.delivered)
    }
}

/// A pull request's priority group fields.
#[derive(Clone, Debug, Default)]
pub struct PriorityAsk {
    pub group: String,
    pub min_pending: i64,
    pub min_ack_pending: i64,
    /// The pin id the requester holds (a pinned client's).
    pub id: String,
    /// 0 to 9, 0 served first (a prioritized consumer's).
    pub priority: i64,
}

/// Where a request without a priority stands among prioritized ones: after all of them.
const NO_PRIORITY: i64 = i32::MAX as i64;

/// A consumer's pinned client: its id, when it was pinned, and when the pin lapses unless it pulls again
/// (protocol clock).
#[derive(Clone, Debug)]
struct Pin {
    id: String,
    since: Nanos,
    until: u64,
}

/// What an acknowledgement says.
#[derive(Clone, Debug, PartialEq)]
pub enum AckKind {
    Ack,
    Nak {
        delay_ms: Option<u64>,
    },
    Progress,
    /// `+TERM`, with the reason the client gave (said in the advisory).
    Term {
        reason: String,
    },
    Next {
        batch: i64,
    },
}

impl AckKind {
    /// Reads an acknowledgement's body as nats-server does (an empty body acknowledges).
    pub fn parse(body: &[u8]) -> Option<AckKind> {
        let text = std::str::from_utf8(body).ok()?.trim();
        let (word, rest) = text.split_once(' ').map(|(a, b)| (a, b.trim())).unwrap_or((text, ""));
        Some(match word {
            "" | "+ACK" => AckKind::Ack,
            "-NAK" => {
                let delay = if rest.is_empty() {
                    None
                } else {
                    serde_json::from_str::<serde_json::Value>(rest)
                        .ok()
                        .and_then(|v| v.get("delay").and_then(|d| d.as_i64()))
                        .map(|d| (d.max(0) / NANOS_PER_MILLI) as u64)
                };
                AckKind::Nak { delay_ms: delay }
            }
            "+WPI" => AckKind::Progress,
            "+TERM" => AckKind::Term { reason: rest.to_string() },
            "+NXT" => {
                let batch = if rest.is_empty() {
                    1
                } else {
                    rest.parse::<i64>()
                        .ok()
                        .or_else(|| serde_json::from_str::<PullRequestJson>(rest).ok().map(|r| r.batch))?
                };
                AckKind::Next { batch: batch.max(1) }
            }
            _ => return None,
        })
    }
}

/// The parts of an ack subject (`$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`, or the
/// longer form with a domain and an account hash in front).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckTarget {
    pub stream: String,
    pub consumer: String,
    /// How many times the message had been delivered when this copy was sent.
    pub delivered: u64,
    pub sseq: u64,
    pub dseq: u64,
}

impl AckTarget {
    pub fn parse(subject: &str) -> Option<AckTarget> {
        let rest = subject.strip_prefix("$JS.ACK.")?;
        let t: Vec<&str> = rest.split('.').collect();
        let base = match t.len() {
            7 => 0,
            n if n >= 9 => 2,
            _ => return None,
        };
        Some(AckTarget {
            stream: t[base].to_string(),
            consumer: t[base + 1].to_string(),
            delivered: t[base + 2].parse().ok()?,
            sseq: t[base + 3].parse().ok()?,
            dseq: t[base + 4].parse().ok()?,
        })
    }
}

/// Which message a consumer sends next.
#[derive(Clone, Copy, Debug)]
enum Next {
    Redeliver(u64),
    Fresh(u64),
}

/// Stream sequences and when each is due (protocol clock, ms): the earliest is found at once and only what is
/// due is visited, however many wait (a consumer's redelivery queue, its pending messages' deadlines).
#[derive(Clone, Debug, Default)]
struct DueSet {
    at: BTreeMap<u64, u64>,
    /// (due, sequence); `i64` as the stream's expiry index is, so the page's modules share that set's code.
    order: BTreeSet<(i64, u64)>,
}

impl DueSet {
    fn key(due: u64) -> i64 {
        i64::try_from(due).unwrap_or(i64::MAX)
    }

    fn insert(&mut self, sseq: u64, due: u64) {
        if let Some(old) = self.at.insert(sseq, due) {
            self.order.remove(&(Self::key(old), sseq));
        }
        self.order.insert((Self::key(due), sseq));
    }

    fn remove(&mut self, sseq: u64) {
        if let Some(old) = self.at.remove(&sseq) {
            self.order.remove(&(Self::key(old), sseq));
        }
    }

    fn contains(&self, sseq: u64) -> bool {
        self.at.contains_key(&sseq)
    }

    fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// When the earliest is due.
    fn earliest(&self) -> Option<u64> {
        self.order.first().and_then(|(_, sseq)| self.at.get(sseq).copied())
    }

    /// The earliest that is due at `mono`, if one is.
    fn first_due(&self, mono: u64) -> Option<u64> {
        self.order.first().filter(|(due, _)| *due <= Self::key(mono)).map(|(_, sseq)| *sseq)
    }
}

/// A consumer.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub stream: String,
    pub name: String,
    pub config: ConsumerConfigJson,
    pub created: Nanos,
    pub filters: Vec<String>,
    /// The push consumer's deliver subject; `None` for a pull consumer.
    pub deliver: Option<String>,
    pub ack: AckPolicy,
    ack_wait_ms: u64,
    backoff_ms: Vec<u64>,
    max_deliver: i64,
    max_ack_pending: i64,
    max_waiting: usize,
    /// Sequences still to send from the initial set of a `last_per_subject` consumer.
    initial: VecDeque<u64>,
    /// The next stream sequence to look at after the initial set.
    cursor: u64,
    /// The last consumer sequence given out, and the newest stream sequence delivered.
    dseq: u64,
    last_sseq: u64,
    last_active: Option<Nanos>,
    ack_floor: (u64, u64),
    ack_floor_active: Option<Nanos>,
    pending: BTreeMap<u64, Pending>,
    /// Deliveries so far of each message delivered more than once and not yet acknowledged.
    redelivered: BTreeMap<u64, u64>,
    /// Messages to send again and when (protocol clock).
    redeliver: DueSet,
    /// When each pending message not waiting for redelivery is redelivered unless acknowledged (protocol clock).
    deadlines: DueSet,
    pub waiting: VecDeque<PullRequest>,
    /// When the consumer last sent anything or heard from a client (protocol clock).
    last_sent_ms: u64,
    last_activity_ms: u64,
    heartbeat_ms: u64,
    /// How long the consumer lives without interest (push) or activity (pull); `None`: for ever (a durable).
    pub inactive_ms: Option<u64>,
    no_interest_since: Option<u64>,
    /// Someone listened on the deliver subject at the last pump.
    pub bound: bool,
    flow_control: bool,
    fc_bytes: usize,
    fc_waiting: Option<String>,
    fc_counter: u64,
    /// Messages this consumer is done with since the server last looked (acknowledged, terminated, or delivered
    /// without acks), for a stream whose retention removes them (`JetStream::settle`).
    pub done: Vec<u64>,
    /// Its place among the server's consumers, in the order they were made (a watcher's `w<n>` in the page).
    pub number: u64,
    /// The stream sequences it delivered (the newest `DELIVERED_LIMIT`), kept for the timeline for a watcher
    /// (a push consumer without acknowledgements) where the server keeps a watch log.
    pub log: Option<VecDeque<u64>>,
    /// What it delivered and its client in process has not taken yet (`JetStream::take_in_process`); `None`
    /// for a consumer a connection made, whose deliveries the server routes.
    pub held: Option<Vec<Out>>,
    /// Until when it delivers nothing (`pause_until`): the server's time, and the same instant on the protocol
    /// clock, for its timers.
    paused_until: Option<(Nanos, u64)>,
    /// The pinned client of a `pinned_client` consumer, if one is pinned.
    pin: Option<Pin>,
    /// Pauses and priority groups (`RULES`), set when a client on the wire makes the consumer: a client in
    /// process (the terminal's watch) never pauses one or names a group, so the page's small modules carry none.
    pub rules: Option<&'static ConsumerRules>,
    /// Messages that reached `max_deliver` since the server last looked: stream sequence, deliveries (for the
    /// advisory).
    pub exceeded: Vec<(u64, u64)>,
}

/// A consumer's pause and priority rules, as functions its pump calls.
#[derive(Debug)]
pub struct ConsumerRules {
    /// Whether the consumer is paused now (`Consumer::hold`).
    hold: fn(&mut Consumer, &Stream, u64, &mut Vec<Out>) -> bool,
    /// Picks the waiting request the next message goes to (`Consumer::next_request`).
    select: fn(&mut Consumer, u64, Nanos, u64, &mut Vec<Out>) -> Option<()>,
    /// Puts a request that wants more back among the waiting ones by its priority.
    requeue: fn(&mut Consumer, PullRequest),
}

pub static RULES: ConsumerRules =
    ConsumerRules { hold: Consumer::hold, select: Consumer::next_request, requeue: Consumer::insert_by_priority };

/// A watcher as the timeline shows it: its number, the key patterns it follows (without the bucket's
/// `$KV.<bucket>.` prefix) and the sequences it delivered in the range asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatcherInfo {
    pub id: crate::engine::WatchId,
    pub patterns: Vec<String>,
    pub delivered: Vec<u64>,
}

/// How many delivered sequences a watcher's log keeps.
pub const DELIVERED_LIMIT: usize = 100_000;

/// Where a consumer starts and what it sends first, decided at creation.
pub struct Start {
    pub initial: VecDeque<u64>,
    pub cursor: u64,
}

fn status(subject: &str, code: u16, desc: &str, headers: Headers) -> Out {
    let h = HeaderBlock { status: Some((code, desc.to_string())), headers };
    Out { deliver: None, subject: subject.to_string(), reply: None, headers: Some(h.encode()), payload: Vec::new() }
}

/// A status that ends a pull request, with what the request still wanted (`Nats-Pending-Messages`, `-Bytes`).
fn pending_status(r: &PullRequest, code: u16, desc: &str) -> Out {
    let pending = vec![
        ("Nats-Pending-Messages".into(), r.batch.to_string()),
        ("Nats-Pending-Bytes".into(), r.max_bytes.to_string()),
    ];
    status(&r.reply, code, desc, pending)
}

fn encode_headers(h: &Headers) -> Option<Vec<u8>> {
    (!h.is_empty()).then(|| HeaderBlock { status: None, headers: h.clone() }.encode())
}

fn ms(ns: i64) -> u64 {
    (ns.max(0) / NANOS_PER_MILLI) as u64
}

impl Consumer {
    /// A consumer over `config`, already checked and defaulted by the API layer.
    pub fn new(
        stream: &str,
        name: &str,
        config: ConsumerConfigJson,
        filters: Vec<String>,
        start: Start,
        created: Nanos,
        mono: u64,
    ) -> Consumer {
        let ack = AckPolicy::parse(&config.ack_policy).unwrap_or(AckPolicy::None);
        let durable = config.durable_name.is_some();
        let inactive_ms = match config.inactive_threshold {
            Some(t) if t > 0 => Some(ms(t)),
            _ if durable => None,
            _ => Some(DEFAULT_INACTIVE_MS),
        };
        let mut c = Consumer {
            stream: stream.to_string(),
            name: name.to_string(),
            deliver: config.deliver_subject.clone(),
            ack,
            ack_wait_ms: ms(config.ack_wait.unwrap_or(DEFAULT_ACK_WAIT_NS)),
            backoff_ms: config.backoff.clone().unwrap_or_default().into_iter().map(ms).collect(),
            max_deliver: config.max_deliver,
            max_ack_pending: config.max_ack_pending.unwrap_or(-1),
            max_waiting: config.max_waiting.unwrap_or(DEFAULT_MAX_WAITING).max(1) as usize,
            heartbeat_ms: ms(config.idle_heartbeat.unwrap_or(0)),
            flow_control: config.flow_control,
            config,
            created,
            filters,
            initial: start.initial,
            cursor: start.cursor,
            dseq: 0,
            last_sseq: 0,
            last_active: None,
            ack_floor: (0, 0),
            ack_floor_active: None,
            pending: BTreeMap::new(),
            redelivered: BTreeMap::new(),
            redeliver: DueSet::default(),
            deadlines: DueSet::default(),
            waiting: VecDeque::new(),
            last_sent_ms: mono,
            last_activity_ms: mono,
            inactive_ms,
            no_interest_since: None,
            bound: false,
            fc_bytes: 0,
            fc_waiting: None,
            fc_counter: 0,
            done: Vec::new(),
            number: 0,
            log: None,
            held: None,
            paused_until: None,
            pin: None,
            rules: None,
            exceeded: Vec::new(),
        };
        c.last_sseq = c.first_due_hint();
        // Everything before where it starts counts as acknowledged, as nats-server sets its ack floor.
        c.ack_floor.1 = c.last_sseq;
        c
    }

    /// Reads `pause_until` from the configuration: paused while the server's time is before it.
    pub fn set_pause(&mut self, now: Nanos, mono: u64) {
        let until = crate::server::consumer_checks::pause_nanos(self.config.pause_until.as_deref());
        self.paused_until = until.filter(|t| *t > now).map(|t| (t, mono + ms(t - now).max(1)));
    }

    /// What a paused consumer or a pinned client's lapse asks of a pump (`ConsumerRules::hold`): true when the
    /// consumer is paused, and the pump sends nothing but heartbeats (and a 404 to a request that asked not to
    /// wait when there is nothing for it anyway).
    fn hold(&mut self, s: &Stream, mono: u64, out: &mut Vec<Out>) -> bool {
        if self.paused_until.is_some_and(|(_, end)| mono >= end) {
            self.paused_until = None;
        }
        if self.pin.as_ref().is_some_and(|p| mono >= p.until) {
            self.pin = None;
        }
        if !self.paused(mono) {
            return false;
        }
        if self.is_pull() && self.pending_count(s) == 0 && self.redeliver.is_empty() {
            let (no_wait, keep): (VecDeque<PullRequest>, VecDeque<PullRequest>) =
                self.waiting.drain(..).partition(PullRequest::ends_at_stream_end);
            self.waiting = keep;
            out.extend(no_wait.iter().map(|r| status(&r.reply, 404, "No Messages", Vec::new())));
        }
        self.heartbeats(mono, out);
        true
    }

    /// Whether it is paused at this instant of the protocol clock.
    fn paused(&self, mono: u64) -> bool {
        self.paused_until.is_some_and(|(_, end)| mono < end)
    }

    /// An update nats-server allows (`consumer_checks::check_update` passed): the new limits, filters, deliver
    /// subject and pause take effect; where the consumer is and what it has out stay. A new deliver subject
    /// gets every unacknowledged message again, as nats-server expires them all.
    pub fn update(&mut self, config: ConsumerConfigJson, filters: Vec<String>, now: Nanos, mono: u64) {
        if config.deliver_subject != self.deliver {
            self.deliver = config.deliver_subject.clone();
            let out: Vec<u64> = self.pending.keys().copied().collect();
            for sseq in out {
                self.deadlines.remove(sseq);
                self.redeliver.insert(sseq, mono);
                if let Some(p) = self.pending.get_mut(&sseq) {
                    p.deadline = u64::MAX;
                }
            }
        }
        let durable = config.durable_name.is_some();
        self.inactive_ms = match config.inactive_threshold {
            Some(t) if t > 0 => Some(ms(t)),
            _ if durable => None,
            _ => Some(DEFAULT_INACTIVE_MS),
        };
        self.ack_wait_ms = ms(config.ack_wait.unwrap_or(DEFAULT_ACK_WAIT_NS));
        self.backoff_ms = config.backoff.clone().unwrap_or_default().into_iter().map(ms).collect();
        self.max_deliver = config.max_deliver;
        self.max_ack_pending = config.max_ack_pending.unwrap_or(-1);
        self.filters = filters;
        self.config = config;
        self.set_pause(now, mono);
    }

    /// `$JS.API.CONSUMER.RESET`: starts the consumer again at a stream sequence (0: just above its ack floor),
    /// forgetting what it has out, as nats-server's `resetStartingSeq` does; the sequence it starts at, or why
    /// it may not (a start below the configured one, or a deliver policy that fixes where it starts).
    pub fn reset(&mut self, seq: u64, s: &Stream) -> Result<u64, &'static str> {
        let seq = if seq == 0 {
            self.ack_floor.1 + 1
        } else {
            match self.config.deliver_policy.as_str() {
                "all" => seq,
                "by_start_sequence" if seq < self.config.opt_start_seq.unwrap_or(0) => return Err("below start seq"),
                "by_start_sequence" => seq,
                "by_start_time" => {
                    let t = self.config.opt_start_time.as_deref().and_then(time_from_json).unwrap_or(0);
                    let first = s.messages().find(|m| m.time >= t).map(|m| m.seq).unwrap_or(s.state_last_seq() + 1);
                    if seq < first {
                        return Err("below start time");
                    }
                    seq
                }
                _ => return Err("not allowed"),
            }
        }
        .max(1);
        self.pending.clear();
        self.redelivered.clear();
        self.redeliver = DueSet::default();
        self.deadlines = DueSet::default();
        self.initial.clear();
        self.cursor = seq;
        self.dseq = 0;
        self.last_sseq = seq - 1;
        self.ack_floor = (0, seq - 1);
        self.last_active = None;
        self.ack_floor_active = None;
        Ok(seq)
    }

    /// Before anything is delivered, nats-server reports the stream sequence just before the first one due.
    fn first_due_hint(&self) -> u64 {
        self.initial.front().copied().unwrap_or(self.cursor).saturating_sub(1)
    }

    pub fn is_pull(&self) -> bool {
        self.deliver.is_none()
    }

    fn matches(&self, subject: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| subject_matches(f, subject))
    }

    fn literal_filters(&self) -> bool {
        !self.filters.is_empty() && self.filters.iter().all(|f| !f.split('.').any(|t| t == "*" || t == ">"))
    }

    /// How many messages the consumer has yet to send for the first time (`num_pending`).
    pub fn pending_count(&self, s: &Stream) -> u64 {
        let initial = self.initial.iter().filter(|q| s.get(**q).is_some()).count() as u64;
        let fresh = if self.literal_filters() {
            // Each subject once (a few filters: no sort, which would bring a sort of its own to the page).
            let mut subjects: Vec<&String> = Vec::new();
            for f in &self.filters {
                if !subjects.contains(&f) {
                    subjects.push(f);
                }
            }
            subjects.iter().map(|f| s.subject_count_from(f, self.cursor)).sum()
        } else if self.filters.is_empty() {
            s.messages_from(self.cursor).count() as u64
        } else {
            s.messages_from(self.cursor).filter(|m| self.matches(&m.subject)).count() as u64
        };
        initial + fresh
    }

    pub fn info(&self, s: &Stream, now: Nanos, kind: Option<String>) -> ConsumerInfoJson {
        ConsumerInfoJson {
            kind,
            stream_name: self.stream.clone(),
            name: self.name.clone(),
            created: rfc3339_nanos(self.created),
            config: self.config.clone(),
            delivered: SequenceInfoJson {
                consumer_seq: self.dseq,
                stream_seq: self.last_sseq,
                last_active: self.last_active.map(rfc3339_nanos),
            },
            ack_floor: match self.ack {
                AckPolicy::None => SequenceInfoJson {
                    consumer_seq: self.dseq,
                    stream_seq: self.last_sseq,
                    last_active: self.last_active.map(rfc3339_nanos),
                },
                _ => SequenceInfoJson {
                    consumer_seq: self.ack_floor.0,
                    stream_seq: self.ack_floor.1,
                    last_active: self.ack_floor_active.map(rfc3339_nanos),
                },
            },
            num_ack_pending: self.pending.len() as u64,
            num_redelivered: self.redelivered.len() as u64,
            num_waiting: self.waiting.len() as u64,
            num_pending: self.pending_count(s),
            push_bound: self.deliver.is_some() && self.bound,
            paused: self.paused_until.is_some_and(|(t, _)| now < t),
            pause_remaining: self.paused_until.map_or(0, |(t, _)| (t - now).max(0)),
            ts: rfc3339_nanos(now),
            priority_groups: self.priority_groups(),
        }
    }

    /// Each priority group once, as consumer info reports them (no client pinned).
    fn priority_groups(&self) -> Vec<PriorityGroupStateJson> {
        let mut seen = Vec::new();
        for g in self.config.priority_groups.iter().flatten() {
            if !seen.contains(g) {
                seen.push(g.clone());
            }
        }
        let (id, ts) = match &self.pin {
            Some(p) => (Some(p.id.clone()), rfc3339_nanos(p.since)),
            None => (None, crate::server::api::ZERO_TIME.to_string()),
        };
        seen.into_iter()
            .map(|group| PriorityGroupStateJson { group, pinned_client_id: id.clone(), pinned_ts: ts.clone() })
            .collect()
    }

    /// When `pump` next has something to do on its own: a heartbeat, an expiring request, an acknowledgement
    /// deadline, a delayed redelivery, or the consumer's removal.
    pub fn next_timeout(&self) -> Option<u64> {
        let mut t: Vec<u64> = Vec::new();
        if let (Some(since), Some(limit)) = (self.no_interest_since, self.inactive_ms) {
            t.push(since + limit);
        }
        if self.is_pull() && self.waiting.is_empty() {
            if let Some(limit) = self.inactive_ms {
                t.push(self.last_activity_ms + limit);
            }
        }
        if self.deliver.is_some() && self.no_interest_since.is_none() && self.heartbeat_ms > 0 {
            t.push(self.last_sent_ms + self.heartbeat_ms);
        }
        for r in &self.waiting {
            if let Some(e) = r.expires {
                t.push(e);
            }
            if r.heartbeat_ms > 0 {
                t.push(r.last_sent + r.heartbeat_ms);
            }
        }
        t.extend(self.deadlines.earliest());
        t.extend(self.redeliver.earliest());
        t.extend(self.paused_until.map(|(_, end)| end));
        t.extend(self.pin.as_ref().map(|p| p.until));
        t.into_iter().min()
    }

    /// Whether this consumer still wants a stream message (nats-server's `needAck`): its filter matches and it
    /// has not yet been delivered, or has been delivered and not acknowledged.
    pub fn needs_ack(&self, seq: u64, subject: &str) -> bool {
        self.matches(subject) && (seq >= self.cursor || self.pending.contains_key(&seq) || self.initial.contains(&seq))
    }

    /// Whether a message was delivered and waits for its acknowledgement.
    pub fn is_pending(&self, sseq: u64) -> bool {
        self.pending.contains_key(&sseq)
    }

    /// A client acknowledged (or refused, or asked for more time for) a message. What it acknowledged or
    /// terminated goes to `done`.
    pub fn acknowledge(&mut self, target: &AckTarget, kind: &AckKind, now: Nanos, mono: u64) {
        self.last_activity_ms = mono;
        if self.ack == AckPolicy::None {
            return;
        }
        match kind {
            AckKind::Ack | AckKind::Next { .. } => self.ack_up_to(target.sseq, now),
            AckKind::Term { .. } => {
                if self.pending.remove(&target.sseq).is_some() {
                    self.redelivered.remove(&target.sseq);
                    self.redeliver.remove(target.sseq);
                    self.deadlines.remove(target.sseq);
                    self.done.push(target.sseq);
                    self.update_floor(now);
                }
            }
            AckKind::Nak { delay_ms } => {
                if self.pending.contains_key(&target.sseq) {
                    self.redeliver.insert(target.sseq, mono + delay_ms.unwrap_or(0));
                    self.deadlines.remove(target.sseq);
                }
            }
            AckKind::Progress => {
                let wait = self.wait_for(target.sseq);
                if let Some(p) = self.pending.get_mut(&target.sseq) {
                    p.deadline = mono + wait;
                    // A message waiting to be sent again keeps waiting; its deadline counts once it is sent.
                    if !self.redeliver.contains(target.sseq) {
                        self.deadlines.insert(target.sseq, p.deadline);
                    }
                }
            }
        }
    }

    fn ack_up_to(&mut self, sseq: u64, now: Nanos) {
        let acked: Vec<u64> = match self.ack {
            AckPolicy::All => self.pending.range(..=sseq).map(|(q, _)| *q).collect(),
            _ => self.pending.contains_key(&sseq).then_some(sseq).into_iter().collect(),
        };
        if acked.is_empty() {
            return;
        }
        for q in acked {
            self.pending.remove(&q);
            self.redelivered.remove(&q);
            self.redeliver.remove(q);
            self.deadlines.remove(q);
            self.done.push(q);
        }
        self.update_floor(now);
    }

    /// The acknowledgement floor: everything at or below it is acknowledged.
    fn update_floor(&mut self, now: Nanos) {
        let floor = match self.pending.iter().next() {
            None => (self.dseq, self.last_sseq),
            Some((sseq, p)) => (p.dseq.saturating_sub(1), sseq.saturating_sub(1)),
        };
        if floor.1 >= self.ack_floor.1 {
            self.ack_floor = (floor.0.max(self.ack_floor.0), floor.1);
            self.ack_floor_active = Some(now);
        }
    }

    /// How long a message delivered `n` times so far waits for its acknowledgement next.
    fn wait_for(&self, sseq: u64) -> u64 {
        if self.backoff_ms.is_empty() {
            return self.ack_wait_ms;
        }
        let n = self.redelivered.get(&sseq).copied().unwrap_or(1).max(1) as usize;
        self.backoff_ms[(n - 1).min(self.backoff_ms.len() - 1)]
    }

    /// A pull request refused before it is read, as nats-server refuses it: a push consumer takes none, and a
    /// request may require a higher API level than the server's.
    pub fn refuse_unread(&mut self, reply: &str, mono: u64, level_too_low: bool) -> Option<Out> {
        if !self.is_pull() {
            self.last_activity_ms = mono;
            return Some(status(reply, 409, "Consumer is push based", Vec::new()));
        }
        level_too_low.then(|| status(reply, 412, "Required Api Level", Vec::new()))
    }

    /// Takes a pull request, or answers it at once with the status nats-server sends, in its order. `json`: the
    /// request was a JSON object (only such a request speaks for a priority group).
    pub fn add_request(&mut self, req: PullRequestJson, json: bool, reply: &str, mono: u64) -> Result<(), Out> {
        self.last_activity_ms = mono;
        if !self.is_pull() {
            return Err(status(reply, 409, "Consumer is push based", Vec::new()));
        }
        if req.idle_heartbeat > 0 && req.idle_heartbeat.saturating_mul(2) > req.expires {
            return Err(status(reply, 400, "Bad Request - heartbeat value too large", Vec::new()));
        }
        let batch = req.batch.max(1);
        if let Some(m) = self.config.max_batch.filter(|m| *m > 0 && batch > *m) {
            return Err(status(reply, 409, &format!("Exceeded MaxRequestBatch of {m}"), Vec::new()));
        }
        if let Some(m) = self.config.max_expires.filter(|m| *m > 0 && (req.expires > *m || req.expires <= 0)) {
            let d = crate::engine::time::go_duration_string(m);
            return Err(status(reply, 409, &format!("Exceeded MaxRequestExpires of {d}"), Vec::new()));
        }
        if let Some(m) = self.config.max_bytes.filter(|m| *m > 0 && req.max_bytes > *m) {
            return Err(status(reply, 409, &format!("Exceeded MaxRequestMaxBytes of {m}"), Vec::new()));
        }
        let policy = self.config.priority_policy.as_deref().unwrap_or("");
        let group = json.then(|| PriorityAsk {
            group: req.group.clone(),
            min_pending: req.min_pending,
            min_ack_pending: req.min_ack_pending,
            id: req.id.clone(),
            priority: req.priority,
        });
        if let Some(g) = &group {
            let bad = |why: &str| Err(status(reply, 400, &format!("Bad Request - {why}"), Vec::new()));
            if (g.min_pending != 0 || g.min_ack_pending != 0) && policy != "overflow" {
                return bad("Not a Overflow Priority consumer");
            }
            if !g.id.is_empty() && policy != "pinned_client" {
                return bad("Not a Pinned Client Priority consumer");
            }
            if !(0..=9).contains(&g.priority) {
                return bad("Priority must be between 0 and 9");
            }
            if !policy.is_empty() {
                if g.group.is_empty() {
                    return bad("Priority Group missing");
                }
                if !self.config.priority_groups.iter().flatten().any(|x| *x == g.group) {
                    return bad("Invalid Priority Group");
                }
                let ttl = ms(self.config.priority_timeout.unwrap_or(0));
                if let Some(pin) = self.pin.as_mut() {
                    if g.id == pin.id {
                        pin.until = mono + ttl;
                    } else if !g.id.is_empty() {
                        return Err(status(reply, 423, "Nats-Pin-Id mismatch", Vec::new()));
                    }
                }
            }
        }
        if self.waiting.len() >= self.max_waiting {
            return Err(status(reply, 409, "Exceeded MaxWaiting", Vec::new()));
        }
        let r = PullRequest {
            reply: reply.to_string(),
            batch,
            max_bytes: req.max_bytes.max(0),
            bytes_limited: req.max_bytes > 0,
            // A negative expiry has passed already: nats-server answers 408 at once.
            expires: (req.expires != 0).then(|| if req.expires < 0 { mono } else { mono + ms(req.expires).max(1) }),
            no_wait: req.no_wait,
            delivered: false,
            heartbeat_ms: ms(req.idle_heartbeat),
            last_sent: mono,
            group,
        };
        if policy == "prioritized" {
            self.insert_by_priority(r);
        } else {
            self.waiting.push_back(r);
        }
        Ok(())
    }

    /// Puts a request after every waiting request of the same or a higher priority (a lower number).
    fn insert_by_priority(&mut self, r: PullRequest) {
        let p = |r: &PullRequest| r.group.as_ref().map_or(NO_PRIORITY, |g| g.priority);
        let at = self.waiting.iter().position(|w| p(w) > p(&r)).unwrap_or(self.waiting.len());
        self.waiting.insert(at, r);
    }

    /// `$JS.API.CONSUMER.UNPIN`: forgets the pinned client; `false` when the group is not the consumer's.
    pub fn unpin(&mut self, group: &str) -> bool {
        if !self.config.priority_groups.iter().flatten().any(|g| g == group) {
            return false;
        }
        self.pin = None;
        true
    }

    /// The waiting request the next message goes to, as nats-server's `nextWaiting` picks it: a pinned
    /// consumer pins the first request without an id (and turns away one with a stale id, 423), and serves
    /// only its pinned client; an overflow request waits until the consumer has `min_pending` messages pending
    /// or `min_ack_pending` unacknowledged. Requests it passes over go to the back. `None`: none may take it.
    fn next_request(&mut self, pending: u64, now: Nanos, mono: u64, out: &mut Vec<Out>) -> Option<()> {
        let policy = self.config.priority_policy.clone().unwrap_or_default();
        let mut cycled = 0;
        loop {
            let r = self.waiting.front()?;
            let id = r.group.as_ref().map(|g| g.id.clone()).unwrap_or_default();
            let named = r.group.as_ref().is_some_and(|g| !g.group.is_empty());
            if policy == "pinned_client" {
                match &self.pin {
                    None if id.is_empty() => {
                        if named {
                            let ttl = ms(self.config.priority_timeout.unwrap_or(0));
                            let id = self.new_pin_id(mono);
                            // The request that took the pin holds it for the rest of its batch.
                            if let Some(g) = self.waiting.front_mut().and_then(|r| r.group.as_mut()) {
                                g.id = id.clone();
                            }
                            self.pin = Some(Pin { id, since: now, until: mono + ttl });
                        }
                    }
                    Some(pin) if pin.id == id => {}
                    Some(_) if id.is_empty() => {
                        self.pass_over(&mut cycled)?;
                        continue;
                    }
                    _ => {
                        let r = self.waiting.pop_front()?;
                        out.push(pending_status(&r, 423, "Nats-Wrong-Pin-Id"));
                        continue;
                    }
                }
            }
            if policy == "overflow" {
                let g = self.waiting.front()?.group.clone().unwrap_or_default();
                let limited = g.min_pending > 0 || g.min_ack_pending > 0;
                let over = (g.min_pending > 0 && g.min_pending as u64 <= pending)
                    || (g.min_ack_pending > 0 && g.min_ack_pending as usize <= self.pending.len());
                if limited && !over {
                    self.pass_over(&mut cycled)?;
                    continue;
                }
            }
            return Some(());
        }
    }

    /// Passes over the front request (to the back of the queue); `None` once every request was passed over.
    fn pass_over(&mut self, cycled: &mut usize) -> Option<()> {
        *cycled += 1;
        if *cycled >= self.waiting.len() {
            return None;
        }
        let r = self.waiting.pop_front()?;
        self.waiting.push_back(r);
        Some(())
    }

    /// A pin id: 22 characters, as nats-server's are, different for each pin.
    fn new_pin_id(&self, mono: u64) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut x = mono ^ (self.dseq << 20) ^ (self.number << 40) ^ 0x9E37_79B9_7F4A_7C15;
        for b in self.name.bytes().chain(self.stream.bytes()) {
            x = (x ^ b as u64).wrapping_mul(0x100_0000_01B3);
        }
        (0..22)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ALPHABET[(x % ALPHABET.len() as u64) as usize] as char
            })
            .collect()
    }

    /// The consumer is going away: every waiting request hears so.
    pub fn close_requests(&mut self) -> Vec<Out> {
        self.waiting.drain(..).map(|r| status(&r.reply, 409, "Consumer Deleted", Vec::new())).collect()
    }

    /// A client's answer to a flow-control request (a publish on `$JS.FC.`).
    pub fn flow_control_reply(&mut self, subject: &str) {
        if self.fc_waiting.as_deref() == Some(subject) {
            self.fc_waiting = None;
            self.fc_bytes = 0;
        }
    }

    /// Whether the consumer has nothing due before the stream's current end and no timer has passed: then a pump
    /// would do nothing, and is skipped.
    fn idle(&self, s: &Stream, mono: u64) -> bool {
        self.cursor > s.state_last_seq()
            && self.initial.is_empty()
            && self.next_timeout().is_none_or(|t| t > mono)
            && self.redeliver.is_empty()
    }

    /// Delivers what is due, sends heartbeats and statuses, and moves messages whose acknowledgement did not come
    /// back to the redelivery queue. Returns `false` when the consumer should be removed (inactive).
    pub fn pump(
        &mut self,
        s: &Stream,
        now: Nanos,
        mono: u64,
        interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Out>,
    ) -> bool {
        if let Some(deliver) = self.deliver.clone() {
            self.bound = interest(&deliver);
            if !self.bound {
                let since = *self.no_interest_since.get_or_insert(mono);
                return self.inactive_ms.is_none_or(|limit| mono.saturating_sub(since) < limit);
            }
            self.no_interest_since = None;
        } else {
            self.expire_requests(s, mono, interest, out);
            if self.waiting.is_empty() {
                if let Some(limit) = self.inactive_ms {
                    if mono.saturating_sub(self.last_activity_ms) >= limit {
                        return false;
                    }
                }
            }
        }
        if let Some(rules) = self.rules {
            if (rules.hold)(self, s, mono, out) {
                return true;
            }
        }
        if self.idle(s, mono) && !self.waiting.iter().any(PullRequest::ends_at_stream_end) {
            self.heartbeats(mono, out);
            return true;
        }
        self.collect_overdue(mono);
        let sent = self.deliver_due(s, now, mono, interest, out);
        if self.is_pull() {
            // A request that would wait ends here when it asked not to, unless what holds it back is the
            // consumer's own limit of unacknowledged messages (nats-server keeps it until that clears), or it
            // set an expiry and has had nothing yet (it waits for a message or its expiry, as there).
            let held = self.at_ack_limit() && self.pending_count(s) > 0;
            let mut keep = VecDeque::new();
            for r in self.waiting.drain(..) {
                if r.ends_at_stream_end() && !held {
                    out.push(status(&r.reply, 404, "No Messages", Vec::new()));
                } else {
                    keep.push_back(r);
                }
            }
            self.waiting = keep;
        }
        if sent {
            self.last_sent_ms = mono;
        } else {
            self.heartbeats(mono, out);
        }
        true
    }

    /// Ends requests that expired (408, with what they still wanted) or whose requester went away.
    fn expire_requests(&mut self, _s: &Stream, mono: u64, interest: &dyn Fn(&str) -> bool, out: &mut Vec<Out>) {
        let mut keep = VecDeque::new();
        for r in self.waiting.drain(..) {
            if !interest(&r.reply) {
                continue;
            }
            if r.expires.is_some_and(|e| mono >= e) {
                out.push(pending_status(&r, 408, "Request Timeout"));
                continue;
            }
            keep.push_back(r);
        }
        self.waiting = keep;
    }

    fn heartbeat_headers(&self) -> Headers {
        let mut h = vec![
            ("Nats-Last-Consumer".to_string(), self.dseq.to_string()),
            ("Nats-Last-Stream".to_string(), self.last_sseq.to_string()),
        ];
        if let Some(fc) = &self.fc_waiting {
            h.push(("Nats-Consumer-Stalled".to_string(), fc.clone()));
        }
        h
    }

    fn heartbeats(&mut self, mono: u64, out: &mut Vec<Out>) {
        if let Some(deliver) = &self.deliver {
            if self.heartbeat_ms > 0 && mono.saturating_sub(self.last_sent_ms) >= self.heartbeat_ms {
                out.push(status(deliver, 100, "Idle Heartbeat", self.heartbeat_headers()));
                self.last_sent_ms = mono;
            }
            return;
        }
        let headers = self.heartbeat_headers();
        for r in self.waiting.iter_mut() {
            if r.heartbeat_ms > 0 && mono.saturating_sub(r.last_sent) >= r.heartbeat_ms {
                out.push(status(&r.reply, 100, "Idle Heartbeat", headers.clone()));
                r.last_sent = mono;
            }
        }
    }

    /// Messages whose acknowledgement wait passed go to the redelivery queue, or out of the pending set when
    /// they were delivered `max_deliver` times.
    fn collect_overdue(&mut self, mono: u64) {
        // Earliest deadline first: only what is overdue is visited.
        while let Some(sseq) = self.deadlines.first_due(mono) {
            self.deadlines.remove(sseq);
            let delivered = self.redelivered.get(&sseq).copied().unwrap_or(1);
            if self.max_deliver > 0 && delivered as i64 >= self.max_deliver {
                self.pending.remove(&sseq);
                self.exceeded.push((sseq, delivered));
            } else if let Some(p) = self.pending.get_mut(&sseq) {
                self.redeliver.insert(sseq, mono);
                // Not pending a deadline until it is sent again.
                p.deadline = u64::MAX;
            }
        }
    }

    /// The message to send next, if any may be sent now: a redelivery that is due, else (within
    /// `max_ack_pending`) the next from the initial set or the stream. Moves the cursor past messages the filter
    /// does not match, and forgets redeliveries of messages the stream no longer has.
    fn peek_next(&mut self, s: &Stream, mono: u64) -> Option<Next> {
        // The earliest due first (in sequence order among those due at once), as nats-server's redelivery queue
        // takes them in the order they became due.
        while let Some(sseq) = self.redeliver.first_due(mono) {
            if s.get(sseq).is_some() && self.pending.contains_key(&sseq) {
                return Some(Next::Redeliver(sseq));
            }
            self.redeliver.remove(sseq);
            self.pending.remove(&sseq);
            self.deadlines.remove(sseq);
            self.redelivered.remove(&sseq);
        }
        if self.at_ack_limit() {
            return None;
        }
        while let Some(&q) = self.initial.front() {
            if s.get(q).is_some() {
                return Some(Next::Fresh(q));
            }
            self.initial.pop_front();
        }
        if self.literal_filters() {
            let next = self.filters.iter().filter_map(|f| s.subject_seq_from(f, self.cursor)).min();
            match next {
                Some(q) => return Some(Next::Fresh(q)),
                None => {
                    self.cursor = self.cursor.max(s.state_last_seq() + 1);
                    return None;
                }
            }
        }
        for m in s.messages_from(self.cursor) {
            if self.matches(&m.subject) {
                return Some(Next::Fresh(m.seq));
            }
            self.cursor = m.seq + 1;
        }
        self.cursor = self.cursor.max(s.state_last_seq() + 1);
        None
    }

    /// Whether the consumer has as many unacknowledged messages out as it may.
    fn at_ack_limit(&self) -> bool {
        self.ack != AckPolicy::None && self.max_ack_pending > 0 && self.pending.len() as i64 >= self.max_ack_pending
    }

    /// Sends what is due to the deliver subject or to waiting requests; true when anything went out.
    fn deliver_due(
        &mut self,
        s: &Stream,
        now: Nanos,
        mono: u64,
        interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Out>,
    ) -> bool {
        let mut sent = false;
        let mut left: Option<u64> = None;
        loop {
            if self.deliver.is_some() && self.fc_waiting.is_some() && self.fc_bytes >= FC_STALL_BYTES {
                break;
            }
            if self.is_pull() {
                while self.waiting.front().is_some_and(|r| !interest(&r.reply)) {
                    self.waiting.pop_front();
                }
                if self.waiting.is_empty() {
                    break;
                }
            }
            let Some(next) = self.peek_next(s, mono) else { break };
            let (sseq, fresh) = match next {
                Next::Redeliver(q) => (q, false),
                Next::Fresh(q) => (q, true),
            };
            let Some(m) = s.get(sseq) else { break };
            let pending_after = if fresh {
                let n = *left.get_or_insert_with(|| self.pending_count(s));
                n.saturating_sub(1)
            } else {
                left.unwrap_or_else(|| self.pending_count(s))
            };
            let delivered_next = if fresh { 1 } else { self.redelivered.get(&sseq).copied().unwrap_or(1) + 1 };
            let size = self.delivery_size(m, delivered_next, pending_after);
            // nats-server weighs an overflow request against the pending count before this message leaves.
            if let Some(rules) = self.rules.filter(|_| self.config.priority_policy.is_some()) {
                if (rules.select)(self, pending_after + 1, now, mono, out).is_none() {
                    break;
                }
            }
            if let Some(r) = self.waiting.front() {
                if r.bytes_limited && size as i64 > r.max_bytes {
                    let r = self.waiting.pop_front().expect("a waiting request");
                    out.push(pending_status(&r, 409, "Message Size Exceeds MaxBytes"));
                    continue;
                }
            }
            // Commit the delivery.
            if fresh {
                left = Some(pending_after);
                if self.initial.front() == Some(&sseq) {
                    self.initial.pop_front();
                } else {
                    self.cursor = self.cursor.max(sseq + 1);
                }
            } else {
                self.redeliver.remove(sseq);
                *self.redelivered.entry(sseq).or_insert(1) += 1;
            }
            self.dseq += 1;
            self.last_sseq = self.last_sseq.max(sseq);
            self.last_active = Some(now);
            self.last_activity_ms = mono;
            let delivered = self.redelivered.get(&sseq).copied().unwrap_or(1);
            if let Some(log) = self.log.as_mut() {
                if log.len() >= DELIVERED_LIMIT {
                    log.pop_front();
                }
                log.push_back(sseq);
            }
            if self.ack == AckPolicy::None && s.config.retention != Retention::Limits {
                self.done.push(sseq);
            }
            if self.ack != AckPolicy::None {
                let wait = self.wait_for(sseq);
                let deadline = mono.saturating_add(wait);
                self.pending.insert(sseq, Pending { dseq: self.dseq, deadline });
                self.deadlines.insert(sseq, deadline);
            }
            let target = match &self.deliver {
                Some(d) => d.clone(),
                None => self.waiting.front().map(|r| r.reply.clone()).unwrap_or_default(),
            };
            let msg = self.message(m, &target, delivered, pending_after);
            sent = true;
            if let Some(mut r) = self.waiting.pop_front() {
                r.batch -= 1;
                r.delivered = true;
                if r.bytes_limited {
                    r.max_bytes -= size as i64;
                }
                r.last_sent = mono;
                // A request that wants more goes behind the others (behind those of its priority when
                // prioritized), as nats-server takes turns among waiting requests.
                if !(r.batch <= 0 || (r.bytes_limited && r.max_bytes <= 0)) {
                    match self.rules {
                        _ if self.waiting.is_empty() => self.waiting.push_front(r),
                        Some(rules) if self.config.priority_policy.as_deref() == Some("prioritized") => {
                            (rules.requeue)(self, r)
                        }
                        _ => self.waiting.push_back(r),
                    }
                }
            }
            self.fc_bytes += msg.payload.len() + msg.headers.as_ref().map_or(0, |h| h.len());
            out.push(msg);
            if self.deliver.is_some()
                && self.flow_control
                && self.fc_waiting.is_none()
                && self.fc_bytes >= FC_EVERY_BYTES
            {
                self.fc_counter += 1;
                let fc = format!("$JS.FC.{}.{}.{}", self.stream, self.name, self.fc_counter);
                let deliver = self.deliver.clone().unwrap_or_default();
                out.push(Out { reply: Some(fc.clone()), ..status(&deliver, 100, "FlowControl Request", Vec::new()) });
                self.fc_waiting = Some(fc);
            }
        }
        sent
    }

    /// The bytes a message counts against a pull request's `max_bytes`, as nats-server counts them: its subject,
    /// the ack subject it will carry (this delivery's), headers and payload.
    fn delivery_size(&self, m: &StoredMsg, delivered: u64, pending: u64) -> usize {
        let reply = self.ack_reply(m, delivered, self.dseq + 1, pending);
        m.subject.len() + reply.len() + crate::engine::headers::encoded_len(&m.headers) + m.data.len()
    }

    /// The ack subject of a delivery.
    fn ack_reply(&self, m: &StoredMsg, delivered: u64, dseq: u64, pending: u64) -> String {
        format!("$JS.ACK.{}.{}.{}.{}.{}.{}.{}", self.stream, self.name, delivered, m.seq, dseq, m.time, pending)
    }

    /// One message as the consumer delivers it, with the ack subject clients read.
    fn message(&self, m: &StoredMsg, target: &str, delivered: u64, pending: u64) -> Out {
        let reply = self.ack_reply(m, delivered, self.dseq, pending);
        // A pinned client's messages say its pin.
        let pin = self.pin.as_ref().filter(|_| self.deliver.is_none());
        let (headers, payload) = if self.config.headers_only || pin.is_some() {
            let mut h = m.headers.clone();
            if let Some(p) = pin {
                h.push(("Nats-Pin-Id".into(), p.id.clone()));
            }
            if self.config.headers_only {
                h.push(("Nats-Msg-Size".into(), m.data.len().to_string()));
                (encode_headers(&h), Vec::new())
            } else {
                (encode_headers(&h), m.data.clone())
            }
        } else {
            (encode_headers(&m.headers), m.data.clone())
        };
        Out { deliver: Some(target.to_string()), subject: m.subject.clone(), reply: Some(reply), headers, payload }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_bodies_read_as_the_server_reads_them() {
        assert_eq!(AckKind::parse(b""), Some(AckKind::Ack));
        assert_eq!(AckKind::parse(b"+ACK"), Some(AckKind::Ack));
        assert_eq!(AckKind::parse(b"-NAK"), Some(AckKind::Nak { delay_ms: None }));
        assert_eq!(AckKind::parse(b"-NAK {\"delay\":2000000000}"), Some(AckKind::Nak { delay_ms: Some(2000) }));
        assert_eq!(AckKind::parse(b"+WPI"), Some(AckKind::Progress));
        assert_eq!(AckKind::parse(b"+TERM because"), Some(AckKind::Term { reason: "because".into() }));
        assert_eq!(AckKind::parse(b"+NXT {\"batch\":3}"), Some(AckKind::Next { batch: 3 }));
        assert_eq!(AckKind::parse(b"bogus"), None);
        assert_eq!(AckKind::parse(&[0xff]), None);
    }

    #[test]
    fn ack_subjects_in_both_forms() {
        let a = AckTarget::parse("$JS.ACK.S.D.1.7.9.1700000000000000000.3").unwrap();
        assert_eq!((a.stream.as_str(), a.consumer.as_str(), a.sseq, a.dseq), ("S", "D", 7, 9));
        let b = AckTarget::parse("$JS.ACK.dom.hash.S.D.2.7.9.1700000000000000000.3.rand").unwrap();
        assert_eq!((b.stream.as_str(), b.sseq), ("S", 7));
        assert!(AckTarget::parse("$JS.ACK.S.D.x.7.9.1.3").is_none());
        assert!(AckTarget::parse("$JS.ACK.S.D").is_none());
    }
}
