//! Component tests in a real browser (wasm-bindgen-test in headless Chromium): the terminal runs commands on the
//! embedded engine, the explorer follows, values stay text, and Ctrl-C stops a watch.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement, InputEvent, InputEventInit, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

async fn mount() -> Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<nats_kv_playground::app::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    root
}

fn input(root: &Element) -> HtmlInputElement {
    root.query_selector("#term-input").unwrap().expect("terminal input").dyn_into().unwrap()
}

async fn key(root: &Element, key: &str, ctrl: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_ctrl_key(ctrl);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    input(root).dispatch_event(&ev).unwrap();
    yew::scheduler::flush().await;
}

async fn type_line(root: &Element, line: &str) {
    let i = input(root);
    i.set_value(line);
    let init = InputEventInit::new();
    init.set_bubbles(true);
    let ev = InputEvent::new_with_event_init_dict("input", &init).unwrap();
    i.dispatch_event(&ev).unwrap();
    yew::scheduler::flush().await;
    key(root, "Enter", false).await;
}

/// Shows the bucket explorer (the Lesson pane is shown first).
async fn show_buckets(root: &Element) {
    let tabs = root.query_selector_all("[role=tab]").unwrap();
    for i in 0..tabs.length() {
        let t: web_sys::HtmlElement = tabs.item(i).unwrap().dyn_into().unwrap();
        if t.text_content().unwrap_or_default() == "Buckets" {
            t.click();
        }
    }
    yew::scheduler::flush().await;
}

fn text(root: &Element, selector: &str) -> String {
    root.query_selector(selector).unwrap().map(|e| e.text_content().unwrap_or_default()).unwrap_or_default()
}

#[wasm_bindgen_test]
async fn terminal_runs_commands_and_the_explorer_follows() {
    let root = mount().await;
    type_line(&root, "nats kv add demo --history 3").await;
    type_line(&root, "nats kv put demo greeting hello").await;
    type_line(&root, "nats kv get demo greeting").await;
    let out = text(&root, ".term-out");
    show_buckets(&root).await;
    assert!(out.contains("Information for Key-Value Store Bucket demo created"), "{out}");
    assert!(out.contains("demo > greeting revision: 1 created @"), "{out}");
    assert_eq!(text(&root, ".explorer .bucket h3"), "demo");
    assert_eq!(text(&root, ".explorer td.value"), "hello");
    type_line(&root, "nats kv update demo greeting bye 7").await;
    assert!(text(&root, ".term-out")
        .contains("nats: error: nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: 1"));
    assert_eq!(text(&root, ".explorer td.value"), "hello", "a rejected update changes nothing");
}

#[wasm_bindgen_test]
async fn values_render_as_text_in_terminal_and_explorer() {
    let root = mount().await;
    let evil = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    type_line(&root, "nats kv add x").await;
    type_line(&root, &format!("nats kv put x k '{evil}'")).await;
    show_buckets(&root).await;
    assert_eq!(root.query_selector_all("img, script").unwrap().length(), 0);
    assert_eq!(text(&root, ".explorer td.value"), evil);
    assert!(text(&root, ".term-out").contains(evil));
}

#[wasm_bindgen_test]
async fn ctrl_c_stops_a_watch_and_confirmations_wait_for_an_answer() {
    let root = mount().await;
    type_line(&root, "nats kv add w").await;
    type_line(&root, "nats kv watch w").await;
    assert!(text(&root, ".term-status").contains("1 watch running"));
    type_line(&root, "nats kv put w k v1").await;
    assert!(text(&root, ".term-out").contains("PUT w > k: v1"));
    key(&root, "c", true).await;
    assert_eq!(root.query_selector(".term-status").unwrap(), None);
    type_line(&root, "nats kv del w k").await;
    assert_eq!(text(&root, ".prompt"), "? Delete key w > k? (y/N) ");
    type_line(&root, "n").await;
    assert!(text(&root, ".term-out").contains("Skipping delete"));
    assert_eq!(text(&root, ".prompt"), "$ ");
}

/// A workshop's join link: its credentials are read once and leave the address bar; the rest of the fragment and
/// the query stay.
#[wasm_bindgen_test]
fn a_join_links_credentials_leave_the_address_bar() {
    use nats_kv_playground::app::workshop;
    let w = web_sys::window().unwrap();
    let before = w.location().href().unwrap();
    let h = w.history().unwrap();
    h.replace_state_with_url(
        &wasm_bindgen::JsValue::NULL,
        "",
        Some("?lesson=lessons%2Fintro.md#server=ws%3A%2F%2F127.0.0.1%3A9&user=ana&pass=p%40ss&x=1"),
    )
    .unwrap();
    workshop::read_join_link();
    let hash = w.location().hash().unwrap();
    let search = w.location().search().unwrap();
    h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&before)).unwrap();
    assert_eq!(hash, "#x=1");
    assert_eq!(search, "?lesson=lessons%2Fintro.md");
    let j = workshop::take_join_link().expect("the link was read");
    assert_eq!((j.server.as_str(), j.user.as_str(), j.pass.as_str()), ("ws://127.0.0.1:9", "ana", "p@ss"));
    assert_eq!(workshop::take_join_link(), None, "read once");
}

/// The page's services over its link (here the embedded engine): typed lines run and show their echo and
/// output, a Watchers pane's watch receives a later put, and a lesson's Reset empties the embedded server.
#[wasm_bindgen_test]
async fn the_services_run_lines_watches_and_a_lesson_over_the_pages_link() {
    use nats_kv_playground::app::term_state::TermAction;
    use nats_kv_playground::app::{lines, link, steps, watchers, Playground, Shared};
    use nats_kv_playground::engine::{WatchEvent, WatchOptions};
    use std::cell::RefCell;
    use std::rc::Rc;

    let shared = Shared(Rc::new(RefCell::new(Playground::new(1_767_225_600_000_000_000))));
    assert!(!link::link(&shared).remote() && link::link(&shared).clock_moves());
    let shown = RefCell::new(Vec::new());
    let lines_in = ["nats kv add b".to_string(), "nats kv put b k v1".to_string()];
    lines::run(&shared, &lines_in, |a| shown.borrow_mut().push(a));
    fn flat(a: &TermAction, out: &mut Vec<String>) {
        match a {
            TermAction::Batch(v) => v.iter().for_each(|a| flat(a, out)),
            TermAction::Echo { prompt, line } => out.push(format!("{prompt}{line}")),
            TermAction::Output(chunks) => out.push(format!("{chunks:?}")),
            _ => {}
        }
    }
    let mut all = Vec::new();
    shown.borrow().iter().for_each(|a| flat(a, &mut all));
    assert!(all.contains(&"$ nats kv put b k v1".to_string()), "{all:?}");
    assert!(all.contains(&"[Out(\"v1\\n\")]".to_string()), "{all:?}");

    watchers::open(&shared, "b", ">", WatchOptions::default(), "b".into()).expect("a pane's watch");
    let first = watchers::news(&shared, &[]);
    assert_eq!(first.opened.len(), 1, "the pane exists at once on the engine");
    let pane = first.opened[0].0;
    assert!(watchers::is_current(&shared, &pane));
    lines::run(&shared, &["nats kv put b k v2".to_string()], |_| {});
    let later = watchers::news(&shared, &[pane]);
    let got: Vec<Vec<u8>> = later
        .events
        .iter()
        .flat_map(|(_, evs)| evs.iter())
        .filter_map(|e| match e {
            WatchEvent::Entry(e) => Some(e.value.clone()),
            _ => None,
        })
        .collect();
    assert!(got.contains(&b"v2".to_vec()), "the pane saw the put: {got:?}");
    watchers::stop(&shared, pane);

    assert!(shared.0.borrow_mut().open_lesson("cli"));
    let note = steps::reset(&shared);
    assert!(note.contains("embedded server starts empty"), "{note}");
    assert!(shared.0.borrow().view().bucket_names().is_empty(), "Reset emptied the embedded server");
    let interrupted =
        lines::interrupt(&shared, "", |a| assert!(matches!(a, TermAction::Echo { .. } | TermAction::Note(_))));
    assert!(interrupted, "on the engine, Ctrl-C's effect is immediate");
}
