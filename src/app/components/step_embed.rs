//! The compact one-step lesson embed (`?embed=lesson&lesson=..&step=N&compact=1`): the step's title, its
//! commands, one Run and the step's output, for a documentation page that explains that step. Each Run starts
//! from an empty server and first runs, quietly, the earlier steps this one builds on (their output is not
//! shown), so the step's own output is what the document shows, never a `bucket not found` from a skipped step.

use yew::prelude::*;

use crate::app::{real_now, Playground, Shared};
use crate::lesson::StepStatus;

#[derive(Properties, PartialEq)]
pub struct StepEmbedProps {
    pub shared: Shared,
    /// Zero-based.
    pub step: usize,
    pub on_change: Callback<()>,
}

/// What one Run of the compact embed shows: the step's own transcript and its verdict.
#[derive(Clone, PartialEq)]
struct Ran {
    output: String,
    status: StepStatus,
    /// How many earlier steps ran first, quietly.
    quiet: usize,
}

/// Runs step `i` on a fresh server after the steps it builds on (exercises among them solved), and returns what
/// the step itself printed.
fn run_alone(pg: &mut Playground, i: usize) -> Option<Ran> {
    let real = real_now();
    pg.reset_server(real);
    let before = {
        let (_, run) = pg.lesson.as_ref()?;
        run.prerequisites(i)
            .into_iter()
            .map(|j| (j, run.lesson.steps.get(j).is_some_and(|s| s.exercise.is_some())))
            .collect::<Vec<_>>()
    };
    for &(j, solve) in &before {
        pg.run_step(j, real, solve);
    }
    let report = pg.run_step(i, real, false)?;
    Some(Ran { output: report.transcript(), status: report.status, quiet: before.len() })
}

#[function_component(StepEmbed)]
pub fn step_embed(p: &StepEmbedProps) -> Html {
    let ran = use_state(|| None::<Ran>);
    let step = p.shared.0.borrow().lesson.as_ref().and_then(|(_, run)| run.lesson.steps.get(p.step).cloned());
    let Some(step) = step else {
        return html! { <p class="verdict fail" role="alert">{ "This lesson has no such step." }</p> };
    };
    let run = {
        let shared = p.shared.clone();
        let ran = ran.clone();
        let on_change = p.on_change.clone();
        let i = p.step;
        Callback::from(move |_: MouseEvent| {
            let r = run_alone(&mut shared.0.borrow_mut(), i);
            ran.set(r);
            on_change.emit(());
        })
    };
    let commands: Vec<String> = step.commands.iter().map(|c| format!("$ {}", c.line)).collect();
    let verdict = (*ran).as_ref().map(|r| match r.status {
        StepStatus::Pass | StepStatus::Shown => ("verdict pass", "as the lesson shows"),
        StepStatus::Drift => ("verdict drift", "as the lesson shows, in today's form"),
        _ => ("verdict fail", "differs from what the lesson shows"),
    });
    html! {
        <section class="snippet step-embed" aria-label={format!("Lesson step: {}", step.title)}>
            <h2 class="step-embed-title">{ step.title.clone() }</h2>
            if !commands.is_empty() {
                <pre class="cmdline"><code>{ commands.join("\n") }</code></pre>
            }
            <div class="snippet-actions">
                <button type="button" class="primary" onclick={run}>{ "Run" }</button>
                <span class="snippet-note">{ "runs in this page on an embedded NATS KV server" }</span>
            </div>
            if let Some(r) = (*ran).as_ref() {
                if r.quiet > 0 {
                    <p class="snippet-note">{ format!("(first ran the {} earlier step{} this one builds on)", r.quiet, if r.quiet == 1 { "" } else { "s" }) }</p>
                }
                <pre class="snippet-out" role="log" aria-live="polite">{ r.output.clone() }</pre>
            }
            if let Some((class, text)) = verdict {
                <p class={class}>{ text }</p>
            }
        </section>
    }
}
