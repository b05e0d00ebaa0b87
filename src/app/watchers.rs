//! The watch panes' service: opens, feeds and stops the watchers the Watchers panel shows, wherever the page's
//! commands go (the page's link: the embedded engine, or the connected server through its job queue), so the panel itself only
//! renders what it is given and dispatches what the learner asks.

use super::link::{link, Embedded, Link};
use super::Shared;
use crate::engine::{WatchEvent, WatchId, WatchOptions};

/// A pane's watcher, as the panel keeps it: which watch, and on which side (opaque to the panel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaneWatch {
    pub id: WatchId,
    /// Made on a server outside the page (`Link::remote`).
    pub(crate) remote: bool,
}

/// What happened to the panes since the last look.
#[derive(Debug, Default)]
pub struct News {
    /// Watchers that now exist, with their titles.
    pub opened: Vec<(PaneWatch, String)>,
    /// What each existing pane's watcher received.
    pub events: Vec<(PaneWatch, Vec<WatchEvent>)>,
}

/// Starts a watcher. On the embedded engine it exists at once; on a server it is made by the connection's job
/// queue and appears in a later `news`. Errors are the watch's own.
pub fn open(shared: &Shared, bucket: &str, pattern: &str, options: WatchOptions, title: String) -> Result<(), String> {
    link(shared).open_watch(shared, bucket, pattern, options, title)
}

/// Takes what happened since the last call: new watchers, and the events of `panes` (those of the link the
/// page's commands go to now; the others stay silent until it goes back).
pub fn news(shared: &Shared, panes: &[PaneWatch]) -> News {
    link(shared).watch_news(shared, panes)
}

/// Whether the pane belongs to the link the page's commands go to now (the panel shows only those).
pub fn is_current(shared: &Shared, p: &PaneWatch) -> bool {
    p.remote == link(shared).remote()
}

/// The last error a watcher on the server met, if any.
pub fn server_error(shared: &Shared) -> Option<String> {
    link(shared).watch_error(shared)
}

/// Stops a pane's watcher, on the link that made it (one on a server that is gone has nothing to stop).
pub fn stop(shared: &Shared, p: PaneWatch) {
    let now = link(shared);
    if p.remote == now.remote() {
        now.stop_watch(shared, p);
    } else if !p.remote {
        Embedded.stop_watch(shared, p);
    }
}
