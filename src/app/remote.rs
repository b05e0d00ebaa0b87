//! The page against a real nats-server over WebSocket. The connection's client is asynchronous; the terminal's
//! session and the lesson runner are synchronous. Jobs (typed lines, lesson steps, watch polls) run one at a time
//! from a queue: each job runs its synchronous code over a `ReplayKv`, performs the operation the run was missing
//! on the server, and runs again from the saved state until nothing is missing (see `client::call`). The embedded
//! engine's session is left untouched, so switching back loses nothing.

use crate::session::Line;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use super::term_state::TermAction;
use super::{Playground, Shared};
use crate::backend::KvBackend;
use crate::client::call::{drive, Call, ReplayKv, Reply};
use crate::client::core::{conn_err, Client, Dial, LinkState};
use crate::client::url::ServerUrl;
use crate::client::web::WebDial;
use crate::engine::{Engine, Nanos, WatchEvent, WatchId, WatchOptions};
use crate::lesson::runner::{LessonClock, StepReport};
use crate::session::Session;

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

/// The server side of the page: its own session, and a copy of the server's buckets for the views.
pub struct ServerSide {
    /// The connection and its job queue.
    pub conn: Rc<Conn>,
    /// The address, without credentials.
    pub url: String,
    pub state: ConnState,
    pub session: Session<ReplayKv>,
    pub kv: ReplayKv,
    /// The server's buckets as last read, for the explorer and the timeline.
    pub mirror: Engine,
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

type Done = Box<dyn FnOnce(Option<StepReport>)>;

/// Work for the connection, done in order.
pub enum Job {
    Lines(Vec<String>),
    Step {
        i: usize,
        solve: bool,
        done: Done,
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

/// The connection and its queue of jobs.
pub struct Conn {
    client: RefCell<Option<Client<WebDial>>>,
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
        client: RefCell::new(None),
        queue: RefCell::new(VecDeque::new()),
        running: Cell::new(false),
        closed: Cell::new(false),
        ui: ui.clone(),
    });
    let shown = url.display();
    TARGET.with(|t| *t.borrow_mut() = Some(url.clone()));
    {
        let mut pg = shared.0.borrow_mut();
        let kv = ReplayKv::new(Engine::new(0).connection_info(), Rc::new(wall));
        let mut session = Session::new(kv.clone());
        session.display = pg.session.display;
        pg.server_error = None;
        pg.server = Some(ServerSide {
            conn: conn.clone(),
            url: shown.clone(),
            state: ConnState::Connecting,
            session,
            kv,
            mirror: Engine::new(wall()),
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
                if let Some(s) = shared.0.borrow_mut().server.as_mut() {
                    s.kv.set_info(info);
                    s.state = ConnState::Connected { server: server.clone() };
                }
                if let Some((sid, last)) = news {
                    workshop::with_learner(|l| {
                        l.news_sid = sid;
                        if let Some((h, p)) = last {
                            l.news_read(&h, &p);
                        }
                    });
                }
                *conn.client.borrow_mut() = Some(c);
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

/// Goes back to the embedded engine (its state is as it was).
pub fn disconnect(shared: &Shared) {
    workshop::set_learner(None);
    TARGET.with(|t| *t.borrow_mut() = None);
    let conn = { shared.0.borrow_mut().server.take().map(|s| s.conn) };
    if let Some(conn) = conn {
        conn.closed.set(true);
        conn.queue.borrow_mut().clear();
        if let Ok(mut c) = conn.client.try_borrow_mut() {
            if let Some(c) = c.as_mut() {
                c.close();
            }
            *c = None;
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
        .is_some_and(|s| s.conn.idle() && matches!(s.state, ConnState::Connected { .. }));
    if ready {
        enqueue(shared, Job::Pump);
    }
}

pub fn enqueue(shared: &Shared, job: Job) {
    let Some(conn) = shared.0.borrow().server.as_ref().map(|s| s.conn.clone()) else { return };
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

/// Performs one operation on the server (or says why it could not).
async fn perform(conn: &Conn, call: Call) -> Reply {
    let taken = conn.client.borrow_mut().take();
    let Some(mut c) = taken else {
        return Reply::failed(
            &call,
            conn_err("nats: error: not connected to the server (Connect tries again; Disconnect goes back to the embedded engine)"),
        );
    };
    let r = c.perform(&call).await;
    if conn.closed.get() {
        c.close();
    } else {
        *conn.client.borrow_mut() = Some(c);
    }
    r
}

/// Runs `f` on the server side's state as a replayed attempt: if the run missed an operation, the session (and
/// whatever `save` kept) goes back to how it was.
fn attempt<T>(shared: &Shared, f: impl FnOnce(&mut Playground) -> T) -> Option<T> {
    let mut pg = shared.0.borrow_mut();
    pg.server.as_ref()?;
    Some(f(&mut pg))
}

async fn run_job(shared: &Shared, conn: &Rc<Conn>, job: Job) {
    let ui = conn.ui.clone();
    let Some(kv) = shared.0.borrow().server.as_ref().map(|s| s.kv.clone()) else { return };
    match job {
        Job::Lines(lines) => {
            // What each line printed, for the open lesson once the server's buckets are read again.
            let mut typed = Vec::new();
            for line in lines {
                let prompt = shared.0.borrow().prompt();
                let is_answer = prompt.starts_with("? ");
                let r = drive(
                    &kv,
                    || {
                        attempt(shared, |pg| {
                            let s = pg.server.as_mut().expect("checked");
                            let saved = s.session.clone();
                            // A typed `sleep` waits for real: the session's clock moves, and the server's with it.
                            let (r, now) = match Line::parse(&line) {
                                Line::Sleep(d) if !is_answer && d > MAX_TYPED_SLEEP => (
                                    crate::session::LineResult::done(
                                        vec![crate::cli::exec::Chunk::Err(
                                            "sleep: a real server keeps its own time, so a sleep here waits for real: at most 1m\n"
                                                .into(),
                                        )],
                                        false,
                                    ),
                                    s.now,
                                ),
                                Line::Sleep(d) if !is_answer => {
                                    let now = crate::clock::later(s.now, d).unwrap_or(s.now);
                                    (crate::session::LineResult::done(s.session.advance(now), true), now)
                                }
                                _ => (s.session.run_line(&line, s.now), s.now),
                            };
                            if s.kv.missing().is_some() {
                                s.session = saved;
                            } else {
                                s.now = now;
                            }
                            r
                        })
                    },
                    |c| perform(conn, c),
                )
                .await;
                let Some(r) = r else { return };
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
                finish(conn, &kv).await;
            }
            refresh(shared, conn).await;
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
            let report = drive(
                &kv,
                || {
                    attempt(shared, |pg| {
                        let Playground { server, lesson, .. } = pg;
                        let s = server.as_mut().expect("checked");
                        let (_, run) = lesson.as_mut()?;
                        let saved = (s.session.clone(), run.clone(), s.now);
                        let report = run.run_step(i, &mut s.session, &mut ServerClock(&mut s.now), solve);
                        if s.kv.missing().is_some() {
                            (s.session, *run, s.now) = saved;
                        } else {
                            crate::app::workshop::verdict(i);
                        }
                        Some(report)
                    })
                    .flatten()
                },
                |c| perform(conn, c),
            )
            .await;
            finish(conn, &kv).await;
            refresh(shared, conn).await;
            done(report);
        }
        Job::Interrupt => {
            let n = attempt(shared, |pg| {
                let s = pg.server.as_mut().expect("checked");
                s.kv.begin(Vec::new());
                s.session.interrupt()
            })
            .unwrap_or(0);
            if n > 0 {
                ui(UiMsg::Term(vec![TermAction::Note(format!(
                    "(stopped {n} watch{})",
                    if n == 1 { "" } else { "es" }
                ))]));
            }
            finish(conn, &kv).await;
        }
        Job::Pump => {
            let taken = conn.client.borrow_mut().take();
            if let Some(mut c) = taken {
                let lost = c.pump().await.err();
                if let Some(e) = lost {
                    if let Some(s) = shared.0.borrow_mut().server.as_mut() {
                        s.state = ConnState::Reconnecting { attempt: 0, error: e.message.clone() };
                    }
                    ui(UiMsg::Changed);
                    if let Err(e) = c.reconnect_for(60_000.0).await {
                        if let Some(s) = shared.0.borrow_mut().server.as_mut() {
                            s.state = ConnState::Lost { error: e.message.clone() };
                        }
                        ui(UiMsg::Term(vec![TermAction::Note(format!(
                            "(the connection to the server was lost and could not be made again: {}. Connect tries again; Disconnect goes back to the embedded engine.)",
                            e.message.trim_start_matches("nats: error: ")
                        ))]));
                        ui(UiMsg::Changed);
                        return;
                    }
                    ui(UiMsg::Term(vec![TermAction::Note(
                        "(reconnected to the server; running watches resumed where they were)".into(),
                    )]));
                }
                if conn.closed.get() {
                    c.close();
                } else {
                    *conn.client.borrow_mut() = Some(c);
                }
            }
            write_progress(conn).await;
            let news = collect_news(conn);
            if !show_deliveries(shared, conn, &kv).await {
                if news {
                    ui(UiMsg::Changed);
                }
                return; // nothing arrived: nothing to redraw
            }
            refresh(shared, conn).await;
        }
        Job::Refresh => refresh(shared, conn).await,
        Job::PaneWatch { bucket, pattern, options, title } => {
            let taken = conn.client.borrow_mut().take();
            let Some(mut c) = taken else { return };
            let r = c.watch(&bucket, &[pattern], options).await;
            *conn.client.borrow_mut() = Some(c);
            if let Some(s) = shared.0.borrow_mut().server.as_mut() {
                match r {
                    Ok(id) => {
                        s.pane_ids.push(id);
                        s.new_panes.push((id, format!("w{} · {title}", id.0)));
                        s.pane_error = None;
                    }
                    Err(e) => s.pane_error = Some(e.to_string()),
                }
            }
            collect_pane_events(shared, conn);
        }
        Job::PaneStop(id) => {
            let taken = conn.client.borrow_mut().take();
            if let Some(mut c) = taken {
                c.stop_watch(id).await;
                *conn.client.borrow_mut() = Some(c);
            }
            if let Some(s) = shared.0.borrow_mut().server.as_mut() {
                s.pane_ids.retain(|p| *p != id);
                s.pane_events.remove(&id);
            }
        }
    }
    ui(UiMsg::Changed);
}

/// After a job: stop the watches the session let go of.
async fn finish(conn: &Conn, kv: &ReplayKv) {
    for id in kv.take_stops() {
        let taken = conn.client.borrow_mut().take();
        if let Some(mut c) = taken {
            c.stop_watch(id).await;
            *conn.client.borrow_mut() = Some(c);
        }
    }
}

/// Writes the workshop learner's progress records waiting (`workshop::sync`) into the instructor's bucket, each a
/// request answered by JetStream's publish acknowledgement; a failure is noted on the learner, never shown as the
/// lesson's.
async fn write_progress(conn: &Conn) {
    while let Some(w) = workshop::with_learner(|l| l.outbox.pop_front()).flatten() {
        let taken = conn.client.borrow_mut().take();
        let Some(mut c) = taken else { return };
        let r = c.request(&w.subject, &[], &w.payload).await;
        if conn.closed.get() {
            c.close();
            return;
        }
        *conn.client.borrow_mut() = Some(c);
        let r = r
            .map_err(|e| e.message.trim_start_matches("nats: error: ").to_string())
            .and_then(|(_, p)| workshop::ack_error(&p).map_or(Ok(()), Err));
        workshop::with_learner(|l| l.write_error = r.err());
    }
}

/// Takes the instructor's messages that arrived. True when there was one.
fn collect_news(conn: &Conn) -> bool {
    let Ok(mut c) = conn.client.try_borrow_mut() else { return false };
    let Some(c) = c.as_mut() else { return false };
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
fn collect_pane_events(shared: &Shared, conn: &Conn) -> bool {
    let Ok(mut c) = conn.client.try_borrow_mut() else { return false };
    let Some(c) = c.as_mut() else { return false };
    let mut pg = shared.0.borrow_mut();
    let Some(s) = pg.server.as_mut() else { return false };
    let mut any = false;
    for id in s.pane_ids.clone() {
        let evs = c.take_events(id);
        if !evs.is_empty() {
            any = true;
            s.pane_events.entry(id).or_default().extend(evs);
        }
    }
    any
}

/// Shows what running watches received since the last command. True when there was something.
async fn show_deliveries(shared: &Shared, conn: &Conn, kv: &ReplayKv) -> bool {
    let panes = collect_pane_events(shared, conn);
    let waiting = conn.client.try_borrow().ok().is_some_and(|c| c.as_ref().is_some_and(|c| c.has_events()));
    if !waiting {
        return panes;
    }
    let chunks = drive(
        kv,
        || attempt(shared, |pg| pg.server.as_mut().expect("checked").session.poll_watches()).unwrap_or_default(),
        |c| perform(conn, c),
    )
    .await;
    if !chunks.is_empty() {
        (conn.ui)(UiMsg::Term(vec![TermAction::Output(chunks)]));
    }
    true
}

/// Copies the server's buckets for the explorer and the timeline.
async fn refresh(shared: &Shared, conn: &Conn) {
    let taken = conn.client.borrow_mut().take();
    let Some(mut c) = taken else { return };
    let previous = shared.0.borrow_mut().server.as_mut().and_then(|s| s.mirror_export.take());
    let export = c.export(MIRROR_LIMIT, previous.as_ref()).await;
    if conn.closed.get() {
        c.close();
        return;
    }
    *conn.client.borrow_mut() = Some(c);
    let mut pg = shared.0.borrow_mut();
    let Some(s) = pg.server.as_mut() else { return };
    match export {
        Ok(x) => {
            let partial = x.buckets.iter().any(|b| b.revisions.len() >= MIRROR_LIMIT);
            match crate::transfer::engine_from(&x, wall()) {
                Ok(e) => {
                    s.mirror = e;
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

/// Runs typed lines against the server (echo, output and watch deliveries appear as they finish).
pub fn run_lines(shared: &Shared, lines: Vec<String>) {
    enqueue(shared, Job::Lines(lines));
}
