//! The lesson embed as a small module: the terminal and the lesson panel over the engine and the lesson runner,
//! without the rest of the playground. A step's or a cell's program (Python, JavaScript) needs the whole app: its
//! Run hands the page's state over (`app::handoff`), and the whole app runs it.

use yew::prelude::*;

use super::app::{
    apply_theme, initial_term, open_linked_lesson, url_params, use_lesson_address, use_page, Boot, Version,
};
use super::first_load::use_whole_app;
use super::lesson_panel::LessonPanel;
use super::terminal::Terminal;
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
    let boot = use_memo((), |_| boot());
    let shared = boot.shared.clone();
    let version = use_reducer(Version::default);
    let term = {
        let boot = boot.clone();
        use_reducer(move || initial_term(&boot))
    };
    let on_change = use_page(&shared, &term, &version);
    use_lesson_address(&shared, &boot.params, &term, &version);
    handoff::register(&shared, &term);
    let (want, status) = use_whole_app();
    html! {
        <div class="page embed">
            <main class="panes">
                <Terminal shared={shared.clone()} term={term.clone()} on_change={on_change.clone()} />
                <div class="side">
                    { status }
                    <div class="pane-slot" role="tabpanel" aria-label="Lesson">
                        <LessonPanel shared={shared.clone()} version={version.0} term={term.dispatcher()} {on_change}
                            initial_step={boot.params.step} want={Some(want)} />
                    </div>
                </div>
            </main>
        </div>
    }
}
