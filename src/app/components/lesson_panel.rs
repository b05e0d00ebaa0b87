//! The lesson panel: pick a lesson, follow its steps, run one or all of them through the terminal, and see the
//! document's output beside the playground's, with differences highlighted and explained. It renders the open
//! lesson and dispatches the learner's verbs; the lesson's lifecycle (progress kept, programs counted, the
//! address bar) is `app::lesson_life`'s.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use super::lesson_step::StepView;
use crate::app::handoff::{self, Intent};
use crate::app::lesson_life::{use_lesson_lifecycle, OpenLesson};
use crate::app::steps::needs_whole_app;
use crate::app::store::{Action, Dispatch};
use crate::app::Shared;
use crate::lesson::runner::{StepReport, StepStatus};

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub shared: Shared,
    pub version: u64,
    pub d: Dispatch,
    /// The step a link asked for.
    #[prop_or_default]
    pub initial_step: usize,
    /// In a small module: asks the page for the whole app, to run what needs it (a step's or a cell's program).
    #[prop_or_default]
    pub want: Option<Callback<Intent>>,
}

fn status_mark(s: Option<StepStatus>, done_before: bool) -> (&'static str, &'static str, &'static str) {
    match s {
        Some(StepStatus::Pass) => ("✓", "pass", "passed"),
        Some(StepStatus::Drift) => ("≈", "drift", "differs, explained"),
        Some(StepStatus::Fail) => ("✗", "fail", "failed"),
        Some(StepStatus::Pending) => ("…", "pending", "exercise not done yet"),
        Some(StepStatus::Solved) => ("◐", "solved", "solved for you"),
        Some(StepStatus::Shown) => ("•", "shown", "nothing to run"),
        Some(StepStatus::Waiting) => ("…", "waiting", "its program has not run yet"),
        None if done_before => ("✓", "pass", "done earlier"),
        None => ("○", "todo", "not run"),
    }
}

/// The built-in lessons to choose from, each button calling `open` with the lesson's name (the first load draws
/// the same list).
pub fn lesson_list(open: impl Fn(&'static str) -> Callback<MouseEvent>) -> Html {
    html! {
        <section class="lesson" aria-label="Lessons">
            <h2 tabindex="-1">{ "Lessons" }</h2>
            <p>{ "Work through a walkthrough step by step: each step's commands run in the terminal, and the document's output is shown above the playground's. Take the steps in order or jump around: a step says what it builds on." }</p>
            <ul class="lesson-list">
                <li><button type="button" onclick={open("cli")}>{ "Key-Value with the nats CLI" }</button></li>
                <li><button type="button" onclick={open("python")}>{ "Key-Value from Python" }</button></li>
            </ul>
        </section>
    }
}

#[function_component(LessonPanel)]
pub fn lesson_panel(p: &LessonPanelProps) -> Html {
    let (lesson_name, current, done_now) = {
        let pg = p.shared.0.borrow();
        match pg.lesson.as_ref() {
            Some((n, run)) => (Some(n.clone()), run.current, run.done.clone()),
            None => (None, 0, BTreeSet::new()),
        }
    };
    let keeps = p.shared.0.borrow().persist;

    use_lesson_lifecycle(
        &p.shared,
        &p.d,
        p.initial_step,
        p.want.is_some(),
        OpenLesson { name: lesson_name.clone(), current, done: done_now, keeps },
    );

    let open = |name: &'static str| p.d.callback(move |_: MouseEvent| Action::OpenLesson(name.to_string()));

    let Some(_) = lesson_name else {
        return lesson_list(open);
    };

    let pg = p.shared.0.borrow();
    let Some((_, run)) = pg.lesson.as_ref() else { return html! {} };
    let lesson = Rc::new(run.lesson.clone());
    let reports: Vec<Option<StepReport>> = run.reports.clone();
    let done = run.done.clone();
    let count = lesson.steps.len();
    let cur = run.current.min(count.saturating_sub(1));
    let missing = run.missing_before(cur);
    let typed = run.typed_count();
    drop(pg);
    let step = lesson.steps.get(cur).map(|_| cur);
    let report = reports.get(cur).cloned().flatten();

    // A small module has no Python and no `--trace`: the whole app takes over and runs steps that need them.
    let verb = |ask: Intent, programs: bool, action: fn(usize) -> Action| {
        let (d, want) = (p.d.clone(), p.want.clone());
        Callback::from(move |_: ()| match (&want, programs) {
            (Some(want), true) => want.emit(ask.clone()),
            _ => d.dispatch(action(cur)),
        })
    };
    let run_step = verb(Intent::Step(cur), needs_whole_app(&lesson, cur), Action::RunStep);
    // Runs the steps this one builds on, in order (an exercise among them is solved for the learner).
    let run_before =
        verb(Intent::RunBefore(cur), missing.iter().any(|&i| needs_whole_app(&lesson, i)), Action::RunStepsBefore);
    let run_all = verb(Intent::RunAll, (0..count).any(|i| needs_whole_app(&lesson, i)), |_| Action::RunAll);

    // The whole app, taking over from a lesson embed whose visitor pressed Run step, Run all or "Run those
    // steps first" in a lesson with programs: do it now.
    {
        let (run_step, run_before, run_all) = (run_step.clone(), run_before.clone(), run_all.clone());
        use_effect_with((), move |_| {
            let pending =
                handoff::take_pending(|i| matches!(i, Intent::Step(_) | Intent::RunBefore(_) | Intent::RunAll));
            match pending {
                Some(Intent::Step(i)) | Some(Intent::RunBefore(i)) if i != cur => {}
                Some(Intent::Step(_)) => run_step.emit(()),
                Some(Intent::RunBefore(_)) => run_before.emit(()),
                Some(Intent::RunAll) => run_all.emit(()),
                _ => {}
            }
        });
    }

    let reset = p.d.callback(|_: MouseEvent| Action::ResetLesson);
    let close = p.d.callback(|_: MouseEvent| Action::CloseLesson);
    let go_to = p.d.callback(Action::GoToStep);
    let go = |to: usize| go_to.reform(move |_: MouseEvent| to);

    let step_list = html! {
        <ol class="steps" aria-label="Steps">
            { for lesson.steps.iter().enumerate().map(|(i, s)| {
                let (mark, class, label) = status_mark(reports.get(i).cloned().flatten().map(|r| r.status), done.contains(&i));
                let current = i == cur;
                html! {
                    <li class={classes!("step", class, current.then_some("current"))}>
                        <button type="button" onclick={go(i)} aria-current={current.then_some("step")}>
                            <span class="mark" aria-label={label} title={label}>{ mark }</span>
                            { s.title.clone() }
                        </button>
                    </li>
                }
            }) }
        </ol>
    };

    let passed = (0..count).filter(|i| done.contains(i)).count();
    html! {
        <section class="lesson" aria-label="Lesson">
            <div class="lesson-head">
                <h2 tabindex="-1">{ lesson.title.clone() }</h2>
                <div class="lesson-actions">
                    <button type="button" onclick={run_all.reform(|_: MouseEvent| ())}>{ "Run all" }</button>
                    <button type="button" onclick={reset}>{ "Reset" }</button>
                    <button type="button" onclick={close}>{ "Lessons" }</button>
                </div>
            </div>
            <p class="progress" aria-live="polite">{ format!("{passed} of {count} steps done") }</p>
            { step_list }
            if step.is_some() {
                <StepView key={cur} shared={p.shared.clone()} lesson={lesson.clone()} ns={lesson_name.clone().unwrap_or_default()}
                    {cur} report={report.clone()} missing={missing.clone()} {typed} d={p.d.clone()}
                    run_step={run_step.clone()} run_before={run_before.clone()} go={go_to.clone()} want={p.want.clone()} />
            }
        </section>
    }
}
