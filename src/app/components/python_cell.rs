//! A Python code cell of a lesson: the document's code in an editable box, Run / Stop / Reset, and what the
//! program prints streaming in under it (stdout, stderr, a traceback that points at the cell's own lines). The
//! first Run loads Python, with a progress bar; cells of one lesson share one namespace, as a notebook's do.
//! After a run the cell says whether it passed (no exception, and what the document shows was printed), says
//! which clock the program's sleeps followed, and offers the corrected line where the document's code fails.

use yew::prelude::*;

use crate::app::python;
use crate::app::store::{Action, Dispatch, Program};
use crate::lesson::pycheck::{self, PyVerdict};

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
    /// The output the document shows for the program, if it shows any.
    #[prop_or_default]
    pub expected: Option<AttrValue>,
    /// The lesson's Run step runs this cell (its step has no operations standing in for the program).
    #[prop_or_default]
    pub step_runs: bool,
    pub d: Dispatch,
}

/// How long the program's sleeps took on the playground's clock, in words ("11 s").
fn span(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn mb(n: u64) -> String {
    format!("{:.1} MB", n as f64 / 1_000_000.0)
}

#[function_component(PythonCell)]
pub fn python_cell(props: &PythonCellProps) -> Html {
    // The code as the visitor edited it before the whole app took over, if they did.
    let code = use_state(|| crate::app::handoff::edited(&props.id).unwrap_or_else(|| props.code.to_string()));
    let redraw = use_force_update();
    use_effect_with(props.id.clone(), move |_| {
        let id = python::subscribe(Callback::from(move |_| redraw.force_update()));
        move || python::unsubscribe(id)
    });
    // A different document (another lesson, the same step index) brings its own code.
    {
        let code = code.clone();
        let mounted = use_mut_ref(|| false);
        use_effect_with(props.code.clone(), move |c| {
            if std::mem::replace(&mut *mounted.borrow_mut(), true) {
                code.set(c.to_string());
            }
        });
    }
    // Run step runs the cell's code as it stands in the box.
    if props.step_runs {
        python::set_code(&props.ns, &props.id, &props.filename, &code);
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
        props.d.callback(move |_: ()| {
            Action::RunProgram(Program {
                python: true,
                ns: p.0.to_string(),
                cell: p.1.to_string(),
                code: code.to_string(),
                filename: p.2.to_string(),
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
        props.d.callback(move |_: MouseEvent| Action::StopProgram { python: true, cell: id.to_string() })
    };
    let reset = {
        let (code, doc) = (code.clone(), props.code.clone());
        Callback::from(move |_: MouseEvent| code.set(doc.to_string()))
    };
    let rows = code.lines().count().clamp(3, 30).to_string();
    let finished = !view.running && (!view.out.is_empty() || view.error.is_some()) && !view.stopped;
    let verdict = finished.then(|| {
        pycheck::judge(props.expected.as_deref(), &view.text(), view.error.as_deref(), &view.code, &props.filename)
    });
    let fix = match &verdict {
        Some(PyVerdict::Raised { fix: Some(f), .. }) => Some(f.clone()),
        _ => None,
    };
    let apply_fix = {
        let (code, fix) = (code.clone(), fix.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(fixed) = fix.as_ref().and_then(|f| pycheck::apply(&code, f)) {
                code.set(fixed);
            }
        })
    };
    let sleeps = view.slept_ms > 0 || code.contains("sleep(");
    let clock = if let Some(url) = crate::app::page_link::connected_server() {
        format!("clock: real (the page is connected to {url}): asyncio.sleep waits for real, as against any server")
    } else if view.slept_ms > 0 {
        format!(
            "clock: fast-forwarded (playground time): the program's sleeps moved the playground's clock {} at once",
            span(view.slept_ms)
        )
    } else {
        "clock: fast-forwarded (playground time): asyncio.sleep moves the playground's clock at once; the page's server expires what is due".to_string()
    };
    let loading = progress.as_ref().filter(|p| !p.ready && view.running);
    html! {
        <div class="pycell" data-cell={props.id.clone()}>
            <textarea class="pycode" spellcheck="false" rows={rows} value={(*code).clone()} {oninput}
                aria-label={format!("Python code of {}", props.filename)} />
            <div class="pycell-actions">
                <button type="button" class="primary py-run" onclick={run.reform(|_: MouseEvent| ())}>{ if view.running { "Run again" } else { "Run" } }</button>
                <button type="button" class="py-stop" onclick={stop} disabled={!view.running}>{ "Stop" }</button>
                <button type="button" class="py-reset" onclick={reset} disabled={!edited}
                    title="Put the document's code back">{ "Reset" }</button>
                if view.running && loading.is_none() { <span class="py-state" role="status">{ "Running…" }</span> }
            </div>
            if sleeps { <p class="py-clock">{ clock }</p> }
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
            { match &verdict {
                Some(PyVerdict::Pass) => html! {
                    <p class="verdict pass py-verdict" role="status">{
                        if props.expected.is_some() { "Passed: it ran without an exception and printed what the document shows." }
                        else { "Passed: it ran without an exception (the document shows no output for it)." }
                    }</p>
                },
                Some(PyVerdict::Differs { missing }) => html! {
                    <div class="verdict fail py-verdict" role="status">{ "It ran, but did not print what the document shows; missing:" }
                        <pre class="expected">{ missing.join("\n") }</pre>
                    </div>
                },
                Some(PyVerdict::Raised { error, fix }) => html! {
                    <div class="verdict fail py-verdict" role="status">
                        <p>{ format!("Failed: the program raised {error}") }</p>
                        if let Some(f) = fix {
                            <p class="py-why">{ f.why.clone() }</p>
                            <p>{ format!("The document's line {}:", f.line) }</p>
                            <pre class="code">{ f.from.trim().to_string() }</pre>
                            <p>{ "works as:" }</p>
                            <pre class="code py-fixed">{ f.to.trim().to_string() }</pre>
                            <button type="button" class="py-fix" onclick={apply_fix.clone()}>{ "Use the corrected line" }</button>
                        }
                    </div>
                },
                None => html! {},
            } }
        </div>
    }
}
