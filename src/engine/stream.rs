//! A JetStream stream as the server keeps it: messages by sequence, per-subject limits, rollups, TTLs and byte accounting.
//!
//! This is the server half of the emulation. It knows nothing about keys or buckets: it stores messages on
//! subjects and enforces the stream's configuration the way `nats-server` 2.11+ does. The KV layer above it
//! (`kv.rs`) speaks to it only through publish, get, purge and config updates, exactly as a client does.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::error::ApiError;
use super::headers::{self, Headers};
use super::index::TextMap;
use super::time::{Nanos, NANOS_PER_SEC};

/// Where a stream keeps its messages. It changes only how bytes are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StorageType {
    File,
    Memory,
}

impl StorageType {
    /// The name the server and `nats` CLI print ("File", "Memory").
    pub fn label(self) -> &'static str {
        match self {
            StorageType::File => "File",
            StorageType::Memory => "Memory",
        }
    }
}

/// The subset of a stream configuration that KV buckets use.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StreamConfig {
    pub name: String,
    pub subjects: Vec<String>,
    pub description: String,
    pub max_msgs_per_subject: i64,
    /// The stream's message limit (-1: none): with discard old the oldest message makes room, with discard new
    /// a message past it is refused.
    #[serde(default = "no_limit")]
    pub max_msgs: i64,
    /// The most consumers the stream takes (-1: no limit).
    #[serde(default = "no_limit")]
    pub max_consumers: i64,
    /// When messages leave besides the limits: never, once every interested consumer acknowledged them, or once
    /// the one consumer that takes them did.
    #[serde(default)]
    pub retention: Retention,
    /// The most a consumer of this stream may ask for (and what it gets when it asks for nothing).
    #[serde(default)]
    pub consumer_limits: ConsumerLimits,
    pub max_bytes: i64,
    pub max_age: Nanos,
    pub max_msg_size: i32,
    pub storage: StorageType,
    pub replicas: i64,
    pub compression: bool,
    pub allow_msg_ttl: bool,
    pub subject_delete_marker_ttl: Nanos,
    /// Writes flushed asynchronously (`persist_mode: async`): kept and reported; memory streams have nothing to
    /// flush.
    #[serde(default)]
    pub persist_async: bool,
    /// Subjects hold counters (`Nats-Incr`), summed by the server.
    #[serde(default)]
    pub allow_msg_counter: bool,
    /// Takes atomic batches (`Nats-Batch-Id`): staged, then stored all at once or not at all.
    #[serde(default)]
    pub allow_atomic: bool,
    /// Takes fast batches (a publish whose reply ends `.$FI`): stored as they come, acknowledged in flow.
    #[serde(default)]
    pub allow_batched: bool,
    /// Messages with `Nats-Schedule` fire copies of themselves on their target subject (`schedule.rs`).
    #[serde(default)]
    pub allow_msg_schedules: bool,
    pub duplicate_window: Nanos,
    pub metadata: TextMap,
    /// Answers direct gets (`$JS.API.DIRECT.GET`); the Go and JavaScript clients ask for it, nats-py does not.
    #[serde(default = "yes")]
    pub allow_direct: bool,
    #[serde(default = "yes")]
    pub deny_delete: bool,
    #[serde(default)]
    pub deny_purge: bool,
    /// Honours `Nats-Rollup` headers (KV purge markers).
    #[serde(default = "yes")]
    pub allow_rollup_hdrs: bool,
    /// Stores without acknowledging: publishes get no PubAck (and may then capture the server's own subjects).
    #[serde(default)]
    pub no_ack: bool,
    /// Refuses what exceeds a limit instead of dropping old messages. KV buckets use it.
    #[serde(default = "yes")]
    pub discard_new: bool,
    /// Refuses a message on a subject that holds `max_msgs_per_subject` already (a rollup excepted).
    #[serde(default)]
    pub discard_new_per_subject: bool,
    /// The sequence the stream's first message takes (0 and 1 both mean 1).
    #[serde(default)]
    pub first_seq: u64,
    /// Read-only for good: no publishes, deletes or purges (an update seals a stream; nothing unseals it).
    #[serde(default)]
    pub sealed: bool,
    /// Where a cluster should place the stream; a single server keeps it and reports it.
    #[serde(default)]
    pub placement: Option<Placement>,
    /// Messages stored on subjects matching `src` are sent on again to `dest` (transformed).
    #[serde(default)]
    pub republish: Option<RePublish>,
    /// The stream this one copies, message for message and sequence for sequence (it then has no subjects).
    #[serde(default)]
    pub mirror: Option<StreamSource>,
    /// When mirroring, also answers direct gets addressed to the origin (set from the origin's `allow_direct`).
    #[serde(default)]
    pub mirror_direct: bool,
    /// The streams whose messages this one also stores, each under a sequence of its own.
    #[serde(default)]
    pub sources: Vec<StreamSource>,
    /// Published subjects are stored under this transform's destination.
    #[serde(default)]
    pub subject_transform: Option<Transform>,
}

/// Where a mirror or a source reads from: a stream by name, from a sequence or a time, every message or those a
/// filter or the transforms' sources match (a transform also renames the subject).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StreamSource {
    pub name: String,
    #[serde(default)]
    pub opt_start_seq: u64,
    #[serde(default)]
    pub opt_start_time: Option<Nanos>,
    #[serde(default)]
    pub filter_subject: String,
    #[serde(default)]
    pub subject_transforms: Vec<Transform>,
    /// A durable consumer on the origin that feeds this source (nats-server 2.14's durable sourcing): copies
    /// come only as it delivers them to its deliver subject.
    #[serde(default)]
    pub consumer: Option<SourceConsumer>,
}

/// The consumer a durable source reads through, and the subject it delivers on (as the API carries it too).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceConsumer {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub deliver_subject: String,
}

/// A subject transform as a configuration names it (an empty `src` or `dest` means `>`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Transform {
    pub src: String,
    pub dest: String,
}

impl StreamSource {
    /// The filter and destination parts of nats-server's index name for a source, as its `Nats-Stream-Source`
    /// header carries them: `> >` for everything, the filter and `>`, or the transforms' sources and
    /// destinations (joined by a form feed).
    pub fn filter_and_dest(&self) -> (String, String) {
        let or_all = |s: &str| if s.is_empty() { ">".to_string() } else { s.to_string() };
        if self.subject_transforms.is_empty() {
            return (or_all(&self.filter_subject), ">".to_string());
        }
        let srcs: Vec<String> = self.subject_transforms.iter().map(|t| or_all(&t.src)).collect();
        let dests: Vec<String> = self.subject_transforms.iter().map(|t| or_all(&t.dest)).collect();
        (srcs.join("\x0c"), dests.join("\x0c"))
    }

    /// The subject a message of the origin is stored under here, or `None` when this source does not take it.
    pub fn map_subject(&self, subject: &str) -> Option<String> {
        if self.subject_transforms.is_empty() {
            let f = &self.filter_subject;
            return (f.is_empty() || crate::engine::kv::subject_matches(f, subject)).then(|| subject.to_string());
        }
        self.subject_transforms.iter().find_map(|t| StreamSource::transformed(t, subject))
    }

    /// A subject through one transform, or `None` when the transform's source does not match it.
    pub fn transformed(t: &Transform, subject: &str) -> Option<String> {
        let or_all = |s: &str| if s.is_empty() { ">".to_string() } else { s.to_string() };
        let src = or_all(&t.src);
        if !crate::engine::kv::subject_matches(&src, subject) {
            return None;
        }
        match crate::engine::transform::SubjectTransform::new(&src, &or_all(&t.dest)) {
            Ok(tr) => tr.apply(subject),
            Err(_) => Some(subject.to_string()),
        }
    }

    /// Whether this source starts at or before the origin's message `seq` written at `time`.
    pub fn starts_by(&self, seq: u64, time: Nanos) -> bool {
        seq >= self.opt_start_seq && self.opt_start_time.is_none_or(|t| time >= t)
    }
}

/// A stream's retention policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Retention {
    /// Messages stay until a limit, an expiry, a purge or a delete removes them.
    #[default]
    Limits,
    /// A message goes once every consumer whose filter matches it has acknowledged it; with no such consumer it
    /// is not kept at all.
    Interest,
    /// A message goes once its consumer acknowledged it; the consumers' filters may not overlap.
    WorkQueue,
}

impl Retention {
    /// The name the JetStream API gives it.
    pub fn api_name(self) -> &'static str {
        match self {
            Retention::Limits => "limits",
            Retention::Interest => "interest",
            Retention::WorkQueue => "workqueue",
        }
    }
}

/// A stream's limits for its consumers (0: none): the longest inactive threshold and the most pending acks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConsumerLimits {
    pub inactive_threshold: Nanos,
    pub max_ack_pending: i64,
}

fn no_limit() -> i64 {
    -1
}

/// A stream's placement request (cluster and tags), kept as given.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placement {
    pub cluster: String,
    pub tags: Vec<String>,
}

/// A republish directive: what the stream stores on `src` it also publishes to `dest`, with or without the body.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RePublish {
    pub src: String,
    pub dest: String,
    pub headers_only: bool,
}

fn yes() -> bool {
    true
}

/// One stored message.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredMsg {
    pub seq: u64,
    pub subject: String,
    pub headers: Headers,
    pub data: Vec<u8>,
    pub time: Nanos,
    /// Per-message TTL in seconds as the server parsed it: -1 means never, 0 means none.
    pub ttl: i64,
}

/// Why a message left the stream. The server does not report this; the playground's visualizations do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RemovalReason {
    /// Pushed out by the per-subject limit (bucket history).
    HistoryLimit,
    /// Removed by a later message's rollup (a KV purge).
    Rollup,
    /// Expired by the bucket's max age.
    MaxAge,
    /// Expired by its own per-message TTL.
    MessageTtl,
    /// Removed by a stream purge (KV compact).
    Purged,
    /// Removed by a message delete request (`$JS.API.STREAM.MSG.DELETE`).
    Deleted,
    /// Pushed out by the stream's message limit (`max_msgs`, discard old).
    MsgLimit,
    /// Pushed out by the stream's byte limit (`max_bytes`, discard old).
    ByteLimit,
    /// Acknowledged by the consumers that wanted it (work-queue or interest retention).
    Acknowledged,
    /// Wanted by no consumer (interest retention).
    NoInterest,
}

/// How a revision left the stream, for the timeline: why, and when in the revision order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Removal {
    pub reason: RemovalReason,
    /// The stream's last sequence when it was removed.
    pub after_seq: u64,
    /// True when it was removed by the write of `after_seq` itself (a rollup or the history limit); false when
    /// it went later (expiry, compact).
    pub by_that_write: bool,
    pub at: Nanos,
}

/// One revision as the playground remembers it, removed or not. The server forgets removed messages; the
/// playground keeps them so the timeline can show what was there and why it went.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JournalEntry {
    pub seq: u64,
    pub subject: String,
    pub headers: Headers,
    pub data: Vec<u8>,
    pub time: Nanos,
    /// When the message expires (by bucket TTL or its own), if it does.
    pub expires: Option<Nanos>,
    pub removed: Option<Removal>,
}

impl JournalEntry {
    /// What remembering this revision costs against `JOURNAL_BYTES`.
    pub fn cost(&self) -> u64 {
        (self.subject.len() + headers::encoded_len(&self.headers) + self.data.len()) as u64 + JOURNAL_ENTRY_OVERHEAD
    }

    /// Whether this revision was in the stream just after revision `n` was written.
    pub fn present_at(&self, n: u64) -> bool {
        self.seq <= n
            && match self.removed {
                None => true,
                Some(r) => r.after_seq > n || (r.after_seq == n && !r.by_that_write),
            }
    }
}

/// A write the stream refused: it took no revision.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rejection {
    /// The stream's last sequence at the time.
    pub after_seq: u64,
    pub subject: String,
    pub error: String,
    pub time: Nanos,
}

/// The counters a stream info response carries in `state`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamState {
    pub msgs: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub last_time: Option<Nanos>,
    pub num_subjects: u64,
    /// Sequences missing between the first and the last message (deleted ones).
    pub num_deleted: u64,
}

impl StreamState {
    /// The first sequence as stream info reports it: 0 for a stream that has never stored a message, as
    /// nats-server says (its store keeps `first_seq` 1 internally, as this one does).
    pub fn reported_first_seq(&self) -> u64 {
        if self.msgs == 0 && self.last_seq == 0 {
            0
        } else {
            self.first_seq
        }
    }
}

/// How a `Nats-Rollup` header asks a new message to replace older ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rollup {
    None,
    /// Every message on the subjects the new message's subject matches (wildcards included).
    Subject,
    /// Every message in the stream.
    All,
}

/// A stream and its messages.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Stream {
    pub config: StreamConfig,
    pub created: Nanos,
    msgs: BTreeMap<u64, StoredMsg>,
    /// Each subject's sequences, oldest first, and when messages expire: both follow from `msgs` and the
    /// configuration, so they are not serialised but built again (`reindex`).
    #[serde(skip)]
    by_subject: BTreeMap<String, VecDeque<u64>>,
    #[serde(skip)]
    expiries: BTreeSet<(Nanos, u64)>,
    bytes: u64,
    last_seq: u64,
    last_time: Option<Nanos>,
    /// Every revision with its fate, oldest first, for the playground's timeline; bounded by `JOURNAL_LIMIT`
    /// revisions and `JOURNAL_BYTES` bytes, the oldest forgotten first.
    journal: VecDeque<JournalEntry>,
    /// What the journal holds, as `JournalEntry::cost` counts it.
    #[serde(default)]
    journal_bytes: u64,
    /// Refused writes, for the timeline; bounded by `REJECTION_LIMIT`.
    rejections: VecDeque<Rejection>,
    /// How far this stream has copied each stream it mirrors or sources, by the origin's name.
    #[serde(default)]
    pub sourcing: Vec<(String, SourceProgress)>,
}

/// How far a mirror or a source has come: the origin's last sequence it took, and when it last took one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceProgress {
    pub last_seq: u64,
    pub active_at: Option<Nanos>,
}

/// What the stream did in answer to a publish: the new sequence, and the messages it removed on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PubAck {
    pub seq: u64,
}

/// A change the stream made that watchers must hear about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    Stored(u64),
}

/// How many revisions the timeline remembers per bucket.
pub const JOURNAL_LIMIT: usize = 200_000;
/// How many bytes of revisions (their subjects, headers and payloads, plus `JOURNAL_ENTRY_OVERHEAD` each) the
/// timeline remembers per bucket: the newest are kept, so overwriting one key for ever holds at most this much.
/// Older revisions are beyond the remembered window (`Stream::journal_first`); the stream itself still has
/// whatever its limits keep.
pub const JOURNAL_BYTES: u64 = 4 * 1024 * 1024;
/// What one remembered revision costs besides its subject, headers and payload.
pub const JOURNAL_ENTRY_OVERHEAD: u64 = 96;
/// How many refused writes the timeline remembers per bucket.
pub const REJECTION_LIMIT: usize = 10_000;

impl Stream {
    pub fn new(config: StreamConfig, created: Nanos) -> Stream {
        let last_seq = config.first_seq.saturating_sub(1);
        Stream {
            config,
            created,
            msgs: BTreeMap::new(),
            by_subject: BTreeMap::new(),
            expiries: BTreeSet::new(),
            bytes: 0,
            last_seq,
            last_time: None,
            journal: VecDeque::new(),
            journal_bytes: 0,
            rejections: VecDeque::new(),
            sourcing: Vec::new(),
        }
    }

    /// Rebuilds a stream from kept messages (an import): sequences as given, gaps allowed, `last_seq` at least the
    /// newest message. The caller has validated the messages.
    pub fn restore(config: StreamConfig, created: Nanos, msgs: Vec<StoredMsg>, last_seq: u64) -> Stream {
        let mut s = Stream::new(config, created);
        for m in msgs {
            s.last_seq = m.seq - 1;
            let subject = m.subject.clone();
            s.store(&subject, m.headers, m.data, m.time, m.ttl, Rollup::None);
        }
        s.last_seq = s.last_seq.max(last_seq);
        s
    }

    /// How far this stream has copied `origin`.
    pub fn progress(&self, origin: &str) -> SourceProgress {
        self.sourcing.iter().find(|(o, _)| o == origin).map(|(_, p)| *p).unwrap_or_default()
    }

    /// How far this stream has copied `origin`, to move on.
    pub fn progress_mut(&mut self, origin: &str) -> &mut SourceProgress {
        let i = match self.sourcing.iter().position(|(o, _)| o == origin) {
            Some(i) => i,
            None => {
                self.sourcing.push((origin.to_string(), SourceProgress::default()));
                self.sourcing.len() - 1
            }
        };
        &mut self.sourcing[i].1
    }

    /// The number of bytes the server counts for a message in this stream's storage.
    pub fn msg_size(&self, subject: &str, headers: &Headers, data: &[u8]) -> u64 {
        let hdr = headers::encoded_len(headers);
        match self.config.storage {
            StorageType::File => {
                if hdr == 0 {
                    (22 + subject.len() + data.len() + 8) as u64
                } else {
                    (22 + subject.len() + 4 + hdr + data.len() + 8) as u64
                }
            }
            StorageType::Memory => (subject.len() + hdr + data.len() + 16) as u64,
        }
    }

    pub fn state(&self) -> StreamState {
        let first_seq = self.first_seq();
        let span = self.last_seq.saturating_add(1).saturating_sub(first_seq);
        StreamState {
            msgs: self.msgs.len() as u64,
            bytes: self.bytes,
            first_seq,
            last_seq: self.last_seq,
            last_time: self.last_time,
            num_subjects: self.by_subject.len() as u64,
            num_deleted: span.saturating_sub(self.msgs.len() as u64),
        }
    }

    /// The first sequence as the server reports it: the oldest message's, or the next one when the stream is
    /// empty (0 for a stream never written to, which `StreamStateJson` writes).
    fn first_seq(&self) -> u64 {
        self.msgs.keys().next().copied().unwrap_or(self.last_seq.saturating_add(1))
    }

    /// The sequences deleted between the first and the last message, in order.
    pub fn deleted(&self) -> Vec<u64> {
        if self.msgs.is_empty() {
            return Vec::new();
        }
        (self.first_seq()..=self.last_seq).filter(|q| !self.msgs.contains_key(q)).collect()
    }

    /// How many messages each subject matching `filter` holds, by subject.
    pub fn subject_totals(&self, filter: &str) -> BTreeMap<String, u64> {
        self.by_subject
            .iter()
            .filter(|(s, _)| crate::engine::kv::subject_matches(filter, s))
            .map(|(s, q)| (s.clone(), q.len() as u64))
            .collect()
    }

    /// Removes one message, as `$JS.API.STREAM.MSG.DELETE` does, with the store's error when it cannot: a file
    /// store tells a sequence before the first ("no message found") and after the last ("stream store EOF")
    /// from a gap, a memory store says "sequence N not found" for all three.
    pub fn delete_msg(&mut self, seq: u64, now: Nanos) -> Result<(), ApiError> {
        if self.remove(seq, RemovalReason::Deleted, false, now).is_some() {
            return Ok(());
        }
        let not_found = || ApiError::new(400, 10043, format!("sequence {seq} not found"));
        if self.config.storage == StorageType::Memory {
            return Err(not_found());
        }
        if seq == 0 || seq < self.first_seq() {
            Err(ApiError::new(500, 10057, "no message found"))
        } else if seq > self.last_seq {
            Err(ApiError::new(500, 10057, "stream store EOF"))
        } else {
            Err(not_found())
        }
    }

    pub fn get(&self, seq: u64) -> Option<&StoredMsg> {
        self.msgs.get(&seq)
    }

    /// The newest message stored on a subject.
    pub fn last_for_subject(&self, subject: &str) -> Option<&StoredMsg> {
        self.by_subject.get(subject).and_then(|q| q.back()).and_then(|s| self.msgs.get(s))
    }

    /// Every message in sequence order.
    pub fn messages(&self) -> impl DoubleEndedIterator<Item = &StoredMsg> {
        self.msgs.values()
    }

    /// Messages from a sequence on, in order.
    pub fn messages_from(&self, seq: u64) -> impl Iterator<Item = &StoredMsg> {
        self.msgs.range(seq..).map(|(_, m)| m)
    }

    /// The newest message of every subject, in sequence order.
    pub fn last_per_subject(&self) -> Vec<&StoredMsg> {
        let mut seqs: Vec<u64> = self.by_subject.values().filter_map(|q| q.back().copied()).collect();
        crate::engine::index::sort_seqs(&mut seqs);
        seqs.iter().filter_map(|s| self.msgs.get(s)).collect()
    }

    /// The sequences stored on one subject, oldest first.
    pub fn subject_seqs(&self, subject: &str) -> Vec<u64> {
        self.by_subject.get(subject).map(|q| q.iter().copied().collect()).unwrap_or_default()
    }

    /// How many messages on one subject have a sequence of at least `from`.
    pub fn subject_count_from(&self, subject: &str, from: u64) -> u64 {
        self.by_subject.get(subject).map(|q| (q.len() - q.partition_point(|s| *s < from)) as u64).unwrap_or(0)
    }

    /// The first sequence on one subject at or after `from`.
    pub fn subject_seq_from(&self, subject: &str, from: u64) -> Option<u64> {
        let q = self.by_subject.get(subject)?;
        q.get(q.partition_point(|s| *s < from)).copied()
    }

    /// The newest sequence the stream has given out (0 before the first message).
    pub fn state_last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Every remembered revision, oldest first.
    pub fn journal(&self) -> &VecDeque<JournalEntry> {
        &self.journal
    }

    /// The oldest revision the journal still remembers (`None` while it is empty): anything older is beyond the
    /// remembered window.
    pub fn journal_first(&self) -> Option<u64> {
        self.journal.front().map(|x| x.seq)
    }

    /// The bytes the journal holds, as `JOURNAL_BYTES` counts them.
    pub fn journal_bytes(&self) -> u64 {
        self.journal_bytes
    }

    /// A remembered revision.
    pub fn journal_entry(&self, seq: u64) -> Option<&JournalEntry> {
        let first = self.journal.front()?.seq;
        self.journal.get(seq.checked_sub(first)? as usize)
    }

    fn journal_entry_mut(&mut self, seq: u64) -> Option<&mut JournalEntry> {
        let first = self.journal.front()?.seq;
        self.journal.get_mut(seq.checked_sub(first)? as usize)
    }

    /// Refused writes, oldest first.
    pub fn rejections(&self) -> &VecDeque<Rejection> {
        &self.rejections
    }

    /// Records a write the stream refused.
    pub fn record_rejection(&mut self, subject: &str, error: &ApiError, now: Nanos) {
        if self.rejections.len() >= REJECTION_LIMIT {
            self.rejections.pop_front();
        }
        self.rejections.push_back(Rejection {
            after_seq: self.last_seq,
            subject: subject.to_string(),
            error: error.description.clone(),
            time: now,
        });
    }

    /// Stores a message as the server's `processJetStreamMsg` does, checking the expected-sequence header,
    /// the message TTL, the size limits and applying rollups and per-subject limits.
    pub fn publish(
        &mut self,
        subject: &str,
        headers: Headers,
        data: Vec<u8>,
        now: Nanos,
    ) -> Result<(PubAck, Vec<StreamEvent>), ApiError> {
        let r = self.try_publish(subject, headers, data, now);
        if let Err(e) = &r {
            self.record_rejection(subject, e, now);
        }
        r
    }

    fn try_publish(
        &mut self,
        subject: &str,
        headers: Headers,
        data: Vec<u8>,
        now: Nanos,
    ) -> Result<(PubAck, Vec<StreamEvent>), ApiError> {
        self.try_store(subject, headers, data, now, true)
    }

    /// Stores a copy of another stream's message, as a mirror (`at`: the origin's sequence, kept, with gaps
    /// where the origin has none) or a source (the next sequence) does. The origin made the client's checks
    /// (expected sequences, TTL permission); this stream's own limits apply, and rollups when it allows them.
    /// `None` when a mirror has that sequence already.
    pub fn store_copy(
        &mut self,
        at: Option<u64>,
        subject: &str,
        mut headers: Headers,
        data: Vec<u8>,
        time: Nanos,
    ) -> Option<Result<(PubAck, Vec<StreamEvent>), ApiError>> {
        headers.retain(|(k, _)| !k.starts_with("Nats-Expected-"));
        if !self.config.allow_msg_ttl {
            headers::remove(&mut headers, headers::MSG_TTL);
        }
        let rollups = self.config.allow_rollup_hdrs && !self.config.deny_purge;
        let Some(seq) = at else { return Some(self.try_store(subject, headers, data, time, rollups)) };
        if seq <= self.last_seq {
            return None;
        }
        let previous = self.last_seq;
        self.last_seq = seq - 1;
        let r = self.try_store(subject, headers, data, time, rollups);
        if r.is_err() {
            self.last_seq = previous;
        }
        Some(r)
    }

    fn try_store(
        &mut self,
        subject: &str,
        mut headers: Headers,
        data: Vec<u8>,
        now: Nanos,
        rollups: bool,
    ) -> Result<(PubAck, Vec<StreamEvent>), ApiError> {
        if self.config.sealed {
            return Err(ApiError::stream_sealed());
        }
        // A stream moved to the last sequence there is (by a purge or its first_seq) takes no more messages.
        if self.last_seq == u64::MAX {
            return Err(ApiError::new(503, 10077, "maximum messages exceeded"));
        }
        // In nats-server's order: a TTL on a stream without them, the expected sequence, the sizes, then a TTL
        // that cannot be read.
        let parsed_ttl = headers::get(&headers, headers::MSG_TTL).filter(|t| !t.is_empty()).map(parse_message_ttl);
        if parsed_ttl.is_some_and(|t| t.is_some_and(|t| t != 0)) && !self.config.allow_msg_ttl {
            return Err(ApiError::message_ttl_disabled());
        }
        // Checked on another subject or a pattern (`..._SUBJECT`), the server checks it before (`features.rs`).
        let elsewhere =
            headers::get(&headers, headers::EXPECTED_LAST_SUBJECT_SEQ_SUBJECT).is_some_and(|s| !s.is_empty());
        if let Some(expected) = headers::get(&headers, headers::EXPECTED_LAST_SUBJECT_SEQ).filter(|_| !elsewhere) {
            // A sequence nats-server cannot read is one no message has.
            let expected: u64 = expected.trim().parse().unwrap_or(u64::MAX);
            let last = self.last_for_subject(subject).map(|m| m.seq).unwrap_or(0);
            if last != expected {
                return Err(ApiError::wrong_last_sequence(last));
            }
        }
        let hdr_len = headers::encoded_len(&headers);
        if self.config.max_msg_size >= 0 && (hdr_len + data.len()) as i64 > self.config.max_msg_size as i64 {
            return Err(ApiError::message_exceeds_maximum());
        }
        if hdr_len > u16::MAX as usize {
            return Err(ApiError::new(400, 10097, "header size exceeds maximum allowed of 64k"));
        }
        let mut ttl = 0i64;
        if let Some(parsed) = parsed_ttl {
            ttl = parsed.ok_or_else(ApiError::message_ttl_invalid)?;
            let sdm = self.config.subject_delete_marker_ttl / NANOS_PER_SEC;
            if ttl > 0 && sdm > 0 && self.config.max_msgs_per_subject != 1 && ttl < sdm {
                ttl = sdm;
                headers::remove(&mut headers, headers::MSG_TTL);
                headers.push((headers::MSG_TTL.to_string(), ttl.to_string()));
            }
        }
        let rollup = match headers::get(&headers, headers::ROLLUP) {
            Some("sub") if rollups => Rollup::Subject,
            Some("all") if rollups => Rollup::All,
            _ => Rollup::None,
        };
        if self.config.discard_new_per_subject && rollup == Rollup::None && self.subject_full(subject) {
            return Err(ApiError::new(503, 10077, "maximum messages per subject exceeded"));
        }
        let size = self.msg_size(subject, &headers, &data);
        // Discard new, as the store checks it: the per-subject limit about to drop an older message on the
        // subject makes room for this one.
        let at_subject_limit = self.config.max_msgs_per_subject > 0
            && self.by_subject.get(subject).is_some_and(|q| q.len() as i64 + 1 > self.config.max_msgs_per_subject);
        let msg_limit = self.config.max_msgs;
        if self.config.discard_new && msg_limit > 0 && self.msgs.len() as u64 >= msg_limit as u64 && !at_subject_limit {
            return Err(ApiError::new(503, 10077, "maximum messages exceeded"));
        }
        if self.config.discard_new && self.config.max_bytes > 0 && self.bytes + size > self.config.max_bytes as u64 {
            // A message that would push the stream over its byte limit is refused, unless the per-subject limit is
            // about to drop an older message at least as large.
            let oldest =
                self.by_subject.get(subject).and_then(|q| q.front().copied()).map(|s| self.size_of(s)).unwrap_or(0);
            if !at_subject_limit || oldest < size {
                return Err(ApiError::maximum_bytes_exceeded());
            }
        }
        Ok(self.store(subject, headers, data, now, ttl, rollup))
    }

    /// Whether a subject holds as many messages as the per-subject limit allows.
    fn subject_full(&self, subject: &str) -> bool {
        let limit = self.config.max_msgs_per_subject;
        limit > 0 && self.by_subject.get(subject).is_some_and(|q| q.len() as i64 >= limit)
    }

    fn size_of(&self, seq: u64) -> u64 {
        self.msgs.get(&seq).map(|m| self.msg_size(&m.subject, &m.headers, &m.data)).unwrap_or(0)
    }

    fn store(
        &mut self,
        subject: &str,
        headers: Headers,
        data: Vec<u8>,
        now: Nanos,
        ttl: i64,
        rollup: Rollup,
    ) -> (PubAck, Vec<StreamEvent>) {
        self.last_seq += 1;
        let seq = self.last_seq;
        let time = now.max(self.last_time.unwrap_or(i64::MIN));
        let msg = StoredMsg { seq, subject: subject.to_string(), headers, data, time, ttl };
        self.bytes += self.msg_size(&msg.subject, &msg.headers, &msg.data);
        let expires = self.expiry_of(&msg);
        if let Some(at) = expires {
            self.expiries.insert((at, seq));
        }
        let entry = JournalEntry {
            seq,
            subject: msg.subject.clone(),
            headers: msg.headers.clone(),
            data: msg.data.clone(),
            time,
            expires,
            removed: None,
        };
        let cost = entry.cost();
        // The newest revision is always remembered, even one larger than the whole bound.
        while !self.journal.is_empty()
            && (self.journal.len() >= JOURNAL_LIMIT || self.journal_bytes + cost > JOURNAL_BYTES)
        {
            if let Some(old) = self.journal.pop_front() {
                self.journal_bytes = self.journal_bytes.saturating_sub(old.cost());
            }
        }
        self.journal_bytes += cost;
        self.journal.push_back(entry);
        self.msgs.insert(seq, msg);
        self.by_subject.entry(subject.to_string()).or_default().push_back(seq);
        self.last_time = Some(time);
        self.roll_up(rollup, subject, seq, time);
        self.enforce_subject_limit(subject, true, time);
        self.enforce_stream_limits(true, time);
        (PubAck { seq }, vec![StreamEvent::Stored(seq)])
    }

    /// Removes what a rollup replaces: the older messages on every subject the new one's subject matches (a
    /// wildcard subject rolls up all it matches), or the whole stream before it.
    fn roll_up(&mut self, rollup: Rollup, subject: &str, seq: u64, time: Nanos) {
        let older: Vec<u64> = match rollup {
            Rollup::None => return,
            Rollup::All => self.msgs.range(..seq).map(|(q, _)| *q).collect(),
            Rollup::Subject => {
                let mut seqs: Vec<u64> = self
                    .by_subject
                    .iter()
                    .filter(|(s, _)| crate::engine::kv::subject_matches(subject, s))
                    .flat_map(|(_, q)| q.iter().copied())
                    .filter(|q| *q != seq)
                    .collect();
                crate::engine::index::sort_seqs(&mut seqs);
                seqs
            }
        };
        for old in older {
            self.remove(old, RemovalReason::Rollup, true, time);
        }
    }

    fn enforce_subject_limit(&mut self, subject: &str, by_write: bool, now: Nanos) {
        let limit = self.config.max_msgs_per_subject;
        if limit <= 0 {
            return;
        }
        while let Some(q) = self.by_subject.get(subject) {
            if q.len() as i64 <= limit {
                break;
            }
            let oldest = q[0];
            self.remove(oldest, RemovalReason::HistoryLimit, by_write, now);
        }
    }

    /// With discard old, removes the oldest messages while the stream holds more than `max_msgs` messages, then
    /// while it holds more than `max_bytes` bytes (a message larger than the whole limit goes too, as on
    /// nats-server). Discard new never trims: its limits refuse publishes instead, and an update that lowers them
    /// leaves what is there.
    fn enforce_stream_limits(&mut self, by_write: bool, now: Nanos) {
        if self.config.discard_new {
            return;
        }
        let max_msgs = self.config.max_msgs;
        while max_msgs > 0 && self.msgs.len() as u64 > max_msgs as u64 {
            let Some(&oldest) = self.msgs.keys().next() else { break };
            self.remove(oldest, RemovalReason::MsgLimit, by_write, now);
        }
        let max_bytes = self.config.max_bytes;
        while max_bytes > 0 && self.bytes > max_bytes as u64 {
            let Some(&oldest) = self.msgs.keys().next() else { break };
            self.remove(oldest, RemovalReason::ByteLimit, by_write, now);
        }
    }

    /// Removes a message its consumers are done with (work-queue or interest retention); false when it was not
    /// there.
    pub fn remove_retained(&mut self, seq: u64, reason: RemovalReason, now: Nanos) -> bool {
        self.remove(seq, reason, false, now).is_some()
    }

    /// When the message leaves by age or TTL, if ever.
    fn expiry_of(&self, msg: &StoredMsg) -> Option<Nanos> {
        // Durations near the largest the API allows must not wrap into the past: they saturate, never expire.
        let by_age = (self.config.max_age > 0 && msg.ttl >= 0).then(|| msg.time.saturating_add(self.config.max_age));
        let by_ttl = (msg.ttl > 0).then(|| msg.time.saturating_add(msg.ttl.saturating_mul(NANOS_PER_SEC)));
        match (by_age, by_ttl) {
            (Some(a), Some(t)) => Some(a.min(t)),
            (a, t) => a.or(t),
        }
    }

    fn remove(&mut self, seq: u64, reason: RemovalReason, by_that_write: bool, now: Nanos) -> Option<StoredMsg> {
        let msg = self.msgs.remove(&seq)?;
        self.bytes -= self.msg_size(&msg.subject, &msg.headers, &msg.data);
        if let Some(at) = self.expiry_of(&msg) {
            self.expiries.remove(&(at, seq));
        }
        if let Some(q) = self.by_subject.get_mut(&msg.subject) {
            q.retain(|s| *s != seq);
            if q.is_empty() {
                self.by_subject.remove(&msg.subject);
            }
        }
        let after_seq = self.last_seq;
        if let Some(j) = self.journal_entry_mut(seq) {
            j.removed = Some(Removal { reason, after_seq, by_that_write, at: now });
        }
        Some(msg)
    }

    /// The time of the next expiry, if any message is due to expire.
    pub fn next_expiry(&self) -> Option<Nanos> {
        self.expiries.iter().next().map(|(at, _)| *at)
    }

    /// Expires every message due at or before `now`, in the order the server would, leaving subject delete
    /// markers ("MaxAge") where the stream asks for them. Returns the events for the markers it stored.
    pub fn expire(&mut self, now: Nanos) -> Vec<StreamEvent> {
        let mut events = Vec::new();
        while let Some(&(at, seq)) = self.expiries.iter().next() {
            if at > now {
                break;
            }
            let Some(msg) = self.msgs.get(&seq) else {
                self.expiries.remove(&(at, seq));
                continue;
            };
            let by_ttl = msg.ttl > 0 && msg.time.saturating_add(msg.ttl.saturating_mul(NANOS_PER_SEC)) == at;
            let reason = if by_ttl { RemovalReason::MessageTtl } else { RemovalReason::MaxAge };
            let subject = msg.subject.clone();
            let was_marker = headers::is_subject_delete_marker(&msg.headers);
            let last = self.by_subject.get(&subject).map(|q| q.len() == 1).unwrap_or(false);
            self.remove(seq, reason, false, at);
            let sdm_secs = self.config.subject_delete_marker_ttl / NANOS_PER_SEC;
            if sdm_secs > 0 && last && !was_marker {
                let hdrs = vec![
                    (headers::MARKER_REASON.to_string(), "MaxAge".to_string()),
                    (headers::MSG_TTL.to_string(), format!("{sdm_secs}s")),
                    (headers::ROLLUP.to_string(), "sub".to_string()),
                ];
                let (_, mut ev) = self.store(&subject, hdrs, Vec::new(), at, sdm_secs, Rollup::Subject);
                events.append(&mut ev);
            }
        }
        events
    }

    /// Purges what a `$JS.API.STREAM.PURGE` request names, as the server's store does: the messages on subjects
    /// matching `filter` (all when `None`), only those below sequence `upto` when given, or all but the newest
    /// `keep` of them. Returns how many went.
    pub fn purge(&mut self, filter: Option<&str>, keep: Option<u64>, upto: Option<u64>, now: Nanos) -> u64 {
        let mut seqs: Vec<u64> = match filter {
            None => self.msgs.keys().copied().collect(),
            Some(f) => self
                .by_subject
                .iter()
                .filter(|(s, _)| crate::engine::kv::subject_matches(f, s))
                .flat_map(|(_, q)| q.iter().copied())
                .collect(),
        };
        crate::engine::index::sort_seqs(&mut seqs);
        if let Some(u) = upto {
            seqs.retain(|q| *q < u);
        }
        if let Some(k) = keep {
            let n = seqs.len().saturating_sub(k as usize);
            seqs.truncate(n);
        }
        for seq in &seqs {
            self.remove(*seq, RemovalReason::Purged, false, now);
        }
        // A purge of the whole stream up to a sequence past its end (a compact) moves the stream on to it: the
        // next message takes that sequence.
        let whole = filter.is_none_or(|f| f == ">");
        if let (true, Some(u), None) = (whole, upto, keep) {
            if u > self.last_seq.saturating_add(1) {
                self.last_seq = u - 1;
            }
        }
        seqs.len() as u64
    }

    /// Applies a configuration update, trimming what the new limits no longer allow.
    pub fn update_config(&mut self, config: StreamConfig, now: Nanos) {
        self.config = config;
        let subjects: Vec<String> = self.by_subject.keys().cloned().collect();
        for s in subjects {
            self.enforce_subject_limit(&s, false, now);
        }
        self.enforce_stream_limits(false, now);
        self.reindex_expiries();
    }

    fn reindex_expiries(&mut self) {
        // Inserted one by one: a `collect` into a set sorts first, which costs the page a sort of its own.
        let mut rebuilt = BTreeSet::new();
        for m in self.msgs.values() {
            if let Some(at) = self.expiry_of(m) {
                rebuilt.insert((at, m.seq));
            }
        }
        self.expiries = rebuilt;
    }

    /// Builds the subject index and the expiries again from the messages (after deserialising).
    pub fn reindex(&mut self) {
        let mut by_subject: BTreeMap<String, VecDeque<u64>> = BTreeMap::new();
        for m in self.msgs.values() {
            by_subject.entry(m.subject.clone()).or_default().push_back(m.seq);
        }
        self.by_subject = by_subject;
        self.reindex_expiries();
    }
}

/// Parses a `Nats-TTL` header as the server does: "never", a Go duration of at least one second, or seconds.
pub fn parse_message_ttl(raw: &str) -> Option<i64> {
    if raw.eq_ignore_ascii_case("never") {
        return Some(-1);
    }
    if let Some(d) = super::time::parse_go_duration(raw) {
        if d < NANOS_PER_SEC {
            return None;
        }
        return Some(d / NANOS_PER_SEC);
    }
    // Seconds as the server reads them: digits accumulated in 64 bits, wrapping on overflow as its parser does;
    // what wraps to a negative number is invalid.
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = raw.bytes().fold(0i64, |n, b| n.wrapping_mul(10).wrapping_add(i64::from(b - b'0')));
    (n >= 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(storage: StorageType) -> StreamConfig {
        StreamConfig {
            max_consumers: -1,
            name: "KV_t".into(),
            subjects: vec!["$KV.t.>".into()],
            description: String::new(),
            max_msgs_per_subject: 1,
            max_msgs: -1,
            retention: Retention::Limits,
            consumer_limits: ConsumerLimits::default(),
            max_bytes: -1,
            max_age: 0,
            max_msg_size: -1,
            storage,
            replicas: 1,
            compression: false,
            allow_msg_ttl: false,
            subject_delete_marker_ttl: 0,
            persist_async: false,
            allow_msg_counter: false,
            allow_atomic: false,
            allow_batched: false,
            allow_msg_schedules: false,
            duplicate_window: 120 * NANOS_PER_SEC,
            metadata: TextMap::default(),
            allow_direct: true,
            deny_delete: true,
            deny_purge: false,
            allow_rollup_hdrs: true,
            no_ack: false,
            discard_new: true,
            discard_new_per_subject: false,
            first_seq: 0,
            sealed: false,
            placement: None,
            republish: None,
            mirror: None,
            mirror_direct: false,
            sources: Vec::new(),
            subject_transform: None,
        }
    }

    /// A stream on `ss.>` with no per-subject limit, discard old, no limits.
    fn plain(storage: StorageType) -> StreamConfig {
        StreamConfig {
            subjects: vec!["ss.>".into()],
            max_msgs_per_subject: -1,
            allow_rollup_hdrs: false,
            deny_delete: false,
            discard_new: false,
            ..cfg(storage)
        }
    }

    fn put(s: &mut Stream, subject: &str, data: &str) -> Result<u64, String> {
        s.publish(subject, Vec::new(), data.as_bytes().to_vec(), 0).map(|(a, _)| a.seq).map_err(|e| e.description)
    }

    fn counts(s: &Stream) -> (u64, u64, u64, u64, u64) {
        let st = s.state();
        (st.first_seq, st.last_seq, st.msgs, st.bytes, st.num_deleted)
    }

    // The expected states below were measured on nats-server 2.15.1.
    #[test]
    fn a_message_limit_drops_the_oldest_or_refuses_the_newest() {
        let mut s = Stream::new(StreamConfig { max_msgs: 3, ..plain(StorageType::Memory) }, 0);
        for (subject, v) in [("ss.a", "1"), ("ss.b", "2"), ("ss.a", "3"), ("ss.c", "4"), ("ss.a", "5")] {
            put(&mut s, subject, v).unwrap();
        }
        assert_eq!(counts(&s), (3, 5, 3, 63, 0));
        assert_eq!(s.journal_entry(1).and_then(|j| j.removed).map(|r| r.reason), Some(RemovalReason::MsgLimit));

        let mut s = Stream::new(StreamConfig { max_msgs: 2, discard_new: true, ..plain(StorageType::File) }, 0);
        put(&mut s, "ss.a", "1").unwrap();
        put(&mut s, "ss.b", "2").unwrap();
        assert_eq!(put(&mut s, "ss.a", "3").unwrap_err(), "maximum messages exceeded");
        assert_eq!(counts(&s), (1, 2, 2, 70, 0));

        // At the per-subject limit the subject's oldest message makes room, so discard new lets it in.
        let c = StreamConfig { max_msgs: 2, max_msgs_per_subject: 1, discard_new: true, ..plain(StorageType::File) };
        let mut s = Stream::new(c, 0);
        put(&mut s, "ss.a", "1").unwrap();
        put(&mut s, "ss.b", "2").unwrap();
        assert_eq!(put(&mut s, "ss.a", "3"), Ok(3));
        assert_eq!(put(&mut s, "ss.c", "4").unwrap_err(), "maximum messages exceeded");
        assert_eq!(counts(&s), (2, 3, 2, 70, 0));
    }

    #[test]
    fn a_byte_limit_with_discard_old_keeps_what_fits_and_nothing_larger() {
        // 44 bytes each in a file store: two fit in 100.
        let mut s = Stream::new(StreamConfig { max_bytes: 100, ..plain(StorageType::File) }, 0);
        for _ in 0..3 {
            put(&mut s, "ss.a", "0123456789").unwrap();
        }
        assert_eq!(counts(&s), (2, 3, 2, 88, 0));
        // A message larger than the whole limit is stored, then goes with everything else.
        assert_eq!(put(&mut s, "ss.a", &"x".repeat(80)), Ok(4));
        assert_eq!(counts(&s), (5, 4, 0, 0, 0));
        // Exactly at the limit is within it: 30 bytes each in memory, three in 90.
        let mut s = Stream::new(StreamConfig { max_bytes: 90, ..plain(StorageType::Memory) }, 0);
        for _ in 0..4 {
            put(&mut s, "ss.a", "0123456789").unwrap();
        }
        assert_eq!(counts(&s), (2, 4, 3, 90, 0));
        assert_eq!(s.journal_entry(1).and_then(|j| j.removed).map(|r| r.reason), Some(RemovalReason::ByteLimit));
    }

    #[test]
    fn lowering_limits_trims_with_discard_old_only() {
        let mut s = Stream::new(plain(StorageType::File), 0);
        for (subject, v) in [("ss.a", "1"), ("ss.b", "2"), ("ss.a", "3"), ("ss.c", "4"), ("ss.a", "5")] {
            put(&mut s, subject, v).unwrap();
        }
        s.delete_msg(2, 0).unwrap();
        s.update_config(StreamConfig { max_msgs: 3, ..plain(StorageType::File) }, 0);
        assert_eq!(counts(&s), (3, 5, 3, 105, 0));
        s.update_config(StreamConfig { max_msgs: 2, max_bytes: 40, ..plain(StorageType::File) }, 0);
        assert_eq!(counts(&s), (5, 5, 1, 35, 0));

        let new = StreamConfig { discard_new: true, ..plain(StorageType::File) };
        let mut s = Stream::new(new.clone(), 0);
        for v in ["1", "2", "3"] {
            put(&mut s, "ss.a", v).unwrap();
        }
        s.update_config(StreamConfig { max_msgs: 1, max_bytes: 10, ..new }, 0);
        assert_eq!(counts(&s), (1, 3, 3, 105, 0));
        assert_eq!(put(&mut s, "ss.a", "4").unwrap_err(), "maximum messages exceeded");
    }

    #[test]
    fn the_journal_keeps_the_newest_revisions_within_its_byte_bound() {
        // 50 MB of overwrites of one key (history 1): the stream holds one value, the journal a few MB.
        let mut s = Stream::new(cfg(StorageType::Memory), 0);
        let value = vec![b'v'; 100_000];
        for i in 0..500 {
            s.publish("$KV.t.k", vec![], value.clone(), i).unwrap();
        }
        assert_eq!(s.state().msgs, 1);
        assert!(s.journal_bytes() <= JOURNAL_BYTES, "{} bytes remembered", s.journal_bytes());
        let counted: u64 = s.journal().iter().map(JournalEntry::cost).sum();
        assert_eq!(counted, s.journal_bytes());
        // The newest are the ones kept, contiguous up to the last write.
        assert_eq!(s.journal().back().map(|x| x.seq), Some(500));
        let first = s.journal_first().unwrap();
        assert!(first > 1, "older revisions are beyond the window");
        assert_eq!(s.journal().len() as u64, 500 - first + 1);
        assert!(s.journal_entry(first - 1).is_none());
        assert_eq!(s.journal_entry(500).map(|x| x.data.len()), Some(100_000));
        // A revision larger than the whole bound is still remembered, alone.
        s.publish("$KV.t.k", vec![], vec![b'w'; JOURNAL_BYTES as usize + 1], 600).unwrap();
        assert_eq!(s.journal().len(), 1);
    }
    #[test]
    fn file_and_memory_sizes_match_the_server() {
        // Measured on nats-server 2.15: a DEL marker on "$KV.t1.a" is 73 bytes in file storage,
        // a 10-byte value on "$KV.t4.k" is 34 bytes in memory storage.
        let s = Stream::new(cfg(StorageType::File), 0);
        let del = vec![("KV-Operation".to_string(), "DEL".to_string())];
        assert_eq!(s.msg_size("$KV.t1.a", &del, b""), 73);
        assert_eq!(s.msg_size("$KV.t3.k0", &vec![], b"0123456789"), 49);
        let m = Stream::new(cfg(StorageType::Memory), 0);
        assert_eq!(m.msg_size("$KV.t4.k", &vec![], b"0123456789"), 34);
    }

    #[test]
    fn ttl_parsing_follows_the_server() {
        assert_eq!(parse_message_ttl("never"), Some(-1));
        assert_eq!(parse_message_ttl("10s"), Some(10));
        assert_eq!(parse_message_ttl("1m0s"), Some(60));
        assert_eq!(parse_message_ttl("5"), Some(5));
        assert_eq!(parse_message_ttl("500ms"), None);
        assert_eq!(parse_message_ttl("0s"), None);
        assert_eq!(parse_message_ttl("bogus"), None);
    }

    #[test]
    fn discard_new_counts_the_room_a_history_limit_makes() {
        // Measured: with max_bytes 200 and four 49-byte values, a fifth key is refused but an overwrite of
        // an existing key is accepted only when the value it replaces is at least as large.
        let mut c = cfg(StorageType::File);
        c.max_bytes = 200;
        let mut s = Stream::new(c, 0);
        for i in 0..4 {
            s.publish(&format!("$KV.t3.k{i}"), vec![], b"0123456789".to_vec(), 1).unwrap();
        }
        let err = s.publish("$KV.t3.k4", vec![], b"0123456789".to_vec(), 1).unwrap_err();
        assert_eq!(err.err_code, 10077);
        assert!(s.publish("$KV.t3.k0", vec![], b"01".to_vec(), 1).is_ok());
        // Now k0's oldest message (41 bytes) is smaller than a new 10-byte value (49): refused, as measured.
        assert_eq!(s.publish("$KV.t3.k0", vec![], b"0123456789".to_vec(), 1).unwrap_err().err_code, 10077);
    }

    #[test]
    fn deletes_answer_as_each_store_does() {
        for (storage, before, after) in [
            (StorageType::File, "no message found", "stream store EOF"),
            (StorageType::Memory, "sequence 0 not found", "sequence 9 not found"),
        ] {
            let mut s = Stream::new(cfg(storage), 0);
            for k in ["a", "b", "c"] {
                s.publish(&format!("$KV.t.{k}"), vec![], b"v".to_vec(), 1).unwrap();
            }
            assert!(s.delete_msg(2, 2).is_ok());
            assert_eq!(s.delete_msg(2, 2).unwrap_err().description, "sequence 2 not found");
            assert_eq!(s.delete_msg(0, 2).unwrap_err().description, before);
            assert_eq!(s.delete_msg(9, 2).unwrap_err().description, after);
            assert_eq!((s.state().num_deleted, s.deleted()), (1, vec![2]));
        }
    }

    #[test]
    fn a_purge_past_the_end_moves_the_stream_on() {
        let mut s = Stream::new(cfg(StorageType::File), 0);
        s.publish("$KV.t.a", vec![], b"v".to_vec(), 1).unwrap();
        assert_eq!(s.purge(None, None, Some(100), 2), 1);
        assert_eq!((s.state().first_seq, s.state().last_seq), (100, 99));
        assert_eq!(s.publish("$KV.t.a", vec![], b"v".to_vec(), 3).unwrap().0.seq, 100);
        // The last sequence there is: the stream says so rather than overflow.
        s.purge(None, None, Some(u64::MAX), 4);
        assert_eq!(s.publish("$KV.t.a", vec![], b"v".to_vec(), 5).unwrap().0.seq, u64::MAX);
        assert!(s.publish("$KV.t.a", vec![], b"v".to_vec(), 6).is_err());
        assert_eq!(s.state().first_seq, u64::MAX);
    }

    #[test]
    fn rollups_reach_what_the_subject_matches_or_everything() {
        let mut c = cfg(StorageType::File);
        c.max_msgs_per_subject = -1;
        let mut s = Stream::new(c, 0);
        for k in ["a", "b", "c.d"] {
            s.publish(&format!("$KV.t.{k}"), vec![], b"v".to_vec(), 1).unwrap();
        }
        let sub = vec![(headers::ROLLUP.to_string(), "sub".to_string())];
        s.publish("$KV.t.*", sub, vec![], 2).unwrap();
        assert_eq!(s.subject_totals(">").keys().collect::<Vec<_>>(), ["$KV.t.*", "$KV.t.c.d"]);
        let all = vec![(headers::ROLLUP.to_string(), "all".to_string())];
        s.publish("$KV.t.x", all, vec![], 3).unwrap();
        assert_eq!(s.state().msgs, 1);
    }

    #[test]
    fn the_longest_durations_saturate() {
        let mut c = cfg(StorageType::File);
        c.max_age = i64::MAX;
        c.allow_msg_ttl = true;
        let mut s = Stream::new(c, 0);
        s.publish("$KV.t.a", vec![], b"v".to_vec(), 1_000).unwrap();
        let ttl = vec![(headers::MSG_TTL.to_string(), "9223372036854775807".to_string())];
        s.publish("$KV.t.b", ttl, b"v".to_vec(), 1_000).unwrap();
        assert_eq!(s.next_expiry(), Some(i64::MAX));
        assert!(s.expire(1_000_000_000_000).is_empty());
        assert_eq!(s.state().msgs, 2);
        // Seconds past 64 bits wrap as the server's parser wraps them; a negative result is refused.
        assert_eq!(parse_message_ttl("99999999999999999999"), Some(7_766_279_631_452_241_919));
        assert_eq!(parse_message_ttl("18446744073709551615"), None);
    }
}
