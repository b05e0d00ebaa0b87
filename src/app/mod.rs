//! The browser app: a terminal, a lesson, a bucket explorer and a clock over one session, as a store and services.
//!
//! Architecture invariant: components render the store (`store::PageState`) and what the page's link shows, and
//! change the page only by dispatching the store's verbs; services (`services`) perform them on `Playground`,
//! which owns the session and the clock, so the terminal, the explorer and the timer always see the same engine.

pub mod components;
pub mod handoff;
pub mod host;
pub mod javascript;
pub mod lesson_life;
pub mod lines;
pub mod link;
pub mod page;
pub mod page_link;
pub mod python;
pub mod remote;
pub mod services;
pub mod session_tools;
pub mod steps;
pub mod store;
pub mod term_state;
pub mod watchers;
pub mod workshop;

use crate::session::Line;
use std::cell::RefCell;
use std::rc::Rc;

use crate::clock::PlayClock;
use crate::engine::{Engine, Nanos};
use crate::lesson::runner::{counts_as_done, LessonClock, LessonRun, StepReport, StepStatus, Typed};
use crate::session::{LineResult, Session};

pub use components::app::App;

/// The wall clock of the browser, in nanoseconds since the epoch.
pub fn real_now() -> Nanos {
    (js_sys::Date::now() * 1_000_000.0) as Nanos
}

/// Everything the page shares: the session over the embedded engine, and the clock it runs on.
pub struct Playground {
    pub session: Session<crate::server::Standalone>,
    pub clock: PlayClock,
    /// The open lesson and what its runner has seen, if a lesson is open.
    pub lesson: Option<(String, LessonRun)>,
    /// The Markdown of a lesson opened from its text (workshop mode), for a hand-over to parse again.
    pub lesson_text: Option<String>,
    /// The revisions the last lesson step wrote, for the timeline to highlight.
    pub explain: Option<Explain>,
    /// The commands run so far, oldest first: what Share and the script exports use.
    pub history: Vec<String>,
    /// Whether the state is kept in the browser's storage between visits.
    pub persist: bool,
    /// The real server the page is connected to, if it is (the embedded session is kept as it was).
    pub server: Option<remote::ServerSide>,
    /// Why the last connection attempt failed.
    pub server_error: Option<String>,
    /// What the open lesson made of the last typed line (a step done), for the terminal to say.
    pub lesson_news: Option<String>,
    /// Watch panes opened on the embedded engine, for the Watchers panel's next look (`watchers::news`).
    pub pane_news: Vec<(watchers::PaneWatch, String)>,
    /// The parts of the page this build has (see `Parts`).
    pub parts: &'static Parts,
    /// What this playground did, for a small module's hand-over (`handoff::EventsHandoff`); the whole app keeps
    /// none.
    pub log: Option<handoff::EventLog>,
}

/// The seams between the first load and the parts of the page loaded on first use. The whole app
/// (`Playground::new`) has every part; the first load (`Playground::new_first_load`) has none, so the lesson
/// runner, the page's NATS server and the real-server client are not linked into it. Each seam is a plain
/// function, so code that only the whole app reaches stays out of the smaller module.
pub struct Parts {
    /// Tells the open lesson about a typed line (see `Playground::lesson_typed`).
    pub lesson_typed: fn(&mut Playground, &str, &LineResult, bool) -> Option<String>,
    /// Lets the page's NATS server deliver what the engine did (see `Playground::serve_clients`).
    pub serve_clients: fn(&mut Playground),
    /// Moves the page's server on its protocol clock.
    pub serve_timeout: fn(&mut Playground, u64),
    /// Runs a lesson step on the embedded engine (see `Playground::run_step`): the lesson runner is not in the first
    /// load, which opens no lesson.
    pub run_step: fn(&mut Playground, usize, Nanos, bool) -> Option<StepReport>,
    /// The connected server as the page's link (`link::link` chooses it while connected).
    pub server_link: &'static dyn link::Link,
    /// Draws a lesson's code cell: one that runs (the whole app), or one that asks for the whole app to run.
    pub code_cell: fn(&components::cell_preview::CellSpec) -> yew::Html,
    /// Runs Python cells one after another (a lesson step's programs), then `then` once the last has ended.
    pub run_cells: fn(Vec<CellRun>, AfterCells),
    /// Tells `f` of every Python cell whose program ended (not stopped): the lesson counts what ran.
    pub watch_programs: fn(Option<ProgramEnded>),
    /// The open lesson for a hand-over (see `handoff::lesson_json`); the first load never has one.
    pub lesson_json: fn(&Playground) -> Option<String>,
    /// Why a step's exercise cannot be checked (the author's error, see `lesson::checks`): the whole app's, where
    /// lessons from addresses and workshops open; the lesson embed's built-in lessons have none.
    pub broken_check: fn(&crate::lesson::Step, &crate::lesson::Lesson) -> Option<String>,
    /// Performs the store's verbs that need a part (the lesson's, the connection's: `services`); the small
    /// modules drop them (their components never dispatch them).
    pub perform: fn(&store::Dispatch, store::Action),
    /// Restores the session kept from the last visit (see `load_saved_state`). Reading one back is the whole
    /// app's (the loader starts it at once for a visitor with a kept session): the first load, a newcomer's
    /// page, carries no reader of kept sessions.
    pub restore: fn(&mut Playground, Nanos) -> Result<Option<Restored>, String>,
    /// The hand-over to the whole app: the playground whole (`Handoff`, a module with a lesson), or what made it
    /// (`EventsHandoff`: the first load, the snippet embed, which so carry no engine serialiser).
    pub hand_over: HandOver,
}

/// A module's hand-over, as JSON (see `Parts::hand_over`).
pub type HandOver =
    fn(&Playground, &term_state::TermState, &str, &handoff::Intent, Option<(String, String)>) -> Result<String, String>;

fn broken_check(step: &crate::lesson::Step, lesson: &crate::lesson::Lesson) -> Option<String> {
    crate::lesson::checks::broken_check(step, &crate::lesson::checks::Created::of_lesson(lesson))
}

/// What runs once a step's cells have ended.
pub type AfterCells = Option<Box<dyn FnOnce()>>;

/// A Python cell to run: its namespace (the lesson), id, name in tracebacks, and the document's code (the cell's
/// edited code is run instead when the cell has been shown and edited).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellRun {
    pub ns: String,
    pub id: String,
    pub filename: String,
    pub code: String,
}

/// Told of a Python cell's program that ended: the cell's id, what it printed, the traceback it raised, the code
/// that ran.
pub type ProgramEnded = std::rc::Rc<dyn Fn(&str, &str, Option<&str>, &str)>;

/// Every part: the whole app.
pub static FULL: Parts = Parts {
    lesson_typed: Playground::lesson_typed,
    serve_clients: |pg| {
        let node = &mut pg.session.backend;
        node.server.pump(&node.engine);
        page_link::schedule();
    },
    serve_timeout: |pg, mono_ms| {
        pg.session.backend.handle_timeout(mono_ms);
        page_link::schedule();
    },
    run_step: Playground::run_step,
    server_link: &remote::ServerLink,
    code_cell: components::cell_preview::running_cell,
    run_cells: python::run_step_cells,
    watch_programs: python::watch_programs,
    lesson_json: handoff::lesson_json,
    broken_check,
    perform: services::perform_whole,
    restore: load_saved_state,
    hand_over: handoff::Handoff::json,
};

/// No part: the first load, which hands over to the whole app before any of them is needed (no lesson is
/// open, no client is connected, no real server is).
pub static FIRST_LOAD: Parts = SMALL;

/// The lesson embed: the lesson runner, and cells that hand over to the whole app to run (no client in the page,
/// no real server).
pub static LESSON: Parts = Parts {
    lesson_typed: Playground::lesson_typed,
    code_cell: components::cell_preview::cell_preview,
    lesson_json: handoff::lesson_json,
    run_step: Playground::run_step,
    perform: services::perform_lesson,
    hand_over: handoff::Handoff::json,
    ..SMALL
};

/// What the small modules lack: no page server, no real server, no cells that run.
const SMALL: Parts = Parts {
    lesson_typed: |_, _, _, _| None,
    serve_clients: |_| {},
    serve_timeout: |_, _| {},
    run_step: |_, _, _, _| None,
    server_link: &link::Embedded,
    code_cell: |_| yew::Html::default(),
    run_cells: |_, then| {
        if let Some(f) = then {
            f()
        }
    },
    watch_programs: |_| {},
    lesson_json: |_| None,
    broken_check: |_, _| None,
    perform: |_, _| {},
    restore: keep_saved_state,
    hand_over: handoff::EventsHandoff::json,
};

/// What the page's address asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlParams {
    /// A built-in lesson's name, or the address of a Markdown lesson (workshop mode).
    pub lesson: Option<String>,
    /// Zero-based.
    pub step: usize,
    /// "snippet", "lesson" or "code": the page is embedded in another.
    pub embed: Option<String>,
    /// "light" or "dark", when the host page says.
    pub theme: Option<String>,
    /// Embeds keep nothing unless asked (`persist=1`).
    pub persist: Option<bool>,
    /// The commands of an embedded snippet, packed as in a share link.
    pub cmds: Option<String>,
    /// Show the timeline in a snippet.
    pub timeline: bool,
    /// A shared session (`#share=...`).
    pub share: Option<String>,
    /// The language of a code embed: "python" or "javascript".
    pub lang: Option<String>,
    /// A code embed's program, UTF-8 in URL-safe base64.
    pub code: Option<String>,
    /// Which of the step's cells of `lang` a code embed shows (zero-based; `cell=1` is the first).
    pub cell: usize,
    /// A lesson embed of one step alone (`compact=1`): the step, its Run and its output.
    pub compact: bool,
}

fn unescape(v: &str) -> String {
    js_sys::decode_uri_component(v).ok().and_then(|s| s.as_string()).unwrap_or_else(|| v.to_string())
}

impl UrlParams {
    /// Reads `?lesson=NAME&step=N&embed=..&theme=..&persist=..&cmds=..&timeline=1&lang=..&code=..&cell=N` and
    /// `#share=...`.
    pub fn parse(search: &str, hash: &str) -> UrlParams {
        let mut p = UrlParams::default();
        for pair in search.trim_start_matches('?').split('&') {
            let Some((k, v)) = pair.split_once('=') else { continue };
            let v = if v.contains('%') && cfg!(target_arch = "wasm32") { unescape(v) } else { v.to_string() };
            match k {
                "lesson" if !v.is_empty() => p.lesson = Some(v),
                "step" => p.step = v.parse::<usize>().unwrap_or(1).max(1) - 1,
                "embed" if v == "snippet" || v == "lesson" || v == "code" => p.embed = Some(v),
                "lang" if v == "python" || v == "javascript" || v == "js" => {
                    p.lang = Some(if v == "js" { "javascript".to_string() } else { v })
                }
                "code" if !v.is_empty() => p.code = Some(v),
                "cell" => p.cell = v.parse::<usize>().unwrap_or(1).max(1) - 1,
                "theme" if v == "light" || v == "dark" => p.theme = Some(v),
                "persist" => p.persist = Some(v == "1" || v == "true"),
                "cmds" if !v.is_empty() => p.cmds = Some(v),
                "timeline" => p.timeline = v == "1" || v == "true",
                "compact" => p.compact = v == "1" || v == "true",
                _ => {}
            }
        }
        if let Some(s) = hash.trim_start_matches('#').strip_prefix("share=") {
            p.share = Some(s.to_string());
        }
        p
    }
}

/// What a lesson step did to a bucket: the revisions it wrote and the writes it had refused.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Explain {
    pub bucket: String,
    pub from: u64,
    pub to: u64,
    pub summary: String,
}

/// Each bucket's last revision and refused-write count, to see what a step changed.
pub(crate) fn marks(e: &Engine) -> Vec<(String, u64, usize)> {
    e.bucket_names()
        .into_iter()
        .filter_map(|b| e.bucket_stream(&b).map(|s| (b.clone(), s.state().last_seq, s.rejections().len())))
        .collect()
}

/// The playground's clock as a lesson sees it: a lesson's waits fast-forward it.
struct PlayLessonClock<'a> {
    clock: &'a mut PlayClock,
    real: Nanos,
}

impl LessonClock for PlayLessonClock<'_> {
    fn now(&self) -> Nanos {
        self.clock.now(self.real)
    }
    fn advance(&mut self, by: Nanos) {
        self.clock.fast_forward(self.real, by);
    }
}

impl Playground {
    /// The whole app's playground: every part.
    pub fn new(real: Nanos) -> Playground {
        // `--trace` writes its trace in the whole app; the small modules hand a traced line over to it.
        crate::cli::trace::install();
        // The built-in lessons are compiled into the whole app; the lesson module gets its one from the loader.
        crate::lesson::install_built_in();
        let mut pg = Playground::new_bare(real, &FULL);
        // Its server serves what only clients on the wire use (the page's Python and JavaScript clients).
        pg.session.backend.install_features();
        pg
    }

    /// A playground with `parts` (each module names only its own, so no other module's parts are linked in).
    fn new_bare(real: Nanos, parts: &'static Parts) -> Playground {
        let mut session = Session::new(crate::server::Standalone::embedded(real));
        session.display.tz_offset_secs = local_offset_secs();
        // The page's terminal shows colour, as a terminal does.
        session.display.color = true;
        Playground {
            session,
            clock: PlayClock::new(real),
            lesson: None,
            lesson_text: None,
            explain: None,
            history: Vec::new(),
            persist: false,
            server: None,
            server_error: None,
            lesson_news: None,
            pane_news: Vec::new(),
            parts,
            log: None,
        }
    }

    /// The playground of the first load, without the parts loaded on first use (see `Parts`).
    pub fn new_first_load(real: Nanos) -> Playground {
        let log = Some(handoff::EventLog { started: real, events: Vec::new() });
        Playground { log, ..Playground::new_bare(real, &FIRST_LOAD) }
    }

    /// The playground of the lesson embed: the lesson runner, and none of the other parts (see `Parts`).
    pub fn new_lesson(real: Nanos) -> Playground {
        Playground::new_bare(real, &LESSON)
    }

    /// Opens a lesson from Markdown text under a name (workshop mode: a lesson file from an address).
    pub fn open_lesson_text(&mut self, name: &str, markdown: &str) {
        self.lesson = Some((name.to_string(), LessonRun::new(crate::lesson::parse(markdown))));
        self.lesson_text = Some(markdown.to_string());
    }

    /// Puts another engine in place (an import or a restored session), keeping the clock, the time zone and the
    /// server's connections (the page's clients stay connected).
    pub fn load_engine(&mut self, engine: Engine) {
        self.new_session(engine);
        self.explain = None;
    }

    /// A new session (no watches, no question) over `engine`, on the same server and display.
    fn new_session(&mut self, engine: Engine) {
        let display = self.session.display;
        let server = self.session.backend.take_server();
        self.session = Session::new(crate::server::Standalone::with_server(server, engine));
        self.session.display = display;
    }

    /// Runs commands on a fresh engine as if typed, returning the transcript: a question is answered as the
    /// `confirm` line after its command says (yes when there is none, as older links were made), and
    /// `interrupt` is Ctrl-C.
    pub fn replay(&mut self, commands: &[String], real: Nanos) -> String {
        // Kept in the event log as one event, not as the lines it runs.
        let log = self.log.take();
        let t = self.replay_lines(commands, real);
        self.log = log;
        self.log(real, || handoff::PageEvent::Run(commands.to_vec()));
        t
    }

    fn replay_lines(&mut self, commands: &[String], real: Nanos) -> String {
        let now = self.clock.now(real);
        self.load_engine(Engine::new(now));
        let mut t = String::new();
        let mut lines = commands.iter().peekable();
        while let Some(c) = lines.next() {
            if c.trim() == "interrupt" {
                t.push_str("$ ^C\n");
                self.session.interrupt();
                self.history.push(c.clone());
                continue;
            }
            if crate::transfer::is_session_event(c) {
                // An answer with no question before it changes nothing.
                continue;
            }
            if let Some(d) = Line::sleep(c) {
                self.clock.fast_forward(real, d);
                t.push_str(&format!("$ {c}\n"));
                let out = self.session.advance(self.clock.now(real));
                t.push_str(&LineResult::done(out, true).text());
                self.history.push(c.clone());
                continue;
            }
            let mut r = self.run(c, real);
            t.push_str(&format!("$ {c}\n"));
            t.push_str(&r.text());
            // Ctrl-C at the question: the next line stops it, unanswered.
            if r.question.is_some() && lines.peek().map(|n| n.trim()) != Some("interrupt") {
                let yes = lines.peek().map(|n| n.trim()) != Some("confirm no");
                if lines.peek().is_some_and(|n| crate::transfer::is_session_event(n)) {
                    lines.next();
                }
                self.history.push(if yes { "confirm yes" } else { "confirm no" }.to_string());
                r = self.session.answer(yes);
                t.push_str(&r.text());
            }
        }
        t
    }

    /// Opens a built-in lesson by name (nothing changes if there is no such lesson).
    pub fn open_lesson(&mut self, name: &str) -> bool {
        match crate::lesson::built_in(name) {
            Some(l) => {
                self.lesson = Some((name.to_string(), LessonRun::new(l)));
                self.lesson_text = None;
                true
            }
            None => false,
        }
    }

    /// Runs a step of the open lesson; `solve` types an exercise's solution first.
    pub fn run_step(&mut self, i: usize, real: Nanos, solve: bool) -> Option<StepReport> {
        let before = marks(&self.session.backend.engine);
        let Playground { session, clock, lesson, history, .. } = self;
        let (_, run) = lesson.as_mut()?;
        let title = run.lesson.steps.get(i).map(|s| s.title.clone()).unwrap_or_default();
        let mut c = PlayLessonClock { clock, real };
        let report = run.run_step(i, session, &mut c, solve);
        workshop::verdict(i);
        // Everything the step typed, as the terminal shows it (a bucket the runner created, a revision it
        // adapted, an exercise's solution): Share and the exports then do what the step did.
        history.extend(
            report
                .transcript()
                .lines()
                .filter_map(|l| l.strip_prefix("$ "))
                .filter(|l| Line::recorded(l))
                .map(str::to_string),
        );
        let after = marks(&session.backend.engine);
        self.serve_clients();
        for (bucket, last, refused) in after {
            let (b_last, b_refused) =
                before.iter().find(|(b, _, _)| *b == bucket).map(|(_, l, r)| (*l, *r)).unwrap_or((0, 0));
            if last != b_last || refused != b_refused {
                let wrote = last.saturating_sub(b_last);
                let refusals = refused.saturating_sub(b_refused);
                let mut summary =
                    format!("the step \"{title}\" wrote {wrote} revision{}", if wrote == 1 { "" } else { "s" });
                if wrote > 0 {
                    summary.push_str(&format!(" ({}–{last})", b_last + 1));
                }
                if refusals > 0 {
                    summary.push_str(&format!(
                        " and had {refusals} write{} refused (✗), which took no revision",
                        if refusals == 1 { "" } else { "s" }
                    ));
                }
                self.explain = Some(Explain { bucket, from: b_last + 1, to: last.max(b_last + 1), summary });
                break;
            }
        }
        Some(report)
    }

    /// Ctrl-C: stops the running watches and drops a pending question (into the history when it did either, so
    /// a share link does it too). Returns how many watches stopped.
    pub fn interrupt(&mut self, real: Nanos) -> usize {
        self.log(real, || handoff::PageEvent::Interrupt);
        let had_question = self.session.question().is_some();
        let stopped = self.session.interrupt();
        if stopped > 0 || had_question {
            self.history.push("interrupt".to_string());
        }
        stopped
    }

    /// The clock's tick: what is due expires, running watches print. Kept in the event log when it did
    /// something.
    pub fn tick(&mut self, real: Nanos) -> Vec<crate::cli::exec::Chunk> {
        let now = self.clock.now(real);
        let due = self.log.is_some() && self.session.backend.engine.next_expiry().is_some_and(|at| at <= now);
        let chunks = self.session.advance(now);
        if due || !chunks.is_empty() {
            self.log(real, || handoff::PageEvent::Tick);
        }
        chunks
    }

    /// Pauses the clock, or resumes it.
    pub fn toggle_clock(&mut self, real: Nanos) {
        self.log(real, || handoff::PageEvent::ToggleClock);
        if self.clock.is_paused() {
            self.clock.resume(real);
        } else {
            self.clock.pause(real);
        }
    }

    /// Moves the clock forward (`label`: as the learner reads it, "10s"); Share and the exports replay the
    /// session, so the move goes into the history.
    pub fn move_clock(&mut self, real: Nanos, secs: i64, label: &str) -> Vec<crate::cli::exec::Chunk> {
        self.log(real, || handoff::PageEvent::MoveClock(secs, label.to_string()));
        self.clock.fast_forward(real, secs * crate::engine::time::NANOS_PER_SEC);
        self.history.push(format!("sleep {label}"));
        let now = self.clock.now(real);
        self.session.advance(now)
    }

    /// Starts the embedded server afresh (a lesson's Reset): buckets, watches and questions are gone.
    pub fn reset_server(&mut self, real: Nanos) {
        self.log(real, || handoff::PageEvent::Reset);
        let now = self.clock.now(real);
        self.new_session(Engine::new(now));
        if let Some((_, run)) = self.lesson.as_mut() {
            run.reset();
        }
        self.explain = None;
    }

    /// The buckets the views show: the embedded engine's, or a copy of the connected server's.
    /// Whether the learner can move the clock (the embedded server's; a real server keeps its own time).
    pub fn clock_moves(&self) -> bool {
        self.link().clock_moves()
    }

    /// Where the page's commands go now: the connected server's link, or the embedded engine (being connected is
    /// this choice, made here only).
    pub fn link(&self) -> &'static dyn link::Link {
        match self.server {
            Some(_) => self.parts.server_link,
            None => &link::Embedded,
        }
    }

    /// Reads an export the learner gave, with the buckets it would replace (`transfer::read_import`).
    pub fn read_import(&self, text: &str) -> Result<(crate::transfer::Export, Vec<String>), String> {
        crate::transfer::read_import(text, &self.session.backend.engine)
    }

    /// Puts an import's buckets beside the session's (a bucket of the same name is replaced).
    pub fn merge_import(&mut self, x: &crate::transfer::Export, real: Nanos) -> Result<(), String> {
        let engine = crate::transfer::merge_import(&self.session.backend.engine, x, self.clock.now(real))?;
        self.load_engine(engine);
        Ok(())
    }

    pub fn view(&self) -> &crate::server::Standalone {
        self.link().view(self)
    }

    /// Where the views' buckets come from, when it is not the embedded engine: the server, and whether the copy
    /// is partial or could not be read.
    pub fn view_source(&self) -> Option<String> {
        let s = self.server.as_ref()?;
        let mut t = format!("The buckets on {}, as read after the last command.", s.url);
        if let Some(n) = &s.mirror_note {
            t.push(' ');
            t.push_str(n);
        }
        Some(t)
    }

    /// The time the views read ages and TTLs at: the clock's, or the real time against a server.
    pub fn view_now(&self, real: Nanos) -> Nanos {
        self.link().view_now(self, real)
    }

    /// The real server the page is connected to (its address, without credentials), once connected: clients in
    /// the page (Python and JavaScript cells) then reach it instead of the page's own server.
    pub fn connected_url(&self) -> Option<String> {
        let s = self.server.as_ref()?;
        matches!(s.state, remote::ConnState::Connected { .. }).then(|| s.url.clone())
    }

    /// The watches running in the terminal's session (embedded or server).
    pub fn watch_count(&self) -> usize {
        self.link().watch_count(self)
    }

    /// The prompt the terminal shows: "$ ", or the question being asked.
    pub fn prompt(&self) -> String {
        prompt_for(self.link().question(self))
    }

    /// Tells the open lesson about a line the learner typed and what it did (`is_answer`: the line answered a
    /// question). Returns what to say in the terminal when a step is done. The lesson's checks read the buckets
    /// the views show (the embedded engine, or the server's copy).
    pub fn lesson_typed(&mut self, line: &str, r: &LineResult, is_answer: bool) -> Option<String> {
        let link = self.link();
        let engine = link.view_mut(&mut self.session, &mut self.server);
        let (_, run) = self.lesson.as_mut()?;
        let typed = if is_answer { run.answered(r, engine) } else { run.typed(line, r, engine) };
        let Some(Typed::StepDone { step, report }) = typed else { return None };
        workshop::verdict(step);
        let title = run.lesson.steps.get(step).map(|s| s.title.clone()).unwrap_or_default();
        let next = run.lesson.steps.get(step + 1).map(|s| format!("; Next goes on to \"{}\"", s.title));
        Some(match report.status {
            StepStatus::Fail => format!(
                "(lesson: you typed every command of step {} \"{title}\", but the output differs from the document's: see the lesson)",
                step + 1
            ),
            StepStatus::Pending => format!("(lesson: step {} \"{title}\": some checks are not met yet)", step + 1),
            _ if counts_as_done(&report) => {
                format!("(lesson: step {} \"{title}\" done, with what you typed{})", step + 1, next.unwrap_or_default())
            }
            _ => format!("(lesson: step {} \"{title}\" checked)", step + 1),
        })
    }

    /// Runs one line at the clock's time, remembering commands (not answers to questions) in the history. A
    /// line that is the open lesson's next command counts towards its current step.
    pub fn run(&mut self, line: &str, real: Nanos) -> LineResult {
        self.log(real, || handoff::PageEvent::Line(line.to_string()));
        let is_answer = self.session.question().is_some();
        let r = match Line::parse(line) {
            // A typed `sleep` moves the page's clock, as the clock bar's fast-forward does.
            Line::Sleep(d) if !is_answer => match crate::clock::later(self.clock.now(real), d) {
                Ok(_) => {
                    self.clock.fast_forward(real, d);
                    LineResult::done(self.session.advance(self.clock.now(real)), true)
                }
                Err(e) => return LineResult::done(vec![crate::cli::exec::Chunk::Err(format!("sleep: {e}\n"))], false),
            },
            _ => self.session.run_line(line, self.clock.now(real)),
        };
        let t = line.trim();
        if !is_answer && Line::recorded(t) {
            self.history.push(t.to_string());
        }
        // The answer goes into the history after its command, so a share link replays it as given.
        if is_answer && self.session.question().is_none() {
            let yes = matches!(t.to_ascii_lowercase().as_str(), "y" | "yes");
            self.history.push(if yes { "confirm yes" } else { "confirm no" }.to_string());
        }
        self.lesson_news = (self.parts.lesson_typed)(self, t, &r, is_answer).or(self.lesson_news.take());
        self.serve_clients();
        r
    }

    /// Lets the page's clients hear what the engine did outside the protocol (the terminal, a lesson, the
    /// clock): their consumers deliver it, on the link's next turn.
    pub fn serve_clients(&mut self) {
        (self.parts.serve_clients)(self)
    }

    /// The page's server on its protocol clock (heartbeats, consumers whose clients went away).
    pub fn serve_timeout(&mut self, mono_ms: u64) {
        (self.parts.serve_timeout)(self, mono_ms)
    }
}

/// Callbacks to call when something outside the components changes (the cells' views follow their runs).
#[derive(Default)]
pub struct Listeners {
    next: std::cell::Cell<u64>,
    map: RefCell<std::collections::BTreeMap<u64, yew::Callback<()>>>,
}

impl Listeners {
    /// Calls `f` on every change from now on; returns the id to unsubscribe with.
    pub fn subscribe(&self, f: yew::Callback<()>) -> u64 {
        let id = self.next.get() + 1;
        self.next.set(id);
        self.map.borrow_mut().insert(id, f);
        id
    }

    pub fn unsubscribe(&self, id: u64) {
        self.map.borrow_mut().remove(&id);
    }

    /// Calls every listener (outside the borrow, so a listener may subscribe or unsubscribe).
    pub fn notify(&self) {
        let ls: Vec<_> = self.map.borrow().values().cloned().collect();
        for f in ls {
            f.emit(());
        }
    }
}

/// A shared handle to the playground that compares by identity, for component properties.
#[derive(Clone)]
pub struct Shared(pub Rc<RefCell<Playground>>);

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The browser's time zone offset, so timestamps read as the CLI prints them: in local time.
fn local_offset_secs() -> i64 {
    if cfg!(target_arch = "wasm32") {
        -(js_sys::Date::new_0().get_timezone_offset() as i64) * 60
    } else {
        0
    }
}

/// Where the playground keeps its state in the browser.
const STATE_KEY: &str = "kvplay.state";
/// Where unreadable kept state is set aside, so nothing is silently dropped.
const STATE_ASIDE_KEY: &str = "kvplay.state.unreadable";

/// The browser's local storage, when the page may use it (a `file://` page or blocked third-party storage has
/// none: then nothing is kept, and nothing fails).
fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// A value kept in local storage, if there is storage and the value.
pub fn storage_get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Keeps a value in local storage; false when the browser has no storage for the page or refused.
pub fn storage_set(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

/// Forgets a value kept in local storage.
pub fn storage_remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// Keeps the engine, the history, the clock's offset and the terminal's newest lines in the browser's storage.
/// Returns a remark when it could not.
pub fn save_state(pg: &Playground, transcript: &[(String, String)]) -> Option<String> {
    let s = storage()?;
    // Nothing typed and no bucket: nothing is written, so a visitor who only looked (or started over) comes
    // back as a newcomer (the first load), and what another tab keeps stays.
    if pg.history.is_empty() && pg.session.backend.engine.bucket_names().is_empty() {
        return None;
    }
    let offset = pg.clock.offset(real_now());
    match crate::transfer::save_state(&pg.session.backend.engine, &pg.history, offset, transcript) {
        Some(json) => s
            .set_item(STATE_KEY, &json)
            .err()
            .map(|_| "(the browser refused to keep the session: its storage is full)".to_string()),
        None => Some("(this session is too large to keep in the browser; export it to keep it)".to_string()),
    }
}

/// A session kept from the last visit, restored: the commands typed and the terminal's lines.
pub type Restored = (Vec<String>, Vec<(String, String)>);

/// Restores kept state into the playground (the clock moved on as it was). `Ok(None)`: nothing was kept.
/// `Err`: what was kept could not be read; it is set aside under another name and the playground starts empty.
/// `Ok(Some((history, transcript)))` otherwise.
pub fn load_saved_state(pg: &mut Playground, real: Nanos) -> Result<Option<Restored>, String> {
    let Some(s) = storage() else { return Ok(None) };
    let Ok(Some(raw)) = s.get_item(STATE_KEY) else { return Ok(None) };
    match crate::transfer::load_state(&raw, real) {
        Ok(r) => {
            pg.clock = PlayClock::new(real);
            pg.clock.fast_forward(real, r.clock_offset);
            pg.load_engine(r.engine);
            pg.history = r.history.clone();
            Ok(Some((r.history, r.transcript)))
        }
        Err(e) => {
            let _ = s.set_item(STATE_ASIDE_KEY, &raw);
            let _ = s.remove_item(STATE_KEY);
            Err(format!("(the session kept from your last visit could not be restored: {e}. It was set aside in this browser's storage as \"{STATE_ASIDE_KEY}\"; the playground starts empty.)"))
        }
    }
}

/// The small modules' `restore`: they read no kept session. The loader gives a visitor with one to the whole
/// app; should one appear after it looked (another tab kept its session meanwhile), this page leaves it
/// untouched: it keeps nothing of its own and says why.
fn keep_saved_state(pg: &mut Playground, _real: Nanos) -> Result<Option<Restored>, String> {
    match storage().and_then(|s| s.get_item(STATE_KEY).ok().flatten()) {
        Some(_) => {
            pg.persist = false;
            Err("(a session from another visit is kept in this browser: reload the page to go on with it. Until then, nothing typed here is kept.)".to_string())
        }
        None => Ok(None),
    }
}

/// Forgets the kept state (Start over).
pub fn forget_saved_state() {
    if let Some(s) = storage() {
        let _ = s.remove_item(STATE_KEY);
    }
}

/// Says why a request for a lesson failed, which the browser does not tell: a page served over `https://` may not
/// read `http://` addresses (mixed content); otherwise a second request that does not ask to read the answer
/// (`no-cors`) tells a server that answers but does not allow this page to read it (cross-origin, CORS) from one
/// that cannot be reached.
async fn why_fetch_failed(w: &web_sys::Window, url: &str) -> String {
    let page = w.location().protocol().unwrap_or_default();
    let absolute = web_sys::Url::new_with_base(url, &w.location().href().unwrap_or_default()).ok();
    let scheme = absolute.as_ref().map(|u| u.protocol()).unwrap_or_default();
    let host = absolute.as_ref().map(|u| u.host()).unwrap_or_default();
    if page == "https:" && scheme == "http:" {
        return "this page is served over https://, and the browser does not let it read a plain http:// address (mixed content): serve the lesson over https://, or open the playground from an http:// address".to_string();
    }
    if scheme != "http:" && scheme != "https:" {
        return format!("the address is neither http:// nor https:// ({scheme})");
    }
    let opts = web_sys::RequestInit::new();
    opts.set_mode(web_sys::RequestMode::NoCors);
    let reached = wasm_bindgen_futures::JsFuture::from(w.fetch_with_str_and_init(url, &opts)).await.is_ok();
    if reached {
        format!("the server at {host} answered, but does not allow this page to read the file: it must send Access-Control-Allow-Origin (cross-origin access, CORS), or serve the playground itself")
    } else {
        format!("the server at {host} could not be reached (it is not running, or the address is wrong)")
    }
}

/// Fetches a text file (a workshop's lesson) from an address.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    let w = web_sys::window().ok_or("no window")?;
    let resp = match wasm_bindgen_futures::JsFuture::from(w.fetch_with_str(url)).await {
        Ok(r) => r,
        Err(_) => return Err(why_fetch_failed(&w, url).await),
    };
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| "no response".to_string())?;
    if !resp.ok() {
        return Err(format!("the server answered {}", resp.status()));
    }
    let text = wasm_bindgen_futures::JsFuture::from(resp.text().map_err(|_| "no body".to_string())?)
        .await
        .map_err(|_| "the body could not be read".to_string())?;
    let text = text.as_string().ok_or("the body is not text")?;
    if text.len() > 1 << 20 {
        return Err("the lesson is larger than 1 MiB".to_string());
    }
    Ok(text)
}

/// The prompt for a session asking `question` (or nothing): "$ ", or the question.
pub fn prompt_for(question: Option<&str>) -> String {
    match question {
        Some(q) => format!("? {q} (y/N) "),
        None => "$ ".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::KvBackend;

    const T0: Nanos = 1_767_225_600_000_000_000;

    #[test]
    fn sleeps_past_the_clocks_end_are_refused_and_nothing_overflows() {
        let mut pg = Playground::new(T0);
        assert!(pg.run("sleep 150y", T0).ok);
        let r = pg.run("sleep 150y", T0);
        assert!(!r.ok && r.text().contains("stops at 2200-01-01"), "{:?}", r.text());
        assert!(!pg.run("sleep 100000000000000000000s", T0).ok);
        assert_eq!(pg.history.iter().filter(|l| l.starts_with("sleep")).count(), 1, "{:?}", pg.history);
        // The store still works at that time, with a TTL that would pass the end of i64 time.
        pg.run("nats kv add late --ttl 100y", T0);
        assert_eq!(pg.run("nats kv put late k v", T0).text(), "v\n");
        assert_eq!(pg.run("nats kv get late k --raw", T0).text(), "v");
        // The clock bar's fast-forward stops at the end too.
        for _ in 0..200 {
            pg.clock.fast_forward(T0, 365 * 24 * 3_600_000_000_000);
        }
        assert_eq!(pg.clock.now(T0), crate::clock::LATEST);
        assert!(pg.run("nats kv get late k --raw", T0 + 1_000_000_000).ok);
    }

    #[test]
    fn a_typed_sleep_moves_the_clock_and_a_reload_moves_it_again() {
        let mut pg = Playground::new(T0);
        pg.run("nats kv add ttl --ttl 5s", T0);
        pg.run("nats kv put ttl k v", T0);
        let r = pg.run("sleep 6s", T0);
        assert!(r.ok && r.text().is_empty(), "{:?}", r.text());
        assert_eq!(pg.clock.now(T0), T0 + 6_000_000_000, "the page's clock moved by the sleep");
        assert!(pg.run("nats kv get ttl k", T0).text().contains("key not found"), "the value's TTL ran out");
        assert_eq!(pg.history.iter().filter(|l| l.starts_with("sleep")).count(), 1, "{:?}", pg.history);
        let bad = pg.run("sleep soon", T0);
        assert!(!bad.ok && bad.text().contains("sleep: invalid time interval 'soon'"), "{:?}", bad.text());
        assert_eq!(pg.clock.now(T0), T0 + 6_000_000_000, "a sleep it cannot read moves nothing");
        assert!(!pg.history.iter().any(|l| l.contains("soon")), "a bad sleep is not replayed: {:?}", pg.history);
    }

    #[test]
    fn a_lesson_step_goes_into_the_history_as_it_ran_so_a_share_link_replays_it() {
        let mut pg = Playground::new(T0);
        assert!(pg.open_lesson("cli"));
        let i = pg.lesson.as_ref().and_then(|(_, r)| r.lesson.steps.iter().position(|s| s.title == "Your turn"));
        let report = i.and_then(|i| pg.run_step(i, T0, true)).expect("the exercise ran");
        assert!(!report.solution.is_empty());
        assert_eq!(pg.history, vec!["nats kv add inventory --history 3", "nats kv put inventory apples 12"]);
        let mut other = Playground::new(T0);
        other.replay(&pg.history.clone(), T0);
        assert_eq!(other.session.backend.get("inventory", "apples").map(|e| e.value).ok(), Some(b"12".to_vec()));
    }

    #[test]
    fn a_share_link_replays_ctrl_c_and_the_answers_as_given() {
        let mut pg = Playground::new(T0);
        pg.run("nats kv add b", T0);
        pg.run("nats kv put b k v1", T0);
        pg.run("nats kv watch b", T0);
        // Ctrl-C, as the terminal records it.
        assert_eq!(pg.session.interrupt(), 1);
        pg.history.push("interrupt".into());
        assert!(pg.run("nats kv del b k", T0).question.is_some());
        pg.run("n", T0);
        assert!(pg.run("nats kv purge b k", T0).question.is_some());
        pg.run("yes", T0);
        assert_eq!(
            pg.history,
            [
                "nats kv add b",
                "nats kv put b k v1",
                "nats kv watch b",
                "interrupt",
                "nats kv del b k",
                "confirm no",
                "nats kv purge b k",
                "confirm yes"
            ]
        );
        let link = crate::transfer::encode_share(&pg.history).expect("a link");
        let cmds = crate::transfer::decode_share(&link).expect("it opens");
        let mut other = Playground::new(T0);
        let t = other.replay(&cmds, T0);
        assert_eq!(other.session.interrupt(), 0, "the watch was stopped: {t}");
        assert!(t.contains("Delete key b > k? No"), "{t}");
        // The delete answered no did nothing; the purge answered yes left one marker.
        let h = other.session.backend.history("b", "k").expect("the key's history");
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(other.history, pg.history);
        // The exports leave the answered-no delete out and purge without asking.
        let script = crate::transfer::cli_script(&pg.history);
        assert!(
            !script.contains("kv del") && script.contains("nats kv purge -f b k") && !script.contains("confirm"),
            "{script}"
        );
    }
}
