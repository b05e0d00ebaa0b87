//! Lessons as golden tests: both seed documents as they stand (their drift explained, nothing failing) and every
//! built-in lesson (every step passing), each step's report compared with `tests/lessons/NAME.report`.
//! `UPDATE_EXPECT=1` refreshes the reports.

use std::path::Path;

use nats_kv_playground::engine::time::parse_rfc3339_utc;
use nats_kv_playground::lesson::{
    self,
    runner::{run_all, VirtualClock},
};
use nats_kv_playground::session::Session;

fn run(src: &str) -> (String, bool) {
    let start = parse_rfc3339_utc("2026-01-01T00:00:00Z").expect("clock");
    let mut s = Session::new(nats_kv_playground::server::Standalone::embedded(start));
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

/// A Python step run before the step that makes its bucket: the runner makes the bucket as that step's program
/// does (nats-py's stream configuration), so the earlier step, run afterwards, finds the same bucket.
#[test]
fn a_python_step_run_out_of_order_finds_its_bucket_made_as_the_program_makes_it() {
    let start = parse_rfc3339_utc("2026-01-01T00:00:00Z").expect("clock");
    let mut s = Session::new(nats_kv_playground::server::Standalone::embedded(start));
    let mut clock = VirtualClock(start);
    let mut run = lesson::LessonRun::new(lesson::built_in("python").expect("built in"));
    let title = |run: &lesson::LessonRun, i: usize| run.lesson.steps[i].title.clone();
    assert_eq!(title(&run, 1), "Connect and create a bucket");
    let second = run.run_step(2, &mut s, &mut clock, false);
    assert_eq!(second.status, lesson::StepStatus::Pass, "{second:?}");
    assert!(
        second
            .notes
            .iter()
            .any(|n| n.contains("The bucket CONFIG did not exist yet") && n.contains("as its Python program does")),
        "{:?}",
        second.notes
    );
    let config = &s.backend.bucket_stream("CONFIG").expect("made").config;
    assert!(!config.allow_direct && config.allow_msg_ttl, "nats-py's stream configuration: {config:?}");
    // Its program finds the bucket (with the values the later step wrote) instead of a refused create.
    let first = run.run_step(1, &mut s, &mut clock, false);
    assert_eq!(first.python[0].actual, "bucket=CONFIG values=2 history=10\n", "{first:?}");
}
