//! The code embed (`?embed=code&lang=python|javascript`): one program with Run and its output, optionally with
//! the timeline, for a documentation page. The program comes from `code=` (UTF-8 in URL-safe base64) or from a
//! built-in lesson's cell (`lesson=NAME&step=N&cell=K`, the K-th cell of that language in step N). It runs only
//! when the reader presses Run or the host page sends `kvplay:run`; the run's output goes back to the host as
//! `kvplay:result` when the program ends, and `kvplay:reset` stops it and clears its output.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::js_cell::JsCell;
use super::python_cell::PythonCell;
use super::timeline::Timeline;
use crate::app::store::{Action, Dispatch, Program};
use crate::app::{javascript, python, Shared, UrlParams};
use crate::lesson::markdown::Block;

/// The cell id of the embed's program.
pub const CELL: &str = "embed/sample";
/// What errors call the program.
pub const FILENAME: &str = "<sample>";

/// The sample's language and code, from the embed's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub python: bool,
    pub code: String,
}

/// Finds the program an address names, or says in plain words why there is none.
pub fn sample(p: &UrlParams) -> Result<Sample, String> {
    let lang = p.lang.as_deref().ok_or("lang= is missing: say python or javascript")?;
    let python = lang == "python";
    if let Some(packed) = &p.code {
        let bytes = crate::transfer::base64_decode(packed).map_err(|e| format!("code= is damaged ({e})"))?;
        let code = String::from_utf8(bytes).map_err(|_| "code= is not UTF-8 text".to_string())?;
        if code.len() > 64 * 1024 {
            return Err("code= is longer than 64 KiB".into());
        }
        return Ok(Sample { python, code });
    }
    let Some(name) = &p.lesson else {
        return Err("the program is missing: give code= or lesson=, step= and cell=".into());
    };
    let lesson = crate::lesson::built_in(name).ok_or_else(|| format!("there is no built-in lesson called {name:?}"))?;
    let step = lesson.steps.get(p.step).ok_or_else(|| format!("lesson {name} has no step {}", p.step + 1))?;
    let langs: &[&str] = if python { &["python"] } else { &["javascript", "js"] };
    step.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Code { lang, code } if langs.contains(&lang.as_str()) => Some(code.clone()),
            _ => None,
        })
        .nth(p.cell)
        .map(|code| Sample { python, code })
        .ok_or_else(|| format!("step {} of lesson {name} has no {lang} cell {}", p.step + 1, p.cell + 1))
}

/// The run's output and whether it ended well, as the host hears it.
fn outcome(python: bool) -> Option<(String, bool)> {
    if python {
        let v = python::cell(CELL);
        (!v.running)
            .then(|| (format!("{}{}", v.text(), v.error.clone().unwrap_or_default()), v.error.is_none() && !v.stopped))
    } else {
        let v = javascript::cell(CELL);
        (!v.running).then(|| (v.text(), !v.failed && !v.stopped))
    }
}

#[derive(Properties, PartialEq)]
pub struct EmbedCodeProps {
    pub shared: Shared,
    pub sample: Sample,
    pub version: u64,
    pub timeline: bool,
    pub d: Dispatch,
}

#[function_component(EmbedCode)]
pub fn embed_code(p: &EmbedCodeProps) -> Html {
    let redraw = use_force_update();
    // The host's `kvplay:run` waiting for its program to end (its id, if it gave one).
    // (A host's run the small module heard before the whole app took over is answered the same way.)
    let pending = use_memo((), |_| Rc::new(RefCell::new(crate::app::handoff::take_host_run().map(|r| r.id))));
    let python = p.sample.python;
    {
        let pending = (*pending).clone();
        use_effect_with((), move |_| {
            let f = Callback::from(move |_| {
                let due = pending.borrow().is_some();
                if due {
                    if let Some((output, ok)) = outcome(python) {
                        let id = pending.borrow_mut().take().flatten();
                        crate::app::host::post(&[
                            ("type", "kvplay:result".into()),
                            ("id", id.map_or(wasm_bindgen::JsValue::UNDEFINED, Into::into)),
                            ("output", output.into()),
                            ("ok", ok.into()),
                        ]);
                    }
                }
                redraw.force_update();
            });
            let ids = (python::subscribe(f.clone()), javascript::subscribe(f));
            move || {
                python::unsubscribe(ids.0);
                javascript::unsubscribe(ids.1);
            }
        });
    }
    // The host page runs the program and resets the embed with the same messages as the other embeds.
    {
        let (pending, d, code) = ((*pending).clone(), p.d.clone(), p.sample.code.clone());
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "message", move |ev| {
                    let Some(ev) = ev.dyn_ref::<web_sys::MessageEvent>() else { return };
                    let data = ev.data();
                    let kind = js_sys::Reflect::get(&data, &"type".into()).ok().and_then(|v| v.as_string());
                    match kind.as_deref() {
                        Some("kvplay:run") => {
                            let id = js_sys::Reflect::get(&data, &"id".into()).ok().and_then(|v| v.as_f64());
                            *pending.borrow_mut() = Some(id);
                            d.dispatch(Action::RunProgram(Program {
                                python,
                                ns: "embed".into(),
                                cell: CELL.into(),
                                code: code.to_string(),
                                filename: FILENAME.into(),
                                echo: false,
                            }));
                        }
                        Some("kvplay:reset") => {
                            pending.borrow_mut().take();
                            d.dispatch(Action::StopProgram { python, cell: CELL.into() });
                            if !python {
                                d.dispatch(Action::ClearProgram(CELL.into()));
                            }
                        }
                        _ => {}
                    }
                })
            });
            move || drop(listener)
        });
    }
    // The frame follows its content: output streams in without the engine changing.
    use_effect(crate::app::host::post_height);

    let ran = if python { !python::cell(CELL).out.is_empty() } else { !javascript::cell(CELL).out.is_empty() };
    html! {
        <section class="snippet code-embed" aria-label={if python { "Python example" } else { "JavaScript example" }}>
            if python {
                <PythonCell ns="embed" id={CELL} filename={FILENAME} code={p.sample.code.clone()} d={p.d.clone()} />
            } else {
                <JsCell shared={p.shared.clone()} id={CELL} filename={FILENAME} code={p.sample.code.clone()} d={p.d.clone()} />
            }
            <p class="snippet-note">{ "runs in this page against an embedded NATS server" }</p>
            if p.timeline && ran {
                <Timeline shared={p.shared.clone()} version={p.version} active=true />
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_comes_from_code_or_from_a_lesson_cell() {
        let code = crate::transfer::base64url("console.log(\"hi ✓\");".as_bytes());
        let p = UrlParams::parse(&format!("?embed=code&lang=javascript&code={code}"), "");
        assert_eq!(sample(&p), Ok(Sample { python: false, code: "console.log(\"hi ✓\");".into() }));
        let p = UrlParams::parse("?embed=code&lang=python&lesson=python&step=2&cell=1", "");
        let s = sample(&p).expect("the Python lesson's first step has a cell");
        assert!(s.python && s.code.contains("create_key_value"));
        let js = crate::lesson::built_in("python").expect("built in");
        let step = js
            .steps
            .iter()
            .position(|s| s.blocks.iter().any(|b| matches!(b, Block::Code { lang, .. } if lang == "javascript")));
        let step = step.expect("the Python lesson has a JavaScript step");
        let p = UrlParams::parse(&format!("?embed=code&lang=js&lesson=python&step={}", step + 1), "");
        assert!(sample(&p).is_ok_and(|s| !s.python && s.code.contains("wsconnect")));
    }

    #[test]
    fn a_bad_address_says_what_is_wrong() {
        let e = |q: &str| sample(&UrlParams::parse(q, "")).unwrap_err();
        assert_eq!(e("?embed=code&code=abc"), "lang= is missing: say python or javascript");
        assert_eq!(e("?embed=code&lang=python"), "the program is missing: give code= or lesson=, step= and cell=");
        assert!(e("?embed=code&lang=python&code=!!").starts_with("code= is damaged"));
        assert_eq!(e("?embed=code&lang=python&code=_w"), "code= is not UTF-8 text");
        assert_eq!(e("?embed=code&lang=python&lesson=nope"), "there is no built-in lesson called \"nope\"");
        assert_eq!(e("?embed=code&lang=python&lesson=cli&step=99"), "lesson cli has no step 99");
        assert_eq!(
            e("?embed=code&lang=javascript&lesson=python&step=2&cell=1"),
            "step 2 of lesson python has no javascript cell 1"
        );
    }
}
