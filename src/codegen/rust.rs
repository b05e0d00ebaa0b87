//! The operations written with async-nats on tokio: `jetstream::new`, `create_key_value`, `get_key_value`,
//! `Store::put` and the rest.

use super::{banner, quote, stream_name, BucketOptions, Lang, Op, Writer};

pub struct Rust;

fn q(s: &str) -> String {
    quote(s, true)
}

fn open(bucket: &str) -> String {
    format!("let kv = js.get_key_value({}).await?;\n", q(bucket))
}

/// A `Duration` expression.
fn duration(d: i64) -> String {
    let d = d.max(0);
    if d % 1_000_000_000 == 0 {
        format!("Duration::from_secs({})", d / 1_000_000_000)
    } else if d % 1_000_000 == 0 {
        format!("Duration::from_millis({})", d / 1_000_000)
    } else {
        format!("Duration::from_nanos({d})")
    }
}

fn map(m: &std::collections::BTreeMap<String, String>) -> String {
    let items: Vec<String> = m.iter().map(|(k, v)| format!("({}.to_string(), {}.to_string())", q(k), q(v))).collect();
    format!("HashMap::from([{}])", items.join(", "))
}

const OPERATION: &str = "match entry.operation {\n        kv::Operation::Put => \"PUT\",\n        kv::Operation::Delete => \"DEL\",\n        kv::Operation::Purge => \"PURGE\",\n    }";

/// Stream settings on `config` (editing: every option; creating: those `kv::Config` has no field for).
fn stream_settings(o: &BucketOptions, all: bool) -> Vec<String> {
    let mut v = Vec::new();
    if all {
        if let Some(d) = &o.description {
            v.push(format!("config.description = Some({}.to_string());", q(d)));
        }
        if let Some(h) = o.history {
            v.push(format!("config.max_messages_per_subject = {h};"));
        }
        if let Some(t) = o.ttl {
            v.push(format!("config.max_age = {};", duration(t)));
        }
        if let Some(t) = o.marker_ttl {
            v.push("config.allow_message_ttl = true;".into());
            v.push(format!("config.subject_delete_marker_ttl = Some({});", duration(t)));
        }
        if let Some(r) = o.replicas {
            v.push(format!("config.num_replicas = {r};"));
        }
        if let Some(n) = o.max_value_size {
            v.push(format!("config.max_message_size = {n};"));
        }
        if let Some(n) = o.max_bytes {
            v.push(format!("config.max_bytes = {n};"));
        }
        if let Some(c) = o.compression {
            let c = if c { "S2" } else { "None" };
            v.push(format!("config.compression = Some(jetstream::stream::Compression::{c});"));
        }
    }
    if let Some(m) = &o.metadata {
        v.push(format!("config.metadata = {};", map(m)));
    }
    v
}

fn update_stream(bucket: &str, settings: &[String]) -> String {
    format!(
        "let mut stream = js.get_stream({}).await?;\nlet mut config = stream.info().await?.config.clone();\n{}\njs.update_stream(&config).await?;\n",
        q(&stream_name(bucket)),
        settings.join("\n")
    )
}

fn uses_duration(op: &Op) -> bool {
    match op {
        Op::AddBucket { options, .. } | Op::EditBucket { options, .. } => {
            options.ttl.is_some() || options.marker_ttl.is_some()
        }
        Op::Create { ttl, .. } | Op::Purge { ttl, .. } => ttl.is_some(),
        _ => false,
    }
}

impl Writer for Rust {
    fn head(&self, ops: &[&Op], single: bool, _sleeps: bool) -> String {
        let mut uses = Vec::new();
        if ops.iter().any(|o| matches!(o, Op::AddBucket { options, .. } | Op::EditBucket { options, .. } if options.metadata.is_some())) {
            uses.push("use std::collections::HashMap;");
        }
        if ops.iter().any(|o| uses_duration(o)) {
            uses.push("use std::time::Duration;");
        }
        if !uses.is_empty() {
            uses.push("");
        }
        uses.push("use async_nats::jetstream::{self, kv};");
        if ops.iter().any(|o| {
            matches!(o, Op::History { .. } | Op::Keys { .. } | Op::Watch { .. } | Op::Buckets | Op::Compact { .. })
        }) {
            uses.push("use futures::TryStreamExt;");
        }
        format!(
            "//! {}\n//! Cargo.toml: async-nats = \"0.49\", futures = \"0.3\", tokio = {{ version = \"1\", features = [\"full\"] }}\n{}\n\n#[tokio::main]\nasync fn main() -> Result<(), async_nats::Error> {{\n    let server = std::env::args().nth(1).unwrap_or_else(|| \"nats://127.0.0.1:4222\".to_string());\n    let client = async_nats::connect(server).await?;\n    let js = jetstream::new(client);\n",
            banner(Lang::Rust, single),
            uses.join("\n")
        )
    }

    fn op(&self, op: &Op) -> String {
        match op {
            Op::AccountInfo => "let info = js.query_account().await?;\nprintln!(\"memory: {}, storage: {}, streams: {}\", info.memory, info.storage, info.streams);\n".into(),
            Op::AddBucket { bucket, options: o } => {
                let mut v = vec![format!("bucket: {}.to_string(),", q(bucket))];
                if let Some(d) = &o.description {
                    v.push(format!("description: {}.to_string(),", q(d)));
                }
                if let Some(h) = o.history {
                    v.push(format!("history: {h},"));
                }
                if let Some(t) = o.ttl {
                    v.push(format!("max_age: {},", duration(t)));
                }
                if let Some(t) = o.marker_ttl {
                    v.push(format!("limit_markers: Some({}),", duration(t)));
                }
                if let Some(r) = o.replicas {
                    v.push(format!("num_replicas: {r},"));
                }
                if let Some(n) = o.max_value_size {
                    v.push(format!("max_value_size: {n},"));
                }
                if let Some(n) = o.max_bytes {
                    v.push(format!("max_bytes: {n},"));
                }
                if o.memory {
                    v.push("storage: jetstream::stream::StorageType::Memory,".into());
                }
                if let Some(c) = o.compression {
                    v.push(format!("compression: {c},"));
                }
                v.push("..Default::default()".into());
                let mut s = format!("js.create_key_value(kv::Config {{\n    {}\n}})\n.await?;\n", v.join("\n    "));
                let rest = stream_settings(o, false);
                if !rest.is_empty() {
                    s.push_str("// kv::Config has no metadata: set it on the bucket's stream.\n");
                    s.push_str(&update_stream(bucket, &rest));
                }
                s
            }
            Op::EditBucket { bucket, options } => format!(
                "// update_key_value replaces the whole configuration: change the stream's, as the CLI does.\n{}",
                update_stream(bucket, &stream_settings(options, true))
            ),
            Op::DeleteBucket { bucket } => format!("js.delete_key_value({}).await?;\n", q(bucket)),
            Op::Buckets => "let mut names = js.stream_names();\nwhile let Some(name) = names.try_next().await? {\n    if let Some(bucket) = name.strip_prefix(\"KV_\") {\n        println!(\"{bucket}\");\n    }\n}\n".into(),
            Op::Info { bucket } => format!(
                "{}let status = kv.status().await?;\nprintln!(\"{{}}: {{}} values, history {{}}\", status.bucket(), status.values(), status.history());\n",
                open(bucket)
            ),
            Op::Put { bucket, key, value } => format!(
                "{}let revision = kv.put({}, {}.into()).await?;\nprintln!(\"{{revision}}\");\n",
                open(bucket),
                q(key),
                q(value)
            ),
            Op::Create { bucket, key, value, ttl } => {
                let call = match ttl {
                    Some(t) => format!("create_with_ttl({}, {}.into(), {})", q(key), q(value), duration(*t)),
                    None => format!("create({}, {}.into())", q(key), q(value)),
                };
                format!("{}let revision = kv.{call}.await?;\nprintln!(\"{{revision}}\");\n", open(bucket))
            }
            Op::Update { bucket, key, value, revision } => format!(
                "{}let revision = kv.update({}, {}.into(), {revision}).await?;\nprintln!(\"{{revision}}\");\n",
                open(bucket),
                q(key),
                q(value)
            ),
            Op::Get { bucket, key, revision: None } => format!(
                "{}let value = kv.get({}).await?.ok_or(\"key not found\")?;\nprintln!(\"{{}}\", String::from_utf8_lossy(&value));\n",
                open(bucket),
                q(key)
            ),
            Op::Get { bucket, key, revision: Some(r) } => format!(
                "{}let entry = kv.entry_for_revision({}, {r}).await?.ok_or(\"key not found\")?;\nprintln!(\"{{}}\", String::from_utf8_lossy(&entry.value));\n",
                open(bucket),
                q(key)
            ),
            Op::Delete { bucket, key } => format!("{}kv.delete({}).await?;\n", open(bucket), q(key)),
            Op::Purge { bucket, key, ttl: None } => format!("{}kv.purge({}).await?;\n", open(bucket), q(key)),
            Op::Purge { bucket, key, ttl: Some(t) } => {
                format!("{}kv.purge_with_ttl({}, {}).await?;\n", open(bucket), q(key), duration(*t))
            }
            Op::History { bucket, key } => format!(
                "{}let mut history = kv.history({}).await?;\nwhile let Some(entry) = history.try_next().await? {{\n    let operation = {OPERATION};\n    println!(\"{{}} {{operation}} {{}}\", entry.revision, String::from_utf8_lossy(&entry.value));\n}}\n",
                open(bucket),
                q(key)
            ),
            Op::Revert { bucket, key, revision } => format!(
                "{}let entry = kv.entry_for_revision({}, {revision}).await?.ok_or(\"key not found\")?;\nlet revision = kv.put({}, entry.value).await?;\nprintln!(\"{{revision}}\");\n",
                open(bucket),
                q(key),
                q(key)
            ),
            Op::Keys { bucket, filter } => {
                let mut s = format!("{}let mut keys = kv.keys().await?;\nwhile let Some(key) = keys.try_next().await? {{\n", open(bucket));
                if let Some(f) = filter {
                    s.push_str(&format!(
                        "    // keys() lists every key: keep those the filter {} matches.\n    let (mut want, mut have) = ({}.split('.'), key.split('.'));\n    let matches = loop {{\n        match (want.next(), have.next()) {{\n            (Some(\">\"), Some(_)) => break true,\n            (Some(w), Some(h)) if w == \"*\" || w == h => continue,\n            (None, None) => break true,\n            _ => break false,\n        }}\n    }};\n    if !matches {{\n        continue;\n    }}\n",
                        f.replace('\n', " "),
                        q(f)
                    ));
                }
                s.push_str("    println!(\"{key}\");\n}\n");
                s
            }
            Op::Watch { bucket, key, from } => {
                let (call, note) = if from.revision > 0 {
                    (format!("watch_from_revision({}, {})", q(key), from.revision), "from that revision on")
                } else if from.history {
                    (format!("watch_from_revision({}, 1)", q(key)), "every kept revision, then new writes")
                } else if from.updates {
                    (format!("watch({})", q(key)), "only new writes")
                } else {
                    (format!("watch_with_history({})", q(key)), "each key's latest value, then new writes")
                };
                let mut s = format!(
                    "{}let mut watch = kv.{call}.await?; // {note}\nwhile let Some(entry) = watch.try_next().await? {{\n",
                    open(bucket)
                );
                if from.ignore_deletes {
                    s.push_str("    if !matches!(entry.operation, kv::Operation::Put) {\n        continue;\n    }\n");
                }
                s.push_str(&format!("    let operation = {OPERATION};\n    println!(\"{{}} {{operation}} {{}} {{}}\", entry.revision, entry.key, String::from_utf8_lossy(&entry.value));\n}}\n"));
                s
            }
            Op::Compact { bucket } => format!(
                "// async-nats has no purge_deletes: as nats.go's PurgeDeletes (`nats kv compact`), purge each key whose\n// latest entry is a delete marker, keeping the marker while it is under 30 minutes old.\n{}let stream = js.get_stream({}).await?;\nlet now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;\nif kv.status().await?.values() > 0 {{\n    let mut latest = kv.watch_with_history(\">\").await?;\n    while let Some(entry) = latest.try_next().await? {{\n        if !matches!(entry.operation, kv::Operation::Put) {{\n            let subject = format!(\"$KV.{{}}.{{}}\", entry.bucket, entry.key);\n            let keep = if now - entry.created.unix_timestamp() < 30 * 60 {{ 1 }} else {{ 0 }};\n            stream.purge().filter(subject).keep(keep).await?;\n        }}\n        if entry.delta == 0 {{\n            break;\n        }}\n    }}\n}}\n",
                open(bucket),
                q(&stream_name(bucket))
            ),
        }
    }

    fn sleep(&self, secs: &str) -> String {
        format!("tokio::time::sleep(std::time::Duration::from_secs_f64({secs}_f64)).await; // the playground's clock moved forward\n")
    }

    fn comment(&self, text: &str) -> String {
        format!("// {text}\n")
    }

    fn guarded(&self, line: &str, body: &str) -> String {
        let mut s = format!("// {line}\nif let Err(err) = async {{\n");
        for l in body.lines() {
            s.push_str(&format!("    {l}\n"));
        }
        s.push_str("    Ok::<(), async_nats::Error>(())\n}\n.await\n{\n    println!(\"error: {err}\");\n}\n");
        s
    }

    fn tail(&self, _single: bool) -> String {
        "    Ok(())\n}\n".into()
    }

    fn indent(&self) -> &'static str {
        "    "
    }
}
