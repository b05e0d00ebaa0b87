//! The official clients, unchanged, against both servers: nats-py (CPython) and `@nats-io/kv` (node) run the
//! same KV programs against a real nats-server and against `kvplay serve`, and must print the same thing.
//! The programs (`tests/clients/kv_scenarios.*`) do what both seed documents do and walk every error path.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::{root, start_kvplay_serve, start_server};

/// Runs a client program against a server address and returns what it printed (stdout and stderr).
fn run(program: &[&str], cwd: &PathBuf, addr: &str) -> String {
    let out = Command::new(program[0])
        .args(&program[1..])
        .arg(addr)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program[0]));
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn compare(name: &str, program: Vec<String>, cwd: PathBuf, nats_url: bool, n: usize) {
    let args: Vec<&str> = program.iter().map(String::as_str).collect();
    let real = start_server(root(), n);
    let served = start_kvplay_serve();
    let addr = |port: u16| if nats_url { format!("nats://127.0.0.1:{port}") } else { format!("127.0.0.1:{port}") };
    let (theirs, ours) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&args, &cwd, &addr(real.port)));
        let b = s.spawn(|| run(&args, &cwd, &addr(served.port)));
        (a.join().expect("real run"), b.join().expect("served run"))
    });
    served.stop();
    assert!(theirs.lines().count() > 20, "{name} printed too little against nats-server:\n{theirs}");
    if theirs != ours {
        let line = theirs.lines().zip(ours.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name} differs at line {}:\n  nats-server:  {}\n  kvplay serve: {}\n--- nats-server\n{theirs}\n--- kvplay serve\n{ours}",
            line + 1,
            theirs.lines().nth(line).unwrap_or("<end>"),
            ours.lines().nth(line).unwrap_or("<end>")
        );
    }
}

#[test]
fn nats_py_prints_the_same_against_both_servers() {
    let py = root().join(".tools/venv/bin/python");
    assert!(py.exists(), "nats-py is not installed: run `bash scripts/setup.sh`");
    let script = root().join("tests/clients/kv_scenarios.py");
    compare("nats-py", vec![py.display().to_string(), script.display().to_string()], root().to_path_buf(), true, 7_001);
}

#[test]
fn nats_js_prints_the_same_against_both_servers() {
    let modules = root().join(".tools/npm");
    assert!(
        modules.join("node_modules/@nats-io/kv").exists(),
        "@nats-io/kv is not installed: run `bash scripts/setup.sh`"
    );
    // Node resolves packages from the program's own folder, so the program runs from beside them.
    let copy = modules.join(format!("kv_scenarios-{}.mjs", std::process::id()));
    std::fs::copy(root().join("tests/clients/kv_scenarios.mjs"), &copy).expect("copy the program");
    compare("nats.js", vec!["node".into(), copy.display().to_string()], modules.clone(), false, 7_002);
    let _ = std::fs::remove_file(copy);
}

/// A Python step's `kv-ops` stand in for its program: the bucket they make must be the one the program makes,
/// so a learner who presses Run step and then runs the program finds the bucket (on a real server as here).
#[test]
fn a_python_lessons_operations_make_its_buckets_as_its_programs_do_on_both_servers() {
    let py = root().join(".tools/venv/bin/python");
    assert!(py.exists(), "nats-py is not installed: run `bash scripts/setup.sh`");
    let lesson = root().join("lessons/python-kv.md");
    let real = start_server(root(), 7_003);
    let served = start_kvplay_serve();
    for (name, port) in [("nats-server", real.port), ("kvplay serve", served.port)] {
        let url = format!("nats://127.0.0.1:{port}");
        let steps = Command::new(env!("CARGO_BIN_EXE_kvplay"))
            .args(["--server", &url, "lesson", "python"])
            .output()
            .expect("kvplay lesson");
        let report = String::from_utf8_lossy(&steps.stdout);
        assert!(report.contains("PASS Connect and create a bucket"), "{name}: the steps ran:\n{report}");
        let again = run(
            &[
                &py.display().to_string(),
                &root().join("tests/clients/create_again.py").display().to_string(),
                &lesson.display().to_string(),
            ],
            &root().to_path_buf(),
            &url,
        );
        assert!(
            !again.contains("refused") && again.contains("ok:"),
            "{name}: the programs' create_key_value after the steps' operations:\n{again}"
        );
    }
    served.stop();
}
