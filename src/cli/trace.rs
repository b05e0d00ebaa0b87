//! `--trace`: the JetStream API requests a command makes and their replies, printed as natscli prints them
//! (`cli/util.go` `jetstreamOpts`: `>>> SUBJECT`, the request body and a blank line, then `<<< SUBJECT: REPLY`,
//! each after the time as Go's `log.Ltime` writes it). The tracer wraps any backend: it shows the subject and
//! body the Go client would send for each operation and a reply built from the backend's answer.
//!
//! What natscli's trace shows is what nats.go reports: its API requests (STREAM.INFO, STREAM.CREATE,
//! STREAM.UPDATE, STREAM.DELETE, DIRECT.GET), and jsm.go's in its own layout (STREAM.LIST for `kv ls`, INFO for
//! `account info`). Writes to a key are publishes, which it does not trace, and neither does this; the consumers
//! behind `watch`, `history` and key listing are not shown (see NOTES.md).

use std::cell::RefCell;

use crate::backend::ConnectionInfo;
use crate::engine::stream::StreamConfig;
use crate::engine::time::civil;
use crate::engine::{
    AccountInfo, ApiError, Config, Entry, KvError, Nanos, Status, StorageType, WatchEvent, WatchId, WatchOptions,
};

/// A JSON object with its keys in the given order, as Go's `encoding/json` writes a struct's fields (values are
/// JSON text already).
fn obj(fields: &[(&str, String)]) -> String {
    let body: Vec<String> =
        fields.iter().map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap_or_default())).collect();
    format!("{{{}}}", body.join(","))
}

fn text(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A stream configuration in the field order of nats.go's `StreamConfig` (`jetstream/stream_config.go`),
/// with its `omitempty` fields left out when empty.
fn go_stream_config(c: &StreamConfig) -> String {
    let mut f: Vec<(&str, String)> = vec![("name", text(&c.name))];
    if !c.description.is_empty() {
        f.push(("description", text(&c.description)));
    }
    f.push(("subjects", serde_json::to_string(&c.subjects).unwrap_or_default()));
    f.push(("retention", text("limits")));
    f.push(("max_consumers", "-1".into()));
    f.push(("max_msgs", "-1".into()));
    f.push(("max_bytes", c.max_bytes.to_string()));
    f.push(("discard", text("new")));
    f.push(("max_age", c.max_age.to_string()));
    f.push(("max_msgs_per_subject", c.max_msgs_per_subject.to_string()));
    if c.max_msg_size != 0 {
        f.push(("max_msg_size", c.max_msg_size.to_string()));
    }
    f.push(("storage", text(if c.storage == StorageType::Memory { "memory" } else { "file" })));
    f.push(("num_replicas", c.replicas.to_string()));
    if c.duplicate_window != 0 {
        f.push(("duplicate_window", c.duplicate_window.to_string()));
    }
    f.push(("deny_delete", "true".into()));
    f.push(("allow_rollup_hdrs", "true".into()));
    f.push(("compression", text(if c.compression { "s2" } else { "none" })));
    f.push(("allow_direct", "true".into()));
    f.push(("mirror_direct", "false".into()));
    f.push(("consumer_limits", "{}".into()));
    if !c.metadata.is_empty() {
        f.push(("metadata", serde_json::to_string(&c.metadata).unwrap_or_default()));
    }
    if c.allow_msg_ttl {
        f.push(("allow_msg_ttl", "true".into()));
    }
    if c.subject_delete_marker_ttl != 0 {
        f.push(("subject_delete_marker_ttl", c.subject_delete_marker_ttl.to_string()));
    }
    obj(&f)
}

fn rfc3339(t: Nanos) -> String {
    let c = civil(t, 0);
    let nanos = t.rem_euclid(1_000_000_000);
    let frac = if nanos == 0 { String::new() } else { format!(".{nanos:09}").trim_end_matches('0').to_string() };
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{frac}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// The STREAM.INFO (or CREATE/UPDATE) reply for a bucket's status, in the server's field order
/// (`type`, paging, then `StreamInfo`: config, created, state, cluster, ts).
fn stream_info(kind: &str, st: &Status, now: Nanos) -> String {
    let mut state: Vec<(&str, String)> = vec![
        ("messages", st.values.to_string()),
        ("bytes", st.bytes.to_string()),
        ("first_seq", st.first_revision.to_string()),
    ];
    if let Some(t) = st.last_update {
        state.push(("last_seq", st.last_revision.to_string()));
        state.push(("last_ts", text(&rfc3339(t))));
    } else {
        state.push(("last_seq", st.last_revision.to_string()));
        state.push(("last_ts", text("0001-01-01T00:00:00Z")));
    }
    state.push(("consumer_count", "0".into()));
    if st.keys > 0 {
        state.push(("num_subjects", st.keys.to_string()));
    }
    let mut f: Vec<(&str, String)> = vec![
        ("type", text(&format!("io.nats.jetstream.api.v1.{kind}"))),
        ("config", go_stream_config(&st.config)),
        ("created", text(&rfc3339(st.created))),
        ("state", obj(&state)),
    ];
    if let Some(c) = &st.cluster {
        let mut cl: Vec<(&str, String)> = Vec::new();
        if !c.name.is_empty() {
            cl.push(("name", text(&c.name)));
        }
        cl.push(("leader", text(&c.leader)));
        f.push(("cluster", obj(&cl)));
    }
    f.push(("ts", text(&rfc3339(now))));
    obj(&f)
}

fn error_reply(kind: &str, e: &KvError) -> String {
    let err = match &e.api {
        Some(a) => obj(&[
            ("code", a.code.to_string()),
            ("err_code", a.err_code.to_string()),
            ("description", text(&a.description)),
        ]),
        None => obj(&[("code", "500".into()), ("description", text(&e.message))]),
    };
    obj(&[("type", text(&format!("io.nats.jetstream.api.v1.{kind}"))), ("error", err)])
}

/// A trace being written: its text, and the time zone its times are shown in.
pub struct Log {
    text: RefCell<String>,
    tz: i64,
}

impl Log {
    fn write(&self, now: Nanos, line: &str) {
        let c = civil(now, self.tz);
        self.text.borrow_mut().push_str(&format!("{:02}:{:02}:{:02} {line}", c.hour, c.minute, c.second));
    }

    fn request(&self, now: Nanos, subject: &str, body: &str) {
        self.write(now, &format!(">>> {subject}\n{body}\n\n"));
    }

    fn reply(&self, now: Nanos, subject: &str, body: &str) {
        self.write(now, &format!("<<< {subject}: {body}\n"));
    }

    /// A request as jsm.go (natscli's stream listing and account info) traces it (`manager.go`
    /// `requestWithContext`: the subject, the body on a line of its own, then the reply after the subject).
    fn jsm_request(&self, now: Nanos, subject: &str, body: &str, reply: Result<String, String>) {
        self.write(now, &format!(">>> {subject}\n"));
        self.write(now, &format!("{body}\n"));
        match reply {
            Ok(r) => self.write(now, &format!("<<< {subject}\n{r}\n\n")),
            Err(e) => self.write(now, &format!("<<< {subject}: {e}\n\n")),
        }
    }

    fn json_reply(&self, now: Nanos, subject: &str, kind: &str, r: Result<String, &KvError>) {
        let v = match r {
            Ok(v) => v,
            Err(e) => error_reply(kind, e),
        };
        self.reply(now, subject, &v);
    }
}

/// The tracer's writing, one function per traced call, behind a hook: the modules that offer `--trace` (the
/// whole app, `kvplay`, the tests) `install` it, and the page's small modules (the first load, the embeds)
/// link none of its text. A tracer without it only passes calls on.
pub struct Writer {
    pub connected: fn(&Log, Nanos, &ConnectionInfo),
    pub account_info: fn(&Log, Nanos, &Result<AccountInfo, KvError>),
    /// `kv add` (false) or `kv edit` (true), and natscli's report after it, which asks for the status again.
    pub bucket_written: fn(&Log, Nanos, &Config, bool, &Result<Status, KvError>),
    pub bucket_deleted: fn(&Log, Nanos, &str, &Result<(), KvError>),
    pub status: fn(&Log, Nanos, &str, &Result<Status, KvError>),
    /// A stream listing, with the statuses of what it listed.
    pub listed: fn(&Log, Nanos, &Listed, &[Status]),
    /// A direct get of a key's latest value, or of a revision.
    pub got: fn(&Log, Nanos, &str, &str, Option<u64>, &Got),
}

/// What a stream listing answered.
pub type Listed = Result<Vec<String>, KvError>;
/// What a direct get answered.
pub type Got = Result<Entry, KvError>;

static WRITER: Writer = Writer {
    connected: |log, now, c| log.write(now, &format!(">>> Connected to {} ({})\n", c.url, c.address)),
    account_info: |log, now, r| {
        let reply = match r {
            Ok(a) => Ok(obj(&[
                ("type", text("io.nats.jetstream.api.v1.account_info_response")),
                ("memory", a.memory.to_string()),
                ("storage", a.storage.to_string()),
                ("reserved_memory", a.reserved_memory.to_string()),
                ("reserved_storage", a.reserved_storage.to_string()),
                ("streams", a.streams.to_string()),
                ("consumers", a.consumers.to_string()),
            ])),
            Err(e)
                if matches!(
                    e.kind,
                    crate::engine::ErrorKind::JetStreamNotEnabled | crate::engine::ErrorKind::NoResponders
                ) =>
            {
                Err("nats: no responders available for request".to_string())
            }
            Err(e) => Err(e.message.strip_prefix("nats: error: ").unwrap_or(&e.message).to_string()),
        };
        log.jsm_request(now, "$JS.API.INFO", "", reply);
    },
    bucket_written: |log, now, cfg, update, r| {
        let name = format!("KV_{}", cfg.bucket);
        let (verb, kind) =
            if update { ("UPDATE", "stream_update_response") } else { ("CREATE", "stream_create_response") };
        let subject = format!("$JS.API.STREAM.{verb}.{name}");
        let body = cfg.to_stream_config().map(|sc| go_stream_config(&sc)).unwrap_or_default();
        log.request(now, &subject, &body);
        log.json_reply(now, &subject, kind, r.as_ref().map(|st| stream_info(kind, st, now)));
        // natscli's report after `kv add` and `kv edit` asks for the bucket's status again (`showStatus`).
        if let Ok(st) = r {
            let subject = format!("$JS.API.STREAM.INFO.{name}");
            log.request(now, &subject, "");
            log.reply(now, &subject, &stream_info("stream_info_response", st, now));
        }
    },
    bucket_deleted: |log, now, bucket, r| {
        let subject = format!("$JS.API.STREAM.DELETE.KV_{bucket}");
        log.request(now, &subject, "");
        let ok = obj(&[("type", text("io.nats.jetstream.api.v1.stream_delete_response")), ("success", "true".into())]);
        log.json_reply(now, &subject, "stream_delete_response", r.as_ref().map(|_| ok));
    },
    status: |log, now, bucket, r| {
        let subject = format!("$JS.API.STREAM.INFO.KV_{bucket}");
        log.request(now, &subject, "");
        // A missing bucket is the server's 10059; the Go client reports it as "bucket not found".
        let v = match r {
            Ok(st) => Ok(stream_info("stream_info_response", st, now)),
            Err(e) if e.api.is_none() && e.message.ends_with("bucket not found") => {
                Ok(error_reply("stream_info_response", &KvError::api(ApiError::stream_not_found())))
            }
            Err(e) => Err(e),
        };
        log.json_reply(now, &subject, "stream_info_response", v);
    },
    listed: |log, now, r, statuses| {
        let reply = match r {
            Ok(names) => {
                let mut infos: Vec<String> = Vec::new();
                for st in statuses {
                    // A list entry is the stream's info without the response envelope.
                    let full = stream_info("stream_info_response", st, now);
                    let prefix = format!("{{\"type\":{},", text("io.nats.jetstream.api.v1.stream_info_response"));
                    infos.push(format!("{{{}", full.strip_prefix(&prefix).unwrap_or(&full)));
                }
                Ok(obj(&[
                    ("type", text("io.nats.jetstream.api.v1.stream_list_response")),
                    ("total", names.len().to_string()),
                    ("offset", "0".into()),
                    ("limit", "256".into()),
                    ("streams", format!("[{}]", infos.join(","))),
                ]))
            }
            Err(e) => Err(e.message.strip_prefix("nats: error: ").unwrap_or(&e.message).to_string()),
        };
        log.jsm_request(now, "$JS.API.STREAM.LIST", "{\"offset\":0}", reply);
    },
    got: |log, now, bucket, key, revision, r| {
        let subject = format!("$JS.API.DIRECT.GET.KV_{bucket}");
        let (subject, body) = match revision {
            None => (format!("{subject}.$KV.{bucket}.{key}"), String::new()),
            Some(rev) => (subject, obj(&[("seq", rev.to_string())])),
        };
        log.request(now, &subject, &body);
        // A direct get answers with the message itself (or a status header); nats.go traces its payload.
        let payload = match r {
            Ok(e) => String::from_utf8_lossy(&e.value).into_owned(),
            Err(_) => String::new(),
        };
        log.reply(now, &subject, &payload);
    },
};

#[cfg(target_arch = "wasm32")]
thread_local! {
    static INSTALLED: std::cell::Cell<Option<&'static Writer>> = const { std::cell::Cell::new(None) };
}

/// Makes `--trace` write its trace (the whole app does this as it starts; native builds always have it).
pub fn install() {
    #[cfg(target_arch = "wasm32")]
    INSTALLED.with(|w| w.set(Some(&WRITER)));
}

/// The tracer's writing, where this module offers `--trace`.
pub fn writer() -> Option<&'static Writer> {
    #[cfg(target_arch = "wasm32")]
    return INSTALLED.with(|w| w.get());
    #[cfg(not(target_arch = "wasm32"))]
    Some(&WRITER)
}

/// Whether a command line asks for `--trace` (natscli's global flag, anywhere among the words).
pub fn asks_for_trace(line: &str) -> bool {
    line.split_whitespace().any(|w| w == "--trace")
}

/// What a module without the tracer's writing says for a traced command (the command itself runs).
pub const NOT_HERE: &str =
    "(--trace: this part of the page writes no API trace; type the line again and the whole playground runs it)\n";

/// The tracer over the embedded server in process.
pub mod local {
    use super::*;
    use crate::backend::local::KvBackend;
    use crate::{plain_aw as aw, plain_fn as kv_fn};
    include!("trace/tracer.rs");
}

/// The tracer over a connection.
pub mod wire {
    use super::*;
    use crate::backend::wire::KvBackend;
    use crate::{async_aw as aw, async_fn as kv_fn};
    include!("trace/tracer.rs");
}

pub use local::Tracer;
