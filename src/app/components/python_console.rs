//! The Python console beside the terminal: one call at a time with top-level await, in a namespace of its own
//! where `nc` (a nats-py connection to the page's server), `js` and `kv` (a handle on the first bucket, if there
//! is one) are ready; an expression's value is echoed as Python's REPL does, and Up/Down walk the history.
//! Python loads on the first line entered, never before.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::app::store::{Action, Dispatch, Program};
use crate::app::{python, Shared};

const NS: &str = "console";
const CELL: &str = "console";

#[derive(Properties, PartialEq)]
pub struct PythonConsoleProps {
    pub shared: Shared,
    pub d: Dispatch,
}

/// A console line to run, echoing its value as the interactive interpreter does.
fn line_program(code: &str) -> Action {
    Action::RunProgram(Program {
        python: true,
        ns: NS.into(),
        cell: CELL.into(),
        code: code.to_string(),
        filename: "<console>".into(),
        echo: true,
    })
}

/// What the console sets up before the learner's first line.
fn prelude(bucket: Option<&str>) -> String {
    let kv = match bucket {
        Some(b) => format!("kv = await js.key_value({b:?})\nprint(\"nc, js and kv (the bucket {b}) are ready\")"),
        None => "kv = None\nprint(\"nc and js are ready; there is no bucket yet: kv = await js.create_key_value(bucket=\\\"CONFIG\\\")\")".into(),
    };
    format!("import nats\nnc = await nats.connect(\"nats://localhost:4222\")\njs = nc.jetstream()\n{kv}")
}

#[derive(Default)]
struct Console {
    /// Lines entered, oldest first, and the one Up/Down shows.
    history: Vec<String>,
    at: Option<usize>,
    /// What the console shows: each entry's line and what it printed.
    transcript: Vec<(String, String, bool)>,
    /// The line whose run is going on, if one is.
    running: Option<String>,
    ready: bool,
    /// Lines entered before the prelude ended.
    queued: Vec<String>,
}

#[function_component(PythonConsole)]
pub fn python_console(props: &PythonConsoleProps) -> Html {
    let state = use_mut_ref(Console::default);
    let input = use_state(String::new);
    let redraw = use_force_update();
    {
        let (state, redraw, d) = (state.clone(), redraw.clone(), props.d.clone());
        use_effect_with((), move |_| {
            let id = python::subscribe(Callback::from(move |_| {
                collect(&state, &d);
                redraw.force_update();
            }));
            move || python::unsubscribe(id)
        });
    }
    let submit = {
        let (state, input, shared, redraw, d) =
            (state.clone(), input.clone(), props.shared.clone(), redraw.clone(), props.d.clone());
        move || {
            let line = (*input).clone();
            if line.trim().is_empty() {
                return;
            }
            input.set(String::new());
            let mut s = state.borrow_mut();
            s.history.push(line.clone());
            s.at = None;
            if s.running.is_some() || !s.ready {
                s.queued.push(line);
                if s.running.is_none() {
                    let bucket = shared.0.borrow().view().bucket_names().into_iter().next();
                    s.running = Some(String::new());
                    drop(s);
                    d.dispatch(line_program(&prelude(bucket.as_deref())));
                }
            } else {
                s.running = Some(line.clone());
                drop(s);
                d.dispatch(line_program(&line));
            }
            redraw.force_update();
        }
    };
    let onkeydown = {
        let (state, input) = (state.clone(), input.clone());
        Callback::from(move |e: KeyboardEvent| {
            let mut s = state.borrow_mut();
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    drop(s);
                    submit();
                }
                "ArrowUp" if !s.history.is_empty() => {
                    e.prevent_default();
                    let i = s.at.map_or(s.history.len() - 1, |i| i.saturating_sub(1));
                    s.at = Some(i);
                    input.set(s.history[i].clone());
                }
                "ArrowDown" => {
                    e.prevent_default();
                    match s.at {
                        Some(i) if i + 1 < s.history.len() => {
                            s.at = Some(i + 1);
                            input.set(s.history[i + 1].clone());
                        }
                        _ => {
                            s.at = None;
                            input.set(String::new());
                        }
                    }
                }
                _ => {}
            }
        })
    };
    let oninput = {
        let input = input.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                input.set(t.value());
            }
        })
    };
    let s = state.borrow();
    let live = python::cell(CELL);
    let loading = python::progress().filter(|p| !p.ready && s.running.is_some());
    html! {
        <section class="pyconsole" aria-label="Python console">
            <p class="py-clock">{ "Python (CPython in this page, nats-py): nc, js and kv are ready after the first line. One call at a time; top-level await works; Up and Down recall lines." }</p>
            <pre class="pyout" role="log" aria-live="polite">
                { for s.transcript.iter().map(|(line, out, err)| html! {
                    <>
                        if !line.is_empty() { <span class="py-prompt">{ format!(">>> {line}\n") }</span> }
                        <span class={classes!(err.then_some("stderr"))}>{ out.clone() }</span>
                    </>
                }) }
                if let Some(line) = &s.running {
                    if !line.is_empty() { <span class="py-prompt">{ format!(">>> {line}\n") }</span> }
                    <span>{ live.text() }</span>
                }
            </pre>
            if let Some(p) = loading {
                <div class="py-progress" role="status"><progress max={p.total.max(1).to_string()} value={p.loaded.to_string()} /><span>{ p.what.clone() }</span></div>
            }
            <div class="pyconsole-line">
                <span aria-hidden="true">{ ">>> " }</span>
                <input id="py-console-input" type="text" spellcheck="false" autocomplete="off" aria-label="Python console input"
                    value={(*input).clone()} {oninput} {onkeydown} />
            </div>
        </section>
    }
}

/// Moves a finished run into the transcript and starts the next queued line.
fn collect(state: &Rc<RefCell<Console>>, d: &Dispatch) {
    let mut s = state.borrow_mut();
    let Some(line) = s.running.clone() else { return };
    let view = python::cell(CELL);
    if view.running {
        return;
    }
    let mut out = view.text();
    if let Some(e) = &view.error {
        out.push_str(e);
    }
    s.transcript.push((line, out, view.error.is_some()));
    s.running = None;
    s.ready = true;
    if !s.queued.is_empty() {
        let next = s.queued.remove(0);
        s.running = Some(next.clone());
        drop(s);
        d.dispatch(line_program(&next));
    }
}
