//! The lesson panel: pick a lesson, follow its steps, run one or all of them through the terminal, and see the
//! document's output beside the playground's, with differences highlighted and explained. Progress is kept in
//! the browser's storage, and the address bar names the lesson and step so a link opens the same place.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use gloo::storage::{LocalStorage, Storage};
use yew::prelude::*;

use crate::app::remote;
use crate::app::term_state::{TermAction, TermState};
use crate::app::{real_now, Shared};
use crate::lesson::compare::Verdict;
use crate::lesson::markdown::Block;
use crate::lesson::runner::{counts_as_done, CommandReport, StepReport, StepStatus};

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub shared: Shared,
    pub version: u64,
    pub term: UseReducerDispatcher<TermState>,
    pub on_change: Callback<()>,
    /// The step a link asked for.
    #[prop_or_default]
    pub initial_step: usize,
}

fn progress_key(lesson: &str) -> String {
    format!("kvplay.progress.{lesson}")
}

/// Steps completed earlier, as stored ("0,2,3"); unreadable data counts as no progress.
pub fn load_progress(lesson: &str) -> BTreeSet<usize> {
    LocalStorage::get::<String>(progress_key(lesson))
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default()
}

fn save_progress(lesson: &str, done: &BTreeSet<usize>) {
    let s: Vec<String> = done.iter().map(|n| n.to_string()).collect();
    let _ = LocalStorage::set(progress_key(lesson), s.join(","));
}

/// Writes `?lesson=NAME&step=N` into the address bar without reloading.
fn set_link(lesson: &str, step: usize) {
    if let Some(w) = web_sys::window() {
        if let Ok(h) = w.history() {
            let url = format!("?lesson={lesson}&step={}", step + 1);
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

/// Inline Markdown as text nodes: `code` spans, links shown as their text; never raw HTML.
fn inline(text: &str) -> Html {
    let mut parts = Vec::new();
    for (i, seg) in text.split('`').enumerate() {
        if i % 2 == 1 {
            parts.push(html! { <code>{ seg.to_string() }</code> });
        } else {
            let mut s = seg.replace("**", "");
            // [text](url) -> text
            while let (Some(a), Some(b)) = (s.find('['), s.find("](")) {
                let Some(c) = s[b..].find(')').map(|c| c + b) else { break };
                if a > b {
                    break;
                }
                s = format!("{}{}{}", &s[..a], &s[a + 1..b], &s[c + 1..]);
            }
            parts.push(html! { { s } });
        }
    }
    html! { <>{ for parts }</> }
}

fn prose(text: &str) -> Html {
    let lines: Vec<&str> = text.lines().collect();
    let is_item = |l: &str| {
        l.starts_with("- ")
            || l.starts_with("* ")
            || l.split_once(". ").is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
    };
    if lines.iter().all(|l| is_item(l) || l.starts_with("  ")) && lines.first().is_some_and(|l| is_item(l)) {
        let mut items: Vec<String> = Vec::new();
        for l in lines {
            if is_item(l) {
                let body = l.split_once(' ').map(|(_, b)| b).unwrap_or("");
                items.push(body.to_string());
            } else if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(l.trim());
            }
        }
        return html! { <ul>{ for items.iter().map(|i| html!{ <li>{ inline(i) }</li> }) }</ul> };
    }
    html! { <p>{ inline(&lines.join(" ")) }</p> }
}

fn status_mark(s: Option<StepStatus>, done_before: bool) -> (&'static str, &'static str, &'static str) {
    match s {
        Some(StepStatus::Pass) => ("✓", "pass", "passed"),
        Some(StepStatus::Drift) => ("≈", "drift", "differs, explained"),
        Some(StepStatus::Fail) => ("✗", "fail", "failed"),
        Some(StepStatus::Pending) => ("…", "pending", "exercise not done yet"),
        Some(StepStatus::Solved) => ("◐", "solved", "solved for you"),
        Some(StepStatus::Shown) => ("•", "shown", "nothing to run"),
        None if done_before => ("✓", "pass", "done earlier"),
        None => ("○", "todo", "not run"),
    }
}

fn lines_view(text: &str, missing: &[String], class: &str) -> Html {
    html! {
        <pre class={class.to_string()}>
            { for text.lines().map(|l| {
                let miss = missing.iter().any(|m| !m.is_empty() && l.trim() == m.trim());
                html!{ <span class={if miss { "ln miss" } else { "ln" }}>{ format!("{l}\n") }</span> }
            }) }
        </pre>
    }
}

fn command_result(c: &CommandReport) -> Html {
    let missing: Vec<String> = match &c.verdict {
        Verdict::Fail { missing } => missing.clone(),
        _ => Vec::new(),
    };
    let (label, class) = match &c.verdict {
        Verdict::Pass => ("Matches the document", "verdict pass"),
        Verdict::Drift(_) => ("Differs from the document, for a known reason", "verdict drift"),
        Verdict::Fail { .. } => ("Differs from the document", "verdict fail"),
    };
    html! {
        <div class="result">
            <p class={class} role="status">{ label }</p>
            if let Verdict::Drift(why) = &c.verdict {
                <ul class="why">{ for why.iter().map(|w| html!{ <li>{ w.clone() }</li> }) }</ul>
            }
            if !c.notes.is_empty() {
                <ul class="notes">{ for c.notes.iter().map(|n| html!{ <li>{ inline(n) }</li> }) }</ul>
            }
            <div class="compare">
                <div>
                    <h5>{ "The document shows" }</h5>
                    { match &c.expected {
                        Some(e) => lines_view(e, &missing, "expected"),
                        None => html!{ <p class="none">{ "no output shown" }</p> },
                    } }
                </div>
                <div>
                    <h5>{ "The playground printed" }</h5>
                    { if c.actual.is_empty() { html!{ <p class="none">{ "nothing (success)" }</p> } } else { lines_view(&c.actual, &[], "actual") } }
                </div>
            </div>
        </div>
    }
}

/// What a step typed and printed, for the terminal.
fn transcripts(r: &StepReport) -> Vec<TermAction> {
    r.commands.iter().map(|c| TermAction::Transcript(c.transcript.clone())).collect()
}

#[function_component(LessonPanel)]
pub fn lesson_panel(p: &LessonPanelProps) -> Html {
    let selected = use_state(|| p.initial_step);
    let hint = use_state(|| false);
    let done = use_state(BTreeSet::<usize>::new);
    let lesson_name = p.shared.0.borrow().lesson.as_ref().map(|(n, _)| n.clone());

    // Load stored progress whenever another lesson opens.
    {
        let done = done.clone();
        use_effect_with(lesson_name.clone(), move |name| {
            done.set(name.as_deref().map(load_progress).unwrap_or_default());
        });
    }
    // Keep the address bar on the current lesson and step.
    {
        let name = lesson_name.clone();
        use_effect_with((name, *selected), move |(name, step)| {
            if let Some(n) = name {
                set_link(n, *step);
            }
        });
    }

    let open = {
        let shared = p.shared.clone();
        let selected = selected.clone();
        let on_change = p.on_change.clone();
        move |name: &'static str| {
            let shared = shared.clone();
            let selected = selected.clone();
            let on_change = on_change.clone();
            Callback::from(move |_| {
                shared.0.borrow_mut().open_lesson(name);
                selected.set(0);
                on_change.emit(());
            })
        }
    };

    let Some(name) = lesson_name else {
        return html! {
            <section class="lesson" aria-label="Lessons">
                <h2>{ "Lessons" }</h2>
                <p>{ "Work through a walkthrough step by step: each step's commands run in the terminal, and the document's output is shown beside the playground's." }</p>
                <ul class="lesson-list">
                    <li><button type="button" onclick={open("cli")}>{ "Key-Value with the nats CLI" }</button></li>
                    <li><button type="button" onclick={open("python")}>{ "Key-Value from Python" }</button></li>
                </ul>
            </section>
        };
    };

    let pg = p.shared.0.borrow();
    let Some((_, run)) = pg.lesson.as_ref() else { return html! {} };
    let lesson = run.lesson.clone();
    let reports: Vec<Option<StepReport>> = run.reports.clone();
    drop(pg);
    let count = lesson.steps.len();
    let cur = (*selected).min(count.saturating_sub(1));
    let step = lesson.steps.get(cur).cloned();
    let report = reports.get(cur).cloned().flatten();

    let record = {
        let done = done.clone();
        let name = name.clone();
        move |i: usize, r: &StepReport| {
            let mut d = (*done).clone();
            if counts_as_done(r) {
                d.insert(i);
            } else {
                d.remove(&i);
            }
            save_progress(&name, &d);
            done.set(d);
        }
    };

    let run_step = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        let record = record.clone();
        Callback::from(move |_: MouseEvent| {
            if shared.0.borrow().server.is_some() {
                // Against a real server the step runs as a job; its report arrives when the server has answered.
                let (term, record, on_change) = (term.clone(), record.clone(), on_change.clone());
                let done = Box::new(move |r: Option<StepReport>| {
                    if let Some(r) = r {
                        term.dispatch(TermAction::Batch(transcripts(&r)));
                        record(cur, &r);
                    }
                    on_change.emit(());
                });
                remote::enqueue(&shared, remote::Job::Step { i: cur, solve: false, done });
                return;
            }
            let r = shared.0.borrow_mut().run_step(cur, real_now(), false);
            if let Some(r) = r {
                term.dispatch(TermAction::Batch(transcripts(&r)));
                record(cur, &r);
            }
            on_change.emit(());
        })
    };

    let run_all = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        let done = done.clone();
        let name = name.clone();
        let selected = selected.clone();
        Callback::from(move |_: MouseEvent| {
            if shared.0.borrow().server.is_some() {
                term.dispatch(TermAction::Note(
                    "(Run all on the server: each step runs in turn; buckets already on the server stay as they are)"
                        .into(),
                ));
                if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
                    run.reset();
                }
                let passed = Rc::new(RefCell::new(BTreeSet::new()));
                for i in 0..count {
                    let (term, on_change, passed, done, name, selected) =
                        (term.clone(), on_change.clone(), passed.clone(), done.clone(), name.clone(), selected.clone());
                    let finish = Box::new(move |r: Option<StepReport>| {
                        if let Some(r) = r {
                            term.dispatch(TermAction::Batch(transcripts(&r)));
                            if counts_as_done(&r) {
                                passed.borrow_mut().insert(i);
                            }
                        }
                        let d = passed.borrow().clone();
                        save_progress(&name, &d);
                        done.set(d);
                        selected.set(i);
                        on_change.emit(());
                    });
                    remote::enqueue(&shared, remote::Job::Step { i, solve: true, done: finish });
                }
                return;
            }
            let mut actions = vec![TermAction::Note("(Run all: the embedded server starts empty)".into())];
            let mut d = BTreeSet::new();
            {
                let mut pg = shared.0.borrow_mut();
                pg.reset_server(real_now());
                for i in 0..count {
                    if let Some(r) = pg.run_step(i, real_now(), true) {
                        actions.extend(transcripts(&r));
                        if counts_as_done(&r) {
                            d.insert(i);
                        }
                    }
                }
            }
            term.dispatch(TermAction::Batch(actions));
            save_progress(&name, &d);
            done.set(d);
            selected.set(count.saturating_sub(1));
            on_change.emit(());
        })
    };

    let reset = {
        let shared = p.shared.clone();
        let term = p.term.clone();
        let on_change = p.on_change.clone();
        let done = done.clone();
        let name = name.clone();
        let selected = selected.clone();
        Callback::from(move |_: MouseEvent| {
            if shared.0.borrow().server.is_some() {
                if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
                    run.reset();
                }
                term.dispatch(TermAction::Note(
                    "(lesson reset: its results are cleared; the buckets on the server stay as they are)".into(),
                ));
            } else {
                shared.0.borrow_mut().reset_server(real_now());
                term.dispatch(TermAction::Note("(lesson reset: the embedded server starts empty)".into()));
            }
            save_progress(&name, &BTreeSet::new());
            done.set(BTreeSet::new());
            selected.set(0);
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

    let go = |to: usize| {
        let selected = selected.clone();
        let hint = hint.clone();
        Callback::from(move |_: MouseEvent| {
            selected.set(to);
            hint.set(false);
        })
    };

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

    let body = step.map(|s| {
        let runnable = s.is_runnable();
        let blocks = s.blocks.iter().map(|b| match b {
            Block::Text(t) => prose(t),
            Block::Code { lang, code } if lang == "exercise" => {
                let ex = s.exercise.clone().unwrap_or_else(|| crate::lesson::markdown::Exercise { goal: String::new(), checks: vec![], hint: code.clone() });
                let show = {
                    let hint = hint.clone();
                    Callback::from(move |_: MouseEvent| hint.set(!*hint))
                };
                html! {
                    <div class="exercise">
                        <p><strong>{ "Goal: " }</strong>{ ex.goal.clone() }</p>
                        <button type="button" onclick={show} aria-expanded={(*hint).to_string()}>{ if *hint { "Hide hint" } else { "Show hint" } }</button>
                        if *hint { <pre class="code">{ ex.hint.replace(" && ", "\n") }</pre> }
                    </div>
                }
            }
            Block::Code { lang, code } => html! { <pre class="code" data-lang={lang.clone()}><code>{ code.clone() }</code></pre> },
            Block::Command(i) => {
                let c = &s.commands[*i];
                let result = report.as_ref().and_then(|r| r.commands.get(*i));
                html! {
                    <div class="cmd">
                        <pre class="cmdline"><code>{ format!("$ {}", c.line) }</code></pre>
                        { match result {
                            Some(r) => command_result(r),
                            None => match &c.expected {
                                Some(e) => html!{ <pre class="expected">{ e.clone() }</pre> },
                                None => html!{},
                            },
                        } }
                    </div>
                }
            }
        });
        let python = report.as_ref().map(|r| r.python.clone()).unwrap_or_default();
        let unmet = report.as_ref().map(|r| r.unmet.clone()).unwrap_or_default();
        let notes = report.as_ref().map(|r| r.notes.clone()).unwrap_or_default();
        let status = report.as_ref().map(|r| r.status);
        html! {
            <article class="step-body" aria-label={s.title.clone()}>
                <h3>{ s.title.clone() }</h3>
                { for blocks }
                { for python.iter().map(|py| html! {
                    <div class="result">
                        <p class={if matches!(py.verdict, Verdict::Pass) { "verdict pass" } else { "verdict fail" }} role="status">
                            { if matches!(py.verdict, Verdict::Pass) { "The program's output, from the same operations run here" } else { "The operations printed something else" } }
                        </p>
                        { lines_view(&py.actual, &[], "actual") }
                    </div>
                }) }
                if !notes.is_empty() {
                    <ul class="notes">{ for notes.iter().map(|n| html!{ <li>{ inline(n) }</li> }) }</ul>
                }
                if status == Some(StepStatus::Pending) {
                    <div class="verdict pending" role="status">{ "Not done yet:" }
                        <ul>{ for unmet.iter().map(|u| html!{ <li><code>{ u.clone() }</code></li> }) }</ul>
                    </div>
                }
                if status == Some(StepStatus::Pass) && s.exercise.is_some() {
                    <p class="verdict pass" role="status">{ "Well done: every check passes." }</p>
                }
                <div class="step-actions">
                    if runnable {
                        <button type="button" class="primary" onclick={run_step.clone()}>{ if s.exercise.is_some() && s.commands.is_empty() { "Check" } else { "Run step" } }</button>
                    }
                    <button type="button" onclick={go(cur.saturating_sub(1))} disabled={cur == 0}>{ "Previous" }</button>
                    <button type="button" onclick={go((cur + 1).min(count.saturating_sub(1)))} disabled={cur + 1 >= count}>{ "Next" }</button>
                </div>
            </article>
        }
    });

    let passed = (0..count).filter(|i| done.contains(i)).count();
    html! {
        <section class="lesson" aria-label="Lesson">
            <div class="lesson-head">
                <h2>{ lesson.title.clone() }</h2>
                <div class="lesson-actions">
                    <button type="button" onclick={run_all}>{ "Run all" }</button>
                    <button type="button" onclick={reset}>{ "Reset" }</button>
                    <button type="button" onclick={close}>{ "Lessons" }</button>
                </div>
            </div>
            <p class="progress" aria-live="polite">{ format!("{passed} of {count} steps done") }</p>
            { step_list }
            { body.unwrap_or_default() }
        </section>
    }
}
