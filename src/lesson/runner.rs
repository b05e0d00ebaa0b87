//! Running a lesson's steps through a session: each command is echoed and run as if typed, its output compared
//! with the document's, and where the document assumes something the playground does not (a bucket it never
//! created, a revision from the author's own bucket), the runner adapts and says so.

use std::collections::BTreeSet;

use super::compare::{compare, Verdict};
use super::markdown::{Block, Lesson, Step};
#[cfg(not(target_arch = "wasm32"))]
use super::pyops::PyOps;

/// The page never replays `kv-ops` (it runs every program with real Python), so a run in the page keeps no
/// replay state, and its modules carry none of the replay's values.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Debug, Default)]
struct PyOps;
use crate::backend::KvBackend;
use crate::cli::parse::{parse, parse_cli_duration, split_words, ParseOutcome};
use crate::engine::index::ListMap;
use crate::engine::ErrorKind;
use crate::engine::{Nanos, Operation};
use crate::session::Session;

/// One command as the runner ran it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PythonReport {
    pub expected: Option<String>,
    pub actual: String,
    pub verdict: Verdict,
    /// Real Python ran the program (in the page, or CPython headless); `false` when its `kv-ops` stood in,
    /// which never makes the step done.
    #[serde(default)]
    pub ran: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// An exercise that Run all solved by typing its hint: checked, but not the learner's own work.
    Solved,
    /// The step's commands ran; its programs have not all run yet (they run in the page, and report back).
    Waiting,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StepReport {
    pub status: StepStatus,
    pub commands: Vec<CommandReport>,
    pub python: Vec<PythonReport>,
    pub notes: Vec<String>,
    /// Exercise checks that are not met.
    pub unmet: Vec<String>,
    /// What the runner typed to solve an exercise (Run all), as the terminal shows it.
    pub solution: String,
    /// What the step's Python parts printed, as the terminal shows it, so the Python and CLI views tell one
    /// story.
    pub program: String,
}

impl StepReport {
    fn empty(status: StepStatus) -> StepReport {
        StepReport {
            status,
            commands: vec![],
            python: vec![],
            notes: vec![],
            unmet: vec![],
            solution: String::new(),
            program: String::new(),
        }
    }

    /// Everything the step typed and printed, in order, for the terminal.
    pub fn transcript(&self) -> String {
        let mut t: String = self.commands.iter().map(|c| c.transcript.as_str()).collect();
        t.push_str(&self.program);
        t.push_str(&self.solution);
        t
    }
}

/// What a command the learner typed meant for the lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Typed {
    /// It was the current step's next command: `done` of `of` are typed now.
    Progress { done: usize, of: usize },
    /// It completed the step (every command typed, or the exercise's checks met), with this report.
    StepDone { step: usize, report: StepReport },
}

/// How the runner moves time for `sleep` lines: the playground's clock fast-forwards.
pub trait LessonClock {
    fn now(&self) -> Nanos;
    fn advance(&mut self, by: Nanos);
}

/// What a Python program did when real Python ran it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PythonRun {
    /// Everything it printed, stdout and stderr as they came.
    pub printed: String,
    /// The traceback it ended with, if it raised.
    pub traceback: Option<String>,
    /// It had not ended when its time ran out (a watcher waiting for changes) and was stopped.
    pub still_running: bool,
}

/// Runs a lesson's Python programs with real Python (one namespace per lesson); the program's sleeps move
/// `clock`.
pub trait PythonRunner {
    fn run(&mut self, code: &str, filename: &str, clock: &mut dyn LessonClock) -> PythonRun;
}

/// A clock that only moves when told, for headless runs.
pub struct VirtualClock(pub Nanos);

impl LessonClock for VirtualClock {
    fn now(&self) -> Nanos {
        self.0
    }
    fn advance(&mut self, by: Nanos) {
        self.0 = crate::clock::later(self.0, by).unwrap_or(crate::clock::LATEST.max(self.0));
    }
}

/// How a lesson creates a bucket (`LessonRun::setup_for`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setup {
    /// A command of the document (`nats kv add ...`).
    Command(String),
    /// The `add ...` line of a Python step's operations.
    Program(String),
}

/// A lesson being worked through, with what the runner learned along the way.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LessonRun {
    /// Not serialised: a hand-over carries the lesson's Markdown and parses it again.
    #[serde(skip)]
    pub lesson: Lesson,
    pub reports: Vec<Option<StepReport>>,
    /// Revisions the document names, mapped to the ones this run produced.
    rev_map: ListMap<u64, u64>,
    /// Buckets the document created (or the runner created for it).
    buckets: Vec<String>,
    /// The `kv-ops` replay's variables (native runs only; not handed over: the page never replays).
    #[serde(skip)]
    py: PyOps,
    /// The step the learner is on.
    pub current: usize,
    /// Steps done, in this run or an earlier visit (the page loads and keeps them).
    pub done: BTreeSet<usize>,
    /// The current step's commands the learner has typed so far, with their reports.
    typed: Vec<CommandReport>,
    /// A typed command whose question the learner has yet to answer, with its output so far.
    awaiting: Option<(usize, String)>,
    /// The page runs the programs with real Python and reports each with `program_ran`: a step's `kv-ops` are
    /// then never performed, and its report waits for its programs.
    #[serde(default)]
    pub real_programs: bool,
    /// What each program printed the last time real Python ran it, by step and by program.
    #[serde(skip)]
    ran: ListMap<usize, ListMap<usize, PythonReport>>,
}

/// What one line the runner ran did: its output as text, whether the CLI asked first, and how it ended (the
/// runner decides on `ok` and `error`, never on the text).
struct LineRan {
    out: String,
    asked: bool,
    ok: bool,
    error: Option<crate::engine::ErrorKind>,
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
            rev_map: ListMap::default(),
            buckets: Vec::new(),
            py: PyOps::default(),
            current: 0,
            done: BTreeSet::new(),
            typed: Vec::new(),
            awaiting: None,
            real_programs: false,
            ran: ListMap::default(),
        }
    }

    /// Moves to step `i` (clamped to the lesson); what was typed towards another step starts over.
    pub fn select(&mut self, i: usize) {
        let i = i.min(self.lesson.steps.len().saturating_sub(1));
        if i != self.current {
            self.typed.clear();
            self.awaiting = None;
        }
        self.current = i;
    }

    /// How many of the current step's commands the learner has typed.
    pub fn typed_count(&self) -> usize {
        self.typed.len()
    }

    /// The earlier steps step `i` builds on: those that use a bucket it uses, and what those build on.
    pub fn prerequisites(&self, i: usize) -> Vec<usize> {
        let mut need: BTreeSet<String> = match self.lesson.steps.get(i) {
            Some(s) => buckets_used(s),
            None => return vec![],
        };
        let mut out = BTreeSet::new();
        for j in (0..i).rev() {
            let used = buckets_used(&self.lesson.steps[j]);
            if used.iter().any(|b| need.contains(b)) {
                out.insert(j);
                need.extend(used);
            }
        }
        out.into_iter().collect()
    }

    /// The prerequisites of step `i` that have neither run in this run nor been done before.
    pub fn missing_before(&self, i: usize) -> Vec<usize> {
        self.prerequisites(i)
            .into_iter()
            .filter(|j| self.reports.get(*j).is_some_and(Option::is_none) && !self.done.contains(j))
            .collect()
    }

    /// How the lesson creates `bucket`: its first `nats kv add` of it, or a Python step's `add` (which makes it
    /// as the step's program does, with nats-py's stream configuration).
    pub fn setup_for(&self, bucket: &str) -> Option<Setup> {
        for step in &self.lesson.steps {
            for c in &step.commands {
                if let Some(p) = parsed(&c.line) {
                    if p.spec.group == "kv" && p.spec.name == "add" && p.arg("bucket") == Some(bucket) {
                        return Some(Setup::Command(c.line.clone()));
                    }
                }
            }
            for py in &step.python {
                for l in py.ops.lines() {
                    let l = l.trim();
                    if let Some(rest) = l.strip_prefix("add ") {
                        if rest.split_whitespace().next() == Some(bucket) {
                            return Some(Setup::Program(l.to_string()));
                        }
                    }
                }
            }
        }
        None
    }

    /// Records a line the learner typed in the terminal, with what it did: when it is the current step's next
    /// command it counts, as if the step had run it (a question in `r` means the CLI waits for an answer).
    pub fn typed<B: KvBackend>(&mut self, line: &str, r: &crate::session::LineResult, b: &mut B) -> Option<Typed> {
        let (out, asked) = (chunks_text(r), r.question.is_some());
        let step = self.lesson.steps.get(self.current)?.clone();
        if self.awaiting.is_some() {
            // A new command while a question was pending: the question was dropped.
            self.awaiting = None;
        }
        let next = step.commands.get(self.typed.len());
        let matched = next.is_some_and(|c| same_command(&c.line, line));
        if matched {
            if asked {
                self.awaiting = Some((self.typed.len(), out));
                return Some(Typed::Progress { done: self.typed.len(), of: step.commands.len() });
            }
            return self.record_typed(LineRan { out, asked, ok: r.ok, error: r.error }, b);
        }
        // An exercise counts as soon as its checks are met, whatever was typed to get there.
        if step.commands.is_empty() {
            return self.exercise_met(b);
        }
        None
    }

    /// The learner answered the question a typed command asked; `r` is what the answer did.
    pub fn answered<B: KvBackend>(&mut self, r: &crate::session::LineResult, b: &mut B) -> Option<Typed> {
        let (_, mut so_far) = self.awaiting.take()?;
        so_far.push_str(&chunks_text(r));
        self.record_typed(LineRan { out: so_far, asked: true, ok: r.ok, error: r.error }, b)
    }

    fn record_typed<B: KvBackend>(&mut self, ran: LineRan, b: &mut B) -> Option<Typed> {
        let i = self.current;
        let step = self.lesson.steps.get(i)?.clone();
        let k = self.typed.len();
        let c = step.commands.get(k)?;
        let mut notes = Vec::new();
        let verdict = verdict_for(c, &ran, &mut notes);
        self.typed.push(CommandReport {
            line: c.line.clone(),
            transcript: String::new(),
            expected: c.expected.clone(),
            actual: ran.out,
            verdict,
            notes,
        });
        if self.typed.len() < step.commands.len() {
            return Some(Typed::Progress { done: self.typed.len(), of: step.commands.len() });
        }
        let mut report = StepReport::empty(StepStatus::Pass);
        report.commands = std::mem::take(&mut self.typed);
        report.notes.push("You typed this step's commands yourself.".to_string());
        if let Some(ex) = &step.exercise {
            report.unmet = ex.checks.iter().filter(|c| !check(b, c)).cloned().collect();
        }
        let ran = self.ran.get(&i).cloned().unwrap_or_default();
        report.python = ran.values().cloned().collect();
        report.status = status_of(&step, &report);
        if ran.len() < step.python.len() && matches!(report.status, StepStatus::Pass | StepStatus::Drift) {
            report.status = StepStatus::Waiting;
        }
        self.finish(i, report.clone());
        Some(Typed::StepDone { step: i, report })
    }

    fn exercise_met<B: KvBackend>(&mut self, b: &mut B) -> Option<Typed> {
        let i = self.current;
        let ex = self.lesson.steps.get(i)?.exercise.clone()?;
        if self.done.contains(&i) || !ex.checks.iter().all(|c| check(b, c)) {
            return None;
        }
        let mut report = StepReport::empty(StepStatus::Pass);
        report.notes.push("You solved it yourself: every check passes.".to_string());
        self.finish(i, report.clone());
        Some(Typed::StepDone { step: i, report })
    }

    /// Records step `i`'s report. Progress is only ever added: a step done earlier stays done whatever a later
    /// run shows.
    fn finish(&mut self, i: usize, report: StepReport) {
        if counts_as_done(&report) {
            self.done.insert(i);
        }
        if let Some(r) = self.reports.get_mut(i) {
            *r = Some(report);
        }
    }

    /// Whether the step shows its first Python program before its first command.
    pub fn python_before_commands(step: &Step) -> bool {
        let first = |want_python: bool| {
            step.blocks.iter().position(|b| match b {
                Block::Code { lang, .. } => want_python && lang == "python",
                Block::Command(_) => !want_python,
                _ => false,
            })
        };
        match (first(true), first(false)) {
            (Some(p), Some(c)) => p < c,
            _ => false,
        }
    }

    /// Why step `i` differs when later steps that use its buckets ran before it (step 7 before step 3): they
    /// changed what it reads, so its revisions and values are not the document's.
    fn ran_after(&self, i: usize, status: StepStatus) -> Option<String> {
        if !matches!(status, StepStatus::Fail | StepStatus::Drift | StepStatus::Pending) {
            return None;
        }
        let later: Vec<String> = (i + 1..self.lesson.steps.len())
            .filter(|j| self.reports.get(*j).is_some_and(Option::is_some) && self.prerequisites(*j).contains(&i))
            .map(|j| format!("{} \"{}\"", j + 1, self.lesson.steps[j].title))
            .collect();
        if later.is_empty() {
            return None;
        }
        Some(format!(
            "{} {} ran before this one and changed the buckets it uses: that is why its output differs from the document's, which takes the steps in order. Reset and take them in order to see the document's output.",
            if later.len() == 1 { "Step" } else { "Steps" },
            later.join(", ")
        ))
    }

    /// Program `k` of step `i` ran with real Python (its cell's own Run, or Run step): judges what it printed
    /// against the document. Once every program of the step has run (and its commands, if it has any), the step
    /// gets its report, which is returned.
    pub fn program_ran(
        &mut self,
        i: usize,
        k: usize,
        printed: &str,
        traceback: Option<&str>,
        code: &str,
    ) -> Option<StepReport> {
        let step = self.lesson.steps.get(i)?.clone();
        let p = step.python.get(k)?;
        let mut notes = Vec::new();
        let verdict =
            python_verdict(p.expected.as_deref(), printed, traceback, code, &program_filename(i, k), &mut notes);
        let results = self.ran.entry_or_insert_with(i, ListMap::default);
        results
            .insert(k, PythonReport { expected: p.expected.clone(), actual: printed.to_string(), verdict, ran: true });
        if results.len() < step.python.len() {
            return None;
        }
        let python: Vec<PythonReport> = results.values().cloned().collect();
        let mut report = match self.reports.get(i).cloned().flatten() {
            Some(r) if step.commands.is_empty() || !r.commands.is_empty() => r,
            // The step's commands have not run: it is done once they have (typed, or Run step).
            _ if !step.commands.is_empty() => return None,
            _ => StepReport::empty(StepStatus::Pass),
        };
        report.python = python;
        report.notes.retain(|n| !n.starts_with("This step is a Python program") && !n.contains(" works as: "));
        report.notes.extend(notes);
        report.status = status_of(&step, &report);
        self.finish(i, report.clone());
        Some(report)
    }

    /// Forgets the reports and learned mappings of a fresh run (Run all), keeping the progress earned.
    pub fn clear_results(&mut self) {
        let done = std::mem::take(&mut self.done);
        self.reset();
        self.done = done;
    }

    /// Forgets every report, learned mapping and the progress (the lesson's Reset).
    pub fn reset(&mut self) {
        self.reports = vec![None; self.lesson.steps.len()];
        self.rev_map.clear();
        self.buckets.clear();
        self.py = PyOps::default();
        self.done.clear();
        self.typed.clear();
        self.awaiting = None;
        self.ran.clear();
    }
}

/// The runner over the embedded server in process: `LessonRun`'s own methods, plain.
pub mod local {
    use super::*;
    use crate::backend::local::KvBackend;
    use crate::session::local::Session;
    use crate::{plain_aw as aw, plain_fn as kv_fn};
    type This = LessonRun;

    /// Replays a step's `kv-ops` for a run with no Python (`kvplay run` without `--python`, tests). The page
    /// never replays: it runs every program with real Python (`real_programs`), so its modules leave the replay
    /// out.
    #[cfg(not(target_arch = "wasm32"))]
    fn replay<B: KvBackend>(
        py: &mut PyOps,
        ops: &str,
        s: &mut Session<B>,
        clock: &mut dyn LessonClock,
    ) -> Result<String, String> {
        s.backend.set_now(clock.now());
        let mut advance = |b: &mut B, by: Nanos| {
            clock.advance(by);
            b.set_now(clock.now());
        };
        py.run(ops, &mut s.backend, &mut advance)
    }

    #[cfg(target_arch = "wasm32")]
    fn replay<B: KvBackend>(
        _: &mut PyOps,
        _: &str,
        _: &mut Session<B>,
        _: &mut dyn LessonClock,
    ) -> Result<String, String> {
        Err(NO_REPLAY.into())
    }

    include!("runner/steps.rs");
}

/// The runner over a connection: the same steps, `async`, as the methods of `wire::Run` (a `LessonRun` it
/// derefs to), so a lesson runs against a real server as it does on the engine.
pub mod wire {
    use super::*;
    use crate::backend::wire::KvBackend;
    use crate::session::wire::Session;
    use crate::{async_aw as aw, async_fn as kv_fn};

    /// A lesson run whose steps go over a connection.
    pub struct Run(pub LessonRun);

    impl std::ops::Deref for Run {
        type Target = LessonRun;
        fn deref(&self) -> &LessonRun {
            &self.0
        }
    }

    impl std::ops::DerefMut for Run {
        fn deref_mut(&mut self) -> &mut LessonRun {
            &mut self.0
        }
    }

    type This = Run;

    /// Programs over a connection are run by real Python (the page's cells, `kvplay lesson --python`), never
    /// replayed.
    async fn replay<B: KvBackend>(
        _: &mut PyOps,
        _: &str,
        _: &mut Session<B>,
        _: &mut dyn LessonClock,
    ) -> Result<String, String> {
        Err(NO_REPLAY.into())
    }

    include!("runner/steps.rs");
}

pub use local::check;

const NO_REPLAY: &str = "the page runs a step's programs with real Python; it does not replay their kv-ops";

/// The name Python gives program `k` of step `i` in tracebacks, as the page's cells do: `<step 3>`, `<step 3.2>`.
pub fn program_filename(i: usize, k: usize) -> String {
    if k == 0 {
        format!("<step {}>", i + 1)
    } else {
        format!("<step {}.{}>", i + 1, k + 1)
    }
}

/// A real run of a program judged against the document (`pycheck`), as a verdict; a known failure's corrected
/// line goes to `notes`.
fn python_verdict(
    expected: Option<&str>,
    printed: &str,
    traceback: Option<&str>,
    code: &str,
    filename: &str,
    notes: &mut Vec<String>,
) -> Verdict {
    match super::pycheck::judge(expected, printed, traceback, code, filename) {
        super::pycheck::PyVerdict::Pass => Verdict::Pass,
        super::pycheck::PyVerdict::Differs { missing } => Verdict::Fail { missing },
        super::pycheck::PyVerdict::Raised { error, fix } => {
            if let Some(f) = fix {
                notes.push(format!("{} Line {} works as: {}", f.why, f.line, f.to.trim()));
            }
            Verdict::Fail { missing: vec![format!("(the program raised {error})")] }
        }
    }
}

/// Whether a step's report marks it done in the learner's progress (an exercise solved for you does not).
/// Nor does a step whose programs did not run: operations standing in for a program are not running it.
pub fn counts_as_done(r: &StepReport) -> bool {
    matches!(r.status, StepStatus::Pass | StepStatus::Drift | StepStatus::Shown) && r.python.iter().all(|p| p.ran)
}

/// A command as the CLI's parser reads it, if it is a `nats` command it accepts.
fn parsed(line: &str) -> Option<crate::cli::parse::Parsed> {
    let words = split_words(line).ok()?;
    if words.first().map(String::as_str) != Some("nats") {
        return None;
    }
    match parse(&words[1..]) {
        ParseOutcome::Command(p) => Some(p),
        _ => None,
    }
}

/// Whether a typed line is the document's command: the same words, with or without `-f` (the learner may
/// answer the CLI's question instead).
pub fn same_command(doc: &str, typed: &str) -> bool {
    let norm = |l: &str| -> Option<Vec<String>> {
        Some(split_words(l).ok()?.into_iter().filter(|w| w != "-f" && w != "--force").collect())
    };
    match (norm(doc), norm(typed)) {
        (Some(a), Some(b)) => !a.is_empty() && a == b,
        _ => false,
    }
}

/// The buckets a step's commands, Python operations and exercise checks name.
fn buckets_used(step: &Step) -> BTreeSet<String> {
    // Inserted one by one: a set collected from an iterator sorts it first, which brings a sort's code.
    let mut out = BTreeSet::new();
    out.extend(step.commands.iter().filter_map(|c| parsed(&c.line)?.arg("bucket").map(str::to_string)));
    for p in &step.python {
        out.extend(ops_buckets(&p.ops));
        for l in p.ops.lines() {
            if let Some(rest) = l.trim().strip_prefix("add ") {
                out.extend(rest.split_whitespace().next().map(str::to_string));
            }
        }
    }
    if let Some(ex) = &step.exercise {
        for c in &ex.checks {
            let w = split_words(c).unwrap_or_default();
            if matches!(w.first().map(String::as_str), Some("bucket" | "key")) {
                out.extend(w.get(1).cloned());
            }
        }
    }
    out
}

/// The buckets a `kv-ops` block reads or writes without creating them itself.
fn ops_buckets(ops: &str) -> Vec<String> {
    let mut created = BTreeSet::new();
    let mut out = Vec::new();
    for l in ops.lines() {
        let w = split_words(l.trim()).unwrap_or_default();
        match w.as_slice() {
            [add, b, ..] if add == "add" => {
                created.insert(b.clone());
            }
            [kw, _, eq, op, b, ..]
                if kw == "let" && eq == "=" && op != "next" && !created.contains(b) && !out.contains(b) =>
            {
                out.push(b.clone());
            }
            _ => {}
        }
    }
    out
}

/// The verdict on a command's output against the document's.
fn verdict_for(c: &super::markdown::Command, ran: &LineRan, notes: &mut Vec<String>) -> Verdict {
    match &c.expected {
        None if !ran.ok => Verdict::Fail { missing: vec!["(the document shows this command succeeding)".into()] },
        None => Verdict::Pass,
        Some(e) => match compare(e, &ran.out) {
            Verdict::Fail { missing } if c.tentative => {
                notes.push("The document shows this output as one possible answer.".into());
                Verdict::Drift(vec![format!("Expected lines not seen: {}", missing.join(" / "))])
            }
            v => v,
        },
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

/// Renders a step report as plain text, for `kvplay lesson` and the golden tests.
pub fn render_report(title: &str, r: &StepReport) -> String {
    let label = match r.status {
        StepStatus::Pass => "PASS",
        StepStatus::Drift => "DRIFT",
        StepStatus::Fail => "FAIL",
        StepStatus::Shown => "SHOWN",
        StepStatus::Pending => "TODO",
        StepStatus::Solved => "SOLVED",
        StepStatus::Waiting => "WAITING",
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
    run_all_with(lesson, s, clock, None)
}

/// `run_all`, with the Python programs run by real Python when `python` is given.
pub fn run_all_with<B: KvBackend>(
    lesson: Lesson,
    s: &mut Session<B>,
    clock: &mut dyn LessonClock,
    python: Option<&mut dyn PythonRunner>,
) -> (String, bool) {
    run_all_each(lesson, s, clock, python, &mut |_, _, _| {})
}

/// `run_all_with`, telling `after_step` each step's report as it ends (a workshop's learner writes it into the
/// instructor's bucket) with the session, whose connection it may use.
pub fn run_all_each<B: KvBackend>(
    lesson: Lesson,
    s: &mut Session<B>,
    clock: &mut dyn LessonClock,
    mut python: Option<&mut dyn PythonRunner>,
    after_step: &mut dyn FnMut(usize, &StepReport, &mut Session<B>),
) -> (String, bool) {
    let mut run = LessonRun::new(lesson);
    let mut text = format!("# {}\n", run.lesson.title);
    let mut failed = false;
    for i in 0..run.lesson.steps.len() {
        let title = run.lesson.steps[i].title.clone();
        let py: Option<&mut dyn PythonRunner> = match python {
            Some(ref mut p) => Some(&mut **p),
            None => None,
        };
        let r = run.run_step_with(i, s, clock, true, py);
        after_step(i, &r, s);
        failed |= r.status == StepStatus::Fail || r.status == StepStatus::Pending;
        text.push_str(&render_report(&title, &r));
    }
    (text, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Nanos = 1_767_225_600_000_000_000;

    fn cli() -> (LessonRun, Session<crate::server::Standalone>, VirtualClock) {
        let lesson = crate::lesson::built_in("cli").expect("the cli lesson");
        (LessonRun::new(lesson), Session::new(crate::server::Standalone::embedded(T0)), VirtualClock(T0))
    }

    fn step(run: &LessonRun, title: &str) -> usize {
        run.lesson.steps.iter().position(|s| s.title == title).expect(title)
    }

    /// Types a line as the terminal does and tells the run, answering a question with `y`.
    fn type_line(run: &mut LessonRun, s: &mut Session<crate::server::Standalone>, line: &str) -> Option<Typed> {
        let r = s.run_line(line, T0);
        let t = run.typed(line, &r, &mut s.backend);
        if r.question.is_some() {
            let a = s.answer(true);
            return run.answered(&a, &mut s.backend);
        }
        t
    }

    #[test]
    fn clean_up_first_removes_nothing_and_never_takes_a_flag_for_a_bucket() {
        let (mut run, mut s, mut c) = cli();
        let i = step(&run, "Clean up");
        let r = run.run_step(i, &mut s, &mut c, false);
        let t = r.transcript();
        assert!(!t.contains("nats kv add -f"), "{t}");
        assert!(!t.contains("usage"), "{t}");
        assert!(matches!(&r.commands[0].verdict, Verdict::Drift(why) if why[0].contains("nothing to remove")));
        assert_eq!(r.commands[2].verdict, Verdict::Pass, "ls shows no buckets");
        assert!(run.missing_before(i).contains(&step(&run, "Your turn")));
    }

    #[test]
    fn a_step_run_out_of_order_creates_the_bucket_as_the_lesson_does_and_says_why_it_differs() {
        let (mut run, mut s, mut c) = cli();
        let i = step(&run, "Every write is a new revision");
        let before = run.missing_before(i);
        assert_eq!(before, vec![step(&run, "Create a bucket"), step(&run, "Store and read a value")]);
        let r = run.run_step(i, &mut s, &mut c, false);
        assert!(r.transcript().contains("$ nats kv add lesson --history 5\n"), "{}", r.transcript());
        assert_eq!(s.backend.status("lesson").map(|st| st.history()).ok(), Some(5));
        assert!(r.commands[0].notes[0].contains("as the lesson does"), "{:?}", r.commands[0].notes);
        assert_eq!(r.status, StepStatus::Fail);
        assert!(r.notes.iter().any(|n| n.contains("builds on steps that have not run yet")), "{:?}", r.notes);
        // Running the steps it builds on first, then the step, matches the document.
        let (mut run, mut s, mut c) = cli();
        for j in run.missing_before(i) {
            run.run_step(j, &mut s, &mut c, false);
        }
        assert!(run.missing_before(i).is_empty());
        assert_eq!(run.run_step(i, &mut s, &mut c, false).status, StepStatus::Pass);
    }

    #[test]
    fn a_python_step_run_first_gets_the_lessons_bucket() {
        let lesson = crate::lesson::built_in("python").expect("the python lesson");
        let mut run = LessonRun::new(lesson);
        let (mut s, mut c) = (Session::new(crate::server::Standalone::embedded(T0)), VirtualClock(T0));
        let i = step(&run, "Put and get");
        assert!(!run.missing_before(i).is_empty());
        let r = run.run_step(i, &mut s, &mut c, false);
        assert!(r.notes.iter().any(|n| n.contains("created it as the lesson does")), "{:?}", r.notes);
        assert_eq!(s.backend.status("CONFIG").map(|st| st.history()).ok(), Some(10));
        assert_eq!(r.status, StepStatus::Pass, "{r:?}");
        assert!(r.transcript().starts_with("$ python  # this step's program"), "{}", r.transcript());
        assert!(r.transcript().contains("at revision 1"), "{}", r.transcript());
    }

    #[test]
    fn typed_commands_that_match_the_step_complete_it() {
        let (mut run, mut s, _) = cli();
        run.select(step(&run, "Create a bucket"));
        assert_eq!(type_line(&mut run, &mut s, "nats kv ls"), None, "not the step's command");
        let Some(Typed::StepDone { report, .. }) = type_line(&mut run, &mut s, "nats kv add lesson --history 5") else {
            panic!("the step is done")
        };
        assert_eq!(report.status, StepStatus::Pass);
        assert!(run.done.contains(&step(&run, "Create a bucket")));
        run.select(step(&run, "Store and read a value"));
        assert_eq!(
            type_line(&mut run, &mut s, "nats kv put lesson greeting hello"),
            Some(Typed::Progress { done: 1, of: 2 })
        );
        assert!(matches!(type_line(&mut run, &mut s, "nats kv get lesson greeting"), Some(Typed::StepDone { .. })));
        run.select(step(&run, "Every write is a new revision"));
        type_line(&mut run, &mut s, "nats kv put lesson greeting \"hello again\"");
        type_line(&mut run, &mut s, "nats kv history lesson greeting");
        // Without -f the CLI asks; the answer completes the command.
        run.select(step(&run, "Delete a key"));
        assert_eq!(
            type_line(&mut run, &mut s, "nats kv del lesson greeting"),
            Some(Typed::Progress { done: 1, of: 3 })
        );
        type_line(&mut run, &mut s, "nats kv del -f lesson nothing-here");
        let Some(Typed::StepDone { report, .. }) = type_line(&mut run, &mut s, "nats kv history lesson nothing-here")
        else {
            panic!("the step is done")
        };
        assert_eq!(report.status, StepStatus::Pass, "{report:?}");
    }

    #[test]
    fn an_exercise_counts_when_the_learner_meets_its_checks_and_run_all_only_solves_it_for_them() {
        let (mut run, mut s, mut c) = cli();
        let i = step(&run, "Your turn");
        run.select(i);
        assert_eq!(type_line(&mut run, &mut s, "nats kv add inventory --history 3"), None);
        assert!(
            matches!(type_line(&mut run, &mut s, "nats kv put inventory apples 12"), Some(Typed::StepDone { step, .. }) if step == i)
        );
        assert!(run.done.contains(&i));
        // Run all (a fresh server, the exercise solved by typing its hint) keeps what the learner earned.
        s = Session::new(crate::server::Standalone::embedded(T0));
        run.clear_results();
        let r = run.run_step(i, &mut s, &mut c, true);
        assert_eq!(r.status, StepStatus::Pass, "{r:?}");
        assert!(r.notes.iter().any(|n| n.contains("You solved this step yourself earlier")), "{:?}", r.notes);
        assert!(run.done.contains(&i));
        let (mut run, mut s, _) = cli();
        let r = run.run_step(i, &mut s, &mut c, true);
        assert_eq!(r.status, StepStatus::Solved);
        assert!(!counts_as_done(&r));
        assert!(r.transcript().contains("$ nats kv add inventory --history 3\n"), "{}", r.transcript());
        assert!(r.transcript().contains("$ nats kv put inventory apples 12\n"));
    }

    fn python() -> (LessonRun, Session<crate::server::Standalone>, VirtualClock) {
        let lesson = crate::lesson::built_in("python").expect("the python lesson");
        (LessonRun::new(lesson), Session::new(crate::server::Standalone::embedded(T0)), VirtualClock(T0))
    }

    #[test]
    fn a_python_step_is_done_only_when_its_program_ran() {
        // Operations standing in for the program are not running it.
        let (mut run, mut s, mut c) = python();
        let first = step(&run, "Connect and create a bucket");
        let r = run.run_step(first, &mut s, &mut c, false);
        assert_eq!(r.status, StepStatus::Pass);
        assert!(!counts_as_done(&r) && !run.done.contains(&first));
        // In the page, Run step runs no operations and waits for the program.
        let (mut run, mut s, mut c) = python();
        let (first, second) = (step(&run, "Connect and create a bucket"), step(&run, "Put and get"));
        run.real_programs = true;
        let r = run.run_step(first, &mut s, &mut c, false);
        assert_eq!(r.status, StepStatus::Waiting);
        assert!(s.backend.status("CONFIG").is_err(), "no kv-ops ran");
        assert!(!run.done.contains(&first));
        let code = run.lesson.steps[first].python[0].code.clone();
        let r =
            run.program_ran(first, 0, "bucket=CONFIG values=0 history=10\n", None, &code).expect("the step's report");
        assert_eq!(r.status, StepStatus::Pass, "{r:?}");
        assert!(run.done.contains(&first));
        // A cell's own Run counts without Run step; a program that raised does not.
        let code = run.lesson.steps[second].python[0].code.clone();
        let tb = "Traceback (most recent call last):\n  File \"<step 3>\", line 1, in <module>\nNameError: name 'kv' is not defined\n";
        let r = run.program_ran(second, 0, "", Some(tb), &code).expect("a report");
        assert_eq!(r.status, StepStatus::Fail);
        assert!(!run.done.contains(&second));
        let printed = "app.timeout = 30 at revision 1\napp.max_connections = 100 at revision 2\nread app.timeout = 30 (revision 1)\n";
        assert_eq!(run.program_ran(second, 0, printed, None, &code).map(|r| r.status), Some(StepStatus::Pass));
        assert!(run.done.contains(&second));
        // A program run again that now fails takes nothing back.
        run.program_ran(second, 0, "", Some(tb), &code);
        assert!(run.done.contains(&second));
    }

    #[test]
    fn a_step_taken_after_a_later_one_says_why_it_differs() {
        let (mut run, mut s, mut c) = cli();
        let early = step(&run, "Store and read a value");
        let later = step(&run, "Every write is a new revision");
        for j in 0..early {
            run.run_step(j, &mut s, &mut c, false);
        }
        run.run_step(later, &mut s, &mut c, false);
        let r = run.run_step(early, &mut s, &mut c, false);
        assert_ne!(r.status, StepStatus::Pass, "{r:?}");
        assert!(
            r.notes
                .iter()
                .any(|n| n
                    .contains(&format!("Step {} \"Every write is a new revision\" ran before this one", later + 1))),
            "{:?}",
            r.notes
        );
    }
}
