//! The terminal: a shell-like line editor (history, Tab completion, Ctrl-C, Ctrl-L, multi-line paste) over the
//! session, and its scrollback, announced to screen readers as a log.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::store::{Action, Dispatch, PageState};
use crate::app::term_state::{ansi_segments, is_table_line, LineKind, TermLine};
use crate::app::Shared;
use crate::cli::complete::complete;

/// How many of the newest scrollback lines are drawn; older ones stay in memory until dropped.
pub const DRAWN_LINES: usize = 2_000;

#[derive(Properties, PartialEq)]
pub struct TerminalProps {
    pub shared: Shared,
    pub store: UseReducerHandle<PageState>,
    pub d: Dispatch,
}

#[derive(Properties)]
struct OutputProps {
    lines: Rc<Vec<TermLine>>,
    dropped: usize,
}

impl PartialEq for OutputProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.lines, &o.lines) && self.dropped == o.dropped
    }
}

#[function_component(Output)]
fn output(p: &OutputProps) -> Html {
    let hidden = p.lines.len().saturating_sub(DRAWN_LINES) + p.dropped;
    let start = p.lines.len().saturating_sub(DRAWN_LINES);
    // Lines are inline spans that each end in a line break, inside one `pre-wrap` block: long lines wrap at the
    // pane's width as in a terminal, and a copy gives the text exactly as printed. A table's lines go in one block
    // that scrolls sideways instead, so no cell is cut off.
    let line = |l: &TermLine, newline: bool| -> Html {
        let class = match l.kind {
            LineKind::Input => "line input",
            LineKind::Out => "line out",
            LineKind::Err => "line err",
            LineKind::Note => "line note",
        };
        // Text nodes only: whatever a value contains is shown, never interpreted as HTML.
        html! {
            <span class={class}>
                { for ansi_segments(&l.text).into_iter().map(|seg| match seg.class {
                    Some(c) => html! { <span class={c}>{ seg.text }</span> },
                    None => html! { { seg.text } },
                }) }
                { if newline { "\n" } else { "" } }
            </span>
        }
    };
    let lines = &p.lines[start..];
    let mut blocks: Vec<Html> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let table = |l: &TermLine| l.kind == LineKind::Out && is_table_line(&l.text);
        if table(&lines[i]) {
            let mut j = i;
            while j < lines.len() && table(&lines[j]) {
                j += 1;
            }
            let rows = &lines[i..j];
            blocks.push(html! {
                <>
                    <span class="table-block">{ for rows.iter().enumerate().map(|(k, l)| line(l, k + 1 < rows.len())) }</span>
                    { "\n" }
                </>
            });
            i = j;
        } else {
            blocks.push(line(&lines[i], true));
            i += 1;
        }
    }
    html! {
        <>
            if hidden > 0 {
                <span class="line note">{ format!("({hidden} earlier lines not shown)\n") }</span>
            }
            { for blocks }
        </>
    }
}

#[function_component(Terminal)]
pub fn terminal(p: &TerminalProps) -> Html {
    let term = &p.store.term;
    let input = use_state(String::new);
    let input_ref = use_node_ref();
    let out_ref = use_node_ref();
    let completions = use_state(Vec::<String>::new);

    // Keep the newest output in view.
    {
        let out_ref = out_ref.clone();
        use_effect_with(term.lines.len() + term.dropped, move |_| {
            if let Some(el) = out_ref.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    // Up/Down and a lesson's "Type it" set the command line: show that line in the editor.
    {
        let input = input.clone();
        let line = term.line().to_string();
        let input_ref = input_ref.clone();
        use_effect_with(term.recall, move |seq| {
            if *seq > 0 {
                input.set(line);
                if let Some(i) = input_ref.cast::<HtmlInputElement>() {
                    let _ = i.focus();
                }
            }
        });
    }

    let (prompt, watching) = {
        let pg = p.shared.0.borrow();
        (pg.prompt(), pg.watch_count())
    };

    let oninput = {
        let input = input.clone();
        let completions = completions.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            input.set(el.value());
            completions.set(Vec::new());
        })
    };

    let onkeydown = {
        let input = input.clone();
        let shared = p.shared.clone();
        let d = p.d.clone();
        let completions = completions.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            let ctrl = e.ctrl_key() || e.meta_key();
            match key.as_str() {
                "Enter" => {
                    e.prevent_default();
                    let line = (*input).clone();
                    input.set(String::new());
                    completions.set(Vec::new());
                    d.dispatch(Action::RunLines(vec![line]));
                }
                "ArrowUp" => {
                    e.prevent_default();
                    d.dispatch(Action::RecallOlder { current: (*input).clone() });
                }
                "ArrowDown" => {
                    e.prevent_default();
                    d.dispatch(Action::RecallNewer);
                }
                // On an empty line Tab (and always Shift+Tab) moves the focus on, as everywhere else in the page.
                "Tab" if !e.shift_key() && !input.trim().is_empty() => {
                    e.prevent_default();
                    let line = (*input).clone();
                    let comp = {
                        let pg = shared.0.borrow();
                        let engine = pg.view();
                        let buckets = engine.bucket_names();
                        complete(&line, &buckets, &|b| engine.view().keys(b, &[]).unwrap_or_default())
                    };
                    match comp.candidates.len() {
                        0 => {}
                        1 => {
                            input.set(format!("{}{} ", &line[..comp.start], comp.candidates[0]));
                            completions.set(Vec::new());
                        }
                        _ => {
                            input.set(format!("{}{}", &line[..comp.start], comp.common_prefix()));
                            completions.set(comp.candidates.clone());
                        }
                    }
                }
                "c" if ctrl && e.ctrl_key() => {
                    e.prevent_default();
                    d.dispatch(Action::Interrupt { typed: (*input).clone() });
                    input.set(String::new());
                }
                "l" if ctrl && e.ctrl_key() => {
                    e.prevent_default();
                    d.dispatch(Action::ClearScreen);
                }
                _ => {}
            }
        })
    };

    let onpaste = {
        let input = input.clone();
        let d = p.d.clone();
        Callback::from(move |e: Event| {
            let Some(e) = e.dyn_ref::<web_sys::ClipboardEvent>().cloned() else { return };
            let text = e.clipboard_data().and_then(|d| d.get_data("text").ok()).unwrap_or_default();
            if !text.contains('\n') {
                return;
            }
            e.prevent_default();
            let joined = format!("{}{}", *input, text.replace("\r\n", "\n"));
            let mut lines: Vec<String> = joined.split('\n').map(str::to_string).collect();
            // A trailing partial line stays in the editor, as in a shell.
            let rest = lines.pop().unwrap_or_default();
            d.dispatch(Action::RunLines(lines));
            input.set(rest);
        })
    };

    let focus = {
        let input_ref = input_ref.clone();
        Callback::from(move |_: MouseEvent| {
            let selecting =
                web_sys::window().and_then(|w| w.get_selection().ok().flatten()).is_some_and(|s| !s.is_collapsed());
            if !selecting {
                if let Some(i) = input_ref.cast::<HtmlInputElement>() {
                    let _ = i.focus();
                }
            }
        })
    };

    html! {
        <section class="terminal" aria-label="Terminal" onclick={focus}>
            <div class="term-out" ref={out_ref} role="log" aria-live="polite" aria-label="Terminal output" tabindex="0">
                <Output lines={term.lines.clone()} dropped={term.dropped} />
            </div>
            if !completions.is_empty() {
                <div class="completions" aria-live="polite">{ completions.join("  ") }</div>
            }
            // Above the command line, so it is in view whenever the command line is (a short window too).
            if watching > 0 {
                <div class="term-status" role="status">{ format!("{watching} watch{} running: Ctrl-C stops", if watching == 1 { "" } else { "es" }) }</div>
            }
            <div class="term-in">
                <label for="term-input" class="prompt">{ prompt }</label>
                <input id="term-input" ref={input_ref} type="text" value={(*input).clone()} {oninput} {onkeydown}
                    onpaste={onpaste} autocomplete="off" autocapitalize="off" spellcheck="false" autofocus={!crate::app::host::in_frame()}
                    aria-label="Command line" placeholder="nats kv add my-kv" />
            </div>
        </section>
    }
}
