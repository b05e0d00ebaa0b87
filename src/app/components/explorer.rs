//! The bucket explorer: every bucket with its configuration, its keys with value, revision and age, the keys
//! whose latest revision is a delete or purge marker (told apart from live keys), and the selected key's entry
//! and history. Values are shown as text, hex or base64, never as HTML.

use yew::prelude::*;

use crate::app::{real_now, Shared};
use crate::cli::format::{base64, humanize_duration, ibytes, timestamp};
use crate::engine::{Engine, Entry, Nanos, Operation};

/// The keys of a bucket whose latest kept revision is a delete or purge marker: (key, revision, operation,
/// written), oldest write first.
pub fn marker_keys(engine: &Engine, bucket: &str) -> Vec<(String, u64, Operation, Nanos)> {
    let Some(stream) = engine.bucket_stream(bucket) else { return Vec::new() };
    let prefix = format!("$KV.{bucket}.");
    // Each key's latest revision, in the stream's own order: the markers among them.
    let mut out = Vec::new();
    for m in stream.last_per_subject() {
        let Some(key) = m.subject.strip_prefix(&prefix) else { continue };
        let op = Operation::from_headers(&m.headers);
        if op != Operation::Put {
            out.push((key.to_string(), m.seq, op, m.time));
        }
    }
    out
}

/// How many keys of a bucket the explorer lists.
pub const LISTED_KEYS: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ValueView {
    Text,
    Hex,
    Base64,
}

/// A value as the chosen view shows it; text falls back to an escaped form for bytes that are not printable.
pub fn show_value(v: &[u8], view: ValueView) -> String {
    match view {
        ValueView::Text => match std::str::from_utf8(v) {
            Ok(s) if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => s.to_string(),
            _ => {
                v.iter()
                    .map(|b| {
                        if b.is_ascii_graphic() || *b == b' ' {
                            (*b as char).to_string()
                        } else {
                            format!("\\x{b:02x}")
                        }
                    })
                    .collect()
            }
        },
        ValueView::Hex => v.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "),
        ValueView::Base64 => base64(v),
    }
}

#[derive(Properties, PartialEq)]
pub struct ExplorerProps {
    pub shared: Shared,
    pub version: u64,
    /// Hidden panes skip their drawing.
    #[prop_or(true)]
    pub active: bool,
}

#[function_component(Explorer)]
pub fn explorer(p: &ExplorerProps) -> Html {
    let selected = use_state(|| None::<(String, String)>);
    let view = use_state(|| ValueView::Text);
    if !p.active {
        return html! {};
    }
    let pg = p.shared.0.borrow();
    let engine = pg.view();
    let now = pg.view_now(real_now());
    let tz = pg.session.display.tz_offset_secs;
    let buckets = engine.bucket_names();
    let source = pg.view_source();

    let view_buttons = {
        let mk = |v: ValueView, label: &str| {
            let view = view.clone();
            let pressed = *view == v;
            html! { <button type="button" aria-pressed={pressed.to_string()} onclick={Callback::from(move |_| view.set(v))}>{ label }</button> }
        };
        html! { <div class="views" role="group" aria-label="Show values as">{ mk(ValueView::Text, "Text") }{ mk(ValueView::Hex, "Hex") }{ mk(ValueView::Base64, "Base64") }</div> }
    };

    let bucket_html = |b: &String| -> Html {
        let Ok(st) = engine.view().status(b) else { return html! {} };
        let keys = engine.view().keys(b, &[]).unwrap_or_default();
        let total = keys.len();
        let rows = keys.iter().take(LISTED_KEYS).filter_map(|k| engine.view().get(b, k).ok()).map(|e: Entry| {
            let sel = selected.clone();
            let (bb, kk) = (b.clone(), e.key.clone());
            let is_sel = selected.as_ref().is_some_and(|(sb, sk)| sb == b && *sk == e.key);
            let onclick = Callback::from(move |_| sel.set(Some((bb.clone(), kk.clone()))));
            html! {
                <tr class={if is_sel { "selected" } else { "" }}>
                    <td><button type="button" class="keylink" {onclick} aria-pressed={is_sel.to_string()}>{ e.key.clone() }</button></td>
                    <td class="value">{ show_value(&e.value, *view) }</td>
                    <td class="num">{ e.revision }</td>
                    <td>{ humanize_duration(now.saturating_sub(e.created).max(0)) }</td>
                </tr>
            }
        });
        let markers = marker_keys(engine, b);
        let marker_rows = markers.iter().take(LISTED_KEYS).map(|(key, seq, op, written)| {
            let sel = selected.clone();
            let (bb, kk) = (b.clone(), key.clone());
            let is_sel = selected.as_ref().is_some_and(|(sb, sk)| sb == b && sk == key);
            let onclick = Callback::from(move |_| sel.set(Some((bb.clone(), kk.clone()))));
            let (class, what) = match op {
                Operation::Purge => ("marker purge", "PURGE marker: purged"),
                _ => ("marker del", "DEL marker: deleted"),
            };
            html! {
                <tr class={classes!(class, is_sel.then_some("selected"))} data-op={op.cli_name()}>
                    <td><button type="button" class="keylink" {onclick} aria-pressed={is_sel.to_string()}>{ key.clone() }</button></td>
                    <td class="value" title={if *op == Operation::Purge { "purged: the marker removed the key's older revisions" } else { "deleted: the key reads as not found" }}><span class="marker-label">{ what }</span></td>
                    <td class="num">{ *seq }</td>
                    <td>{ humanize_duration(now.saturating_sub(*written).max(0)) }</td>
                </tr>
            }
        });
        let c = &st.config;
        html! {
            <section class="bucket" aria-label={format!("Bucket {b}")}>
                <h3>{ b.clone() }</h3>
                <p class="cfg">
                    { format!("history {} · {} values · {} · revision {}", c.max_msgs_per_subject, st.values, ibytes(st.bytes), st.last_revision) }
                    if c.max_age > 0 { { format!(" · TTL {}", humanize_duration(c.max_age)) } }
                    if c.subject_delete_marker_ttl > 0 { { format!(" · marker TTL {}", humanize_duration(c.subject_delete_marker_ttl)) } }
                    if !c.description.is_empty() { <br/>{ c.description.clone() } }
                </p>
                if total == 0 {
                    <p class="empty">{ "No keys hold a value." }</p>
                }
                if total > 0 || !markers.is_empty() {
                    <table class="keys">
                        <thead><tr><th scope="col">{"Key"}</th><th scope="col">{"Value"}</th><th scope="col">{"Revision"}</th><th scope="col">{"Age"}</th></tr></thead>
                        <tbody>{ for rows }{ for marker_rows }</tbody>
                    </table>
                    if total > LISTED_KEYS { <p class="empty">{ format!("and {} more keys", total - LISTED_KEYS) }</p> }
                    if !markers.is_empty() {
                        <p class="cfg">{ "Struck-through keys were deleted or purged: the marker is their latest revision, so they read as not found and drop out of nats kv ls, but the bucket keeps the marker (and watch shows it)." }</p>
                    }
                }
            </section>
        }
    };

    let detail = selected.as_ref().and_then(|(b, k)| {
        let hist = engine.view().history(b, k).ok()?;
        Some(html! {
            <section class="detail" aria-label={format!("History of {b} > {k}")}>
                <h3>{ format!("{b} > {k}") }</h3>
                <ol class="history">
                    { for hist.iter().rev().map(|e| {
                        let op = match e.operation { Operation::Put => "put", Operation::Delete => "del", Operation::Purge => "purge" };
                        html! {
                            <li class={format!("rev {op}")}>
                                <span class="num">{ format!("rev {}", e.revision) }</span>
                                <span class="op">{ e.operation.cli_name() }</span>
                                if e.operation == Operation::Put { <span class="value">{ show_value(&e.value, *view) }</span> }
                                if let Some(r) = &e.marker_reason { <span class="reason">{ format!("({r})") }</span> }
                                <span class="when">{ timestamp(e.created, tz) }</span>
                            </li>
                        }
                    }) }
                </ol>
            </section>
        })
    });

    html! {
        <aside class="explorer" aria-label="Bucket explorer">
            <div class="explorer-head">
                <h2>{ "Buckets" }</h2>
                { view_buttons }
            </div>
            if let Some(s) = source {
                <p class="cfg">{ s }</p>
            }
            if buckets.is_empty() {
                <p class="empty">{ "No buckets yet. Try: nats kv add my-kv" }</p>
            }
            { for buckets.iter().map(bucket_html) }
            { detail.unwrap_or_default() }
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::KvBackend;
    use crate::engine::Config;

    #[test]
    fn deleted_and_purged_keys_are_listed_with_their_markers() {
        let mut e = crate::server::Standalone::embedded(0);
        e.create_bucket(&Config::new("b")).unwrap();
        e.put("b", "live", b"1").unwrap();
        e.put("b", "gone", b"2").unwrap();
        e.delete("b", "gone").unwrap();
        e.put("b", "wiped", b"3").unwrap();
        e.purge("b", "wiped", 0).unwrap();
        e.delete("b", "never").unwrap();
        let m: Vec<(String, u64, Operation)> = marker_keys(&e, "b").into_iter().map(|(k, s, o, _)| (k, s, o)).collect();
        assert_eq!(
            m,
            vec![
                ("gone".to_string(), 3, Operation::Delete),
                ("wiped".to_string(), 5, Operation::Purge),
                ("never".to_string(), 6, Operation::Delete)
            ]
        );
        e.put("b", "gone", b"back").unwrap();
        assert!(marker_keys(&e, "b").iter().all(|(k, ..)| k != "gone"), "a key written again is live");
    }
}
