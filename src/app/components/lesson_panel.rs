//! The lesson panel: pick a lesson, follow its steps, run one or all of them through the terminal, and see the
//! document's output beside the playground's, with differences highlighted and explained. Progress is kept in
//! the browser's storage, and the address bar names the lesson and step so a link opens the same place.

use crate::session::Line;
use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use crate::app::components::cell_preview::CellSpec;
use crate::app::handoff::{self, Intent};
use crate::app::steps;
use crate::app::term_state::{TermAction, TermState};
use crate::app::{CellRun, Shared};
use crate::lesson::compare::Verdict;
use crate::lesson::markdown::Block;
use crate::lesson::runner::{program_filename, CommandReport, LessonRun, StepReport, StepStatus};

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
        Some(StepStatus::Waiting) => ("…", "waiting", "its program has not run yet"),
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

/// What a step typed and printed, for the terminal (an exercise's solution typed by Run all included).
fn transcripts(r: &StepReport) -> Vec<TermAction> {
    let t = r.transcript();
    if t.is_empty() {
        Vec::new()
    } else {
        vec![TermAction::Transcript(t)]
    }
}

/// Steps named for the learner: `3 "Create a bucket"`.
/// Step `i` has programs to run (Python: the whole app runs them).
fn has_programs(lesson: &crate::lesson::markdown::Lesson, i: usize) -> bool {
    lesson.steps.get(i).is_some_and(|s| !s.python.is_empty())
}

fn step_names(lesson: &crate::lesson::markdown::Lesson, steps: &[usize]) -> String {
    let names: Vec<String> =
        steps.iter().filter_map(|i| lesson.steps.get(*i).map(|s| format!("{} \"{}\"", i + 1, s.title))).collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Step `i`'s Python programs as cells to run, and whether the document shows one before the step's commands.
fn step_cells(shared: &Shared, i: usize) -> (Vec<CellRun>, bool) {
    let pg = shared.0.borrow();
    let Some((ns, run)) = pg.lesson.as_ref() else { return (Vec::new(), false) };
    let Some(step) = run.lesson.steps.get(i) else { return (Vec::new(), false) };
    let cells = step
        .python
        .iter()
        .enumerate()
        .map(|(k, p)| CellRun {
            ns: ns.clone(),
            id: format!("{ns}/{i}/{k}"),
            filename: program_filename(i, k),
            code: p.code.clone(),
        })
        .collect();
    (cells, LessonRun::python_before_commands(step))
}

/// What a lesson step needs to run from the panel (or the compact step embed): the page, its terminal and the
/// redraw.
#[derive(Clone)]
pub(crate) struct StepRunner {
    pub shared: Shared,
    pub term: UseReducerDispatcher<TermState>,
    pub on_change: Callback<()>,
}

impl StepRunner {
    /// Runs step `i` in document order: its commands through the terminal, its Python programs in their cells
    /// (real Python, one after another); `then` once everything has ended. `solve` types an exercise's hint
    /// (Run all). The step's report comes when its commands have run, and is completed as its programs end
    /// (`LessonRun::program_ran`, through `Parts::watch_programs`).
    fn run(&self, i: usize, solve: bool, then: Box<dyn FnOnce()>) {
        let (cells, python_first) = step_cells(&self.shared, i);
        // The step's commands, here or on the connected server (as a job, whose report comes when the server
        // has answered); `k` goes on once they have run.
        let commands = {
            let me = self.clone();
            move |k: Box<dyn FnOnce()>| {
                let shared = me.shared.clone();
                let done = Box::new(move |r: Option<StepReport>| {
                    if let Some(r) = r {
                        me.term.dispatch(TermAction::Batch(transcripts(&r)));
                    }
                    me.on_change.emit(());
                    k();
                });
                steps::run_commands(&shared, i, solve, done);
            }
        };
        let run_cells = self.shared.0.borrow().parts.run_cells;
        if cells.is_empty() {
            commands(then);
        } else if python_first {
            run_cells(cells, Some(Box::new(move || commands(then))));
        } else {
            commands(Box::new(move || run_cells(cells, Some(then))));
        }
    }

    /// Runs `steps` one after another, each once the one before has ended, showing each as it runs; then shows
    /// step `end`.
    fn run_in_order(&self, steps: std::collections::VecDeque<usize>, solve: Rc<dyn Fn(usize) -> bool>, end: usize) {
        self.run_in_order_then(steps, solve, end, Box::new(|| {}))
    }

    /// As `run_in_order`, then `then`.
    pub(crate) fn run_in_order_then(
        &self,
        mut steps: std::collections::VecDeque<usize>,
        solve: Rc<dyn Fn(usize) -> bool>,
        end: usize,
        then: Box<dyn FnOnce()>,
    ) {
        let Some(i) = steps.pop_front() else {
            if let Some((_, run)) = self.shared.0.borrow_mut().lesson.as_mut() {
                run.select(end);
            }
            self.on_change.emit(());
            then();
            return;
        };
        if let Some((_, run)) = self.shared.0.borrow_mut().lesson.as_mut() {
            run.select(i);
        }
        self.on_change.emit(());
        let me = self.clone();
        let solve_i = solve(i);
        self.run(i, solve_i, Box::new(move || me.run_in_order_then(steps, solve, end, then)));
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
    let hint = use_state(|| false);
    let initial = use_mut_ref(|| Some(p.initial_step));
    let (lesson_name, current, done_now) = {
        let pg = p.shared.0.borrow();
        match pg.lesson.as_ref() {
            Some((n, run)) => (Some(n.clone()), run.current, run.done.clone()),
            None => (None, 0, BTreeSet::new()),
        }
    };
    let keeps = p.shared.0.borrow().persist;

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
    let lesson = run.lesson.clone();
    let reports: Vec<Option<StepReport>> = run.reports.clone();
    let done = run.done.clone();
    let count = lesson.steps.len();
    let cur = run.current.min(count.saturating_sub(1));
    let missing = run.missing_before(cur);
    let typed = run.typed_count();
    drop(pg);
    let step = lesson.steps.get(cur).cloned();
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

    let go = |to: usize| {
        let shared = p.shared.clone();
        let on_change = p.on_change.clone();
        let hint = hint.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
                run.select(to);
            }
            hint.set(false);
            on_change.emit(());
        })
    };
    // Puts a command on the terminal's command line, for the learner to run with Enter.
    let suggest = |line: String| {
        let term = p.term.clone();
        Callback::from(move |_: MouseEvent| term.dispatch(TermAction::Suggest(line.clone())))
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

    let code_cell = p.shared.0.borrow().parts.code_cell;
    let body = step.map(|s| {
        let runnable = s.is_runnable();
        let ns = lesson_name.clone().unwrap_or_default();
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
                code_cell(&CellSpec { shared: p.shared.clone(), lang: "python", ns: ns.clone().into(), id: id.into(), filename: filename.into(), code: code.clone().into(), expected, step_runs, want: p.want.clone() })
            }
            Block::Code { lang, code } if lang == "javascript" || lang == "js" => {
                let k = js_index.replace(js_index.get() + 1);
                let id = format!("js:{ns}/{cur}/{k}");
                let filename = if k == 0 { format!("<step {}>", cur + 1) } else { format!("<step {}.{}>", cur + 1, k + 1) };
                code_cell(&CellSpec { shared: p.shared.clone(), lang: "javascript", ns: ns.clone().into(), id: id.into(), filename: filename.into(), code: code.clone().into(), expected: None, step_runs: false, want: p.want.clone() })
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
        let broken = (p.shared.0.borrow().parts.broken_check)(&s, &lesson);
        html! {
            <article class="step-body" aria-label={s.title.clone()}>
                <h3>{ s.title.clone() }</h3>
                if !missing.is_empty() {
                    <div class="needs" role="note">
                        <p>{ format!("This step builds on {} {}, which {} not run yet. Without {}, its output will differ from the document's.",
                            if missing.len() == 1 { "step" } else { "steps" }, step_names(&lesson, &missing),
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
    });

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
            { body.unwrap_or_default() }
        </section>
    }
}
