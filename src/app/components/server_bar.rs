//! The connect control: where the terminal's commands go (the embedded engine, or a real nats-server over
//! WebSocket), the connection's state at all times, credentials kept only when the learner asks, and the way back.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::remote::{self, ConnState, UiMsg};
use crate::app::term_state::{TermAction, TermState};
use crate::app::Shared;
use crate::client::url::{parse_creds, Auth, ServerUrl};

/// The address offered until the learner types another.
pub const DEFAULT_URL: &str = "ws://127.0.0.1:8080";
const URL_KEY: &str = "kvplay.server.url";
const CREDS_KEY: &str = "kvplay.server.credentials";

#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize, Default)]
struct Remembered {
    kind: String,
    user: String,
    secret: String,
}

#[derive(Properties, PartialEq)]
pub struct ServerBarProps {
    pub shared: Shared,
    pub version: u64,
    pub term: UseReducerDispatcher<TermState>,
    pub on_change: Callback<()>,
    /// Open the form at once (the visitor opened it in the first load).
    #[prop_or_default]
    pub open: bool,
}

fn input_value(e: &Event) -> String {
    let el: HtmlInputElement = e.target_unchecked_into();
    el.value()
}

/// Builds the address and credentials from the form. Credentials typed into the fields win over any in the URL.
fn server_url(url: &str, kind: &str, user: &str, secret: &str) -> Result<ServerUrl, String> {
    let mut u = ServerUrl::parse(url)?;
    u.auth = match kind {
        "user" if !user.is_empty() => Auth::UserPass(user.to_string(), secret.to_string()),
        "user" => return Err("a user name is needed for user and password authentication".into()),
        "token" if !secret.is_empty() => Auth::Token(secret.to_string()),
        "token" => return Err("the token is empty".into()),
        "nkey" if secret.trim().starts_with("SU") => Auth::NKey(secret.trim().to_string()),
        "nkey" => return Err("an nkey user seed starts with SU".into()),
        "creds" => parse_creds(secret)?,
        _ => u.auth,
    };
    Ok(u)
}

#[function_component(ServerBar)]
pub fn server_bar(p: &ServerBarProps) -> Html {
    let remembered =
        use_memo((), |_| crate::app::storage_get(CREDS_KEY).and_then(|s| serde_json::from_str::<Remembered>(&s).ok()));
    let url = use_state(|| {
        crate::app::storage_get(URL_KEY)
            .and_then(|s| serde_json::from_str::<String>(&s).ok())
            .unwrap_or_else(|| DEFAULT_URL.to_string())
    });
    let kind = use_state(|| remembered.as_ref().as_ref().map(|r| r.kind.clone()).unwrap_or_else(|| "none".into()));
    let user = use_state(|| remembered.as_ref().as_ref().map(|r| r.user.clone()).unwrap_or_default());
    let secret = use_state(|| remembered.as_ref().as_ref().map(|r| r.secret.clone()).unwrap_or_default());
    let remember = use_state(|| remembered.is_some());
    let form_error = use_state(String::new);

    let (state, shown_url, last_error) = {
        let pg = p.shared.0.borrow();
        (
            pg.server.as_ref().map(|s| s.state.clone()),
            pg.server.as_ref().map(|s| s.url.clone()),
            pg.server_error.clone(),
        )
    };

    let connect = {
        let (shared, term, on_change) = (p.shared.clone(), p.term.clone(), p.on_change.clone());
        let (url, kind, user, secret, remember, form_error) =
            (url.clone(), kind.clone(), user.clone(), secret.clone(), remember.clone(), form_error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let target = match server_url(&url, &kind, &user, &secret) {
                Ok(t) => t,
                Err(err) => {
                    form_error.set(err);
                    return;
                }
            };
            form_error.set(String::new());
            if let Ok(v) = serde_json::to_string(&*url) {
                crate::app::storage_set(URL_KEY, &v);
            }
            let creds = Remembered { kind: (*kind).clone(), user: (*user).clone(), secret: (*secret).clone() };
            match serde_json::to_string(&creds) {
                Ok(v) if *remember && *kind != "none" => {
                    crate::app::storage_set(CREDS_KEY, &v);
                }
                _ => crate::app::storage_remove(CREDS_KEY),
            }
            term.dispatch(TermAction::Note(format!("(connecting to {} ...)", target.display())));
            let ui: Rc<dyn Fn(UiMsg)> = {
                let (term, on_change) = (term.clone(), on_change.clone());
                Rc::new(move |m: UiMsg| match m {
                    UiMsg::Term(actions) => {
                        term.dispatch(TermAction::Batch(actions));
                        on_change.emit(());
                    }
                    UiMsg::Changed => on_change.emit(()),
                })
            };
            remote::connect(&shared, target, ui);
        })
    };
    let disconnect = {
        let (shared, term, on_change) = (p.shared.clone(), p.term.clone(), p.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            remote::disconnect(&shared);
            term.dispatch(TermAction::Note(
                "(disconnected: the terminal uses the embedded engine again, as you left it)".into(),
            ));
            on_change.emit(());
        })
    };

    let (dot, status) = match (&state, &shown_url) {
        (None, _) => (
            "embedded",
            match crate::app::page_link::connections() {
                0 => "Embedded engine (in this page)".to_string(),
                1 => "Embedded engine (in this page) · 1 client connected".to_string(),
                n => format!("Embedded engine (in this page) · {n} clients connected"),
            },
        ),
        (Some(ConnState::Connecting), Some(u)) => ("connecting", format!("Connecting to {u}…")),
        (Some(ConnState::Connected { server }), Some(u)) => ("connected", format!("Connected: {server} at {u}")),
        (Some(ConnState::Reconnecting { attempt, error }), Some(u)) => (
            "reconnecting",
            format!("Reconnecting to {u} (attempt {attempt}): {}", error.trim_start_matches("nats: error: ")),
        ),
        (Some(ConnState::Lost { error }), Some(u)) => {
            ("lost", format!("Lost {u}: {}", error.trim_start_matches("nats: error: ")))
        }
        _ => ("embedded", String::new()),
    };
    let secret_field = match kind.as_str() {
        "user" => Some(("Password", "password")),
        "token" => Some(("Token", "password")),
        "nkey" => Some(("NKey seed (SU…)", "password")),
        _ => None,
    };
    let on_state_text = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: Event| s.set(input_value(&e)))
    };
    let on_kind = {
        let kind = kind.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            kind.set(el.value());
        })
    };
    let on_creds_file = {
        let secret = secret.clone();
        let form_error = form_error.clone();
        Callback::from(move |e: Event| {
            let el: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = el.files().and_then(|f| f.get(0)) else { return };
            let (secret, form_error) = (secret.clone(), form_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()) {
                    Some(t) if t.len() < 64 * 1024 => secret.set(t),
                    _ => form_error.set("the creds file could not be read".into()),
                }
            });
        })
    };

    html! {
        <details class="server-bar" open={p.open || state.is_some() || last_error.is_some()}>
            <summary>
                <span class={classes!("conn-dot", dot)} aria-hidden="true"></span>
                <span class="conn-state" role="status" aria-live="polite">{ status }</span>
                <span class="conn-toggle">{ if state.is_some() { "connection ▾" } else { "connect to a real server ▾" } }</span>
            </summary>
            <form class="server-form" onsubmit={connect} aria-label="Connect to a NATS server">
                <label>{ "Server" }
                    <input type="text" class="server-url" value={(*url).clone()} onchange={on_state_text(&url)}
                        spellcheck="false" autocomplete="off" aria-describedby="server-help" />
                </label>
                <label>{ "Credentials" }
                    <select onchange={on_kind} value={(*kind).clone()}>
                        <option value="none" selected={*kind == "none"}>{ "none" }</option>
                        <option value="user" selected={*kind == "user"}>{ "user and password" }</option>
                        <option value="token" selected={*kind == "token"}>{ "token" }</option>
                        <option value="nkey" selected={*kind == "nkey"}>{ "nkey seed" }</option>
                        <option value="creds" selected={*kind == "creds"}>{ "creds file" }</option>
                    </select>
                </label>
                if *kind == "user" {
                    <label>{ "User" }<input type="text" value={(*user).clone()} onchange={on_state_text(&user)} autocomplete="username" /></label>
                }
                if let Some((label, ty)) = secret_field {
                    <label>{ label }<input type={ty} value={(*secret).clone()} onchange={on_state_text(&secret)} autocomplete="current-password" /></label>
                }
                if *kind == "creds" {
                    <label>{ "Creds file" }<input type="file" accept=".creds,text/plain" onchange={on_creds_file} /></label>
                }
                if *kind != "none" {
                    <label class="remember"><input type="checkbox" checked={*remember}
                        onchange={{ let r = remember.clone(); Callback::from(move |_: Event| r.set(!*r)) }} />
                        { "Remember credentials in this browser" }</label>
                }
                <button type="submit" class="primary">{ if state.is_some() { "Reconnect" } else { "Connect" } }</button>
                if state.is_some() {
                    <button type="button" onclick={disconnect}>{ "Disconnect (back to the embedded engine)" }</button>
                }
                <p id="server-help" class="hint">{ "A nats-server with JetStream (-js) and a websocket listener, for example: websocket { listen: \"127.0.0.1:8080\", no_tls: true }. Nothing is sent anywhere until you press Connect." }</p>
                if !form_error.is_empty() {
                    <p class="verdict fail" role="alert">{ (*form_error).clone() }</p>
                }
                if let (None, Some(e), true) = (&state, &last_error, form_error.is_empty()) {
                    <p class="verdict fail" role="alert">{ format!("Could not connect: {}", e.trim_start_matches("nats: error: ")) }</p>
                }
            </form>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_builds_the_address_and_credentials() {
        let u = server_url("ws://127.0.0.1:8080", "user", "learner", "s3cret").unwrap();
        assert_eq!(u.auth, Auth::UserPass("learner".into(), "s3cret".into()));
        assert_eq!(server_url("ws://h:1", "token", "", "t").unwrap().auth, Auth::Token("t".into()));
        assert_eq!(server_url("ws://a:b@h:1", "none", "", "").unwrap().auth, Auth::UserPass("a".into(), "b".into()));
        assert!(server_url("ws://h:1", "user", "", "x").unwrap_err().contains("user name"));
        assert!(server_url("ws://h:1", "nkey", "", "UABC").unwrap_err().contains("SU"));
        assert!(server_url("ws://h:1", "creds", "", "junk").is_err());
        assert!(server_url("http://h:1", "none", "", "").unwrap_err().contains("ws://"));
    }
}
