//! Session tools: Share (the commands typed, in a link), Export (buckets as JSON, the session as a nats CLI script
//! or a nats-py program), Import (a JSON export, from here or from a real server), and Start over.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::term_state::{TermAction, TermState};
use crate::app::{real_now, Shared};
use crate::transfer;

#[derive(Properties, PartialEq)]
pub struct SessionBarProps {
    pub shared: Shared,
    pub term: UseReducerDispatcher<TermState>,
    pub on_change: Callback<()>,
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

#[function_component(SessionBar)]
pub fn session_bar(p: &SessionBarProps) -> Html {
    let link = use_state(|| None::<String>);
    let file_ref = use_node_ref();
    let note = |term: &UseReducerDispatcher<TermState>, t: String| term.dispatch(TermAction::Note(t));

    let share = {
        let shared = p.shared.clone();
        let link = link.clone();
        let term = p.term.clone();
        Callback::from(move |_: MouseEvent| {
            let pg = shared.0.borrow();
            match transfer::encode_share(&pg.history) {
                Ok(packed) => {
                    let base = web_sys::window()
                        .and_then(|w| w.location().href().ok())
                        .map(|h| h.split('#').next().unwrap_or("").to_string())
                        .unwrap_or_default();
                    let mut url = format!("{base}#share={packed}");
                    if let Some((name, _)) = pg.lesson.as_ref() {
                        if !base.contains("lesson=") && crate::lesson::built_in(name).is_some() {
                            url = format!("{}?lesson={name}#share={packed}", base.split('?').next().unwrap_or(""));
                        }
                    }
                    link.set(Some(url));
                }
                Err(e) => note(&term, format!("(share: {e})")),
            }
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
                _ => download("session.py", "text/x-python", &transfer::python_script(&pg.history)),
            };
            if let Err(e) = r {
                note(&term, format!("(export failed: {e})"));
            }
        })
    };
    let import = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        let file_ref = file_ref.clone();
        Callback::from(move |_: Event| {
            let Some(input) = file_ref.cast::<HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            let shared = shared.clone();
            let term = term.clone();
            let on_change = on_change.clone();
            let name = file.name();
            let file = gloo::file::File::from(file);
            let reader = gloo::file::callbacks::read_as_text(&file, move |r| {
                let msg = match r {
                    Err(e) => format!("(import of {name} failed: {e})"),
                    Ok(text) => {
                        let mut pg = shared.0.borrow_mut();
                        let now = pg.clock.now(real_now());
                        match transfer::import(&text, now) {
                            Ok(engine) => {
                                let n = engine.bucket_names().len();
                                pg.load_engine(engine);
                                format!("(imported {n} bucket{} from {name})", if n == 1 { "" } else { "s" })
                            }
                            Err(e) => format!("(import of {name} refused, nothing changed: {e})"),
                        }
                    }
                };
                term.dispatch(TermAction::Note(msg));
                on_change.emit(());
            });
            // The reader must live until it calls back.
            std::mem::forget(reader);
        })
    };
    let start_over = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        let link = link.clone();
        Callback::from(move |_: MouseEvent| {
            {
                let mut pg = shared.0.borrow_mut();
                pg.reset_server(real_now());
                pg.history.clear();
            }
            link.set(None);
            crate::app::forget_saved_state();
            term.dispatch(TermAction::Clear);
            term.dispatch(TermAction::Note("(started over: the embedded server is empty and nothing is kept)".into()));
            on_change.emit(());
        })
    };
    html! {
        <div class="session-bar" role="group" aria-label="Session">
            <button type="button" onclick={share}>{ "Share" }</button>
            <button type="button" onclick={export("json")} title="Buckets with every kept revision, as JSON">{ "Export" }</button>
            <button type="button" onclick={export("sh")} title="The commands you ran, as a script for the nats CLI">{ ".sh" }</button>
            <button type="button" onclick={export("py")} title="The commands you ran, as a nats-py program">{ ".py" }</button>
            <label class="import">{ "Import" }
                <input ref={file_ref} type="file" accept=".json,application/json" onchange={import} aria-label="Import buckets from a JSON export" />
            </label>
            <button type="button" onclick={start_over}>{ "Start over" }</button>
            if let Some(url) = (*link).clone() {
                <input class="share-link" type="text" readonly=true value={url} aria-label="Share link: copy it" onfocus={Callback::from(|e: FocusEvent| {
                    if let Some(i) = e.target_dyn_into::<HtmlInputElement>() { i.select(); }
                })} />
            }
        </div>
    }
}
