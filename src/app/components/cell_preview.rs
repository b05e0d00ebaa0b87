//! A lesson's code cell as a small module draws it: the document's code in the same editable box, with Run,
//! which asks the page for the whole app (Python or the JavaScript client come with it) and hands the edited code
//! and the run over to it. The whole app draws `running_cell` instead: the cell that runs.

use yew::prelude::*;

use super::js_cell::JsCell;
use super::python_cell::PythonCell;
use crate::app::handoff::{self, Intent};
use crate::app::Shared;

/// One code cell of a lesson step, for `Parts::code_cell`.
#[derive(Clone, PartialEq)]
pub struct CellSpec {
    pub shared: Shared,
    /// "python" or "javascript".
    pub lang: &'static str,
    /// The namespace the cell runs in (the lesson's name).
    pub ns: AttrValue,
    /// The cell's id, unique in the page.
    pub id: AttrValue,
    /// The name the cell's code has in errors (`<step 2>`).
    pub filename: AttrValue,
    /// The document's code.
    pub code: AttrValue,
    /// The output the document shows for a Python program.
    pub expected: Option<AttrValue>,
    /// The lesson's Run step runs this (Python) cell.
    pub step_runs: bool,
    /// Asks for the whole app (a small module's).
    pub want: Option<Callback<Intent>>,
    /// Where the cell's Run and Stop go.
    pub d: crate::app::store::Dispatch,
}

/// The cell that runs: Python in Pyodide, JavaScript in a worker (the whole app).
pub fn running_cell(c: &CellSpec) -> Html {
    if c.lang == "python" {
        html! { <PythonCell key={c.id.to_string()} ns={c.ns.clone()} id={c.id.clone()} filename={c.filename.clone()} code={c.code.clone()} expected={c.expected.clone()} step_runs={c.step_runs} d={c.d.clone()} /> }
    } else {
        html! { <JsCell key={c.id.to_string()} shared={c.shared.clone()} id={c.id.clone()} filename={c.filename.clone()} code={c.code.clone()} d={c.d.clone()} /> }
    }
}

/// The cell of a small module.
pub fn cell_preview(c: &CellSpec) -> Html {
    html! { <CellPreview key={c.id.to_string()} spec={c.clone()} /> }
}

#[derive(Properties, PartialEq)]
struct CellPreviewProps {
    spec: CellSpec,
}

#[function_component(CellPreview)]
fn preview(p: &CellPreviewProps) -> Html {
    let c = &p.spec;
    let code = use_state(|| handoff::edited(&c.id).unwrap_or_else(|| c.code.to_string()));
    let asked = use_state(|| false);
    let (class, prefix, label, loading) = if c.lang == "python" {
        ("pycell", "py", "Python", "Loading Python…")
    } else {
        ("jscell", "js", "JavaScript", "Loading the JavaScript client…")
    };
    let oninput = {
        let (code, id) = (code.clone(), c.id.clone());
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                handoff::keep_edit(&id, &t.value());
                code.set(t.value());
            }
        })
    };
    let run = {
        let (want, id, asked) = (c.want.clone(), c.id.clone(), asked.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(w) = &want {
                asked.set(true);
                w.emit(Intent::Cell(id.to_string()));
            }
        })
    };
    let reset = {
        let (code, doc, id) = (code.clone(), c.code.clone(), c.id.clone());
        Callback::from(move |_: MouseEvent| {
            handoff::keep_edit(&id, &doc);
            code.set(doc.to_string());
        })
    };
    let rows = code.lines().count().clamp(3, 30).to_string();
    let edited = *code != c.code.as_str();
    html! {
        <div class={class} data-cell={c.id.clone()}>
            <textarea class={format!("{prefix}code")} spellcheck="false" rows={rows} value={(*code).clone()} {oninput}
                aria-label={format!("{label} code of {}", c.filename)} />
            <div class={format!("{class}-actions")}>
                <button type="button" class={format!("primary {prefix}-run")} onclick={run}
                    onpointerenter={Callback::from(|_: PointerEvent| handoff::prefetch())}
                    onfocus={Callback::from(|_: FocusEvent| handoff::prefetch())}>{ "Run" }</button>
                <button type="button" class={format!("{prefix}-stop")} disabled=true>{ "Stop" }</button>
                <button type="button" class={format!("{prefix}-reset")} onclick={reset} disabled={!edited}
                    title="Put the document's code back">{ "Reset" }</button>
                if *asked { <span class={format!("{prefix}-state")} role="status">{ loading }</span> }
            </div>
        </div>
    }
}
