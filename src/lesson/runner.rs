//! Running a lesson's steps through a session: each command is echoed and run as if typed, its output compared
//! with the document's, and where the document assumes something the playground does not (a bucket it never
//! created, a revision from the author's own bucket), the runner adapts and says so.

use std::collections::BTreeMap;

use super::compare::{compare, Verdict};
use super::markdown::{Lesson, Step};
use super::pyops::PyOps;
use crate::backend::KvBackend;
use crate::cli::parse::{parse_cli_duration, split_words};
use crate::engine::{Nanos, Operation};
use crate::session::Session;

/// One command as the runner ran it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandReport {
    /// The line as the document has it.
    pub line: String,
    /// The lines actually run, with their prompts' output, as the terminal shows them.
    pub transcript: String,
    pub expected: Option<String>,
    /// The command's own output.
    pub actual: String,
    pub verdict: Verdict,
    /// What the runner did on the document's behalf, in plain words.
    pub notes: Vec<String>,
}

/// A Python part as the runner ran its operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PythonReport {
    pub expected: Option<String>,
    pub actual: String,
    pub verdict: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    /// Everything matched.
    Pass,
    /// Differences, all explained.
    Drift,
    Fail,
    /// Nothing to run: prose, or code the page does not execute.
    Shown,
    /// An exercise whose checks are not met yet.
    Pending,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    pub status: StepStatus,
    pub commands: Vec<CommandReport>,
    pub python: Vec<PythonReport>,
    pub notes: Vec<String>,
    /// Exercise checks that are not met.
    pub unmet: Vec<String>,
}

/// How the runner moves time for `sleep` lines: the playground's clock fast-forwards.
pub trait LessonClock {
    fn now(&self) -> Nanos;
    fn advance(&mut self, by: Nanos);
}

/// A clock that only moves when told, for headless runs.
pub struct VirtualClock(pub Nanos);

impl LessonClock for VirtualClock {
    fn now(&self) -> Nanos {
        self.0
    }
    fn advance(&mut self, by: Nanos) {
        self.0 += by.max(0);
    }
}

/// A lesson being worked through, with what the runner learned along the way.
#[derive(Clone)]
pub struct LessonRun {
    pub lesson: Lesson,
    pub reports: Vec<Option<StepReport>>,
    /// Revisions the document names, mapped to the ones this run produced.
    rev_map: BTreeMap<u64, u64>,
    /// Buckets the document created (or the runner created for it).
    buckets: Vec<String>,
    py: PyOps,
}

/// A step's output as text, without the colour escapes a colour terminal's `watch` has.
fn chunks_text(r: &crate::session::LineResult) -> String {
    crate::lesson::compare::strip_ansi(&r.text())
}

fn is_error(out: &str) -> bool {
    out.lines().any(|l| l.starts_with("nats: error:") || l.starts_with("error:"))
}

impl LessonRun {
    pub fn new(lesson: Lesson) -> LessonRun {
        let n = lesson.steps.len();
        LessonRun {
            lesson,
            reports: vec![None; n],
            rev_map: BTreeMap::new(),
            buckets: Vec::new(),
            py: PyOps::default(),
        }
    }

    /// Runs one line as typed, answering any question "yes" as the learner would to go on.
    fn run_line<B: KvBackend>(
        s: &mut Session<B>,
        clock: &mut dyn LessonClock,
        line: &str,
        transcript: &mut String,
    ) -> (String, bool) {
        transcript.push_str(&format!("$ {line}\n"));
        if let Some(d) = line.strip_prefix("sleep ") {
            let by = parse_cli_duration(d.trim()).unwrap_or(0);
            clock.advance(by);
            let out: String = s
                .advance(clock.now())
                .iter()
                .map(|c| match c {
                    crate::cli::exec::Chunk::Out(t) | crate::cli::exec::Chunk::Err(t) => t.clone(),
                })
                .collect();
            transcript.push_str(&out);
            return (out, false);
        }
        let mut r = s.run_line(line, clock.now());
        let mut out = chunks_text(&r);
        let mut asked = false;
        if r.question.is_some() {
            asked = true;
            r = s.answer(true);
            r.chunks.extend(s.poll_watches());
            out.push_str(&chunks_text(&r));
        }
        transcript.push_str(&out);
        (out, asked)
    }

    /// Runs step `i` and records its report. `solve` runs an exercise's solution first (Run all does).
    pub fn run_step<B: KvBackend>(
        &mut self,
        i: usize,
        s: &mut Session<B>,
        clock: &mut dyn LessonClock,
        solve: bool,
    ) -> StepReport {
        let Some(step) = self.lesson.steps.get(i).cloned() else {
            return StepReport {
                status: StepStatus::Shown,
                commands: vec![],
                python: vec![],
                notes: vec![],
                unmet: vec![],
            };
        };
        let mut report =
            StepReport { status: StepStatus::Pass, commands: vec![], python: vec![], notes: vec![], unmet: vec![] };
        for c in &step.commands {
            report.commands.push(self.run_command(c, s, clock));
        }
        for p in &step.python {
            if p.ops.trim().is_empty() {
                report.notes.push(
                    "This step is a Python program. The page does not run Python; the built-in Python lesson performs the same operations here."
                        .to_string(),
                );
                continue;
            }
            s.backend.set_now(clock.now());
            let mut advance = |b: &mut B, by: Nanos| {
                clock.advance(by);
                b.set_now(clock.now());
            };
            let actual = match self.py.run(&p.ops, &mut s.backend, &mut advance) {
                Ok(o) => o,
                Err(e) => format!("error in the step's operations: {e}\n"),
            };
            let verdict = match &p.expected {
                Some(e) if lines_equal(e, &actual) => Verdict::Pass,
                Some(e) => Verdict::Fail { missing: first_difference(e, &actual) },
                None => Verdict::Pass,
            };
            report.python.push(PythonReport { expected: p.expected.clone(), actual, verdict });
        }
        if let Some(ex) = &step.exercise {
            if solve && !ex.hint.is_empty() {
                let mut t = String::new();
                for line in ex.hint.split(" && ") {
                    Self::run_line(s, clock, line.trim(), &mut t);
                }
                report.notes.push(format!("Run all typed the solution: {}", ex.hint));
            }
            report.unmet = ex.checks.iter().filter(|c| !check(&s.backend, c)).cloned().collect();
        }
        report.status = status_of(&step, &report);
        self.reports[i] = Some(report.clone());
        report
    }

    fn run_command<B: KvBackend>(
        &mut self,
        c: &super::markdown::Command,
        s: &mut Session<B>,
        clock: &mut dyn LessonClock,
    ) -> CommandReport {
        let mut notes = Vec::new();
        let mut transcript = String::new();
        let words = split_words(&c.line).unwrap_or_default();
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let mut line = c.line.clone();
        // `update BUCKET KEY VALUE REV`: use this run's revision for one the document named before.
        if w(1) == "kv" && w(2) == "update" {
            if let Ok(doc_rev) = w(6).parse::<u64>() {
                if let Some(mine) = self.rev_map.get(&doc_rev) {
                    if *mine != doc_rev {
                        line = replace_last_word(&line, &mine.to_string());
                        notes.push(format!("The document's revision {doc_rev} is revision {mine} in this run, so the runner used {mine}."));
                    }
                }
            }
        }
        if w(1) == "kv" && matches!(w(2), "add" | "new") {
            self.buckets.push(w(3).to_string());
        }
        let (mut out, asked) = Self::run_line(s, clock, &line, &mut transcript);
        if asked {
            notes.push("The nats CLI asks before it deletes; the runner answered yes.".to_string());
        }
        let expects_error = c.expected.as_deref().is_some_and(is_error);
        // A bucket the document uses but never created.
        if !expects_error && out.contains("nats: error: nats: bucket not found") && w(1) == "kv" {
            let bucket = w(3).to_string();
            if !bucket.is_empty() && !self.buckets.contains(&bucket) {
                let mut t = String::new();
                Self::run_line(s, clock, &format!("nats kv add {bucket}"), &mut t);
                self.buckets.push(bucket.clone());
                transcript.push_str(&t);
                notes.push(format!(
                    "The document uses the bucket {bucket} without creating it. The runner created it with `nats kv add {bucket}` and ran the command again."
                ));
                let (o, _) = Self::run_line(s, clock, &line, &mut transcript);
                out = o;
            }
        }
        // An update that names a revision from the author's bucket.
        if !expects_error && w(1) == "kv" && w(2) == "update" && out.contains("wrong last sequence: ") {
            if let (Ok(doc_rev), Some(latest)) = (w(6).parse::<u64>(), latest_revision(&out)) {
                self.rev_map.insert(doc_rev, latest);
                self.rev_map.insert(doc_rev + 1, latest + 1);
                line = replace_last_word(&line, &latest.to_string());
                notes.push(format!(
                    "The document's revision {doc_rev} came from its author's bucket. Here the key's latest revision is {latest}, so the runner updated with {latest}: `update` must name the latest revision."
                ));
                let (o, _) = Self::run_line(s, clock, &line, &mut transcript);
                out = o;
            }
        }
        let verdict = match &c.expected {
            None if is_error(&out) => {
                Verdict::Fail { missing: vec!["(the document shows this command succeeding)".into()] }
            }
            None => Verdict::Pass,
            Some(e) => match compare(e, &out) {
                Verdict::Fail { missing } if c.tentative => {
                    notes.push("The document shows this output as one possible answer.".into());
                    Verdict::Drift(vec![format!("Expected lines not seen: {}", missing.join(" / "))])
                }
                v => v,
            },
        };
        CommandReport { line: c.line.clone(), transcript, expected: c.expected.clone(), actual: out, verdict, notes }
    }

    /// Forgets every report and learned mapping (the lesson's Reset).
    pub fn reset(&mut self) {
        self.reports = vec![None; self.lesson.steps.len()];
        self.rev_map.clear();
        self.buckets.clear();
        self.py = PyOps::default();
    }
}

fn status_of(step: &Step, r: &StepReport) -> StepStatus {
    if !r.unmet.is_empty() {
        return StepStatus::Pending;
    }
    let verdicts = r.commands.iter().map(|c| &c.verdict).chain(r.python.iter().map(|p| &p.verdict));
    let mut status = if step.commands.is_empty() && r.python.is_empty() && step.exercise.is_none() {
        StepStatus::Shown
    } else {
        StepStatus::Pass
    };
    for v in verdicts {
        match v {
            Verdict::Fail { .. } => return StepStatus::Fail,
            Verdict::Drift(_) => status = StepStatus::Drift,
            Verdict::Pass => {}
        }
    }
    if status == StepStatus::Pass && r.commands.iter().any(|c| !c.notes.is_empty()) {
        // The runner adapted something: say so even if the output then matched.
        if r.commands.iter().any(|c| c.notes.iter().any(|n| !n.contains("answered yes"))) {
            return StepStatus::Drift;
        }
    }
    status
}

fn lines_equal(a: &str, b: &str) -> bool {
    let norm =
        |s: &str| s.lines().map(|l| l.trim_end().to_string()).collect::<Vec<_>>().join("\n").trim_end().to_string();
    norm(a) == norm(b)
}

fn first_difference(expected: &str, actual: &str) -> Vec<String> {
    let a: Vec<&str> = actual.lines().collect();
    expected
        .lines()
        .enumerate()
        .filter(|(i, l)| a.get(*i).map(|x| x.trim_end()) != Some(l.trim_end()))
        .map(|(_, l)| l.to_string())
        .take(3)
        .collect()
}

fn replace_last_word(line: &str, w: &str) -> String {
    match line.trim_end().rsplit_once(' ') {
        Some((head, _)) => format!("{head} {w}"),
        None => line.to_string(),
    }
}

fn latest_revision(out: &str) -> Option<u64> {
    let p = out.find("wrong last sequence: ")? + 21;
    out[p..].chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().ok()
}

/// Evaluates an exercise check against the backend's state.
pub fn check<B: KvBackend>(b: &B, c: &str) -> bool {
    let w = split_words(c).unwrap_or_default();
    let s = |i: usize| w.get(i).map(String::as_str).unwrap_or("");
    match (s(0), s(2)) {
        ("bucket", "exists") => b.status(s(1)).is_ok(),
        ("bucket", "history") => b.status(s(1)).is_ok_and(|st| st.history().to_string() == s(3)),
        ("bucket", "ttl") => {
            b.status(s(1)).is_ok_and(|st| parse_cli_duration(s(3)).is_some_and(|d| d == st.config.max_age))
        }
        ("bucket", "missing") => b.status(s(1)).is_err(),
        ("key", _) => match s(3) {
            "=" => b.get(s(1), s(2)).is_ok_and(|e| e.value == s(4).as_bytes()),
            "deleted" => b.history(s(1), s(2)).is_ok_and(|h| h.last().is_some_and(|e| e.operation != Operation::Put)),
            "revisions" => b.history(s(1), s(2)).is_ok_and(|h| h.len().to_string() == s(4)),
            _ => false,
        },
        _ => false,
    }
}

/// Renders a step report as plain text, for `kvplay lesson` and the golden tests.
pub fn render_report(title: &str, r: &StepReport) -> String {
    let label = match r.status {
        StepStatus::Pass => "PASS",
        StepStatus::Drift => "DRIFT",
        StepStatus::Fail => "FAIL",
        StepStatus::Shown => "SHOWN",
        StepStatus::Pending => "TODO",
    };
    let mut out = format!("{label} {title}\n");
    for c in &r.commands {
        for n in &c.notes {
            out.push_str(&format!("    note: {n}\n"));
        }
        match &c.verdict {
            Verdict::Pass => {}
            Verdict::Drift(why) => {
                for w in why {
                    out.push_str(&format!("    drift in `{}`: {w}\n", c.line));
                }
            }
            Verdict::Fail { missing } => {
                out.push_str(&format!("    fail in `{}`: expected lines not found:\n", c.line));
                for m in missing {
                    out.push_str(&format!("      {m}\n"));
                }
                out.push_str("    actual output:\n");
                for l in c.actual.lines() {
                    out.push_str(&format!("      {l}\n"));
                }
            }
        }
    }
    for p in &r.python {
        if let Verdict::Fail { missing } = &p.verdict {
            out.push_str("    fail in Python step: expected lines not printed:\n");
            for m in missing {
                out.push_str(&format!("      {m}\n"));
            }
            out.push_str(&format!(
                "    printed:\n{}",
                p.actual.lines().map(|l| format!("      {l}\n")).collect::<String>()
            ));
        }
    }
    for n in &r.notes {
        out.push_str(&format!("    note: {n}\n"));
    }
    for u in &r.unmet {
        out.push_str(&format!("    not yet: {u}\n"));
    }
    out
}

/// Runs every step of a lesson in order on a fresh session, solving exercises; returns the report text and
/// whether any step failed.
pub fn run_all<B: KvBackend>(lesson: Lesson, s: &mut Session<B>, clock: &mut dyn LessonClock) -> (String, bool) {
    let mut run = LessonRun::new(lesson);
    let mut text = format!("# {}\n", run.lesson.title);
    let mut failed = false;
    for i in 0..run.lesson.steps.len() {
        let title = run.lesson.steps[i].title.clone();
        let r = run.run_step(i, s, clock, true);
        failed |= r.status == StepStatus::Fail || r.status == StepStatus::Pending;
        text.push_str(&render_report(&title, &r));
    }
    (text, failed)
}
