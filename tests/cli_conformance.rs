//! The conformance suite: every golden script (and `tests/conformance/*.nats`) runs three ways, on the embedded
//! engine, on a real nats-server through the project's own client, and on `kvplay serve` through the same
//! client, and the transcripts must agree once what
//! legitimately differs is normalised (times, connection details, table widths those change). Differences that
//! are understood and accepted are listed, with their reasons, in `tests/conformance/known-differences.txt`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nats_kv_playground::client::native::RemoteKv;
use nats_kv_playground::lesson::compare::normalize_line;
use nats_kv_playground::script::{run_script, ScriptOptions};
use nats_kv_playground::session::Session;

mod support;
use support::{start_kvplay_serve, start_server, start_server_conf, start_server_with};

/// A `--trace` line with what differs between servers left out: the time it was written, the address traced
/// as connected to, and the times and leader in the JSON replies.
fn normalize_trace(l: &str) -> String {
    let b = l.as_bytes();
    let timed = b.len() > 9 && b[2] == b':' && b[5] == b':' && b[8] == b' ' && l[..8].bytes().all(|c| c != b' ');
    let l = if timed { format!("<t> {}", &l[9..]) } else { l.to_string() };
    if let Some(i) = l.find(">>> Connected to ") {
        return format!("{}>>> Connected to <conn>", &l[..i]);
    }
    let mut out = l;
    for field in ["\"created\":\"", "\"ts\":\"", "\"last_ts\":\"", "\"first_ts\":\"", "\"leader\":\""] {
        let mut from = 0;
        while let Some(i) = out[from..].find(field).map(|i| i + from + field.len()) {
            let Some(end) = out[i..].find('"').map(|e| e + i) else { break };
            let value = &out[i..end];
            let keep = value.starts_with("0001-01-01");
            if !keep {
                out.replace_range(i..end, "<v>");
            }
            from = i;
        }
    }
    out
}

/// Normalises a transcript: times, connection details, durations, and the table padding they change.
fn normalize(t: &str) -> String {
    t.lines()
        .map(|l| {
            let mut l = normalize_line(&normalize_trace(l));
            if l.starts_with(['│', '╭', '├', '╰']) {
                // Durations ("Last Update") and the widths they give the table.
                let words: Vec<String> = l
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(|w| {
                        let is_dur = w.chars().next().is_some_and(|c| c.is_ascii_digit())
                            && (w.ends_with("ms") || w.ends_with("µs") || w.ends_with('s'))
                            && w.chars().all(|c| c.is_ascii_digit() || "0123456789.msµhd".contains(c));
                        if is_dur {
                            "<dur>".to_string()
                        } else {
                            w.to_string()
                        }
                    })
                    .collect();
                l = words.join(" ");
                let mut out = String::new();
                for c in l.chars() {
                    if c == '─' && out.ends_with('─') {
                        continue;
                    }
                    out.push(c);
                }
                l = out;
            }
            l
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn corpus(root: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["tests/data/kv", "tests/data/cli", "tests/data/seeds", "tests/conformance"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            let mut files: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "nats"))
                .collect();
            files.sort();
            v.extend(files);
        }
    }
    v
}

#[test]
fn scripts_give_the_same_transcripts_on_the_engine_on_nats_server_and_on_kvplay_serve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let known = std::fs::read_to_string(root.join("tests/conformance/known-differences.txt")).unwrap_or_default();
    let skipped: Vec<&str> = known
        .lines()
        .filter_map(|l| l.strip_prefix("skip "))
        .map(|l| l.split(':').next().unwrap_or("").trim())
        .collect();
    let mut failures = Vec::new();
    let mut ran = 0;
    for (n, file) in corpus(root).iter().enumerate() {
        let rel = file.strip_prefix(root).unwrap_or(file).display().to_string();
        if skipped.contains(&rel.as_str()) {
            continue;
        }
        if let Ok(only) = std::env::var("CONFORMANCE_ONLY") {
            if !rel.contains(&only) {
                continue;
            }
        }
        let src = std::fs::read_to_string(file).expect("script");
        let server = start_server(root, n);
        // Over the WebSocket listener, as the page connects.
        let remote = RemoteKv::connect(&format!("ws://127.0.0.1:{}", server.ws_port)).expect("connect to nats-server");
        let start = remote_start();
        let mut s_remote = Session::new(remote);
        let theirs = run_script(&mut s_remote, &src, ScriptOptions { start, assume_yes: false });
        let mut s_engine = Session::new(nats_kv_playground::server::Standalone::embedded(start));
        let ours = run_script(&mut s_engine, &src, ScriptOptions { start, assume_yes: false });
        drop(s_remote);
        // The third way: the same engine behind `kvplay serve`, reached as a client over WebSocket.
        let serve = start_kvplay_serve();
        let remote =
            RemoteKv::connect(&format!("ws://127.0.0.1:{}", serve.websocket_port)).expect("connect to kvplay serve");
        let mut s_serve = Session::new(remote);
        let served = run_script(&mut s_serve, &src, ScriptOptions { start: remote_start(), assume_yes: false });
        drop(s_serve);
        serve.stop();
        ran += 1;
        let (a, b, c) = (normalize(&ours.transcript), normalize(&theirs.transcript), normalize(&served.transcript));
        for (label, other) in [("nats-server", &b), ("kvplay serve", &c)] {
            if a != *other {
                let dump = std::env::temp_dir().join(format!("kvplay-conformance-{}.txt", rel.replace('/', "_")));
                let _ = std::fs::write(&dump, format!("=== engine\n{a}\n=== {label}\n{other}\n"));
                let (i, (x, y)) = a
                    .lines()
                    .zip(other.lines())
                    .enumerate()
                    .find(|(_, (x, y))| x != y)
                    .unwrap_or((a.lines().count().min(other.lines().count()), ("<end>", "<end>")));
                failures.push(format!("{rel} ({label}): line {}\n  engine: {x}\n  {label}: {y}", i + 1));
            }
        }
    }
    assert!(ran >= 8 || std::env::var("CONFORMANCE_ONLY").is_ok(), "ran only {ran} scripts");
    assert!(failures.is_empty(), "{} of {ran} scripts differ:\n{}", failures.len(), failures.join("\n"));
}

fn remote_start() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

#[test]
fn connection_faults_give_clear_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Nothing listens on this port.
    let port = support::free_port();
    let err = RemoteKv::connect(&format!("nats://127.0.0.1:{port}")).err().expect("refused");
    assert_eq!(err.kind, nats_kv_playground::engine::ErrorKind::Unreachable);
    assert!(
        err.message.contains("connection refused") || err.message.contains("Connection refused"),
        "{}",
        err.message
    );
    // A server that wants a password.
    let server = start_server_with(root, 9_001, &["--user", "learner", "--pass", "s3cret"]);
    let p2 = server.port;
    let err = RemoteKv::connect(&format!("nats://learner:wrong@127.0.0.1:{p2}")).err().expect("auth fails");
    assert!(err.message.contains("authorization violation"), "{}", err.message);
    assert_eq!(err.kind, nats_kv_playground::engine::ErrorKind::Refused);
    let mut ok = RemoteKv::connect(&format!("nats://learner:s3cret@127.0.0.1:{p2}")).expect("the right password works");
    use nats_kv_playground::backend::KvBackend;
    ok.create_bucket(&nats_kv_playground::engine::Config::new("big")).expect("bucket");
    // A value over the server's max payload (1 MiB) is refused before it is sent, as the Go client does.
    let err = ok.put("big", "k", &vec![b'x'; (1 << 20) + 1]).expect_err("too big");
    assert_eq!(err.message, "nats: maximum payload exceeded");
    assert_eq!(ok.put("big", "k", b"fits").expect("a small value is fine"), 1);
}

#[test]
fn a_watch_resumes_after_the_server_restarts_without_losing_or_repeating_entries() {
    use nats_kv_playground::backend::KvBackend;
    use nats_kv_playground::engine::{Config, WatchEvent, WatchOptions};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut server = start_server(root, 9_000);
    let (port, dir) = (server.port, server.dir.clone());
    let url = format!("nats://127.0.0.1:{port}");
    let mut c = RemoteKv::connect(&url).expect("connect");
    let mut cfg = Config::new("r");
    cfg.history = 5;
    c.create_bucket(&cfg).expect("bucket");
    c.put("r", "a", b"1").expect("put");
    c.put("r", "b", b"1").expect("put");
    let w = c.watch("r", &[], WatchOptions::default()).expect("watch");
    let revs = |evs: Vec<WatchEvent>| -> Vec<u64> {
        evs.into_iter().filter_map(|e| if let WatchEvent::Entry(e) = e { Some(e.revision) } else { None }).collect()
    };
    assert_eq!(revs(c.poll_watch(w)), vec![1, 2]);
    // Stop the server, start it again on the same port and store, and write while the watcher is away.
    let _ = server.child.kill();
    let _ = server.child.wait();
    let bin = root.join(".tools/venv/bin/nats-server");
    server.child = Command::new(bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir.join("js"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("restart nats-server");
    let mut other = None;
    for _ in 0..100 {
        if let Ok(o) = RemoteKv::connect(&url) {
            other = Some(o);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut other = other.expect("the server is back");
    other.put("r", "c", b"1").expect("put while the watcher reconnects");
    assert_eq!(revs(c.poll_watch(w)), vec![3], "the watch resumes after revision 2: nothing lost, nothing repeated");
    c.put("r", "a", b"2").expect("the watcher's own connection works again");
    assert_eq!(revs(c.poll_watch(w)), vec![4]);
}

#[test]
fn a_token_authenticates_too() {
    use nats_kv_playground::backend::KvBackend;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = start_server_with(root, 9_002, &["--auth", "t0ken"]);
    let port = server.port;
    assert!(RemoteKv::connect(&format!("nats://wrong@127.0.0.1:{port}")).is_err());
    let mut c = RemoteKv::connect(&format!("nats://t0ken@127.0.0.1:{port}")).expect("the token works");
    assert_eq!(c.bucket_names().expect("names"), Vec::<String>::new());
}

#[test]
fn a_bucket_deleted_by_another_client_is_reported_as_not_found() {
    use nats_kv_playground::backend::KvBackend;
    use nats_kv_playground::engine::{Config, ErrorKind};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = start_server(root, 9_003);
    let url = format!("ws://127.0.0.1:{}", server.ws_port);
    let mut a = RemoteKv::connect(&url).expect("connect");
    let mut b = RemoteKv::connect(&url).expect("connect another client");
    a.create_bucket(&Config::new("shared")).expect("bucket");
    assert_eq!(a.put("shared", "k", b"1").expect("put"), 1);
    assert_eq!(a.get("shared", "k").expect("get").value, b"1");
    b.delete_bucket("shared").expect("the other client deletes it");
    let e = a.put("shared", "k", b"2").expect_err("the bucket is gone");
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::BucketNotFound, "nats: bucket not found"));
    let e = a.get("shared", "k").expect_err("the bucket is gone");
    assert_eq!(e.kind, ErrorKind::BucketNotFound);
    b.create_bucket(&Config::new("shared")).expect("made again");
    assert_eq!(a.put("shared", "k", b"3").expect("works again"), 1);
}

#[test]
fn an_nkey_signs_the_servers_nonce() {
    use nats_kv_playground::backend::KvBackend;
    use nats_kv_playground::client::url::{Auth, ServerUrl};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let user = nkeys::KeyPair::new_user();
    let conf = format!("authorization {{ users: [ {{ nkey: {} }} ] }}", user.public_key());
    let server = start_server_conf(root, 9_004, &[], &conf);
    for scheme in ["nats", "ws"] {
        let port = if scheme == "ws" { server.ws_port } else { server.port };
        let mut url = ServerUrl::parse(&format!("{scheme}://127.0.0.1:{port}")).expect("address");
        assert!(RemoteKv::connect_url(url.clone()).is_err(), "no credentials, no entry");
        url.auth = Auth::NKey(nkeys::KeyPair::new_user().seed().expect("seed"));
        let e = RemoteKv::connect_url(url.clone()).err().expect("another key is refused");
        assert!(e.message.contains("authorization violation"), "{}", e.message);
        url.auth = Auth::NKey(user.seed().expect("seed"));
        let mut c = RemoteKv::connect_url(url).expect("the right seed works");
        assert_eq!(c.bucket_names().expect("names"), Vec::<String>::new());
    }
}

#[test]
fn kvplay_runs_a_lesson_against_the_server_over_websocket() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = start_server(root, 9_005);
    let url = format!("ws://127.0.0.1:{}", server.ws_port);
    let out =
        Command::new(env!("CARGO_BIN_EXE_kvplay")).args(["--server", &url, "lesson", "cli"]).output().expect("kvplay");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("PASS") && !text.contains("FAIL"), "{text}");
}

#[test]
fn a_server_without_jetstream_is_named_as_such() {
    use nats_kv_playground::backend::KvBackend;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join(".tools/venv/bin/nats-server");
    let port = support::free_port();
    let mut child = Command::new(bin)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nats-server");
    let mut c = None;
    for _ in 0..100 {
        if let Ok(k) = RemoteKv::connect(&format!("nats://127.0.0.1:{port}")) {
            c = Some(k);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut kv = c.expect("connect");
    let e = kv.account_info().expect_err("no JetStream");
    // natscli's account info then ends with its JetStream-disabled form (cli/account_command.go infoAction).
    let out = Session::new(kv).run_line("nats account info", 0).text();
    let _ = child.kill();
    let _ = child.wait();
    assert!(e.message.contains("JetStream not enabled"), "{}", e.message);
    assert!(out.contains("\n    JetStream is not supported in this account\n"), "{out}");
    assert!(!out.contains("JetStream Account Information") && !out.contains("nats: error:"), "{out}");
}

#[test]
fn reading_only_what_changed_gives_the_same_copy_as_reading_everything() {
    use nats_kv_playground::backend::KvBackend;
    use nats_kv_playground::engine::Config;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = start_server(root, 9_006);
    let c = RemoteKv::connect(&format!("ws://127.0.0.1:{}", server.ws_port)).expect("connect");
    let mut c = c;
    let mut cfg = Config::new("inc");
    cfg.history = 2;
    c.create_bucket(&cfg).expect("bucket");
    c.create_bucket(&Config::new("quiet")).expect("another bucket");
    c.put("quiet", "q", b"1").expect("put");
    let mut previous = c.export(500, None).expect("export");
    type Step = Box<dyn Fn(&mut RemoteKv)>;
    let steps: Vec<Step> = vec![
        Box::new(|c| drop(c.put("inc", "a", b"1"))),
        Box::new(|c| drop(c.put("inc", "a", b"2"))),
        Box::new(|c| drop(c.put("inc", "a", b"3"))), // the history limit drops revision 1
        Box::new(|c| drop(c.put("inc", "b", b"1"))),
        Box::new(|c| drop(c.delete("inc", "b"))),
        Box::new(|c| drop(c.purge("inc", "a", 0))), // rolls up a's revisions
        Box::new(|c| drop(c.put("inc", "c", b"1"))),
    ];
    for (i, step) in steps.iter().enumerate() {
        step(&mut c);
        let incremental = c.export(500, Some(&previous)).expect("export what changed");
        let mut whole = c.export(500, None).expect("export everything");
        whole.now = incremental.now;
        assert_eq!(incremental, whole, "after step {i}");
        previous = incremental;
    }
    let inc = previous.buckets.iter().find(|b| b.config.bucket == "inc").expect("inc");
    let kept: Vec<(u64, &str)> = inc.revisions.iter().map(|r| (r.revision, r.operation.as_str())).collect();
    assert_eq!(kept, vec![(4, "PUT"), (5, "DEL"), (6, "PURGE"), (7, "PUT")]);
}

#[test]
fn keys_and_watches_of_several_patterns_agree_with_the_engine() {
    use nats_kv_playground::backend::KvBackend;
    use nats_kv_playground::engine::{Config, WatchEvent, WatchOptions};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = start_server(root, 9_002);
    let mut remote = RemoteKv::connect(&format!("nats://127.0.0.1:{}", server.port)).expect("connect");
    let mut engine = nats_kv_playground::server::Standalone::embedded(remote_start());
    fn fill(b: &mut dyn KvBackend) {
        b.create_bucket(&Config::new("pats")).expect("bucket");
        for (k, v) in [("a.1", "x"), ("b.1", "y"), ("c.1", "z"), ("a.2", "w"), ("b.2", "v")] {
            b.put("pats", k, v.as_bytes()).expect("put");
        }
        b.delete("pats", "b.2").expect("delete");
        b.put("pats", "a.1", b"again").expect("put");
    }
    fill(&mut remote);
    fill(&mut engine);
    let two = vec!["a.*".to_string(), "b.*".to_string()];
    let theirs = remote.keys("pats", &two).expect("keys on the server");
    assert_eq!(theirs, engine.keys("pats", &two).expect("keys on the engine"));
    assert_eq!(theirs.len(), 3, "a.1, a.2 and b.1 (b.2 is deleted): {theirs:?}");
    let bad = vec!["a.*".to_string(), "".to_string()];
    assert_eq!(remote.keys("pats", &bad).err().map(|e| e.kind), engine.keys("pats", &bad).err().map(|e| e.kind));
    let seen = |b: &mut dyn KvBackend| -> Vec<(String, u64)> {
        let pats = vec!["a.2".to_string(), "c.*".to_string()];
        let w = b.watch("pats", &pats, WatchOptions::default()).expect("watch");
        let got = b
            .poll_watch(w)
            .into_iter()
            .filter_map(|e| match e {
                WatchEvent::Entry(e) => Some((e.key, e.revision)),
                _ => None,
            })
            .collect();
        b.stop_watch(w);
        got
    };
    let theirs = seen(&mut remote);
    assert_eq!(theirs, seen(&mut engine));
    assert_eq!(theirs.len(), 2, "a watch of two patterns sees both: {theirs:?}");
}
