//! The lesson's service: runs a step's commands, prepares Run all and resets the lesson, wherever the page's
//! commands go (the embedded server, or the connected one through its job queue). The lesson panel decides
//! what to run and renders; it does not know which of the two ran it.

use super::{real_now, remote, Shared};
use crate::lesson::runner::StepReport;

/// Runs step `i`'s commands (`solve`: an exercise's solution first, for Run all); `done` gets its report once
/// they have run (on a server, once it has answered).
pub fn run_commands(shared: &Shared, i: usize, solve: bool, done: Box<dyn FnOnce(Option<StepReport>)>) {
    if shared.0.borrow().server.is_some() {
        let remote_job = shared.0.borrow().parts.remote_job;
        remote_job(shared, remote::Job::Step { i, solve, done });
        return;
    }
    let r = shared.0.borrow_mut().run_step(i, real_now(), solve);
    done(r);
}

/// Before Run all: the results start over (what the learner earned stays earned). The embedded server starts
/// empty; a real server's buckets stay as they are. Returns what to tell the learner.
pub fn start_run_all(shared: &Shared) -> &'static str {
    let mut pg = shared.0.borrow_mut();
    if pg.server.is_some() {
        if let Some((_, run)) = pg.lesson.as_mut() {
            run.clear_results();
        }
        return "(Run all on the server: each step runs in turn, its programs in their cells; buckets already on the server stay as they are)";
    }
    let done = pg.lesson.as_ref().map(|(_, run)| run.done.clone()).unwrap_or_default();
    pg.reset_server(real_now());
    if let Some((_, run)) = pg.lesson.as_mut() {
        run.done = done;
    }
    "(Run all: the embedded server starts empty; each step runs in turn, its programs in their cells)"
}

/// The lesson's Reset: its results and progress are cleared and it goes back to its first step; the embedded
/// server starts empty, a real server's buckets stay. Returns what to tell the learner.
pub fn reset(shared: &Shared) -> &'static str {
    let mut pg = shared.0.borrow_mut();
    let note = if pg.server.is_some() {
        if let Some((_, run)) = pg.lesson.as_mut() {
            run.reset();
        }
        "(lesson reset: its results are cleared; the buckets on the server stay as they are)"
    } else {
        pg.reset_server(real_now());
        "(lesson reset: the embedded server starts empty)"
    };
    if let Some((_, run)) = pg.lesson.as_mut() {
        run.select(0);
    }
    note
}
