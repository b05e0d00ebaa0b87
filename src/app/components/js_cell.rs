//! A JavaScript code cell: a program written for a real server (`wsconnect`, `new Kvm(nc)`) in an editable box,
//! Run / Stop / Reset, and what it prints streaming in under it (console.log, console.error, an uncaught error
//! with the cell's line). It runs only when Run is pressed, in a worker of its own, against the page's server or
//! the real server the page is connected to.

use yew::prelude::*;

use crate::app::store::{Action, Dispatch, Program};
use crate::app::{javascript, Shared};

#[derive(Properties, PartialEq)]
pub struct JsCellProps {
    pub shared: Shared,
    /// The cell's id, unique in the page.
    pub id: AttrValue,
    /// The name error messages give the cell's code (`<step 2>`).
    pub filename: AttrValue,
    /// The document's code.
    pub code: AttrValue,
    pub d: Dispatch,
}

#[function_component(JsCell)]
pub fn js_cell(props: &JsCellProps) -> Html {
    // The code as the visitor edited it before the whole app took over, if they did.
    let code = use_state(|| crate::app::handoff::edited(&props.id).unwrap_or_else(|| props.code.to_string()));
    let redraw = use_force_update();
    use_effect_with(props.id.clone(), move |_| {
        let id = javascript::subscribe(Callback::from(move |_| redraw.force_update()));
        move || javascript::unsubscribe(id)
    });
    // A different document (another lesson, another command) brings its own code.
    {
        let code = code.clone();
        let mounted = use_mut_ref(|| false);
        use_effect_with(props.code.clone(), move |c| {
            if std::mem::replace(&mut *mounted.borrow_mut(), true) {
                code.set(c.to_string());
            }
        });
    }
    let view = javascript::cell(&props.id);
    let edited = *code != props.code.as_str();

    let oninput = {
        let code = code.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                code.set(t.value());
            }
        })
    };
    let run = {
        let (code, id, filename) = (code.clone(), props.id.clone(), props.filename.clone());
        props.d.callback(move |_: ()| {
            Action::RunProgram(Program {
                python: false,
                ns: String::new(),
                cell: id.to_string(),
                code: code.to_string(),
                filename: filename.to_string(),
                echo: false,
            })
        })
    };
    // The whole app, taking over from a lesson embed whose visitor pressed this cell's Run: run it now.
    {
        let (run, id) = (run.clone(), props.id.to_string());
        use_effect_with((), move |_| {
            let mine = |i: &crate::app::handoff::Intent| matches!(i, crate::app::handoff::Intent::Cell(c) if *c == id);
            if crate::app::handoff::take_pending(mine).is_some() {
                run.emit(());
            }
        });
    }
    let stop = {
        let id = props.id.clone();
        props.d.callback(move |_: MouseEvent| Action::StopProgram { python: false, cell: id.to_string() })
    };
    let reset = {
        let (code, doc) = (code.clone(), props.code.clone());
        Callback::from(move |_: MouseEvent| code.set(doc.to_string()))
    };
    let rows = code.lines().count().clamp(3, 30).to_string();
    html! {
        <div class="jscell" data-cell={props.id.clone()}>
            <textarea class="jscode" spellcheck="false" rows={rows} value={(*code).clone()} {oninput}
                aria-label={format!("JavaScript code of {}", props.filename)} />
            <div class="jscell-actions">
                <button type="button" class="primary js-run" onclick={run.reform(|_: MouseEvent| ())}>{ if view.running { "Run again" } else { "Run" } }</button>
                <button type="button" class="js-stop" onclick={stop} disabled={!view.running}>{ "Stop" }</button>
                <button type="button" class="js-reset" onclick={reset} disabled={!edited}
                    title="Put the document's code back">{ "Reset" }</button>
                if view.loading { <span class="js-state" role="status">{ "Loading the JavaScript client…" }</span> }
                else if view.running { <span class="js-state" role="status">{ "Running…" }</span> }
            </div>
            if !view.out.is_empty() || view.stopped {
                <pre class="jsout" aria-live="polite">
                    { for view.out.iter().map(|(err, s)| html! { <span class={classes!(err.then_some("stderr"))}>{ s.clone() }</span> }) }
                    if view.stopped { <span class="js-stopped">{ "(stopped)\n" }</span> }
                </pre>
            }
        </div>
    }
}
