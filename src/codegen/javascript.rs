//! The operations written with nats.js: `Kvm` from `@nats-io/kv` over `connect` from `@nats-io/transport-node`
//! (in a browser, `wsconnect` from `@nats-io/nats-core` takes its place).

use super::{banner, millis, quote, stream_name, ttl_header, BucketOptions, Lang, Op, Writer};

pub struct JavaScript;

fn q(s: &str) -> String {
    quote(s, false)
}

fn open(bucket: &str) -> String {
    format!("const kv = await kvm.open({});\n", q(bucket))
}

fn object(m: &std::collections::BTreeMap<String, String>) -> String {
    let items: Vec<String> = m.iter().map(|(k, v)| format!("{}: {}", q(k), q(v))).collect();
    format!("{{ {} }}", items.join(", "))
}

const NOT_FOUND: &str =
    "if (entry === null || entry.operation !== \"PUT\") {\n  throw new Error(\"key not found\");\n}\n";

fn needs_jsm(op: &Op) -> bool {
    matches!(op, Op::AccountInfo | Op::EditBucket { .. })
}

fn edit(bucket: &str, o: &BucketOptions) -> String {
    let mut v = Vec::new();
    if let Some(d) = &o.description {
        v.push(format!("config.description = {};", q(d)));
    }
    if let Some(h) = o.history {
        v.push(format!("config.max_msgs_per_subject = {h};"));
    }
    if let Some(t) = o.ttl {
        v.push(format!("config.max_age = {t}; // nanoseconds"));
    }
    if let Some(t) = o.marker_ttl {
        v.push("config.allow_msg_ttl = true;".into());
        v.push(format!("config.subject_delete_marker_ttl = {t}; // nanoseconds"));
    }
    if let Some(r) = o.replicas {
        v.push(format!("config.num_replicas = {r};"));
    }
    if let Some(n) = o.max_value_size {
        v.push(format!("config.max_msg_size = {n};"));
    }
    if let Some(n) = o.max_bytes {
        v.push(format!("config.max_bytes = {n};"));
    }
    if let Some(c) = o.compression {
        v.push(format!("config.compression = {};", if c { "\"s2\"" } else { "\"none\"" }));
    }
    if let Some(m) = &o.metadata {
        v.push(format!("config.metadata = {};", object(m)));
    }
    let stream = q(&stream_name(bucket));
    format!(
        "// A bucket's settings are its stream's: change them there, as the CLI does.\nconst jsm = await jetstreamManager(nc);\nconst {{ config }} = await jsm.streams.info({stream});\n{}\nawait jsm.streams.update({stream}, config);\n",
        v.join("\n")
    )
}

impl Writer for JavaScript {
    fn head(&self, ops: &[&Op], single: bool, _sleeps: bool) -> String {
        let mut s = format!(
            "// {}\n// npm install @nats-io/transport-node @nats-io/kv @nats-io/jetstream\n// (in a browser: import {{ wsconnect }} from \"@nats-io/nats-core\" and wsconnect({{ servers: \"ws://127.0.0.1:8080\" }}))\nimport {{ connect }} from \"@nats-io/transport-node\";\n",
            banner(Lang::JavaScript, single)
        );
        let watch_include = ops.iter().any(|o| matches!(o, Op::Watch { from, .. } if from.history || from.updates));
        s.push_str(if watch_include {
            "import { Kvm, KvWatchInclude } from \"@nats-io/kv\";\n"
        } else {
            "import { Kvm } from \"@nats-io/kv\";\n"
        });
        let storage = ops.iter().any(|o| matches!(o, Op::AddBucket { options, .. } if options.memory));
        let jsm = ops.iter().any(|o| needs_jsm(o));
        let mut js = Vec::new();
        if jsm {
            js.push("jetstreamManager");
        }
        if storage {
            js.push("StorageType");
        }
        if !js.is_empty() {
            s.push_str(&format!("import {{ {} }} from \"@nats-io/jetstream\";\n", js.join(", ")));
        }
        s.push_str("\nconst nc = await connect({ servers: process.argv[2] ?? \"127.0.0.1:4222\" });\nconst kvm = new Kvm(nc);\n");
        s
    }

    fn op(&self, op: &Op) -> String {
        match op {
            Op::AccountInfo => "const jsm = await jetstreamManager(nc);\nconst info = await jsm.getAccountInfo();\nconsole.log(`memory: ${info.memory}, storage: ${info.storage}, streams: ${info.streams}`);\n".into(),
            Op::AddBucket { bucket, options: o } => {
                let mut v = Vec::new();
                if let Some(d) = &o.description {
                    v.push(format!("description: {}", q(d)));
                }
                if let Some(h) = o.history {
                    v.push(format!("history: {h}"));
                }
                if let Some(t) = o.ttl {
                    v.push(format!("ttl: {}", millis(t)));
                }
                if let Some(t) = o.marker_ttl {
                    v.push(format!("markerTTL: {}", millis(t)));
                }
                if let Some(r) = o.replicas {
                    v.push(format!("replicas: {r}"));
                }
                if let Some(n) = o.max_value_size {
                    v.push(format!("maxValueSize: {n}"));
                }
                if let Some(n) = o.max_bytes {
                    v.push(format!("max_bytes: {n}"));
                }
                if o.memory {
                    v.push("storage: StorageType.Memory".into());
                }
                if let Some(c) = o.compression {
                    v.push(format!("compression: {c}"));
                }
                if let Some(m) = &o.metadata {
                    v.push(format!("metadata: {}", object(m)));
                }
                if v.is_empty() {
                    format!("await kvm.create({});\n", q(bucket))
                } else {
                    let times = if o.ttl.is_some() || o.marker_ttl.is_some() { " // times in milliseconds" } else { "" };
                    format!("await kvm.create({}, {{{times}\n  {},\n}});\n", q(bucket), v.join(",\n  "))
                }
            }
            Op::EditBucket { bucket, options } => edit(bucket, options),
            Op::DeleteBucket { bucket } => format!("{}await kv.destroy();\n", open(bucket)),
            Op::Buckets => "for await (const status of kvm.list()) {\n  console.log(status.bucket);\n}\n".into(),
            Op::Info { bucket } => format!(
                "{}const status = await kv.status();\nconsole.log(`${{status.bucket}}: ${{status.values}} values, history ${{status.history}}`);\n",
                open(bucket)
            ),
            Op::Put { bucket, key, value } => format!("{}console.log(await kv.put({}, {}));\n", open(bucket), q(key), q(value)),
            Op::Create { bucket, key, value, ttl } => {
                let ttl = ttl.map(|t| format!(", {}", q(&ttl_header(t)))).unwrap_or_default();
                format!("{}console.log(await kv.create({}, {}{ttl}));\n", open(bucket), q(key), q(value))
            }
            Op::Update { bucket, key, value, revision } => format!(
                "{}console.log(await kv.update({}, {}, {revision}));\n",
                open(bucket),
                q(key),
                q(value)
            ),
            Op::Get { bucket, key, revision } => {
                let rev = revision.map(|r| format!(", {{ revision: {r} }}")).unwrap_or_default();
                format!("{}const entry = await kv.get({}{rev});\n{NOT_FOUND}console.log(entry.string());\n", open(bucket), q(key))
            }
            Op::Delete { bucket, key } => format!("{}await kv.delete({});\n", open(bucket), q(key)),
            Op::Purge { bucket, key, ttl } => {
                let ttl = ttl.map(|t| format!(", {{ ttl: {} }}", q(&ttl_header(t)))).unwrap_or_default();
                format!("{}await kv.purge({}{ttl});\n", open(bucket), q(key))
            }
            Op::History { bucket, key } => format!(
                "{}const history = await kv.history({{ key: {} }});\nfor await (const entry of history) {{\n  console.log(entry.revision, entry.operation, entry.string());\n}}\n",
                open(bucket),
                q(key)
            ),
            Op::Revert { bucket, key, revision } => format!(
                "{}const entry = await kv.get({}, {{ revision: {revision} }});\n{NOT_FOUND}console.log(await kv.put({}, entry.value));\n",
                open(bucket),
                q(key),
                q(key)
            ),
            Op::Keys { bucket, filter } => {
                let f = filter.as_ref().map(|f| q(f)).unwrap_or_default();
                format!("{}const keys = await kv.keys({f});\nfor await (const key of keys) {{\n  console.log(key);\n}}\n", open(bucket))
            }
            Op::Watch { bucket, key, from } => {
                let mut v = vec![format!("key: {}", q(key))];
                if from.history {
                    v.push("include: KvWatchInclude.AllHistory".into());
                } else if from.updates {
                    v.push("include: KvWatchInclude.UpdatesOnly".into());
                }
                if from.ignore_deletes {
                    v.push("ignoreDeletes: true".into());
                }
                if from.revision > 0 {
                    v.push(format!("resumeFromRevision: {}", from.revision));
                }
                format!(
                    "{}const watch = await kv.watch({{ {} }});\nfor await (const entry of watch) {{\n  console.log(entry.revision, entry.operation, entry.key, entry.string());\n}}\n",
                    open(bucket),
                    v.join(", ")
                )
            }
            Op::Compact { bucket } => format!("{}await kv.purgeDeletes(); // markers under 30 minutes old stay, as with the CLI\n", open(bucket)),
        }
    }

    fn sleep(&self, secs: &str) -> String {
        format!("await new Promise((resolve) => setTimeout(resolve, {secs} * 1000)); // the playground's clock moved forward\n")
    }

    fn comment(&self, text: &str) -> String {
        format!("// {text}\n")
    }

    fn guarded(&self, line: &str, body: &str) -> String {
        let mut s = format!("try {{ // {line}\n");
        for l in body.lines() {
            s.push_str(&format!("  {l}\n"));
        }
        s.push_str("} catch (err) {\n  console.log(\"error:\", err.message);\n}\n");
        s
    }

    fn tail(&self, _single: bool) -> String {
        "await nc.close();\n".into()
    }

    fn indent(&self) -> &'static str {
        ""
    }
}
