//! The page: header with the clock, the terminal, and the bucket explorer, sharing one playground.

use crate::session::Line;
use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use yew::prelude::*;
use yew::Reducible;

use super::clock_bar::ClockBar;
use super::code_view::CodeView;
use super::embed_code::EmbedCode;
use super::embed_snippet::EmbedSnippet;
use super::explorer::Explorer;
use super::lesson_panel::LessonPanel;
use super::server_bar::ServerBar;
use super::session_bar::SessionBar;
use super::terminal::Terminal;
use super::timeline::Timeline;
use super::watch_panes::WatchPanes;
use crate::app::handoff::Intent;
use crate::app::term_state::{TermAction, TermState};
use crate::app::{real_now, Playground, Shared, UrlParams};
use wasm_bindgen::JsCast;

/// A counter that moves whenever the engine's state may have changed, so views re-read it.
#[derive(Default, PartialEq)]
pub struct Version(pub u64);

impl Reducible for Version {
    type Action = ();
    fn reduce(self: Rc<Self>, _: ()) -> Rc<Self> {
        Rc::new(Version(self.0 + 1))
    }
}

/// The first thing the terminal says. Notes wrap to the pane, so paragraphs are single lines.
const WELCOME: &str = "Welcome. This terminal runs the nats command line against a JetStream server embedded in this page: nothing leaves your browser.\n\
Start by making a bucket: `nats kv add my-kv`, then `nats kv put my-kv greeting hello` and `nats kv get my-kv greeting`.\n\
Type `help` for the commands, Tab to complete, Up/Down for history; the Lesson tab walks you through it.";

/// Which pane shows beside the terminal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Lesson,
    Buckets,
    Timeline,
    Watchers,
    Code,
    Python,
}

impl Side {
    /// The tabs in the order they are drawn.
    const ALL: [Side; 6] = [Side::Lesson, Side::Buckets, Side::Timeline, Side::Watchers, Side::Code, Side::Python];

    /// The tab's and its panel's id: `tab-lesson`, `panel-lesson`.
    fn id(self) -> &'static str {
        match self {
            Side::Lesson => "lesson",
            Side::Buckets => "buckets",
            Side::Timeline => "timeline",
            Side::Watchers => "watchers",
            Side::Code => "code",
            Side::Python => "python",
        }
    }
}

/// The tabs beside the terminal by id, in `Side::ALL`'s order (the first load draws the same tabs).
pub(crate) const TAB_IDS: [&str; 6] =
    ["tab-lesson", "tab-buckets", "tab-timeline", "tab-watchers", "tab-code", "tab-python"];

/// The WAI-ARIA tabs pattern's keys: from the tab at `at`, the one an arrow key, Home or End chooses, with the
/// focus moved to it; `None` for any other key.
pub(crate) fn tab_key(e: &KeyboardEvent, at: usize) -> Option<usize> {
    let n = TAB_IDS.len();
    let to = match e.key().as_str() {
        "ArrowRight" => (at + 1) % n,
        "ArrowLeft" => (at + n - 1) % n,
        "Home" => 0,
        "End" => n - 1,
        _ => return None,
    };
    e.prevent_default();
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(TAB_IDS[to]))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
    Some(to)
}

/// Reads `?lesson=NAME&step=N` (steps count from 1) from the page's address.
pub fn deep_link(search: &str) -> Option<(String, usize)> {
    let p = UrlParams::parse(search, "");
    p.lesson.map(|l| (l, p.step))
}

#[cfg(test)]
mod tests {
    use super::deep_link;
    use crate::app::UrlParams;

    #[test]
    fn deep_links_name_a_lesson_and_a_step() {
        assert_eq!(deep_link("?lesson=cli&step=3"), Some(("cli".to_string(), 2)));
        assert_eq!(deep_link("?step=3&lesson=python"), Some(("python".to_string(), 2)));
        assert_eq!(deep_link("?lesson=cli&step=zero"), Some(("cli".to_string(), 0)));
        assert_eq!(deep_link("?lesson=cli&step=0"), Some(("cli".to_string(), 0)));
        assert_eq!(deep_link(""), None);
    }

    #[test]
    fn lesson_files_are_named_by_address_absolute_or_relative() {
        use super::is_address;
        assert!(is_address("lessons/intro.md"));
        assert!(is_address("intro.md?v=2"));
        assert!(is_address("http://10.0.0.5:8000/x"));
        assert!(!is_address("cli"));
        assert!(!is_address("python"));
    }

    #[test]
    fn embed_and_share_parameters() {
        let p = UrlParams::parse("?embed=snippet&cmds=abc&theme=dark&timeline=1", "#share=xyz");
        assert_eq!(p.embed.as_deref(), Some("snippet"));
        assert_eq!(p.cmds.as_deref(), Some("abc"));
        assert_eq!(p.theme.as_deref(), Some("dark"));
        assert!(p.timeline);
        assert_eq!(p.share.as_deref(), Some("xyz"));
        assert_eq!(UrlParams::parse("?embed=evil&theme=<x>", "").embed, None);
        assert_eq!(UrlParams::parse("?embed=evil&theme=<x>", "").theme, None);
    }
}

/// What the page starts with: the shared playground, and what the terminal shows first.
pub(crate) struct Boot {
    pub shared: Shared,
    pub params: UrlParams,
    pub notes: Vec<String>,
    pub transcript: Option<String>,
    /// The terminal's lines kept from the last visit (or handed over by the first load).
    pub restored: Vec<(String, String)>,
    pub history: Vec<String>,
    pub snippet: Option<Result<Vec<String>, String>>,
    /// What the first load's visitor asked for, when the whole app takes over from it.
    pub handoff: Option<crate::app::handoff::Handoff>,
}

/// Takes `#share=...` out of the address once the link is open, so a reload does not replay it over what the
/// learner did since.
fn drop_share_from_address() {
    let Some(w) = web_sys::window() else { return };
    let (Ok(path), Ok(search)) = (w.location().pathname(), w.location().search()) else { return };
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{search}")));
    }
}

/// The page's address, read.
pub(crate) fn url_params() -> UrlParams {
    let w = web_sys::window();
    let search = w.as_ref().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let hash = w.as_ref().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    UrlParams::parse(&search, &hash)
}

/// The whole app's start: from the first load's hand-over when there is one, else as any page starts.
fn boot() -> Boot {
    // A workshop's join link: its credentials leave the address before anything else reads it.
    crate::app::workshop::read_join_link();
    let real = real_now();
    let mut pg = Playground::new(real);
    let mut b = match crate::app::handoff::take_stashed() {
        Some(Ok(mut h)) => {
            h.apply(&mut pg);
            let params = url_params();
            let snippet = params.cmds.as_ref().map(|c| crate::transfer::decode_share(c));
            Boot {
                shared: Shared(Rc::new(RefCell::new(pg))),
                params,
                notes: Vec::new(),
                transcript: None,
                restored: h.lines.clone(),
                history: h.term_history.clone(),
                // A snippet embed goes on with its commands (the snippet module ran them).
                snippet,
                handoff: Some(h),
            }
        }
        Some(Err(e)) => {
            let mut b = boot_with(pg, real);
            b.notes.push(format!("({e}; the playground starts afresh)"));
            b
        }
        None => boot_with(pg, real),
    };
    if let Some(crate::app::handoff::Intent::Lesson(l)) =
        b.handoff.as_ref().and_then(|h| crate::app::handoff::Intent::parse(&h.intent))
    {
        b.params.lesson = Some(l);
    }
    // A lesson handed over (from the lesson embed) goes on as it was: it is not opened afresh.
    if b.shared.0.borrow().lesson.is_none() {
        open_linked_lesson(&mut b.shared.0.borrow_mut(), &b.params, &mut b.notes);
    }
    b
}

/// Opens the built-in lesson the address names (a lesson at an address is fetched by `use_lesson_address`).
pub(crate) fn open_linked_lesson(pg: &mut Playground, params: &UrlParams, notes: &mut Vec<String>) {
    if let Some(name) = &params.lesson {
        if !is_address(name) && !pg.open_lesson(name) {
            notes.push(format!("(there is no lesson called {name:?}; the built-in lessons are cli and python)"));
        }
    }
}

/// Whether `?lesson=` names a lesson file (an address, absolute or relative to the page, as a workshop's join link
/// gives it) rather than a built-in lesson.
pub(crate) fn is_address(lesson: &str) -> bool {
    let path = lesson.split(['?', '#']).next().unwrap_or(lesson);
    lesson.starts_with("http://") || lesson.starts_with("https://") || path.ends_with(".md") || path.contains('/')
}

/// Workshop mode: the lesson file at the address `?lesson=` names is fetched and opened, unless a lesson is
/// already open (handed over).
#[hook]
pub(crate) fn use_lesson_address(
    shared: &Shared,
    params: &UrlParams,
    term: &UseReducerHandle<TermState>,
    version: &UseReducerHandle<Version>,
) {
    let shared = shared.clone();
    let term = term.dispatcher();
    let version = version.dispatcher();
    let url = params.lesson.clone().filter(|l| is_address(l) && shared.0.borrow().lesson.is_none());
    use_effect_with((), move |_| {
        if let Some(url) = url {
            wasm_bindgen_futures::spawn_local(async move {
                match crate::app::fetch_text(&url).await {
                    Ok(text) => {
                        shared.0.borrow_mut().open_lesson_text(&url, &text);
                        term.dispatch(TermAction::Note(format!("(opened the lesson at {url})")));
                    }
                    Err(e) => term.dispatch(TermAction::Note(format!("(could not load the lesson at {url}: {e})"))),
                }
                version.dispatch(());
            });
        }
    });
}

/// Sets the theme the host page asked for (`theme=light|dark`).
pub(crate) fn apply_theme(params: &UrlParams) {
    if let Some(theme) = &params.theme {
        let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
        if let Some(el) = root {
            let _ = el.set_attribute("data-theme", theme);
        }
    }
}

/// Starts a page from its address: a share link replayed, or the session kept from the last visit, and a
/// snippet's commands. Used by the first load and the whole app alike.
pub(crate) fn boot_with(mut pg: Playground, real: crate::engine::Nanos) -> Boot {
    let params = url_params();
    pg.persist = params.persist.unwrap_or(params.embed.is_none());
    let mut notes = Vec::new();
    let mut transcript = None;
    let mut restored = Vec::new();
    let mut history = Vec::new();
    if let Some(share) = &params.share {
        match crate::transfer::decode_share(share) {
            Ok(cmds) => {
                let lines: Vec<Line> = cmds.iter().map(|c| Line::parse(c)).collect();
                let n = lines.iter().filter(|l| matches!(l, Line::Nats(_))).count();
                let moves = lines.iter().filter(|l| matches!(l, Line::Sleep(_))).count();
                let mut note =
                    format!("(opened a shared session: {n} command{} replayed", if n == 1 { "" } else { "s" });
                if moves > 0 {
                    note.push_str(&format!(
                        ", and {moves} clock move{} as the sender made them",
                        if moves == 1 { "" } else { "s" }
                    ));
                }
                note.push(')');
                notes.push(note);
                transcript = Some(pg.replay(&cmds, real));
                history = cmds;
            }
            Err(e) => notes.push(format!("(this share link could not be opened: {e}. The playground starts empty.)")),
        }
        drop_share_from_address();
    } else if pg.persist {
        match crate::app::load_saved_state(&mut pg, real) {
            Ok(Some((h, lines))) if !h.is_empty() || !pg.view().bucket_names().is_empty() => {
                notes.push("(restored your session from your last visit; Start over clears it)".to_string());
                history = h;
                restored = lines;
            }
            Ok(_) => {}
            Err(e) => notes.push(e),
        }
    }
    let snippet = params.cmds.as_ref().map(|c| crate::transfer::decode_share(c));
    apply_theme(&params);
    Boot {
        shared: Shared(Rc::new(RefCell::new(pg))),
        params,
        notes,
        transcript,
        restored,
        history,
        snippet,
        handoff: None,
    }
}

/// The terminal's first state: the kept or handed-over lines, the welcome, the boot's notes and replay.
pub(crate) fn initial_term(boot: &Boot) -> TermState {
    let mut s = Rc::new(TermState::default());
    if !boot.restored.is_empty() {
        s = s.reduce(TermAction::Restore(boot.restored.clone()));
    } else if boot.params.embed.is_none() {
        s = s.reduce(TermAction::Note(WELCOME.to_string()));
    }
    for n in &boot.notes {
        s = s.reduce(TermAction::Note(n.clone()));
    }
    if let Some(t) = &boot.transcript {
        s = s.reduce(TermAction::Transcript(t.clone()));
    }
    if let Some(h) = boot.handoff.as_ref().filter(|h| !h.input.is_empty()) {
        s = s.reduce(TermAction::Suggest(h.input.clone()));
    }
    let mut st = s.as_ref().clone();
    st.history = boot.history.clone();
    st
}

/// A page as it starts: what `boot` made of the address (or a hand-over), the terminal, the change counter the
/// views follow, and the change callback of `use_page`.
pub(crate) struct Page {
    pub boot: Rc<Boot>,
    pub shared: Shared,
    pub version: UseReducerHandle<Version>,
    pub term: UseReducerHandle<TermState>,
    pub on_change: Callback<()>,
}

/// Starts a page (the whole app, the first load, the lesson embed) from its `boot`, with what every page does
/// (`use_page`).
#[hook]
pub(crate) fn use_started_page(boot: fn() -> Boot) -> Page {
    let boot = use_memo((), move |_| boot());
    let shared = boot.shared.clone();
    let version = use_reducer(Version::default);
    let term = {
        let boot = boot.clone();
        use_reducer(move || initial_term(&boot))
    };
    let on_change = use_page(&shared, &term, &version);
    Page { boot, shared, version, term, on_change }
}

/// What every page does, the first load and the whole app alike: time moves on (what is due expires, running
/// watches print, the session is kept once a second when it changed), the host page of an embed can run
/// commands and reset, and hears the page's height. Returns the change callback the views call.
#[hook]
fn use_page(shared: &Shared, term: &UseReducerHandle<TermState>, version: &UseReducerHandle<Version>) -> Callback<()> {
    let dirty = use_memo((), |_| Rc::new(std::cell::Cell::new(false)));
    // The terminal's lines, for the kept session: follow them as they change.
    let lines = use_memo((), |_| Rc::new(RefCell::new(Rc::new(Vec::new()))));
    {
        let cell = (*lines).clone();
        let dirty = (*dirty).clone();
        use_effect_with(term.lines.clone(), move |l| {
            *cell.borrow_mut() = l.clone();
            dirty.set(true);
        });
    }
    {
        let shared = shared.clone();
        let version = version.dispatcher();
        let term = term.dispatcher();
        let dirty = (*dirty).clone();
        let lines = (*lines).clone();
        use_effect_with((), move |_| {
            let mut warned = false;
            let tick = Interval::new(1_000, move || {
                let chunks = {
                    let mut pg = shared.0.borrow_mut();
                    let now = pg.clock.now(real_now());
                    let chunks = pg.session.advance(now);
                    pg.serve_timeout(crate::app::page_link::mono_ms());
                    chunks
                };
                if !chunks.is_empty() {
                    term.dispatch(TermAction::Output(chunks));
                    dirty.set(true);
                }
                if dirty.get() {
                    dirty.set(false);
                    let pg = shared.0.borrow();
                    if pg.persist {
                        let kept = crate::app::term_state::kept(&lines.borrow(), crate::transfer::KEPT_LINES);
                        if let Some(remark) = crate::app::save_state(&pg, &kept) {
                            if !warned {
                                warned = true;
                                term.dispatch(TermAction::Note(remark));
                            }
                        }
                    }
                }
                version.dispatch(());
            });
            move || drop(tick)
        });
    }
    // The session is kept before the page goes away too (a reload right after a command), not only on the next
    // tick.
    {
        let shared = shared.clone();
        let lines = (*lines).clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "pagehide", move |_| {
                    let Ok(pg) = shared.0.try_borrow() else { return };
                    if pg.persist {
                        let kept = crate::app::term_state::kept(&lines.borrow(), crate::transfer::KEPT_LINES);
                        let _ = crate::app::save_state(&pg, &kept);
                    }
                })
            });
            move || drop(listener)
        });
    }
    use_host_messages(shared, term, version);
    use_effect_with(version.0, |_| crate::app::host::post_height());
    let version = version.dispatcher();
    let dirty = (*dirty).clone();
    Callback::from(move |_| {
        dirty.set(true);
        version.dispatch(());
    })
}

#[function_component(App)]
pub fn app() -> Html {
    let Page { boot, shared, version, term, on_change } = use_started_page(boot);
    let params = boot.params.clone();
    let initial_step = match &shared.0.borrow().lesson {
        Some((_, run)) if boot.handoff.is_some() => run.current,
        _ => params.step,
    };
    let intent = boot.handoff.as_ref().and_then(|h| crate::app::handoff::Intent::parse(&h.intent));
    let side = {
        let intent = intent.clone();
        use_state(move || match intent {
            Some(crate::app::handoff::Intent::Tab(t)) => match t.as_str() {
                "buckets" => Side::Buckets,
                "timeline" => Side::Timeline,
                "watchers" => Side::Watchers,
                "code" => Side::Code,
                "python" => Side::Python,
                _ => Side::Lesson,
            },
            _ => Side::Lesson,
        })
    };

    // Clients in the page (nats.js, nats-py) reach the embedded engine as a NATS server; what they change redraws
    // the views.
    {
        let shared = shared.clone();
        let version = version.dispatcher();
        use_effect_with((), move |_| {
            crate::app::page_link::install(shared, std::rc::Rc::new(move || version.dispatch(())));
            // The page's loader waits for this before it reports the whole app started (clients may connect now).
            if let Some(w) = web_sys::window() {
                let _ = js_sys::Reflect::set(&w, &"kvplayReady".into(), &true.into());
                if let Ok(ev) = web_sys::Event::new("kvplay:ready") {
                    let _ = w.dispatch_event(&ev);
                }
            }
        });
    }

    // Against a real server: take what watches received a few times a second, when no job is running.
    {
        let shared = shared.clone();
        use_effect_with((), move |_| {
            let tick = Interval::new(250, move || {
                crate::app::remote::pump(&shared);
                crate::app::workshop::sync(&shared);
            });
            move || drop(tick)
        });
    }

    use_lesson_address(&shared, &params, &term, &version);

    if params.embed.as_deref() == Some("code") {
        return html! {
            <div class="embed">{ match super::embed_code::sample(&params) {
                Ok(sample) => html! { <EmbedCode shared={shared.clone()} {sample} version={version.0} timeline={params.timeline} /> },
                Err(e) => html! { <p class="verdict fail" role="alert">{ format!("This example could not be loaded: {e}") }</p> },
            } }</div>
        };
    }
    if params.embed.as_deref() == Some("snippet") {
        return match &boot.snippet {
            Some(Ok(cmds)) => html! {
                <div class="embed">
                    <EmbedSnippet shared={shared.clone()} commands={cmds.clone()} version={version.0} below={if params.timeline { html! { <Timeline shared={shared.clone()} version={version.0} active=true /> } } else { html! {} }} term={term.clone()} on_change={on_change.clone()} />
                </div>
            },
            Some(Err(e)) => {
                html! { <div class="embed"><p class="verdict fail" role="alert">{ format!("This example could not be loaded: {e}") }</p></div> }
            }
            None => {
                html! { <div class="embed"><p class="verdict fail" role="alert">{ "This example has no commands (cmds= is missing)." }</p></div> }
            }
        };
    }

    // The WAI-ARIA tabs pattern: the chosen tab is the one in the Tab order; arrow keys, Home and End choose
    // another and move the focus to it.
    let tab = |which: Side, label: &str| {
        let side = side.clone();
        let selected = *side == which;
        let name = which.id();
        html! {
            <button type="button" role="tab" id={format!("tab-{name}")} aria-controls={format!("panel-{name}")}
                aria-selected={selected.to_string()} tabindex={if selected { "0" } else { "-1" }}
                class={if selected { "tab current" } else { "tab" }}
                onclick={Callback::from(move |_| side.set(which))}>{ label }</button>
        }
    };
    let tab_keys = {
        let side = side.clone();
        Callback::from(move |e: KeyboardEvent| {
            let at = Side::ALL.iter().position(|s| *s == *side).unwrap_or(0);
            if let Some(to) = tab_key(&e, at) {
                side.set(Side::ALL[to]);
            }
        })
    };
    let embedded_lesson = params.embed.as_deref() == Some("lesson");
    // One step alone: the whole app goes on in the compact view a small module's Run handed over from.
    match super::lesson_embed::compact_step(&shared, &params).filter(|_| embedded_lesson) {
        Some(true) => {
            return html! {
                <div class="embed">
                    <super::step_embed::StepEmbed shared={shared.clone()} step={params.step} on_change={on_change.clone()} />
                </div>
            }
        }
        None if embedded_lesson => return super::lesson_embed::lesson_loading(&term),
        _ => {}
    }
    let session_intent = match &intent {
        Some(Intent::Session(what)) => Some((what.clone(), boot.handoff.as_ref().and_then(|h| h.file.clone()))),
        _ => None,
    };

    html! {
        <div class={if embedded_lesson { "page embed" } else { "page" }}>
            if !embedded_lesson {
                <header class="top">
                    <h1>{ "NATS KV Playground" }</h1>
                    <p class="tagline">{ "A JetStream Key-Value store running in this page. Type nats commands below." }</p>
                    <ServerBar shared={shared.clone()} version={version.0} term={term.dispatcher()} on_change={on_change.clone()} open={intent == Some(Intent::Connect)} />
                    if shared.0.borrow().clock_moves() {
                        <ClockBar shared={shared.clone()} version={version.0} term={term.dispatcher()} on_change={on_change.clone()} />
                    }
                    <SessionBar shared={shared.clone()} term={term.dispatcher()} on_change={on_change.clone()} intent={session_intent} />
                    <super::workshop_banner::WorkshopBanner shared={shared.clone()} version={version.0} on_change={on_change.clone()} />
                </header>
            }
            <main class="panes">
                <Terminal shared={shared.clone()} term={term.clone()} on_change={on_change.clone()} />
                <div class="side">
                    if !embedded_lesson {
                        <div class="tabs" role="tablist" aria-label="Beside the terminal" onkeydown={tab_keys}>
                            { tab(Side::Lesson, "Lesson") }
                            { tab(Side::Buckets, "Buckets") }
                            { tab(Side::Timeline, "Timeline") }
                            { tab(Side::Watchers, "Watchers") }
                            { tab(Side::Code, "As code") }
                            { tab(Side::Python, "Python console") }
                        </div>
                    }
                    // Every pane stays mounted (hidden when not chosen), so watch panes keep running and the
                    // lesson keeps its place while you look elsewhere.
                    <div class="pane-slot" role="tabpanel" id="panel-lesson" aria-labelledby="tab-lesson" hidden={*side != Side::Lesson}>
                        <LessonPanel shared={shared.clone()} version={version.0} term={term.dispatcher()} on_change={on_change.clone()} {initial_step} />
                    </div>
                    <div class="pane-slot" role="tabpanel" id="panel-buckets" aria-labelledby="tab-buckets" hidden={*side != Side::Buckets}><Explorer shared={shared.clone()} version={version.0} active={*side == Side::Buckets} /></div>
                    <div class="pane-slot" role="tabpanel" id="panel-timeline" aria-labelledby="tab-timeline" hidden={*side != Side::Timeline}><Timeline shared={shared.clone()} version={version.0} active={*side == Side::Timeline} /></div>
                    <div class="pane-slot" role="tabpanel" id="panel-watchers" aria-labelledby="tab-watchers" hidden={*side != Side::Watchers}><WatchPanes shared={shared.clone()} version={version.0} /></div>
                    <div class="pane-slot" role="tabpanel" id="panel-code" aria-labelledby="tab-code" hidden={*side != Side::Code}>
                        if *side == Side::Code { <CodeView shared={shared.clone()} version={version.0} /> }
                    </div>
                    // Mounted and kept (its transcript stays); Python loads on its first line only.
                    <div class="pane-slot" role="tabpanel" id="panel-python" aria-labelledby="tab-python" hidden={*side != Side::Python}>
                        <super::python_console::PythonConsole shared={shared.clone()} />
                    </div>
                </div>
            </main>
        </div>
    }
}

/// The host page of an embed can run commands (`kvplay:run`) and reset (`kvplay:reset`). A code embed runs its
/// program on `kvplay:run` instead: `EmbedCode` listens for that.
#[hook]
fn use_host_messages(shared: &Shared, term: &UseReducerHandle<TermState>, version: &UseReducerHandle<Version>) {
    {
        let code_embed = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .is_some_and(|s| UrlParams::parse(&s, "").embed.as_deref() == Some("code"));
        let shared = shared.clone();
        let term = term.dispatcher();
        let version = version.dispatcher();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "message", move |ev| {
                    let Some(ev) = ev.dyn_ref::<web_sys::MessageEvent>() else { return };
                    let Some(msg) = crate::app::host::HostMessage::read(&ev.data()) else { return };
                    // A code embed's `kvplay:run` runs its program (`embed_code`), not a command.
                    if code_embed && msg.kind == "kvplay:run" {
                        return;
                    }
                    let Some(action) = crate::app::host::answer(&mut shared.0.borrow_mut(), &msg) else { return };
                    term.dispatch(action);
                    version.dispatch(());
                })
            });
            move || drop(listener)
        });
    }
}
