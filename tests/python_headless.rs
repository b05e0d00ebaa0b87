//! A lesson's Python run headless: the built-in Python lesson's programs, run by CPython with nats-py, print
//! the same against `kvplay serve` (its clock moved by the programs' sleeps) as against a real nats-server (real
//! waits), and that is what `tests/lessons/built-in-python.printed` holds, which the page's e2e test compares
//! with what Pyodide prints. `kvplay lesson --python` runs the Python seed document as CPython does against
//! nats-server: its Steps 1 and 3 fail, explained, with the corrected line.

mod support;

use nats_kv_playground::client::native::RemoteKv;
use nats_kv_playground::lesson::pyprocess::{PythonProcess, ServedClock};
use nats_kv_playground::lesson::runner::{LessonRun, PythonRunner};
use nats_kv_playground::session::Session;

/// Every step's printed output, as `STEP title` headers followed by what its programs printed.
fn printed(url: &str, served: Option<&nats_kv_playground::net::Running>) -> String {
    let lesson = nats_kv_playground::lesson::built_in("python").expect("the python lesson");
    let python = support::python();
    let mut py = PythonProcess::start(python.to_str().expect("a path"), url, served.is_none()).expect("python starts");
    let mut session = Session::new(RemoteKv::connect(url).expect("connects"));
    let mut clock = ServedClock { running: served, now: 0 };
    let mut run = LessonRun::new(lesson);
    let mut out = String::new();
    for i in 0..run.lesson.steps.len() {
        let title = run.lesson.steps[i].title.clone();
        let r = run.run_step_with(i, &mut session, &mut clock, true, Some(&mut py as &mut dyn PythonRunner));
        for p in &r.python {
            out.push_str(&format!("STEP {title}\n{}", p.actual));
        }
    }
    out
}

#[test]
fn the_python_lesson_prints_the_same_on_kvplay_serve_and_on_nats_server() {
    let served = support::start_kvplay_serve();
    let on_serve = printed(&format!("nats://127.0.0.1:{}", served.port), Some(&served));
    served.stop();
    let real = support::start_server(support::root(), 71);
    let on_real = printed(&format!("nats://127.0.0.1:{}", real.port), None);
    assert_eq!(on_serve, on_real, "kvplay serve and nats-server differ");
    assert!(on_serve.contains("after 4 s: nats: key not found"), "{on_serve}");
    let golden = support::root().join("tests/lessons/built-in-python.printed");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&golden, &on_serve).expect("write the golden file");
    }
    let want = std::fs::read_to_string(&golden).unwrap_or_default();
    assert_eq!(on_serve, want, "{} is out of date (UPDATE_EXPECT=1 refreshes it)", golden.display());
}

#[test]
fn kvplay_lesson_runs_the_seeds_python_as_cpython_does() {
    let seed = support::root().join("../shared/seeds/kv-tutorial-python.md");
    let python = support::python();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kvplay"))
        .arg("lesson")
        .arg(&seed)
        .arg("--python")
        .arg(&python)
        .output()
        .expect("kvplay runs");
    let report = String::from_utf8_lossy(&out.stdout);
    // The document's own code fails here as on nats-server; the report says why and gives the working line.
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("FAIL Step 1: Create KV Bucket"), "{report}");
    assert!(
        report.contains("(the program raised AttributeError: 'KeyValue' object has no attribute 'bucket')"),
        "{report}"
    );
    assert!(report.contains("works as: print(f\"✓ Created KV bucket: {(await kv.status()).bucket}\")"), "{report}");
    assert!(report.contains("FAIL Step 3: History and Revisions"), "{report}");
    assert!(report.contains("works as: for entry in await kv.history(\"app.timeout\"):"), "{report}");
    for step in [
        "Step 2: Basic CRUD Operations",
        "Step 4: Watch for Changes",
        "Step 5: TTL (Time-to-Live)",
        "Step 6: Distributed Configuration Example",
        "Step 7: Feature Flags System",
    ] {
        assert!(report.contains(&format!("PASS {step}\n")), "{step}:\n{report}");
    }
}
