//! The lesson embed as a small module: the terminal and the lesson panel over the engine and the lesson runner,
//! without the rest of the playground; and the code embed's first screen (its program, and Run). A step's or a
//! cell's program (Python, JavaScript) needs the whole app: its Run (or the host page's `kvplay:run` of a code
//! embed) hands the page's state over (`app::handoff`), and the whole app runs it.

use yew::prelude::*;

use super::cell_preview::{cell_preview, CellSpec};
use super::embed_code::{sample, CELL, FILENAME};
use super::first_load::use_whole_app;
use super::lesson_panel::LessonPanel;
use super::step_embed::StepEmbed;
use super::terminal::Terminal;
use crate::app::page::{apply_theme, open_linked_lesson, url_params, use_lesson_address, use_started_page, Boot, Page};
use crate::app::{handoff, real_now, Playground, Shared};

/// The embed's start: a fresh engine (an embed keeps nothing: the loader gives an embed asking to keep its
/// session, or opening a share link, to the whole app) and the lesson the address names.
fn boot() -> Boot {
    let params = url_params();
    let mut pg = Playground::new_lesson(real_now());
    apply_theme(&params);
    let mut notes = Vec::new();
    open_linked_lesson(&mut pg, &params, &mut notes);
    Boot {
        shared: Shared(std::rc::Rc::new(std::cell::RefCell::new(pg))),
        params,
        notes,
        transcript: None,
        restored: Vec::new(),
        history: Vec::new(),
        snippet: None,
        handoff: None,
    }
}

#[function_component(LessonEmbed)]
pub fn lesson_embed() -> Html {
    let Page { boot, shared, store, d } = use_started_page(boot);
    use_lesson_address(&shared, &boot.params, &d);
    handoff::register(&shared, &store);
    let (want, status) = use_whole_app();
    if boot.params.embed.as_deref() == Some("code") {
        return html! { <CodeEmbed shared={shared.clone()} {want} {status} d={d.clone()} /> };
    }
    // One step alone (an exercise, which the reader works at in the terminal, keeps the lesson's view).
    match compact_step(&shared, &boot.params) {
        Some(true) => {
            return html! {
                <div class="embed">
                    { status }
                    <StepEmbed shared={shared.clone()} step={boot.params.step} alone={store.alone.clone()} {d} want={Some(want)} />
                </div>
            }
        }
        // A lesson from an address, still on its way (or why it could not come).
        None => return lesson_loading(&store.term),
        Some(false) => {}
    }
    html! {
        <div class="page embed">
            <main class="panes">
                <Terminal shared={shared.clone()} store={store.clone()} d={d.clone()} />
                <div class="side">
                    { status }
                    <div class="pane-slot" role="tabpanel" aria-label="Lesson">
                        <LessonPanel shared={shared.clone()} version={store.version()} {d}
                            initial_step={boot.params.step} want={Some(want)} />
                    </div>
                </div>
            </main>
        </div>
    }
}

/// Whether the address asks for one step alone and it can be shown so: `None` while the lesson is still
/// loading from its address.
pub fn compact_step(shared: &Shared, params: &crate::app::UrlParams) -> Option<bool> {
    if !params.compact {
        return Some(false);
    }
    match shared.0.borrow().lesson.as_ref() {
        Some((_, run)) => Some(run.lesson.steps.get(params.step).is_some_and(|s| s.exercise.is_none())),
        None if params.lesson.is_some() => None,
        None => Some(false),
    }
}

/// A compact embed's lesson on its way from its address, or why it could not come (the terminal says).
pub fn lesson_loading(term: &crate::app::term_state::TermState) -> Html {
    let failed = term.lines.iter().rev().find(|l| l.text.starts_with("(could not load the lesson"));
    match failed {
        Some(e) => html! { <div class="embed"><p class="verdict fail" role="alert">{ e.text.clone() }</p></div> },
        None => html! { <div class="embed"><p class="pane-loading" role="status">{ "Loading the lesson…" }</p></div> },
    }
}

#[derive(Properties, PartialEq)]
struct CodeEmbedProps {
    shared: Shared,
    want: Callback<handoff::Intent>,
    status: Html,
    d: crate::app::store::Dispatch,
}

/// A code embed until its program first runs: the program in its cell, whose Run (or the host's `kvplay:run`)
/// asks for the whole app, which runs it and answers the host.
#[function_component(CodeEmbed)]
fn code_embed(p: &CodeEmbedProps) -> Html {
    let params = use_memo((), |_| url_params());
    {
        let want = p.want.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "message", move |ev| {
                    let Some(ev) = wasm_bindgen::JsCast::dyn_ref::<web_sys::MessageEvent>(ev) else { return };
                    let Some(msg) = crate::app::host::HostMessage::read(&ev.data()) else { return };
                    if msg.kind == "kvplay:run" {
                        handoff::keep_host_run(msg.id.as_f64());
                        want.emit(handoff::Intent::Cell(CELL.into()));
                    }
                })
            });
            move || drop(listener)
        });
    }
    use_effect(crate::app::host::post_height);
    match sample(&params) {
        Ok(s) => html! {
            <div class="embed">
                <section class="snippet code-embed" aria-label={if s.python { "Python example" } else { "JavaScript example" }}>
                    { p.status.clone() }
                    { cell_preview(&CellSpec {
                        shared: p.shared.clone(),
                        lang: if s.python { "python" } else { "javascript" },
                        ns: "embed".into(),
                        id: CELL.into(),
                        filename: FILENAME.into(),
                        code: s.code.into(),
                        expected: None,
                        step_runs: false,
                        want: Some(p.want.clone()),
                        d: p.d.clone(),
                    }) }
                    <p class="snippet-note">{ "runs in this page against an embedded NATS server" }</p>
                </section>
            </div>
        },
        Err(e) => html! {
            <div class="embed"><p class="verdict fail" role="alert">{ format!("This example could not be loaded: {e}") }</p></div>
        },
    }
}
