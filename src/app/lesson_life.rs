//! The open lesson's lifecycle, as a service the lesson panel starts: its stored progress loaded (and the step a
//! link asked for shown) when it opens, its Python programs counted as they end, its progress stored, the focus
//! kept when the button pressed went away, and the address bar on the lesson and step.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use super::store::Dispatch;
use super::Shared;

fn progress_key(lesson: &str) -> String {
    format!("kvplay.progress.{lesson}")
}

/// Steps completed earlier, as stored ("0,2,3"); unreadable data, or no storage, counts as no progress.
pub fn load_progress(lesson: &str) -> BTreeSet<usize> {
    // Extended rather than collected: a set collected from an iterator sorts it first (a sort's code).
    let mut done = BTreeSet::new();
    if let Some(s) = crate::app::storage_get(&progress_key(lesson)) {
        done.extend(s.split(',').filter_map(|n| n.trim().parse::<usize>().ok()));
    }
    done
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

/// The open lesson as the panel shows it: its name, current step, steps done, and whether progress is kept.
pub struct OpenLesson {
    pub name: Option<String>,
    pub current: usize,
    pub done: BTreeSet<usize>,
    pub keeps: bool,
}

/// What the panel keeps in step with the open lesson: its stored progress loaded (and the step a link asked for
/// shown) when it opens, its programs counted as they end, its progress stored, the focus kept when the button
/// pressed went away, and the address bar on the lesson and step.
/// (`small`: a module without Python, which hands programs over to the whole app.)
#[hook]
pub fn use_lesson_lifecycle(shared: &Shared, d: &Dispatch, initial_step: usize, small: bool, open: OpenLesson) {
    let OpenLesson { name: lesson_name, current, done: done_now, keeps } = open;
    let initial = use_mut_ref(|| Some(initial_step));
    // Whenever another lesson opens: load its stored progress, and go to the step the link asked for.
    {
        let shared = shared.clone();
        let d = d.clone();
        use_effect_with(lesson_name.clone(), move |name| {
            if let Some(name) = name {
                let stored = if keeps { load_progress(name) } else { BTreeSet::new() };
                if let Some((_, run)) = shared.0.borrow_mut().lesson.as_mut() {
                    run.done.extend(stored);
                    if let Some(step) = initial.borrow_mut().take() {
                        run.select(step);
                    }
                }
                d.changed();
            }
        });
    }
    // The whole app runs the lesson's programs with real Python and counts each that ends, whichever Run ran it.
    {
        let (shared, d) = (shared.clone(), d.clone());
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
                            d.say(n);
                        }
                        d.changed();
                    });
                watch(Some(f));
            }
            move || watch(None)
        });
    }
    // Keep the progress (read when the effect runs, so a load just before is not undone).
    {
        let shared = shared.clone();
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
