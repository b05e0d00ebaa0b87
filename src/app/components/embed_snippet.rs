//! The snippet embed: a few commands with a Run button and their output, optionally with the timeline, for a
//! documentation page. Each run starts from an empty server, so the snippet always shows the same thing. The
//! output is the terminal's scrollback, so commands the host page sends show there too and its Reset clears it.

use yew::prelude::*;

use crate::app::store::{Action, Dispatch, PageState};
use crate::app::Shared;

#[derive(Properties, PartialEq)]
pub struct EmbedSnippetProps {
    pub shared: Shared,
    pub commands: Vec<String>,
    pub version: u64,
    /// What shows under the output once the snippet ran (the whole app's timeline, when asked for).
    #[prop_or_default]
    pub below: Html,
    pub store: UseReducerHandle<PageState>,
    pub d: Dispatch,
}

#[function_component(EmbedSnippet)]
pub fn embed_snippet(p: &EmbedSnippetProps) -> Html {
    let output: String = p.store.term.lines.iter().map(|l| format!("{}\n", l.text)).collect();
    let run = {
        let cmds = p.commands.clone();
        p.d.callback(move |_: MouseEvent| Action::RunSnippet(cmds.clone()))
    };
    html! {
        <section class="snippet" aria-label="NATS KV example">
            <pre class="cmdline"><code>{ p.commands.iter().map(|c| format!("$ {c}")).collect::<Vec<_>>().join("\n") }</code></pre>
            <div class="snippet-actions">
                <button type="button" class="primary" onclick={run}>{ "Run" }</button>
                <span class="snippet-note">{ "runs in this page on an embedded NATS KV server" }</span>
            </div>
            if !output.is_empty() {
                <pre class="snippet-out" role="log" aria-live="polite">{ output.clone() }</pre>
            }
            if !output.is_empty() {
                { p.below.clone() }
            }
        </section>
    }
}
