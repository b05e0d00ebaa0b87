//! Every command as code, proven: the corpus `tests/codegen/session.nats` is written as a nats-py and a nats.js
//! program (`codegen::program`), each run against a real nats-server and against `kvplay serve`; what they print
//! must be what the commands did on the engine (revisions, values, histories, keys), and the buckets they leave
//! behind (configuration, every kept revision) must be the engine's.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use nats_kv_playground::backend::KvBackend;
use nats_kv_playground::cli::exec::{execute, Display, Outcome};
use nats_kv_playground::cli::parse::{parse, split_words, ParseOutcome};
use nats_kv_playground::client::native::RemoteKv;
use nats_kv_playground::codegen::{op_of_line, program, snippet, Lang, Op};
use nats_kv_playground::engine::{Config, Operation, WatchEvent, WatchOptions};
use nats_kv_playground::server::Standalone as Engine;
use nats_kv_playground::transfer::{self, Export};
use support::{root, start_kvplay_serve, start_server};

fn corpus() -> Vec<String> {
    let src = std::fs::read_to_string(root().join("tests/codegen/session.nats")).expect("the corpus");
    src.lines().map(str::trim).filter(|l| l.starts_with("nats ")).map(str::to_string).collect()
}

fn op_name(o: Operation) -> &'static str {
    match o {
        Operation::Put => "PUT",
        Operation::Delete => "DEL",
        Operation::Purge => "PURGE",
    }
}

/// Runs the commands on the engine, as the terminal does (answering yes), and returns what the generated programs
/// must print: one `error` for each command that failed, and the values the others print.
fn on_engine(commands: &[String]) -> (Engine, Vec<String>) {
    let mut e = Engine::embedded(1_700_000_000_000_000_000);
    let mut printed = Vec::new();
    for c in commands {
        let words = split_words(c).expect("words");
        let ParseOutcome::Command(p) = parse(&words[1..]) else { panic!("the corpus has a bad command: {c}") };
        let op = op_of_line(c).unwrap_or_else(|err| panic!("{c}: {err}"));
        let ok = match execute(&mut e, &p, Display::default(), Some(true)) {
            Outcome::Done { ok, .. } => ok,
            other => panic!("{c}: {other:?}"),
        };
        if !ok {
            printed.push("error".to_string());
            continue;
        }
        match &op {
            Op::Put { bucket, key, .. }
            | Op::Create { bucket, key, .. }
            | Op::Update { bucket, key, .. }
            | Op::Revert { bucket, key, .. } => {
                printed.push(e.get(bucket, key).expect("the value just written").revision.to_string())
            }
            Op::Get { bucket, key, revision } => {
                let entry = match revision {
                    Some(r) => e.get_revision(bucket, key, *r),
                    None => e.get(bucket, key),
                };
                printed.push(String::from_utf8_lossy(&entry.expect("get").value).into_owned());
            }
            Op::History { bucket, key } => {
                for h in e.history(bucket, key).expect("history") {
                    printed.push(format!(
                        "{} {} {}",
                        h.revision,
                        op_name(h.operation),
                        String::from_utf8_lossy(&h.value)
                    ));
                }
            }
            Op::Keys { bucket, filter } => {
                let filters: Vec<String> = filter.iter().cloned().collect();
                printed.extend(e.keys(bucket, &filters).expect("keys"));
            }
            Op::Info { bucket } => {
                let st = e.status(bucket).expect("status");
                printed.push(format!("{bucket}: {} values, history {}", st.values, st.history()));
            }
            Op::Buckets => printed.extend(KvBackend::bucket_names(&mut e).expect("names")),
            Op::AccountInfo => printed.push("memory: N, storage: N, streams: N".into()),
            _ => {}
        }
    }
    (e, printed)
}

/// What a program printed, with error texts (each client words them its own way) and account sizes left out.
fn normalise(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| {
            if l.starts_with("error") {
                "error".to_string()
            } else if l.starts_with("memory: ") {
                "memory: N, storage: N, streams: N".to_string()
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// The parts of a session's state the programs must reproduce: each bucket's configuration (without the
/// server's own `_nats.` metadata) and last revision, and every kept revision's key, operation and value.
fn state(x: &Export) -> Vec<String> {
    let mut v = Vec::new();
    let mut buckets = x.buckets.clone();
    buckets.sort_by(|a, b| a.config.bucket.cmp(&b.config.bucket));
    for b in buckets {
        let mut c = b.config.clone();
        c.metadata.retain(|k, _| !k.starts_with("_nats."));
        v.push(format!("{c:?} last={}", b.last_revision));
        for r in &b.revisions {
            v.push(format!("  {} {} {} {}", r.revision, r.key, r.operation, r.value));
        }
    }
    v
}

fn run(program: &[String], cwd: &Path, url: &str) -> String {
    let out = Command::new(&program[0])
        .args(&program[1..])
        .arg(url)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program[0]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{program:?} against {url} failed:\n{stderr}");
    format!("{}{stderr}", String::from_utf8_lossy(&out.stdout))
}

/// A generated program on disk and the command that runs it.
struct Program {
    file: PathBuf,
    argv: Vec<String>,
    cwd: PathBuf,
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

fn write_program(lang: Lang, name: &str, text: &str) -> Program {
    match lang {
        Lang::Python => {
            let file = std::env::temp_dir().join(format!("kvplay-codegen-{}-{name}.py", std::process::id()));
            std::fs::write(&file, text).expect("write the program");
            let py = root().join(".tools/venv/bin/python");
            assert!(py.exists(), "nats-py is not installed: run `bash scripts/setup.sh`");
            Program { argv: vec![py.display().to_string(), file.display().to_string()], file, cwd: root().into() }
        }
        Lang::JavaScript => {
            // Node resolves packages from the program's own folder, so the program goes beside them.
            let modules = root().join(".tools/npm");
            assert!(
                modules.join("node_modules/@nats-io/kv").exists(),
                "@nats-io/kv is not installed: run `bash scripts/setup.sh`"
            );
            let file = modules.join(format!("codegen-{}-{name}.mjs", std::process::id()));
            std::fs::write(&file, text).expect("write the program");
            Program { argv: vec!["node".into(), file.display().to_string()], file, cwd: modules }
        }
        _ => unreachable!("only Python and JavaScript run here"),
    }
}

fn server_state(port: u16) -> Vec<String> {
    let kv = RemoteKv::connect(&format!("nats://127.0.0.1:{port}")).expect("connect to read the buckets");
    state(&kv.export(10_000, None).expect("export"))
}

fn check_session(lang: Lang, n: usize) {
    let commands = corpus();
    let (engine, printed) = on_engine(&commands);
    let want_state = state(&transfer::export(&engine));
    let prog = write_program(lang, "session", &program(lang, &commands));
    let real = start_server(root(), n);
    let served = start_kvplay_serve();
    for (name, port) in [("nats-server", real.port), ("kvplay serve", served.port)] {
        let out = run(&prog.argv, &prog.cwd, &format!("nats://127.0.0.1:{port}"));
        assert_eq!(normalise(&out), printed, "{lang:?} against {name} printed:\n{out}");
        assert_eq!(server_state(port), want_state, "{lang:?} against {name} left other buckets");
    }
    served.stop();
}

#[test]
fn the_session_as_nats_py_does_what_the_commands_did() {
    check_session(Lang::Python, 7_101);
}

#[test]
fn the_session_as_nats_js_does_what_the_commands_did() {
    check_session(Lang::JavaScript, 7_102);
}

/// Single commands as their own programs (the "As code" view's text), one after another on one server.
fn check_snippets(lang: Lang, n: usize) {
    let commands: Vec<String> = corpus().into_iter().take(12).collect();
    let (engine, printed) = on_engine(&commands);
    let real = start_server(root(), n);
    let mut out = Vec::new();
    for (i, c) in commands.iter().enumerate() {
        let prog = write_program(lang, &format!("snippet{i}"), &snippet(lang, c).expect("a snippet"));
        let res = Command::new(&prog.argv[0])
            .args(&prog.argv[1..])
            .arg(format!("nats://127.0.0.1:{}", real.port))
            .current_dir(&prog.cwd)
            .output()
            .expect("run the snippet");
        let stdout = String::from_utf8_lossy(&res.stdout).into_owned();
        if res.status.success() {
            out.extend(normalise(&stdout));
        } else {
            // A failing command ends its program with the client's error, as the CLI exits non-zero.
            assert!(stdout.is_empty(), "{c}: printed before failing: {stdout}");
            out.push("error".into());
        }
    }
    assert_eq!(out, printed);
    assert_eq!(server_state(real.port), state(&transfer::export(&engine)));
}

#[test]
fn single_commands_as_nats_py_programs() {
    check_snippets(Lang::Python, 7_103);
}

#[test]
fn single_commands_as_nats_js_programs() {
    check_snippets(Lang::JavaScript, 7_104);
}

/// The writes before a watch starts, and the one after.
fn watch_setup<B: KvBackend>(b: &mut B) {
    let mut cfg = Config::new("w");
    cfg.history = 5;
    b.create_bucket(&cfg).expect("bucket");
    for (k, v) in [("a.1", "x"), ("a.1", "y"), ("b", "z")] {
        b.put("w", k, v.as_bytes()).expect("put");
    }
    b.delete("w", "b").expect("delete");
    b.put("w", "a.2", b"q").expect("put");
}

fn late_write<B: KvBackend>(b: &mut B) {
    b.put("w", "a.1", b"late").expect("the write after the watch started");
}

/// What a watch receives on the engine, as the generated programs print it.
fn watched_on_engine(line: &str) -> Vec<String> {
    let Ok(Op::Watch { key, from, .. }) = op_of_line(line) else { panic!("{line}") };
    let mut e = Engine::embedded(1_700_000_000_000_000_000);
    watch_setup(&mut e);
    let opts = WatchOptions {
        include_history: from.history,
        ignore_deletes: from.ignore_deletes,
        updates_only: from.updates,
        resume_from_revision: from.revision,
    };
    let id = e.watch("w", &[key], opts).expect("watch");
    let mut events = e.poll_watch(id);
    late_write(&mut e);
    events.extend(e.poll_watch(id));
    events
        .into_iter()
        .filter_map(|ev| match ev {
            WatchEvent::Entry(en) => Some(format!(
                "{} {} {} {}",
                en.revision,
                op_name(en.operation),
                en.key,
                String::from_utf8_lossy(&en.value)
            )),
            _ => None,
        })
        .collect()
}

/// Runs a watch program until it has printed `want` lines (the first ones before the late write, which comes
/// once the initial values have arrived), then stops it.
fn watch_program(lang: Lang, line: &str, port: u16, want: &[String]) -> Vec<String> {
    use std::io::BufRead;
    let url = format!("nats://127.0.0.1:{port}");
    let mut setup = RemoteKv::connect(&url).expect("connect");
    watch_setup(&mut setup);
    let prog = write_program(lang, "watch", &snippet(lang, line).expect("a snippet"));
    let mut child = Command::new(&prog.argv[0])
        .args(&prog.argv[1..])
        .arg(&url)
        .current_dir(&prog.cwd)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start the watch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let mut got = Vec::new();
    let initial = want.len() - 1;
    while got.len() < want.len() {
        if got.len() == initial {
            late_write(&mut setup);
        }
        match rx.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(l) => got.push(l),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = KvBackend::delete_bucket(&mut setup, "w");
    got
}

fn check_watches(lang: Lang, n: usize) {
    // Each starts with values to deliver, so the late write can wait for them (an --updates watch has none:
    // it is written like the others and not run here).
    let cases = [
        "nats kv watch w",
        "nats kv watch w --history",
        "nats kv watch w --history --no-deletes",
        "nats kv watch w 'a.*' --revision 2",
    ];
    let real = start_server(root(), n);
    let served = start_kvplay_serve();
    for line in cases {
        let want = watched_on_engine(line);
        assert!(want.len() > 1, "{line}: {want:?}");
        for (name, port) in [("nats-server", real.port), ("kvplay serve", served.port)] {
            assert_eq!(watch_program(lang, line, port, &want), want, "{lang:?} {line} against {name}");
        }
    }
    served.stop();
}

#[test]
fn watches_as_nats_py_receive_what_the_engine_delivers() {
    check_watches(Lang::Python, 7_105);
}

#[test]
fn watches_as_nats_js_receive_what_the_engine_delivers() {
    check_watches(Lang::JavaScript, 7_106);
}
