//! The snippet embed: a few commands with a Run button and their output, optionally with the timeline, for a
//! documentation page. Each run starts from an empty server, so the snippet always shows the same thing.

use yew::prelude::*;

use super::timeline::Timeline;
use crate::app::{real_now, Shared};

#[derive(Properties, PartialEq)]
pub struct EmbedSnippetProps {
    pub shared: Shared,
    pub commands: Vec<String>,
    pub version: u64,
    pub timeline: bool,
    pub on_change: Callback<()>,
}

#[function_component(EmbedSnippet)]
pub fn embed_snippet(p: &EmbedSnippetProps) -> Html {
    let output = use_state(String::new);
    let run = {
        let shared = p.shared.clone();
        let output = output.clone();
        let cmds = p.commands.clone();
        let on_change = p.on_change.clone();
        Callback::from(move |_: MouseEvent| {
            let t = shared.0.borrow_mut().replay(&cmds, real_now());
            output.set(t);
            on_change.emit(());
        })
    };
    html! {
        <section class="snippet" aria-label="NATS KV example">
            <pre class="cmdline"><code>{ p.commands.iter().map(|c| format!("$ {c}")).collect::<Vec<_>>().join("\n") }</code></pre>
            <div class="snippet-actions">
                <button type="button" class="primary" onclick={run}>{ "Run" }</button>
                <span class="snippet-note">{ "runs in this page on an embedded NATS KV server" }</span>
            </div>
            if !output.is_empty() {
                <pre class="snippet-out" role="log" aria-live="polite">{ (*output).clone() }</pre>
            }
            if p.timeline && !output.is_empty() {
                <Timeline shared={p.shared.clone()} version={p.version} active=true />
            }
        </section>
    }
}
