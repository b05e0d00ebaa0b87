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

use crate::backend::{ConnectionInfo, KvBackend};
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

/// A backend that records the API traffic of the operations it passes on.
pub struct Tracer<'a, B: KvBackend> {
    pub inner: &'a mut B,
    tz: i64,
    log: RefCell<String>,
    /// A stream list was traced: the statuses read from it are not requests of their own.
    listed: std::cell::Cell<bool>,
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

impl<'a, B: KvBackend> Tracer<'a, B> {
    /// Starts a trace; natscli's first line is its connect handler's.
    pub fn new(inner: &'a mut B, tz: i64) -> Tracer<'a, B> {
        let t = Tracer { inner, tz, log: RefCell::new(String::new()), listed: std::cell::Cell::new(false) };
        let c = t.inner.connection_info();
        let line = format!(">>> Connected to {} ({})\n", c.url, c.address);
        t.write(&line);
        t
    }

    /// What was traced, as the CLI writes it to stderr.
    pub fn take(&self) -> String {
        std::mem::take(&mut *self.log.borrow_mut())
    }

    fn write(&self, text: &str) {
        let c = civil(self.inner.now(), self.tz);
        self.log.borrow_mut().push_str(&format!("{:02}:{:02}:{:02} {text}", c.hour, c.minute, c.second));
    }

    fn request(&self, subject: &str, body: &str) {
        self.write(&format!(">>> {subject}\n{body}\n\n"));
    }

    fn reply(&self, subject: &str, body: &str) {
        self.write(&format!("<<< {subject}: {body}\n"));
    }

    /// A request as jsm.go (natscli's stream listing and account info) traces it (`manager.go`
    /// `requestWithContext`: the subject, the body on a line of its own, then the reply after the subject).
    fn jsm_request(&self, subject: &str, body: &str, reply: Result<String, String>) {
        self.write(&format!(">>> {subject}\n"));
        self.write(&format!("{body}\n"));
        match reply {
            Ok(r) => self.write(&format!("<<< {subject}\n{r}\n\n")),
            Err(e) => self.write(&format!("<<< {subject}: {e}\n\n")),
        }
    }

    fn json_reply(&self, subject: &str, kind: &str, r: Result<String, &KvError>) {
        let v = match r {
            Ok(v) => v,
            Err(e) => error_reply(kind, e),
        };
        self.reply(subject, &v);
    }

    /// natscli's report after `kv add` and `kv edit` asks for the bucket's status again (`showStatus`).
    fn status_after(&self, stream: &str, r: &Result<Status, KvError>) {
        if let Ok(st) = r {
            let subject = format!("$JS.API.STREAM.INFO.{stream}");
            self.request(&subject, "");
            self.reply(&subject, &stream_info("stream_info_response", st, self.inner.now()));
        }
    }

    fn direct_get(&self, bucket: &str, key: &str, body: &str, r: &Result<Entry, KvError>) {
        let subject = format!("$JS.API.DIRECT.GET.KV_{bucket}");
        let subject = if body.is_empty() { format!("{subject}.$KV.{bucket}.{key}") } else { subject };
        self.request(&subject, body);
        // A direct get answers with the message itself (or a status header); nats.go traces its payload.
        let payload = match r {
            Ok(e) => String::from_utf8_lossy(&e.value).into_owned(),
            Err(_) => String::new(),
        };
        self.reply(&subject, &payload);
    }
}

impl<B: KvBackend> KvBackend for Tracer<'_, B> {
    fn now(&self) -> Nanos {
        self.inner.now()
    }
    fn set_now(&mut self, now: Nanos) {
        self.inner.set_now(now)
    }
    fn connection_info(&self) -> ConnectionInfo {
        self.inner.connection_info()
    }
    fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        let r = self.inner.account_info();
        let reply = match &r {
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
        self.jsm_request("$JS.API.INFO", "", reply);
        r
    }
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        let name = format!("KV_{}", cfg.bucket);
        let subject = format!("$JS.API.STREAM.CREATE.{name}");
        let body = cfg.to_stream_config().map(|sc| go_stream_config(&sc)).unwrap_or_default();
        self.request(&subject, &body);
        let r = self.inner.create_bucket(cfg);
        let now = self.inner.now();
        self.json_reply(
            &subject,
            "stream_create_response",
            r.as_ref().map(|st| stream_info("stream_create_response", st, now)),
        );
        self.status_after(&name, &r);
        r
    }
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        let name = format!("KV_{}", cfg.bucket);
        let subject = format!("$JS.API.STREAM.UPDATE.{name}");
        let body = cfg.to_stream_config().map(|sc| go_stream_config(&sc)).unwrap_or_default();
        self.request(&subject, &body);
        let r = self.inner.update_bucket(cfg);
        let now = self.inner.now();
        self.json_reply(
            &subject,
            "stream_update_response",
            r.as_ref().map(|st| stream_info("stream_update_response", st, now)),
        );
        self.status_after(&name, &r);
        r
    }
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        let subject = format!("$JS.API.STREAM.DELETE.KV_{bucket}");
        self.request(&subject, "");
        let r = self.inner.delete_bucket(bucket);
        let ok = obj(&[("type", text("io.nats.jetstream.api.v1.stream_delete_response")), ("success", "true".into())]);
        self.json_reply(&subject, "stream_delete_response", r.as_ref().map(|_| ok));
        r
    }
    fn status(&mut self, bucket: &str) -> Result<Status, KvError> {
        if self.listed.get() {
            return self.inner.status(bucket);
        }
        let subject = format!("$JS.API.STREAM.INFO.KV_{bucket}");
        self.request(&subject, "");
        let r = self.inner.status(bucket);
        // A missing bucket is the server's 10059; the Go client reports it as "bucket not found".
        let v = match &r {
            Ok(st) => Ok(stream_info("stream_info_response", st, self.inner.now())),
            Err(e) if e.api.is_none() && e.message.ends_with("bucket not found") => {
                Ok(error_reply("stream_info_response", &KvError::api(ApiError::stream_not_found())))
            }
            Err(e) => Err(e),
        };
        self.json_reply(&subject, "stream_info_response", v);
        r
    }
    fn bucket_names(&mut self) -> Result<Vec<String>, KvError> {
        let r = self.inner.bucket_names();
        let now = self.inner.now();
        let reply = match &r {
            Ok(names) => {
                let infos: Vec<String> = names
                    .iter()
                    .filter_map(|n| self.inner.status(n).ok())
                    .map(|st| {
                        // A list entry is the stream's info without the response envelope.
                        let full = stream_info("stream_info_response", &st, now);
                        let prefix = format!("{{\"type\":{},", text("io.nats.jetstream.api.v1.stream_info_response"));
                        format!("{{{}", full.strip_prefix(&prefix).unwrap_or(&full))
                    })
                    .collect();
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
        self.jsm_request("$JS.API.STREAM.LIST", "{\"offset\":0}", reply);
        self.listed.set(true);
        r
    }
    fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        self.inner.put(bucket, key, value)
    }
    fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        self.inner.create(bucket, key, value, ttl)
    }
    fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        self.inner.update(bucket, key, value, revision)
    }
    fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError> {
        self.inner.delete(bucket, key)
    }
    fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        self.inner.purge(bucket, key, ttl)
    }
    fn get(&mut self, bucket: &str, key: &str) -> Result<Entry, KvError> {
        let r = self.inner.get(bucket, key);
        self.direct_get(bucket, key, "", &r);
        r
    }
    fn get_revision(&mut self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        let r = self.inner.get_revision(bucket, key, revision);
        self.direct_get(bucket, key, &obj(&[("seq", revision.to_string())]), &r);
        r
    }
    fn history(&mut self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        self.inner.history(bucket, key)
    }
    fn keys(&mut self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        self.inner.keys(bucket, filters)
    }
    fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        self.inner.watch(bucket, patterns, options)
    }
    fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        self.inner.poll_watch(id)
    }
    fn stop_watch(&mut self, id: WatchId) {
        self.inner.stop_watch(id)
    }
    fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError> {
        self.inner.purge_deletes(bucket)
    }
}
