//! The operations written with nats-py (asyncio): `js.create_key_value`, `js.key_value`, `kv.put` and the rest.

use super::{banner, quote, seconds, stream_name, BucketOptions, Lang, Op, Writer};

pub struct Python;

fn q(s: &str) -> String {
    quote(s, false)
}

fn open(bucket: &str) -> String {
    format!("kv = await js.key_value({})\n", q(bucket))
}

fn dict(m: &std::collections::BTreeMap<String, String>) -> String {
    let items: Vec<String> = m.iter().map(|(k, v)| format!("{}: {}", q(k), q(v))).collect();
    format!("{{{}}}", items.join(", "))
}

/// The stream settings nats-py's `KeyValueConfig` has no field for (or, editing, every setting), on `si.config`.
fn stream_settings(o: &BucketOptions, all: bool) -> Vec<String> {
    let mut v = Vec::new();
    if all {
        if let Some(d) = &o.description {
            v.push(format!("si.config.description = {}", q(d)));
        }
        if let Some(h) = o.history {
            v.push(format!("si.config.max_msgs_per_subject = {h}"));
        }
        if let Some(t) = o.ttl {
            v.push(format!("si.config.max_age = {}  # seconds", seconds(t)));
        }
        if let Some(t) = o.marker_ttl {
            v.push("si.config.allow_msg_ttl = True".into());
            v.push(format!("si.config.subject_delete_marker_ttl = {}  # seconds", seconds(t)));
        }
        if let Some(r) = o.replicas {
            v.push(format!("si.config.num_replicas = {r}"));
        }
        if let Some(n) = o.max_value_size {
            v.push(format!("si.config.max_msg_size = {n}"));
        }
        if let Some(n) = o.max_bytes {
            v.push(format!("si.config.max_bytes = {n}"));
        }
    }
    if let Some(c) = o.compression {
        let c = if c { "S2" } else { "NONE" };
        v.push(format!("si.config.compression = api.StoreCompression.{c}"));
    }
    if let Some(m) = &o.metadata {
        v.push(format!("si.config.metadata = {}", dict(m)));
    }
    v
}

fn update_stream(bucket: &str, settings: &[String]) -> String {
    format!(
        "si = await js.stream_info({})\n{}\nawait js.update_stream(si.config)\n",
        q(&stream_name(bucket)),
        settings.join("\n")
    )
}

fn print_entry(with_key: bool) -> &'static str {
    if with_key {
        "print(entry.revision, entry.operation or \"PUT\", entry.key, (entry.value or b\"\").decode())\n"
    } else {
        "print(entry.revision, entry.operation or \"PUT\", (entry.value or b\"\").decode())\n"
    }
}

impl Writer for Python {
    fn head(&self, _ops: &[&Op], single: bool, _sleeps: bool) -> String {
        format!(
            "# {}\n# pip install nats-py\nimport asyncio\nimport sys\n\nimport nats\nfrom nats.js import api\n\n\nasync def main():\n    nc = await nats.connect(sys.argv[1] if len(sys.argv) > 1 else \"nats://127.0.0.1:4222\")\n    js = nc.jetstream()\n",
            banner(Lang::Python, single)
        )
    }

    fn op(&self, op: &Op) -> String {
        match op {
            Op::AccountInfo => "info = await js.account_info()\nprint(f\"memory: {info.memory}, storage: {info.storage}, streams: {info.streams}\")\n".into(),
            Op::AddBucket { bucket, options: o } => {
                // direct=True as the nats CLI (nats.go) makes buckets: gets are answered by any server that has it.
                let mut args = vec![format!("bucket={}", q(bucket)), "direct=True".to_string()];
                if let Some(d) = &o.description {
                    args.push(format!("description={}", q(d)));
                }
                if let Some(h) = o.history {
                    args.push(format!("history={h}"));
                }
                if let Some(t) = o.ttl {
                    args.push(format!("ttl={}", seconds(t)));
                }
                if let Some(t) = o.marker_ttl {
                    args.push(format!("limit_marker_ttl={}", seconds(t)));
                }
                if let Some(r) = o.replicas {
                    args.push(format!("replicas={r}"));
                }
                if let Some(n) = o.max_value_size {
                    args.push(format!("max_value_size={n}"));
                }
                if let Some(n) = o.max_bytes {
                    args.push(format!("max_bytes={n}"));
                }
                if o.memory {
                    args.push("storage=api.StorageType.MEMORY".into());
                }
                let mut s = format!("await js.create_key_value({})\n", args.join(", "));
                let rest = stream_settings(o, false);
                if !rest.is_empty() {
                    s.push_str("# nats-py's KeyValueConfig has no compression or metadata: set them on the bucket's stream.\n");
                    s.push_str(&update_stream(bucket, &rest));
                }
                s
            }
            Op::EditBucket { bucket, options } => format!(
                "# nats-py has no update_key_value: change the bucket's stream, as the CLI does.\n{}",
                update_stream(bucket, &stream_settings(options, true))
            ),
            Op::DeleteBucket { bucket } => format!("await js.delete_key_value({})\n", q(bucket)),
            Op::Buckets => "for si in await js.streams_info():\n    if si.config.name.startswith(\"KV_\"):\n        print(si.config.name[3:])\n".into(),
            Op::Info { bucket } => format!(
                "{}status = await kv.status()\nprint(f\"{{status.bucket}}: {{status.values}} values, history {{status.history}}\")\n",
                open(bucket)
            ),
            Op::Put { bucket, key, value } => {
                format!("{}print(await kv.put({}, {}.encode()))\n", open(bucket), q(key), q(value))
            }
            Op::Create { bucket, key, value, ttl } => {
                let ttl = ttl.map(|t| format!(", msg_ttl={}", seconds(t))).unwrap_or_default();
                format!("{}print(await kv.create({}, {}.encode(){ttl}))\n", open(bucket), q(key), q(value))
            }
            Op::Update { bucket, key, value, revision } => format!(
                "{}print(await kv.update({}, {}.encode(), last={revision}))\n",
                open(bucket),
                q(key),
                q(value)
            ),
            Op::Get { bucket, key, revision } => {
                let rev = revision.map(|r| format!(", revision={r}")).unwrap_or_default();
                format!("{}entry = await kv.get({}{rev})\nprint(entry.value.decode())\n", open(bucket), q(key))
            }
            Op::Delete { bucket, key } => format!("{}await kv.delete({})\n", open(bucket), q(key)),
            Op::Purge { bucket, key, ttl } => {
                let ttl = ttl.map(|t| format!(", msg_ttl={}", seconds(t))).unwrap_or_default();
                format!("{}await kv.purge({}{ttl})\n", open(bucket), q(key))
            }
            Op::History { bucket, key } => format!(
                "{}for entry in await kv.history({}):\n    {}",
                open(bucket),
                q(key),
                print_entry(false)
            ),
            Op::Revert { bucket, key, revision } => format!(
                "{}entry = await kv.get({}, revision={revision})\nprint(await kv.put({}, entry.value))\n",
                open(bucket),
                q(key),
                q(key)
            ),
            Op::Keys { bucket, filter: None } => format!("{}for key in await kv.keys():\n    print(key)\n", open(bucket)),
            Op::Keys { bucket, filter: Some(f) } => format!(
                "{}# kv.keys(filters=...) matches substrings; a watch on the filter lists the keys it matches.\nwatcher = await kv.watch({}, ignore_deletes=True, meta_only=True)\nasync for entry in watcher:\n    if entry is None:\n        break\n    print(entry.key)\nawait watcher.stop()\n",
                open(bucket),
                q(f)
            ),
            Op::Watch { bucket, key, from } => {
                let mut args = vec![q(key)];
                if from.history || from.revision > 0 {
                    args.push("include_history=True".into());
                }
                if from.ignore_deletes {
                    args.push("ignore_deletes=True".into());
                }
                let mut s = format!("{}watcher = await kv.watch({})\n", open(bucket), args.join(", "));
                if from.updates {
                    s.push_str("caught_up = False\n");
                }
                s.push_str("async for entry in watcher:\n");
                if from.updates {
                    s.push_str("    if entry is None:  # what was there has arrived; new writes follow\n        caught_up = True\n    if entry is None or not caught_up:\n        continue\n");
                } else {
                    s.push_str("    if entry is None:  # what was there has arrived; new writes follow\n        continue\n");
                }
                if from.revision > 0 {
                    s.push_str(&format!(
                        "    if entry.revision < {}:  # nats-py has no start revision: skip the earlier ones\n        continue\n",
                        from.revision
                    ));
                }
                s.push_str("    ");
                s.push_str(print_entry(true));
                s
            }
            Op::Compact { bucket } => format!("{}await kv.purge_deletes()  # markers under 30 minutes old stay, as with the CLI\n", open(bucket)),
        }
    }

    fn sleep(&self, secs: &str) -> String {
        format!("await asyncio.sleep({secs})  # the playground's clock moved forward\n")
    }

    fn comment(&self, text: &str) -> String {
        format!("# {text}\n")
    }

    fn guarded(&self, line: &str, body: &str) -> String {
        let mut s = format!("try:  # {line}\n");
        for l in body.lines() {
            s.push_str(&format!("    {l}\n"));
        }
        s.push_str("except Exception as e:\n    print(\"error:\", e)\n");
        s
    }

    fn tail(&self, _single: bool) -> String {
        "    await nc.close()\n\n\nasyncio.run(main())\n".into()
    }

    fn indent(&self) -> &'static str {
        "    "
    }
}
