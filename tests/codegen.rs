//! Every command as code, proven: the corpus `tests/codegen/session.nats` is written as a nats-py and a nats.js
//! program (`codegen::program`), each run against a real nats-server and against `kvplay serve`; what they print
//! must be what the commands did on the engine (revisions, values, histories, keys), and the buckets they leave
//! behind (configuration, every kept revision) must be the engine's.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use nats_kv_playground::cli::exec::{execute, Display, Outcome};
use nats_kv_playground::cli::parse::{parse, split_words, ParseOutcome};
use nats_kv_playground::client::native::RemoteKv;
use nats_kv_playground::codegen::{op_of_line, program, snippet, Lang, Op};
use nats_kv_playground::engine::{Engine, Operation};
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
    let mut e = Engine::new(1_700_000_000_000_000_000);
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
            Op::Buckets => printed.extend(e.bucket_names()),
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
