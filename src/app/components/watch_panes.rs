//! Watch panes: any number of watchers on a bucket or key pattern, with the watch options, each a live feed of
//! what it receives, with the end of the initial values marked.

use yew::prelude::*;

use crate::app::watchers::{self, PaneWatch};
use crate::app::Shared;
use crate::engine::{Operation, WatchEvent, WatchOptions};

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
    watch: PaneWatch,
    title: String,
    items: Vec<Item>,
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
    // Asks for another look at the watchers (after one was opened here), besides every change of the page.
    let look = use_state(|| 0u64);

    // After every change: take the new watchers and what each pane's watcher received.
    {
        let panes = panes.clone();
        let shared = p.shared.clone();
        use_effect_with((p.version, *look), move |_| {
            let watches: Vec<PaneWatch> = panes.iter().map(|p| p.watch).collect();
            let news = watchers::news(&shared, &watches);
            if news.opened.is_empty() && news.events.is_empty() {
                return;
            }
            let tz = shared.0.borrow().session.display.tz_offset_secs;
            let mut next = (*panes).clone();
            next.extend(news.opened.into_iter().map(|(watch, title)| Pane { watch, title, items: Vec::new() }));
            for (watch, evs) in news.events {
                if let Some(pane) = next.iter_mut().find(|p| p.watch == watch) {
                    pane.items.extend(evs.into_iter().map(|ev| item_of(ev, tz)));
                    let extra = pane.items.len().saturating_sub(PANE_LINES);
                    pane.items.drain(..extra);
                }
            }
            panes.set(next);
        });
    }

    let server_error = watchers::server_error(&p.shared);
    let buckets = p.shared.0.borrow().view().bucket_names();
    let bucket = if buckets.contains(&*bucket_sel) {
        (*bucket_sel).clone()
    } else {
        buckets.first().cloned().unwrap_or_default()
    };

    let add = {
        let shared = p.shared.clone();
        let pattern = pattern.clone();
        let opts = opts.clone();
        let error = error.clone();
        let look = look.clone();
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
            match watchers::open(&shared, &bucket, &pattern, o, title) {
                Ok(()) => {
                    error.set(String::new());
                    // The new pane shows on the next look (at once for the embedded engine).
                    look.set(*look + 1);
                }
                Err(e) => error.set(e),
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

    let stop = |watch: PaneWatch| {
        let shared = p.shared.clone();
        let panes = panes.clone();
        Callback::from(move |_: MouseEvent| {
            watchers::stop(&shared, watch);
            panes.set(panes.iter().filter(|p| p.watch != watch).cloned().collect());
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
            { for panes.iter().filter(|pane| watchers::is_current(&p.shared, &pane.watch)).map(|pane| html! {
                <div class="pane" aria-label={pane.title.clone()}>
                    <div class="pane-head"><strong>{ pane.title.clone() }</strong><button type="button" onclick={stop(pane.watch)}>{ "Stop" }</button></div>
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
