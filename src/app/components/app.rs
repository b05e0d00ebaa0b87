//! The whole app's page: the header's bars, the terminal, and the tabs beside it (lesson, buckets, timeline,
//! watchers, code, Python), rendered from the page's store (`app::page` starts it and runs its services).

use yew::prelude::*;

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
use crate::app::page::{boot, use_lesson_address, use_started_page, use_whole_app_services, Page};
use wasm_bindgen::JsCast;

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

#[function_component(App)]
pub fn app() -> Html {
    let Page { boot, shared, store, d } = use_started_page(boot);
    let version = store.version();
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

    use_whole_app_services(&shared, &d);
    use_lesson_address(&shared, &params, &d);
    {
        // Lines a small module handed over because they asked for `--trace` run here, where traces are written.
        let d = d.clone();
        use_effect_with((), move |_| {
            if let Some(Intent::Run(text)) = crate::app::handoff::take_pending(|i| matches!(i, Intent::Run(_))) {
                d.dispatch(crate::app::store::Action::RunLines(text.lines().map(str::to_string).collect()));
            }
        });
    }

    if params.embed.as_deref() == Some("code") {
        return html! {
            <div class="embed">{ match super::embed_code::sample(&params) {
                Ok(sample) => html! { <EmbedCode shared={shared.clone()} {sample} version={version} timeline={params.timeline} d={d.clone()} /> },
                Err(e) => html! { <p class="verdict fail" role="alert">{ format!("This example could not be loaded: {e}") }</p> },
            } }</div>
        };
    }
    if params.embed.as_deref() == Some("snippet") {
        return match &boot.snippet {
            Some(Ok(cmds)) => html! {
                <div class="embed">
                    <EmbedSnippet shared={shared.clone()} commands={cmds.clone()} version={version} below={if params.timeline { html! { <Timeline shared={shared.clone()} version={version} active=true /> } } else { html! {} }} store={store.clone()} d={d.clone()} />
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
                    <super::step_embed::StepEmbed shared={shared.clone()} step={params.step} alone={store.alone.clone()} d={d.clone()} />
                </div>
            }
        }
        None if embedded_lesson => return super::lesson_embed::lesson_loading(&store.term),
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
                    <ServerBar shared={shared.clone()} version={version} d={d.clone()} open={intent == Some(Intent::Connect)} />
                    if shared.0.borrow().clock_moves() {
                        <ClockBar shared={shared.clone()} version={version} d={d.clone()} />
                    }
                    <SessionBar shared={shared.clone()} d={d.clone()} share_link={store.share_link.clone()} import_asks={store.import_asks.clone()} intent={session_intent} />
                    <super::workshop_banner::WorkshopBanner shared={shared.clone()} {version} d={d.clone()} />
                </header>
            }
            <main class="panes">
                <Terminal shared={shared.clone()} store={store.clone()} d={d.clone()} />
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
                        <LessonPanel shared={shared.clone()} version={version} d={d.clone()} {initial_step} />
                    </div>
                    <div class="pane-slot" role="tabpanel" id="panel-buckets" aria-labelledby="tab-buckets" hidden={*side != Side::Buckets}><Explorer shared={shared.clone()} version={version} active={*side == Side::Buckets} /></div>
                    <div class="pane-slot" role="tabpanel" id="panel-timeline" aria-labelledby="tab-timeline" hidden={*side != Side::Timeline}><Timeline shared={shared.clone()} version={version} active={*side == Side::Timeline} /></div>
                    <div class="pane-slot" role="tabpanel" id="panel-watchers" aria-labelledby="tab-watchers" hidden={*side != Side::Watchers}><WatchPanes shared={shared.clone()} {version} panes={store.panes.clone()} refused={store.watch_refused.clone()} d={d.clone()} /></div>
                    <div class="pane-slot" role="tabpanel" id="panel-code" aria-labelledby="tab-code" hidden={*side != Side::Code}>
                        if *side == Side::Code { <CodeView shared={shared.clone()} version={version} d={d.clone()} /> }
                    </div>
                    // Mounted and kept (its transcript stays); Python loads on its first line only.
                    <div class="pane-slot" role="tabpanel" id="panel-python" aria-labelledby="tab-python" hidden={*side != Side::Python}>
                        <super::python_console::PythonConsole shared={shared.clone()} d={d.clone()} />
                    </div>
                </div>
            </main>
        </div>
    }
}
