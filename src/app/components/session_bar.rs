//! Session tools: Share (the commands typed and the clock's moves, in a link, with Copy), Embed (a snippet for
//! a documentation page), Export (buckets as JSON, the session as a nats CLI script or a nats-py program),
//! Import (a JSON export, from here or from a real server; it asks before it replaces a bucket), and Start
//! over (which asks first).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::store::{Action, Dispatch, ImportAsk};
use crate::app::Shared;

use super::embed_panel::{EmbedOptions, EmbedPanel, EmbedWhat};

#[derive(Properties, PartialEq)]
pub struct SessionBarProps {
    pub shared: Shared,
    pub d: Dispatch,
    /// The share link made last (the store's).
    pub share_link: Option<String>,
    /// An import waiting for an answer (the store's).
    pub import_asks: Option<ImportAsk>,
    /// A button the visitor pressed in the first load ("share", "embed", "export:KIND", "import",
    /// "start-over"), done once when the bar appears; with the file an Import picked there.
    #[prop_or_default]
    pub intent: Option<(String, Option<(String, String)>)>,
}

/// A click, for doing a button's action on the visitor's behalf.
fn click() -> MouseEvent {
    MouseEvent::new("click").expect("a click event")
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

#[function_component(SessionBar)]
pub fn session_bar(p: &SessionBarProps) -> Html {
    let copied = use_state(|| None::<&'static str>);
    let embed = use_state(|| None::<EmbedOptions>);
    let confirm_wipe = use_state(|| false);
    let file_ref = use_node_ref();
    let d = &p.d;

    let share = {
        let copied = copied.clone();
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            copied.set(None);
            d.dispatch(Action::Share);
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
    let export = |kind: &'static str| d.callback(move |_: MouseEvent| Action::Export(kind));
    let import = {
        let (d, file_ref) = (d.clone(), file_ref.clone());
        Callback::from(move |_: Event| {
            let Some(input) = file_ref.cast::<HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let d = d.clone();
            let name = file.name();
            let file = gloo::file::File::from(file);
            let reader = gloo::file::callbacks::read_as_text(&file, move |r| match r {
                Err(e) => d.say(format!("(import of {name} failed: {e})")),
                Ok(text) => d.dispatch(Action::Import { name, text }),
            });
            // The reader must live until it calls back.
            std::mem::forget(reader);
        })
    };
    let start_over = {
        let (d, confirm_wipe) = (d.clone(), confirm_wipe.clone());
        Callback::from(move |_: MouseEvent| {
            confirm_wipe.set(false);
            d.dispatch(Action::StartOver);
        })
    };
    // What the visitor pressed in the first load, done now that the bar is here.
    {
        let (share, confirm_wipe, d) = (share.clone(), confirm_wipe.clone(), d.clone());
        let exports: Vec<(&'static str, Callback<MouseEvent>)> =
            ["json", "sh", "py", "mjs", "rs", "go"].into_iter().map(|k| (k, export(k))).collect();
        let intent = p.intent.clone();
        let embed = embed.clone();
        use_effect_with((), move |_| {
            let Some((what, file)) = intent else { return };
            match what.as_str() {
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
                        d.dispatch(Action::Import { name, text })
                    }
                }
                w => {
                    if let Some((_, cb)) = exports.iter().find(|(k, _)| w.strip_prefix("export:") == Some(*k)) {
                        cb.emit(click())
                    }
                }
            }
        });
    }
    let toggle = |state: &UseStateHandle<bool>| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.set(!*state))
    };

    let (lesson_step, history) = {
        let pg = p.shared.0.borrow();
        (
            pg.lesson.as_ref().filter(|(n, _)| crate::lesson::built_in(n).is_some()).map(|(n, r)| {
                (n.clone(), r.current, r.lesson.steps.get(r.current).map(|s| s.title.clone()).unwrap_or_default())
            }),
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
            if let Some(ask) = p.import_asks.clone() {
                <div class="ask" role="alertdialog" aria-label="Replace buckets?">
                    <span>{ format!("{} holds {} {}, which this session has too. Replace {} with the file's?", ask.name,
                        if ask.clashes.len() == 1 { "the bucket" } else { "the buckets" }, ask.clashes.join(", "),
                        if ask.clashes.len() == 1 { "it" } else { "them" }) }</span>
                    <button type="button" class="danger" onclick={d.callback(move |_: MouseEvent| Action::ReplaceOnImport(ask.clone()))}>{ "Replace" }</button>
                    <button type="button" onclick={d.callback(|_: MouseEvent| Action::CancelImport)}>{ "Cancel" }</button>
                </div>
            }
            if let Some(url) = p.share_link.clone() {
                <div class="share-row">
                    <input class="share-link" type="text" readonly=true value={url.clone()} aria-label="Share link" onfocus={Callback::from(|e: FocusEvent| {
                        if let Some(i) = e.target_dyn_into::<HtmlInputElement>() { i.select(); }
                    })} />
                    <button type="button" onclick={copy(url, "link")}>{ "Copy" }</button>
                </div>
            }
            if let Some(o) = (*embed).clone() {
                <EmbedPanel options={o} {lesson_step} {history}
                    on_options={{
                        let (embed, copied) = (embed.clone(), copied.clone());
                        Callback::from(move |o: EmbedOptions| {
                            embed.set(Some(o));
                            copied.set(None);
                        })
                    }}
                    on_copied={{
                        let copied = copied.clone();
                        Callback::from(move |what: &'static str| copied.set(Some(what)))
                    }} />
            }
            <span class="copied" role="status" aria-live="polite">{ match *copied {
                Some("link") => "Link copied: paste it to share this session.",
                Some("embed") => "Embed code copied: paste it into your page's HTML.",
                Some(_) => "The browser did not allow copying: select the text and press Ctrl+C.",
                None => "",
            } }</span>
        </div>
    }
}
