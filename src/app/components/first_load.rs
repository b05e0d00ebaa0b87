//! The first load: the page as a visitor first sees it (the terminal, the bucket explorer, the clock, and the
//! controls of the whole app drawn the same way), in a small module. Anything else the visitor opens (a lesson,
//! the timeline, the watchers, client code, sharing and export, a real server) loads the whole app, which takes
//! over from here through a `Handoff` and then does what was asked.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::app::{boot_with, initial_term, use_page, Version};
use super::clock_bar::ClockBar;
use super::explorer::Explorer;
use super::terminal::Terminal;
use crate::app::handoff::{self, Handoff, Intent};
use crate::app::term_state::TermState;
use crate::app::{real_now, Playground, Shared};

/// What the page's scripts need to take the first load's state when they start the whole app.
struct Live {
    shared: Shared,
    term: UseReducerHandle<TermState>,
    file: Option<(String, String)>,
}

thread_local! {
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
}

/// The command line as typed so far.
fn typed_line() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("term-input"))
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Serialises the first load's state for the whole app and leaves it on the window (`handoff::stash`), for
/// `intent`. Called by the page's loader once the whole app's module is ready, just before it starts it.
/// Returns false when there is nothing to hand over (the first load is not running).
pub fn hand_over(intent: &str) -> Result<bool, String> {
    let intent = Intent::parse(intent).ok_or_else(|| format!("unknown part {intent:?}"))?;
    LIVE.with(|l| {
        let l = l.borrow();
        let Some(live) = l.as_ref() else { return Ok(false) };
        let h = Handoff::take(&live.shared.0.borrow(), &live.term, &typed_line(), &intent, live.file.clone());
        Ok(handoff::stash(&h.to_json()?))
    })
}

/// Forgets the first load's state (the loader unmounts it).
pub fn retire() {
    LIVE.with(|l| l.borrow_mut().take());
}

/// Asks the page's loader for the whole app (`kvplayParts.load`); resolves when it has taken over, fails when
/// it could not be fetched (the first load then goes on as it was).
async fn load_whole_app(intent: &Intent) -> Result<(), String> {
    let w = web_sys::window().ok_or("no window")?;
    let parts = js_sys::Reflect::get(&w, &"kvplayParts".into()).map_err(|_| "no loader")?;
    let load: js_sys::Function =
        js_sys::Reflect::get(&parts, &"load".into()).ok().and_then(|f| f.dyn_into().ok()).ok_or("no loader")?;
    let p = load.call1(&parts, &intent.name().into()).map_err(|e| format!("{e:?}"))?;
    let p: js_sys::Promise = p.dyn_into().map_err(|_| "the loader gave no promise")?;
    wasm_bindgen_futures::JsFuture::from(p)
        .await
        .map(|_| ())
        .map_err(|e| e.as_string().unwrap_or_else(|| "the rest of the playground could not be loaded".into()))
}

#[function_component(FirstLoad)]
pub fn first_load() -> Html {
    let boot = use_memo((), |_| boot_with(Playground::new_first_load(real_now()), real_now()));
    let shared = boot.shared.clone();
    let version = use_reducer(Version::default);
    let term = {
        let boot = boot.clone();
        use_reducer(move || initial_term(&boot))
    };
    let on_change = use_page(&shared, &term, &version);
    let buckets = use_state(|| false);
    let loading = use_state(|| None::<Result<Intent, String>>);
    {
        let (shared, term) = (shared.clone(), term.clone());
        LIVE.with(|l| {
            let mut l = l.borrow_mut();
            let file = l.as_mut().and_then(|x| x.file.take());
            *l = Some(Live { shared, term, file });
        });
    }

    let want = {
        let loading = loading.clone();
        Callback::from(move |intent: Intent| {
            if matches!(*loading, Some(Ok(_))) {
                return;
            }
            loading.set(Some(Ok(intent.clone())));
            let loading = loading.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = load_whole_app(&intent).await {
                    loading.set(Some(Err(format!("{e}: check the connection and try again"))));
                }
            });
        })
    };
    let on = |intent: Intent| {
        let want = want.clone();
        Callback::from(move |_: MouseEvent| want.emit(intent.clone()))
    };
    let on_import = {
        let want = want.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let name = file.name();
            let want = want.clone();
            let reader = gloo::file::callbacks::read_as_text(&gloo::file::File::from(file), move |r| {
                if let Ok(text) = r {
                    LIVE.with(|l| {
                        if let Some(live) = l.borrow_mut().as_mut() {
                            live.file = Some((name, text));
                        }
                    });
                    want.emit(Intent::Session("import".into()));
                }
            });
            std::mem::forget(reader);
        })
    };

    let status = match &*loading {
        Some(Ok(i)) => html! { <p class="pane-loading" role="status">{ i.loading() }</p> },
        Some(Err(e)) => html! { <p class="verdict fail" role="alert">{ e.clone() }</p> },
        None => html! {},
    };
    let tab = |label: &str, current: bool, onclick: Callback<MouseEvent>| {
        html! {
            <button type="button" role="tab" aria-selected={current.to_string()} class={if current { "tab current" } else { "tab" }} {onclick}>{ label }</button>
        }
    };
    let show_lessons = {
        let b = buckets.clone();
        Callback::from(move |_: MouseEvent| b.set(false))
    };
    let show_buckets = {
        let b = buckets.clone();
        Callback::from(move |_: MouseEvent| b.set(true))
    };
    let session = |label: &str, what: &str, title: &'static str| {
        html! { <button type="button" onclick={on(Intent::Session(what.into()))} {title}>{ label.to_string() }</button> }
    };
    html! {
        <div class="page">
            <header class="top">
                <h1>{ "NATS KV Playground" }</h1>
                <p class="tagline">{ "A JetStream Key-Value store running in this page. Type nats commands below." }</p>
                <details class="server-bar">
                    <summary onclick={{
                        let want = want.clone();
                        Callback::from(move |e: MouseEvent| {
                            e.prevent_default();
                            want.emit(Intent::Connect)
                        })
                    }}>
                        <span class="conn-dot embedded" aria-hidden="true"></span>
                        <span class="conn-state" role="status" aria-live="polite">{ "Embedded engine (in this page)" }</span>
                        <span class="conn-toggle">{ "connect to a real server ▾" }</span>
                    </summary>
                </details>
                <ClockBar shared={shared.clone()} version={version.0} term={term.dispatcher()} on_change={on_change.clone()} />
                <div class="session-bar" role="group" aria-label="Session">
                    { session("Share", "share", "A link that replays this session") }
                    { session("Embed", "embed", "Code to show these commands or this lesson step in your own page") }
                    { session("Export", "export:json", "Buckets with every kept revision, as JSON") }
                    { session(".sh", "export:sh", "The commands you ran, as a script for the nats CLI") }
                    { session(".py", "export:py", "The commands you ran, as a nats-py program") }
                    { session(".mjs", "export:mjs", "The commands you ran, as a nats.js program (node)") }
                    { session(".rs", "export:rs", "The commands you ran, as an async-nats program (Rust)") }
                    { session(".go", "export:go", "The commands you ran, as a nats.go program") }
                    <label class="import">{ "Import" }
                        <input type="file" accept=".json,application/json" onchange={on_import} aria-label="Import buckets from a JSON export" />
                    </label>
                    { session("Start over", "start-over", "Wipe every bucket, the history and the kept session (asks first)") }
                </div>
            </header>
            <main class="panes">
                <Terminal shared={shared.clone()} term={term.clone()} on_change={on_change.clone()} />
                <div class="side">
                    <div class="tabs" role="tablist" aria-label="Beside the terminal">
                        { tab("Lesson", !*buckets, show_lessons) }
                        { tab("Buckets", *buckets, show_buckets) }
                        { tab("Timeline", false, on(Intent::Tab("timeline".into()))) }
                        { tab("Watchers", false, on(Intent::Tab("watchers".into()))) }
                        { tab("As code", false, on(Intent::Tab("code".into()))) }
                        { tab("Python console", false, on(Intent::Tab("python".into()))) }
                    </div>
                    { status }
                    <div class="pane-slot" role="tabpanel" aria-label="Lesson" hidden={*buckets}>
                        { super::lesson_panel::lesson_list(|name| on(Intent::Lesson(name.into()))) }
                    </div>
                    <div class="pane-slot" role="tabpanel" aria-label="Buckets" hidden={!*buckets}>
                        <Explorer shared={shared.clone()} version={version.0} active={*buckets} />
                    </div>
                </div>
            </main>
        </div>
    }
}
