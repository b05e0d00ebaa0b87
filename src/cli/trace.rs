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

/// The tracer over the engine in process.
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
