//! The `kvplay` binary as a user runs it: `run FILE` prints the transcript and sets the exit status; with no
//! argument it is an interactive shell over stdin.

use std::io::Write;
use std::process::{Command, Stdio};

fn kvplay(args: &[&str], stdin: &str) -> (String, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kvplay"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kvplay starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("kvplay ends");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn script(name: &str, body: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kvplay-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write script");
    p.to_string_lossy().into_owned()
}

#[test]
fn run_exits_zero_when_every_command_ends_as_marked() {
    let f = script("ok.nats", "nats kv add b\nnats kv put b k v\n! nats kv create b k w\n");
    let (out, err, code) = kvplay(&["--clock", "2026-01-01T00:00:00Z", "run", &f], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("$ nats kv create b k w\nnats: error: nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: 1: key exists\n"));
}

#[test]
fn run_exits_non_zero_on_an_unexpected_failure_and_goes_on() {
    let f = script("fail.nats", "nats kv get nope k\nnats kv add b\n! nats kv put b k v\n");
    let (out, err, code) = kvplay(&["--clock", "2026-01-01T00:00:00Z", "run", &f], "");
    assert_eq!(code, 1);
    assert!(out.contains("$ nats kv add b\n"), "the script goes on after a failure");
    assert!(err.contains(":1: failed: nats kv get nope k"), "{err}");
    assert!(err.contains(":3: succeeded but was expected to fail: ! nats kv put b k v"), "{err}");
}

#[test]
fn a_fixed_clock_makes_transcripts_byte_for_byte_reproducible() {
    let f = script("clock.nats", "nats kv add b --ttl 1m\nnats kv put b k v\nsleep 30s\nnats kv get b k\nnats kv ls\n");
    let a = kvplay(&["--clock", "2026-03-04T05:06:07Z", "run", &f], "");
    let b = kvplay(&["--clock", "2026-03-04T05:06:07Z", "run", &f], "");
    assert_eq!(a, b);
    assert!(a.0.contains("created @ 2026-03-04 05:06:07"));
    assert!(a.0.contains("30.00s"), "Last Update follows the virtual clock:\n{}", a.0);
}

#[test]
fn interactive_shell_reads_commands_and_answers_questions() {
    let (out, _, code) = kvplay(
        &["--clock", "2026-01-01T00:00:00Z"],
        "nats kv add b\nnats kv put b k v\nnats kv del b k\ny\nnats kv get b k\n",
    );
    assert_eq!(code, 0);
    assert!(out.contains("? Delete key b > k? (y/N) ? Delete key b > k? Yes\n"), "{out}");
    assert!(out.contains("nats: error: nats: key not found"), "{out}");
}

#[test]
fn bad_arguments_are_explained() {
    let (_, err, code) = kvplay(&["--clock", "yesterday"], "");
    assert_eq!(code, 2);
    assert!(err.contains("--clock needs a time like 2026-01-01T00:00:00Z"));
    let (_, err, code) = kvplay(&["run", "/no/such/file.nats"], "");
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /no/such/file.nats"));
}

#[test]
fn lesson_reports_each_step_and_fails_on_a_mismatch() {
    let (out, _, code) = kvplay(&["lesson", "cli"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS Create a bucket"), "{out}");
    let bad = script(
        "bad.md",
        "# Bad\n\n## Step\n\n```shell\nnats kv add b\nnats kv put b k v\nnats kv get b k --raw\n```\n\n```\nw\n```\n",
    );
    let (out, _, code) = kvplay(&["lesson", &bad], "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL Step") && out.contains("expected lines not found"), "{out}");
}

#[test]
fn code_prints_a_command_or_a_script_as_a_client_program() {
    let (out, err, code) = kvplay(&["code", "go", "nats kv put b k v"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("revision, err := kv.Put(ctx, \"k\", []byte(\"v\"))\n"), "{out}");
    let (out, _, code) = kvplay(&["code", "js", "kv get b k --revision 2"], "");
    assert_eq!(code, 0);
    assert!(out.contains("const entry = await kv.get(\"k\", { revision: 2 });\n"), "{out}");
    let f = script("code.nats", "nats kv add b\nsleep 2s\n! nats kv create b k v\n");
    let (out, _, code) = kvplay(&["code", "rust", &f], "");
    assert_eq!(code, 0);
    assert!(out.contains("    // nats kv create b k v\n    if let Err(err) = async {\n"), "{out}");
    assert!(out.contains("from_secs_f64(2_f64)"), "{out}");
    let (_, err, code) = kvplay(&["code", "cobol", "nats kv put b k v"], "");
    assert_eq!((code, err.trim()), (2, "kvplay: code knows python, javascript, rust and go, not cobol"));
    let (_, err, code) = kvplay(&["code", "python", "nats kv get b"], "");
    assert_eq!(code, 1);
    assert!(err.starts_with("kvplay: "), "{err}");
}

#[test]
fn help_names_every_command_and_unknown_ones_are_refused() {
    let (out, _, code) = kvplay(&["--help"], "");
    assert_eq!(code, 0);
    for cmd in ["run", "lesson", "code", "embed", "serve", "workshop"] {
        assert!(out.lines().any(|l| l.trim_start().starts_with(cmd)), "{cmd} is listed:\n{out}");
    }
    let (out, _, code) = kvplay(&["workshop", "--help"], "");
    assert_eq!(code, 0);
    assert!(out.contains("--seats <N>") && out.contains("--no-start"), "{out}");
    assert!(!out.contains("--clock"), "the shell's flags stay out of the workshop's help:\n{out}");
    let (_, err, code) = kvplay(&["frobnicate"], "");
    assert_eq!(code, 2);
    assert!(err.contains("unrecognized subcommand 'frobnicate'"), "{err}");
    let (_, err, code) = kvplay(&["lesson", "cli", "--learner", "ana"], "");
    assert_eq!(code, 2);
    assert!(err.contains("--learner needs --server"), "{err}");
}
