//! The page's store: the one state the components render (`PageState`), changed only by verb-named `Action`s
//! through a pure `reduce`; `Dispatch` hands each verb to the service that performs it (`app::services`), and the
//! services report what happened with more actions.
//!
//! A typed line, from the keyboard to the stream and back: the terminal dispatches `Action::RunLines`; `reduce`
//! has nothing to record yet (the echo waits for the prompt the line was answered at); `services::perform` hands
//! the lines to the page's link (`app::lines`, `app::link`), whose session runs them on the embedded server or
//! the connected one; the link reports the echo and the output as `Action::Show` and the change as
//! `Action::Changed`, which `reduce` appends to the scrollback and counts, and the views re-read the link.

use std::rc::Rc;

use yew::{Reducible, UseReducerDispatcher};

use super::term_state::{TermAction, TermState};
use super::watchers::{News, PaneWatch};
use super::Shared;
use crate::engine::{WatchEvent, WatchOptions};
use crate::lesson::StepStatus;

/// What the components render that is not the link's own data (the buckets, the lesson run, the connection,
/// which the views read from the link when `changes` moves).
#[derive(Clone, Debug, Default)]
pub struct PageState {
    /// Which state of the store this is: each `reduce` that changes something makes the next.
    pub seq: u64,
    /// The terminal's scrollback, command history and command line.
    pub term: TermState,
    /// Moves whenever the link's data may have changed (a command ran, a watch printed, time moved): the views
    /// re-read it.
    pub changes: u64,
    /// Seconds the page has seen pass (the views show ages, TTLs and the clock): they re-read the link too.
    pub ticks: u64,
    /// The Watchers panel's panes, oldest first, each with what its watcher received.
    pub panes: Rc<Vec<Pane>>,
    /// Why the last watcher asked for was refused.
    pub watch_refused: Option<String>,
    /// What the compact step embed's last Run showed.
    pub alone: Option<Alone>,
    /// The share link made last (Share), until Start over.
    pub share_link: Option<String>,
    /// An import that would replace buckets, waiting for the learner's answer.
    pub import_asks: Option<ImportAsk>,
}

/// An import that would replace buckets of the same name: the file's name, what it holds, the buckets it would
/// replace.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportAsk {
    pub name: String,
    pub export: crate::transfer::Export,
    pub clashes: Vec<String>,
}

/// One Run of a step alone (the compact step embed): the step's own transcript and its verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Alone {
    pub output: String,
    /// None while the step's programs run.
    pub status: Option<StepStatus>,
    /// How many earlier steps ran first, quietly.
    pub quiet: usize,
}

/// Two snapshots of the page's one store are the same when they are the same state of it (cheap, for the
/// components' properties).
impl PartialEq for PageState {
    fn eq(&self, o: &PageState) -> bool {
        self.seq == o.seq
    }
}

/// A watch pane: its watcher, its title and its feed (the newest `PANE_LINES` events).
#[derive(Clone, Debug, PartialEq)]
pub struct Pane {
    pub watch: PaneWatch,
    pub title: String,
    pub items: Vec<WatchEvent>,
}

/// Feed lines a pane keeps.
pub const PANE_LINES: usize = 500;

/// A watcher the Watchers panel asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchAsk {
    pub bucket: String,
    pub pattern: String,
    pub options: WatchOptions,
}

impl WatchAsk {
    /// The pane's title: the bucket, the pattern and the options that are on.
    pub fn title(&self) -> String {
        let o = &self.options;
        let flags: Vec<&str> =
            [(o.include_history, "history"), (o.ignore_deletes, "no deletes"), (o.updates_only, "updates only")]
                .into_iter()
                .filter_map(|(on, f)| on.then_some(f))
                .collect();
        let mut t = format!("{} {}", self.bucket, self.pattern);
        if !flags.is_empty() {
            t.push_str(&format!(" ({})", flags.join(", ")));
        }
        if o.resume_from_revision > 0 {
            t.push_str(&format!(" from revision {}", o.resume_from_revision));
        }
        t
    }
}

/// A program for a cell to run: its language's worker, the cell, the code and the name errors give it.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// Python (Pyodide, nats-py) or JavaScript (a worker, nats.js).
    pub python: bool,
    /// The namespace a Python program runs in (a lesson's name: its cells share it).
    pub ns: String,
    pub cell: String,
    pub code: String,
    pub filename: String,
    /// A Python console's line: its value is echoed, as the interactive interpreter does.
    pub echo: bool,
}

/// What the learner asks for (verbs, performed by the services) and what the services report.
#[derive(Debug)]
pub enum Action {
    /// Run typed or pasted lines, in order.
    RunLines(Vec<String>),
    /// Ctrl-C with `typed` half-written: stop the running watches, drop a pending question.
    Interrupt { typed: String },
    /// Up in the terminal, with the line as it stands.
    RecallOlder { current: String },
    /// Down in the terminal.
    RecallNewer,
    /// Ctrl-L.
    ClearScreen,
    /// Put a lesson's command on the command line for the learner to run.
    TypeForMe(String),
    /// Open a built-in lesson.
    OpenLesson(String),
    /// Back to the list of lessons.
    CloseLesson,
    /// Show another step.
    GoToStep(usize),
    /// Run a step: its commands in the terminal, its programs in their cells.
    RunStep(usize),
    /// Run the steps a step builds on, in order (exercises among them solved), then show it.
    RunStepsBefore(usize),
    /// Run every step in order.
    RunAll,
    /// Start the lesson over.
    ResetLesson,
    /// Run a step alone on an empty server, after the steps it builds on, quietly (the compact step embed).
    RunStepAlone(usize),
    /// Start a watcher in the Watchers panel.
    StartWatch(WatchAsk),
    /// Stop a pane's watcher (the pane goes).
    StopWatch(PaneWatch),
    /// Take the new watchers and what the panes' watchers received since the last look.
    FollowWatchers(Vec<PaneWatch>),
    /// Run a snippet's commands on an empty server; its transcript replaces the scrollback.
    RunSnippet(Vec<String>),
    /// Dismiss the instructor's message (a new one shows again).
    DismissMessage,
    /// Connect the page to a real server (as a workshop's learner, when `learner` names one).
    Connect { target: crate::client::url::ServerUrl, learner: Option<String> },
    /// Back to the embedded server, as it was left.
    Disconnect,
    /// Make the session's share link.
    Share,
    /// Download the buckets ("json") or the session as a script or program ("sh", "py", "mjs", "rs", "go").
    Export(&'static str),
    /// Import an export (a file's name and text): at once, or after asking when it would replace buckets.
    Import { name: String, text: String },
    /// Yes to the import waiting for an answer (the store's `import_asks`).
    ReplaceOnImport(ImportAsk),
    /// No to the import waiting for an answer.
    CancelImport,
    /// Wipe everything: the embedded server empty, the history and the kept session gone.
    StartOver,
    /// Run a cell's program (a running one in the same cell stops first).
    RunProgram(Program),
    /// Stop a cell's program (`python`: which worker runs it).
    StopProgram { python: bool, cell: String },
    /// Forget what a JavaScript cell printed.
    ClearProgram(String),
    /// Pause the page's clock, or resume it.
    ToggleClock,
    /// Move the page's clock forward (`label`: as the learner reads it, "10s").
    MoveClock { secs: i64, label: &'static str },

    /// Reported: something for the terminal to show.
    Show(TermAction),
    /// Reported: the link's data may have changed.
    Changed,
    /// Reported: a second passed (what is due expired, running watches printed into the scrollback).
    TimePassed,
    /// Reported: new panes' watchers and what the panes' watchers received.
    Watched(News),
    /// Reported: the share link made.
    LinkMade(String),
    /// Reported: an import waits for the learner's answer (`None`: no longer).
    ImportAsks(Option<ImportAsk>),
    /// Reported: the page started over.
    StartedOver,
    /// Reported: what a step run alone showed (so far).
    RanAlone(Option<Alone>),
    /// Reported: a watcher asked for was refused, and why (`None`: the last one was made).
    WatchRefused(Option<String>),
}

impl Action {
    /// Whether a service performs this action (a verb with an effect beyond the page's state).
    pub fn is_effect(&self) -> bool {
        !matches!(
            self,
            Action::RecallOlder { .. }
                | Action::RecallNewer
                | Action::ClearScreen
                | Action::TypeForMe(_)
                | Action::Show(_)
                | Action::Changed
                | Action::TimePassed
                | Action::Watched { .. }
                | Action::WatchRefused(_)
                | Action::RanAlone(_)
                | Action::LinkMade(_)
                | Action::ImportAsks(_)
                | Action::StartedOver
        )
    }
}

impl PageState {
    /// What the views follow: moves whenever they should read the link again (a change, or time passing).
    pub fn version(&self) -> u64 {
        self.changes + self.ticks
    }

    /// The page's state after `action`: pure, the same action on the same state gives the same state. `None`
    /// when the action records nothing (a verb whose effect the link reports, news with nothing new).
    pub fn after(&self, action: Action) -> Option<PageState> {
        let records = match &action {
            // The ^C is echoed at once, whatever the link then stops; a stopped pane goes at once.
            Action::Interrupt { .. } | Action::StopWatch(_) => true,
            Action::Watched(news) => !news.opened.is_empty() || !news.events.is_empty(),
            // The other verbs change the link's data, which the services report.
            a => !a.is_effect(),
        };
        if !records {
            return None;
        }
        let mut next = self.clone();
        let term = |t: TermAction| self.term.applied(t);
        match action {
            Action::Show(t) => next.term = term(t),
            Action::RecallOlder { current } => next.term = term(TermAction::HistoryUp { current }),
            Action::RecallNewer => next.term = term(TermAction::HistoryDown),
            Action::ClearScreen => next.term = term(TermAction::Clear),
            Action::TypeForMe(line) => next.term = term(TermAction::Suggest(line)),
            Action::Interrupt { typed } => {
                next.term = term(TermAction::Echo { prompt: "$ ".into(), line: format!("{typed}^C") })
            }
            Action::StartedOver => {
                next.term = term(TermAction::Batch(vec![
                    TermAction::Clear,
                    TermAction::Note("(started over: the embedded server is empty and nothing is kept)".into()),
                ]));
                next.share_link = None;
                next.import_asks = None;
            }
            Action::Changed => next.changes += 1,
            Action::TimePassed => next.ticks += 1,
            Action::StopWatch(w) => next.panes = Rc::new(self.panes.iter().filter(|p| p.watch != w).cloned().collect()),
            Action::WatchRefused(why) => next.watch_refused = why,
            Action::RanAlone(alone) => next.alone = alone,
            Action::LinkMade(link) => next.share_link = Some(link),
            Action::ImportAsks(ask) => next.import_asks = ask,
            Action::Watched(news) => {
                let mut panes = (*self.panes).clone();
                panes.extend(news.opened.into_iter().map(|(watch, title)| Pane { watch, title, items: Vec::new() }));
                for (watch, evs) in news.events {
                    if let Some(pane) = panes.iter_mut().find(|p| p.watch == watch) {
                        pane.items.extend(evs);
                        let extra = pane.items.len().saturating_sub(PANE_LINES);
                        pane.items.drain(..extra);
                    }
                }
                next.panes = Rc::new(panes);
            }
            _ => return None,
        }
        Some(next)
    }
}

impl Reducible for PageState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match self.after(action) {
            Some(next) => Rc::new(PageState { seq: self.seq + 1, ..next }),
            // Nothing to record: the same state, so nothing is drawn again.
            None => self,
        }
    }
}

/// Where actions go: the store's reducer, then the service that performs a verb. Cheap to clone, for the
/// callbacks and the services' own reports.
#[derive(Clone)]
pub struct Dispatch {
    reducer: UseReducerDispatcher<PageState>,
    shared: Shared,
}

impl PartialEq for Dispatch {
    fn eq(&self, o: &Dispatch) -> bool {
        self.reducer == o.reducer && self.shared == o.shared
    }
}

impl Dispatch {
    pub fn new(reducer: UseReducerDispatcher<PageState>, shared: Shared) -> Dispatch {
        Dispatch { reducer, shared }
    }

    /// Records `action` in the store, then hands a verb to the service that performs it.
    pub fn dispatch(&self, action: Action) {
        if action.is_effect() {
            super::services::perform(self, action);
        } else {
            self.reducer.dispatch(action);
        }
    }

    /// Records `action` in the store only (the services' reports, and a verb's own record before it is performed).
    pub(super) fn record(&self, action: Action) {
        self.reducer.dispatch(action);
    }

    /// The page the services work on.
    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Reports something for the terminal to show.
    pub fn show(&self, t: TermAction) {
        self.record(Action::Show(t));
    }

    /// Reports a note in the terminal.
    pub fn say(&self, note: impl Into<String>) {
        self.show(TermAction::Note(note.into()));
    }

    /// Reports that the link's data may have changed.
    pub fn changed(&self) {
        self.record(Action::Changed);
    }

    /// A callback that dispatches the action `f` makes of its argument.
    pub fn callback<T: 'static>(&self, f: impl Fn(T) -> Action + 'static) -> yew::Callback<T> {
        let d = self.clone();
        yew::Callback::from(move |t| d.dispatch(f(t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::term_state::LineKind;
    use crate::cli::exec::Chunk;

    fn after(s: &PageState, a: Action) -> PageState {
        s.after(a).unwrap_or_else(|| s.clone())
    }

    #[test]
    fn reduce_is_pure_and_records_only_what_the_page_shows() {
        let s = PageState::default();
        // A verb whose effect is the link's: nothing to record until the link reports.
        assert!(s.after(Action::RunLines(vec!["nats kv ls".into()])).is_none());
        assert!(s.after(Action::RunStep(2)).is_none());
        // Ctrl-C echoes at once.
        let a = after(&s, Action::Interrupt { typed: "nats kv w".into() });
        assert_eq!(a.term.lines.last().map(|l| (l.kind, l.text.as_str())), Some((LineKind::Input, "$ nats kv w^C")));
        // The same action on the same state gives the same state.
        assert_eq!(a.term, after(&s, Action::Interrupt { typed: "nats kv w".into() }).term);
        assert!(s.term.lines.is_empty(), "the state before is untouched");
        let b = after(&a, Action::Show(TermAction::Output(vec![Chunk::Out("v\n".into())])));
        assert_eq!(b.term.lines.len(), 2);
        assert_eq!(after(&b, Action::Changed).changes, 1);
        assert_eq!(after(&b, Action::ClearScreen).term.lines.len(), 0);
    }

    #[test]
    fn the_session_tools_and_time_are_recorded_as_the_page_shows_them() {
        let s = PageState::default();
        let a = after(&s, Action::LinkMade("http://x/#share=abc".into()));
        assert_eq!(a.share_link.as_deref(), Some("http://x/#share=abc"));
        let ask = ImportAsk {
            name: "f.json".into(),
            export: crate::transfer::export(&crate::engine::Engine::new(0)),
            clashes: vec!["b".into()],
        };
        let b = after(&a, Action::ImportAsks(Some(ask)));
        assert!(b.import_asks.is_some());
        let b = after(&b, Action::Show(TermAction::Note("hello".into())));
        // Start over: the scrollback holds only its note, and the link and the question are gone.
        let c = after(&b, Action::StartedOver);
        assert_eq!(c.term.lines.len(), 1);
        assert!(c.term.lines[0].text.starts_with("(started over"));
        assert!(c.share_link.is_none() && c.import_asks.is_none());
        // Time passing and a change both move what the views follow; only a change counts as one.
        let t = after(&c, Action::TimePassed);
        let u = after(&t, Action::Changed);
        assert!(c.version() < t.version() && t.version() < u.version());
        assert_eq!((t.changes, u.changes), (c.changes, c.changes + 1));
        // A store's states are told apart by their step.
        let mut st = Rc::new(PageState::default());
        st = st.reduce(Action::Changed);
        let same = st.clone().reduce(Action::RunLines(vec!["x".into()]));
        assert!(Rc::ptr_eq(&st, &same), "a verb the link performs records nothing, so nothing is drawn again");
        let next = st.clone().reduce(Action::TimePassed);
        assert_ne!(*st, *next);
        assert_eq!(next.seq, st.seq + 1);
    }

    #[test]
    fn panes_open_fill_and_stop_through_the_store() {
        use crate::engine::WatchId;
        let w = PaneWatch { id: WatchId(7), remote: false };
        let s = PageState::default();
        let news = News { opened: vec![(w, "b >".into())], events: vec![(w, vec![WatchEvent::InitialValuesDone])] };
        let a = after(&s, Action::Watched(news));
        assert_eq!(a.panes.len(), 1);
        assert_eq!(a.panes[0].items, vec![WatchEvent::InitialValuesDone]);
        // Nothing new: the same state, so nothing is drawn again.
        assert!(a.after(Action::Watched(News::default())).is_none());
        let b = after(&a, Action::StopWatch(w));
        assert!(b.panes.is_empty());
        let ask = WatchAsk {
            bucket: "b".into(),
            pattern: "k.*".into(),
            options: WatchOptions { include_history: true, resume_from_revision: 4, ..WatchOptions::default() },
        };
        assert_eq!(ask.title(), "b k.* (history) from revision 4");
    }
}
