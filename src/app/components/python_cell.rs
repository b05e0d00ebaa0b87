//! A Python code cell of a lesson: the document's code in an editable box, Run / Stop / Reset, and what the
//! program prints streaming in under it (stdout, stderr, a traceback that points at the cell's own lines). The
//! first Run loads Python, with a progress bar; cells of one lesson share one namespace, as a notebook's do.

use yew::prelude::*;

use crate::app::python;

#[derive(Properties, PartialEq)]
pub struct PythonCellProps {
    /// The namespace the cell runs in (the lesson's name).
    pub ns: AttrValue,
    /// The cell's id, unique in the page.
    pub id: AttrValue,
    /// The name Python gives the cell's code in tracebacks (`<step 2>`).
    pub filename: AttrValue,
    /// The document's code.
    pub code: AttrValue,
}

fn mb(n: u64) -> String {
    format!("{:.1} MB", n as f64 / 1_000_000.0)
}

#[function_component(PythonCell)]
pub fn python_cell(props: &PythonCellProps) -> Html {
    let code = use_state(|| props.code.to_string());
    let redraw = use_force_update();
    use_effect_with(props.id.clone(), move |_| {
        let id = python::subscribe(Callback::from(move |_| redraw.force_update()));
        move || python::unsubscribe(id)
    });
    // A different document (another lesson, the same step index) brings its own code.
    {
        let code = code.clone();
        use_effect_with(props.code.clone(), move |c| code.set(c.to_string()));
    }
    let view = python::cell(&props.id);
    let progress = python::progress();
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
        let (code, p) = (code.clone(), (props.ns.clone(), props.id.clone(), props.filename.clone()));
        Callback::from(move |_: MouseEvent| python::run(&p.0, &p.1, &code, &p.2))
    };
    let stop = {
        let id = props.id.clone();
        Callback::from(move |_: MouseEvent| python::stop(&id))
    };
    let reset = {
        let (code, doc) = (code.clone(), props.code.clone());
        Callback::from(move |_: MouseEvent| code.set(doc.to_string()))
    };
    let rows = code.lines().count().clamp(3, 30).to_string();
    let loading = progress.as_ref().filter(|p| !p.ready && view.running);
    html! {
        <div class="pycell" data-cell={props.id.clone()}>
            <textarea class="pycode" spellcheck="false" rows={rows} value={(*code).clone()} {oninput}
                aria-label={format!("Python code of {}", props.filename)} />
            <div class="pycell-actions">
                <button type="button" class="primary py-run" onclick={run}>{ if view.running { "Run again" } else { "Run" } }</button>
                <button type="button" class="py-stop" onclick={stop} disabled={!view.running}>{ "Stop" }</button>
                <button type="button" class="py-reset" onclick={reset} disabled={!edited}
                    title="Put the document's code back">{ "Reset" }</button>
                if view.running && loading.is_none() { <span class="py-state" role="status">{ "Running…" }</span> }
            </div>
            if let Some(p) = loading {
                <div class="py-progress" role="status">
                    <progress max={p.total.max(1).to_string()} value={p.loaded.to_string()} />
                    <span>{ format!("{} {} of {}", p.what, mb(p.loaded), mb(p.total)) }</span>
                </div>
            }
            if !view.out.is_empty() || view.error.is_some() || view.stopped {
                <pre class="pyout" aria-live="polite">
                    { for view.out.iter().map(|(err, s)| html! { <span class={classes!(err.then_some("stderr"))}>{ s.clone() }</span> }) }
                    if let Some(e) = &view.error { <span class="stderr traceback">{ e.clone() }</span> }
                    if let Some(why) = view.error.as_deref().and_then(python::explain) { <span class="py-why">{ format!("{why}\n") }</span> }
                    if view.stopped { <span class="py-stopped">{ "(stopped)\n" }</span> }
                </pre>
            }
        </div>
    }
}
