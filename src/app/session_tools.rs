//! The session tools' service: the share link, the downloads (buckets as JSON, the session as a script or a
//! program), imports read and applied, and Start over. The session bar keeps what is open and asked, renders,
//! and calls these; each says what happened in words for the terminal.

use wasm_bindgen::JsCast;

use super::{real_now, Shared};
use crate::codegen::{self, Lang};
use crate::transfer;

/// The share link of the session (its commands and clock moves), on the page's address; with the open built-in
/// lesson named, when the address does not name one.
pub fn share_link(shared: &Shared, base: &str) -> Result<String, String> {
    let pg = shared.0.borrow();
    let packed = transfer::encode_share(&pg.history)?;
    let here = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .unwrap_or_default();
    if let Some((name, _)) = pg.lesson.as_ref() {
        if !here.contains("lesson=") && crate::lesson::built_in(name).is_some() {
            return Ok(format!("{base}?lesson={name}#share={packed}"));
        }
    }
    Ok(format!("{here}#share={packed}"))
}

/// Offers a download of `kind`: "json" (the buckets the views show, every kept revision), or the session as
/// "sh" (a nats CLI script), "py", "mjs", "rs" or "go" (a program for that client).
pub fn export(shared: &Shared, kind: &str) -> Result<(), String> {
    let pg = shared.0.borrow();
    match kind {
        "json" => serde_json::to_string_pretty(&transfer::export(pg.view()))
            .map_err(|e| e.to_string())
            .and_then(|t| download("nats-kv-playground.json", "application/json", &t)),
        "sh" => download("session.sh", "text/x-shellscript", &transfer::cli_script(&pg.history)),
        "py" => download("session.py", "text/x-python", &transfer::python_script(&pg.history)),
        "mjs" => download("session.mjs", "text/javascript", &codegen::program(Lang::JavaScript, &pg.history)),
        "rs" => download("session.rs", "text/x-rust", &codegen::program(Lang::Rust, &pg.history)),
        _ => download("session.go", "text/x-go", &codegen::program(Lang::Go, &pg.history)),
    }
}

/// Reads an export to import: the export, and the buckets it would replace (to ask about first).
pub fn read_import(shared: &Shared, text: &str) -> Result<(transfer::Export, Vec<String>), String> {
    shared.0.borrow().read_import(text)
}

/// Puts an import's buckets beside the session's (a bucket of the same name is replaced); what to tell.
pub fn apply_import(shared: &Shared, name: &str, x: &transfer::Export) -> String {
    match shared.0.borrow_mut().merge_import(x, real_now()) {
        Ok(()) => {
            let n = x.buckets.len();
            format!("(imported {n} bucket{} from {name})", if n == 1 { "" } else { "s" })
        }
        Err(e) => format!("(import of {name} refused, nothing changed: {e})"),
    }
}

/// Start over: the embedded server empty, the history and the kept session gone.
pub fn start_over(shared: &Shared) {
    {
        let mut pg = shared.0.borrow_mut();
        pg.reset_server(real_now());
        pg.history.clear();
    }
    super::forget_saved_state();
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
