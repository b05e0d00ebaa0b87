//! The bucket as a stream: a timeline of revisions (kept, gone and why, refused writes, what each watcher saw),
//! per-key lanes, and time travel to any revision. Every mark is focusable and has a text label.

use yew::prelude::*;

use crate::app::{Explain, Shared};
use crate::viz::{self, Lane, Mark, Strip};

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub shared: Shared,
    pub version: u64,
    /// Hidden panes skip their drawing.
    pub active: bool,
}

/// How many revisions are drawn one by one before they fold into bins.
const MAX_MARKS: usize = 120;
const LANES: usize = 30;

fn mark_svg(m: &Mark, x: f64, newest: bool, explained: bool, on_focus: Callback<String>) -> Html {
    let label = m.label();
    let cls = classes!(
        "mark",
        m.kind.class(),
        m.gone.is_some().then_some("gone"),
        newest.then_some("newest"),
        explained.then_some("explained")
    );
    let focus_label = label.clone();
    let hover = on_focus.clone();
    let hover_label = label.clone();
    let onfocus = Callback::from(move |_: FocusEvent| on_focus.emit(focus_label.clone()));
    let onmouseenter = Callback::from(move |_: MouseEvent| hover.emit(hover_label.clone()));
    html! {
        <g class={cls} tabindex="0" role="img" aria-label={label.clone()} {onfocus} {onmouseenter} data-seq={m.seq.to_string()}
           data-kind={m.kind.label()} data-gone={m.gone.is_some().to_string()}>
            <title>{ label }</title>
            if newest { <circle class="ring" cx={x.to_string()} cy="22" r="11" /> }
            <circle class="dot" cx={x.to_string()} cy="22" r="7" />
            <text class="seq" x={x.to_string()} y="46" text-anchor="middle">{ m.seq }</text>
        </g>
    }
}

fn lane_html(l: &Lane) -> Html {
    let label = format!(
        "key {}: {} of {} revisions kept, latest revision {}{}",
        l.key,
        l.kept,
        l.limit,
        l.latest,
        l.expires_in.as_ref().map(|t| format!(", expires in {t}")).unwrap_or_default()
    );
    html! {
        <li class="lane" aria-label={label}>
            <span class="lane-key">{ l.key.clone() }</span>
            <span class="lane-revs">
                { for l.revisions.iter().map(|(seq, kind, kept)| html! {
                    <span class={classes!("chip", kind.class(), (!kept).then_some("gone"))}
                          title={format!("revision {seq}: {}{}", kind.label(), if *kept { "" } else { " (gone)" })}>{ seq }</span>
                }) }
            </span>
            <span class="lane-meta">
                <span class="depth" title="revisions kept against the bucket's history limit">{ format!("{}/{}", l.kept, l.limit) }</span>
                <span title="the revision an update must name">{ format!("latest {}", l.latest) }</span>
                if let Some(t) = &l.expires_in { <span class="ttl" title="time left before it expires">{ format!("expires in {t}") }</span> }
            </span>
        </li>
    }
}

#[function_component(Timeline)]
pub fn timeline(p: &TimelineProps) -> Html {
    let chosen = use_state(|| None::<String>);
    let window = use_state(|| 40u64);
    let travel = use_state(|| None::<u64>);
    let focused = use_state(String::new);

    if !p.active {
        return html! {};
    }
    let pg = p.shared.0.borrow();
    let engine = pg.view();
    let buckets = engine.bucket_names();
    let source = pg.view_source().map(|s| html! { <p class="cfg">{ s }</p> }).unwrap_or_default();
    if buckets.is_empty() {
        return html! { <section class="timeline" aria-label="Timeline">{ source }<p class="empty">{ "No buckets yet. Create one (nats kv add my-kv) and its revisions appear here." }</p></section> };
    }
    // The chosen bucket, or the one the lesson's step touched, or the most recently written.
    let explain: Option<Explain> = pg.explain.clone();
    let bucket = chosen
        .as_ref()
        .filter(|b| buckets.contains(b))
        .cloned()
        .or_else(|| explain.as_ref().map(|x| x.bucket.clone()).filter(|b| buckets.contains(b)))
        .unwrap_or_else(|| {
            buckets
                .iter()
                .max_by_key(|b| engine.view().status(b).ok().and_then(|s| s.last_update).unwrap_or(i64::MIN))
                .cloned()
                .unwrap_or_default()
        });
    let Ok(st) = engine.view().status(&bucket) else { return html! {} };
    let last = st.last_revision;
    let win = *window;
    let to = last;
    let from = if win == 0 { 1 } else { to.saturating_sub(win - 1).max(1) };
    let tl = viz::timeline(engine, &bucket, from, to, MAX_MARKS);
    let lanes = viz::lanes(engine, &bucket, LANES, 24);
    let watchers = engine.watchers_between(&bucket, from, to);
    let at = travel.filter(|n| *n < last && *n >= 1);
    let past = at.map(|n| viz::state_at(engine, &bucket, n));
    let explained = explain.as_ref().filter(|x| x.bucket == bucket).map(|x| (x.from, x.to));
    drop(pg);

    let pick = {
        let chosen = chosen.clone();
        let travel = travel.clone();
        Callback::from(move |e: Event| {
            let v: web_sys::HtmlSelectElement = e.target_unchecked_into();
            chosen.set(Some(v.value()));
            travel.set(None);
        })
    };
    let zoom = {
        let window = window.clone();
        Callback::from(move |e: Event| {
            let v: web_sys::HtmlSelectElement = e.target_unchecked_into();
            window.set(v.value().parse().unwrap_or(40));
        })
    };
    let slide = {
        let travel = travel.clone();
        Callback::from(move |e: InputEvent| {
            let v: web_sys::HtmlInputElement = e.target_unchecked_into();
            travel.set(v.value().parse().ok());
        })
    };
    let now_btn = {
        let travel = travel.clone();
        Callback::from(move |_: MouseEvent| travel.set(None))
    };
    let on_focus = {
        let focused = focused.clone();
        Callback::from(move |l: String| focused.set(l))
    };

    let strip = match tl.as_ref().map(|t| &t.strip) {
        Some(Strip::Marks(marks)) => {
            let step = 34.0;
            let width = (marks.len() as f64 * step + 40.0).max(300.0);
            let xs = |seq: u64| -> f64 { 20.0 + (seq.saturating_sub(from)) as f64 * step };
            let refused = tl.as_ref().map(|t| t.refused.clone()).unwrap_or_default();
            let band = explained.and_then(|(a, b)| {
                let (a, b) = (a.max(from), b.min(to));
                (b >= a).then(|| html! {
                    <rect class="band" x={(xs(a) - 15.0).to_string()} y="2" width={((b - a) as f64 * step + 30.0).to_string()} height="52" rx="6" />
                })
            });
            html! {
                <svg class="strip" viewBox={format!("0 0 {width} {}", 64 + 14 * watchers.len())} width={width.to_string()}
                     role="group" aria-label={format!("Revisions {from} to {to} of bucket {bucket}")}>
                    { band.unwrap_or_default() }
                    <line class="axis" x1="10" x2={(width - 10.0).to_string()} y1="22" y2="22" />
                    { for marks.iter().map(|m| mark_svg(m, xs(m.seq), m.seq == last, explained.is_some_and(|(a, b)| (a..=b).contains(&m.seq)), on_focus.clone())) }
                    { for refused.iter().map(|r| {
                        let x = xs(r.after_seq) + step / 2.0;
                        let label = format!("refused write to {} after revision {}: {} (it took no revision)", r.key, r.after_seq, r.error);
                        html! {
                            <g class="refused" tabindex="0" role="img" aria-label={label.clone()}>
                                <title>{ label }</title>
                                <text x={x.to_string()} y="10" text-anchor="middle">{ "✗" }</text>
                            </g>
                        }
                    }) }
                    { for watchers.iter().enumerate().map(|(i, w)| {
                        let y = 60 + 14 * i;
                        html! {
                            <g class="watch-row" aria-label={format!("watcher {} on {}: received {} revisions", w.id.0, w.patterns.join(" "), w.delivered.len())}>
                                <text class="wlabel" x="2" y={(y + 4).to_string()}>{ format!("w{}", w.id.0) }</text>
                                { for w.delivered.iter().filter(|d| (from..=to).contains(*d)).map(|d| html! {
                                    <rect class="tick" x={(xs(*d) - 3.0).to_string()} y={(y - 3).to_string()} width="6" height="6">
                                        <title>{ format!("watcher w{} received revision {d}", w.id.0) }</title>
                                    </rect>
                                }) }
                            </g>
                        }
                    }) }
                </svg>
            }
        }
        Some(Strip::Bins(bins)) => {
            let width = bins.len() as f64 * 6.0 + 20.0;
            let max = bins.iter().map(|b| b.kept + b.gone).max().unwrap_or(1).max(1) as f64;
            html! {
                <svg class="strip bins" viewBox={format!("0 0 {width} 60")} width={width.to_string()} role="group"
                     aria-label={format!("Revisions {from} to {to}, folded into {} groups", bins.len())}>
                    { for bins.iter().enumerate().map(|(i, b)| {
                        let x = 10.0 + i as f64 * 6.0;
                        let kept_h = 50.0 * b.kept as f64 / max;
                        let gone_h = 50.0 * b.gone as f64 / max;
                        let label = format!("revisions {} to {}: {} kept, {} gone, {} markers", b.first, b.last, b.kept, b.gone, b.markers);
                        html! {
                            <g class="bin" tabindex="0" role="img" aria-label={label.clone()}>
                                <title>{ label }</title>
                                <rect class="kept" x={x.to_string()} y={(55.0 - kept_h).to_string()} width="5" height={kept_h.to_string()} />
                                <rect class="gonebar" x={x.to_string()} y={(55.0 - kept_h - gone_h).to_string()} width="5" height={gone_h.to_string()} />
                            </g>
                        }
                    }) }
                </svg>
            }
        }
        None => html! {},
    };

    html! {
        <section class="timeline" aria-label="Timeline">
            { source }
            <div class="tl-head">
                <label>{ "Bucket " }
                    <select onchange={pick} aria-label="Bucket">
                        { for buckets.iter().map(|b| html!{ <option value={b.clone()} selected={*b == bucket}>{ b.clone() }</option> }) }
                    </select>
                </label>
                <label>{ "Show " }
                    <select onchange={zoom} aria-label="How many revisions to show">
                        { for [(20u64, "last 20"), (40, "last 40"), (120, "last 120"), (0, "all")].iter().map(|(v, l)| html!{ <option value={v.to_string()} selected={*v == win}>{ *l }</option> }) }
                    </select>
                </label>
                <span class="legend" aria-hidden="true">
                    <span class="chip put">{"PUT"}</span><span class="chip del">{"DEL"}</span><span class="chip purge">{"PURGE"}</span>
                    <span class="chip maxage">{"MaxAge"}</span><span class="chip put gone">{"gone"}</span><span class="refused-key">{"✗ refused"}</span>
                </span>
            </div>
            if let Some(x) = explain.as_ref().filter(|x| x.bucket == bucket) {
                <p class="explain" role="status">{ format!("Highlighted: {}", x.summary) }</p>
            }
            <div class="strip-wrap">{ strip }</div>
            <p class="focused" aria-live="polite">{ if focused.is_empty() { "Focus or hover a revision to read it.".to_string() } else { (*focused).clone() } }</p>
            <h4>{ "Keys" }</h4>
            <p class="lane-key-help">{ "Each row is a key: its revisions (dashed: gone), then kept/limit (1/3: one revision kept of the three the bucket's history keeps), latest N (the revision an update must name) and \"expires in\", the time left before the value expires." }</p>
            <ul class="lanes">{ for lanes.iter().map(lane_html) }</ul>
            <h4>{ "Time travel" }</h4>
            <div class="travel">
                <input type="range" min="1" max={last.max(1).to_string()} value={at.unwrap_or(last).to_string()} oninput={slide}
                       aria-label="Show the bucket as it was at revision" disabled={last == 0} />
                <span>{ match at { Some(n) => format!("bucket at revision {n} of {last} (read-only)"), None => format!("now (revision {last})") } }</span>
                if at.is_some() { <button type="button" onclick={now_btn}>{ "Return to now" }</button> }
            </div>
            if let Some(keys) = past {
                <table class="keys past">
                    <thead><tr><th scope="col">{"Key"}</th><th scope="col">{"Value then"}</th><th scope="col">{"History then"}</th></tr></thead>
                    <tbody>
                        { for keys.iter().map(|k| html! {
                            <tr>
                                <td>{ k.key.clone() }</td>
                                <td class="value">{ k.value.as_ref().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_else(|| "(no value)".into()) }</td>
                                <td>{ k.history.iter().map(|(s, kind)| format!("{s} {}", kind.label())).collect::<Vec<_>>().join(", ") }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </section>
    }
}
