//! Watch panes: any number of watchers on a bucket or key pattern, with the watch options, each a live feed of
//! what it receives, with the end of the initial values marked.

use yew::prelude::*;

use std::rc::Rc;

use crate::app::store::{Action, Dispatch, Pane, WatchAsk};
use crate::app::watchers::{self, PaneWatch};
use crate::app::Shared;
use crate::engine::{Operation, WatchEvent, WatchOptions};

#[derive(Properties, PartialEq)]
pub struct WatchPanesProps {
    pub shared: Shared,
    pub version: u64,
    /// The panes, from the store.
    pub panes: Rc<Vec<Pane>>,
    /// Why the last watcher asked for was refused.
    pub refused: Option<String>,
    pub d: Dispatch,
}

#[function_component(WatchPanes)]
pub fn watch_panes(p: &WatchPanesProps) -> Html {
    let pattern = use_state(|| ">".to_string());
    let bucket_sel = use_state(String::new);
    let opts = use_state(WatchOptions::default);

    // After every change: take the new watchers and what each pane's watcher received.
    {
        let (d, panes) = (p.d.clone(), p.panes.clone());
        use_effect_with(p.version, move |_| {
            d.dispatch(Action::FollowWatchers(panes.iter().map(|p| p.watch).collect()));
        });
    }

    let server_error = watchers::server_error(&p.shared);
    let tz = p.shared.0.borrow().session.display.tz_offset_secs;
    let buckets = p.shared.0.borrow().view().bucket_names();
    let bucket = if buckets.contains(&*bucket_sel) {
        (*bucket_sel).clone()
    } else {
        buckets.first().cloned().unwrap_or_default()
    };

    let add = {
        let (d, pattern, opts, bucket) = (p.d.clone(), pattern.clone(), opts.clone(), bucket.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            d.dispatch(Action::StartWatch(WatchAsk {
                bucket: bucket.clone(),
                pattern: (*pattern).clone(),
                options: *opts,
            }));
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

    let stop = |watch: PaneWatch| p.d.callback(move |_: MouseEvent| Action::StopWatch(watch));

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
                if let Some(error) = &p.refused { <p class="verdict fail" role="alert">{ crate::cli::exec::error_text(error) }</p> }
            }
            if let Some(e) = server_error { <p class="verdict fail" role="alert">{ crate::cli::exec::error_text(&e.to_string()) }</p> }
            { for p.panes.iter().filter(|pane| watchers::is_current(&p.shared, &pane.watch)).map(|pane| html! {
                <div class="pane" aria-label={pane.title.clone()}>
                    <div class="pane-head"><strong>{ pane.title.clone() }</strong><button type="button" onclick={stop(pane.watch)}>{ "Stop" }</button></div>
                    <ol class="feed" role="log" aria-live="polite">
                        { for pane.items.iter().map(|it| match it {
                            WatchEvent::Entry(e) => html! {
                                <li class={classes!("ev", match e.operation { Operation::Put => "put", Operation::Delete => "del", Operation::Purge => "purge" })} data-rev={e.revision.to_string()}>{ crate::cli::exec::render_watch_entry(e, tz, false).trim_end().to_string() }</li>
                            },
                            WatchEvent::InitialValuesDone => html! { <li class="ev initial-done">{ "— end of initial values —" }</li> },
                            WatchEvent::Closed => html! { <li class="ev closed">{ "— the bucket was deleted; the watch ended —" }</li> },
                        }) }
                    </ol>
                </div>
            }) }
        </section>
    }
}
