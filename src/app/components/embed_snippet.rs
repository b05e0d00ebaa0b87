//! The snippet embed: a few commands with a Run button and their output, optionally with the timeline, for a
//! documentation page. Each run starts from an empty server, so the snippet always shows the same thing. The
//! output is the terminal's scrollback, so commands the host page sends show there too and its Reset clears it.

use yew::prelude::*;

use crate::app::term_state::{TermAction, TermState};
use crate::app::{real_now, Shared};

#[derive(Properties, PartialEq)]
pub struct EmbedSnippetProps {
    pub shared: Shared,
    pub commands: Vec<String>,
    pub version: u64,
    /// What shows under the output once the snippet ran (the whole app's timeline, when asked for).
    #[prop_or_default]
    pub below: Html,
    pub term: UseReducerHandle<TermState>,
    pub on_change: Callback<()>,
}

#[function_component(EmbedSnippet)]
pub fn embed_snippet(p: &EmbedSnippetProps) -> Html {
    let output: String = p.term.lines.iter().map(|l| format!("{}\n", l.text)).collect();
    let run = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let cmds = p.commands.clone();
        let on_change = p.on_change.clone();
        Callback::from(move |_: MouseEvent| {
            let t = shared.0.borrow_mut().replay(&cmds, real_now());
            term.dispatch(TermAction::Batch(vec![TermAction::Clear, TermAction::Transcript(t)]));
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
                <pre class="snippet-out" role="log" aria-live="polite">{ output.clone() }</pre>
            }
            if !output.is_empty() {
                { p.below.clone() }
            }
        </section>
    }
}
