//! The lesson's service: runs a step's commands, prepares Run all and resets the lesson, wherever the page's
//! commands go (the embedded server, or the connected one through its job queue). The lesson panel decides
//! what to run and renders; it does not know which of the two ran it.

use std::rc::Rc;

use super::link::{link, StepDone};
use super::store::Dispatch;
use super::store::{Action, Alone};
use super::term_state::TermAction;
use super::{real_now, CellRun, Playground, Shared};
use crate::lesson::runner::{program_filename, LessonRun, StepReport};

/// Runs step `i`'s commands (`solve`: an exercise's solution first, for Run all); `done` gets its report once
/// they have run (on a server, once it has answered).
pub fn run_commands(shared: &Shared, i: usize, solve: bool, done: StepDone) {
    link(shared).run_step(shared, i, solve, done);
}

/// Before Run all: the results start over (what the learner earned stays earned). The embedded server starts
/// empty; a real server's buckets stay as they are. Returns what to tell the learner.
pub fn start_run_all(shared: &Shared) -> &'static str {
    link(shared).start_run_all(shared)
}

/// The lesson's Reset: its results and progress are cleared and it goes back to its first step; the embedded
/// server starts empty, a real server's buckets stay. Returns what to tell the learner.
pub fn reset(shared: &Shared) -> &'static str {
    let note = link(shared).reset_lesson(shared);
    if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
        run.select(0);
    }
    note
}

/// What a step typed and printed, for the terminal (an exercise's solution typed by Run all included).
fn transcripts(r: &StepReport) -> Vec<TermAction> {
    let t = r.transcript();
    if t.is_empty() {
        Vec::new()
    } else {
        vec![TermAction::Transcript(t)]
    }
}

/// Step `i` has programs to run (Python: the whole app runs them).
pub fn has_programs(lesson: &crate::lesson::markdown::Lesson, i: usize) -> bool {
    lesson.steps.get(i).is_some_and(|s| !s.python.is_empty())
}

/// Whether step `i` needs what only the whole app has: Python programs, or a command that asks for `--trace`
/// (whose text the small modules do not carry).
pub fn needs_whole_app(lesson: &crate::lesson::markdown::Lesson, i: usize) -> bool {
    let traced = |s: &crate::lesson::Step| s.commands.iter().any(|c| crate::cli::trace::asks_for_trace(&c.line));
    has_programs(lesson, i) || lesson.steps.get(i).is_some_and(traced)
}

/// Step `i`'s Python programs as cells to run, and whether the document shows one before the step's commands.
fn step_cells(shared: &Shared, i: usize) -> (Vec<CellRun>, bool) {
    let pg = shared.0.borrow();
    let Some((ns, run)) = pg.lesson.as_ref() else { return (Vec::new(), false) };
    let Some(step) = run.lesson.steps.get(i) else { return (Vec::new(), false) };
    let cells = step
        .python
        .iter()
        .enumerate()
        .map(|(k, p)| CellRun {
            ns: ns.clone(),
            id: format!("{ns}/{i}/{k}"),
            filename: program_filename(i, k),
            code: p.code.clone(),
        })
        .collect();
    (cells, LessonRun::python_before_commands(step))
}

/// Runs lesson steps for the store's verbs (Run step, Run all, "Run those steps first", the compact step
/// embed's Run), reporting to the store.
#[derive(Clone)]
pub struct StepRunner {
    shared: Shared,
    d: Dispatch,
}

impl StepRunner {
    pub fn new(d: &Dispatch) -> StepRunner {
        StepRunner { shared: d.shared().clone(), d: d.clone() }
    }

    /// Runs step `i` in document order: its commands through the terminal, its Python programs in their cells
    /// (real Python, one after another); `then` once everything has ended. `solve` types an exercise's hint
    /// (Run all). The step's report comes when its commands have run, and is completed as its programs end
    /// (`LessonRun::program_ran`, through `Parts::watch_programs`).
    pub fn run(&self, i: usize, solve: bool, then: Box<dyn FnOnce()>) {
        let (cells, python_first) = step_cells(&self.shared, i);
        // The step's commands, here or on the connected server (as a job, whose report comes when the server
        // has answered); `k` goes on once they have run.
        let commands = {
            let me = self.clone();
            move |k: Box<dyn FnOnce()>| {
                let shared = me.shared.clone();
                let done = Box::new(move |r: Option<StepReport>| {
                    if let Some(r) = r {
                        me.d.show(TermAction::Batch(transcripts(&r)));
                    }
                    me.d.changed();
                    k();
                });
                run_commands(&shared, i, solve, done);
            }
        };
        let run_cells = self.shared.0.borrow().parts.run_cells;
        if cells.is_empty() {
            commands(then);
        } else if python_first {
            run_cells(cells, Some(Box::new(move || commands(then))));
        } else {
            commands(Box::new(move || run_cells(cells, Some(then))));
        }
    }

    /// Runs `steps` one after another, each once the one before has ended, showing each as it runs; then shows
    /// step `end`.
    pub fn run_in_order(&self, steps: std::collections::VecDeque<usize>, solve: Rc<dyn Fn(usize) -> bool>, end: usize) {
        self.run_in_order_then(steps, solve, end, Box::new(|| {}))
    }

    /// As `run_in_order`, then `then`.
    pub fn run_in_order_then(
        &self,
        mut steps: std::collections::VecDeque<usize>,
        solve: Rc<dyn Fn(usize) -> bool>,
        end: usize,
        then: Box<dyn FnOnce()>,
    ) {
        let Some(i) = steps.pop_front() else {
            if let Some((_, run)) = self.shared.0.borrow_mut().lesson.as_mut() {
                run.select(end);
            }
            self.d.changed();
            then();
            return;
        };
        if let Some((_, run)) = self.shared.0.borrow_mut().lesson.as_mut() {
            run.select(i);
        }
        self.d.changed();
        let me = self.clone();
        let solve_i = solve(i);
        self.run(i, solve_i, Box::new(move || me.run_in_order_then(steps, solve, end, then)));
    }
}

/// The steps step `i` builds on, each with whether it is an exercise (solved for the reader).
fn before(pg: &Playground, i: usize) -> Vec<(usize, bool)> {
    let Some((_, run)) = pg.lesson.as_ref() else { return Vec::new() };
    run.prerequisites(i)
        .into_iter()
        .map(|j| (j, run.lesson.steps.get(j).is_some_and(|s| s.exercise.is_some())))
        .collect()
}

/// Runs step `i` on a fresh server after the steps it builds on (exercises among them solved), and returns what
/// the step itself printed: for steps without programs, which run at once.
fn run_alone_now(pg: &mut Playground, i: usize) -> Option<Alone> {
    let real = real_now();
    pg.reset_server(real);
    let before = before(pg, i);
    for &(j, solve) in &before {
        pg.run_step(j, real, solve);
    }
    let report = pg.run_step(i, real, false)?;
    Some(Alone { output: report.transcript(), status: Some(report.status), quiet: before.len() })
}

/// Runs step `i` alone (the compact step embed's Run): on an empty server, after the steps it builds on, quietly;
/// a step with programs runs them in their cells, and its report comes once the last has ended.
pub fn run_alone(d: &Dispatch, i: usize) {
    let shared = d.shared().clone();
    let programs = shared.0.borrow().lesson.as_ref().is_some_and(|(_, run)| has_programs(&run.lesson, i));
    if !programs {
        let r = run_alone_now(&mut shared.0.borrow_mut(), i);
        d.record(Action::RanAlone(r));
        d.changed();
        return;
    }
    let quiet = {
        let mut pg = shared.0.borrow_mut();
        pg.reset_server(real_now());
        if let Some((_, run)) = pg.lesson.as_mut() {
            // The programs themselves run, in their cells: their KV operations are not replayed.
            run.real_programs = true;
            run.clear_results();
        }
        before(&pg, i)
    };
    let n = quiet.len();
    d.record(Action::RanAlone(Some(Alone { output: String::new(), status: None, quiet: n })));
    let solve: Rc<dyn Fn(usize) -> bool> = {
        let exercises: Vec<usize> = quiet.iter().filter(|(_, e)| *e).map(|(j, _)| *j).collect();
        Rc::new(move |j| exercises.contains(&j))
    };
    let steps = quiet.iter().map(|(j, _)| *j).chain([i]).collect();
    // Once the last program has ended: the step's own report (its commands' transcript).
    let done = {
        let d = d.clone();
        move || {
            let report = shared.0.borrow().lesson.as_ref().and_then(|(_, run)| run.reports.get(i).cloned().flatten());
            let output =
                report.as_ref().map(|r| r.commands.iter().map(|c| c.transcript.as_str()).collect()).unwrap_or_default();
            d.record(Action::RanAlone(Some(Alone {
                output,
                status: Some(crate::lesson::StepStatus::Shown),
                quiet: n,
            })));
            d.changed();
        }
    };
    StepRunner::new(d).run_in_order_then(steps, solve, i, Box::new(done));
}
