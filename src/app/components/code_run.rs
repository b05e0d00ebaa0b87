//! Run for the As code tab's generated Python and JavaScript: the program runs as a cell's would (nats-py in the
//! Python worker, nats.js in a JavaScript worker), against the page's server or the connected real server, with
//! Run / Stop and its output under it.

use yew::prelude::*;

use crate::app::store::{Action, Dispatch, Program};
use crate::app::{javascript, python, Shared};

/// The cell ids of the tab's two programs.
const PY_CELL: &str = "as-code/python";
const JS_CELL: &str = "as-code/javascript";
const FILENAME: &str = "<as code>";

#[derive(Properties, PartialEq)]
pub struct CodeRunProps {
    pub shared: Shared,
    pub python: bool,
    pub code: AttrValue,
    pub d: Dispatch,
}

#[function_component(CodeRun)]
pub fn code_run(p: &CodeRunProps) -> Html {
    let redraw = use_force_update();
    use_effect_with(p.python, move |python| {
        let f = Callback::from(move |_| redraw.force_update());
        let id = if *python { python::subscribe(f) } else { javascript::subscribe(f) };
        let python = *python;
        move || if python { python::unsubscribe(id) } else { javascript::unsubscribe(id) }
    });
    let (out, running, note) = if p.python {
        let v = python::cell(PY_CELL);
        let loading = python::progress().filter(|g| !g.ready && v.running).map(|g| g.what);
        let mut out = v.out.clone();
        if let Some(e) = &v.error {
            out.push((true, e.clone()));
        }
        (out, v.running, loading.or(v.running.then(|| "Running…".to_string())))
    } else {
        let v = javascript::cell(JS_CELL);
        let note = if v.loading {
            Some("Loading the JavaScript client…".to_string())
        } else {
            v.running.then(|| "Running…".to_string())
        };
        (v.out.clone(), v.running, note)
    };
    let stopped = if p.python { python::cell(PY_CELL).stopped } else { javascript::cell(JS_CELL).stopped };
    let run = {
        let (python, code) = (p.python, p.code.clone());
        p.d.callback(move |_: MouseEvent| {
            Action::RunProgram(Program {
                python,
                ns: "as-code".into(),
                cell: if python { PY_CELL } else { JS_CELL }.into(),
                code: code.to_string(),
                filename: FILENAME.into(),
                echo: false,
            })
        })
    };
    let python = p.python;
    let stop = p.d.callback(move |_: MouseEvent| Action::StopProgram {
        python,
        cell: if python { PY_CELL } else { JS_CELL }.into(),
    });
    html! {
        <div class="code-run">
            <div class="jscell-actions">
                <button type="button" class="primary code-run-go" onclick={run}
                    title="Run this program here, against the page's server">{ if running { "Run again" } else { "Run" } }</button>
                <button type="button" class="code-run-stop" onclick={stop} disabled={!running}>{ "Stop" }</button>
                if let Some(n) = note { <span class="js-state" role="status">{ n }</span> }
            </div>
            if !out.is_empty() || stopped {
                <pre class="jsout code-run-out" aria-live="polite">
                    { for out.iter().map(|(err, s)| html! { <span class={classes!(err.then_some("stderr"))}>{ s.clone() }</span> }) }
                    if stopped { <span class="js-stopped">{ "(stopped)\n" }</span> }
                </pre>
            }
        </div>
    }
}
