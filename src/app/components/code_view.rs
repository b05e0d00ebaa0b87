//! "As code": a command of the session (the last one unless another is chosen) written with nats-py, nats.js,
//! async-nats and nats.go, one tab per client, with a Copy button; the Python and JavaScript programs have Run.

use web_sys::{HtmlElement, HtmlSelectElement};
use yew::prelude::*;

use super::code_run::CodeRun;
use super::session_bar::copy_text;
use crate::app::Shared;
use crate::codegen::{op_of_line, snippet, Lang};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub shared: Shared,
    /// Bumped whenever the session changes, so the list of commands follows it.
    pub version: u64,
    pub d: crate::app::store::Dispatch,
}

/// How many of the session's latest commands the chooser offers.
const RECENT: usize = 30;

#[function_component(CodeView)]
pub fn code_view(p: &Props) -> Html {
    let lang = use_state(|| Lang::Python);
    // The chosen command and how long the session's history was then; a command typed since, or `None`, makes
    // the view follow the latest one.
    let chosen = use_state(|| None::<(String, usize)>);
    let copied = use_state(|| None::<bool>);
    let tabs_ref = use_node_ref();

    let (commands, typed) = {
        let pg = p.shared.0.borrow();
        let mut v: Vec<String> = pg
            .history
            .iter()
            .rev()
            .filter(|c| c.trim_start().starts_with("nats ") && op_of_line(c).is_ok())
            .take(RECENT)
            .cloned()
            .collect();
        v.dedup();
        (v, pg.history.len())
    };
    let current = chosen
        .as_ref()
        .filter(|(c, at)| *at == typed && commands.contains(c))
        .map(|(c, _)| c)
        .or(commands.first())
        .cloned();

    let choose = {
        let chosen = chosen.clone();
        let copied = copied.clone();
        let latest = commands.first().cloned();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            copied.set(None);
            chosen.set(if Some(&v) == latest.as_ref() { None } else { Some((v, typed)) });
        })
    };
    let select_lang = |l: Lang| {
        let lang = lang.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            lang.set(l);
            copied.set(None);
        })
    };
    // The tab list's keys: arrows, Home and End move between the clients and focus the chosen tab.
    let on_tab_key = {
        let lang = lang.clone();
        let copied = copied.clone();
        let tabs_ref = tabs_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            let i = Lang::ALL.iter().position(|l| *l == *lang).unwrap_or(0);
            let n = Lang::ALL.len();
            let next = match e.key().as_str() {
                "ArrowRight" | "ArrowDown" => (i + 1) % n,
                "ArrowLeft" | "ArrowUp" => (i + n - 1) % n,
                "Home" => 0,
                "End" => n - 1,
                _ => return,
            };
            e.prevent_default();
            lang.set(Lang::ALL[next]);
            copied.set(None);
            if let Some(el) = tabs_ref
                .cast::<HtmlElement>()
                .and_then(|t| t.children().item(next as u32))
                .and_then(|c| wasm_bindgen::JsCast::dyn_into::<HtmlElement>(c).ok())
            {
                let _ = el.focus();
            }
        })
    };

    let Some(current) = current else {
        return html! {
            <section class="code-view" aria-label="As code">
                <p class="empty">{ "Type a nats kv command in the terminal to see it written with nats-py, nats.js, async-nats and nats.go." }</p>
            </section>
        };
    };
    let code = snippet(*lang, &current);
    let copy = {
        let copied = copied.clone();
        let text = code.clone().unwrap_or_default();
        Callback::from(move |_: MouseEvent| {
            let copied = copied.clone();
            copy_text(text.clone(), Callback::from(move |ok: bool| copied.set(Some(ok))));
        })
    };
    let panel_id = "code-view-panel";

    html! {
        <section class="code-view" aria-label="As code">
            <label class="code-command">{ "Command " }
                <select onchange={choose} aria-label="Command to show as code">
                    { for commands.iter().enumerate().map(|(i, c)| html! {
                        <option value={c.clone()} selected={*c == current}>{ if i == 0 { format!("{c} (latest)") } else { c.clone() } }</option>
                    }) }
                </select>
            </label>
            <div class="tabs code-tabs" role="tablist" aria-label="Client library" ref={tabs_ref} onkeydown={on_tab_key}>
                { for Lang::ALL.iter().map(|l| {
                    let selected = *l == *lang;
                    html! {
                        <button type="button" role="tab" id={format!("code-tab-{}", l.ext())} aria-selected={selected.to_string()}
                            aria-controls={panel_id} tabindex={if selected { "0" } else { "-1" }}
                            class={if selected { "tab current" } else { "tab" }} onclick={select_lang(*l)}>{ l.label() }</button>
                    }
                }) }
            </div>
            <div class="code-panel" role="tabpanel" id={panel_id} aria-labelledby={format!("code-tab-{}", lang.ext())}>
                <div class="code-head">
                    <span class="code-client">{ lang.client() }</span>
                    <button type="button" class="copy" onclick={copy} disabled={code.is_err()}>{ "Copy" }</button>
                    <span class="copy-note" role="status">{ match *copied {
                        Some(true) => "Copied",
                        Some(false) => "The browser refused the copy: select the text instead",
                        None => "",
                    } }</span>
                </div>
                { match code {
                    Ok(text) => html! { <>
                        <pre class="code" tabindex="0" aria-label={format!("{} code", lang.label())}><code>{ text.clone() }</code></pre>
                        if matches!(*lang, Lang::Python | Lang::JavaScript) {
                            <CodeRun shared={p.shared.clone()} python={*lang == Lang::Python} code={text} d={p.d.clone()} />
                        }
                    </> },
                    Err(e) => html! { <p class="empty">{ e }</p> },
                } }
            </div>
        </section>
    }
}
