//! The watch panes' service: opens, feeds and stops the watchers the Watchers panel shows, wherever the page's
//! commands go (the embedded engine, or the connected server through its job queue), so the panel itself only
//! renders what it is given and dispatches what the learner asks.

use super::{remote, Shared};
use crate::backend::KvBackend;
use crate::engine::{WatchEvent, WatchId, WatchOptions};

/// A pane's watcher, as the panel keeps it: which watch, and on which side (opaque to the panel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaneWatch {
    pub id: WatchId,
    server: bool,
}

/// What happened to the panes since the last look.
#[derive(Default)]
pub struct News {
    /// Watchers that now exist, with their titles.
    pub opened: Vec<(PaneWatch, String)>,
    /// What each existing pane's watcher received.
    pub events: Vec<(PaneWatch, Vec<WatchEvent>)>,
}

fn on_server(shared: &Shared) -> bool {
    shared.0.borrow().server.is_some()
}

/// Starts a watcher. On the embedded engine it exists at once; on a server it is made by the connection's job
/// queue and appears in a later `news`. Errors are the watch's own.
pub fn open(shared: &Shared, bucket: &str, pattern: &str, options: WatchOptions, title: String) -> Result<(), String> {
    if on_server(shared) {
        let job = remote::Job::PaneWatch { bucket: bucket.into(), pattern: pattern.into(), options, title };
        remote::enqueue(shared, job);
        return Ok(());
    }
    let mut pg = shared.0.borrow_mut();
    let id = pg.session.backend.watch(bucket, &[pattern.to_string()], options).map_err(|e| e.to_string())?;
    pg.pane_news.push((PaneWatch { id, server: false }, format!("w{} · {title}", id.0)));
    Ok(())
}

/// Takes what happened since the last call: new watchers, and the events of `panes` (those of the side the
/// page's commands go to now; the others stay silent until it goes back).
pub fn news(shared: &Shared, panes: &[PaneWatch]) -> News {
    let mut pg = shared.0.borrow_mut();
    let mut news = News { opened: std::mem::take(&mut pg.pane_news), events: Vec::new() };
    let on_server = pg.server.is_some();
    if let Some(s) = pg.server.as_mut() {
        news.opened.extend(s.new_panes.drain(..).map(|(id, title)| (PaneWatch { id, server: true }, title)));
    }
    for p in panes.iter().chain(news.opened.iter().map(|(p, _)| p)) {
        let evs = match (p.server, pg.server.as_mut()) {
            (true, Some(s)) => s.pane_events.remove(&p.id).unwrap_or_default(),
            (false, _) if !on_server => pg.session.backend.poll_watch(p.id),
            _ => Vec::new(),
        };
        if !evs.is_empty() {
            news.events.push((*p, evs));
        }
    }
    news
}

/// Whether the pane belongs to the side the page's commands go to now (the panel shows only those).
pub fn is_current(shared: &Shared, p: &PaneWatch) -> bool {
    p.server == on_server(shared)
}

/// The last error a watcher on the server met, if any.
pub fn server_error(shared: &Shared) -> Option<String> {
    shared.0.borrow().server.as_ref().and_then(|s| s.pane_error.clone())
}

/// Stops a pane's watcher.
pub fn stop(shared: &Shared, p: PaneWatch) {
    if p.server {
        remote::enqueue(shared, remote::Job::PaneStop(p.id));
    } else {
        shared.0.borrow_mut().session.backend.stop_watch(p.id);
    }
}
