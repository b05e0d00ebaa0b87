//! The first load: the page as a visitor first sees it (the terminal, the bucket explorer, the clock, and the
//! controls of the whole app drawn the same way), in a small module. Anything else the visitor opens (a lesson,
//! the timeline, the watchers, client code, sharing and export, a real server) loads the whole app, which takes
//! over from here through a `Handoff` and then does what was asked.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::app::{tab_key, TAB_IDS as TABS};
use super::clock_bar::ClockBar;
use super::explorer::Explorer;
use super::terminal::Terminal;
use crate::app::handoff::{self, Intent};
use crate::app::page::{boot_with, use_started_page, Page};
use crate::app::{real_now, Playground};

/// Asks the page's loader for the whole app, once at a time; returns the request and what to show meanwhile
/// (what is loading, or why it could not load: the small module then goes on as it was).
#[hook]
pub fn use_whole_app() -> (Callback<Intent>, Html) {
    let loading = use_state(|| None::<Result<Intent, String>>);
    let want = {
        let loading = loading.clone();
        Callback::from(move |intent: Intent| {
            if matches!(*loading, Some(Ok(_))) {
                return;
            }
            loading.set(Some(Ok(intent.clone())));
            let loading = loading.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = handoff::load_whole_app(&intent).await {
                    loading.set(Some(Err(format!("{e}: check the connection and try again"))));
                }
            });
        })
    };
    let status = match &*loading {
        Some(Ok(i)) => html! { <p class="pane-loading" role="status">{ i.loading() }</p> },
        Some(Err(e)) => html! { <p class="verdict fail" role="alert">{ e.clone() }</p> },
        None => html! {},
    };
    (want, status)
}

#[function_component(FirstLoad)]
pub fn first_load() -> Html {
    let Page { shared, store, d, .. } =
        use_started_page(|| boot_with(Playground::new_first_load(real_now()), real_now()));
    let buckets = use_state(|| false);
    handoff::register(&shared, &store);
    let version = store.version();

    let (want, status) = use_whole_app();
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
                    handoff::keep_file(name, text);
                    want.emit(Intent::Session("import".into()));
                }
            });
            std::mem::forget(reader);
        })
    };

    // The pointer over a control of the whole app, or the keyboard on it, starts fetching it.
    let onpointerenter = Callback::from(|_: PointerEvent| handoff::prefetch());
    let onfocus = Callback::from(|_: FocusEvent| handoff::prefetch());
    // The WAI-ARIA tabs pattern, as in the whole app: the chosen tab is the one in the Tab order; arrow keys,
    // Home and End move the focus along the tabs. Lesson and Buckets are chosen as the focus reaches them; a
    // tab of the whole app starts fetching it then, and opens it with Enter or Space (it is a button).
    let tab = |id: &'static str,
               label: &str,
               current: bool,
               onclick: Callback<MouseEvent>,
               panel: Option<&'static str>| {
        let whole = panel.is_none();
        let (onpointerenter, onfocus) =
            if whole { (Some(onpointerenter.clone()), Some(onfocus.clone())) } else { (None, None) };
        html! {
            <button type="button" role="tab" {id} aria-controls={panel}
                aria-selected={current.to_string()} tabindex={if current { "0" } else { "-1" }}
                class={if current { "tab current" } else { "tab" }} {onclick} {onpointerenter} {onfocus}>{ label }</button>
        }
    };
    let tab_keys = {
        let b = buckets.clone();
        Callback::from(move |e: KeyboardEvent| {
            let focused = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element()).map(|a| a.id());
            let at = focused.and_then(|id| TABS.iter().position(|t| *t == id)).unwrap_or(usize::from(*b));
            if let Some(to) = tab_key(&e, at).filter(|to| *to < 2) {
                b.set(to == 1);
            }
        })
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
        html! { <button type="button" onclick={on(Intent::Session(what.into()))} {title} onpointerenter={onpointerenter.clone()} onfocus={onfocus.clone()}>{ label.to_string() }</button> }
    };
    html! {
        <div class="page">
            <header class="top">
                <h1>{ "NATS KV Playground" }</h1>
                <p class="tagline">{ "A JetStream Key-Value store running in this page. Type nats commands below." }</p>
                <details class="server-bar">
                    <summary onpointerenter={onpointerenter.clone()} onfocus={onfocus.clone()} onclick={{
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
                <ClockBar shared={shared.clone()} {version} d={d.clone()} />
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
                <Terminal shared={shared.clone()} store={store.clone()} d={d.clone()} />
                <div class="side">
                    <div class="tabs" role="tablist" aria-label="Beside the terminal" onkeydown={tab_keys}>
                        { tab(TABS[0], "Lesson", !*buckets, show_lessons, Some("panel-lesson")) }
                        { tab(TABS[1], "Buckets", *buckets, show_buckets, Some("panel-buckets")) }
                        { tab(TABS[2], "Timeline", false, on(Intent::Tab("timeline".into())), None) }
                        { tab(TABS[3], "Watchers", false, on(Intent::Tab("watchers".into())), None) }
                        { tab(TABS[4], "As code", false, on(Intent::Tab("code".into())), None) }
                        { tab(TABS[5], "Python console", false, on(Intent::Tab("python".into())), None) }
                    </div>
                    { status }
                    <div class="pane-slot" role="tabpanel" id="panel-lesson" aria-labelledby="tab-lesson" hidden={*buckets}>
                        { super::lesson_panel::lesson_list(|name| on(Intent::Lesson(name.into()))) }
                    </div>
                    <div class="pane-slot" role="tabpanel" id="panel-buckets" aria-labelledby="tab-buckets" hidden={!*buckets}>
                        <Explorer shared={shared.clone()} {version} active={*buckets} />
                    </div>
                </div>
            </main>
        </div>
    }
}
