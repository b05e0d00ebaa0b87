//! One lesson step as the lesson panel shows it: the document's text, commands with "Type it" and what they
//! printed beside what the document shows, the step's code cells, the exercise with its hint, the verdicts and
//! notes, and the step's own buttons (Run step or Check, Previous, Next). It renders and dispatches: running is
//! the lesson service's (`app::steps`), reached through the callbacks it is given.

use std::rc::Rc;

use yew::prelude::*;

use crate::app::components::cell_preview::CellSpec;
use crate::app::handoff::Intent;
use crate::app::store::{Action, Dispatch};
use crate::app::Shared;
use crate::lesson::compare::Verdict;
use crate::lesson::markdown::{Block, Lesson};
use crate::lesson::runner::{CommandReport, StepReport, StepStatus};
use crate::session::Line;

#[derive(Properties, PartialEq)]
pub struct StepViewProps {
    pub shared: Shared,
    pub lesson: Rc<Lesson>,
    /// The lesson's name, the namespace of its cells.
    pub ns: AttrValue,
    /// The step shown.
    pub cur: usize,
    pub report: Option<StepReport>,
    /// The earlier steps this one builds on that have not run.
    pub missing: Vec<usize>,
    /// How many of the step's commands the learner typed.
    pub typed: usize,
    pub d: Dispatch,
    pub run_step: Callback<()>,
    pub run_before: Callback<()>,
    /// Shows another step.
    pub go: Callback<usize>,
    #[prop_or_default]
    pub want: Option<Callback<Intent>>,
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

/// Steps named for the learner: `3 "Create a bucket"`.
pub(crate) fn step_names(lesson: &crate::lesson::markdown::Lesson, steps: &[usize]) -> String {
    let names: Vec<String> =
        steps.iter().filter_map(|i| lesson.steps.get(*i).map(|s| format!("{} \"{}\"", i + 1, s.title))).collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[function_component(StepView)]
pub fn step_view(p: &StepViewProps) -> Html {
    let hint = use_state(|| false);
    let Some(s) = p.lesson.steps.get(p.cur).cloned() else { return html! {} };
    let (lesson, cur, count, typed) = (&p.lesson, p.cur, p.lesson.steps.len(), p.typed);
    let (report, missing) = (&p.report, &p.missing);
    let code_cell = p.shared.0.borrow().parts.code_cell;
    let (run_step, run_before) = (&p.run_step, &p.run_before);
    let go = |to: usize| {
        let (go, hint) = (p.go.clone(), hint.clone());
        Callback::from(move |_: MouseEvent| {
            hint.set(false);
            go.emit(to);
        })
    };
    // Puts a command on the terminal's command line, for the learner to run with Enter.
    let suggest = |line: String| p.d.callback(move |_: MouseEvent| Action::TypeForMe(line.clone()));
    let runnable = s.is_runnable();
    let ns = p.ns.to_string();
    let py_index = std::cell::Cell::new(0usize);
    let js_index = std::cell::Cell::new(0usize);
    let blocks = s.blocks.iter().map(|b| match b {
        Block::Code { lang, code } if lang == "python" => {
            let k = py_index.replace(py_index.get() + 1);
            let id = format!("{ns}/{cur}/{k}");
            let filename = if k == 0 { format!("<step {}>", cur + 1) } else { format!("<step {}.{}>", cur + 1, k + 1) };
            let expected = s.python.get(k).and_then(|p| p.expected.clone()).map(AttrValue::from);
            // Run step runs every program of the step, as its box shows it.
            let step_runs = true;
            code_cell(&CellSpec { shared: p.shared.clone(), lang: "python", ns: ns.clone().into(), id: id.into(), filename: filename.into(), code: code.clone().into(), expected, step_runs, want: p.want.clone(), d: p.d.clone() })
        }
        Block::Code { lang, code } if lang == "javascript" || lang == "js" => {
            let k = js_index.replace(js_index.get() + 1);
            let id = format!("js:{ns}/{cur}/{k}");
            let filename = if k == 0 { format!("<step {}>", cur + 1) } else { format!("<step {}.{}>", cur + 1, k + 1) };
            code_cell(&CellSpec { shared: p.shared.clone(), lang: "javascript", ns: ns.clone().into(), id: id.into(), filename: filename.into(), code: code.clone().into(), expected: None, step_runs: false, want: p.want.clone(), d: p.d.clone() })
        }
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
            let typed_it = report.is_none() && *i < typed;
            html! {
                <div class={classes!("cmd", typed_it.then_some("typed"))}>
                    <div class="cmdrow">
                        <pre class="cmdline"><code>{ format!("$ {}", c.line) }</code></pre>
                        if Line::sleep(&c.line).is_none() {
                            <button type="button" class="to-term" onclick={suggest(c.line.clone())}
                                title="Put this command on the terminal's command line; press Enter there to run it"
                                aria-label={format!("Type {} in the terminal", c.line)}>{ if typed_it { "✓ typed" } else { "Type it ↵" } }</button>
                        }
                    </div>
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
    // A check the runner cannot read, or about a bucket or key the lesson never makes: the author's error.
    let broken = (p.shared.0.borrow().parts.broken_check)(&s, lesson);
    html! {
        <article class="step-body" aria-label={s.title.clone()}>
            <h3>{ s.title.clone() }</h3>
            if !missing.is_empty() {
                <div class="needs" role="note">
                    <p>{ format!("This step builds on {} {}, which {} not run yet. Without {}, its output will differ from the document's.",
                        if missing.len() == 1 { "step" } else { "steps" }, step_names(lesson, missing),
                        if missing.len() == 1 { "has" } else { "have" }, if missing.len() == 1 { "it" } else { "them" }) }</p>
                    <button type="button" onclick={run_before.reform(|_: MouseEvent| ())}>{ if missing.len() == 1 { "Run that step first".to_string() } else { format!("Run those {} steps first", missing.len()) } }</button>
                </div>
            }
            { for blocks }
            { for python.iter().filter(|py| !py.ran).map(|py| html! {
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
            if let Some(b) = &broken {
                <div class="verdict fail" role="alert">
                    { "This exercise cannot be checked: the lesson has a mistake (its author's, not yours). " }
                    <code>{ b.clone() }</code>
                    { " Do the exercise as it asks; the lesson's author can find the mistake with kvplay lesson --check." }
                </div>
            }
            if status == Some(StepStatus::Pending) && broken.is_none() {
                <div class="verdict pending" role="status">{ "Not done yet:" }
                    <ul>{ for unmet.iter().map(|u| html!{ <li><code>{ u.clone() }</code></li> }) }</ul>
                </div>
            }
            if status == Some(StepStatus::Pass) && s.exercise.is_some() {
                <p class="verdict pass" role="status">{ "Well done: every check passes." }</p>
            }
            if status == Some(StepStatus::Waiting) {
                <p class="verdict pending" role="status">{ "Waiting for this step's programs: the step is done once each has run (its cell's Run, or Run step)." }</p>
            }
            if status == Some(StepStatus::Solved) {
                <p class="verdict solved" role="status">{ "Solved for you: Run all typed the hint, so this step does not count as done. Try it yourself in the terminal; Check says when it passes." }</p>
            }
            if report.is_none() && typed > 0 && !s.commands.is_empty() {
                <p class="typed-progress" role="status">{ format!("You typed {typed} of this step's {} commands; type the next one in the terminal.", s.commands.len()) }</p>
            }
            <div class="step-actions">
                if runnable {
                    <button type="button" class="primary" onclick={run_step.reform(|_: MouseEvent| ())}>{ if s.exercise.is_some() && s.commands.is_empty() { "Check" } else { "Run step" } }</button>
                }
                <button type="button" onclick={go(cur.saturating_sub(1))} disabled={cur == 0}>{ "Previous" }</button>
                <button type="button" onclick={go((cur + 1).min(count.saturating_sub(1)))} disabled={cur + 1 >= count}>{ "Next" }</button>
            </div>
        </article>
    }
}
