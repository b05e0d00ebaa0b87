//! Python in the page, the page's side: the worker that runs Pyodide and nats-py (`static/python/worker.js`),
//! started on the first Run of a Python cell and never before, so a page that runs no Python fetches none of
//! it. Each cell's output as it streams in, and the loading progress, are kept in `PyState` (pure, tested
//! natively); the cells' components subscribe to changes. nats-py's connections come from the worker as
//! messages and are relayed to the page's NATS server (`page_link`), like any other client's.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::host::{field, object as obj};
use wasm_bindgen::JsCast;

use super::page_link;

/// What one cell's last run printed, and whether it is still running.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CellView {
    /// Text as printed, each piece marked `true` when it went to stderr.
    pub out: Vec<(bool, String)>,
    pub running: bool,
    /// The traceback of the exception that ended the run, if one did.
    pub error: Option<String>,
    /// The run ended because Stop was pressed (or the cell was run again).
    pub stopped: bool,
    /// The code of this run, as it ran (the corrected line of a known failure is found in it).
    pub code: String,
    /// Playground time the program's `asyncio.sleep` calls fast-forwarded through, in milliseconds.
    pub slept_ms: u64,
}

impl CellView {
    /// Everything printed, stdout and stderr interleaved as they came.
    pub fn text(&self) -> String {
        self.out.iter().map(|(_, s)| s.as_str()).collect()
    }
}

/// Loading Python: what is happening and how many bytes of the total have arrived.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub what: String,
    pub loaded: u64,
    pub total: u64,
    pub ready: bool,
}

/// Everything the page knows about its Python: per-cell output and the loading progress.
#[derive(Default)]
pub struct PyState {
    pub cells: BTreeMap<String, CellView>,
    pub progress: Option<Progress>,
}

/// A message from the worker, decoded at the edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FromWorker {
    Progress {
        what: String,
        loaded: u64,
        total: u64,
    },
    Ready,
    Out {
        cell: String,
        stderr: bool,
        text: String,
    },
    Done {
        cell: String,
        error: String,
    },
    /// The program slept: the playground's clock moved forward by `ms` for it.
    Slept {
        cell: String,
        ms: u64,
    },
}

/// The most a cell keeps of what it printed (a runaway loop must not fill the page's memory).
pub const MAX_OUTPUT: usize = 200_000;

impl PyState {
    /// A run of `cell` begins: its old output goes.
    pub fn start(&mut self, cell: &str) {
        self.cells.insert(cell.to_string(), CellView { running: true, ..CellView::default() });
        if self.progress.is_none() {
            self.progress = Some(Progress { what: "Loading Python…".into(), ..Progress::default() });
        }
    }

    pub fn apply(&mut self, msg: FromWorker) {
        match msg {
            FromWorker::Progress { what, loaded, total } => {
                let ready = self.progress.as_ref().is_some_and(|p| p.ready);
                self.progress = Some(Progress { what, loaded, total, ready });
            }
            FromWorker::Ready => {
                if let Some(p) = self.progress.as_mut() {
                    p.ready = true;
                }
            }
            FromWorker::Out { cell, stderr, text } => {
                // Output printed outside any cell (the interpreter's own start-up) is not shown.
                let Some(c) = self.cells.get_mut(&cell) else { return };
                let size: usize = c.out.iter().map(|(_, s)| s.len()).sum();
                if size >= MAX_OUTPUT {
                    return;
                }
                match c.out.last_mut() {
                    Some((e, s)) if *e == stderr => s.push_str(&text),
                    _ => c.out.push((stderr, text)),
                }
            }
            FromWorker::Slept { cell, ms } => {
                if let Some(c) = self.cells.get_mut(&cell) {
                    c.slept_ms = c.slept_ms.saturating_add(ms);
                }
            }
            FromWorker::Done { cell, error } => {
                let Some(c) = self.cells.get_mut(&cell) else { return };
                c.running = false;
                match error.as_str() {
                    "" => {}
                    "stopped" => c.stopped = true,
                    _ => c.error = Some(error),
                }
            }
        }
    }
}

struct Host {
    worker: web_sys::Worker,
    /// The worker's link ids and where they are relayed: the page server's connections, or sockets to the real
    /// server the page is connected to.
    links: BTreeMap<u64, Relay>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

/// Where one of nats-py's connections goes.
enum Relay {
    /// A connection to the page's own server.
    Page(u64),
    /// A WebSocket to the real server the page is connected to, with what nats-py sent before it opened.
    Socket(web_sys::WebSocket, Rc<RefCell<Vec<Vec<u8>>>>),
}

/// Something to do once cells have all ended, with the cells' ids.
type Waiting = (Vec<String>, Box<dyn FnOnce()>);

thread_local! {
    static STATE: RefCell<PyState> = RefCell::new(PyState::default());
    static HOST: RefCell<Option<Host>> = const { RefCell::new(None) };
    static LISTENERS: super::Listeners = super::Listeners::default();
    /// What waits for a step's cells to end (its commands), with the cells' ids.
    static AFTER: RefCell<Vec<Waiting>> = const { RefCell::new(Vec::new()) };
    /// The code in each shown cell that Run step runs: id to (namespace, filename, code).
    static CODE: RefCell<BTreeMap<String, (String, String, String)>> = const { RefCell::new(BTreeMap::new()) };
    /// What is told of programs that ended (the open lesson counts them).
    static ENDED: RefCell<Option<super::ProgramEnded>> = const { RefCell::new(None) };
}

/// Keeps the code a cell shows, for Run step.
pub fn set_code(ns: &str, cell_id: &str, filename: &str, code: &str) {
    CODE.with(|c| c.borrow_mut().insert(cell_id.to_string(), (ns.to_string(), filename.to_string(), code.to_string())));
}

/// Runs cells one after another (a lesson step's programs, in document order), each with the code its box
/// shows if it has been shown; `then` is called once the last has ended (at once if there are none).
pub fn run_step_cells(cells: Vec<super::CellRun>, then: Option<Box<dyn FnOnce()>>) {
    run_in_order(cells.into(), then)
}

fn run_in_order(mut cells: std::collections::VecDeque<super::CellRun>, then: Option<Box<dyn FnOnce()>>) {
    let Some(c) = cells.pop_front() else {
        if let Some(f) = then {
            f()
        }
        return;
    };
    let code = CODE.with(|m| m.borrow().get(&c.id).map(|(_, _, code)| code.clone())).unwrap_or(c.code);
    run(&c.ns, &c.id, &code, &c.filename);
    AFTER.with(|a| a.borrow_mut().push((vec![c.id], Box::new(move || run_in_order(cells, then)))));
    run_due();
}

/// Sets (or clears) what is told of every program that ended without being stopped.
pub fn watch_programs(f: Option<super::ProgramEnded>) {
    ENDED.with(|e| *e.borrow_mut() = f);
}

/// Calls what waits for cells that have all ended.
fn run_due() {
    let due: Vec<Box<dyn FnOnce()>> = AFTER.with(|a| {
        let mut a = a.borrow_mut();
        let (done, waiting): (Vec<_>, Vec<_>) =
            a.drain(..).partition(|(ids, _)| ids.iter().all(|id| !cell(id).running));
        *a = waiting;
        done.into_iter().map(|(_, f)| f).collect()
    });
    for f in due {
        f();
    }
}

/// Calls `f` whenever a cell's output or the progress changes; returns the id to unsubscribe with.
pub fn subscribe(f: yew::Callback<()>) -> u64 {
    LISTENERS.with(|l| l.subscribe(f))
}

pub fn unsubscribe(id: u64) {
    LISTENERS.with(|l| l.unsubscribe(id))
}

fn notify() {
    LISTENERS.with(|l| l.notify())
}

/// A cell's output as it stands.
pub fn cell(cell: &str) -> CellView {
    STATE.with(|s| s.borrow().cells.get(cell).cloned().unwrap_or_default())
}

pub fn progress() -> Option<Progress> {
    STATE.with(|s| s.borrow().progress.clone())
}

fn post(msg: JsValue) {
    HOST.with(|h| {
        if let Some(host) = h.borrow().as_ref() {
            let _ = host.worker.post_message(&msg);
        }
    });
}

fn text(v: &JsValue, k: &str) -> String {
    field(v, k).as_string().unwrap_or_default()
}

fn num(v: &JsValue, k: &str) -> u64 {
    field(v, k).as_f64().map_or(0, |n| n.max(0.0) as u64)
}

/// Starts the worker if it is not running yet.
fn ensure_worker() -> Result<(), String> {
    if HOST.with(|h| h.borrow().is_some()) {
        return Ok(());
    }
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("python-worker.js", &opts)
        .map_err(|e| format!("could not start Python: {e:?}"))?;
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(on_message);
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    HOST.with(|h| *h.borrow_mut() = Some(Host { worker, links: BTreeMap::new(), _on_message: on_message }));
    Ok(())
}

fn on_message(ev: web_sys::MessageEvent) {
    let m = ev.data();
    let msg = match text(&m, "t").as_str() {
        "progress" => {
            FromWorker::Progress { what: text(&m, "what"), loaded: num(&m, "loaded"), total: num(&m, "total") }
        }
        "ready" => FromWorker::Ready,
        "out" => {
            FromWorker::Out { cell: text(&m, "cell"), stderr: text(&m, "stream") == "stderr", text: text(&m, "text") }
        }
        "done" => FromWorker::Done { cell: text(&m, "cell"), error: text(&m, "error") },
        "open" => return open_link(num(&m, "id")),
        "clock" => {
            let (n, ms, cell) = (num(&m, "n"), num(&m, "ms"), text(&m, "cell"));
            return move_clock(n, ms, cell);
        }
        "send" => {
            let bytes = js_sys::Uint8Array::new(&field(&m, "bytes")).to_vec();
            HOST.with(|h| match h.borrow().as_ref().and_then(|h| h.links.get(&num(&m, "id"))) {
                Some(Relay::Page(conn)) => page_link::send(*conn, bytes),
                Some(Relay::Socket(ws, early)) if ws.ready_state() == web_sys::WebSocket::CONNECTING => {
                    early.borrow_mut().push(bytes)
                }
                Some(Relay::Socket(ws, _)) => {
                    let _ = ws.send_with_u8_array(&bytes);
                }
                None => {}
            });
            return;
        }
        "close" => {
            match HOST.with(|h| h.borrow_mut().as_mut().and_then(|h| h.links.remove(&num(&m, "id")))) {
                Some(Relay::Page(conn)) => page_link::close(conn),
                Some(Relay::Socket(ws, _)) => {
                    let _ = ws.close();
                }
                None => {}
            }
            return;
        }
        _ => return,
    };
    let ended = match &msg {
        FromWorker::Done { cell, .. } => Some(cell.clone()),
        _ => None,
    };
    STATE.with(|s| s.borrow_mut().apply(msg));
    if let Some(id) = &ended {
        let view = cell(id);
        let f = ENDED.with(|e| e.borrow().clone());
        if let (Some(f), false) = (f, view.stopped) {
            f(id, &view.text(), view.error.as_deref(), &view.code);
        }
    }
    notify();
    if ended.is_some() {
        run_due();
    }
}

/// A program's sleep is due: move the playground's clock (the page's server expires what is due and delivers
/// what that changed), then let the worker's sleeper wake, after those deliveries have been posted.
fn move_clock(n: u64, ms: u64, cell: String) {
    if page_link::connected_server().is_some() {
        // Against a real server the program's sleeps are real: the server keeps its own time.
        gloo::timers::callback::Timeout::new(u32::try_from(ms).unwrap_or(u32::MAX), move || {
            post(obj(&[("t", "clock".into()), ("n", JsValue::from_f64(n as f64))]));
        })
        .forget();
        return;
    }
    let by = i64::try_from(ms).unwrap_or(i64::MAX / 2).saturating_mul(1_000_000);
    if !page_link::advance_clock(by) {
        // The playground is busy this instant: try again on the next task.
        gloo::timers::callback::Timeout::new(1, move || move_clock(n, ms, cell)).forget();
        return;
    }
    if ms > 0 {
        STATE.with(|s| s.borrow_mut().apply(FromWorker::Slept { cell, ms }));
        notify();
    }
    // The page's server delivers in a microtask queued by the move; this one is queued after it.
    wasm_bindgen_futures::spawn_local(async move {
        post(obj(&[("t", "clock".into()), ("n", JsValue::from_f64(n as f64))]));
    });
}

/// nats-py in the worker opened a connection: connect it to the real server the page is connected to, or to the
/// page's own server.
fn open_link(id: u64) {
    if let Some(url) = page_link::connected_server() {
        return open_socket(id, &url);
    }
    let on_data = Closure::<dyn FnMut(js_sys::Uint8Array)>::new(move |bytes: js_sys::Uint8Array| {
        post(obj(&[("t", "data".into()), ("id", JsValue::from_f64(id as f64)), ("bytes", bytes.into())]));
    });
    let on_close = Closure::<dyn FnMut()>::new(move || {
        HOST.with(|h| {
            if let Some(h) = h.borrow_mut().as_mut() {
                h.links.remove(&id);
            }
        });
        post(obj(&[("t", "closed".into()), ("id", JsValue::from_f64(id as f64))]));
    });
    let f_data: js_sys::Function = on_data.as_ref().unchecked_ref::<js_sys::Function>().clone();
    let f_close: js_sys::Function = on_close.as_ref().unchecked_ref::<js_sys::Function>().clone();
    // The closures live as long as the page: a connection's callbacks may fire until it closes.
    on_data.forget();
    on_close.forget();
    match page_link::connect(f_data, Some(f_close)) {
        Ok(conn) => HOST.with(|h| {
            if let Some(h) = h.borrow_mut().as_mut() {
                h.links.insert(id, Relay::Page(conn));
            }
        }),
        Err(_) => post(obj(&[("t", "closed".into()), ("id", JsValue::from_f64(id as f64))])),
    }
}

/// A connection of nats-py's to the real server the page is connected to, over the browser's WebSocket.
fn open_socket(id: u64, url: &str) {
    let closed = move || {
        HOST.with(|h| {
            if let Some(h) = h.borrow_mut().as_mut() {
                h.links.remove(&id);
            }
        });
        post(obj(&[("t", "closed".into()), ("id", JsValue::from_f64(id as f64))]));
    };
    let Ok(ws) = web_sys::WebSocket::new(url) else { return closed() };
    ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
    let early = Rc::new(RefCell::new(Vec::<Vec<u8>>::new()));
    let on_open = {
        let (ws, early) = (ws.clone(), early.clone());
        Closure::<dyn FnMut()>::new(move || {
            for b in early.borrow_mut().drain(..) {
                let _ = ws.send_with_u8_array(&b);
            }
        })
    };
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        let bytes = js_sys::Uint8Array::new(&ev.data());
        post(obj(&[("t", "data".into()), ("id", JsValue::from_f64(id as f64)), ("bytes", bytes.into())]));
    });
    let on_close = Closure::<dyn FnMut()>::new(closed);
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The handlers live as long as the page: a socket's events may fire until it closes.
    on_open.forget();
    on_message.forget();
    on_close.forget();
    HOST.with(|h| {
        if let Some(h) = h.borrow_mut().as_mut() {
            h.links.insert(id, Relay::Socket(ws, early));
        }
    });
}

/// Runs a cell's code in the namespace `ns` (one per lesson); a run of the same cell still going is stopped.
pub fn run(ns: &str, cell_id: &str, code: &str, filename: &str) {
    run_with(ns, cell_id, code, filename, false)
}

/// As `run`, printing the value of a last expression as Python's REPL does (the console).
pub fn run_echo(ns: &str, cell_id: &str, code: &str, filename: &str) {
    run_with(ns, cell_id, code, filename, true)
}

fn run_with(ns: &str, cell_id: &str, code: &str, filename: &str, echo: bool) {
    if cell(cell_id).running {
        stop(cell_id);
    }
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.start(cell_id);
        if let Some(c) = s.cells.get_mut(cell_id) {
            c.code = code.to_string();
        }
    });
    if let Err(e) = ensure_worker() {
        STATE.with(|s| s.borrow_mut().apply(FromWorker::Done { cell: cell_id.into(), error: e }));
    } else {
        post(obj(&[
            ("t", "run".into()),
            ("ns", ns.into()),
            ("cell", cell_id.into()),
            ("code", code.into()),
            ("filename", filename.into()),
            ("echo", JsValue::from_bool(echo)),
        ]));
    }
    notify();
}

/// Stops a cell's program, the tasks it started and its connections.
pub fn stop(cell_id: &str) {
    post(obj(&[("t", "stop".into()), ("cell", cell_id.into())]));
}

/// Forgets the names a lesson's cells defined.
pub fn reset(ns: &str) {
    post(obj(&[("t", "reset".into()), ("ns", ns.into())]));
}

/// One line in plain words under a traceback whose cause a learner meets often: a name an earlier cell defines.
pub fn explain(traceback: &str) -> Option<String> {
    let last = traceback.lines().rev().find(|l| !l.trim().is_empty())?;
    let name = last.strip_prefix("NameError: name '")?.split('\'').next()?;
    Some(format!(
        "`{name}` is not defined in this lesson's Python yet: an earlier cell defines it (run that one first), or no cell does."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_error_is_explained_in_one_line() {
        let tb = "Traceback (most recent call last):\n  File \"<step 3>\", line 1, in <module>\nNameError: name 'kv' is not defined\n";
        assert_eq!(
            explain(tb).as_deref(),
            Some("`kv` is not defined in this lesson's Python yet: an earlier cell defines it (run that one first), or no cell does.")
        );
        assert_eq!(explain("ZeroDivisionError: division by zero\n"), None);
        assert_eq!(explain(""), None);
    }

    #[test]
    fn output_streams_into_its_cell_and_the_run_ends() {
        let mut s = PyState::default();
        s.start("a");
        assert_eq!(s.progress.as_ref().map(|p| p.what.as_str()), Some("Loading Python…"));
        s.apply(FromWorker::Out { cell: "a".into(), stderr: false, text: "one\n".into() });
        s.apply(FromWorker::Out { cell: "a".into(), stderr: false, text: "two\n".into() });
        s.apply(FromWorker::Out { cell: "a".into(), stderr: true, text: "warn\n".into() });
        s.apply(FromWorker::Out { cell: "nobody".into(), stderr: false, text: "x".into() });
        assert_eq!(s.cells["a"].out, vec![(false, "one\ntwo\n".to_string()), (true, "warn\n".to_string())]);
        assert!(s.cells["a"].running);
        s.apply(FromWorker::Done { cell: "a".into(), error: "Traceback ...".into() });
        assert!(!s.cells["a"].running);
        assert_eq!(s.cells["a"].error.as_deref(), Some("Traceback ..."));
        s.start("a");
        assert_eq!(s.cells["a"], CellView { running: true, ..CellView::default() });
        s.apply(FromWorker::Done { cell: "a".into(), error: "stopped".into() });
        assert!(s.cells["a"].stopped && s.cells["a"].error.is_none());
    }

    #[test]
    fn sleeps_add_up_per_cell_and_a_new_run_starts_from_zero() {
        let mut s = PyState::default();
        s.start("a");
        s.apply(FromWorker::Slept { cell: "a".into(), ms: 5_000 });
        s.apply(FromWorker::Slept { cell: "a".into(), ms: 6_000 });
        s.apply(FromWorker::Slept { cell: "nobody".into(), ms: 1 });
        assert_eq!(s.cells["a"].slept_ms, 11_000);
        s.start("a");
        assert_eq!(s.cells["a"].slept_ms, 0);
    }

    #[test]
    fn progress_keeps_ready_and_output_is_bounded() {
        let mut s = PyState::default();
        s.start("a");
        s.apply(FromWorker::Ready);
        s.apply(FromWorker::Progress { what: "Python ready".into(), loaded: 5, total: 5 });
        assert!(s.progress.as_ref().is_some_and(|p| p.ready && p.loaded == 5));
        for _ in 0..(MAX_OUTPUT / 1000 + 10) {
            s.apply(FromWorker::Out { cell: "a".into(), stderr: false, text: "x".repeat(1000) });
        }
        assert!(s.cells["a"].text().len() <= MAX_OUTPUT + 1000);
    }
}
