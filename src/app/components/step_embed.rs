//! The compact one-step lesson embed (`?embed=lesson&lesson=..&step=N&compact=1`): the step's title, its
//! commands and programs, one Run and the step's output, for a documentation page that explains that step. Each
//! Run starts from an empty server and first runs, quietly, the earlier steps this one builds on (their output
//! is not shown), so the step's own output is what the document shows, never a `bucket not found` from a
//! skipped step. A step with Python programs runs them in the whole app (a small module's Run hands over to it,
//! which goes on in the same compact view).

use yew::prelude::*;

use super::cell_preview::CellSpec;
use crate::app::handoff::{self, Intent};
use crate::app::store::{Action, Alone, Dispatch};
use crate::app::Shared;
use crate::lesson::runner::program_filename;
use crate::lesson::StepStatus;

#[derive(Properties, PartialEq)]
pub struct StepEmbedProps {
    pub shared: Shared,
    /// Zero-based.
    pub step: usize,
    /// What the last Run showed (the store's).
    pub alone: Option<Alone>,
    pub d: Dispatch,
    /// In a small module: asks the whole app to run a step with programs.
    #[prop_or_default]
    pub want: Option<Callback<Intent>>,
}

#[function_component(StepEmbed)]
pub fn step_embed(p: &StepEmbedProps) -> Html {
    let ran = &p.alone;
    let (step, ns) = {
        let pg = p.shared.0.borrow();
        let (ns, run) = match pg.lesson.as_ref() {
            Some((ns, run)) => (ns.clone(), Some(run)),
            None => (String::new(), None),
        };
        (run.and_then(|run| run.lesson.steps.get(p.step).cloned()), ns)
    };
    // Python, or a command that asks for `--trace`, needs the whole app.
    let programs = step
        .as_ref()
        .is_some_and(|s| !s.python.is_empty() || s.commands.iter().any(|c| crate::cli::trace::asks_for_trace(&c.line)));
    let run = {
        let (d, want, i) = (p.d.clone(), p.want.clone(), p.step);
        Callback::from(move |_: ()| match (&want, programs) {
            // The whole app takes over and runs the step in this same view.
            (Some(want), true) => want.emit(Intent::Step(i)),
            _ => d.dispatch(Action::RunStepAlone(i)),
        })
    };
    // The whole app, taking over from the small module whose reader pressed Run: run it now.
    {
        let (run, i) = (run.clone(), p.step);
        use_effect_with((), move |_| {
            if let Some(Intent::Step(j)) = handoff::take_pending(|x| matches!(x, Intent::Step(_))) {
                if j == i {
                    run.emit(());
                }
            }
        });
    }
    let Some(step) = step else {
        return html! { <p class="verdict fail" role="alert">{ "This lesson has no such step." }</p> };
    };
    let commands: Vec<String> = step.commands.iter().map(|c| format!("$ {}", c.line)).collect();
    let verdict = ran.as_ref().and_then(|r| r.status).filter(|_| !programs).map(|s| match s {
        StepStatus::Pass | StepStatus::Shown => ("verdict pass", "as the lesson shows"),
        StepStatus::Drift => ("verdict drift", "as the lesson shows, in today's form"),
        _ => ("verdict fail", "differs from what the lesson shows"),
    });
    let code_cell = p.shared.0.borrow().parts.code_cell;
    let running = ran.as_ref().is_some_and(|r| r.status.is_none());
    html! {
        <section class="snippet step-embed" aria-label={format!("Lesson step: {}", step.title)}>
            <h2 class="step-embed-title">{ step.title.clone() }</h2>
            if !commands.is_empty() {
                <pre class="cmdline"><code>{ commands.join("\n") }</code></pre>
            }
            { for step.python.iter().enumerate().map(|(k, part)| code_cell(&CellSpec {
                shared: p.shared.clone(),
                lang: "python",
                ns: ns.clone().into(),
                id: format!("{ns}/{}/{k}", p.step).into(),
                filename: program_filename(p.step, k).into(),
                code: part.code.clone().into(),
                expected: part.expected.clone().map(Into::into),
                step_runs: true,
                want: p.want.clone(),
                d: p.d.clone(),
            })) }
            <div class="snippet-actions">
                <button type="button" class="primary" disabled={running} onclick={run.reform(|_: MouseEvent| ())}>{ if programs { "Run step" } else { "Run" } }</button>
                <span class="snippet-note">{ if programs {
                    "runs in this page: Python (nats-py) against an embedded NATS server"
                } else {
                    "runs in this page on an embedded NATS KV server"
                } }</span>
            </div>
            if let Some(r) = ran.as_ref() {
                if r.quiet > 0 {
                    <p class="snippet-note">{ format!("({} the {} earlier step{} this one builds on)",
                        if running { "first running" } else { "first ran" }, r.quiet, if r.quiet == 1 { "" } else { "s" }) }</p>
                }
                if !r.output.is_empty() {
                    <pre class="snippet-out" role="log" aria-live="polite">{ r.output.clone() }</pre>
                }
            }
            if let Some((class, text)) = verdict {
                <p class={class}>{ text }</p>
            }
        </section>
    }
}
