//! The official clients' own KV test suites against `kvplay serve`: every test that passes on the real
//! nats-server must pass on `kvplay serve` too. `scripts/client_suites.sh` fetches each suite from its package
//! registry into `.tools/client-suites/`, builds it once, and runs every test on both servers; these tests run
//! it and read its results.
//!
//! Ignored by default (the first run downloads and builds async-nats's tests, several minutes on two cores):
//! `cargo test --test client_suites -- --ignored`. nats-py's suite also needs `NATS_PY_TESTS` (the `nats/`
//! folder of a nats.py checkout: its sdist has no tests); without it that test says so and passes.

use std::path::Path;
use std::process::Command;

fn run_suite(suite: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new("bash")
        .arg(root.join("scripts/client_suites.sh"))
        .arg(suite)
        .env("KVPLAY_BIN", env!("CARGO_BIN_EXE_kvplay"))
        .current_dir(root)
        .status()
        .expect("bash runs scripts/client_suites.sh");
    let tsv = root.join(format!(".tools/client-suites/results/{suite}.tsv"));
    let text = std::fs::read_to_string(&tsv).unwrap_or_else(|e| panic!("no results in {}: {e}", tsv.display()));
    let mut regressions = Vec::new();
    let mut passed = 0;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if let [test, real, kvplay, error, ..] = cols[..] {
            if real == "pass" && kvplay != "pass" {
                regressions.push(format!("{test}: {kvplay}: {error}"));
            } else if real == "pass" {
                passed += 1;
            }
        }
    }
    assert!(
        regressions.is_empty(),
        "{suite}: {} test(s) pass on nats-server but not on kvplay serve ({passed} pass on both):\n{}",
        regressions.len(),
        regressions.join("\n")
    );
    assert!(passed > 0, "{suite}: no test passed on nats-server: the harness is broken");
    assert!(status.success(), "scripts/client_suites.sh {suite} failed");
}

#[test]
#[ignore = "downloads and builds async-nats's tests; run with --ignored"]
fn async_nats_kv_tests_pass_on_kvplay_serve() {
    run_suite("async-nats");
}

#[test]
#[ignore = "needs NATS_PY_TESTS, a checkout of nats-py's tests; run with --ignored"]
fn nats_py_kv_tests_pass_on_kvplay_serve() {
    if std::env::var_os("NATS_PY_TESTS").is_none() {
        eprintln!("NATS_PY_TESTS is not set: nats-py's suite was not run");
        return;
    }
    run_suite("nats-py");
}

#[test]
#[ignore = "installs a Python 3.13 and the nats-key-value suite; run with --ignored"]
fn nats_key_value_tests_pass_on_kvplay_serve() {
    run_suite("nats-key-value");
}
