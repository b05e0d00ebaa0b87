//! The first load's hand-over to the whole app: everything the page holds, so the whole app goes on exactly where
//! the first load was (the engine whole, with its journal; the terminal's watches and the server's consumers behind
//! them, each resuming after what it received; the terminal's lines and history;
//! the clock; the half-typed line) and then does what the visitor asked for (the intent).
//!
//! The first load (`lite` in the build) has the engine, the command language, the terminal, the bucket explorer
//! and the clock. When a visitor opens anything else, it serialises a `Handoff`, leaves it on the page's window,
//! unmounts, and the page starts the whole app, which takes the hand-over instead of the kept session.

use serde::{Deserialize, Serialize};

use crate::app::term_state::{kept, TermState, MAX_LINES};
use crate::app::{Explain, Playground};
use crate::lesson::LessonRun;

use crate::clock::PlayClock;
use crate::engine::Engine;
use crate::session::ActiveWatch;

/// The hand-over's format name and version; both sides come from one build, so this only guards against a
/// stale page.
pub const FORMAT: &str = "kvplay-handoff/1";

/// The hand-over of the first load and the snippet embed: its format name and version.
pub const EVENTS_FORMAT: &str = "kvplay-events-handoff/1";

/// What a small module did to its playground (`EventLog`), each done by one method of `Playground` so the whole
/// app does exactly the same again (`EventsHandoff::into_handoff`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageEvent {
    /// Commands run on an empty server (`Playground::replay`): a share link opened, a snippet's Run.
    Run(Vec<String>),
    /// A line typed, pasted or sent by a host page (`Playground::run`), an answer to a question too.
    Line(String),
    /// Ctrl-C (`Playground::interrupt`).
    Interrupt,
    /// A host page's `kvplay:reset` (`Playground::reset_server`).
    Reset,
    /// The clock's tick moved the session on (something was due, or a watch printed).
    Tick,
    /// The clock paused or resumed (`Playground::toggle_clock`).
    ToggleClock,
    /// The clock moved forward (`Playground::move_clock`: seconds, and the label the history keeps).
    MoveClock(i64, String),
}

/// What a small module did, each at the real time it happened, since its playground started.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EventLog {
    pub started: crate::engine::Nanos,
    pub events: Vec<(crate::engine::Nanos, PageEvent)>,
}

impl Playground {
    /// Does one event at real time `real` (and keeps it in the event log, where the playground keeps one).
    pub fn replay_event(&mut self, real: crate::engine::Nanos, event: &PageEvent) {
        match event {
            PageEvent::Run(commands) => {
                self.replay(commands, real);
            }
            PageEvent::Line(line) => {
                self.run(line, real);
            }
            PageEvent::Interrupt => {
                self.interrupt(real);
            }
            PageEvent::Reset => self.reset_server(real),
            PageEvent::Tick => {
                self.tick(real);
            }
            PageEvent::ToggleClock => self.toggle_clock(real),
            PageEvent::MoveClock(secs, label) => {
                self.move_clock(real, *secs, label);
            }
        }
    }

    /// Keeps an event in the log (small modules: their hand-over), if the playground keeps one; the whole app,
    /// which keeps none, does not even make it.
    pub fn log(&mut self, real: crate::engine::Nanos, event: impl FnOnce() -> PageEvent) {
        if let Some(log) = self.log.as_mut() {
            log.events.push((real, event()));
        }
    }
}

/// A small module's hand-over (the first load's, the snippet embed's): not its engine but what made it. Its
/// state is what its events did at the times they happened, so the whole app does the same again at the same
/// times (`into_handoff`) and has the same state, journal and times included; the small modules so carry no
/// engine serialiser. The terminal's lines, history and half-typed line come as they are.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventsHandoff {
    pub format: String,
    pub log: EventLog,
    pub persist: bool,
    pub lines: Vec<(String, String)>,
    pub term_history: Vec<String>,
    pub input: String,
    pub intent: String,
    pub file: Option<(String, String)>,
}

impl EventsHandoff {
    /// What a small module hands over (`Parts::hand_over`).
    pub fn json(
        pg: &Playground,
        term: &TermState,
        input: &str,
        intent: &Intent,
        file: Option<(String, String)>,
    ) -> Result<String, String> {
        let h = EventsHandoff {
            format: EVENTS_FORMAT.into(),
            log: pg.log.clone().unwrap_or_default(),
            persist: pg.persist,
            lines: handed_lines(pg, term),
            term_history: term.history.clone(),
            input: input.to_string(),
            intent: intent.name(),
            file,
        };
        serde_json::to_string(&h).map_err(|e| e.to_string())
    }

    /// The small module's playground made again in the whole app: its events done again at their times.
    pub fn into_handoff(self) -> Handoff {
        let mut pg = Playground::new(self.log.started);
        for (real, event) in &self.log.events {
            pg.replay_event(*real, event);
        }
        pg.persist = self.persist;
        let intent = Intent::parse(&self.intent).unwrap_or(Intent::Tab("timeline".into()));
        let mut h = Handoff::take(&pg, &TermState::default(), &self.input, &intent, self.file);
        h.lines = self.lines;
        h.term_history = self.term_history;
        h
    }
}

/// Where the hand-over waits on the page's window between the two modules.
pub const GLOBAL: &str = "kvplayHandoff";

/// What the first load hands over.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Handoff {
    pub format: String,
    pub engine: Engine,
    /// The server's consumers behind the terminal's watches, made again on the whole app's server.
    pub consumers: crate::server::local::Consumers,
    pub watches: Vec<ActiveWatch>,
    pub clock: PlayClock,
    /// The commands run so far (Share and the exports use them).
    pub history: Vec<String>,
    pub persist: bool,
    /// The terminal's lines as (kind, text), and its Up/Down history.
    pub lines: Vec<(String, String)>,
    pub term_history: Vec<String>,
    /// The command line as typed so far.
    pub input: String,
    /// What the visitor asked for (see `Intent`).
    pub intent: String,
    /// A file picked for Import in the first load: its name and text.
    pub file: Option<(String, String)>,
    /// The open lesson (the lesson embed's) with everything its runner has seen, and the revisions its last
    /// step wrote.
    /// (`lesson_json`: the name, the Markdown of a lesson not built in, and the run)
    #[serde(default)]
    pub lesson: Option<String>,
    #[serde(default)]
    pub explain: Option<Explain>,
    /// Code cells the visitor edited before the whole app took over, by cell id.
    #[serde(default)]
    pub cells: Vec<(String, String)>,
    /// A code embed's host page asked to run the program (`kvplay:run`): the whole app answers it with
    /// `kvplay:result`.
    #[serde(default)]
    pub host_run: Option<HostRun>,
}

/// A host page's `kvplay:run` of a code embed, with its id if it gave one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostRun {
    pub id: Option<f64>,
}

/// What the visitor did that needs the whole app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// A tab beside the terminal: "lesson", "buckets", "timeline", "watchers" or "code".
    Tab(String),
    /// A built-in lesson picked from the list.
    Lesson(String),
    /// A button of the session bar: "share", "embed", "export:json", "export:sh", ..., "import", "start-over".
    Session(String),
    /// The real-server connection control.
    Connect,
    /// A client in the page (a `kvplay_connect` from the page's scripts).
    Client,
    /// Run step N (zero-based) of the open lesson: its Python programs need the whole app.
    Step(usize),
    /// Run the steps step N (zero-based) builds on ("Run those steps first"), when programs are among them.
    RunBefore(usize),
    /// Run all of the open lesson, when it has programs.
    RunAll,
    /// Run the code cell with this id (`cli/2/0`, `js:python/3/0`).
    Cell(String),
    /// Run these terminal lines (one per line of the text): they asked for `--trace`, which the whole app writes.
    Run(String),
}

impl Intent {
    pub fn parse(s: &str) -> Option<Intent> {
        let (kind, arg) = s.split_once(':').unwrap_or((s, ""));
        let arg = arg.to_string();
        match kind {
            "tab" if ["lesson", "buckets", "timeline", "watchers", "code", "python"].contains(&arg.as_str()) => {
                Some(Intent::Tab(arg))
            }
            "lesson" if !arg.is_empty() => Some(Intent::Lesson(arg)),
            "session" if !arg.is_empty() => Some(Intent::Session(arg)),
            "connect" => Some(Intent::Connect),
            "client" => Some(Intent::Client),
            "step" => arg.parse().ok().map(Intent::Step),
            "run-before" => arg.parse().ok().map(Intent::RunBefore),
            "run-all" => Some(Intent::RunAll),
            "cell" if !arg.is_empty() && arg.len() < 200 => Some(Intent::Cell(arg)),
            "run" if !arg.is_empty() => Some(Intent::Run(arg)),
            _ => None,
        }
    }

    pub fn name(&self) -> String {
        match self {
            Intent::Tab(t) => format!("tab:{t}"),
            Intent::Lesson(l) => format!("lesson:{l}"),
            Intent::Session(s) => format!("session:{s}"),
            Intent::Connect => "connect".into(),
            Intent::Client => "client".into(),
            Intent::Step(n) => format!("step:{n}"),
            Intent::RunBefore(n) => format!("run-before:{n}"),
            Intent::RunAll => "run-all".into(),
            Intent::Cell(id) => format!("cell:{id}"),
            Intent::Run(lines) => format!("run:{lines}"),
        }
    }

    fn is_javascript(&self) -> bool {
        matches!(self, Intent::Cell(id) if id.starts_with("js:"))
    }

    /// What the page says while the part loads.
    pub fn loading(&self) -> String {
        let what = match self {
            Intent::Tab(t) if t == "timeline" => "the timeline",
            Intent::Tab(t) if t == "watchers" => "the watchers",
            Intent::Tab(t) if t == "code" => "the client code view",
            Intent::Tab(t) if t == "python" => "the Python console",
            Intent::Tab(_) | Intent::Lesson(_) => "the lesson",
            Intent::Session(s) if s == "share" => "sharing",
            Intent::Session(s) if s == "embed" => "the embed code",
            Intent::Session(s) if s.starts_with("export") || s == "import" => "export and import",
            Intent::Session(_) => "the session controls",
            Intent::Connect => "the server connection",
            Intent::Client => "the page's NATS server",
            Intent::Step(_) | Intent::Cell(_) if self.is_javascript() => "the JavaScript client",
            Intent::Step(_) | Intent::Cell(_) | Intent::RunBefore(_) | Intent::RunAll => "Python",
            Intent::Run(_) => "the API tracer",
        };
        format!("Loading {what}…")
    }
}

impl Handoff {
    /// What a module with a lesson hands over (`Parts::hand_over`): its playground whole.
    pub fn json(
        pg: &Playground,
        term: &TermState,
        input: &str,
        intent: &Intent,
        file: Option<(String, String)>,
    ) -> Result<String, String> {
        Handoff::take(pg, term, input, intent, file).to_json()
    }

    /// Takes what the page holds. A question the terminal was asking is not carried: it is cancelled, and the
    /// terminal says so.
    pub fn take(
        pg: &Playground,
        term: &TermState,
        input: &str,
        intent: &Intent,
        file: Option<(String, String)>,
    ) -> Handoff {
        let lines = handed_lines(pg, term);
        Handoff {
            format: FORMAT.into(),
            engine: pg.session.backend.engine.clone(),
            consumers: pg.session.backend.in_process.clone(),
            watches: pg.session.watches().to_vec(),
            clock: pg.clock,
            history: pg.history.clone(),
            persist: pg.persist,
            lines,
            term_history: term.history.clone(),
            input: input.to_string(),
            intent: intent.name(),
            file,
            lesson: (pg.parts.lesson_json)(pg),
            explain: pg.explain.clone(),
            cells: CELL_EDITS.with(|c| c.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            host_run: HOST_RUN.with(|h| h.get()),
        }
    }

    pub fn to_json(&self) -> Result<String, String> {
        serde_json::to_string(self).map_err(|e| e.to_string())
    }

    pub fn from_json(s: &str) -> Result<Handoff, String> {
        let h: Handoff = serde_json::from_str(s).map_err(|e| format!("the hand-over could not be read ({e})"))?;
        if h.format != FORMAT {
            return Err(format!("the hand-over has format {:?}", h.format));
        }
        Ok(h)
    }

    /// Moves the engine, and puts the watches, the clock and the history, into the whole app's playground (the
    /// hand-over keeps an empty engine: the rest of it is what the page shows next).
    pub fn apply(&mut self, pg: &mut Playground) {
        pg.load_engine(std::mem::replace(&mut self.engine, Engine::new(0)));
        pg.session.backend.resume_in_process(std::mem::take(&mut self.consumers));
        pg.session.resume_watches(self.watches.clone());
        pg.clock = self.clock;
        pg.history = self.history.clone();
        pg.persist = self.persist;
        pg.lesson = self.lesson.take().and_then(|j| lesson_from_json(&j, pg));
        pg.explain = self.explain.take();
        CELL_EDITS.with(|c| self.cells.drain(..).for_each(|(k, v)| c.borrow_mut().insert(k, v)));
        if let Some(i) = Intent::parse(&self.intent) {
            PENDING.with(|p| *p.borrow_mut() = Some(i));
        }
        HOST_RUN.with(|h| h.set(self.host_run.take()));
    }
}

/// The terminal's lines as the whole app takes them (a pending question is cancelled: it is asked again).
fn handed_lines(pg: &Playground, term: &TermState) -> Vec<(String, String)> {
    let mut lines = kept(&term.lines, MAX_LINES);
    if let Some(q) = pg.session.question() {
        lines.push(("note".into(), format!("(the question \"{q}\" was cancelled: answer it again)")));
    }
    lines
}

/// The open lesson in a hand-over: its name, its Markdown when it is not built in, and its run.
#[derive(Serialize, Deserialize)]
struct LessonState {
    name: String,
    text: Option<String>,
    run: LessonRun,
}

/// The open lesson as the hand-over carries it (`Parts::lesson_json`).
pub fn lesson_json(pg: &Playground) -> Option<String> {
    let (name, run) = pg.lesson.as_ref()?;
    let text = pg.lesson_text.clone();
    serde_json::to_string(&LessonState { name: name.clone(), text, run: run.clone() }).ok()
}

/// The lesson a hand-over carries, parsed again (a lesson that cannot be read is left closed).
fn lesson_from_json(json: &str, pg: &mut Playground) -> Option<(String, LessonRun)> {
    let st: LessonState = serde_json::from_str(json).ok()?;
    let lesson = match &st.text {
        Some(t) => crate::lesson::parse(t),
        None => crate::lesson::built_in(&st.name)?,
    };
    // Both sides come from one build; a run that does not fit its lesson is not taken.
    if st.run.reports.len() != lesson.steps.len() {
        return None;
    }
    pg.lesson_text = st.text;
    let mut run = st.run;
    run.lesson = lesson;
    Some((st.name, run))
}

thread_local! {
    /// Code cells' edited code by cell id: kept by the lesson embed's cells for the hand-over, and read by the
    /// whole app's cells as their first code.
    static CELL_EDITS: std::cell::RefCell<crate::engine::index::TextMap> = Default::default();
    /// What the visitor asked the whole app to do once it runs (a step or a cell to run), until a view does it.
    static PENDING: std::cell::RefCell<Option<Intent>> = const { std::cell::RefCell::new(None) };
    /// A host page's `kvplay:run` of a code embed (its id, if it gave one) waiting for the whole app.
    static HOST_RUN: std::cell::Cell<Option<HostRun>> = const { std::cell::Cell::new(None) };
}

/// Remembers that a code embed's host asked to run the program (a small module, before the hand-over).
pub fn keep_host_run(id: Option<f64>) {
    HOST_RUN.with(|h| h.set(Some(HostRun { id })));
}

/// The host's run the hand-over carried, for the whole app's code embed to answer (only once).
pub fn take_host_run() -> Option<HostRun> {
    HOST_RUN.with(|h| h.take())
}

/// Remembers a cell's code as the visitor edited it (before the whole app takes over).
pub fn keep_edit(id: &str, code: &str) {
    CELL_EDITS.with(|c| c.borrow_mut().insert(id.to_string(), code.to_string()));
}

/// A cell's code as the visitor left it before the hand-over, if they edited it.
pub fn edited(id: &str) -> Option<String> {
    CELL_EDITS.with(|c| c.borrow().get(id).cloned())
}

/// Takes the hand-over's intent if `wanted` says it is the caller's to do (a step to run, a cell to run).
pub fn take_pending(wanted: impl Fn(&Intent) -> bool) -> Option<Intent> {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if p.as_ref().is_some_and(wanted) {
            p.take()
        } else {
            None
        }
    })
}

/// Leaves the hand-over on the page's window for the whole app.
pub fn stash(json: &str) -> bool {
    let Some(w) = web_sys::window() else { return false };
    js_sys::Reflect::set(&w, &GLOBAL.into(), &json.into()).unwrap_or(false)
}

/// Takes the hand-over the first load left, if it left one (only once: it is removed from the window).
pub fn take_stashed() -> Option<Result<Handoff, String>> {
    let w = web_sys::window()?;
    let v = js_sys::Reflect::get(&w, &GLOBAL.into()).ok()?;
    let s = v.as_string()?;
    let _ = js_sys::Reflect::delete_property(&w, &GLOBAL.into());
    if s.contains(EVENTS_FORMAT) {
        if let Ok(h) = serde_json::from_str::<EventsHandoff>(&s) {
            if h.format == EVENTS_FORMAT {
                return Some(Ok(h.into_handoff()));
            }
        }
    }
    Some(Handoff::from_json(&s))
}

// The sending side: a small module (the first load, the lesson embed) registers its state, and the page's loader
// calls `hand_over` then `retire` once the whole app's module is ready.

/// What the page's loader takes from a small module when it starts the whole app.
struct Live {
    shared: crate::app::Shared,
    store: yew::UseReducerHandle<crate::app::store::PageState>,
    file: Option<(String, String)>,
}

thread_local! {
    static LIVE: std::cell::RefCell<Option<Live>> = const { std::cell::RefCell::new(None) };
    /// Unmounts the small module's app.
    static UNMOUNT: std::cell::RefCell<Option<Box<dyn FnOnce()>>> = const { std::cell::RefCell::new(None) };
}

/// Registers (on every render) what a hand-over would take: the playground and the terminal.
pub fn register(shared: &crate::app::Shared, store: &yew::UseReducerHandle<crate::app::store::PageState>) {
    LIVE.with(|l| {
        let mut l = l.borrow_mut();
        let file = l.as_mut().and_then(|x| x.file.take());
        *l = Some(Live { shared: shared.clone(), store: store.clone(), file });
    });
}

/// Mounts a small module's app (`C`), so `retire` can unmount it.
pub fn mount<C: yew::BaseComponent<Properties = ()>>() {
    let handle = yew::Renderer::<C>::new().render();
    on_retire(Box::new(move || handle.destroy()));
}

/// What `retire` does to take a small module off the page (a module drawn without Yew says it here).
pub fn on_retire(unmount: Box<dyn FnOnce()>) {
    UNMOUNT.with(|u| *u.borrow_mut() = Some(unmount));
}

/// Keeps a file picked for Import, for the whole app to import.
pub fn keep_file(name: String, text: String) {
    LIVE.with(|l| {
        if let Some(live) = l.borrow_mut().as_mut() {
            live.file = Some((name, text));
        }
    });
}

/// The command line as typed so far.
fn typed_line() -> String {
    use wasm_bindgen::JsCast;
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("term-input"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Serialises the small module's state for the whole app and leaves it on the window (`stash`), for `intent`.
/// Called by the page's loader once the whole app's module is ready, just before it starts it. Returns false
/// when there is nothing to hand over (no small module is running).
pub fn hand_over(intent: &str) -> Result<bool, String> {
    LIVE.with(|l| {
        let l = l.borrow();
        let Some(live) = l.as_ref() else { return Ok(false) };
        let pg = live.shared.0.borrow();
        leave(&pg, &live.store.term, &typed_line(), intent, live.file.clone())
    })
}

/// Serialises a small module's playground and terminal for `intent` and leaves it on the window (`stash`).
pub fn leave(
    pg: &Playground,
    term: &TermState,
    input: &str,
    intent: &str,
    file: Option<(String, String)>,
) -> Result<bool, String> {
    let intent = Intent::parse(intent).ok_or_else(|| format!("unknown part {intent:?}"))?;
    Ok(stash(&(pg.parts.hand_over)(pg, term, input, &intent, file)?))
}

/// Unmounts the small module's app (its clock tick and listeners stop) and forgets its state.
pub fn retire() {
    LIVE.with(|l| l.borrow_mut().take());
    if let Some(f) = UNMOUNT.with(|u| u.borrow_mut().take()) {
        f();
    }
}

/// Asks the page's loader for the whole app (`kvplayParts.load`); resolves when it has taken over, fails when
/// it could not be fetched (the small module then goes on as it was).
pub async fn load_whole_app(intent: &Intent) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let (parts, load) = loader("load").ok_or("no loader")?;
    let p = load.call1(&parts, &intent.name().into()).map_err(|e| format!("{e:?}"))?;
    let p: js_sys::Promise = p.dyn_into().map_err(|_| "the loader gave no promise")?;
    wasm_bindgen_futures::JsFuture::from(p)
        .await
        .map(|_| ())
        .map_err(|e| e.as_string().unwrap_or_else(|| "the rest of the playground could not be loaded".into()))
}

/// Hands lines that asked for `--trace` to the whole app, which writes traces and runs them once it has taken
/// over (`Intent::Run`); `failed` is told why when it could not be loaded (the lines are still the caller's to
/// run). False where there is no loader to ask.
pub fn run_in_whole_app(lines: &[String], failed: impl FnOnce(String) + 'static) -> bool {
    if loader("load").is_none() {
        return false;
    }
    let intent = Intent::Run(lines.join("\n"));
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = load_whole_app(&intent).await {
            failed(e);
        }
    });
    true
}

/// Starts fetching the whole app without starting it (`kvplayParts.prefetch`), when the visitor is about to
/// press a control that needs it (the pointer is over it, or the keyboard on it).
pub fn prefetch() {
    if let Some((parts, f)) = loader("prefetch") {
        let _ = f.call0(&parts);
    }
}

/// The page's loader (`window.kvplayParts`) and one of its methods.
fn loader(method: &str) -> Option<(wasm_bindgen::JsValue, js_sys::Function)> {
    use wasm_bindgen::JsCast;
    let w: wasm_bindgen::JsValue = web_sys::window()?.into();
    let parts = js_sys::Reflect::get(&w, &"kvplayParts".into()).ok()?;
    let f = js_sys::Reflect::get(&parts, &method.into()).ok()?.dyn_into().ok()?;
    Some((parts, f))
}

/// The entry point of a small module: mounts `$app` and exports what the page's loader calls to hand over to
/// the whole app (`kvplay_hand_over(intent)`, then `kvplay_retire()`).
#[macro_export]
macro_rules! small_module {
    ($app:ty) => {
        fn main() {
            $crate::app::handoff::mount::<$app>();
        }

        /// Leaves this module's state on the window for the whole app, for the part the visitor asked for
        /// (`tab:timeline`, `lesson:cli`, `step:2`, `cell:python/3/0`, `session:share`, `connect`, ...).
        #[wasm_bindgen::prelude::wasm_bindgen]
        pub fn kvplay_hand_over(intent: String) -> Result<bool, wasm_bindgen::JsValue> {
            $crate::app::handoff::hand_over(&intent).map_err(|e| wasm_bindgen::JsValue::from_str(&e))
        }

        /// Unmounts this module's app, so the whole app can mount in its place.
        #[wasm_bindgen::prelude::wasm_bindgen]
        pub fn kvplay_retire() {
            $crate::app::handoff::retire();
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::term_state::TermAction;
    use std::rc::Rc;
    use yew::Reducible;

    const T0: i64 = 1_767_225_600_000_000_000;

    #[test]
    fn intents_round_trip_and_unknown_ones_are_refused() {
        for s in ["tab:timeline", "lesson:cli", "session:export:json", "connect", "client", "step:3", "cell:js:cli/1/0"]
        {
            assert_eq!(Intent::parse(s).map(|i| i.name()).as_deref(), Some(s));
        }
        assert_eq!(Intent::parse("tab:nothing"), None);
        assert_eq!(Intent::parse("lesson:"), None);
        assert_eq!(Intent::parse("step:x"), None);
        assert_eq!(Intent::parse("cell:"), None);
        assert_eq!(Intent::parse("<script>"), None);
    }

    #[test]
    fn the_whole_app_goes_on_where_the_first_load_was() {
        let mut lite = Playground::new_first_load(T0);
        for l in ["nats kv add b --history 2 --ttl 1m", "nats kv put b k 1", "nats kv put b k 2", "nats kv put b k 3"] {
            lite.run(l, T0);
        }
        let w = lite.run("nats kv watch b", T0);
        assert!(w.ok);
        lite.clock.fast_forward(T0, 5_000_000_000);
        let mut term = Rc::new(TermState::default());
        term = term.reduce(TermAction::Echo { prompt: "$ ".into(), line: "nats kv put b k 3".into() });
        let h = Handoff::take(&lite, &term, "nats kv ge", &Intent::Tab("timeline".into()), None);
        let mut back = Handoff::from_json(&h.to_json().expect("serialises")).expect("reads back");
        let mut full = Playground::new(T0);
        back.apply(&mut full);
        // The journal of removed revisions (history limit) comes across, so the timeline can explain them.
        let a = lite.session.backend.bucket_stream("b").expect("stream");
        let b = full.session.backend.bucket_stream("b").expect("stream");
        assert_eq!(format!("{:?}", a.journal()), format!("{:?}", b.journal()));
        assert_eq!(full.clock.now(T0), lite.clock.now(T0));
        assert_eq!(full.history, lite.history);
        assert_eq!(back.input, "nats kv ge");
        // The running watch goes on: a write after the hand-over reaches it.
        assert_eq!(full.session.watches().len(), 1);
        let r = full.run("nats kv put b k 4", T0);
        assert!(r.ok);
        let seen = format!("{}{:?}", r.text(), full.session.advance(full.clock.now(T0)));
        assert!(seen.contains("PUT\x1b[0m b > k: 4"), "{seen}");
        // And the whole app has its parts again.
        assert!(std::ptr::eq(full.parts, &crate::app::FULL));
    }

    #[test]
    fn a_small_module_done_again_at_the_same_times_is_the_same_session() {
        const S: i64 = 1_000_000_000;
        let commands: Vec<String> = [
            "nats kv add b --history 2 --ttl 2s",
            "nats kv put b k 1",
            "nats kv put b k 2",
            "nats kv watch b",
            "sleep 1s",
        ]
        .map(String::from)
        .to_vec();
        // A first load or a snippet: Run (a share link, a snippet), typed lines, a question answered, Ctrl-C,
        // the clock paused, resumed and moved, and its ticks.
        let mut small = Playground::new_first_load(T0);
        small.replay(&commands, T0 + S / 10);
        small.run("nats kv put b k 3", T0 + S);
        let mut due = Vec::new();
        for t in [2, 3, 4] {
            let now = small.clock.now(T0 + t * S);
            due.push(small.session.backend.engine.next_expiry().is_some_and(|at| at <= now));
            small.tick(T0 + t * S);
        }
        assert!(due[0] && !due[2], "the bucket's TTL is due at the first tick: {due:?}");
        small.interrupt(T0 + 5 * S);
        small.run("nats kv add c", T0 + 5 * S);
        small.run("nats kv rm c", T0 + 6 * S);
        assert!(small.session.question().is_some(), "rm asks first");
        small.run("y", T0 + 7 * S);
        small.toggle_clock(T0 + 8 * S);
        small.run("nats kv put b k 4", T0 + 9 * S);
        small.toggle_clock(T0 + 10 * S);
        small.move_clock(T0 + 11 * S, 60, "1m");
        small.run("nats kv watch b", T0 + 12 * S);
        small.reset_server(T0 + 13 * S);
        small.run("nats kv add d --history 5", T0 + 14 * S);
        small.run("nats kv put d k v", T0 + 15 * S);
        small.run("nats kv watch d", T0 + 16 * S);
        small.run("nats kv get d", T0 + 17 * S);
        assert!(small.session.question().is_none());

        let mut term = Rc::new(TermState::default());
        term = term.reduce(TermAction::Echo { prompt: "$ ".into(), line: "nats kv put d k v".into() });
        let json = EventsHandoff::json(&small, &term, "nats kv ge", &Intent::Tab("timeline".into()), None)
            .expect("serialises");
        let mut back = serde_json::from_str::<EventsHandoff>(&json).expect("reads back").into_handoff();
        let mut full = Playground::new(T0);
        back.apply(&mut full);
        // The same engine, journal and times included, the same clock, history and running watch.
        let engine = |pg: &Playground| serde_json::to_string(&pg.session.backend.engine).expect("serialises");
        assert_eq!(engine(&full), engine(&small));
        assert_eq!(full.clock.now(T0 + 20 * S), small.clock.now(T0 + 20 * S));
        assert_eq!(full.history, small.history);
        assert_eq!(full.session.watches().len(), 1);
        assert_eq!(back.lines, kept(&term.lines, MAX_LINES));
        assert_eq!(back.input, "nats kv ge");
        assert_eq!(Intent::parse(&back.intent), Some(Intent::Tab("timeline".into())));
        // The running watch goes on in the whole app: a later write reaches it.
        let w = full.run("nats kv put d k w", T0 + 21 * S);
        let seen = format!("{}{:?}", w.text(), full.session.advance(full.clock.now(T0 + 21 * S)));
        assert!(seen.contains("d > k: w"), "{seen}");
    }

    #[test]
    fn a_lesson_embed_hands_over_its_lesson_where_it_was() {
        let mut embed = Playground::new_lesson(T0);
        assert!(embed.open_lesson("python"));
        let ran = embed.run_step(0, T0, false).expect("the first step ran");
        let second = embed.run_step(1, T0, false).expect("the second step ran");
        if let Some((_, r)) = embed.lesson.as_mut() {
            r.select(2);
        }
        keep_edit("python/2/0", "print('edited')");
        let term = TermState::default();
        let h = Handoff::take(&embed, &term, "", &Intent::Cell("python/2/0".into()), None);
        let mut back = Handoff::from_json(&h.to_json().expect("serialises")).expect("reads back");
        CELL_EDITS.with(|c| c.borrow_mut().clear());
        let mut full = Playground::new(T0);
        back.apply(&mut full);
        let (name, run) = full.lesson.as_ref().expect("the lesson came across");
        assert_eq!(name, "python");
        assert_eq!(run.current, 2);
        assert_eq!(run.reports[0].as_ref(), Some(&ran));
        assert_eq!(run.reports[1].as_ref(), Some(&second));
        assert_eq!(run.lesson, crate::lesson::built_in("python").expect("built in"));
        assert_eq!(edited("python/2/0").as_deref(), Some("print('edited')"));
        assert_eq!(take_pending(|i| matches!(i, Intent::Step(_))), None);
        assert_eq!(take_pending(|i| matches!(i, Intent::Cell(_))), Some(Intent::Cell("python/2/0".into())));
        // A lesson from an address comes across with its Markdown.
        let mut embed = Playground::new_lesson(T0);
        embed.open_lesson_text("https://example.test/l.md", "# One\n\n```shell\nnats kv add x\n```\n");
        let h = Handoff::take(&embed, &term, "", &Intent::Step(0), None);
        let mut full = Playground::new(T0);
        Handoff::from_json(&h.to_json().expect("serialises")).expect("reads back").apply(&mut full);
        assert_eq!(full.lesson.as_ref().map(|(_, r)| r.lesson.steps.len()), Some(1));
        // The first load carries no lesson.
        let mut lite = Playground::new_first_load(T0);
        lite.open_lesson("cli");
        assert!(Handoff::take(&lite, &term, "", &Intent::Step(0), None).lesson.is_none());
    }

    #[test]
    fn a_damaged_hand_over_is_refused_whole() {
        assert!(Handoff::from_json("{").is_err());
        assert!(Handoff::from_json("{\"format\":\"other\"}").is_err());
    }
}
