//! The page's start and its services: what the address asks for (a share link, a kept session, a lesson, a
//! hand-over), the store every page renders from, and the hooks that own the page's side effects (time moving
//! on, the kept session, the host page's messages, a lesson fetched from its address, the page's NATS server and
//! the connection's pump). Every page (the whole app, the first load, the lesson embed) starts here.

use crate::session::Line;
use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use yew::prelude::*;
use yew::Reducible;

use super::store::{Action, Dispatch, PageState};
use super::term_state::{TermAction, TermState};
use super::{real_now, Playground, Shared, UrlParams};
use wasm_bindgen::JsCast;

/// The first thing the terminal says. Notes wrap to the pane, so paragraphs are single lines.
const WELCOME: &str = "Welcome. This terminal runs the nats command line against a JetStream server embedded in this page: nothing leaves your browser.\n\
Start by making a bucket: `nats kv add my-kv`, then `nats kv put my-kv greeting hello` and `nats kv get my-kv greeting`.\n\
Type `help` for the commands, Tab to complete, Up/Down for history; the Lesson tab walks you through it.";

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
pub(crate) fn boot() -> Boot {
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
pub(crate) fn use_lesson_address(shared: &Shared, params: &UrlParams, d: &Dispatch) {
    let shared = shared.clone();
    let d = d.clone();
    let url = params.lesson.clone().filter(|l| is_address(l) && shared.0.borrow().lesson.is_none());
    use_effect_with((), move |_| {
        if let Some(url) = url {
            wasm_bindgen_futures::spawn_local(async move {
                match crate::app::fetch_text(&url).await {
                    Ok(text) => {
                        shared.0.borrow_mut().open_lesson_text(&url, &text);
                        d.say(format!("(opened the lesson at {url})"));
                    }
                    Err(e) => d.say(format!("(could not load the lesson at {url}: {e})")),
                }
                d.changed();
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
        match (pg.parts.restore)(&mut pg, real) {
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

/// A page as it starts: what `boot` made of the address (or a hand-over), the store the components render, and
/// where they dispatch the learner's verbs.
pub(crate) struct Page {
    pub boot: Rc<Boot>,
    pub shared: Shared,
    pub store: UseReducerHandle<PageState>,
    pub d: Dispatch,
}

/// Starts a page (the whole app, the first load, the lesson embed) from its `boot`, with what every page does
/// (`use_page`).
#[hook]
pub(crate) fn use_started_page(boot: fn() -> Boot) -> Page {
    let boot = use_memo((), move |_| boot());
    let shared = boot.shared.clone();
    let store = {
        let boot = boot.clone();
        use_reducer(move || PageState { term: initial_term(&boot), ..PageState::default() })
    };
    let d = Dispatch::new(store.dispatcher(), shared.clone());
    use_page(&shared, &store, &d);
    Page { boot, shared, store, d }
}

/// What every page does, the first load and the whole app alike: time moves on (what is due expires, running
/// watches print, the session is kept once a second when it changed), the host page of an embed can run
/// commands and reset, and hears the page's height.
#[hook]
fn use_page(shared: &Shared, store: &UseReducerHandle<PageState>, d: &Dispatch) {
    let dirty = use_memo((), |_| Rc::new(std::cell::Cell::new(false)));
    // The terminal's lines, for the kept session: follow them as they change, and whatever else changed.
    let lines = use_memo((), |_| Rc::new(RefCell::new(Rc::new(Vec::new()))));
    {
        let cell = (*lines).clone();
        let dirty = (*dirty).clone();
        use_effect_with((store.term.lines.clone(), store.changes), move |(l, _)| {
            *cell.borrow_mut() = l.clone();
            dirty.set(true);
        });
    }
    {
        let shared = shared.clone();
        let d = d.clone();
        let dirty = (*dirty).clone();
        let lines = (*lines).clone();
        use_effect_with((), move |_| {
            let mut warned = false;
            let tick = Interval::new(1_000, move || {
                let chunks = {
                    let mut pg = shared.0.borrow_mut();
                    let chunks = pg.tick(real_now());
                    pg.serve_timeout(crate::app::page_link::mono_ms());
                    chunks
                };
                if !chunks.is_empty() {
                    d.show(TermAction::Output(chunks));
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
                                d.say(remark);
                            }
                        }
                    }
                }
                d.dispatch(Action::TimePassed);
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
    use_host_messages(shared, d);
    use_effect_with(store.version(), |_| crate::app::host::post_height());
}

/// The whole app's own services: the page's NATS server for the clients in the page (what they change redraws
/// the views), and, against a real server, what watches received taken a few times a second.
#[hook]
pub(crate) fn use_whole_app_services(shared: &Shared, d: &Dispatch) {
    // Clients in the page (nats.js, nats-py) reach the embedded engine as a NATS server; what they change redraws
    // the views.
    {
        let shared = shared.clone();
        let d = d.clone();
        use_effect_with((), move |_| {
            crate::app::page_link::install(shared, std::rc::Rc::new(move || d.changed()));
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
}

/// The host page of an embed can run commands (`kvplay:run`) and reset (`kvplay:reset`). A code embed runs its
/// program on `kvplay:run` instead: `EmbedCode` listens for that.
#[hook]
fn use_host_messages(shared: &Shared, d: &Dispatch) {
    {
        let code_embed = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .is_some_and(|s| UrlParams::parse(&s, "").embed.as_deref() == Some("code"));
        let shared = shared.clone();
        let d = d.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "message", move |ev| {
                    let Some(ev) = ev.dyn_ref::<web_sys::MessageEvent>() else { return };
                    let Some(msg) = crate::app::host::HostMessage::read(&ev.data()) else { return };
                    // A code embed's `kvplay:run` runs its program (`embed_code`), not a command.
                    if code_embed && msg.kind == "kvplay:run" {
                        return;
                    }
                    let Some(action) = crate::app::host::answer(&mut shared.0.borrow_mut(), &msg, real_now()) else {
                        return;
                    };
                    d.show(action);
                    d.changed();
                })
            });
            move || drop(listener)
        });
    }
}
