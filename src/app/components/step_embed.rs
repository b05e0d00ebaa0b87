//! The compact one-step lesson embed (`?embed=lesson&lesson=..&step=N&compact=1`): the step's title, its
//! commands and programs, one Run and the step's output, for a documentation page that explains that step. Each
//! Run starts from an empty server and first runs, quietly, the earlier steps this one builds on (their output
//! is not shown), so the step's own output is what the document shows, never a `bucket not found` from a
//! skipped step. A step with Python programs runs them in the whole app (a small module's Run hands over to it,
//! which goes on in the same compact view).

use yew::prelude::*;

use super::cell_preview::CellSpec;
use crate::app::handoff::{self, Intent};
use crate::app::steps::StepRunner;
use crate::app::term_state::TermState;
use crate::app::{real_now, Playground, Shared};
use crate::lesson::runner::program_filename;
use crate::lesson::StepStatus;

#[derive(Properties, PartialEq)]
pub struct StepEmbedProps {
    pub shared: Shared,
    /// Zero-based.
    pub step: usize,
    pub on_change: Callback<()>,
    /// In a small module: asks the whole app to run a step with programs.
    #[prop_or_default]
    pub want: Option<Callback<Intent>>,
}

/// What one Run of the compact embed shows: the step's own transcript and its verdict.
#[derive(Clone, PartialEq)]
struct Ran {
    output: String,
    /// None while the step's programs run.
    status: Option<StepStatus>,
    /// How many earlier steps ran first, quietly.
    quiet: usize,
}

/// The steps step `i` builds on, each with whether it is an exercise (solved for the reader).
fn before(pg: &Playground, i: usize) -> Vec<(usize, bool)> {
    let Some((_, run)) = pg.lesson.as_ref() else { return Vec::new() };
    run.prerequisites(i)
        .into_iter()
        .map(|j| (j, run.lesson.steps.get(j).is_some_and(|s| s.exercise.is_some())))
        .collect()
}

/// Runs step `i` on a fresh server after the steps it builds on (exercises among them solved), and returns what
/// the step itself printed: for steps without programs, which run at once.
fn run_alone(pg: &mut Playground, i: usize) -> Option<Ran> {
    let real = real_now();
    pg.reset_server(real);
    let before = before(pg, i);
    for &(j, solve) in &before {
        pg.run_step(j, real, solve);
    }
    let report = pg.run_step(i, real, false)?;
    Some(Ran { output: report.transcript(), status: Some(report.status), quiet: before.len() })
}

#[function_component(StepEmbed)]
pub fn step_embed(p: &StepEmbedProps) -> Html {
    let ran = use_state(|| None::<Ran>);
    // The terminal the step's commands would be echoed to: kept, never shown (the step's output is below).
    let term = use_reducer(TermState::default);
    let (step, ns) = {
        let pg = p.shared.0.borrow();
        let (ns, run) = match pg.lesson.as_ref() {
            Some((ns, run)) => (ns.clone(), Some(run)),
            None => (String::new(), None),
        };
        (run.and_then(|run| run.lesson.steps.get(p.step).cloned()), ns)
    };
    let programs = step.as_ref().is_some_and(|s| !s.python.is_empty());
    let run = {
        let shared = p.shared.clone();
        let ran = ran.clone();
        let on_change = p.on_change.clone();
        let want = p.want.clone();
        let term = term.dispatcher();
        let i = p.step;
        Callback::from(move |_: ()| {
            if !programs {
                let r = run_alone(&mut shared.0.borrow_mut(), i);
                ran.set(r);
                on_change.emit(());
                return;
            }
            // Python needs the whole app; it takes over and runs the step (below) in this same view.
            if let Some(want) = &want {
                want.emit(Intent::Step(i));
                return;
            }
            let quiet = {
                let mut pg = shared.0.borrow_mut();
                pg.reset_server(real_now());
                if let Some((_, run)) = pg.lesson.as_mut() {
                    // The programs themselves run, in their cells: their KV operations are not replayed.
                    run.real_programs = true;
                    run.clear_results();
                }
                before(&pg, i)
            };
            ran.set(Some(Ran { output: String::new(), status: None, quiet: quiet.len() }));
            let solve: std::rc::Rc<dyn Fn(usize) -> bool> = {
                let exercises: Vec<usize> = quiet.iter().filter(|(_, e)| *e).map(|(j, _)| *j).collect();
                std::rc::Rc::new(move |j| exercises.contains(&j))
            };
            let steps = quiet.iter().map(|(j, _)| *j).chain([i]).collect();
            // Once the last program has ended: the step's own report (its commands' transcript).
            let done = {
                let (shared, ran, on_change, n) = (shared.clone(), ran.clone(), on_change.clone(), quiet.len());
                std::rc::Rc::new(move || {
                    let report =
                        shared.0.borrow().lesson.as_ref().and_then(|(_, run)| run.reports.get(i).cloned().flatten());
                    let output = report
                        .as_ref()
                        .map(|r| r.commands.iter().map(|c| c.transcript.as_str()).collect())
                        .unwrap_or_default();
                    ran.set(Some(Ran { output, status: Some(StepStatus::Shown), quiet: n }));
                    on_change.emit(());
                })
            };
            let runner = StepRunner { shared: shared.clone(), term: term.clone(), on_change: on_change.clone() };
            runner.run_in_order_then(steps, solve, i, Box::new(move || done()));
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
    let verdict = (*ran).as_ref().and_then(|r| r.status).filter(|_| !programs).map(|s| match s {
        StepStatus::Pass | StepStatus::Shown => ("verdict pass", "as the lesson shows"),
        StepStatus::Drift => ("verdict drift", "as the lesson shows, in today's form"),
        _ => ("verdict fail", "differs from what the lesson shows"),
    });
    let code_cell = p.shared.0.borrow().parts.code_cell;
    let running = (*ran).as_ref().is_some_and(|r| r.status.is_none());
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
            })) }
            <div class="snippet-actions">
                <button type="button" class="primary" disabled={running} onclick={run.reform(|_: MouseEvent| ())}>{ if programs { "Run step" } else { "Run" } }</button>
                <span class="snippet-note">{ if programs {
                    "runs in this page: Python (nats-py) against an embedded NATS server"
                } else {
                    "runs in this page on an embedded NATS KV server"
                } }</span>
            </div>
            if let Some(r) = (*ran).as_ref() {
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
