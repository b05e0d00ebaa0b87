//! The Key-Value layer: buckets as streams `KV_<bucket>` over `$KV.<bucket>.<key>`, operated the way the Go client
//! (`nats.go/jetstream`, which the `nats` CLI uses) operates them, over the embedded server's streams.

use std::collections::BTreeSet;

use super::error::{ApiError, ErrorKind, KvError};
use super::headers::{self, Headers};
use super::index::{ListMap, PrefixIndex, TextMap};
use super::stream::{
    RePublish, RemovalReason, StorageType, StoredMsg, Stream, StreamConfig, StreamEvent, StreamSource, Transform,
};
use super::time::{Nanos, NANOS_PER_SEC};

/// The server's default max payload, which the embedded server uses too.
pub const MAX_PAYLOAD: u64 = 1 << 20;

/// The embedded server's identity (its ID, and its name, as a server started without `-n` is named).
pub const SERVER_ID: &str = "NPLAYGROUNDEMBEDDEDKVENGINERUNNINGINYOURBROWSERTAB000001";

/// The largest history a bucket may keep.
pub const MAX_HISTORY: i64 = 64;

/// A bucket's configuration, as `KeyValueConfig` in the clients.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Config {
    pub bucket: String,
    pub description: String,
    pub history: i64,
    /// Bucket TTL (the stream's max age); zero keeps values for ever.
    pub max_age: Nanos,
    /// -1 for unlimited.
    pub max_value_size: i32,
    /// -1 for unlimited.
    pub max_bytes: i64,
    pub storage: StorageType,
    pub replicas: i64,
    pub compression: bool,
    /// Enables per-key TTLs and limit markers; zero disables them.
    pub limit_marker_ttl: Nanos,
    pub metadata: TextMap,
    /// Which client's stream configuration the bucket is made with (the nats CLI's unless said otherwise).
    #[serde(default, skip_serializing_if = "Mapping::is_go")]
    pub mapping: Mapping,
    /// The bucket (or `KV_` stream) this one mirrors: its writes go there, and it keeps a copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSource>,
    /// The buckets (or streams, with their own transforms) whose values this one also takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<StreamSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub republish: Option<RePublish>,
}

/// How a client turns a bucket's configuration into its stream's. nats.go (and so the nats CLI) and nats-py
/// differ in two fields: nats-py leaves direct gets off and always allows per-message TTLs. A server refuses to
/// create a bucket again with a different stream configuration (10058), so a bucket made as one client makes it
/// is found again by that client's create, and refused to the other's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Mapping {
    /// nats.go's `CreateKeyValue`, which the nats CLI's `kv add` calls.
    #[default]
    Go,
    /// nats-py's `create_key_value` (with its default `direct=False`).
    Python,
}

impl Mapping {
    fn is_go(&self) -> bool {
        *self == Mapping::Go
    }
}

impl Config {
    pub fn new(bucket: &str) -> Config {
        Config {
            bucket: bucket.to_string(),
            description: String::new(),
            history: 1,
            max_age: 0,
            max_value_size: -1,
            max_bytes: -1,
            storage: StorageType::File,
            replicas: 1,
            compression: false,
            limit_marker_ttl: 0,
            metadata: TextMap::default(),
            mapping: Mapping::Go,
            mirror: None,
            sources: Vec::new(),
            republish: None,
        }
    }

    /// The stream configuration the bucket's client (`mapping`: nats.go unless said otherwise) derives from this
    /// bucket configuration.
    pub fn to_stream_config(&self) -> Result<StreamConfig, KvError> {
        if !bucket_valid(&self.bucket) {
            return Err(KvError::invalid_bucket());
        }
        if self.history > MAX_HISTORY {
            return Err(KvError::client(ErrorKind::HistoryTooLarge, "history limited to a max of 64"));
        }
        let two_minutes = 120 * NANOS_PER_SEC;
        let duplicate_window = if self.max_age > 0 && self.max_age < two_minutes { self.max_age } else { two_minutes };
        let (subjects, mirror, sources) = self.origins();
        Ok(StreamConfig {
            name: stream_name(&self.bucket),
            subjects,
            description: self.description.clone(),
            max_msgs_per_subject: self.history.max(1),
            max_msgs: -1,
            max_consumers: -1,
            retention: super::stream::Retention::Limits,
            consumer_limits: super::stream::ConsumerLimits::default(),
            max_bytes: if self.max_bytes == 0 { -1 } else { self.max_bytes },
            max_age: self.max_age,
            max_msg_size: if self.max_value_size == 0 { -1 } else { self.max_value_size },
            storage: self.storage,
            replicas: self.replicas.max(1),
            compression: self.compression,
            allow_msg_ttl: self.mapping == Mapping::Python || self.limit_marker_ttl != 0,
            subject_delete_marker_ttl: self.limit_marker_ttl,
            persist_async: false,
            allow_msg_counter: false,
            allow_atomic: false,
            allow_batched: false,
            allow_msg_schedules: false,
            duplicate_window,
            metadata: self.metadata.clone(),
            allow_direct: self.mapping == Mapping::Go,
            deny_delete: true,
            deny_purge: false,
            allow_rollup_hdrs: true,
            no_ack: false,
            discard_new: true,
            discard_new_per_subject: false,
            first_seq: 0,
            sealed: false,
            placement: None,
            republish: self.republish.clone(),
            mirror_direct: mirror.is_some(),
            mirror,
            sources,
            subject_transform: None,
        })
    }

    /// The stream's subjects, mirror and sources, as nats.go's `CreateKeyValue` derives them: a mirror has no
    /// subjects and reads `KV_<origin>`; a source of a bucket reads `KV_<origin>` through a transform from
    /// `$KV.<origin>.>` to this bucket's subjects (a source given with its own transforms is kept as it is).
    fn origins(&self) -> (Vec<String>, Option<StreamSource>, Vec<StreamSource>) {
        let stream_of = |n: &str| if n.starts_with("KV_") { n.to_string() } else { stream_name(n) };
        let own = format!("$KV.{}.>", self.bucket);
        if let Some(m) = &self.mirror {
            return (Vec::new(), Some(StreamSource { name: stream_of(&m.name), ..m.clone() }), Vec::new());
        }
        let sources = self
            .sources
            .iter()
            .map(|s| {
                if !s.subject_transforms.is_empty() {
                    return s.clone();
                }
                let origin = s.name.strip_prefix("KV_").unwrap_or(&s.name);
                let t = Transform { src: format!("$KV.{origin}.>"), dest: own.clone() };
                StreamSource { name: stream_of(&s.name), subject_transforms: vec![t], ..s.clone() }
            })
            .collect();
        (vec![own], None, sources)
    }

    /// The bucket configuration a stream configuration describes (what `nats kv edit` starts from).
    pub fn from_stream_config(bucket: &str, c: &StreamConfig) -> Config {
        Config {
            bucket: bucket.to_string(),
            description: c.description.clone(),
            history: c.max_msgs_per_subject,
            max_age: c.max_age,
            max_value_size: c.max_msg_size,
            max_bytes: c.max_bytes,
            storage: c.storage,
            replicas: c.replicas,
            compression: c.compression,
            limit_marker_ttl: c.subject_delete_marker_ttl,
            metadata: c.metadata.clone(),
            // A stream nats-py made (no direct gets, per-message TTLs allowed) is made the
            // same way again (an import, the kept session); `nats kv edit` sends the CLI's configuration.
            mapping: if !c.allow_direct && c.allow_msg_ttl { Mapping::Python } else { Mapping::Go },
            mirror: c.mirror.clone(),
            sources: c.sources.clone(),
            republish: c.republish.clone(),
        }
    }
}

/// What a KV message means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Operation {
    Put,
    Delete,
    Purge,
}

impl Operation {
    /// The operation's name as the current `nats` CLI prints it.
    pub fn cli_name(self) -> &'static str {
        match self {
            Operation::Put => "PUT",
            Operation::Delete => "DELETE",
            Operation::Purge => "PURGE",
        }
    }

    /// The operation a message's headers describe, as the Go client reads them.
    pub fn from_headers(h: &Headers) -> Operation {
        if let Some(op) = headers::get(h, headers::KV_OPERATION).filter(|v| !v.is_empty()) {
            return match op {
                "DEL" => Operation::Delete,
                "PURGE" => Operation::Purge,
                _ => Operation::Put,
            };
        }
        match headers::get(h, headers::MARKER_REASON) {
            Some("MaxAge") | Some("Purge") => Operation::Purge,
            Some("Remove") => Operation::Delete,
            _ => Operation::Put,
        }
    }
}

/// One revision of one key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub bucket: String,
    pub key: String,
    pub value: Vec<u8>,
    pub revision: u64,
    /// How many newer messages the watcher or lister still had pending when this entry arrived.
    pub delta: u64,
    pub created: Nanos,
    pub operation: Operation,
    /// Why the entry exists when the server wrote it (a limit marker's reason), if it says.
    pub marker_reason: Option<String>,
}

/// A bucket's status: its configuration and the stream's state, as `nats kv info` shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Status {
    pub bucket: String,
    pub config: StreamConfig,
    pub created: Nanos,
    pub values: u64,
    pub bytes: u64,
    pub first_revision: u64,
    pub last_revision: u64,
    pub last_update: Option<Nanos>,
    pub keys: u64,
    /// The stream's cluster information; a single server fills it in too (no cluster name, itself as leader).
    pub cluster: Option<ClusterInfo>,
    /// How far the bucket's mirror, or each of its sources, has come.
    #[serde(default)]
    pub mirror: Option<SourceInfo>,
    #[serde(default)]
    pub sources: Vec<SourceInfo>,
}

/// How far a mirror or a source has come, as stream info reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceInfo {
    pub name: String,
    pub lag: u64,
    /// The origin's last sequence a source took (0 for a mirror, which nats-server 2.15 does not report).
    pub seq: u64,
    /// Nanoseconds since the origin was last heard from; -1 for never.
    pub active: i64,
}

/// Where a stream lives, as STREAM.INFO's `cluster` reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClusterInfo {
    pub name: String,
    pub leader: String,
}

impl Status {
    pub fn history(&self) -> i64 {
        self.config.max_msgs_per_subject
    }
    pub fn limit_marker_ttl(&self) -> Nanos {
        self.config.subject_delete_marker_ttl
    }
}

/// The JetStream usage of the embedded account, as `$JS.API.INFO` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    pub memory: u64,
    pub storage: u64,
    pub streams: u64,
    pub consumers: u64,
    /// Bytes set aside for streams with a maximum size (`reserved_memory`, `reserved_storage`).
    pub reserved_memory: u64,
    pub reserved_storage: u64,
}

/// Options of a watch, as the clients name them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WatchOptions {
    pub include_history: bool,
    pub ignore_deletes: bool,
    pub updates_only: bool,
    pub resume_from_revision: u64,
}

/// What a watcher receives: entries, the end of the initial values, and the end of the watch.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WatchEvent {
    Entry(Entry),
    InitialValuesDone,
    /// The bucket was deleted under the watcher.
    Closed,
}

/// A watcher's handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct WatchId(pub u64);

/// What the embedded server keeps: its JetStream account and its streams (KV buckets among them), at a time the
/// caller sets.
/// It serialises whole (the first load hands it to the whole app this way: `app::handoff`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Engine {
    now: Nanos,
    /// By name, as a list in name order: a lookup is a binary search, and a stream made or removed moves
    /// the list's entries (boxed, so that stays cheap with thousands of streams).
    #[serde(deserialize_with = "reindexed")]
    streams: ListMap<String, Box<Stream>>,
    /// The streams by the subjects they capture, so a publish finds its stream without a walk over all of
    /// them; built again after deserialising (`indexed` false).
    #[serde(skip)]
    captures: PrefixIndex<String>,
    #[serde(skip)]
    indexed: bool,
    /// When each stream may next have a message to expire (a hint: a stream is checked, then hinted again),
    /// so moving the clock looks only at streams with something due.
    #[serde(skip)]
    expiry_hints: BTreeSet<(Nanos, String)>,
    #[serde(default)]
    limits: JsLimits,
    /// Bytes stored per storage type (file, memory) when known: kept up to date by publishes, forgotten by
    /// anything else that changes a stream, so a publish checks the limits without a walk over every stream.
    #[serde(skip)]
    used: Option<[u64; 2]>,
    /// Which stream mirrors or sources which (origin, follower; the origin need not exist yet), kept with the
    /// subject index. A publish looks through these relations only, however many streams there are.
    #[serde(skip)]
    followers: Vec<(String, String)>,
    /// What the streams of each storage type (file, memory) reserve (their `max_bytes`); kept with the subject
    /// index, so a create checks the limits without a walk over every stream.
    #[serde(skip)]
    reserved: [u64; 2],
}

/// The streams as serialised, with what each builds from its messages built again (`Stream::reindex`).
fn reindexed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ListMap<String, Box<Stream>>, D::Error> {
    let mut streams: ListMap<String, Box<Stream>> = serde::Deserialize::deserialize(d)?;
    for s in streams.values_mut() {
        s.reindex();
    }
    Ok(streams)
}

/// The server-wide JetStream limits, nats-server's `max_memory_store` and `max_file_store` (its `/jsz` and
/// `/varz` `jetstream.config` `max_memory` and `max_storage`); -1 is none (the page's engine). The account's own
/// limits stay -1 in account info, as on a nats-server without accounts configured.
///
/// As measured on nats-server 2.15.1: a stream create whose `max_bytes`, with what other streams of its
/// storage type reserve, exceeds the limit is refused (500, 10028 `insufficient memory resources available`;
/// 500, 10047 `insufficient storage resources available`), and a publish is refused once the storage type's
/// usage is over the limit (503, 10023 `insufficient resources`): the write that crosses it is still taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JsLimits {
    pub max_memory: i64,
    pub max_storage: i64,
}

impl Default for JsLimits {
    fn default() -> JsLimits {
        JsLimits { max_memory: -1, max_storage: -1 }
    }
}

/// What a stream reserves of its storage type: its byte limit times its replicas.
fn reservation(c: &StreamConfig) -> u64 {
    if c.max_bytes > 0 {
        (c.max_bytes as u64).saturating_mul(c.replicas.max(1) as u64)
    } else {
        0
    }
}

pub fn stream_name(bucket: &str) -> String {
    format!("KV_{bucket}")
}

/// Bucket names the clients accept: `[a-zA-Z0-9_-]+`.
pub fn bucket_valid(b: &str) -> bool {
    !b.is_empty() && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// Keys the clients accept: `[-/_=.a-zA-Z0-9]+`, not starting or ending with `.`.
pub fn key_valid(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with('.')
        && !k.ends_with('.')
        && k.bytes().all(|c| c.is_ascii_alphanumeric() || b"-/_=.".contains(&c))
}

/// Key patterns a watch accepts: `[-/_=.a-zA-Z0-9*]*` optionally ending in `>`.
pub fn search_key_valid(k: &str) -> bool {
    if k.is_empty() || k.ends_with('.') || k.starts_with('.') {
        return false;
    }
    let body = k.strip_suffix('>').unwrap_or(k);
    body.bytes().all(|c| c.is_ascii_alphanumeric() || b"-/_=.*".contains(&c))
}

/// Subject matching with `*` (one token) and `>` (one or more trailing tokens).
pub fn subject_matches(pattern: &str, subject: &str) -> bool {
    let mut p = pattern.split('.');
    let mut s = subject.split('.');
    loop {
        match (p.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

impl Engine {
    pub fn new(now: Nanos) -> Engine {
        Engine {
            now,
            streams: ListMap::default(),
            captures: PrefixIndex::default(),
            indexed: true,
            expiry_hints: BTreeSet::new(),
            limits: JsLimits::default(),
            used: None,
            followers: Vec::new(),
            reserved: [0, 0],
        }
    }

    /// Sets the server-wide JetStream limits (`kvplay serve`).
    pub fn set_limits(&mut self, limits: JsLimits) {
        self.limits = limits;
    }

    pub fn limits(&self) -> JsLimits {
        self.limits
    }

    /// The bytes the streams of a storage type hold (a walk: `used_bytes` keeps the answer).
    fn stored(&self, storage: StorageType) -> u64 {
        self.streams.values().filter(|s| s.config.storage == storage).map(|s| s.state().bytes).sum()
    }

    /// What the streams of a storage type other than `except` reserve.
    pub fn reserved_by_others(&self, storage: StorageType, except: &str) -> u64 {
        let own =
            self.streams.get(except).filter(|s| s.config.storage == storage).map_or(0, |s| reservation(&s.config));
        let all = if self.indexed {
            self.reserved[Self::storage_slot(storage)]
        } else {
            self.streams.values().filter(|s| s.config.storage == storage).map(|s| reservation(&s.config)).sum()
        };
        all.saturating_sub(own)
    }

    /// A stream other than `except` whose subjects collide with one of `subjects` (a new configuration's overlap
    /// check), found through the subject index.
    pub fn overlapping_stream(&self, subjects: &[String], except: &str) -> Option<&str> {
        if !self.indexed {
            let collides = |s: &Stream| {
                s.config.subjects.iter().any(|a| subjects.iter().any(|b| sourcing::subjects_collide(a, b)))
            };
            return self.streams.iter().find(|(n, s)| *n != except && collides(s)).map(|(n, _)| n.as_str());
        }
        subjects.iter().find_map(|p| self.captures.first_colliding(p, |n| n == except)).map(String::as_str)
    }

    /// Whether a stream with this configuration (replacing the stream of that name, if any) fits in the
    /// server's JetStream limits (see `JsLimits`).
    pub fn check_reservation(&self, config: &StreamConfig) -> Result<(), ApiError> {
        let max = match config.storage {
            StorageType::Memory => self.limits.max_memory,
            StorageType::File => self.limits.max_storage,
        };
        if max < 0 {
            return Ok(());
        }
        let add = if config.max_bytes > 0 { (config.max_bytes * config.replicas.max(1)) as u64 } else { 0 };
        let reserved = self.reserved_by_others(config.storage, &config.name);
        if reserved + add <= max as u64 {
            return Ok(());
        }
        Err(match config.storage {
            StorageType::Memory => ApiError::new(500, 10028, "insufficient memory resources available"),
            StorageType::File => ApiError::new(500, 10047, "insufficient storage resources available"),
        })
    }

    /// Whether a stream of this storage type may take another message: not once its storage is over the
    /// server's limit (see `JsLimits`).
    fn check_usage(&mut self, storage: StorageType) -> Result<(), ApiError> {
        let max = match storage {
            StorageType::Memory => self.limits.max_memory,
            StorageType::File => self.limits.max_storage,
        };
        if max >= 0 && self.used_bytes(storage) > max as u64 {
            return Err(ApiError::new(503, 10023, "insufficient resources"));
        }
        Ok(())
    }

    fn storage_slot(storage: StorageType) -> usize {
        match storage {
            StorageType::File => 0,
            StorageType::Memory => 1,
        }
    }

    fn used_bytes(&mut self, storage: StorageType) -> u64 {
        let used = match self.used {
            Some(u) => u,
            None => {
                let u = [self.stored(StorageType::File), self.stored(StorageType::Memory)];
                self.used = Some(u);
                u
            }
        };
        used[Self::storage_slot(storage)]
    }

    /// A publish into a stream of `storage` changed its bytes from `before` to `after`.
    fn note_usage(&mut self, storage: StorageType, before: u64, after: u64) {
        if let Some(u) = self.used.as_mut() {
            let slot = &mut u[Self::storage_slot(storage)];
            *slot = (*slot + after).saturating_sub(before);
        }
    }

    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Moves the engine's time forward to `now` (never backward), expiring what is due.
    pub fn set_now(&mut self, now: Nanos) {
        if now <= self.now {
            return;
        }
        self.ensure_indexed();
        // Expire stream by stream, soonest first; markers a stream writes are delivered to its watchers in order.
        while let Some((at, name)) = self.expiry_hints.first().cloned() {
            if at > now {
                break;
            }
            self.expiry_hints.remove(&(at, name.clone()));
            let due = self.streams.get(&name).and_then(|s| s.next_expiry()).is_some_and(|at| at <= now);
            if due {
                self.used = None;
                let events = match self.streams.get_mut(&name) {
                    Some(s) => s.expire(now),
                    None => continue,
                };
                self.deliver(&name, &events);
            }
            self.hint_expiry(&name);
        }
        self.now = now;
    }

    /// The soonest time a stream may have something to expire, for a clock that moves in steps so consumers see
    /// what happened at each (`Standalone::set_time`).
    pub fn next_expiry(&self) -> Option<Nanos> {
        self.expiry_hints.first().map(|(at, _)| *at)
    }

    /// Notes when a stream next has something to expire (after anything that may have made it sooner).
    fn hint_expiry(&mut self, name: &str) {
        if let Some(at) = self.streams.get(name).and_then(|s| s.next_expiry()) {
            self.expiry_hints.insert((at, name.to_string()));
        }
    }

    /// Builds the subject index and expiry hints of an engine that was deserialised.
    fn ensure_indexed(&mut self) {
        if self.indexed {
            return;
        }
        self.captures = PrefixIndex::default();
        self.followers.clear();
        self.reserved = [0, 0];
        self.expiry_hints.clear();
        let names: Vec<String> = self.streams.keys().cloned().collect();
        for n in names {
            self.index_stream(&n);
            self.hint_expiry(&n);
        }
        self.indexed = true;
    }

    fn index_stream(&mut self, name: &str) {
        if let Some(s) = self.streams.get(name) {
            for subject in &s.config.subjects {
                self.captures.insert(subject, name.to_string());
            }
            self.reserved[Self::storage_slot(s.config.storage)] += reservation(&s.config);
        }
        self.index_followers(name, true);
    }

    fn unindex_stream(&mut self, name: &str) {
        if let Some(s) = self.streams.get(name) {
            for subject in &s.config.subjects {
                self.captures.remove(subject, &name.to_string());
            }
            let slot = &mut self.reserved[Self::storage_slot(s.config.storage)];
            *slot = slot.saturating_sub(reservation(&s.config));
        }
        self.index_followers(name, false);
    }

    /// Puts a stream in place (new, or replacing one of that name), keeping the indexes true.
    fn place_stream(&mut self, name: &str, stream: Stream) {
        self.ensure_indexed();
        self.unindex_stream(name);
        self.used = None;
        self.streams.insert(name.to_string(), Box::new(stream));
        self.index_stream(name);
        self.hint_expiry(name);
    }

    /// The stream whose subjects capture a published subject, if any.
    pub fn stream_for_subject(&self, subject: &str) -> Option<&str> {
        if self.indexed {
            return self.captures.first_match(subject).map(String::as_str);
        }
        self.streams
            .iter()
            .find(|(_, s)| s.config.subjects.iter().any(|p| subject_matches(p, subject)))
            .map(|(n, _)| n.as_str())
    }

    /// Puts a rebuilt stream in place (an import).
    pub fn replace_stream(&mut self, name: &str, stream: Stream) {
        self.place_stream(name, stream);
        self.catch_up(name);
        self.catch_up_followers(name);
    }

    /// The raw stream behind a bucket, for the visualizations.
    pub fn bucket_stream(&self, bucket: &str) -> Option<&Stream> {
        self.streams.get(&stream_name(bucket)).map(|s| &**s)
    }

    /// The names of every stream, KV or not, sorted.
    pub fn stream_names(&self) -> Vec<String> {
        self.streams.keys().cloned().collect()
    }

    /// A stream by its name, for the JetStream API.
    pub fn stream_named(&self, name: &str) -> Option<&Stream> {
        self.streams.get(name).map(|s| &**s)
    }

    /// Adds a stream created through the JetStream API (the caller has validated its configuration).
    pub fn insert_stream(&mut self, config: StreamConfig) {
        let now = self.now;
        let name = config.name.clone();
        self.place_stream(&name, Stream::new(config, now));
    }

    /// Applies a stream configuration update from the JetStream API; false when there is no such stream.
    pub fn update_stream(&mut self, config: StreamConfig) -> bool {
        let now = self.now;
        let name = config.name.clone();
        if !self.streams.contains_key(&name) {
            return false;
        }
        self.ensure_indexed();
        self.unindex_stream(&name);
        self.used = None;
        if let Some(s) = self.streams.get_mut(&name) {
            s.update_config(config, now);
        }
        self.index_stream(&name);
        self.hint_expiry(&name);
        true
    }

    /// Removes a stream; false when there is no such stream.
    pub fn remove_stream(&mut self, name: &str) -> bool {
        self.ensure_indexed();
        self.unindex_stream(name);
        self.used = None;
        if self.streams.remove(name).is_none() {
            return false;
        }
        self.forget_origin(name);
        true
    }

    /// Stores a message published into a stream by a client, and copies it to the streams that follow it.
    pub fn publish_stream(
        &mut self,
        name: &str,
        subject: &str,
        headers: Headers,
        data: Vec<u8>,
    ) -> Result<u64, ApiError> {
        let now = self.now;
        let config = &self.streams.get(name).ok_or_else(ApiError::stream_not_found)?.config;
        let storage = config.storage;
        // A stream's own subject transform renames what is published to it before it is stored.
        let subject = config
            .subject_transform
            .as_ref()
            .and_then(|t| crate::engine::stream::StreamSource::transformed(t, subject))
            .unwrap_or_else(|| subject.to_string());
        self.check_usage(storage)?;
        let s = self.streams.get_mut(name).ok_or_else(ApiError::stream_not_found)?;
        let before = s.state().bytes;
        let result = s.publish(&subject, headers, data, now);
        let after = s.state().bytes;
        self.note_usage(storage, before, after);
        let (ack, events) = result?;
        self.deliver(name, &events);
        Ok(ack.seq)
    }

    /// Deletes one message through the JetStream API (see `Stream::delete_msg`).
    pub fn delete_stream_msg(&mut self, name: &str, seq: u64) -> Result<(), ApiError> {
        let now = self.now;
        self.used = None;
        let s = self.streams.get_mut(name).ok_or_else(ApiError::stream_not_found)?;
        s.delete_msg(seq, now)
    }

    /// Removes a message a work-queue or interest stream's consumers are done with (see
    /// `Stream::remove_retained`); false when it was not there.
    pub fn remove_retained(&mut self, name: &str, seq: u64, reason: RemovalReason) -> bool {
        let now = self.now;
        self.used = None;
        self.streams.get_mut(name).is_some_and(|s| s.remove_retained(seq, reason, now))
    }

    /// Purges a stream through the JetStream API (see `Stream::purge`); `None` when there is no such stream.
    pub fn purge_stream(
        &mut self,
        name: &str,
        filter: Option<&str>,
        keep: Option<u64>,
        upto: Option<u64>,
    ) -> Option<u64> {
        let now = self.now;
        self.used = None;
        self.streams.get_mut(name).map(|s| s.purge(filter, keep, upto, now))
    }

    /// The names of all buckets, sorted.
    pub fn bucket_names(&self) -> Vec<String> {
        self.streams.keys().filter_map(|n| n.strip_prefix("KV_")).map(str::to_string).collect()
    }

    /// A stream's info in KV's shape (`nats kv info`), its bucket named from the stream's name.
    pub fn stream_status(&self, name: &str) -> Option<Status> {
        let s = self.streams.get(name)?;
        let st = s.state();
        Some(Status {
            bucket: name.strip_prefix("KV_").unwrap_or(name).to_string(),
            config: s.config.clone(),
            created: s.created,
            values: st.msgs,
            bytes: st.bytes,
            first_revision: st.reported_first_seq(),
            last_revision: st.last_seq,
            last_update: st.last_time,
            keys: st.num_subjects,
            cluster: Some(ClusterInfo { name: String::new(), leader: SERVER_ID.to_string() }),
            mirror: s.config.mirror.as_ref().map(|m| self.source_info(s, m, false)),
            sources: s.config.sources.iter().map(|src| self.source_info(s, src, true)).collect(),
        })
    }

    /// The account's JetStream usage.
    pub fn account_info(&self) -> AccountInfo {
        let mut info = AccountInfo {
            memory: 0,
            storage: 0,
            streams: self.streams.len() as u64,
            consumers: 0,
            reserved_memory: 0,
            reserved_storage: 0,
        };
        for s in self.streams.values() {
            // The server reserves a stream's maximum size (times its replicas) in the account's tier.
            let reserved =
                if s.config.max_bytes > 0 { (s.config.max_bytes * s.config.replicas.max(1)) as u64 } else { 0 };
            match s.config.storage {
                StorageType::File => {
                    info.storage += s.state().bytes;
                    info.reserved_storage += reserved;
                }
                StorageType::Memory => {
                    info.memory += s.state().bytes;
                    info.reserved_memory += reserved;
                }
            }
        }
        info
    }

    fn deliver(&mut self, stream: &str, events: &[StreamEvent]) {
        self.deliver_chained(stream, events, 0);
    }

    /// Notes when `stream` next expires something after it stored, then copies what it stored to the streams
    /// that mirror or source it (`depth`: how many copies led here). Consumers see it at the server's next pump.
    fn deliver_chained(&mut self, stream: &str, events: &[StreamEvent], depth: u32) {
        if self.indexed && !events.is_empty() {
            self.hint_expiry(stream);
        }
        for ev in events {
            let StreamEvent::Stored(seq) = ev;
            self.copy_to_followers(stream, *seq, depth);
        }
    }

    /// Why a revision is no longer in the bucket, if the engine removed it.
    pub fn removal_reason(&self, bucket: &str, revision: u64) -> Option<RemovalReason> {
        self.bucket_stream(bucket)?.journal_entry(revision)?.removed.map(|r| r.reason)
    }
}

pub mod sourcing;
pub mod view;

#[cfg(test)]
mod tests;
