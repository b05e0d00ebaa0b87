//! The lesson's service: runs a step's commands, prepares Run all and resets the lesson, wherever the page's
//! commands go (the embedded server, or the connected one through its job queue). The lesson panel decides
//! what to run and renders; it does not know which of the two ran it.

use std::rc::Rc;

use yew::{Callback, UseReducerDispatcher};

use super::link::{link, StepDone};
use super::term_state::{TermAction, TermState};
use super::{CellRun, Shared};
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

/// What a lesson step needs to run from the panel (or the compact step embed): the page, its terminal and the
/// redraw.
#[derive(Clone)]
pub struct StepRunner {
    pub shared: Shared,
    pub term: UseReducerDispatcher<TermState>,
    pub on_change: Callback<()>,
}

impl StepRunner {
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
                        me.term.dispatch(TermAction::Batch(transcripts(&r)));
                    }
                    me.on_change.emit(());
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
            self.on_change.emit(());
            then();
            return;
        };
        if let Some((_, run)) = self.shared.0.borrow_mut().lesson.as_mut() {
            run.select(i);
        }
        self.on_change.emit(());
        let me = self.clone();
        let solve_i = solve(i);
        self.run(i, solve_i, Box::new(move || me.run_in_order_then(steps, solve, end, then)));
    }
}
