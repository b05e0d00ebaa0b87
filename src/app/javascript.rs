//! JavaScript in the page, the page's side: each Run of a JavaScript cell starts a module worker
//! (`js-worker.js`, from `static/clients/js-worker.js`) that runs the cell's program with the official client,
//! and Stop, or the program's end, terminates it, so its connections, watchers and timers end with it. Nothing of
//! it is fetched before the first Run. The program's connections to the page's NATS server come from the worker
//! as messages and are relayed to `page_link`, like any other client's; when the page is connected to a real
//! server the worker dials that server itself. Each cell's output is kept in `JsState` (pure, tested natively).

use std::cell::RefCell;
use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;

use super::host::{field, object as obj};
use wasm_bindgen::JsCast;

use super::page_link;

/// What one cell's last run printed, and whether it is still running.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsRun {
    /// Text as printed, each piece marked `true` when it went to stderr (an uncaught error included).
    pub out: Vec<(bool, String)>,
    pub running: bool,
    /// The client is still being fetched (the first Run of the page).
    pub loading: bool,
    /// The program ended with an uncaught error (printed in `out`).
    pub failed: bool,
    /// The run ended because Stop was pressed.
    pub stopped: bool,
}

impl JsRun {
    /// Everything printed, stdout and stderr interleaved as they came.
    pub fn text(&self) -> String {
        self.out.iter().map(|(_, s)| s.as_str()).collect()
    }
}

/// A message from a cell's worker, decoded at the edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FromWorker {
    Ready,
    Out { stderr: bool, text: String },
    Done { failed: bool },
}

/// The most a cell keeps of what it printed (a runaway loop must not fill the page's memory).
pub const MAX_OUTPUT: usize = 200_000;

/// Every JavaScript cell's last run.
#[derive(Default)]
pub struct JsState {
    pub cells: BTreeMap<String, JsRun>,
    /// The client has been fetched once: later runs do not wait for it.
    pub loaded: bool,
}

impl JsState {
    /// A run of `cell` begins: its old output goes.
    pub fn start(&mut self, cell: &str) {
        self.cells.insert(cell.to_string(), JsRun { running: true, loading: !self.loaded, ..JsRun::default() });
    }

    pub fn apply(&mut self, cell: &str, msg: FromWorker) {
        if msg == FromWorker::Ready {
            self.loaded = true;
        }
        let Some(c) = self.cells.get_mut(cell) else { return };
        if !c.running {
            return;
        }
        match msg {
            FromWorker::Ready => c.loading = false,
            FromWorker::Out { stderr, text } => {
                let size: usize = c.out.iter().map(|(_, s)| s.len()).sum();
                if size >= MAX_OUTPUT {
                    return;
                }
                match c.out.last_mut() {
                    Some((e, s)) if *e == stderr => s.push_str(&text),
                    _ => c.out.push((stderr, text)),
                }
            }
            FromWorker::Done { failed } => {
                c.running = false;
                c.loading = false;
                c.failed = failed;
            }
        }
    }

    /// Stop was pressed: the run is over, whatever it was doing.
    pub fn stop(&mut self, cell: &str) {
        if let Some(c) = self.cells.get_mut(cell).filter(|c| c.running) {
            c.running = false;
            c.loading = false;
            c.stopped = true;
        }
    }
}

/// A run in progress: its worker and the page server's connections its links are relayed to.
struct Running {
    run: u64,
    worker: web_sys::Worker,
    links: BTreeMap<u64, u64>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

thread_local! {
    static STATE: RefCell<JsState> = RefCell::new(JsState::default());
    static RUNS: RefCell<BTreeMap<String, Running>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT_RUN: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
    static LISTENERS: super::Listeners = super::Listeners::default();
}

/// Calls `f` whenever a cell's output changes; returns the id to unsubscribe with.
pub fn subscribe(f: yew::Callback<()>) -> u64 {
    LISTENERS.with(|l| l.subscribe(f))
}

pub fn unsubscribe(id: u64) {
    LISTENERS.with(|l| l.unsubscribe(id))
}

fn notify() {
    LISTENERS.with(|l| l.notify())
}

/// A cell's last run as it stands.
pub fn cell(cell: &str) -> JsRun {
    STATE.with(|s| s.borrow().cells.get(cell).cloned().unwrap_or_default())
}

fn text(v: &JsValue, k: &str) -> String {
    field(v, k).as_string().unwrap_or_default()
}

fn num(v: &JsValue, k: &str) -> u64 {
    field(v, k).as_f64().map_or(0, |n| n.max(0.0) as u64)
}

/// Runs `code` as the program of `cell_id` (a run of it still going is stopped first). `remote` is the real
/// server the page is connected to, if it is; `filename` names the cell in error messages (`<step 2>`).
pub fn run(cell_id: &str, code: &str, filename: &str, remote: Option<&str>) {
    end(cell_id);
    STATE.with(|s| s.borrow_mut().start(cell_id));
    if let Err(e) = start_worker(cell_id, code, filename, remote) {
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.apply(cell_id, FromWorker::Out { stderr: true, text: format!("{e}\n") });
            s.apply(cell_id, FromWorker::Done { failed: true });
        });
    }
    notify();
}

/// Ends a cell's run: its program, the connections it opened and its timers.
pub fn stop(cell_id: &str) {
    end(cell_id);
    STATE.with(|s| s.borrow_mut().stop(cell_id));
    notify();
}

/// Forgets what a cell printed (an embed's host reset it).
pub fn clear(cell_id: &str) {
    STATE.with(|s| s.borrow_mut().cells.remove(cell_id));
    notify();
}

/// Terminates a cell's worker, if one runs, and closes its connections to the page's server.
fn end(cell_id: &str) {
    if let Some(r) = RUNS.with(|r| r.borrow_mut().remove(cell_id)) {
        r.worker.terminate();
        for conn in r.links.values() {
            page_link::close(*conn);
        }
    }
}

fn start_worker(cell_id: &str, code: &str, filename: &str, remote: Option<&str>) -> Result<(), String> {
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("js-worker.js", &opts)
        .map_err(|e| format!("could not start JavaScript: {e:?}"))?;
    let run = NEXT_RUN.with(|n| n.replace(n.get() + 1));
    let id = cell_id.to_string();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        on_message(&id, run, ev.data())
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let msg = obj(&[
        ("t", "run".into()),
        ("cell", cell_id.into()),
        ("code", code.into()),
        ("filename", filename.into()),
        ("remote", remote.unwrap_or("").into()),
    ]);
    worker.post_message(&msg).map_err(|e| format!("could not start JavaScript: {e:?}"))?;
    RUNS.with(|r| {
        r.borrow_mut()
            .insert(cell_id.to_string(), Running { run, worker, links: BTreeMap::new(), _on_message: on_message })
    });
    Ok(())
}

/// The worker of `cell`'s run number `run`, if that run is still the cell's current one.
fn worker_of(cell: &str, run: u64) -> Option<web_sys::Worker> {
    RUNS.with(|r| r.borrow().get(cell).filter(|x| x.run == run).map(|x| x.worker.clone()))
}

fn on_message(cell: &str, run: u64, m: JsValue) {
    if worker_of(cell, run).is_none() {
        return;
    }
    let msg = match text(&m, "t").as_str() {
        "ready" => FromWorker::Ready,
        "out" => FromWorker::Out { stderr: text(&m, "stream") == "stderr", text: text(&m, "text") },
        "done" => FromWorker::Done { failed: !text(&m, "error").is_empty() },
        "open" => return open_link(cell, run, num(&m, "id")),
        "send" => {
            let bytes = js_sys::Uint8Array::new(&field(&m, "bytes")).to_vec();
            let conn = RUNS.with(|r| {
                r.borrow().get(cell).filter(|x| x.run == run).and_then(|x| x.links.get(&num(&m, "id")).copied())
            });
            if let Some(conn) = conn {
                page_link::send(conn, bytes);
            }
            return;
        }
        "close" => {
            let conn = RUNS.with(|r| {
                r.borrow_mut().get_mut(cell).filter(|x| x.run == run).and_then(|x| x.links.remove(&num(&m, "id")))
            });
            if let Some(conn) = conn {
                page_link::close(conn);
            }
            return;
        }
        _ => return,
    };
    let done = matches!(msg, FromWorker::Done { .. });
    STATE.with(|s| s.borrow_mut().apply(cell, msg));
    if done {
        end(cell);
    }
    notify();
}

/// The program opened a connection: connect it to the page's server.
fn open_link(cell: &str, run: u64, id: u64) {
    let Some(worker) = worker_of(cell, run) else { return };
    let post = move |w: &web_sys::Worker, msg: JsValue| {
        let _ = w.post_message(&msg);
    };
    let w = worker.clone();
    let on_data = Closure::<dyn FnMut(js_sys::Uint8Array)>::new(move |bytes: js_sys::Uint8Array| {
        post(&w, obj(&[("t", "data".into()), ("id", JsValue::from_f64(id as f64)), ("bytes", bytes.into())]));
    });
    let (w, c) = (worker.clone(), cell.to_string());
    let on_close = Closure::<dyn FnMut()>::new(move || {
        RUNS.with(|r| {
            if let Some(x) = r.borrow_mut().get_mut(&c).filter(|x| x.run == run) {
                x.links.remove(&id);
            }
        });
        post(&w, obj(&[("t", "closed".into()), ("id", JsValue::from_f64(id as f64))]));
    });
    let f_data: js_sys::Function = on_data.as_ref().unchecked_ref::<js_sys::Function>().clone();
    let f_close: js_sys::Function = on_close.as_ref().unchecked_ref::<js_sys::Function>().clone();
    // The closures live as long as the page: a connection's callbacks may fire until it closes.
    on_data.forget();
    on_close.forget();
    match page_link::connect(f_data, Some(f_close)) {
        Ok(conn) => RUNS.with(|r| {
            if let Some(x) = r.borrow_mut().get_mut(cell).filter(|x| x.run == run) {
                x.links.insert(id, conn);
            }
        }),
        Err(_) => post(&worker, obj(&[("t", "closed".into()), ("id", JsValue::from_f64(id as f64))])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_streams_into_its_cell_and_the_run_ends() {
        let mut s = JsState::default();
        s.start("a");
        assert!(s.cells["a"].loading && s.cells["a"].running);
        s.apply("a", FromWorker::Ready);
        assert!(s.loaded && !s.cells["a"].loading);
        s.apply("a", FromWorker::Out { stderr: false, text: "one\n".into() });
        s.apply("a", FromWorker::Out { stderr: false, text: "two\n".into() });
        s.apply("a", FromWorker::Out { stderr: true, text: "TypeError: x\n".into() });
        s.apply("nobody", FromWorker::Out { stderr: false, text: "x".into() });
        assert_eq!(s.cells["a"].out, vec![(false, "one\ntwo\n".to_string()), (true, "TypeError: x\n".to_string())]);
        s.apply("a", FromWorker::Done { failed: true });
        assert!(!s.cells["a"].running && s.cells["a"].failed);
        // Late output of an ended run is not shown.
        s.apply("a", FromWorker::Out { stderr: false, text: "late\n".into() });
        assert_eq!(s.cells["a"].text(), "one\ntwo\nTypeError: x\n");
        // A second run does not wait for the client again, and starts with empty output.
        s.start("a");
        assert_eq!(s.cells["a"], JsRun { running: true, ..JsRun::default() });
    }

    #[test]
    fn stop_ends_a_run_and_output_is_bounded() {
        let mut s = JsState::default();
        s.start("w");
        for _ in 0..(MAX_OUTPUT / 1000 + 10) {
            s.apply("w", FromWorker::Out { stderr: false, text: "x".repeat(1000) });
        }
        assert!(s.cells["w"].text().len() <= MAX_OUTPUT + 1000);
        s.stop("w");
        assert!(s.cells["w"].stopped && !s.cells["w"].running && !s.cells["w"].failed);
        // Stopping what is not running changes nothing.
        s.apply("w", FromWorker::Done { failed: true });
        s.stop("none");
        assert!(!s.cells["w"].failed && !s.cells.contains_key("none"));
    }
}
