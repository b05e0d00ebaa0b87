//! Data-driven tests: every `tests/data/**/NAME.nats` script runs on the embedded engine with a fixed clock and
//! answering questions as the script says, and its transcript must equal `NAME.out` beside it.
//! Run with `UPDATE_EXPECT=1` to rewrite the expected transcripts after a deliberate change.

use std::path::{Path, PathBuf};

use nats_kv_playground::engine::time::parse_rfc3339_utc;
use nats_kv_playground::script::{run_script, ScriptOptions};
use nats_kv_playground::session::Session;

fn scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            scripts(&p, out);
        } else if p.extension().is_some_and(|e| e == "nats") {
            out.push(p);
        }
    }
}

/// Runs one script as `kvplay run --clock 2026-01-01T00:00:00Z` does and renders its transcript, followed by any
/// command that did not end as the script said it would.
fn transcript(src: &str) -> String {
    let start = parse_rfc3339_utc("2026-01-01T00:00:00Z").expect("valid clock");
    let mut session = Session::new(nats_kv_playground::server::Standalone::embedded(start));
    let report = run_script(&mut session, src, ScriptOptions { start, assume_yes: false });
    let mut t = report.transcript;
    for u in report.unexpected {
        let what = if u.expected_failure { "succeeded but was expected to fail" } else { "failed" };
        t.push_str(&format!("#! line {} {what}: {}\n", u.line_no, u.line));
    }
    t
}

#[test]
fn golden_transcripts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files = Vec::new();
    scripts(&root, &mut files);
    assert!(files.len() >= 10, "expected the golden scripts under {}", root.display());
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for f in &files {
        let src = std::fs::read_to_string(f).expect("script is UTF-8");
        let got = transcript(&src);
        let expected_path = f.with_extension("out");
        if update {
            std::fs::write(&expected_path, &got).expect("write expected transcript");
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            let first = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(got.lines().count().min(want.lines().count()));
            failures.push(format!(
                "{}: differs from {} at line {}\n  got:  {:?}\n  want: {:?}",
                f.display(),
                expected_path.display(),
                first + 1,
                got.lines().nth(first),
                want.lines().nth(first)
            ));
        }
        assert!(!got.contains("#! line"), "{}: a command did not end as the script says:\n{got}", f.display());
    }
    assert!(failures.is_empty(), "{}\n(run with UPDATE_EXPECT=1 to accept)", failures.join("\n"));
}
