//! Where the page's commands go: its link. `Embedded` is the engine in the page (its session runs a line at
//! once); the connected server's link is `remote::ServerLink` (its session awaits the server through the
//! connection's job queue). The services (`lines`, `steps`, `watchers`) ask the page's link and never which one it
//! is: being connected is the choice of link (`link`), made in this one place.

use super::remote::ServerSide;
use super::term_state::TermAction;
use super::watchers::{News, PaneWatch};
use super::{real_now, Playground, Shared};
use crate::backend::KvBackend;
use crate::engine::{Nanos, WatchOptions};
use crate::lesson::runner::StepReport;
use crate::session::Session;

/// What runs once a lesson step's commands have run, with their report (none when there is no lesson).
pub type StepDone = Box<dyn FnOnce(Option<StepReport>)>;

/// What the page's actors do over a link.
pub trait Link: Sync {
    /// Whether this link goes to a server outside the page (a pane's watch belongs to the link that made it).
    fn remote(&self) -> bool;
    /// Runs typed lines in order: each echoed with its prompt and what it printed (at once, or as each
    /// finishes), then the open lesson's news about them.
    fn run_lines(&self, shared: &Shared, lines: &[String], show: &dyn Fn(TermAction));
    /// Ctrl-C with `typed` half-written: stops the running watches and drops a pending question. Whether the
    /// page's state changed now (a queued job reports it later).
    fn interrupt(&self, shared: &Shared, typed: &str, show: &dyn Fn(TermAction)) -> bool;
    /// Runs lesson step `i`'s commands (`solve`: an exercise's solution first, for Run all); `done` gets its
    /// report once they have run.
    fn run_step(&self, shared: &Shared, i: usize, solve: bool, done: StepDone);
    /// Before Run all: the results start over (what the learner earned stays earned). What to tell the learner.
    fn start_run_all(&self, shared: &Shared) -> &'static str;
    /// The lesson's Reset: results and progress cleared. What to tell the learner.
    fn reset_lesson(&self, shared: &Shared) -> &'static str;
    /// Starts a Watchers pane's watch; it appears in a later `watch_news` (at once here, later over a queue).
    fn open_watch(
        &self,
        shared: &Shared,
        bucket: &str,
        pattern: &str,
        options: WatchOptions,
        title: String,
    ) -> Result<(), String>;
    /// New panes' watches, and what the watches of `panes` (this link's) received.
    fn watch_news(&self, shared: &Shared, panes: &[PaneWatch]) -> News;
    fn stop_watch(&self, shared: &Shared, p: PaneWatch);
    /// The last error a pane's watch met, if the link keeps one.
    fn watch_error(&self, shared: &Shared) -> Option<String>;

    // What the views read of the link, from the page's state.
    /// The buckets the views show (and a typed lesson step's checks read).
    fn view<'a>(&self, pg: &'a Playground) -> &'a crate::server::Standalone;
    /// The same, to change (a lesson's checks read through the store, whose reads take it mutably).
    fn view_mut<'a>(
        &self,
        session: &'a mut Session<crate::server::Standalone>,
        server: &'a mut Option<ServerSide>,
    ) -> &'a mut crate::server::Standalone;
    /// The time the views read ages and TTLs at.
    fn view_now(&self, pg: &Playground, real: Nanos) -> Nanos;
    /// Whether the learner can move the clock (a real server keeps its own time).
    fn clock_moves(&self) -> bool;
    /// The watches running in the terminal's session.
    fn watch_count(&self, pg: &Playground) -> usize;
    /// The question the terminal's session is asking.
    fn question<'a>(&self, pg: &'a Playground) -> Option<&'a str>;
}

/// The page's link now (`Playground::link`).
pub fn link(shared: &Shared) -> &'static dyn Link {
    shared.0.borrow().link()
}

/// The engine in the page: every call runs now, on the page's own session.
pub struct Embedded;

impl Link for Embedded {
    fn remote(&self) -> bool {
        false
    }

    fn run_lines(&self, shared: &Shared, lines: &[String], show: &dyn Fn(TermAction)) {
        let mut actions = Vec::with_capacity(lines.len() * 2);
        for line in lines {
            let (prompt, r) = {
                let mut pg = shared.0.borrow_mut();
                let prompt = pg.prompt();
                (prompt, pg.run(line, real_now()))
            };
            actions.push(TermAction::Echo { prompt, line: line.clone() });
            if r.clear {
                actions.push(TermAction::Clear);
            }
            actions.push(TermAction::Output(r.chunks));
        }
        show(TermAction::Batch(actions));
        if let Some(n) = shared.0.borrow_mut().lesson_news.take() {
            show(TermAction::Note(n));
        }
    }

    fn interrupt(&self, shared: &Shared, _typed: &str, show: &dyn Fn(TermAction)) -> bool {
        let stopped = shared.0.borrow_mut().interrupt(real_now());
        if stopped > 0 {
            show(TermAction::Note(format!("(stopped {stopped} watch{})", if stopped == 1 { "" } else { "es" })));
        }
        true
    }

    fn run_step(&self, shared: &Shared, i: usize, solve: bool, done: StepDone) {
        let r = {
            let mut pg = shared.0.borrow_mut();
            let run_step = pg.parts.run_step;
            run_step(&mut pg, i, real_now(), solve)
        };
        done(r);
    }

    fn start_run_all(&self, shared: &Shared) -> &'static str {
        let mut pg = shared.0.borrow_mut();
        let done = pg.lesson.as_ref().map(|(_, run)| run.done.clone()).unwrap_or_default();
        pg.reset_server(real_now());
        if let Some((_, run)) = pg.lesson.as_mut() {
            run.done = done;
        }
        "(Run all: the embedded server starts empty; each step runs in turn, its programs in their cells)"
    }

    fn reset_lesson(&self, shared: &Shared) -> &'static str {
        shared.0.borrow_mut().reset_server(real_now());
        "(lesson reset: the embedded server starts empty)"
    }

    fn open_watch(
        &self,
        shared: &Shared,
        bucket: &str,
        pattern: &str,
        options: WatchOptions,
        title: String,
    ) -> Result<(), String> {
        let mut pg = shared.0.borrow_mut();
        let id = pg.session.backend.watch(bucket, &[pattern.to_string()], options).map_err(|e| e.to_string())?;
        pg.pane_news.push((PaneWatch { id, remote: false }, format!("w{} · {title}", id.0)));
        Ok(())
    }

    fn watch_news(&self, shared: &Shared, panes: &[PaneWatch]) -> News {
        let mut pg = shared.0.borrow_mut();
        let mut news = News { opened: std::mem::take(&mut pg.pane_news), events: Vec::new() };
        let opened: Vec<PaneWatch> = news.opened.iter().map(|(p, _)| *p).collect();
        for p in panes.iter().chain(opened.iter()).filter(|p| !p.remote) {
            let evs = pg.session.backend.poll_watch(p.id);
            if !evs.is_empty() {
                news.events.push((*p, evs));
            }
        }
        news
    }

    fn stop_watch(&self, shared: &Shared, p: PaneWatch) {
        shared.0.borrow_mut().session.backend.stop_watch(p.id);
    }

    fn watch_error(&self, _shared: &Shared) -> Option<String> {
        None
    }

    fn view<'a>(&self, pg: &'a Playground) -> &'a crate::server::Standalone {
        &pg.session.backend
    }

    fn view_mut<'a>(
        &self,
        session: &'a mut Session<crate::server::Standalone>,
        _: &'a mut Option<ServerSide>,
    ) -> &'a mut crate::server::Standalone {
        &mut session.backend
    }

    fn view_now(&self, pg: &Playground, real: Nanos) -> Nanos {
        pg.clock.now(real)
    }

    fn clock_moves(&self) -> bool {
        true
    }

    fn watch_count(&self, pg: &Playground) -> usize {
        pg.session.watches().len()
    }

    fn question<'a>(&self, pg: &'a Playground) -> Option<&'a str> {
        pg.session.question()
    }
}
