//! The services behind the store's verbs: `perform` records a verb in the store and hands it to the service that
//! owns its side effects (the terminal's lines, the clock; through `Parts::perform` the lesson's steps, and in the
//! whole app the watchers, the connection, the session tools and the programs' workers), each of which works on
//! the page's link and reports back through the `Dispatch` it is given. Components only dispatch.

use std::collections::BTreeSet;
use std::rc::Rc;

use super::components::lesson_step::step_names;
use super::steps::{self, StepRunner};
use super::store::{Action, Dispatch, ImportAsk};
use super::term_state::TermAction;
use super::{lines, real_now, watchers};

/// Performs a verb (`Action::is_effect`): its own record in the store first, then its effects.
pub fn perform(d: &Dispatch, action: Action) {
    let shared = d.shared().clone();
    match action {
        Action::RunLines(ls) => {
            // A small module has no `--trace` writer: the whole app runs such lines once it has taken over.
            let traced = ls.iter().any(|l| crate::cli::trace::asks_for_trace(l));
            if traced && crate::cli::trace::writer().is_none() {
                // Should it not load, the lines run here after all, and the terminal says why they show no trace.
                let (d2, ls2) = (d.clone(), ls.clone());
                let failed = move |e: String| {
                    d2.show(TermAction::Note(format!("(--trace: the API tracer could not be loaded: {e})")));
                    lines::run(d2.shared(), &ls2, |a| d2.show(a));
                    d2.changed();
                };
                if super::handoff::run_in_whole_app(&ls, failed) {
                    d.show(TermAction::Note("(--trace: loading the API tracer, which runs this)".into()));
                    return;
                }
            }
            lines::run(&shared, &ls, |a| d.show(a));
            d.changed();
        }
        Action::Interrupt { typed } => {
            d.record(Action::Interrupt { typed: typed.clone() });
            if lines::interrupt(&shared, &typed, |a| d.show(a)) {
                d.changed();
            }
        }
        Action::ToggleClock => {
            shared.0.borrow_mut().toggle_clock(real_now());
            d.changed();
        }
        Action::MoveClock { secs, label } => {
            let chunks = shared.0.borrow_mut().move_clock(real_now(), secs, label);
            d.say(format!("(clock moved forward {label})"));
            if !chunks.is_empty() {
                d.show(TermAction::Output(chunks));
            }
            d.changed();
        }
        // The verbs of the parts this module has (`Parts::perform`): the lesson's, the connection's.
        other => {
            let more = shared.0.borrow().parts.perform;
            more(d, other)
        }
    }
}

/// The lesson's verbs, in the modules that have the lesson runner (`Parts::perform`).
pub fn perform_lesson(d: &Dispatch, action: Action) {
    let shared = d.shared().clone();
    match action {
        Action::OpenLesson(name) => {
            shared.0.borrow_mut().open_lesson(&name);
            d.changed();
        }
        Action::CloseLesson => {
            shared.0.borrow_mut().lesson = None;
            d.changed();
        }
        Action::GoToStep(i) => {
            if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
                run.select(i);
            }
            d.changed();
        }
        Action::RunStep(i) => StepRunner::new(d).run(i, false, Box::new(|| {})),
        Action::RunStepsBefore(i) => run_steps_before(d, i),
        Action::RunAll => {
            let count = shared.0.borrow().lesson.as_ref().map(|(_, r)| r.lesson.steps.len()).unwrap_or(0);
            d.say(steps::start_run_all(&shared));
            StepRunner::new(d).run_in_order((0..count).collect(), Rc::new(|_| true), count.saturating_sub(1));
        }
        Action::RunStepAlone(i) => steps::run_alone(d, i),
        Action::ResetLesson => {
            d.say(steps::reset(&shared));
            d.changed();
        }
        // Not a verb: only recorded.
        other => d.record(other),
    }
}

/// Every verb: the connection's and the instructor's message, then the lesson's (the whole app,
/// `Parts::perform`).
pub fn perform_whole(d: &Dispatch, action: Action) {
    let shared = d.shared().clone();
    match action {
        Action::Connect { target, learner } => super::remote::connect_page(d, target, learner),
        Action::Disconnect => {
            super::remote::disconnect(&shared);
            d.say("(disconnected: the terminal uses the embedded engine again, as you left it)");
            d.changed();
        }
        Action::DismissMessage => {
            super::workshop::with_learner(|l| l.dismissed = l.news.clone());
            d.changed();
        }
        Action::Share => {
            match super::session_tools::share_link(&shared, &super::components::embed_panel::base_address()) {
                Ok(url) => d.record(Action::LinkMade(url)),
                Err(e) => d.say(format!("(share: {e})")),
            }
        }
        Action::Export(kind) => {
            if let Err(e) = super::session_tools::export(&shared, kind) {
                d.say(format!("(export failed: {e})"));
            }
        }
        Action::Import { name, text } => match super::session_tools::read_import(&shared, &text) {
            Err(e) => d.say(format!("(import of {name} refused, nothing changed: {e})")),
            Ok((export, clashes)) if clashes.is_empty() => import(d, &name, &export),
            Ok((export, clashes)) => d.record(Action::ImportAsks(Some(ImportAsk { name, export, clashes }))),
        },
        Action::ReplaceOnImport(ask) => {
            d.record(Action::ImportAsks(None));
            import(d, &ask.name, &ask.export);
        }
        Action::CancelImport => {
            d.record(Action::ImportAsks(None));
            d.say("(import cancelled: nothing changed)");
        }
        Action::StartOver => {
            super::session_tools::start_over(&shared);
            d.record(Action::StartedOver);
            d.changed();
        }
        Action::StartWatch(ask) => {
            let title = ask.title();
            let refused = watchers::open(&shared, &ask.bucket, &ask.pattern, ask.options, title).err();
            d.record(Action::WatchRefused(refused));
            // The new pane shows on the next look at the watchers (at once on the embedded engine).
            d.changed();
        }
        Action::FollowWatchers(panes) => look_at_watchers(d, &panes),
        Action::StopWatch(w) => {
            d.record(Action::StopWatch(w));
            watchers::stop(&shared, w);
        }
        Action::RunSnippet(cmds) => {
            let t = shared.0.borrow_mut().replay(&cmds, real_now());
            d.show(TermAction::Batch(vec![TermAction::Clear, TermAction::Transcript(t)]));
            d.changed();
        }
        Action::RunProgram(p) if p.python && p.echo => super::python::run_echo(&p.ns, &p.cell, &p.code, &p.filename),
        Action::RunProgram(p) if p.python => super::python::run(&p.ns, &p.cell, &p.code, &p.filename),
        // A JavaScript program connects to the server the page is connected to, if it is.
        Action::RunProgram(p) => {
            let remote = shared.0.borrow().connected_url();
            super::javascript::run(&p.cell, &p.code, &p.filename, remote.as_deref())
        }
        Action::StopProgram { python: true, cell } => super::python::stop(&cell),
        Action::StopProgram { cell, .. } => super::javascript::stop(&cell),
        Action::ClearProgram(cell) => super::javascript::clear(&cell),
        other => perform_lesson(d, other),
    }
}

/// Takes the new watchers and what the panes' watchers received since the last look (`Action::Watched`).
fn look_at_watchers(d: &Dispatch, panes: &[super::watchers::PaneWatch]) {
    let shared = d.shared().clone();
    let news = watchers::news(&shared, panes);
    d.record(Action::Watched(news));
}

/// Runs the steps step `i` builds on, in order (an exercise among them is solved for the learner), then shows it.
fn run_steps_before(d: &Dispatch, i: usize) {
    let shared = d.shared().clone();
    let (missing, exercises, names) = {
        let pg = shared.0.borrow();
        let Some((_, run)) = pg.lesson.as_ref() else { return };
        let missing = run.missing_before(i);
        let mut exercises = BTreeSet::new();
        exercises.extend(run.lesson.steps.iter().enumerate().filter(|(_, s)| s.exercise.is_some()).map(|(k, _)| k));
        let names = step_names(&run.lesson, &missing);
        (missing, exercises, names)
    };
    d.say(format!("(running the steps this one builds on: {names})"));
    StepRunner::new(d).run_in_order(missing.into_iter().collect(), Rc::new(move |k| exercises.contains(&k)), i);
}

/// Puts an import's buckets beside the session's (a bucket of the same name is replaced), and says so.
fn import(d: &Dispatch, name: &str, x: &crate::transfer::Export) {
    d.say(super::session_tools::apply_import(d.shared(), name, x));
    d.changed();
}
