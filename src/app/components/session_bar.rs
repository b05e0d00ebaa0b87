//! Session tools: Share (the commands typed and the clock's moves, in a link, with Copy), Embed (a snippet for
//! a documentation page), Export (buckets as JSON, the session as a nats CLI script or a nats-py program),
//! Import (a JSON export, from here or from a real server; it asks before it replaces a bucket), and Start
//! over (which asks first).

use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::term_state::{TermAction, TermState};
use crate::app::{real_now, Shared};
use crate::codegen::{self, Lang};
use crate::transfer;

#[derive(Properties, PartialEq)]
pub struct SessionBarProps {
    pub shared: Shared,
    pub term: UseReducerDispatcher<TermState>,
    pub on_change: Callback<()>,
    /// A button the visitor pressed in the first load ("share", "embed", "export:KIND", "import",
    /// "start-over"), done once when the bar appears; with the file an Import picked there.
    #[prop_or_default]
    pub intent: Option<(String, Option<(String, String)>)>,
}

/// A click, for doing a button's action on the visitor's behalf.
fn click() -> MouseEvent {
    MouseEvent::new("click").expect("a click event")
}

/// Offers text as a file download.
fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(|_| "cannot make the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "cannot make the file")?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement =
        doc.create_element("a").map_err(|_| "no link")?.dyn_into().map_err(|_| "no link")?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Copies text to the clipboard; `done` hears whether the browser allowed it.
pub(crate) fn copy_text(text: String, done: Callback<bool>) {
    let Some(w) = web_sys::window() else {
        done.emit(false);
        return;
    };
    let promise = w.navigator().clipboard().write_text(&text);
    wasm_bindgen_futures::spawn_local(async move {
        done.emit(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
    });
}

/// The page's address without its query and fragment: where links and embeds point.
fn base_address() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split(['#', '?']).next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// What an embed shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EmbedWhat {
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
struct EmbedOptions {
    what: EmbedWhat,
    timeline: bool,
    /// A lesson step alone: its commands, Run and output (`compact=1`).
    compact: bool,
    theme: String,
    height: u32,
    sizing: bool,
    /// Paste as the `<nats-kv-playground>` element (one script) rather than as a frame.
    element: bool,
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

#[function_component(SessionBar)]
pub fn session_bar(p: &SessionBarProps) -> Html {
    let link = use_state(|| None::<String>);
    let copied = use_state(|| None::<&'static str>);
    let embed = use_state(|| None::<EmbedOptions>);
    let confirm_wipe = use_state(|| false);
    let pending_import = use_state(|| None::<(String, transfer::Export, Vec<String>)>);
    let file_ref = use_node_ref();
    let note = |term: &UseReducerDispatcher<TermState>, t: String| term.dispatch(TermAction::Note(t));

    let share = {
        let shared = p.shared.clone();
        let link = link.clone();
        let copied = copied.clone();
        let term = p.term.clone();
        Callback::from(move |_: MouseEvent| {
            let pg = shared.0.borrow();
            match transfer::encode_share(&pg.history) {
                Ok(packed) => {
                    let here = web_sys::window()
                        .and_then(|w| w.location().href().ok())
                        .map(|h| h.split('#').next().unwrap_or("").to_string())
                        .unwrap_or_default();
                    let mut url = format!("{here}#share={packed}");
                    if let Some((name, _)) = pg.lesson.as_ref() {
                        if !here.contains("lesson=") && crate::lesson::built_in(name).is_some() {
                            url = format!("{}?lesson={name}#share={packed}", base_address());
                        }
                    }
                    link.set(Some(url));
                    copied.set(None);
                }
                Err(e) => note(&term, format!("(share: {e})")),
            }
        })
    };
    let copy = |text: String, what: &'static str| {
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            let copied = copied.clone();
            copy_text(
                text.clone(),
                Callback::from(move |ok: bool| {
                    copied.set(Some(if ok { what } else { "refused" }));
                }),
            );
        })
    };
    let export = |kind: &'static str| {
        let shared = p.shared.clone();
        let term = p.term.clone();
        Callback::from(move |_: MouseEvent| {
            let pg = shared.0.borrow();
            let r = match kind {
                "json" => serde_json::to_string_pretty(&transfer::export(pg.view()))
                    .map_err(|e| e.to_string())
                    .and_then(|t| download("nats-kv-playground.json", "application/json", &t)),
                "sh" => download("session.sh", "text/x-shellscript", &transfer::cli_script(&pg.history)),
                "py" => download("session.py", "text/x-python", &transfer::python_script(&pg.history)),
                "mjs" => download("session.mjs", "text/javascript", &codegen::program(Lang::JavaScript, &pg.history)),
                "rs" => download("session.rs", "text/x-rust", &codegen::program(Lang::Rust, &pg.history)),
                _ => download("session.go", "text/x-go", &codegen::program(Lang::Go, &pg.history)),
            };
            if let Err(e) = r {
                note(&term, format!("(export failed: {e})"));
            }
        })
    };
    // Puts an import's buckets beside the session's; a bucket of the same name is replaced.
    let apply_import = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        move |name: &str, x: &transfer::Export| {
            let msg = {
                match shared.0.borrow_mut().merge_import(x, real_now()) {
                    Ok(()) => {
                        let n = x.buckets.len();
                        format!("(imported {n} bucket{} from {name})", if n == 1 { "" } else { "s" })
                    }
                    Err(e) => format!("(import of {name} refused, nothing changed: {e})"),
                }
            };
            term.dispatch(TermAction::Note(msg));
            on_change.emit(());
        }
    };
    let (import_text, import) = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let term_for_read = p.term.clone();
        let file_ref = file_ref.clone();
        let pending_import = pending_import.clone();
        let apply_import = apply_import.clone();
        let import_text = Rc::new(move |name: String, text: String| {
            let read = shared.0.borrow().read_import(&text);
            match read {
                Err(e) => term.dispatch(TermAction::Note(format!("(import of {name} refused, nothing changed: {e})"))),
                Ok((x, clashes)) if clashes.is_empty() => apply_import(&name, &x),
                Ok((x, clashes)) => pending_import.set(Some((name, x, clashes))),
            }
        });
        (
            import_text.clone(),
            Callback::from(move |_: Event| {
                let Some(input) = file_ref.cast::<HtmlInputElement>() else { return };
                let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
                input.set_value("");
                let import_text = import_text.clone();
                let term = term_for_read.clone();
                let name = file.name();
                let file = gloo::file::File::from(file);
                let reader = gloo::file::callbacks::read_as_text(&file, move |r| match r {
                    Err(e) => term.dispatch(TermAction::Note(format!("(import of {name} failed: {e})"))),
                    Ok(text) => import_text(name, text),
                });
                // The reader must live until it calls back.
                std::mem::forget(reader);
            }),
        )
    };
    let start_over = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        let link = link.clone();
        let confirm_wipe = confirm_wipe.clone();
        Callback::from(move |_: MouseEvent| {
            {
                let mut pg = shared.0.borrow_mut();
                pg.reset_server(real_now());
                pg.history.clear();
            }
            link.set(None);
            confirm_wipe.set(false);
            crate::app::forget_saved_state();
            term.dispatch(TermAction::Clear);
            term.dispatch(TermAction::Note("(started over: the embedded server is empty and nothing is kept)".into()));
            on_change.emit(());
        })
    };
    // What the visitor pressed in the first load, done now that the bar is here.
    {
        let (share, confirm_wipe) = (share.clone(), confirm_wipe.clone());
        let exports: Vec<(&'static str, Callback<MouseEvent>)> =
            ["json", "sh", "py", "mjs", "rs", "go"].into_iter().map(|k| (k, export(k))).collect();
        let intent = p.intent.clone();
        let embed = embed.clone();
        use_effect_with((), move |_| match intent {
            Some((what, file)) => match what.as_str() {
                "share" => share.emit(click()),
                // The first load has no lesson open, so an embed there is of the session's commands.
                "embed" => embed.set(Some(EmbedOptions {
                    what: EmbedWhat::Commands,
                    timeline: false,
                    compact: true,
                    theme: "auto".into(),
                    height: 320,
                    sizing: true,
                    element: false,
                })),
                "start-over" => confirm_wipe.set(true),
                "import" => {
                    if let Some((name, text)) = file {
                        import_text(name, text)
                    }
                }
                w => {
                    if let Some((_, cb)) = exports.iter().find(|(k, _)| w.strip_prefix("export:") == Some(*k)) {
                        cb.emit(click())
                    }
                }
            },
            None => {}
        });
    }
    let toggle = |state: &UseStateHandle<bool>| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.set(!*state))
    };

    let (lesson_step, packed, program, program_text, history) = {
        let pg = p.shared.0.borrow();
        let program_text =
            embed.as_ref().filter(|_| pg.history.iter().any(|c| c.starts_with("nats "))).and_then(|o| match o.what {
                EmbedWhat::Cell(lang) => crate::codegen::cell(lang, &pg.history),
                _ => None,
            });
        let program = program_text.as_ref().map(|code| transfer::base64url(code.as_bytes()));
        (
            pg.lesson.as_ref().filter(|(n, _)| crate::lesson::built_in(n).is_some()).map(|(n, r)| {
                (n.clone(), r.current, r.lesson.steps.get(r.current).map(|s| s.title.clone()).unwrap_or_default())
            }),
            embed
                .as_ref()
                .filter(|_| pg.history.iter().any(|c| c.starts_with("nats ")))
                .map(|_| transfer::encode_share(&pg.history)),
            program,
            program_text,
            pg.history.clone(),
        )
    };
    let open_embed = {
        let embed = embed.clone();
        let has_step = lesson_step.is_some();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            copied.set(None);
            embed.set(match *embed {
                Some(_) => None,
                None => Some(EmbedOptions {
                    what: if has_step { EmbedWhat::Step } else { EmbedWhat::Commands },
                    timeline: false,
                    compact: true,
                    theme: "auto".into(),
                    height: 320,
                    sizing: true,
                    element: false,
                }),
            })
        })
    };

    let embed_panel = (*embed).clone().map(|o| {
        let set = |f: fn(&mut EmbedOptions, &Event)| {
            let embed = embed.clone();
            let copied = copied.clone();
            Callback::from(move |e: Event| {
                if let Some(mut o) = (*embed).clone() {
                    f(&mut o, &e);
                    embed.set(Some(o));
                    copied.set(None);
                }
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
            element_code(&base, &o, &lesson_step, &history, program_text.as_deref())
        } else {
            match (o.what, &lesson_step, &packed) {
            (EmbedWhat::Step, Some((name, step, title)), _) => (
                Some(embed_snippet(
                    &base,
                    &format!("embed=lesson&lesson={name}&step={}{}", step + 1, if o.compact { "&compact=1" } else { "" }),
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
                    embed_snippet(&base, &format!("embed=code&lang={lang}&code={code}"), &o, &format!("NATS KV example in {name}"))
                }),
                None,
            ),
            (_, _, Some(Ok(packed))) => (
                Some(embed_snippet(&base, &format!("embed=snippet&cmds={packed}"), &o, "NATS KV example")),
                None,
            ),
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
    });

    html! {
        <div class="session-bar" role="group" aria-label="Session">
            <button type="button" onclick={share}>{ "Share" }</button>
            <button type="button" onclick={open_embed} aria-expanded={embed.is_some().to_string()} title="Code to show these commands or this lesson step in your own page">{ "Embed" }</button>
            <button type="button" onclick={export("json")} title="Buckets with every kept revision, as JSON">{ "Export" }</button>
            <button type="button" onclick={export("sh")} title="The commands you ran, as a script for the nats CLI">{ ".sh" }</button>
            <button type="button" onclick={export("py")} title="The commands you ran, as a nats-py program">{ ".py" }</button>
            <button type="button" onclick={export("mjs")} title="The commands you ran, as a nats.js program (node)">{ ".mjs" }</button>
            <button type="button" onclick={export("rs")} title="The commands you ran, as an async-nats program (Rust)">{ ".rs" }</button>
            <button type="button" onclick={export("go")} title="The commands you ran, as a nats.go program">{ ".go" }</button>
            <label class="import">{ "Import" }
                <input ref={file_ref} type="file" accept=".json,application/json" onchange={import} aria-label="Import buckets from a JSON export" />
            </label>
            <button type="button" onclick={toggle(&confirm_wipe)} aria-expanded={confirm_wipe.to_string()}>{ "Start over" }</button>
            if *confirm_wipe {
                <div class="ask" role="alertdialog" aria-label="Start over?">
                    <span>{ "Start over? Every bucket, the history and the kept session are wiped." }</span>
                    <button type="button" class="danger" onclick={start_over}>{ "Yes, wipe everything" }</button>
                    <button type="button" onclick={toggle(&confirm_wipe)}>{ "Cancel" }</button>
                </div>
            }
            if let Some((name, x, clashes)) = (*pending_import).clone() {
                <div class="ask" role="alertdialog" aria-label="Replace buckets?">
                    <span>{ format!("{name} holds {} {}, which this session has too. Replace {} with the file's?",
                        if clashes.len() == 1 { "the bucket" } else { "the buckets" }, clashes.join(", "),
                        if clashes.len() == 1 { "it" } else { "them" }) }</span>
                    <button type="button" class="danger" onclick={{
                        let (pending_import, apply_import) = (pending_import.clone(), apply_import.clone());
                        Callback::from(move |_: MouseEvent| { apply_import(&name, &x); pending_import.set(None); })
                    }}>{ "Replace" }</button>
                    <button type="button" onclick={{
                        let (pending_import, term) = (pending_import.clone(), p.term.clone());
                        Callback::from(move |_: MouseEvent| {
                            pending_import.set(None);
                            term.dispatch(TermAction::Note("(import cancelled: nothing changed)".into()));
                        })
                    }}>{ "Cancel" }</button>
                </div>
            }
            if let Some(url) = (*link).clone() {
                <div class="share-row">
                    <input class="share-link" type="text" readonly=true value={url.clone()} aria-label="Share link" onfocus={Callback::from(|e: FocusEvent| {
                        if let Some(i) = e.target_dyn_into::<HtmlInputElement>() { i.select(); }
                    })} />
                    <button type="button" onclick={copy(url, "link")}>{ "Copy" }</button>
                </div>
            }
            { embed_panel.unwrap_or_default() }
            <span class="copied" role="status" aria-live="polite">{ match *copied {
                Some("link") => "Link copied: paste it to share this session.",
                Some("embed") => "Embed code copied: paste it into your page's HTML.",
                Some(_) => "The browser did not allow copying: select the text and press Ctrl+C.",
                None => "",
            } }</span>
        </div>
    }
}
