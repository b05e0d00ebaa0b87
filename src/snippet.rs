//! The browser entry point of a snippet embed (`?embed=snippet&cmds=...`): a few commands with a Run button and
//! their output, for a documentation page, in the smallest module: the engine, the command language and the
//! page's DOM through web-sys, without the app's components. It draws what the whole app's snippet
//! (`app::components::embed_snippet`) draws, with the same classes, and answers the host page the same way
//! (`kvplay:run`, `kvplay:reset`; it posts `kvplay:result`, `kvplay:reset` and `kvplay:height`). A snippet that
//! shows the timeline is the whole app's (the page's loader decides).

use std::cell::RefCell;
use std::rc::Rc;

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
}

impl Snippet {
    fn apply(&mut self, action: TermAction) {
        self.term = self.term.clone().reduce(action);
        self.draw();
    }

    /// The output block shows the terminal's lines; it is there only when there is output, as in the app.
    fn draw(&mut self) {
        let text: String = self.term.lines.iter().map(|l| format!("{}\n", l.text)).collect();
        match (&self.out, text.is_empty()) {
            (Some(out), true) => {
                out.remove();
                self.out = None;
            }
            (Some(out), false) => out.set_text_content(Some(&text)),
            (None, false) => {
                if let Some(out) = element(&self.section, "pre", "snippet-out") {
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
    let snippet =
        Rc::new(RefCell::new(Snippet { pg, term: Rc::new(TermState::default()), section: section.clone(), out: None }));

    // Run: the commands on an empty server, so the snippet always shows the same thing.
    {
        let snippet = snippet.clone();
        let on_run = Closure::<dyn FnMut()>::new(move || {
            let mut s = snippet.borrow_mut();
            let t = s.pg.replay(&commands, real_now());
            s.apply(TermAction::Batch(vec![TermAction::Clear, TermAction::Transcript(t)]));
        });
        let _ = run.add_event_listener_with_callback("click", on_run.as_ref().unchecked_ref());
        on_run.forget();
    }
    // The host page runs commands and resets.
    {
        let snippet = snippet.clone();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(msg) = host::HostMessage::read(&ev.data()) else { return };
            let Ok(mut s) = snippet.try_borrow_mut() else { return };
            if let Some(action) = host::answer(&mut s.pg, &msg) {
                s.apply(action);
            }
        });
        if let Some(w) = &w {
            let _ = w.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        }
        on_message.forget();
    }
    // Time moves on: what is due expires, and a running watch prints.
    {
        let snippet = snippet.clone();
        let tick = Closure::<dyn FnMut()>::new(move || {
            let Ok(mut s) = snippet.try_borrow_mut() else { return };
            let now = s.pg.clock.now(real_now());
            let chunks = s.pg.session.advance(now);
            if !chunks.is_empty() {
                s.apply(TermAction::Output(chunks));
            }
        });
        if let Some(w) = &w {
            let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 1_000);
        }
        tick.forget();
    }
    post_height();
}
