//! The connect control: where the terminal's commands go (the embedded engine, or a real nats-server over
//! WebSocket), the connection's state at all times, credentials kept only when the learner asks, and the way back.
//! A connection the learner chose to keep (credentials remembered, or none needed) and a workshop's join link are
//! made again on the next visit, and after the network comes back.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::remote::{self, ConnState};
use crate::app::store::{Action, Dispatch};
use crate::app::Shared;
use crate::client::url::{parse_creds, Auth, ServerUrl};

/// The address offered until the learner types another.
pub const DEFAULT_URL: &str = "ws://127.0.0.1:8080";
const URL_KEY: &str = "kvplay.server.url";
const CREDS_KEY: &str = "kvplay.server.credentials";
/// Set while a kept connection is open (the page's loader reads it too, to start the whole app at once): connect
/// again on the next visit, as the workshop learner it names, if any.
const AUTO_KEY: &str = "kvplay.server.auto";

#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize, Default)]
struct Auto {
    #[serde(default)]
    learner: Option<String>,
}

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
    pub d: Dispatch,
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

/// What the bar says about where commands go.
fn status_text(state: &Option<ConnState>, url: &Option<String>, learner: Option<&str>) -> (&'static str, String) {
    let at = |u: &str| match learner {
        Some(l) => format!("the workshop server {u} as {l}"),
        None => u.to_string(),
    };
    match (state, url) {
        (None, _) => (
            "embedded",
            match crate::app::page_link::connections() {
                0 => "Embedded engine (in this page)".to_string(),
                1 => "Embedded engine (in this page) · 1 client connected".to_string(),
                n => format!("Embedded engine (in this page) · {n} clients connected"),
            },
        ),
        (Some(ConnState::Connecting), Some(u)) => ("connecting", format!("Connecting to {}…", at(u))),
        (Some(ConnState::Connected { server }), Some(u)) => match learner {
            Some(l) => ("connected", format!("Connected to the workshop server as {l}: {server} at {u}")),
            None => ("connected", format!("Connected: {server} at {u}")),
        },
        (Some(ConnState::Reconnecting { attempt, error }), Some(u)) => (
            "reconnecting",
            format!("Reconnecting to {} (attempt {attempt}): {}", at(u), error.trim_start_matches("nats: error: ")),
        ),
        (Some(ConnState::Lost { error }), Some(u)) => (
            "lost",
            format!(
                "Disconnected from {}: {} (trying again when the network is back)",
                at(u),
                error.trim_start_matches("nats: error: ")
            ),
        ),
        _ => ("embedded", String::new()),
    }
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

    let (state, shown_url, last_error, learner, write_error) = {
        let pg = p.shared.0.borrow();
        let l = crate::app::workshop::with_learner(|l| (l.name.clone(), l.write_error.clone()));
        (
            pg.server.as_ref().map(|s| s.state.clone()),
            pg.server.as_ref().map(|s| s.url.clone()),
            pg.server_error.clone(),
            l.as_ref().map(|l| l.0.clone()),
            l.and_then(|l| l.1),
        )
    };

    // On the page's start: a workshop's join link connects as its learner (and is kept, so a reload connects
    // again); otherwise a connection kept from the last visit is made again.
    {
        let d = p.d.clone();
        let (url, kind, user, secret, remember) =
            (url.clone(), kind.clone(), user.clone(), secret.clone(), remember.clone());
        let remembered = remembered.clone();
        use_effect_with((), move |_| {
            if let Some(j) = crate::app::workshop::take_join_link() {
                match server_url(&j.server, "user", &j.user, &j.pass) {
                    Ok(target) => {
                        url.set(j.server.clone());
                        kind.set("user".into());
                        user.set(j.user.clone());
                        secret.set(j.pass.clone());
                        remember.set(true);
                        keep(
                            &j.server,
                            Some(&Remembered { kind: "user".into(), user: j.user.clone(), secret: j.pass }),
                        );
                        keep_auto(Some(&Auto { learner: Some(j.user.clone()) }));
                        d.dispatch(Action::Connect { target, learner: Some(j.user) });
                    }
                    Err(e) => d.say(format!("(this workshop link's server cannot be used: {e})")),
                }
                return;
            }
            let auto = crate::app::storage_get(AUTO_KEY).and_then(|s| serde_json::from_str::<Auto>(&s).ok());
            let Some(auto) = auto else { return };
            let r = remembered.as_ref().clone().unwrap_or_default();
            let kind = if r.kind.is_empty() { "none" } else { r.kind.as_str() };
            match server_url(&url, kind, &r.user, &r.secret) {
                Ok(target) => {
                    let learner = auto.learner.filter(|l| kind == "user" && *l == r.user);
                    d.dispatch(Action::Connect { target, learner });
                }
                Err(_) => keep_auto(None),
            }
        });
    }
    // A connection that was lost is made again when the browser says the network is back, and every ten seconds.
    {
        let shared = p.shared.clone();
        let d = p.d.clone();
        use_effect_with((), move |_| {
            let again = Rc::new(move || {
                let lost = matches!(shared.0.borrow().server.as_ref().map(|s| &s.state), Some(ConnState::Lost { .. }));
                if let (true, Some(target)) = (lost, remote::target()) {
                    let learner = crate::app::workshop::with_learner(|l| l.name.clone());
                    d.dispatch(Action::Connect { target, learner });
                }
            });
            let online = web_sys::window().map(|w| {
                let again = again.clone();
                gloo::events::EventListener::new(&w, "online", move |_| again())
            });
            let tick = gloo::timers::callback::Interval::new(10_000, move || again());
            move || {
                drop(online);
                drop(tick);
            }
        });
    }

    let connect = {
        let d = p.d.clone();
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
            let creds = Remembered { kind: (*kind).clone(), user: (*user).clone(), secret: (*secret).clone() };
            let kept = *remember && *kind != "none";
            keep(&url, kept.then_some(&creds));
            // The learner who joined from a workshop's link stays that learner when connecting again as them.
            let previous = crate::app::storage_get(AUTO_KEY).and_then(|s| serde_json::from_str::<Auto>(&s).ok());
            let learner = previous.and_then(|a| a.learner).filter(|l| *kind == "user" && *l == *user);
            keep_auto((kept || *kind == "none").then(|| Auto { learner: learner.clone() }).as_ref());
            d.dispatch(Action::Connect { target, learner });
        })
    };
    let disconnect = {
        let d = p.d.clone();
        Callback::from(move |_: MouseEvent| {
            keep_auto(None);
            d.dispatch(Action::Disconnect);
        })
    };

    let (dot, status) = status_text(&state, &shown_url, learner.as_deref());
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
                if let Some(e) = &write_error {
                    <p class="hint workshop-write" role="status">{ format!("Your progress could not be sent to the instructor: {e}. The lesson goes on; the next step's result is sent again.") }</p>
                }
                if let (None, Some(e), true) = (&state, &last_error, form_error.is_empty()) {
                    <p class="verdict fail" role="alert">{ format!("Could not connect: {}", e.trim_start_matches("nats: error: ")) }</p>
                }
            </form>
        </details>
    }
}

/// Keeps the address, and the credentials when given (forgets them otherwise).
fn keep(url: &str, creds: Option<&Remembered>) {
    if let Ok(v) = serde_json::to_string(url) {
        crate::app::storage_set(URL_KEY, &v);
    }
    match creds.and_then(|c| serde_json::to_string(c).ok()) {
        Some(v) => {
            crate::app::storage_set(CREDS_KEY, &v);
        }
        None => crate::app::storage_remove(CREDS_KEY),
    }
}

/// Keeps (or forgets) that the connection is to be made again on the next visit.
fn keep_auto(auto: Option<&Auto>) {
    match auto.and_then(|a| serde_json::to_string(a).ok()) {
        Some(v) => {
            crate::app::storage_set(AUTO_KEY, &v);
        }
        None => crate::app::storage_remove(AUTO_KEY),
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

    #[test]
    fn the_bar_says_where_commands_go_for_a_workshop_learner() {
        let u = Some("ws://10.0.0.5:8080".to_string());
        let connected = Some(ConnState::Connected { server: "nats-server 2.15.1 (n1)".into() });
        assert_eq!(
            status_text(&connected, &u, Some("alice")).1,
            "Connected to the workshop server as alice: nats-server 2.15.1 (n1) at ws://10.0.0.5:8080"
        );
        let lost = Some(ConnState::Lost { error: "nats: error: connection refused".into() });
        let (dot, text) = status_text(&lost, &u, Some("alice"));
        assert_eq!(dot, "lost");
        assert!(
            text.starts_with("Disconnected from the workshop server ws://10.0.0.5:8080 as alice: connection refused")
        );
        let again = Some(ConnState::Reconnecting { attempt: 2, error: "timeout".into() });
        assert!(status_text(&again, &u, None).1.starts_with("Reconnecting to ws://10.0.0.5:8080 (attempt 2)"));
    }
}
