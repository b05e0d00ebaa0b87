//! The browser entry point of a snippet embed (`?embed=snippet&cmds=...`): a few commands with a Run button and
//! their output, for a documentation page, in the smallest module: the engine, the command language and the
//! page's DOM through web-sys, without the app's components. It draws what the whole app's snippet
//! (`app::components::embed_snippet`) draws, with the same classes, and answers the host page the same way
//! (`kvplay:run`, `kvplay:reset`; it posts `kvplay:result`, `kvplay:reset` and `kvplay:height`). A snippet that
//! shows the timeline (`timeline=1`) starts here too: its output shows at once, and the whole app, which has
//! the timeline, loads then (fetched early when the pointer or the keyboard reaches Run) and takes over the
//! snippet's server and output (`kvplay_hand_over`, `kvplay_retire`).

use std::cell::RefCell;
use std::rc::Rc;

use nats_kv_playground::app::handoff::{self, Intent};
use nats_kv_playground::app::host::{self, post_height};
use nats_kv_playground::app::term_state::{TermAction, TermState};
use nats_kv_playground::app::{real_now, Playground, UrlParams};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};
use yew::Reducible;

/// The snippet on the page: its playground, its output lines, and the elements it draws into.
struct Snippet {
    pg: Playground,
    term: Rc<TermState>,
    section: Element,
    out: Option<Element>,
    /// The snippet shows the timeline under its output (the whole app's).
    timeline: bool,
    /// What the page says while the timeline loads, or why it did not.
    status: Option<Element>,
    loading: bool,
}

/// A listener the snippet added: where, for which event, and the closure (kept until it is removed).
type Listener = (web_sys::EventTarget, &'static str, Closure<dyn FnMut(web_sys::Event)>);

thread_local! {
    /// The snippet on the page, for the hand-over to the whole app.
    static LIVE: RefCell<Option<Rc<RefCell<Snippet>>>> = const { RefCell::new(None) };
}

/// Leaves the snippet's server, clock and output on the window for the whole app (called by the page's loader
/// once the whole app's module is ready).
#[wasm_bindgen]
pub fn kvplay_hand_over(intent: String) -> Result<bool, JsValue> {
    let Some(snippet) = LIVE.with(|l| l.borrow().clone()) else { return Ok(false) };
    let s = snippet.borrow();
    handoff::leave(&s.pg, &s.term, "", &intent, None).map_err(|e| JsValue::from_str(&e))
}

/// Takes the snippet off the page (what `main` gave `handoff::on_retire`), so the whole app can draw it there.
#[wasm_bindgen]
pub fn kvplay_retire() {
    handoff::retire();
}

/// Asks the page's loader for the whole app, which draws the timeline; says so meanwhile, and why if it fails
/// (the snippet goes on without it; the next run tries again).
fn load_timeline(snippet: &Rc<RefCell<Snippet>>) {
    let intent = Intent::Tab("timeline".into());
    {
        let Ok(mut s) = snippet.try_borrow_mut() else { return };
        if s.loading {
            return;
        }
        s.loading = true;
        s.say(&intent.loading(), false);
    }
    let snippet = snippet.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = handoff::load_whole_app(&intent).await {
            let Ok(mut s) = snippet.try_borrow_mut() else { return };
            s.loading = false;
            s.say(&format!("The timeline could not be loaded: {e}. Run again to try again."), true);
        }
    });
}

impl Snippet {
    fn apply(&mut self, action: TermAction) {
        self.term = self.term.clone().reduce(action);
        self.draw();
    }

    /// The line under the output that says the timeline is loading (or could not be).
    fn say(&mut self, text: &str, failed: bool) {
        if self.status.is_none() {
            self.status = element(&self.section, "p", "");
        }
        if let Some(p) = &self.status {
            p.set_class_name(if failed { "verdict fail" } else { "pane-loading" });
            let _ = p.set_attribute("role", if failed { "alert" } else { "status" });
            p.set_text_content(Some(text));
        }
        post_height();
    }

    /// Whether the snippet has output (the timeline shows once it has).
    fn has_output(&self) -> bool {
        !self.term.lines.is_empty()
    }

    /// The output block shows the terminal's lines; it is there only when there is output, as in the app.
    fn draw(&mut self) {
        let text: String = self.term.lines.iter().map(|l| format!("{}\n", l.text)).collect();
        match (&self.out, text.is_empty()) {
            (Some(out), true) => {
                out.remove();
                self.out = None;
                // Nothing to draw the timeline under (the host reset the snippet): no line about it either.
                if let Some(status) = self.status.take() {
                    status.remove();
                }
            }
            (Some(out), false) => out.set_text_content(Some(&text)),
            (None, false) => {
                if let Some(out) = element(&self.section, "pre", "snippet-out") {
                    if let Some(status) = &self.status {
                        let _ = self.section.insert_before(&out, Some(status));
                    }
                    let _ = out.set_attribute("role", "log");
                    let _ = out.set_attribute("aria-live", "polite");
                    out.set_text_content(Some(&text));
                    self.out = Some(out);
                }
            }
            (None, true) => {}
        }
        post_height();
    }
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// A new child element of `parent` with a class.
fn element(parent: &Element, tag: &str, class: &str) -> Option<Element> {
    let e = document()?.create_element(tag).ok()?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    parent.append_child(&e).ok()?;
    Some(e)
}

fn main() {
    let Some(doc) = document() else { return };
    let Some(body) = doc.body() else { return };
    let w = web_sys::window();
    let search = w.as_ref().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let params = UrlParams::parse(&search, "");
    if let (Some(theme), Some(root)) = (&params.theme, doc.document_element()) {
        let _ = root.set_attribute("data-theme", theme);
    }
    let Some(embed) = element(&body, "div", "embed") else { return };
    let commands = match params.cmds.as_deref().map(nats_kv_playground::transfer::decode_share) {
        Some(Ok(c)) => c,
        failed => {
            let msg = match failed {
                Some(Err(e)) => format!("This example could not be loaded: {e}"),
                _ => "This example has no commands (cmds= is missing).".to_string(),
            };
            if let Some(p) = element(&embed, "p", "verdict fail") {
                let _ = p.set_attribute("role", "alert");
                p.set_text_content(Some(&msg));
            }
            post_height();
            return;
        }
    };
    let Some(section) = element(&embed, "section", "snippet") else { return };
    let _ = section.set_attribute("aria-label", "NATS KV example");
    if let Some(code) = element(&section, "pre", "cmdline").and_then(|pre| element(&pre, "code", "")) {
        code.set_text_content(Some(&commands.iter().map(|c| format!("$ {c}")).collect::<Vec<_>>().join("\n")));
    }
    let Some(actions) = element(&section, "div", "snippet-actions") else { return };
    let Some(run) = element(&actions, "button", "primary") else { return };
    let _ = run.set_attribute("type", "button");
    run.set_text_content(Some("Run"));
    if let Some(note) = element(&actions, "span", "snippet-note") {
        note.set_text_content(Some("runs in this page on an embedded NATS KV server"));
    }

    let mut pg = Playground::new_first_load(real_now());
    pg.persist = false;
    let snippet = Rc::new(RefCell::new(Snippet {
        pg,
        term: Rc::new(TermState::default()),
        section: section.clone(),
        out: None,
        timeline: params.timeline,
        status: None,
        loading: false,
    }));
    LIVE.with(|l| *l.borrow_mut() = Some(snippet.clone()));
    let mut listeners: Vec<Listener> = Vec::new();
    let mut listen = |target: &web_sys::EventTarget, kind: &'static str, f: Closure<dyn FnMut(web_sys::Event)>| {
        let _ = target.add_event_listener_with_callback(kind, f.as_ref().unchecked_ref());
        listeners.push((target.clone(), kind, f));
    };

    // Run: the commands on an empty server, so the snippet always shows the same thing.
    {
        let snippet = snippet.clone();
        let on_run = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            {
                let mut s = snippet.borrow_mut();
                let t = s.pg.replay(&commands, real_now());
                s.apply(TermAction::Batch(vec![TermAction::Clear, TermAction::Transcript(t)]));
            }
            after_output(&snippet);
        });
        listen(&run, "click", on_run);
        if params.timeline {
            // (A touch fires pointerenter too.)
            for kind in ["pointerenter", "focus"] {
                listen(&run, kind, Closure::<dyn FnMut(web_sys::Event)>::new(|_| handoff::prefetch()));
            }
        }
    }
    // The host page runs commands and resets.
    if let Some(w) = &w {
        let snippet = snippet.clone();
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let Some(ev) = ev.dyn_ref::<web_sys::MessageEvent>() else { return };
            let Some(msg) = host::HostMessage::read(&ev.data()) else { return };
            {
                let Ok(mut s) = snippet.try_borrow_mut() else { return };
                let Some(action) = host::answer(&mut s.pg, &msg, real_now()) else { return };
                s.apply(action);
            }
            after_output(&snippet);
        });
        listen(w, "message", on_message);
    }
    // Time moves on: what is due expires, and a running watch prints.
    let tick = {
        let snippet = snippet.clone();
        Closure::<dyn FnMut()>::new(move || {
            let Ok(mut s) = snippet.try_borrow_mut() else { return };
            let chunks = s.pg.tick(real_now());
            if !chunks.is_empty() {
                s.apply(TermAction::Output(chunks));
            }
        })
    };
    let interval = w.as_ref().and_then(|w| {
        w.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 1_000).ok()
    });
    // Taking the snippet off the page: its elements, its clock tick and its listeners.
    handoff::on_retire(Box::new(move || {
        LIVE.with(|l| l.borrow_mut().take());
        if let (Some(w), Some(id)) = (web_sys::window(), interval) {
            w.clear_interval_with_handle(id);
        }
        for (target, kind, f) in listeners {
            let _ = target.remove_event_listener_with_callback(kind, f.as_ref().unchecked_ref());
        }
        drop(tick);
        embed.remove();
    }));
    post_height();
}

/// Once the snippet has output, a snippet with its timeline loads the whole app to draw it.
fn after_output(snippet: &Rc<RefCell<Snippet>>) {
    let want = snippet.try_borrow().is_ok_and(|s| s.timeline && s.has_output());
    if want {
        load_timeline(snippet);
    }
}
