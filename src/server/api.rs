//! The JetStream API's JSON, typed: stream and consumer configurations and infos, PubAck, account info and
//! API errors, shaped as nats-server 2.15 writes them (field names, order, and which fields it leaves out).
//! The server writes these; the same types read a real server's answers. Conversion to the engine's own
//! types happens here, at the edge.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::index::TextMap;
use crate::engine::stream::{
    ConsumerLimits, Placement, RePublish, Retention, StorageType, Stream, StreamConfig, StreamSource, Transform,
};
use crate::engine::time::{parse_rfc3339_utc, rfc3339_nanos, NANOS_PER_SEC};
use crate::engine::{ApiError, Nanos};

/// The server version the playground's server reports: new enough for every feature KV clients use.
pub const SERVER_VERSION: &str = "2.15.1";
/// The Go release that version was built with, as its INFO and `/varz` say (measured).
pub const GO_VERSION: &str = "go1.27.2";
/// The JetStream API level of that version.
pub const API_LEVEL: &str = "5";

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero(n: &i64) -> bool {
    *n == 0
}
fn is_empty_str(s: &str) -> bool {
    s.is_empty()
}
fn minus_one() -> i64 {
    -1
}
fn minus_one_i32() -> i32 {
    -1
}
fn one() -> i64 {
    1
}
fn limits() -> String {
    "limits".into()
}
fn old() -> String {
    "old".into()
}
fn file() -> String {
    "file".into()
}
fn none() -> String {
    "none".into()
}

/// JSON as Go's encoder writes it: `<`, `>` and `&` (and the two Unicode line separators) escaped inside
/// strings, so a subject such as `$KV.b.>` reads `$KV.b.\u003e` byte for byte as on nats-server. Those characters
/// can only occur inside strings in JSON, so replacing them in the whole text is exact.
pub fn go_json(v: &impl Serialize) -> Vec<u8> {
    let text = serde_json::to_string(v).unwrap_or_default();
    go_escape(&text).into_bytes()
}

fn go_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Reads a JSON `null` as the type's default, as Go's decoder leaves a field untouched for `null`.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An API error as it appears inside a response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorJson {
    pub code: u16,
    pub err_code: u16,
    pub description: String,
}

impl From<&ApiError> for ApiErrorJson {
    fn from(e: &ApiError) -> Self {
        ApiErrorJson { code: e.code, err_code: e.err_code, description: e.description.clone() }
    }
}

impl From<ApiErrorJson> for ApiError {
    fn from(e: ApiErrorJson) -> Self {
        ApiError::new(e.code, e.err_code, e.description)
    }
}

/// A stream configuration as the API carries it. Unknown fields are ignored on the way in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamConfigJson {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    #[serde(default = "limits")]
    pub retention: String,
    #[serde(default = "minus_one")]
    pub max_consumers: i64,
    #[serde(default = "minus_one")]
    pub max_msgs: i64,
    #[serde(default = "minus_one")]
    pub max_bytes: i64,
    #[serde(default)]
    pub max_age: i64,
    #[serde(default = "minus_one")]
    pub max_msgs_per_subject: i64,
    #[serde(default = "minus_one_i32")]
    pub max_msg_size: i32,
    #[serde(default = "old")]
    pub discard: String,
    #[serde(default = "file")]
    pub storage: String,
    #[serde(default = "one")]
    pub num_replicas: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_ack: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duplicate_window: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<PlacementJson>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSourceJson>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<StreamSourceJson>,
    #[serde(default = "none")]
    pub compression: String,
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub first_seq: u64,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Option::is_none")]
    pub subject_transform: Option<TransformJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub republish: Option<RePublishJson>,
    #[serde(default)]
    pub allow_direct: bool,
    #[serde(default)]
    pub mirror_direct: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub discard_new_per_subject: bool,
    #[serde(default)]
    pub sealed: bool,
    #[serde(default)]
    pub deny_delete: bool,
    #[serde(default)]
    pub deny_purge: bool,
    #[serde(default)]
    pub allow_rollup_hdrs: bool,
    /// Go reads `null` as absent; async-nats sends `"consumer_limits": null`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub consumer_limits: ConsumerLimitsJson,
    #[serde(default)]
    pub allow_msg_ttl: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub subject_delete_marker_ttl: i64,
    /// Subjects hold counters: a publish says `Nats-Incr` and the server stores the sum (`counter.rs`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_msg_counter: bool,
    /// Atomic batch publishing (`Nats-Batch-Id`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_atomic: bool,
    /// Fast batch publishing (a reply subject ending `.$FI`, `jetstream/fast_batch.rs`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_batched: bool,
    /// Messages with `Nats-Schedule` fire on their target subject when due.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_msg_schedules: bool,
    /// `async` flushes writes asynchronously (file storage, one replica); the default is left out.
    #[serde(default, skip_serializing_if = "is_default_persist")]
    pub persist_mode: String,
    #[serde(default, skip_serializing_if = "TextMap::is_empty")]
    pub metadata: TextMap,
    /// Fields a client sent that this server does not implement (mirror, sources, subject transforms, ...).
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// Where a cluster should place a stream, as the API carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementJson {
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub cluster: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub preferred: String,
}

/// Where a mirror or a source reads from, as the API carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSourceJson {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub filter_subject: String,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub subject_transforms: Vec<TransformJson>,
    /// Another JetStream domain or account's API (the playground has one account and no domains).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<serde_json::Value>,
    /// A durable consumer on the origin to read through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<crate::engine::stream::SourceConsumer>,
}

/// A subject transform, as the API carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformJson {
    #[serde(default)]
    pub src: String,
    #[serde(default)]
    pub dest: String,
}

impl TransformJson {
    fn to_engine(&self) -> Transform {
        Transform { src: self.src.clone(), dest: self.dest.clone() }
    }

    fn from_engine(t: &Transform) -> TransformJson {
        TransformJson { src: t.src.clone(), dest: t.dest.clone() }
    }
}

impl StreamSourceJson {
    pub(crate) fn to_engine(&self) -> StreamSource {
        StreamSource {
            name: self.name.clone(),
            opt_start_seq: self.opt_start_seq,
            opt_start_time: self.opt_start_time.as_deref().and_then(time_from_json),
            filter_subject: self.filter_subject.clone(),
            subject_transforms: self.subject_transforms.iter().map(TransformJson::to_engine).collect(),
            consumer: self.consumer.clone(),
        }
    }

    fn from_engine(s: &StreamSource) -> StreamSourceJson {
        StreamSourceJson {
            name: s.name.clone(),
            opt_start_seq: s.opt_start_seq,
            opt_start_time: s.opt_start_time.map(rfc3339_nanos),
            filter_subject: s.filter_subject.clone(),
            subject_transforms: s.subject_transforms.iter().map(TransformJson::from_engine).collect(),
            external: None,
            consumer: s.consumer.clone(),
        }
    }
}

/// How far a mirror or a source has come, as stream info reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamSourceInfoJson {
    pub name: String,
    pub lag: u64,
    /// The origin's last sequence a source took (nats-server 2.15 reports it for sources, not for a mirror).
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub seq: u64,
    /// Nanoseconds since the origin was last heard from; -1 for never.
    pub active: i64,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub filter_subject: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_transforms: Vec<TransformJson>,
}

/// A stream's limits for its consumers, as the API carries them (0 is unset and left out).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerLimitsJson {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub inactive_threshold: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_ack_pending: i64,
    /// Fields nats-server does not know, refused by `StreamConfigJson::check_known_fields`.
    #[serde(flatten, skip_serializing)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A republish directive, as the API carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RePublishJson {
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub src: String,
    #[serde(default)]
    pub dest: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub headers_only: bool,
}

/// The stream configuration fields nats-server knows that the playground does not implement (and `pedantic`,
/// which a create request may carry).
const OTHER_SERVER_FIELDS: [&str; 2] = ["template_owner", "pedantic"];

fn is_default_persist(m: &String) -> bool {
    m.is_empty() || m == "default"
}

/// The API level a stream configuration requires: 4 for fast batches, 2 for asynchronous persistence, counters,
/// atomic batches or schedules, 1 for per-message TTLs.
fn stream_level(c: &StreamConfig) -> &'static str {
    if c.allow_batched {
        "4"
    } else if c.persist_async || c.allow_msg_counter || c.allow_atomic || c.allow_msg_schedules {
        "2"
    } else if c.allow_msg_ttl {
        "1"
    } else {
        "0"
    }
}

/// Whether an optional field a client sent says nothing (null, false, zero, empty).
fn is_unset(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::Bool(b) => !b,
        serde_json::Value::Number(n) => n.as_f64() == Some(0.0),
        serde_json::Value::String(s) => s.is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.is_empty(),
    }
}

/// The metadata keys the server itself adds to a stored configuration.
fn server_metadata(user: &TextMap, level: &str) -> TextMap {
    let mut m = user.clone();
    m.insert("_nats.level".into(), API_LEVEL.into());
    m.insert("_nats.req.level".into(), level.into());
    m.insert("_nats.ver".into(), SERVER_VERSION.into());
    m
}

impl StreamConfigJson {
    /// The configuration the engine stores, after the server's checks (`stream_checks::check_config`) and
    /// defaults; an API error for what the playground does not implement.
    pub fn to_engine(&self) -> Result<StreamConfig, ApiError> {
        self.check_known_fields()?;
        super::stream_checks::check_config(self)?;
        self.check_supported()?;
        Ok(self.engine_config())
    }

    /// Refuses a field nats-server does not know, as its strict decoder does.
    pub fn check_known_fields(&self) -> Result<(), ApiError> {
        let unknown = self.other.keys().find(|k| !OTHER_SERVER_FIELDS.contains(&k.as_str()));
        match unknown.or_else(|| self.consumer_limits.other.keys().next()) {
            Some(k) => Err(ApiError::new(400, 10025, format!("invalid JSON: json: unknown field {k:?}"))),
            None => Ok(()),
        }
    }

    /// Refuses, by name, what the playground does not implement; nats-server's own checks come first.
    pub fn check_supported(&self) -> Result<(), ApiError> {
        let unsupported = |what: &str| Err(not_supported(&format!("streams with {what}")));
        let origins = self.mirror.iter().chain(self.sources.iter());
        if origins.clone().any(|o| o.external.as_ref().is_some_and(|e| !is_unset(e))) {
            return unsupported("a mirror or source in another domain or account (`external`)");
        }
        let transforms = origins
            .flat_map(|o| o.subject_transforms.iter())
            .chain(self.subject_transform.iter())
            .filter(|t| !t.dest.is_empty());
        for t in transforms {
            let src = if t.src.is_empty() { ">" } else { t.src.as_str() };
            if let Err(Some(e)) = crate::engine::transform::SubjectTransform::new(src, &t.dest) {
                return Err(e);
            }
        }
        match self.other.iter().find(|(k, v)| *k != "pedantic" && !is_unset(v)) {
            Some((k, _)) => unsupported(&format!("`{k}`")),
            None => Ok(()),
        }
    }

    /// The same configuration in the engine's terms, without the checks (for reading what a server reports).
    pub fn engine_config(&self) -> StreamConfig {
        let two_minutes = 120 * NANOS_PER_SEC;
        // A mirror or a stream with sources gets no default duplicate window, nor its name as its subject.
        let copies = self.mirror.is_some() || !self.sources.is_empty();
        let duplicate_window = match self.duplicate_window {
            0 if copies => 0,
            0 if self.max_age > 0 && self.max_age < two_minutes => self.max_age,
            0 => two_minutes,
            d => d,
        };
        let subjects =
            if self.subjects.is_empty() && !copies { vec![self.name.clone()] } else { self.subjects.clone() };
        // The server writes -1 for "no limit" however a client says it (0 or anything below -1).
        let limit = |n: i64| if n == 0 || n < -1 { -1 } else { n };
        let with_markers = self.subject_delete_marker_ttl > 0;
        let mut metadata = self.metadata.clone();
        metadata.retain(|k, _| !k.starts_with("_nats."));
        StreamConfig {
            name: self.name.clone(),
            subjects,
            description: self.description.clone(),
            max_msgs_per_subject: limit(self.max_msgs_per_subject),
            max_msgs: limit(self.max_msgs),
            max_consumers: limit(self.max_consumers),
            retention: match self.retention.as_str() {
                "interest" => Retention::Interest,
                "workqueue" => Retention::WorkQueue,
                _ => Retention::Limits,
            },
            consumer_limits: ConsumerLimits {
                inactive_threshold: self.consumer_limits.inactive_threshold,
                max_ack_pending: self.consumer_limits.max_ack_pending,
            },
            max_bytes: limit(self.max_bytes),
            max_age: self.max_age,
            max_msg_size: if self.max_msg_size == 0 || self.max_msg_size < -1 { -1 } else { self.max_msg_size },
            storage: if self.storage == "memory" { StorageType::Memory } else { StorageType::File },
            replicas: self.num_replicas.max(1),
            compression: self.compression == "s2",
            allow_msg_ttl: self.allow_msg_ttl || with_markers,
            subject_delete_marker_ttl: self.subject_delete_marker_ttl,
            persist_async: self.persist_mode == "async",
            allow_msg_counter: self.allow_msg_counter,
            allow_atomic: self.allow_atomic,
            allow_batched: self.allow_batched,
            allow_msg_schedules: self.allow_msg_schedules,
            duplicate_window,
            metadata,
            allow_direct: self.allow_direct,
            deny_delete: self.deny_delete,
            // Subject delete markers and schedules are rollups: the server allows them, and with them purges.
            deny_purge: self.deny_purge && !with_markers && !self.allow_msg_schedules,
            allow_rollup_hdrs: self.allow_rollup_hdrs || with_markers || self.allow_msg_schedules,
            no_ack: self.no_ack,
            discard_new: self.discard == "new",
            discard_new_per_subject: self.discard_new_per_subject,
            first_seq: self.first_seq,
            sealed: self.sealed,
            placement: self
                .placement
                .as_ref()
                .filter(|p| **p != PlacementJson::default())
                .map(|p| Placement { cluster: p.cluster.clone(), tags: p.tags.clone() }),
            republish: self.republish.as_ref().map(|r| RePublish {
                src: if r.src.is_empty() { ">".to_string() } else { r.src.clone() },
                dest: r.dest.clone(),
                headers_only: r.headers_only,
            }),
            mirror: self.mirror.as_ref().map(StreamSourceJson::to_engine),
            mirror_direct: self.mirror_direct && self.mirror.is_some(),
            sources: self.sources.iter().map(StreamSourceJson::to_engine).collect(),
            subject_transform: self.subject_transform.as_ref().map(TransformJson::to_engine),
        }
    }

    /// The configuration as the server reports it, with its own metadata keys when `with_server_meta`.
    pub fn from_engine(c: &StreamConfig, with_server_meta: bool) -> StreamConfigJson {
        let metadata = if with_server_meta {
            server_metadata(&c.metadata, stream_level(c))
        } else {
            let mut m = c.metadata.clone();
            m.insert("_nats.req.level".into(), stream_level(c).into());
            m
        };
        StreamConfigJson {
            name: c.name.clone(),
            description: c.description.clone(),
            subjects: c.subjects.clone(),
            retention: c.retention.api_name().into(),
            max_consumers: c.max_consumers,
            max_msgs: c.max_msgs,
            max_bytes: c.max_bytes,
            max_age: c.max_age,
            max_msgs_per_subject: c.max_msgs_per_subject,
            max_msg_size: c.max_msg_size,
            discard: if c.discard_new { "new" } else { "old" }.into(),
            storage: match c.storage {
                StorageType::File => "file".into(),
                StorageType::Memory => "memory".into(),
            },
            num_replicas: c.replicas,
            no_ack: c.no_ack,
            duplicate_window: c.duplicate_window,
            placement: c.placement.as_ref().map(|p| PlacementJson {
                cluster: p.cluster.clone(),
                tags: p.tags.clone(),
                preferred: String::new(),
            }),
            mirror: c.mirror.as_ref().map(StreamSourceJson::from_engine),
            sources: c.sources.iter().map(StreamSourceJson::from_engine).collect(),
            compression: if c.compression { "s2".into() } else { "none".into() },
            first_seq: c.first_seq,
            subject_transform: c.subject_transform.as_ref().map(TransformJson::from_engine),
            republish: c.republish.as_ref().map(|r| RePublishJson {
                src: r.src.clone(),
                dest: r.dest.clone(),
                headers_only: r.headers_only,
            }),
            allow_direct: c.allow_direct,
            mirror_direct: c.mirror_direct,
            discard_new_per_subject: c.discard_new_per_subject,
            sealed: c.sealed,
            deny_delete: c.deny_delete,
            deny_purge: c.deny_purge,
            allow_rollup_hdrs: c.allow_rollup_hdrs,
            consumer_limits: ConsumerLimitsJson {
                inactive_threshold: c.consumer_limits.inactive_threshold,
                max_ack_pending: c.consumer_limits.max_ack_pending,
                other: BTreeMap::new(),
            },
            allow_msg_ttl: c.allow_msg_ttl,
            subject_delete_marker_ttl: c.subject_delete_marker_ttl,
            allow_msg_counter: c.allow_msg_counter,
            allow_atomic: c.allow_atomic,
            allow_batched: c.allow_batched,
            allow_msg_schedules: c.allow_msg_schedules,
            persist_mode: if c.persist_async { "async".into() } else { String::new() },
            metadata,
            other: BTreeMap::new(),
        }
    }
}

/// A stream's state as the API reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamStateJson {
    pub messages: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub first_ts: String,
    pub last_seq: u64,
    pub last_ts: String,
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub num_subjects: u64,
    /// Messages per subject, when a stream info request asks for them (`subjects_filter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subjects: Option<BTreeMap<String, u64>>,
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub num_deleted: u64,
    /// The deleted sequences, when a stream info request asks for them (`deleted_details`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Vec<u64>>,
    #[serde(default)]
    pub consumer_count: u64,
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// The zero time as Go writes it.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// A time for the JSON, or Go's zero time.
pub fn time_json(t: Option<Nanos>) -> String {
    t.map(rfc3339_nanos).unwrap_or_else(|| ZERO_TIME.to_string())
}

/// A time from the JSON; Go's zero time and anything unreadable are `None`.
pub fn time_from_json(s: &str) -> Option<Nanos> {
    if s.starts_with("0001-01-01") {
        return None;
    }
    parse_rfc3339_utc(s).or_else(|| {
        // The server writes up to nine fraction digits; keep at most nine.
        let (a, b) = s.split_once('.')?;
        let digits: String = b.chars().take_while(|c| c.is_ascii_digit()).take(9).collect();
        parse_rfc3339_utc(&format!("{a}.{digits}Z"))
    })
}

impl StreamStateJson {
    pub fn of(s: &Stream, consumers: u64) -> StreamStateJson {
        let st = s.state();
        let first_ts = s.get(st.first_seq).map(|m| m.time);
        StreamStateJson {
            messages: st.msgs,
            bytes: st.bytes,
            first_seq: st.reported_first_seq(),
            first_ts: time_json(first_ts),
            last_seq: st.last_seq,
            last_ts: time_json(st.last_time),
            num_subjects: st.num_subjects,
            subjects: None,
            num_deleted: st.num_deleted,
            deleted: None,
            consumer_count: consumers,
        }
    }
}

/// The cluster block of a stream info; a single server names itself as the leader.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub leader: String,
}

/// `stream_create_response`, `stream_update_response` and `stream_info_response` (and a `stream_list` item).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamInfoJson {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    pub config: StreamConfigJson,
    pub created: String,
    pub state: StreamStateJson,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSourceInfoJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<StreamSourceInfoJson>,
    pub ts: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub did_create: bool,
}

/// A response that carries only an error (and the fields the server writes beside it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    #[serde(rename = "type")]
    pub kind: String,
    pub error: ApiErrorJson,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// A names or list response's `streams`, null beside an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<serde_json::Value>,
    /// A consumer names or list response's `consumers`, empty beside an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumers: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purged: Option<u64>,
    /// A pause response's fields, written beside its error too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<String>,
    /// A reset response's, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_seq: Option<u64>,
}

/// Any response's error, if it has one.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MaybeError {
    #[serde(default)]
    pub error: Option<ApiErrorJson>,
}

/// The acknowledgement of a publish into a stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PubAckJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiErrorJson>,
    pub stream: String,
    pub seq: u64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub duplicate: bool,
    /// A counter's value after the publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val: Option<String>,
    /// A committed atomic batch: its id and how many messages it stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl PubAckJson {
    /// A publish the stream refused: its error beside the stream's name and sequence 0.
    pub fn refused(stream: &str, e: &crate::engine::ApiError) -> PubAckJson {
        PubAckJson {
            error: Some(e.into()),
            stream: stream.to_string(),
            seq: 0,
            duplicate: false,
            val: None,
            batch: None,
            count: None,
        }
    }

    /// The bytes nats-server sends: its duplicate flag is written by hand, with a space after the colon.
    pub fn to_wire(&self) -> Vec<u8> {
        let plain = PubAckJson { duplicate: false, ..self.clone() };
        let mut s = go_escape(&serde_json::to_string(&plain).unwrap_or_default());
        if self.duplicate {
            s.pop();
            s.push_str(",\"duplicate\": true}");
        }
        s.into_bytes()
    }
}

/// The account's limits in `$JS.API.INFO`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountLimitsJson {
    pub max_memory: i64,
    pub max_storage: i64,
    pub max_streams: i64,
    pub max_consumers: i64,
    pub max_ack_pending: i64,
    pub memory_max_stream_bytes: i64,
    pub storage_max_stream_bytes: i64,
    pub max_bytes_required: bool,
}

/// The API counters in `$JS.API.INFO`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiStatsJson {
    pub level: u64,
    pub total: u64,
    pub errors: u64,
}

/// `account_info_response`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountInfoJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub memory: u64,
    pub storage: u64,
    pub reserved_memory: u64,
    pub reserved_storage: u64,
    pub streams: u64,
    pub consumers: u64,
    pub limits: AccountLimitsJson,
    pub api: ApiStatsJson,
}

/// A consumer configuration as the API carries it; what the server leaves out when empty is left out here.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsumerConfigJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durable_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub deliver_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_start_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<String>,
    #[serde(default)]
    pub ack_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_wait: Option<i64>,
    #[serde(default)]
    pub max_deliver: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_subjects: Option<Vec<String>>,
    #[serde(default)]
    pub replay_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_bps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_freq: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_waiting: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ack_pending: Option<i64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub flow_control: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub headers_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_batch: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_expires: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_heartbeat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_threshold: Option<i64>,
    #[serde(default)]
    pub num_replicas: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub mem_storage: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub direct: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub sourcing: bool,
    #[serde(default, skip_serializing_if = "TextMap::is_empty")]
    pub metadata: TextMap,
    /// Until when the consumer delivers nothing (RFC 3339, UTC); set by a create or by `CONSUMER.PAUSE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_groups: Option<Vec<String>>,
    /// `overflow`, `pinned_client` or `prioritized`; none is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_timeout: Option<i64>,
}

/// A consumer-create request.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ConsumerCreateRequest {
    #[serde(default)]
    pub stream_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConsumerConfigJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub pedantic: bool,
}

/// A pull request (`$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`) as JSON; a body that is a plain number is
/// the batch alone, and an empty body asks for one message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PullRequestJson {
    #[serde(default)]
    pub batch: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_bytes: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub expires: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_wait: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub idle_heartbeat: i64,
    /// The priority group the request pulls for, and what it asks of the group's policy: an overflow's
    /// thresholds, a pinned client's id, a prioritized request's priority (0 first).
    /// (Clients write `null` for what they leave unset: read as Go reads it, as nothing.)
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_empty_str")]
    pub group: String,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_zero")]
    pub min_pending: i64,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_zero")]
    pub min_ack_pending: i64,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_empty_str")]
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_zero")]
    pub priority: i64,
}

/// `$JS.API.CONSUMER.UNPIN.<stream>.<consumer>`'s request.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ConsumerUnpinRequest {
    #[serde(default, deserialize_with = "null_as_default")]
    pub group: String,
}

/// A sequence pair in consumer info.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SequenceInfoJson {
    pub consumer_seq: u64,
    pub stream_seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active: Option<String>,
}

/// `consumer_create_response` and `consumer_info_response`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsumerInfoJson {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub stream_name: String,
    pub name: String,
    pub created: String,
    pub config: ConsumerConfigJson,
    pub delivered: SequenceInfoJson,
    pub ack_floor: SequenceInfoJson,
    pub num_ack_pending: u64,
    pub num_redelivered: u64,
    pub num_waiting: u64,
    pub num_pending: u64,
    /// A push consumer with a subscriber on its deliver subject.
    #[serde(default, skip_serializing_if = "is_false")]
    pub push_bound: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub paused: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pause_remaining: i64,
    pub ts: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priority_groups: Vec<PriorityGroupStateJson>,
}

/// A priority group's state in consumer info.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriorityGroupStateJson {
    pub group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_client_id: Option<String>,
    #[serde(default)]
    pub pinned_ts: String,
}

/// `$JS.API.CONSUMER.RESET.<stream>.<consumer>`'s request (an empty body: back to the ack floor).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ConsumerResetRequest {
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub seq: u64,
}

/// `$JS.API.CONSUMER.PAUSE.<stream>.<consumer>`'s request (an empty or non-object body resumes).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ConsumerPauseRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<String>,
}

/// `consumer_pause_response` (its fields are written with an error too, as nats-server writes them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsumerPauseJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub paused: bool,
    pub pause_until: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pause_remaining: i64,
}

/// `stream_msg_get_response`'s message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredMsgJson {
    pub subject: String,
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdrs: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    pub time: String,
}

/// `stream_msg_get_response`: the message (the server writes it, the client reads it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MsgGetJson {
    #[serde(rename = "type", default)]
    pub kind: String,
    pub message: StoredMsgJson,
}

/// `stream_names_response`: a page of stream names (`null` when there are none, as nats-server writes it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamNamesJson {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub total: usize,
    #[serde(default)]
    pub offset: usize,
    #[serde(default)]
    pub limit: usize,
    #[serde(default)]
    pub streams: Option<Vec<String>>,
}

/// A message-get request (STREAM.MSG.GET, and DIRECT.GET with a body); the server reads it, the client writes it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MsgGetRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_by_subj: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_by_subj: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_last: Option<Vec<String>>,
    /// A batch's byte budget (the server's max pending when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<i64>,
    /// The first message at or after this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// A multi-subject get's ceiling: a sequence, or a time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_time: Option<String>,
}

/// A purge request.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurgeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<u64>,
}

/// A stream info request's options.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamInfoRequest {
    #[serde(default)]
    pub deleted_details: bool,
    #[serde(default)]
    pub subjects_filter: String,
    #[serde(default)]
    pub offset: i64,
}

/// A message delete request.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MsgDeleteRequest {
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub no_erase: bool,
}

/// A stream names/list request.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// A consumer names/list request: where the page starts (negative reads as 0).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumersRequest {
    #[serde(default)]
    pub offset: Option<i64>,
}

/// The error for a JetStream request the playground's server does not implement: said plainly, never silence.
pub fn not_supported(what: &str) -> ApiError {
    ApiError::not_supported(what)
}

/// The time a stream was created, as the JSON writes it.
pub fn stream_created(s: &Stream) -> String {
    rfc3339_nanos(s.created)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_pull_request_reads_nulls_as_unset() {
        // async-nats writes the priority fields it leaves unset as null.
        let body = r#"{"batch":5,"expires":1000,"min_pending":null,"min_ack_pending":null,"id":null,"group":null,"priority":null}"#;
        let r: PullRequestJson = serde_json::from_str(body).expect("a pull request");
        assert_eq!((r.batch, r.expires, r.min_pending, r.priority), (5, 1000, 0, 0));
        assert!(r.group.is_empty() && r.id.is_empty());
        let u: ConsumerUnpinRequest = serde_json::from_str(r#"{"group":null}"#).expect("an unpin request");
        assert!(u.group.is_empty());
    }
    use super::*;

    #[test]
    fn a_kv_stream_config_from_nats_py_round_trips() {
        let body = r#"{"name": "KV_demo", "subjects": ["$KV.demo.>"], "max_consumers": -1, "max_msgs": -1, "discard": "new", "discard_new_per_subject": false, "max_msgs_per_subject": 5, "num_replicas": 1, "no_ack": false, "duplicate_window": 120000000000, "sealed": false, "deny_delete": true, "deny_purge": false, "allow_rollup_hdrs": true, "allow_msg_ttl": true, "max_age": 0}"#;
        let c: StreamConfigJson = serde_json::from_str(body).unwrap();
        let e = c.to_engine().unwrap();
        assert_eq!((e.max_msgs_per_subject, e.allow_direct, e.deny_delete, e.allow_msg_ttl), (5, false, true, true));
        let back = serde_json::to_string(&StreamConfigJson::from_engine(&e, true)).unwrap();
        assert_eq!(
            back,
            r#"{"name":"KV_demo","subjects":["$KV.demo.>"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":5,"max_msg_size":-1,"discard":"new","storage":"file","num_replicas":1,"duplicate_window":120000000000,"compression":"none","allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":true,"deny_purge":false,"allow_rollup_hdrs":true,"consumer_limits":{},"allow_msg_ttl":true,"metadata":{"_nats.level":"5","_nats.req.level":"1","_nats.ver":"2.15.1"}}"#
        );
    }

    #[test]
    fn what_is_not_implemented_is_refused_by_name() {
        let c: StreamConfigJson =
            serde_json::from_str(r#"{"name":"S","mirror":{"name":"X","external":{"api":"$JS.hub.API"}}}"#).unwrap();
        assert!(c.to_engine().unwrap_err().description.contains("external"));
    }

    #[test]
    fn retention_message_limits_and_consumer_limits_round_trip() {
        let body = r#"{"name":"S","retention":"workqueue","max_msgs":0,"consumer_limits":{"max_ack_pending":10}}"#;
        let c: StreamConfigJson = serde_json::from_str(body).unwrap();
        let e = c.to_engine().unwrap();
        assert_eq!((e.retention, e.max_msgs, e.consumer_limits.max_ack_pending), (Retention::WorkQueue, -1, 10));
        let back = serde_json::to_string(&StreamConfigJson::from_engine(&e, false)).unwrap();
        assert!(
            back.contains(r#""retention":"workqueue""#) && back.contains(r#""consumer_limits":{"max_ack_pending":10}"#)
        );
        let bogus: StreamConfigJson = serde_json::from_str(r#"{"name":"S","consumer_limits":{"bogus":1}}"#).unwrap();
        assert_eq!(bogus.check_known_fields().unwrap_err().description, r#"invalid JSON: json: unknown field "bogus""#);
    }

    #[test]
    fn duplicate_pub_acks_are_written_as_the_server_writes_them() {
        let a = PubAckJson {
            error: None,
            stream: "KV_t".into(),
            seq: 4,
            duplicate: true,
            val: None,
            batch: None,
            count: None,
        };
        assert_eq!(a.to_wire(), br#"{"stream":"KV_t","seq":4,"duplicate": true}"#.to_vec());
    }

    #[test]
    fn json_is_written_as_go_writes_it() {
        let v = serde_json::json!({"subjects": ["$KV.b.>"], "d": "a<b & c"});
        assert_eq!(String::from_utf8(go_json(&v)).unwrap(), r#"{"d":"a\u003cb \u0026 c","subjects":["$KV.b.\u003e"]}"#);
    }
}

/// The INFO a server greets with (and sends again once a CONNECT is accepted), in nats-server's field order:
/// the server writes it, the client reads it (every field optional when read, as servers differ).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InfoJson {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    pub proto: u8,
    pub git_commit: String,
    pub go: String,
    pub host: String,
    pub port: u16,
    pub headers: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub auth_required: bool,
    pub max_payload: u64,
    #[serde(skip_serializing_if = "is_false")]
    pub jetstream: bool,
    pub client_id: u64,
    pub client_ip: String,
    /// What a client signs with its nkey (a server that accepts nkeys sends one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Lame duck mode: the server will soon close this connection.
    #[serde(skip_serializing_if = "is_false")]
    pub ldm: bool,
    /// Set in the INFO nats-server sends once a CONNECT is accepted.
    #[serde(skip_serializing_if = "is_false")]
    pub connect_info: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_account: Option<String>,
    pub api_lvl: u8,
}

/// The CONNECT a client sends, read by the server and written by the client (`client::core`). Unknown fields are
/// ignored. What it leaves out takes nats-server's defaults: verbose and pedantic (measured: `CONNECT {}` gets
/// `+OK` after each PUB).
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectJson {
    pub verbose: bool,
    pub pedantic: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub echo: Option<bool>,
    pub headers: bool,
    pub no_responders: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// The public nkey and the signed nonce (nkey authentication), or with `jwt` (credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u8>,
}

impl Default for ConnectJson {
    fn default() -> Self {
        ConnectJson {
            verbose: true,
            pedantic: true,
            echo: None,
            headers: false,
            no_responders: false,
            user: None,
            pass: None,
            auth_token: None,
            nkey: None,
            sig: None,
            jwt: None,
            lang: None,
            version: None,
            protocol: None,
        }
    }
}
