//! The operations written with nats.go's `jetstream` package: `jetstream.New`, `CreateKeyValue`, `KeyValue`,
//! `Put` and the rest, each error returned.

use super::{banner, quote, BucketOptions, Lang, Op, Writer};

pub struct Go;

fn q(s: &str) -> String {
    quote(s, false)
}

const CHECK: &str = "if err != nil {\n\treturn err\n}\n";

fn open(bucket: &str) -> String {
    format!("kv, err := js.KeyValue(ctx, {})\n{CHECK}", q(bucket))
}

/// A `time.Duration` expression.
fn duration(d: i64) -> String {
    if d % 1_000_000_000 == 0 {
        format!("{} * time.Second", d / 1_000_000_000)
    } else if d % 1_000_000 == 0 {
        format!("{} * time.Millisecond", d / 1_000_000)
    } else {
        format!("time.Duration({d})")
    }
}

fn map(m: &std::collections::BTreeMap<String, String>) -> String {
    let items: Vec<String> = m.iter().map(|(k, v)| format!("{}: {}", q(k), q(v))).collect();
    format!("map[string]string{{{}}}", items.join(", "))
}

/// `KeyValueConfig` fields, as `name: value` or, editing, as assignments to `config`.
fn fields(o: &BucketOptions) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    if let Some(d) = &o.description {
        v.push(("Description", q(d)));
    }
    if let Some(h) = o.history {
        v.push(("History", h.to_string()));
    }
    if let Some(t) = o.ttl {
        v.push(("TTL", duration(t)));
    }
    if let Some(t) = o.marker_ttl {
        v.push(("LimitMarkerTTL", duration(t)));
    }
    if let Some(r) = o.replicas {
        v.push(("Replicas", r.to_string()));
    }
    if let Some(n) = o.max_value_size {
        v.push(("MaxValueSize", n.to_string()));
    }
    if let Some(n) = o.max_bytes {
        v.push(("MaxBytes", n.to_string()));
    }
    if o.memory {
        v.push(("Storage", "jetstream.MemoryStorage".into()));
    }
    if let Some(c) = o.compression {
        v.push(("Compression", c.to_string()));
    }
    if let Some(m) = &o.metadata {
        v.push(("Metadata", map(m)));
    }
    v
}

const PRINT_ENTRY: &str = "fmt.Println(entry.Revision(), operation(entry.Operation()), string(entry.Value()))";
const PRINT_WATCHED: &str =
    "fmt.Println(entry.Revision(), operation(entry.Operation()), entry.Key(), string(entry.Value()))";

fn uses_time(op: &Op) -> bool {
    match op {
        Op::AddBucket { options, .. } | Op::EditBucket { options, .. } => {
            options.ttl.is_some() || options.marker_ttl.is_some()
        }
        Op::Create { ttl, .. } | Op::Purge { ttl, .. } => ttl.is_some(),
        _ => false,
    }
}

fn prints(op: &Op) -> bool {
    !matches!(
        op,
        Op::AddBucket { .. }
            | Op::EditBucket { .. }
            | Op::DeleteBucket { .. }
            | Op::Delete { .. }
            | Op::Purge { .. }
            | Op::Compact { .. }
    )
}

fn uses_operation(op: &Op) -> bool {
    matches!(op, Op::History { .. } | Op::Watch { .. })
}

impl Writer for Go {
    fn head(&self, ops: &[&Op], single: bool, sleeps: bool) -> String {
        let mut std = vec!["\"context\""];
        // A program reports each failed step with fmt; a single command uses it only when it prints.
        if !single || ops.iter().any(|o| prints(o)) {
            std.push("\"fmt\"");
        }
        std.extend(["\"log\"", "\"os\""]);
        if sleeps || ops.iter().any(|o| uses_time(o)) {
            std.push("\"time\"");
        }
        let imports: String = std.iter().map(|i| format!("\t{i}\n")).collect();
        let mut s = format!(
            "// {}\n// go get github.com/nats-io/nats.go\npackage main\n\nimport (\n{imports}\n\t\"github.com/nats-io/nats.go\"\n\t\"github.com/nats-io/nats.go/jetstream\"\n)\n\n",
            banner(Lang::Go, single)
        );
        if ops.iter().any(|o| uses_operation(o)) {
            s.push_str("// operation names an entry's operation as the nats CLI does.\nfunc operation(op jetstream.KeyValueOp) string {\n\tswitch op {\n\tcase jetstream.KeyValueDelete:\n\t\treturn \"DEL\"\n\tcase jetstream.KeyValuePurge:\n\t\treturn \"PURGE\"\n\tdefault:\n\t\treturn \"PUT\"\n\t}\n}\n\n");
        }
        s.push_str("func main() {\n\turl := nats.DefaultURL\n\tif len(os.Args) > 1 {\n\t\turl = os.Args[1]\n\t}\n\tnc, err := nats.Connect(url)\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\tdefer nc.Drain()\n\tjs, err := jetstream.New(nc)\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\tctx := context.Background()\n");
        if ops.is_empty() && !single {
            s.push_str("\t_, _ = ctx, js // the session has no commands yet\n");
        }
        if single {
            s.push_str("\tif err := run(ctx, js); err != nil {\n\t\tlog.Fatal(err)\n\t}\n}\n\nfunc run(ctx context.Context, js jetstream.JetStream) error {\n");
        }
        s
    }

    fn op(&self, op: &Op) -> String {
        match op {
            Op::AccountInfo => format!("info, err := js.AccountInfo(ctx)\n{CHECK}fmt.Printf(\"memory: %d, storage: %d, streams: %d\\n\", info.Memory, info.Store, info.Streams)\n"),
            Op::AddBucket { bucket, options } => {
                let mut all = vec![("Bucket", q(bucket))];
                all.extend(fields(options));
                // Aligned as gofmt aligns a composite literal's values.
                let width = all.iter().map(|(k, _)| k.len() + 1).max().unwrap_or(0);
                let mut s = "_, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{\n".to_string();
                for (k, v) in all {
                    s.push_str(&format!("\t{:<width$} {v},\n", format!("{k}:")));
                }
                s.push_str(&format!("}})\n{CHECK}"));
                s
            }
            Op::EditBucket { bucket, options } => {
                let mut s = format!(
                    "// As the CLI does: the bucket's configuration, changed where flags were given.\n{}status, err := kv.Status(ctx)\n{CHECK}config := status.Config()\n",
                    open(bucket)
                );
                for (k, v) in fields(options) {
                    s.push_str(&format!("config.{k} = {v}\n"));
                }
                s.push_str("if _, err := js.UpdateKeyValue(ctx, config); err != nil {\n\treturn err\n}\n");
                s
            }
            Op::DeleteBucket { bucket } => {
                format!("if err := js.DeleteKeyValue(ctx, {}); err != nil {{\n\treturn err\n}}\n", q(bucket))
            }
            Op::Buckets => "names := js.KeyValueStoreNames(ctx)\nfor name := range names.Name() {\n\tfmt.Println(name)\n}\nif err := names.Error(); err != nil {\n\treturn err\n}\n".into(),
            Op::Info { bucket } => format!(
                "{}status, err := kv.Status(ctx)\n{CHECK}fmt.Printf(\"%s: %d values, history %d\\n\", status.Bucket(), status.Values(), status.History())\n",
                open(bucket)
            ),
            Op::Put { bucket, key, value } => format!(
                "{}revision, err := kv.Put(ctx, {}, []byte({}))\n{CHECK}fmt.Println(revision)\n",
                open(bucket),
                q(key),
                q(value)
            ),
            Op::Create { bucket, key, value, ttl } => {
                let ttl = ttl.map(|t| format!(", jetstream.KeyTTL({})", duration(t))).unwrap_or_default();
                format!(
                    "{}revision, err := kv.Create(ctx, {}, []byte({}){ttl})\n{CHECK}fmt.Println(revision)\n",
                    open(bucket),
                    q(key),
                    q(value)
                )
            }
            Op::Update { bucket, key, value, revision } => format!(
                "{}revision, err := kv.Update(ctx, {}, []byte({}), {revision})\n{CHECK}fmt.Println(revision)\n",
                open(bucket),
                q(key),
                q(value)
            ),
            Op::Get { bucket, key, revision } => {
                let call = match revision {
                    Some(r) => format!("kv.GetRevision(ctx, {}, {r})", q(key)),
                    None => format!("kv.Get(ctx, {})", q(key)),
                };
                format!("{}entry, err := {call}\n{CHECK}fmt.Println(string(entry.Value()))\n", open(bucket))
            }
            Op::Delete { bucket, key } => {
                format!("{}if err := kv.Delete(ctx, {}); err != nil {{\n\treturn err\n}}\n", open(bucket), q(key))
            }
            Op::Purge { bucket, key, ttl } => {
                let ttl = ttl.map(|t| format!(", jetstream.PurgeTTL({})", duration(t))).unwrap_or_default();
                format!("{}if err := kv.Purge(ctx, {}{ttl}); err != nil {{\n\treturn err\n}}\n", open(bucket), q(key))
            }
            Op::History { bucket, key } => format!(
                "{}entries, err := kv.History(ctx, {})\n{CHECK}for _, entry := range entries {{\n\t{PRINT_ENTRY}\n}}\n",
                open(bucket),
                q(key)
            ),
            Op::Revert { bucket, key, revision } => format!(
                "{}entry, err := kv.GetRevision(ctx, {}, {revision})\n{CHECK}revision, err := kv.Put(ctx, {}, entry.Value())\n{CHECK}fmt.Println(revision)\n",
                open(bucket),
                q(key),
                q(key)
            ),
            Op::Keys { bucket, filter } => {
                let call = match filter {
                    Some(f) => format!("kv.ListKeysFiltered(ctx, {})", q(f)),
                    None => "kv.ListKeys(ctx)".into(),
                };
                format!(
                    "{}keys, err := {call}\n{CHECK}defer keys.Stop()\nfor key := range keys.Keys() {{\n\tfmt.Println(key)\n}}\n",
                    open(bucket)
                )
            }
            Op::Watch { bucket, key, from } => {
                let mut opts = Vec::new();
                if from.history {
                    opts.push("jetstream.IncludeHistory()".to_string());
                }
                if from.updates {
                    opts.push("jetstream.UpdatesOnly()".to_string());
                }
                if from.ignore_deletes {
                    opts.push("jetstream.IgnoreDeletes()".to_string());
                }
                if from.revision > 0 {
                    opts.push(format!("jetstream.ResumeFromRevision({})", from.revision));
                }
                let opts: String = opts.iter().map(|o| format!(", {o}")).collect();
                format!(
                    "{}watcher, err := kv.Watch(ctx, {}{opts})\n{CHECK}defer watcher.Stop()\nfor entry := range watcher.Updates() {{\n\tif entry == nil {{\n\t\tcontinue // what was there has arrived; new writes follow\n\t}}\n\t{PRINT_WATCHED}\n}}\n",
                    open(bucket),
                    q(key)
                )
            }
            Op::Compact { bucket } => format!(
                "{}// As `nats kv compact`: markers under 30 minutes old stay (jetstream.DeleteMarkersOlderThan changes that).\nif err := kv.PurgeDeletes(ctx); err != nil {{\n\treturn err\n}}\n",
                open(bucket)
            ),
        }
    }

    fn sleep(&self, secs: &str) -> String {
        format!("time.Sleep(time.Duration({secs} * float64(time.Second))) // the playground's clock moved forward\n")
    }

    fn comment(&self, text: &str) -> String {
        format!("// {text}\n")
    }

    fn guarded(&self, line: &str, body: &str) -> String {
        let mut s = format!("// {line}\nif err := func() error {{\n");
        for l in body.lines() {
            s.push_str(&format!("\t{l}\n"));
        }
        s.push_str("\treturn nil\n}(); err != nil {\n\tfmt.Println(\"error:\", err)\n}\n");
        s
    }

    fn tail(&self, single: bool) -> String {
        if single {
            "\treturn nil\n}\n".into()
        } else {
            "}\n".into()
        }
    }

    fn indent(&self) -> &'static str {
        "\t"
    }
}
