//! Lessons as golden tests: both seed documents as they stand (their drift explained, nothing failing) and every
//! built-in lesson (every step passing), each step's report compared with `tests/lessons/NAME.report`.
//! `UPDATE_EXPECT=1` refreshes the reports.

use std::path::Path;

use nats_kv_playground::engine::{time::parse_rfc3339_utc, Engine};
use nats_kv_playground::lesson::{
    self,
    runner::{run_all, VirtualClock},
};
use nats_kv_playground::session::Session;

fn run(src: &str) -> (String, bool) {
    let start = parse_rfc3339_utc("2026-01-01T00:00:00Z").expect("clock");
    let mut s = Session::new(Engine::new(start));
    run_all(lesson::parse(src), &mut s, &mut VirtualClock(start))
}

fn check_golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lessons").join(format!("{name}.report"));
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, got).expect("write report");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(got, want, "{name}: report differs from {} (UPDATE_EXPECT=1 to accept)", path.display());
}

fn seed(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("the seed document {} is needed: {e}", p.display()))
}

#[test]
fn seed_cli_walkthrough_runs_with_its_drift_explained() {
    let (report, failed) = run(&seed("kv-walkthrough-cli.md"));
    assert!(!failed, "{report}");
    assert!(report.contains("DRIFT"), "the document's older output is recognised:\n{report}");
    check_golden("seed-kv-walkthrough-cli", &report);
}

#[test]
fn seed_python_tutorial_runs_its_commands_and_explains_its_programs() {
    let (report, failed) = run(&seed("kv-tutorial-python.md"));
    assert!(!failed, "{report}");
    check_golden("seed-kv-tutorial-python", &report);
}

#[test]
fn built_in_lessons_pass_every_step() {
    for (name, src) in lesson::BUILT_IN {
        let (report, failed) = run(src);
        assert!(!failed, "{name}:\n{report}");
        assert!(
            !report.contains("DRIFT") && !report.contains("FAIL"),
            "{name}: built-in lessons match today's CLI exactly:\n{report}"
        );
        check_golden(&format!("built-in-{name}"), &report);
    }
}
