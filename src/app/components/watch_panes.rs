//! Watch panes: any number of watchers on a bucket or key pattern, with the watch options, each a live feed of
//! what it receives, with the end of the initial values marked.

use yew::prelude::*;

use crate::app::{remote, Shared};
use crate::engine::{Operation, WatchEvent, WatchId, WatchOptions};

#[derive(Properties, PartialEq)]
pub struct WatchPanesProps {
    pub shared: Shared,
    pub version: u64,
}

#[derive(Clone, PartialEq)]
enum Item {
    Entry { revision: u64, text: String, op: Operation },
    InitialDone,
    Closed,
}

#[derive(Clone, PartialEq)]
struct Pane {
    id: WatchId,
    title: String,
    items: Vec<Item>,
    /// A watch on the connected server (else on the embedded engine).
    server: bool,
}

fn item_of(ev: WatchEvent, tz: i64) -> Item {
    match ev {
        WatchEvent::Entry(e) => Item::Entry {
            revision: e.revision,
            op: e.operation,
            text: crate::cli::exec::render_watch_entry(&e, tz, false).trim_end().to_string(),
        },
        WatchEvent::InitialValuesDone => Item::InitialDone,
        WatchEvent::Closed => Item::Closed,
    }
}

/// Feed lines a pane keeps.
const PANE_LINES: usize = 500;

#[function_component(WatchPanes)]
pub fn watch_panes(p: &WatchPanesProps) -> Html {
    let panes = use_state(Vec::<Pane>::new);
    let pattern = use_state(|| ">".to_string());
    let bucket_sel = use_state(String::new);
    let opts = use_state(WatchOptions::default);
    let error = use_state(String::new);

    // After every change: take what each pane's watcher received.
    {
        let panes = panes.clone();
        let shared = p.shared.clone();
        use_effect_with(p.version, move |_| {
            let mut changed = false;
            let mut next = (*panes).clone();
            {
                let mut pg = shared.0.borrow_mut();
                let tz = pg.session.display.tz_offset_secs;
                let on_server = pg.server.is_some();
                if let Some(s) = pg.server.as_mut() {
                    for (id, title) in s.new_panes.drain(..) {
                        changed = true;
                        next.push(Pane { id, title, items: Vec::new(), server: true });
                    }
                }
                for pane in next.iter_mut() {
                    let evs = match (pane.server, pg.server.as_mut()) {
                        (true, Some(s)) => s.pane_events.remove(&pane.id).unwrap_or_default(),
                        (false, _) if !on_server => pg.session.backend.poll_watch(pane.id),
                        _ => Vec::new(),
                    };
                    for ev in evs {
                        changed = true;
                        pane.items.push(item_of(ev, tz));
                    }
                    if pane.items.len() > PANE_LINES {
                        let extra = pane.items.len() - PANE_LINES;
                        pane.items.drain(..extra);
                    }
                }
            }
            if changed {
                panes.set(next);
            }
        });
    }

    let on_server = p.shared.0.borrow().server.is_some();
    let server_error = p.shared.0.borrow().server.as_ref().and_then(|s| s.pane_error.clone());
    let buckets = p.shared.0.borrow().view().bucket_names();
    let bucket = if buckets.contains(&*bucket_sel) {
        (*bucket_sel).clone()
    } else {
        buckets.first().cloned().unwrap_or_default()
    };

    let add = {
        let shared = p.shared.clone();
        let panes = panes.clone();
        let pattern = pattern.clone();
        let opts = opts.clone();
        let error = error.clone();
        let bucket = bucket.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let o = *opts;
            let mut flags = Vec::new();
            if o.include_history {
                flags.push("history");
            }
            if o.ignore_deletes {
                flags.push("no deletes");
            }
            if o.updates_only {
                flags.push("updates only");
            }
            let from = if o.resume_from_revision > 0 {
                format!(" from revision {}", o.resume_from_revision)
            } else {
                String::new()
            };
            let title = format!(
                "{bucket} {}{}{}",
                *pattern,
                if flags.is_empty() { String::new() } else { format!(" ({})", flags.join(", ")) },
                from
            );
            if shared.0.borrow().server.is_some() {
                // On a server the watch is made by the connection's job queue; the pane opens when it exists.
                let job =
                    remote::Job::PaneWatch { bucket: bucket.clone(), pattern: (*pattern).clone(), options: o, title };
                remote::enqueue(&shared, job);
                error.set(String::new());
                return;
            }
            let r = shared.0.borrow_mut().session.backend.watch(&bucket, &[(*pattern).clone()], o);
            match r {
                Ok(id) => {
                    let mut next = (*panes).clone();
                    next.push(Pane { id, title: format!("w{} · {title}", id.0), items: Vec::new(), server: false });
                    panes.set(next);
                    error.set(String::new());
                }
                Err(e) => error.set(e.to_string()),
            }
        })
    };

    let toggle = |f: fn(&mut WatchOptions), label: &'static str, on: bool| {
        let opts = opts.clone();
        let onchange = Callback::from(move |_: Event| {
            let mut o = *opts;
            f(&mut o);
            opts.set(o);
        });
        html! { <label class="opt"><input type="checkbox" checked={on} {onchange} />{ label }</label> }
    };

    let stop = |id: WatchId, server: bool| {
        let shared = p.shared.clone();
        let panes = panes.clone();
        Callback::from(move |_: MouseEvent| {
            if server {
                remote::enqueue(&shared, remote::Job::PaneStop(id));
            } else {
                shared.0.borrow_mut().session.backend.stop_watch(id);
            }
            panes.set(panes.iter().filter(|p| p.id != id).cloned().collect());
        })
    };

    html! {
        <section class="watchers" aria-label="Watchers">
            if buckets.is_empty() {
                <p class="empty">{ "Create a bucket first; then add watchers here and change the bucket in the terminal." }</p>
            } else {
                <form class="watch-form" onsubmit={add}>
                    <label>{ "Bucket " }
                        <select aria-label="Bucket to watch" onchange={
                            let bucket_sel = bucket_sel.clone();
                            Callback::from(move |e: Event| { let v: web_sys::HtmlSelectElement = e.target_unchecked_into(); bucket_sel.set(v.value()); })
                        }>
                            { for buckets.iter().map(|b| html!{ <option value={b.clone()} selected={*b == bucket}>{ b.clone() }</option> }) }
                        </select>
                    </label>
                    <label>{ "Keys " }
                        <input type="text" value={(*pattern).clone()} size="10" aria-label="Key or pattern to watch (* one token, > the rest)"
                            oninput={ let pattern = pattern.clone(); Callback::from(move |e: InputEvent| { let v: web_sys::HtmlInputElement = e.target_unchecked_into(); pattern.set(v.value()); }) } />
                    </label>
                    <span class="form-hint">{ "> is every key; * is one part of a key (app.* matches app.timeout)" }</span>
                    { toggle(|o| o.include_history = !o.include_history, "history", opts.include_history) }
                    { toggle(|o| o.ignore_deletes = !o.ignore_deletes, "ignore deletes", opts.ignore_deletes) }
                    { toggle(|o| o.updates_only = !o.updates_only, "updates only", opts.updates_only) }
                    <label>{ "from revision " }
                        <input type="number" min="0" value={opts.resume_from_revision.to_string()} aria-label="Start from revision (0: off)" class="num-in"
                            oninput={ let opts = opts.clone(); Callback::from(move |e: InputEvent| { let v: web_sys::HtmlInputElement = e.target_unchecked_into(); let mut o = *opts; o.resume_from_revision = v.value().parse().unwrap_or(0); opts.set(o); }) } />
                    </label>
                    <button type="submit" class="primary">{ "Add watcher" }</button>
                </form>
                if !error.is_empty() { <p class="verdict fail" role="alert">{ crate::cli::exec::error_text(&error) }</p> }
            }
            if let Some(e) = server_error { <p class="verdict fail" role="alert">{ crate::cli::exec::error_text(&e.to_string()) }</p> }
            { for panes.iter().filter(|pane| pane.server == on_server).map(|pane| html! {
                <div class="pane" aria-label={pane.title.clone()}>
                    <div class="pane-head"><strong>{ pane.title.clone() }</strong><button type="button" onclick={stop(pane.id, pane.server)}>{ "Stop" }</button></div>
                    <ol class="feed" role="log" aria-live="polite">
                        { for pane.items.iter().map(|it| match it {
                            Item::Entry { text, op, revision } => html! {
                                <li class={classes!("ev", match op { Operation::Put => "put", Operation::Delete => "del", Operation::Purge => "purge" })} data-rev={revision.to_string()}>{ text.clone() }</li>
                            },
                            Item::InitialDone => html! { <li class="ev initial-done">{ "— end of initial values —" }</li> },
                            Item::Closed => html! { <li class="ev closed">{ "— the bucket was deleted; the watch ended —" }</li> },
                        }) }
                    </ol>
                </div>
            }) }
        </section>
    }
}
