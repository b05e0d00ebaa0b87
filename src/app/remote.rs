//! The page against a real nats-server over WebSocket. The terminal's session here is the same session as the
//! embedded engine's, compiled `async` (`session::wire::Session`) over the connection's client, and a lesson's
//! steps run through the same runner (`lesson::runner::wire::Run`). Jobs (typed lines, lesson steps, watch polls)
//! run one at a time from a queue, each awaiting its operations on the server. The embedded engine's session is
//! left untouched, so switching back loses nothing.

use crate::session::Line;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use super::link::{Link, StepDone};
use super::term_state::TermAction;
use super::watchers::{News, PaneWatch};
use super::{Playground, Shared};
use crate::backend::wire::KvBackend;
use crate::client::core::{Client, Dial, LinkState};
use crate::client::url::ServerUrl;
use crate::client::web::WebDial;
use crate::engine::{Nanos, WatchEvent, WatchId, WatchOptions};
use crate::lesson::runner::{wire::Run, LessonClock};
use crate::session::wire::Session;

/// The terminal's session over the server.
type ServerSession = Session<Client<WebDial>>;

use super::workshop::{self, Learner};

/// The revisions per bucket the explorer and the timeline copy from a server.
pub const MIRROR_LIMIT: usize = 500;

/// What the connection is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Connected {
        server: String,
    },
    Reconnecting {
        attempt: u32,
        error: String,
    },
    /// The connection was lost and could not be made again.
    Lost {
        error: String,
    },
}

/// The server side of the page: its connection (with the terminal's session over it), what the views show of
/// that session, and a copy of the server's buckets for the views.
pub struct ServerSide {
    /// The connection and its job queue (`conn()`), behind `Any`: only the whole app makes one, so the small
    /// modules, whose playground never holds a connection, carry none of its drop code.
    conn: Rc<dyn std::any::Any>,
    /// The address, without credentials.
    pub url: String,
    pub state: ConnState,
    /// The question the server's session is asking, as of its last job.
    pub question: Option<String>,
    /// The watches running in the server's session, as of its last job.
    pub watch_count: usize,
    /// The server's buckets as last read, for the explorer and the timeline.
    pub mirror: crate::server::Standalone,
    /// Why the copy is partial or stale, if it is.
    pub mirror_note: Option<String>,
    /// The copy as read, to read only what changed next time.
    pub mirror_export: Option<crate::transfer::Export>,
    /// The session's clock: it moves only when a script or lesson sleeps (which waits for real).
    pub now: Nanos,
    /// Watches of the Watchers panes (not the terminal's), what they received, and panes to open.
    pub pane_ids: Vec<WatchId>,
    pub pane_events: BTreeMap<WatchId, Vec<WatchEvent>>,
    pub new_panes: Vec<(WatchId, String)>,
    pub pane_error: Option<String>,
}

impl ServerSide {
    /// The connection and its job queue.
    pub fn conn(&self) -> Option<Rc<Conn>> {
        self.conn.clone().downcast::<Conn>().ok()
    }
}

// The address with its credentials, to connect again (after the network comes back). Kept beside the page's
// state rather than in it, as the workshop learner is (`workshop::with_learner`), so the first load, which never
// connects, carries no code for them.
thread_local! {
    static TARGET: RefCell<Option<ServerUrl>> = const { RefCell::new(None) };
}

/// The address (with its credentials) of the connection being made or made, to make it again.
pub fn target() -> Option<ServerUrl> {
    TARGET.with(|t| t.borrow().clone())
}

/// What the page must show after a job.
pub enum UiMsg {
    Term(Vec<TermAction>),
    Changed,
}

/// Work for the connection, done in order.
pub enum Job {
    Lines(Vec<String>),
    Step {
        i: usize,
        solve: bool,
        done: StepDone,
    },
    Interrupt,
    Pump,
    Refresh,
    /// A watch for the Watchers pane; `title` is shown after the watch's number.
    PaneWatch {
        bucket: String,
        pattern: String,
        options: WatchOptions,
        title: String,
    },
    PaneStop(WatchId),
}

/// The connection and its queue of jobs. The session (and its client) is taken by the job that runs, and only by
/// it (`run_job`).
pub struct Conn {
    session: RefCell<Option<ServerSession>>,
    queue: RefCell<VecDeque<Job>>,
    running: Cell<bool>,
    closed: Cell<bool>,
    ui: Rc<dyn Fn(UiMsg)>,
}

impl Conn {
    /// Whether nothing is queued or running (the page polls watches then).
    pub fn idle(&self) -> bool {
        !self.running.get() && self.queue.borrow().is_empty()
    }
}

/// A lesson's clock against a real server: its waits move the session's clock, and the session waits for real.
struct ServerClock<'a>(&'a mut Nanos);

impl LessonClock for ServerClock<'_> {
    fn now(&self) -> Nanos {
        *self.0
    }
    fn advance(&mut self, by: Nanos) {
        *self.0 += by;
    }
}

fn wall() -> Nanos {
    WebDial.wall()
}

/// Connects the page to a server. Nothing changes in the embedded engine; the views switch to the server.
/// `learner` names the workshop learner the join link connected (their progress is written, the instructor's
/// message shown).
pub fn connect(shared: &Shared, url: ServerUrl, learner: Option<String>, ui: Rc<dyn Fn(UiMsg)>) {
    // The same learner connecting again keeps what was counted (attempts, the message they dismissed).
    let previous = workshop::take_learner();
    // Trying again after a lost connection says so once, not on every attempt.
    let retry = matches!(shared.0.borrow().server.as_ref().map(|s| &s.state), Some(ConnState::Lost { .. }));
    let learner_state = learner.as_deref().map(|name| match previous {
        Some(l) if l.name == name => l.again(),
        _ => {
            let mut l = Learner::new(name);
            if let Some(kept) = super::storage_get(&workshop::attempts_key(name)) {
                l.restore(&kept);
            }
            l
        }
    });
    disconnect(shared);
    workshop::set_learner(learner_state);
    let conn = Rc::new(Conn {
        session: RefCell::new(None),
        queue: RefCell::new(VecDeque::new()),
        running: Cell::new(false),
        closed: Cell::new(false),
        ui: ui.clone(),
    });
    let shown = url.display();
    TARGET.with(|t| *t.borrow_mut() = Some(url.clone()));
    {
        let mut pg = shared.0.borrow_mut();
        pg.server_error = None;
        pg.server = Some(ServerSide {
            conn: conn.clone(),
            url: shown.clone(),
            state: ConnState::Connecting,
            question: None,
            watch_count: 0,
            mirror: crate::server::Standalone::embedded(wall()),
            mirror_note: None,
            mirror_export: None,
            now: wall(),
            pane_ids: Vec::new(),
            pane_events: BTreeMap::new(),
            new_panes: Vec::new(),
            pane_error: None,
        });
    }
    ui(UiMsg::Changed);
    let shared = shared.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let result = async {
            let mut c = Client::connect(WebDial, url).await?;
            c.strict = false;
            c.account_info().await?;
            // A workshop learner follows the instructor's message: its last value, then every change.
            let mut news = None;
            if learner.is_some() {
                let sid = c.subscribe(crate::lesson::progress::NEWS_SUBJECTS).ok();
                let last = c.request(&crate::lesson::progress::news_direct_get_subject(), &[], b"").await.ok();
                news = Some((sid, last));
            }
            Ok::<_, crate::engine::KvError>((c, news))
        }
        .await;
        if conn.closed.get() {
            if let Ok((mut c, _)) = result {
                c.close();
            }
            return;
        }
        match result {
            Ok((mut c, news)) => {
                let info = c.connection_info();
                let server = format!("nats-server {} ({})", info.server_version, info.server_name);
                {
                    let shared = shared.clone();
                    let ui = ui.clone();
                    let server = server.clone();
                    c.on_state = Some(Box::new(move |st: &LinkState| {
                        if let Some(s) = shared.0.borrow_mut().server.as_mut() {
                            s.state = match st {
                                LinkState::Connected => ConnState::Connected { server: server.clone() },
                                LinkState::Reconnecting { attempt, last_error } => {
                                    ConnState::Reconnecting { attempt: *attempt, error: last_error.clone() }
                                }
                            };
                        }
                        ui(UiMsg::Changed);
                    }));
                }
                let display = {
                    let mut pg = shared.0.borrow_mut();
                    if let Some(s) = pg.server.as_mut() {
                        s.state = ConnState::Connected { server: server.clone() };
                    }
                    pg.session.display
                };
                if let Some((sid, last)) = news {
                    workshop::with_learner(|l| {
                        l.news_sid = sid;
                        if let Some((h, p)) = last {
                            l.news_read(&h, &p);
                        }
                    });
                }
                let mut session = Session::new(c);
                session.display = display;
                *conn.session.borrow_mut() = Some(session);
                let who = learner.as_ref().map(|l| format!(" as {l}, the workshop's server")).unwrap_or_default();
                ui(UiMsg::Term(vec![TermAction::Note(format!(
                    "(connected to {server} at {shown}{who}. The terminal, the lessons, the buckets and the timeline now use this server; Disconnect goes back to the embedded engine, which keeps its state.)"
                ))]));
                enqueue(&shared, Job::Refresh);
            }
            Err(e) if learner.is_some() => {
                // A workshop learner's page stays with the workshop's server, saying it is disconnected, and tries
                // again (the server bar does, every ten seconds and when the network is back).
                if let Some(s) = shared.0.borrow_mut().server.as_mut() {
                    s.state = ConnState::Lost { error: e.message.clone() };
                }
                if !retry {
                    ui(UiMsg::Term(vec![TermAction::Note(format!(
                        "(could not connect to the workshop server {shown}: {}. Trying again.)",
                        e.message.trim_start_matches("nats: error: ")
                    ))]));
                }
            }
            Err(e) => {
                {
                    let mut pg = shared.0.borrow_mut();
                    pg.server = None;
                    pg.server_error = Some(e.message.clone());
                }
                ui(UiMsg::Term(vec![TermAction::Note(format!(
                    "(could not connect to {shown}: {}. The terminal still uses the embedded engine.)",
                    e.message.trim_start_matches("nats: error: ")
                ))]));
            }
        }
        ui(UiMsg::Changed);
    });
}

/// Connects the page (the store's `Connect`), telling the terminal and the views what happens.
pub fn connect_page(d: &super::store::Dispatch, target: crate::client::url::ServerUrl, learner: Option<String>) {
    let shared = d.shared().clone();
    let who = learner.as_ref().map(|l| format!(" as {l}")).unwrap_or_default();
    let retry = matches!(shared.0.borrow().server.as_ref().map(|s| &s.state), Some(ConnState::Lost { .. }));
    if !retry {
        d.say(format!("(connecting to {}{who} ...)", target.display()));
    }
    let ui: Rc<dyn Fn(UiMsg)> = {
        let d = d.clone();
        Rc::new(move |m: UiMsg| match m {
            UiMsg::Term(actions) => {
                d.show(TermAction::Batch(actions));
                d.changed();
            }
            UiMsg::Changed => d.changed(),
        })
    };
    connect(&shared, target, learner, ui);
}

/// Goes back to the embedded engine (its state is as it was).
pub fn disconnect(shared: &Shared) {
    workshop::set_learner(None);
    TARGET.with(|t| *t.borrow_mut() = None);
    let conn = { shared.0.borrow_mut().server.take().and_then(|s| s.conn()) };
    if let Some(conn) = conn {
        conn.closed.set(true);
        conn.queue.borrow_mut().clear();
        if let Ok(mut s) = conn.session.try_borrow_mut() {
            if let Some(s) = s.as_mut() {
                s.backend.close();
            }
            *s = None;
        }
    }
}

/// Queues a job and starts the worker if it is not running.
/// The longest `sleep` typed against a real server: it waits for real, and the terminal waits with it.
const MAX_TYPED_SLEEP: crate::engine::Nanos = 60_000_000_000;

/// Takes what the server's watches received, when connected and no job is running (the page calls it a few
/// times a second; with no server it does nothing).
pub fn pump(shared: &Shared) {
    let ready = shared
        .0
        .borrow()
        .server
        .as_ref()
        .is_some_and(|s| s.conn().is_some_and(|c| c.idle()) && matches!(s.state, ConnState::Connected { .. }));
    if ready {
        enqueue(shared, Job::Pump);
    }
}

pub fn enqueue(shared: &Shared, job: Job) {
    let Some(conn) = shared.0.borrow().server.as_ref().and_then(|s| s.conn()) else { return };
    conn.queue.borrow_mut().push_back(job);
    if conn.running.get() {
        return;
    }
    conn.running.set(true);
    let shared = shared.clone();
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            let job = conn.queue.borrow_mut().pop_front();
            let Some(job) = job else { break };
            if conn.closed.get() {
                break;
            }
            run_job(&shared, &conn, job).await;
        }
        conn.running.set(false);
    });
}

/// Runs one job with the session, which it takes from the connection and gives back (or closes, when the page
/// disconnected meanwhile); then the views learn what the session now asks and runs.
async fn run_job(shared: &Shared, conn: &Rc<Conn>, job: Job) {
    let taken = conn.session.borrow_mut().take();
    let Some(mut s) = taken else {
        // Not connected yet (or any more): say so for what the learner asked, and let a step's run go on.
        match job {
            Job::Lines(_) => (conn.ui)(UiMsg::Term(vec![TermAction::Note(
                "(not connected to the server: Connect tries again; Disconnect goes back to the embedded engine)"
                    .into(),
            )])),
            Job::Step { done, .. } => done(None),
            _ => {}
        }
        return;
    };
    let changed = job_on(shared, conn, &mut s, job).await;
    if let Some(side) = shared.0.borrow_mut().server.as_mut() {
        side.question = s.question().map(str::to_string);
        side.watch_count = s.watches().len();
    }
    if conn.closed.get() {
        s.backend.close();
    } else {
        *conn.session.borrow_mut() = Some(s);
    }
    if changed {
        (conn.ui)(UiMsg::Changed);
    }
}

/// The session's clock against a server: it moves only when a script or lesson sleeps (which waits for real).
fn server_now(shared: &Shared) -> Option<Nanos> {
    shared.0.borrow().server.as_ref().map(|s| s.now)
}

fn set_server_now(shared: &Shared, now: Nanos) {
    if let Some(s) = shared.0.borrow_mut().server.as_mut() {
        s.now = now;
    }
}

/// Runs one job on the server's session; false when nothing changed that the page shows (a poll that found no
/// delivery), so the page does not redraw four times a second for nothing.
async fn job_on(shared: &Shared, conn: &Rc<Conn>, s: &mut ServerSession, job: Job) -> bool {
    let ui = conn.ui.clone();
    let Some(mut now) = server_now(shared) else { return false };
    match job {
        Job::Lines(lines) => {
            // What each line printed, for the open lesson once the server's buckets are read again.
            let mut typed = Vec::new();
            for line in lines {
                let is_answer = s.question().is_some();
                let prompt = super::prompt_for(s.question());
                // A typed `sleep` waits for real: the session's clock moves, and the server's with it.
                let r = match Line::parse(&line) {
                    Line::Sleep(d) if !is_answer && d > MAX_TYPED_SLEEP => crate::session::LineResult::done(
                        vec![crate::cli::exec::Chunk::Err(
                            "sleep: a real server keeps its own time, so a sleep here waits for real: at most 1m\n"
                                .into(),
                        )],
                        false,
                    ),
                    Line::Sleep(d) if !is_answer => {
                        now = crate::clock::later(now, d).unwrap_or(now);
                        crate::session::LineResult::done(s.advance(now).await, true)
                    }
                    _ => s.run_line(&line, now).await,
                };
                set_server_now(shared, now);
                if let Some(side) = shared.0.borrow_mut().server.as_mut() {
                    side.question = s.question().map(str::to_string);
                }
                let t = line.trim();
                if r.question.is_none() && Line::recorded(t) {
                    shared.0.borrow_mut().history.push(t.to_string());
                }
                typed.push((t.to_string(), r.clone(), is_answer));
                // The echo goes with the output, so the terminal redraws once the session's state (a question
                // asked, a watch started) is what it shows.
                let mut actions = vec![TermAction::Echo { prompt, line: line.clone() }];
                if r.clear {
                    actions.push(TermAction::Clear);
                }
                actions.push(TermAction::Output(r.chunks));
                ui(UiMsg::Term(actions));
            }
            refresh(shared, conn, s).await;
            let news: Vec<TermAction> = typed
                .into_iter()
                .filter_map(|(line, r, is_answer)| shared.0.borrow_mut().lesson_typed(&line, &r, is_answer))
                .map(TermAction::Note)
                .collect();
            if !news.is_empty() {
                ui(UiMsg::Term(news));
                ui(UiMsg::Changed);
            }
        }
        Job::Step { i, solve, done } => {
            // The step runs on a copy of the lesson's run, which replaces it when the step ends (the lesson
            // panel shows the run as it was meanwhile).
            let run = shared.0.borrow().lesson.as_ref().map(|(name, run)| (name.clone(), run.clone()));
            let Some((name, run)) = run else {
                done(None);
                return true;
            };
            let mut run = Run(run);
            let report = run.run_step(i, s, &mut ServerClock(&mut now), solve).await;
            set_server_now(shared, now);
            {
                let mut pg = shared.0.borrow_mut();
                if let Some((n, kept)) = pg.lesson.as_mut() {
                    if *n == name {
                        *kept = run.0;
                    }
                }
            }
            crate::app::workshop::verdict(i);
            refresh(shared, conn, s).await;
            done(Some(report));
        }
        Job::Interrupt => {
            let n = s.interrupt().await;
            if n > 0 {
                ui(UiMsg::Term(vec![TermAction::Note(format!(
                    "(stopped {n} watch{})",
                    if n == 1 { "" } else { "es" }
                ))]));
            }
        }
        Job::Pump => {
            let lost = s.backend.pump().await.err();
            if let Some(e) = lost {
                if let Some(side) = shared.0.borrow_mut().server.as_mut() {
                    side.state = ConnState::Reconnecting { attempt: 0, error: e.message.clone() };
                }
                ui(UiMsg::Changed);
                if let Err(e) = s.backend.reconnect_for(60_000.0).await {
                    if let Some(side) = shared.0.borrow_mut().server.as_mut() {
                        side.state = ConnState::Lost { error: e.message.clone() };
                    }
                    ui(UiMsg::Term(vec![TermAction::Note(format!(
                        "(the connection to the server was lost and could not be made again: {}. Connect tries again; Disconnect goes back to the embedded engine.)",
                        e.message.trim_start_matches("nats: error: ")
                    ))]));
                    return true;
                }
                ui(UiMsg::Term(vec![TermAction::Note(
                    "(reconnected to the server; running watches resumed where they were)".into(),
                )]));
            }
            write_progress(conn, &mut s.backend).await;
            let news = collect_news(&mut s.backend);
            if !show_deliveries(shared, conn, s).await {
                if news {
                    ui(UiMsg::Changed);
                }
                return false; // nothing arrived: nothing to redraw
            }
            refresh(shared, conn, s).await;
        }
        Job::Refresh => refresh(shared, conn, s).await,
        Job::PaneWatch { bucket, pattern, options, title } => {
            let r = s.backend.watch(&bucket, &[pattern], options).await;
            if let Some(side) = shared.0.borrow_mut().server.as_mut() {
                match r {
                    Ok(id) => {
                        side.pane_ids.push(id);
                        side.new_panes.push((id, format!("w{} · {title}", id.0)));
                        side.pane_error = None;
                    }
                    Err(e) => side.pane_error = Some(e.to_string()),
                }
            }
            collect_pane_events(shared, &mut s.backend);
        }
        Job::PaneStop(id) => {
            s.backend.stop_watch(id).await;
            if let Some(side) = shared.0.borrow_mut().server.as_mut() {
                side.pane_ids.retain(|p| *p != id);
                side.pane_events.remove(&id);
            }
        }
    }
    true
}

/// Writes the workshop learner's progress records waiting (`workshop::sync`) into the instructor's bucket, each a
/// request answered by JetStream's publish acknowledgement; a failure is noted on the learner, never shown as the
/// lesson's.
async fn write_progress(conn: &Conn, c: &mut Client<WebDial>) {
    while let Some(w) = workshop::with_learner(|l| l.outbox.pop_front()).flatten() {
        let r = c.request(&w.subject, &[], &w.payload).await;
        if conn.closed.get() {
            return;
        }
        let r = r
            .map_err(|e| e.message.trim_start_matches("nats: error: ").to_string())
            .and_then(|(_, p)| workshop::ack_error(&p).map_or(Ok(()), Err));
        workshop::with_learner(|l| l.write_error = r.err());
    }
}

/// Takes the instructor's messages that arrived. True when there was one.
fn collect_news(c: &mut Client<WebDial>) -> bool {
    let Some(sid) = workshop::with_learner(|l| l.news_sid).flatten() else { return false };
    let events = c.take_events(sid);
    for e in &events {
        if let WatchEvent::Entry(m) = e {
            workshop::with_learner(|l| l.news_arrived(m));
        }
    }
    !events.is_empty()
}

/// Moves what the Watchers panes' watches received to where the panes read it. True when there was something.
fn collect_pane_events(shared: &Shared, c: &mut Client<WebDial>) -> bool {
    let mut pg = shared.0.borrow_mut();
    let Some(side) = pg.server.as_mut() else { return false };
    let mut any = false;
    for id in side.pane_ids.clone() {
        let evs = c.take_events(id);
        if !evs.is_empty() {
            any = true;
            side.pane_events.entry(id).or_default().extend(evs);
        }
    }
    any
}

/// Shows what running watches received since the last command. True when there was something.
async fn show_deliveries(shared: &Shared, conn: &Conn, s: &mut ServerSession) -> bool {
    let panes = collect_pane_events(shared, &mut s.backend);
    if !s.backend.has_events() {
        return panes;
    }
    let chunks = s.poll_watches().await;
    if !chunks.is_empty() {
        (conn.ui)(UiMsg::Term(vec![TermAction::Output(chunks)]));
    }
    true
}

/// Copies the server's buckets for the explorer and the timeline.
async fn refresh(shared: &Shared, conn: &Conn, s: &mut ServerSession) {
    let previous = shared.0.borrow_mut().server.as_mut().and_then(|s| s.mirror_export.take());
    let export = s.backend.export(MIRROR_LIMIT, previous.as_ref()).await;
    if conn.closed.get() {
        return;
    }
    let mut pg = shared.0.borrow_mut();
    let Some(s) = pg.server.as_mut() else { return };
    match export {
        Ok(x) => {
            let partial = x.buckets.iter().any(|b| b.revisions.len() >= MIRROR_LIMIT);
            match crate::transfer::engine_from(&x, wall()) {
                Ok(e) => {
                    s.mirror.engine = e;
                    s.mirror_export = Some(x);
                    s.mirror_note = partial
                        .then(|| format!("(showing the first {MIRROR_LIMIT} revisions of each bucket on the server)"));
                }
                Err(e) => s.mirror_note = Some(format!("(the server's buckets could not be shown: {e})")),
            }
        }
        Err(e) => s.mirror_note = Some(format!("(the server's buckets could not be read: {})", e.message)),
    }
}

/// The connected server as the page's link (`app::link`): every call becomes a job on the connection's queue.
pub struct ServerLink;

impl Link for ServerLink {
    fn remote(&self) -> bool {
        true
    }

    fn run_lines(&self, shared: &Shared, lines: &[String], _show: &dyn Fn(TermAction)) {
        // The job shows each line as it finishes, through the page's `ui`.
        enqueue(shared, Job::Lines(lines.to_vec()));
    }

    fn interrupt(&self, shared: &Shared, _typed: &str, _show: &dyn Fn(TermAction)) -> bool {
        enqueue(shared, Job::Interrupt);
        false
    }

    fn run_step(&self, shared: &Shared, i: usize, solve: bool, done: StepDone) {
        enqueue(shared, Job::Step { i, solve, done });
    }

    fn start_run_all(&self, shared: &Shared) -> &'static str {
        if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
            run.clear_results();
        }
        "(Run all on the server: each step runs in turn, its programs in their cells; buckets already on the server stay as they are)"
    }

    fn reset_lesson(&self, shared: &Shared) -> &'static str {
        if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
            run.reset();
        }
        "(lesson reset: its results are cleared; the buckets on the server stay as they are)"
    }

    fn open_watch(
        &self,
        shared: &Shared,
        bucket: &str,
        pattern: &str,
        options: WatchOptions,
        title: String,
    ) -> Result<(), String> {
        enqueue(shared, Job::PaneWatch { bucket: bucket.into(), pattern: pattern.into(), options, title });
        Ok(())
    }

    fn watch_news(&self, shared: &Shared, panes: &[PaneWatch]) -> News {
        let mut pg = shared.0.borrow_mut();
        let mut news = News { opened: std::mem::take(&mut pg.pane_news), events: Vec::new() };
        let Some(side) = pg.server.as_mut() else { return news };
        news.opened.extend(side.new_panes.drain(..).map(|(id, title)| (PaneWatch { id, remote: true }, title)));
        let opened: Vec<PaneWatch> = news.opened.iter().map(|(p, _)| *p).collect();
        for p in panes.iter().chain(opened.iter()).filter(|p| p.remote) {
            let evs = side.pane_events.remove(&p.id).unwrap_or_default();
            if !evs.is_empty() {
                news.events.push((*p, evs));
            }
        }
        news
    }

    fn stop_watch(&self, shared: &Shared, p: PaneWatch) {
        enqueue(shared, Job::PaneStop(p.id));
    }

    fn watch_error(&self, shared: &Shared) -> Option<String> {
        shared.0.borrow().server.as_ref().and_then(|s| s.pane_error.clone())
    }

    /// The copy of the server's buckets, read after each job.
    fn view<'a>(&self, pg: &'a Playground) -> &'a crate::server::Standalone {
        pg.server.as_ref().map_or(&pg.session.backend, |s| &s.mirror)
    }

    fn view_mut<'a>(
        &self,
        session: &'a mut crate::session::local::Session<crate::server::Standalone>,
        server: &'a mut Option<ServerSide>,
    ) -> &'a mut crate::server::Standalone {
        match server {
            Some(s) => &mut s.mirror,
            None => &mut session.backend,
        }
    }

    /// A real server's time is the real time.
    fn view_now(&self, _pg: &Playground, real: Nanos) -> Nanos {
        real
    }

    fn clock_moves(&self) -> bool {
        false
    }

    fn watch_count(&self, pg: &Playground) -> usize {
        pg.server.as_ref().map_or(0, |s| s.watch_count)
    }

    fn question<'a>(&self, pg: &'a Playground) -> Option<&'a str> {
        pg.server.as_ref().and_then(|s| s.question.as_deref())
    }
}
