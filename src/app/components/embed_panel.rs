//! The Embed panel of the session tools: what an embed shows (the session's commands, the open lesson step, or
//! the commands as a Python or JavaScript cell), how it looks, and the code to paste, as a frame or as the
//! `<nats-kv-playground>` element, with Copy.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::session_bar::copy_text;
use crate::transfer;

/// The page's address without its query and fragment: where links and embeds point.
pub(crate) fn base_address() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split(['#', '?']).next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// What an embed shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum EmbedWhat {
    /// The commands of this session, with a Run button.
    Commands,
    /// The open lesson's current step.
    Step,
    /// The commands of this session as a cell of the page in a language (Python with nats-py, JavaScript with
    /// nats.js), with a Run button.
    Cell(crate::codegen::Lang),
}

/// The choices of the Embed panel.
#[derive(Clone, PartialEq)]
pub struct EmbedOptions {
    pub what: EmbedWhat,
    pub timeline: bool,
    /// A lesson step alone: its commands, Run and output (`compact=1`).
    pub compact: bool,
    pub theme: String,
    pub height: u32,
    pub sizing: bool,
    /// Paste as the `<nats-kv-playground>` element (one script) rather than as a frame.
    pub element: bool,
}

/// What a `<nats-kv-playground>` element shows: its attributes (name, value; an empty value is written bare)
/// and its text.
struct ElementBody {
    attrs: Vec<(&'static str, String)>,
    text: String,
}

/// Escapes text for an element's content.
fn text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The snippet to paste into a page as the custom element: its one script and the element.
fn element_snippet(base: &str, o: &EmbedOptions, body: ElementBody) -> String {
    let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or(base);
    let mut tag = String::from("<nats-kv-playground");
    let mut attrs = body.attrs;
    if o.timeline && o.what != EmbedWhat::Step {
        attrs.push(("timeline", String::new()));
    }
    if o.theme != "auto" {
        attrs.push(("theme", o.theme.clone()));
    }
    if !o.sizing {
        attrs.push(("height", o.height.to_string()));
    }
    for (name, value) in attrs {
        if value.is_empty() {
            tag.push_str(&format!(" {name}"));
        } else {
            tag.push_str(&format!(" {name}=\"{}\"", attr(&value)));
        }
    }
    let body = if body.text.is_empty() { String::new() } else { format!("\n{}\n", text(&body.text)) };
    format!("<script src=\"{}/nats-kv-playground.js\" defer></script>\n{tag}>{body}</nats-kv-playground>", attr(dir))
}

/// Escapes text for an HTML attribute value.
fn attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The snippet to paste into a page: the iframe and, when asked, the script that sizes it to its content.
fn embed_snippet(base: &str, query: &str, o: &EmbedOptions, title: &str) -> String {
    let mut q = query.to_string();
    if o.timeline && o.what != EmbedWhat::Step {
        q.push_str("&timeline=1");
    }
    if o.theme != "auto" {
        q.push_str(&format!("&theme={}", o.theme));
    }
    let src = format!("{base}?{q}");
    let mut s = format!(
        "<iframe src=\"{}\" title=\"{}\" loading=\"lazy\" style=\"width: 100%; height: {}px; border: 1px solid #d7dce2; border-radius: 8px\"></iframe>",
        attr(&src),
        attr(title),
        o.height
    );
    if o.sizing {
        let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or(base);
        s.push_str(&format!("\n<script src=\"{}/embed-host.js\"></script>", attr(dir)));
    }
    s
}

const NO_COMMANDS: &str = "Type some nats commands first: the embed shows the commands of this session.";

/// The Embed panel's code for the custom element, or why there is none.
fn element_code(
    base: &str,
    o: &EmbedOptions,
    step: &Option<(String, usize, String)>,
    history: &[String],
    program: Option<&str>,
) -> (Option<String>, Option<String>) {
    let body = match (o.what, step, program) {
        (EmbedWhat::Step, Some((name, i, _)), _) => {
            let mut attrs = vec![("lesson", name.clone()), ("step", (i + 1).to_string())];
            if o.compact {
                attrs.push(("compact", String::new()));
            }
            ElementBody { attrs, text: String::new() }
        }
        (EmbedWhat::Cell(lang), _, Some(code)) => ElementBody {
            attrs: vec![(
                "language",
                if lang == crate::codegen::Lang::Python { "python" } else { "javascript" }.into(),
            )],
            text: code.trim_end().to_string(),
        },
        _ if history.iter().any(|c| c.starts_with("nats ")) => ElementBody { attrs: vec![], text: history.join("\n") },
        _ => return (None, Some(NO_COMMANDS.to_string())),
    };
    (Some(element_snippet(base, o, body)), None)
}

#[derive(Properties, PartialEq)]
pub struct EmbedPanelProps {
    pub options: EmbedOptions,
    /// The visitor changed a choice.
    pub on_options: Callback<EmbedOptions>,
    /// The open built-in lesson's name, current step and its title.
    pub lesson_step: Option<(String, usize, String)>,
    /// The session's commands.
    pub history: Vec<String>,
    /// The embed code was copied ("embed"), or the browser refused ("refused").
    pub on_copied: Callback<&'static str>,
}

#[function_component(EmbedPanel)]
pub fn embed_panel(p: &EmbedPanelProps) -> Html {
    let (o, lesson_step, history) = (p.options.clone(), &p.lesson_step, &p.history);
    let has_commands = history.iter().any(|c| c.starts_with("nats "));
    let program_text = match o.what {
        EmbedWhat::Cell(lang) if has_commands => crate::codegen::cell(lang, history),
        _ => None,
    };
    let program = program_text.as_ref().map(|code| transfer::base64url(code.as_bytes()));
    let packed = has_commands.then(|| transfer::encode_share(history));
    let copy = |text: String, what: &'static str| {
        let on_copied = p.on_copied.clone();
        Callback::from(move |_: MouseEvent| {
            let on_copied = on_copied.clone();
            copy_text(text.clone(), Callback::from(move |ok: bool| on_copied.emit(if ok { what } else { "refused" })));
        })
    };
    let set = |f: fn(&mut EmbedOptions, &Event)| {
        let (o, on_options) = (p.options.clone(), p.on_options.clone());
        Callback::from(move |e: Event| {
            let mut o = o.clone();
            f(&mut o, &e);
            on_options.emit(o);
        })
    };
    fn checked(e: &Event) -> bool {
        e.target_dyn_into::<HtmlInputElement>().is_some_and(|i| i.checked())
    }
    fn value(e: &Event) -> String {
        e.target_dyn_into::<HtmlInputElement>()
            .map(|i| i.value())
            .or_else(|| e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()))
            .unwrap_or_default()
    }
    let base = base_address();
    let (snippet, problem) = if o.element {
        element_code(&base, &o, lesson_step, history, program_text.as_deref())
    } else {
        match (o.what, &lesson_step, &packed) {
            (EmbedWhat::Step, Some((name, step, title)), _) => (
                Some(embed_snippet(
                    &base,
                    &format!(
                        "embed=lesson&lesson={name}&step={}{}",
                        step + 1,
                        if o.compact { "&compact=1" } else { "" }
                    ),
                    &o,
                    &format!("NATS KV lesson: {title}"),
                )),
                None,
            ),
            (EmbedWhat::Cell(lang), _, _) if program.is_some() => (
                program.as_ref().map(|code| {
                    let (lang, name) = match lang {
                        crate::codegen::Lang::Python => ("python", "Python"),
                        _ => ("javascript", "JavaScript"),
                    };
                    embed_snippet(
                        &base,
                        &format!("embed=code&lang={lang}&code={code}"),
                        &o,
                        &format!("NATS KV example in {name}"),
                    )
                }),
                None,
            ),
            (_, _, Some(Ok(packed))) => {
                (Some(embed_snippet(&base, &format!("embed=snippet&cmds={packed}"), &o, "NATS KV example")), None)
            }
            (_, _, Some(Err(e))) => (None, Some(e.clone())),
            _ => (None, Some(NO_COMMANDS.to_string())),
        }
    };
    html! {
        <div class="embed-panel" role="group" aria-label="Embed in a page">
            <fieldset>
                <legend>{ "Embed shows" }</legend>
                <label><input type="radio" name="embed-what" checked={o.what == EmbedWhat::Commands}
                    onchange={set(|o, _| o.what = EmbedWhat::Commands)} />{ " the commands you ran, with a Run button" }</label>
                <label><input type="radio" name="embed-what" checked={o.what == EmbedWhat::Step} disabled={lesson_step.is_none()}
                    onchange={set(|o, _| o.what = EmbedWhat::Step)} />
                    { match &lesson_step { Some((_, i, t)) => format!(" this lesson step ({}: {t})", i + 1), None => " a lesson step (open a lesson first)".to_string() } }</label>
                <label><input type="radio" name="embed-what" checked={o.what == EmbedWhat::Cell(crate::codegen::Lang::Python)}
                    onchange={set(|o, _| o.what = EmbedWhat::Cell(crate::codegen::Lang::Python))} />{ " the commands you ran as a Python cell (nats-py), with a Run button" }</label>
                <label><input type="radio" name="embed-what" checked={o.what == EmbedWhat::Cell(crate::codegen::Lang::JavaScript)}
                    onchange={set(|o, _| o.what = EmbedWhat::Cell(crate::codegen::Lang::JavaScript))} />{ " the commands you ran as a JavaScript cell (nats.js), with a Run button" }</label>
            </fieldset>
            if o.what == EmbedWhat::Step {
                <label><input type="checkbox" checked={o.compact} onchange={set(|o, e| o.compact = checked(e))} />
                    { " only this step: its commands, Run and output (earlier steps run quietly first)" }</label>
            }
            <label><input type="checkbox" checked={o.timeline} disabled={o.what == EmbedWhat::Step}
                onchange={set(|o, e| o.timeline = checked(e))} />{ " show the timeline under the output" }</label>
            <label>{ "Theme " }
                <select onchange={set(|o, e| o.theme = value(e))}>
                    <option value="auto" selected={o.theme == "auto"}>{ "follow the reader's system" }</option>
                    <option value="light" selected={o.theme == "light"}>{ "light" }</option>
                    <option value="dark" selected={o.theme == "dark"}>{ "dark" }</option>
                </select>
            </label>
            <label>{ "Height (px) " }
                <input type="number" class="num-in" min="120" max="2000" value={o.height.to_string()}
                    onchange={set(|o, e| o.height = value(e).parse::<u32>().unwrap_or(320).clamp(120, 2000))} />
            </label>
            <fieldset>
                <legend>{ "Paste as" }</legend>
                <label><input type="radio" name="embed-as" checked={!o.element} onchange={set(|o, _| o.element = false)} />
                    { " a frame (iframe): works in any page" }</label>
                <label><input type="radio" name="embed-as" checked={o.element} onchange={set(|o, _| o.element = true)} />
                    { " the <nats-kv-playground> element: one script, sizes itself, loads when scrolled near" }</label>
            </fieldset>
            <label><input type="checkbox" checked={o.sizing} onchange={set(|o, e| o.sizing = checked(e))} />
                { if o.element {
                    " size it to its content (without it, the element keeps the height above and scrolls)"
                } else {
                    " add the script that sizes the frame to its content (without it, the frame keeps its height and scrolls)"
                } }</label>
            { match (snippet, problem) {
                (Some(s), _) => html! {
                    <>
                        <textarea class="embed-code" readonly=true rows="4" aria-label="Embed code: paste it into your page" value={s.clone()} />
                        <button type="button" onclick={copy(s, "embed")}>{ "Copy embed code" }</button>
                    </>
                },
                (None, Some(e)) => html! { <p class="verdict fail">{ e }</p> },
                _ => html! {},
            } }
        </div>
    }
}
