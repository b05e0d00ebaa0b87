//! Conformance with a real nats-server: the scenarios in `tests/conformance/scenarios.json` run on the embedded
//! engine and, through `tests/conformance/server.py`, on a real `nats-server` (installed by `scripts/setup.sh`)
//! sending the Go client's exact messages; every result (revisions, errors, histories, keys, message counts and
//! byte counts) must be the same. TTL scenarios sleep for real on the server and on the virtual clock here.

use std::path::Path;
use std::process::Command;

use nats_kv_playground::backend::KvBackend;
use nats_kv_playground::engine::stream::StreamSource;
use nats_kv_playground::engine::{Config, ErrorKind, KvError, Operation, StorageType};
use nats_kv_playground::server::Standalone;
use serde_json::{json, Value};

const S: i64 = 1_000_000_000;

fn err(e: &KvError) -> Value {
    match (e.kind, &e.api) {
        (ErrorKind::KeyNotFound, _) => json!({"err": "key not found"}),
        // The Go client turns the stream API's 10059 into "bucket not found" when it loads a bucket.
        (ErrorKind::BucketNotFound, None) => json!({"err": "10059 stream not found"}),
        (ErrorKind::KeyExists, Some(a)) => json!({"err": format!("key exists: {} {}", a.err_code, a.description)}),
        (_, Some(a)) => json!({"err": format!("{} {}", a.err_code, a.description)}),
        _ => json!({"err": e.message}),
    }
}

fn config(c: &Value) -> Config {
    let mut cfg = Config::new(c["bucket"].as_str().unwrap_or_default());
    cfg.history = c["history"].as_i64().unwrap_or(1);
    cfg.max_bytes = c["max_bytes"].as_i64().unwrap_or(-1);
    cfg.max_value_size = c["max_value_size"].as_i64().unwrap_or(-1) as i32;
    cfg.max_age = c["ttl"].as_i64().unwrap_or(0) * S;
    cfg.replicas = c["replicas"].as_i64().unwrap_or(1);
    cfg.limit_marker_ttl = c["limit_marker_ttl"].as_i64().unwrap_or(0) * S;
    if c["storage"] == "memory" {
        cfg.storage = StorageType::Memory;
    }
    let source = |v: &Value| StreamSource { name: v.as_str().unwrap_or_default().to_string(), ..Default::default() };
    cfg.mirror = c.get("mirror").map(source);
    cfg.sources = c["sources"].as_array().map(|a| a.iter().map(source).collect()).unwrap_or_default();
    cfg
}

fn op_name(o: Operation) -> &'static str {
    match o {
        Operation::Put => "PUT",
        Operation::Delete => "DEL",
        Operation::Purge => "PURGE",
    }
}

fn run_engine(ops: &[Value]) -> Vec<Value> {
    let mut e = Standalone::embedded(1_700_000_000 * S);
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    ops.iter()
        .map(|op| {
            let a = op.as_array().expect("operation is an array");
            let rev = |r: Result<u64, KvError>| r.map(|n| json!({"rev": n})).unwrap_or_else(|x| err(&x));
            let ok = |r: Result<(), KvError>| r.map(|_| json!({"ok": true})).unwrap_or_else(|x| err(&x));
            match a[0].as_str().unwrap_or_default() {
                "add" => ok(e.create_bucket(&config(&a[1])).map(|_| ())),
                "edit" => ok(e.update_bucket(&config(&a[1])).map(|_| ())),
                "delete_bucket" => ok(e.delete_bucket(&s(&a[1]))),
                "put" => rev(e.put(&s(&a[1]), &s(&a[2]), s(&a[3]).as_bytes())),
                "create" => rev(e.create(&s(&a[1]), &s(&a[2]), s(&a[3]).as_bytes(), 0)),
                "create_ttl" => {
                    rev(e.create(&s(&a[1]), &s(&a[2]), s(&a[3]).as_bytes(), a[4].as_i64().unwrap_or(0) * S))
                }
                "update" => rev(e.update(&s(&a[1]), &s(&a[2]), s(&a[3]).as_bytes(), a[4].as_u64().unwrap_or(0))),
                "delete" => rev(e.delete(&s(&a[1]), &s(&a[2]))),
                "purge" => rev(e.purge(&s(&a[1]), &s(&a[2]), 0)),
                "purge_ttl" => rev(e.purge(&s(&a[1]), &s(&a[2]), a[3].as_i64().unwrap_or(0) * S)),
                "get" => e
                    .get(&s(&a[1]), &s(&a[2]))
                    .map(|x| json!({"rev": x.revision, "value": String::from_utf8_lossy(&x.value)}))
                    .unwrap_or_else(|x| err(&x)),
                "get_revision" => e
                    .get_revision(&s(&a[1]), &s(&a[2]), a[3].as_u64().unwrap_or(0))
                    .map(|x| json!({"rev": x.revision, "value": String::from_utf8_lossy(&x.value)}))
                    .unwrap_or_else(|x| err(&x)),
                "history" => e
                    .history(&s(&a[1]), &s(&a[2]))
                    .map(|h| {
                        let entries: Vec<Value> = h
                            .iter()
                            .map(|x| json!([x.revision, op_name(x.operation), String::from_utf8_lossy(&x.value)]))
                            .collect();
                        json!({ "entries": entries })
                    })
                    .unwrap_or_else(|x| err(&x)),
                "keys" => json!({"keys": e.keys(&s(&a[1]), &[]).unwrap_or_default()}),
                "status" => e
                    .status(&s(&a[1]))
                    .map(|st| json!({"values": st.values, "bytes": st.bytes, "last": st.last_revision}))
                    .unwrap_or_else(|x| err(&x)),
                "compact" => ok(e.purge_deletes(&s(&a[1]))),
                // The engine copies into mirrors and sources as the origin stores; nats-server a moment later.
                "settle" => json!({"ok": true}),
                "sleep" => {
                    let t = e.now() + a[1].as_i64().unwrap_or(0) * S;
                    e.set_now(t);
                    json!({"ok": true})
                }
                other => panic!("unknown operation {other}"),
            }
        })
        .collect()
}

#[test]
fn engine_matches_a_real_nats_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".tools/venv/bin/python");
    assert!(
        python.exists(),
        "the real nats-server is not installed: run `bash scripts/setup.sh` (the README's test command does)"
    );
    let scenarios_path = root.join("tests/conformance/scenarios.json");
    let out = Command::new(&python)
        .arg(root.join("tests/conformance/server.py"))
        .arg(&scenarios_path)
        .env(
            "PATH",
            format!("{}:{}", root.join(".tools/venv/bin").display(), std::env::var("PATH").unwrap_or_default()),
        )
        .output()
        .expect("run the server side of the conformance scenarios");
    assert!(out.status.success(), "server run failed: {}", String::from_utf8_lossy(&out.stderr));
    let server: Value = serde_json::from_slice(&out.stdout).expect("server results are JSON");
    let scenarios: Value =
        serde_json::from_str(&std::fs::read_to_string(&scenarios_path).expect("scenarios")).expect("JSON");
    let mut diffs = Vec::new();
    for sc in scenarios.as_array().expect("a list of scenarios") {
        let name = sc["name"].as_str().unwrap_or_default();
        let ops = sc["ops"].as_array().expect("ops");
        let ours = run_engine(ops);
        let theirs = server[name].as_array().cloned().unwrap_or_default();
        assert_eq!(ours.len(), theirs.len(), "{name}: result count");
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            if a != b {
                diffs.push(format!("{name} op {i} {}: engine {a} server {b}", ops[i]));
            }
        }
    }
    assert!(diffs.is_empty(), "the engine differs from nats-server:\n{}", diffs.join("\n"));
}

#[test]
fn python_lesson_snippets_print_what_the_lesson_shows_on_a_real_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".tools/venv/bin/python");
    assert!(python.exists(), "nats-py and nats-server are not installed: run `bash scripts/setup.sh`");
    let out = Command::new(&python)
        .arg(root.join("tests/conformance/python_lesson.py"))
        .arg(root.join("lessons/python-kv.md"))
        .env(
            "PATH",
            format!("{}:{}", root.join(".tools/venv/bin").display(), std::env::var("PATH").unwrap_or_default()),
        )
        .output()
        .expect("run the Python lesson");
    assert!(
        out.status.success(),
        "the Python lesson's snippets differ from its shown output:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn javascript_lesson_programs_print_what_the_lesson_shows_on_a_real_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        root.join(".tools/venv/bin/nats-server").exists() && root.join(".tools/npm/node_modules/@nats-io/kv").exists(),
        "nats-server and the JavaScript client are not installed: run `bash scripts/setup.sh`"
    );
    let out = Command::new("node")
        .arg(root.join("tests/conformance/js_lesson.mjs"))
        .arg(root.join("lessons/python-kv.md"))
        .output()
        .expect("run the lesson's JavaScript");
    assert!(
        out.status.success(),
        "the lesson's JavaScript programs differ from its shown output:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_bucket_exported_from_a_real_server_imports_with_the_same_revisions_and_bytes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".tools/venv/bin/python");
    assert!(python.exists(), "nats-py and nats-server are not installed: run `bash scripts/setup.sh`");
    let out = Command::new(&python)
        .arg(root.join("tests/conformance/export_real.py"))
        .env(
            "PATH",
            format!("{}:{}", root.join(".tools/venv/bin").display(), std::env::var("PATH").unwrap_or_default()),
        )
        .output()
        .expect("run the export on a real server");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let export = serde_json::to_string(&v["export"]).expect("export");
    let mut e = Standalone::from(
        nats_kv_playground::transfer::import(&export, 1_900_000_000 * S).expect("the real server's export imports"),
    );
    let st = e.status("EXP").expect("bucket");
    assert_eq!(st.last_revision, 7);
    assert_eq!(st.bytes, v["server_bytes"].as_u64().unwrap_or(0), "byte counts agree with the server's");
    let revs: Vec<u64> = e.history("EXP", "a").expect("history").iter().map(|x| x.revision).collect();
    assert_eq!(revs, vec![2, 3, 4]);
    assert_eq!(e.get("EXP", "a").expect("a").value, b"4");
    assert!(e.get("EXP", "b").is_err() && e.get("EXP", "c").is_err());
    let mut e = e;
    assert_eq!(e.put("EXP", "d", b"x").expect("put"), 8, "revisions continue after the server's");
}
