//! The lesson panel: pick a lesson, follow its steps, run one or all of them through the terminal, and see the
//! document's output beside the playground's, with differences highlighted and explained. Progress is kept in
//! the browser's storage, and the address bar names the lesson and step so a link opens the same place.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use super::lesson_step::{step_names, StepView};
use crate::app::handoff::{self, Intent};
use crate::app::steps::{self, has_programs, StepRunner};
use crate::app::term_state::{TermAction, TermState};
use crate::app::Shared;
use crate::lesson::runner::{StepReport, StepStatus};

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub shared: Shared,
    pub version: u64,
    pub term: UseReducerDispatcher<TermState>,
    pub on_change: Callback<()>,
    /// The step a link asked for.
    #[prop_or_default]
    pub initial_step: usize,
    /// In a small module: asks the page for the whole app, to run what needs it (a step's or a cell's program).
    #[prop_or_default]
    pub want: Option<Callback<Intent>>,
}

fn progress_key(lesson: &str) -> String {
    format!("kvplay.progress.{lesson}")
}

/// Steps completed earlier, as stored ("0,2,3"); unreadable data, or no storage, counts as no progress.
pub fn load_progress(lesson: &str) -> BTreeSet<usize> {
    crate::app::storage_get(&progress_key(lesson))
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default()
}

fn save_progress(lesson: &str, done: &BTreeSet<usize>) {
    let s: Vec<String> = done.iter().map(|n| n.to_string()).collect();
    crate::app::storage_set(&progress_key(lesson), &s.join(","));
}

/// Writes `?lesson=NAME&step=N` into the address bar without reloading; the address's other parameters (an
/// embed's `embed`, `compact`, `theme`) stay, so the whole app taking over from an embed is an embed too.
fn set_link(lesson: &str, step: usize) {
    if let Some(w) = web_sys::window() {
        if let Ok(h) = w.history() {
            // The lesson's address keeps its own query string: it is written escaped.
            let name = js_sys::encode_uri_component(lesson).as_string().unwrap_or_default();
            let search = w.location().search().unwrap_or_default();
            let others = search
                .trim_start_matches('?')
                .split('&')
                .filter(|p| !p.is_empty() && !p.starts_with("lesson=") && !p.starts_with("step="))
                .fold(String::new(), |acc, p| acc + "&" + p);
            let url = format!("?lesson={name}&step={}{others}", step + 1);
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
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

/// What the panel keeps in step with the open lesson: its stored progress loaded (and the step a link asked for
/// shown) when it opens, its programs counted as they end, its progress stored, the focus kept when the button
/// pressed went away, and the address bar on the lesson and step.
#[hook]
fn use_lesson_lifecycle(
    p: &LessonPanelProps,
    lesson_name: Option<String>,
    current: usize,
    done_now: BTreeSet<usize>,
    keeps: bool,
) {
    let initial = use_mut_ref(|| Some(p.initial_step));
    // Whenever another lesson opens: load its stored progress, and go to the step the link asked for.
    {
        let shared = p.shared.clone();
        let on_change = p.on_change.clone();
        use_effect_with(lesson_name.clone(), move |name| {
            if let Some(name) = name {
                let stored = if keeps { load_progress(name) } else { BTreeSet::new() };
                if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
                    run.done.extend(stored);
                    if let Some(step) = initial.borrow_mut().take() {
                        run.select(step);
                    }
                }
                on_change.emit(());
            }
        });
    }
    // The whole app runs the lesson's programs with real Python and counts each that ends, whichever Run ran it.
    {
        let (shared, on_change, term, small) =
            (p.shared.clone(), p.on_change.clone(), p.term.clone(), p.want.is_some());
        use_effect_with(lesson_name.clone(), move |name| {
            let watch = shared.0.borrow().parts.watch_programs;
            if let (Some(name), false) = (name.clone(), small) {
                if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
                    run.real_programs = true;
                }
                let f: crate::app::ProgramEnded =
                    Rc::new(move |id: &str, printed: &str, tb: Option<&str>, code: &str| {
                        let Some((i, k)) = id
                            .strip_prefix(&format!("{name}/"))
                            .and_then(|r| r.split_once('/'))
                            .and_then(|(i, k)| Some((i.parse::<usize>().ok()?, k.parse::<usize>().ok()?)))
                        else {
                            return;
                        };
                        let mut note = None;
                        if let Ok(mut pg) = shared.0.try_borrow_mut() {
                            let mut counted = false;
                            if let Some((n, run)) = pg.lesson.as_mut().filter(|(n, _)| *n == name) {
                                let was = run.done.contains(&i);
                                let r = run.program_ran(i, k, printed, tb, code);
                                // A program that completes its step's report is a verdict.
                                counted = r.is_some();
                                if !was && run.done.contains(&i) {
                                    let title = run.lesson.steps.get(i).map(|s| s.title.clone()).unwrap_or_default();
                                    note =
                                        Some(format!("(lesson {n}: step {} \"{title}\" done: its program ran)", i + 1));
                                }
                                drop(r);
                            }
                            if counted {
                                crate::app::workshop::verdict(i);
                            }
                        }
                        if let Some(n) = note {
                            term.dispatch(TermAction::Note(n));
                        }
                        on_change.emit(());
                    });
                watch(Some(f));
            }
            move || watch(None)
        });
    }
    // Keep the progress (read when the effect runs, so a load just before is not undone).
    {
        let shared = p.shared.clone();
        use_effect_with((lesson_name.clone(), done_now), move |(name, _)| {
            if let (Some(name), true) = (name, keeps) {
                if let Some((_, run)) = shared.0.borrow().lesson.as_ref() {
                    save_progress(name, &run.done);
                }
            }
        });
    }
    // A lesson opened or closed from the keyboard: the button pressed is gone, so the focus goes to the new
    // heading rather than to the page (never taken from anywhere else, such as the terminal).
    // Never in a frame: focusing there would scroll the host page to the embed (embeds are guests).
    use_effect_with(lesson_name.clone(), |_| {
        if crate::app::host::in_frame() {
            return;
        }
        let doc = web_sys::window().and_then(|w| w.document());
        if let Some(doc) = doc {
            let lost = doc.active_element().is_none_or(|a| doc.body().is_some_and(|b| *b == a));
            if lost {
                let heading = doc
                    .query_selector(".side section.lesson h2")
                    .ok()
                    .flatten()
                    .and_then(|h| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(h).ok());
                if let Some(h) = heading {
                    let _ = h.focus();
                }
            }
        }
    });
    // Keep the address bar on the current lesson and step.
    {
        let name = lesson_name.clone();
        use_effect_with((name, current), move |(name, step)| {
            if let Some(n) = name {
                set_link(n, *step);
            }
        });
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

    use_lesson_lifecycle(p, lesson_name.clone(), current, done_now, keeps);

    let open = {
        let shared = p.shared.clone();
        let on_change = p.on_change.clone();
        move |name: &'static str| {
            let shared = shared.clone();
            let on_change = on_change.clone();
            Callback::from(move |_| {
                shared.0.borrow_mut().open_lesson(name);
                on_change.emit(());
            })
        }
    };

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

    let run_step = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        let want = p.want.clone();
        Callback::from(move |_: ()| {
            // A small module has no Python: the whole app takes over and runs the step's programs.
            let programs = shared.0.borrow().lesson.as_ref().is_some_and(|(_, run)| has_programs(&run.lesson, cur));
            if let (Some(want), true) = (&want, programs) {
                want.emit(Intent::Step(cur));
                return;
            }
            StepRunner { shared: shared.clone(), term: term.clone(), on_change: on_change.clone() }.run(
                cur,
                false,
                Box::new(|| {}),
            );
        })
    };

    // Runs the steps this one builds on, in order (an exercise among them is solved for the learner).
    let run_before = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        let steps = missing.clone();
        let lesson = lesson.clone();
        let want = p.want.clone();
        Callback::from(move |_: ()| {
            // A small module has no Python: the whole app takes over and runs them.
            if let (Some(want), true) = (&want, steps.iter().any(|&i| has_programs(&lesson, i))) {
                want.emit(Intent::RunBefore(cur));
                return;
            }
            let exercises: BTreeSet<usize> =
                lesson.steps.iter().enumerate().filter(|(_, s)| s.exercise.is_some()).map(|(i, _)| i).collect();
            let solve = move |i: usize| exercises.contains(&i);
            term.dispatch(TermAction::Note(format!(
                "(running the steps this one builds on: {})",
                step_names(&lesson, &steps)
            )));
            let solve: Rc<dyn Fn(usize) -> bool> = Rc::new(solve);
            StepRunner { shared: shared.clone(), term: term.clone(), on_change: on_change.clone() }.run_in_order(
                steps.iter().copied().collect(),
                solve,
                cur,
            );
        })
    };

    let run_all = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        let want = p.want.clone();
        let programs = (0..count).any(|i| has_programs(&lesson, i));
        Callback::from(move |_: ()| {
            if let (Some(want), true) = (&want, programs) {
                want.emit(Intent::RunAll);
                return;
            }
            term.dispatch(TermAction::Note(steps::start_run_all(&shared).into()));
            StepRunner { shared: shared.clone(), term: term.clone(), on_change: on_change.clone() }.run_in_order(
                (0..count).collect(),
                Rc::new(|_| true),
                count.saturating_sub(1),
            );
        })
    };

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

    let reset = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        Callback::from(move |_: MouseEvent| {
            term.dispatch(TermAction::Note(steps::reset(&shared).into()));
            on_change.emit(());
        })
    };

    let close = {
        let shared = p.shared.clone();
        let on_change = p.on_change.clone();
        Callback::from(move |_: MouseEvent| {
            shared.0.borrow_mut().lesson = None;
            on_change.emit(());
        })
    };

    let go_to = {
        let shared = p.shared.clone();
        let on_change = p.on_change.clone();
        Callback::from(move |to: usize| {
            if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
                run.select(to);
            }
            on_change.emit(());
        })
    };
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
                    {cur} report={report.clone()} missing={missing.clone()} {typed} term={p.term.clone()}
                    run_step={run_step.clone()} run_before={run_before.clone()} go={go_to.clone()} want={p.want.clone()} />
            }
        </section>
    }
}
