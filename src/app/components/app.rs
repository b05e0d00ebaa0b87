//! The page: header with the clock, the terminal, and the bucket explorer, sharing one playground.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use yew::prelude::*;
use yew::Reducible;

use super::clock_bar::ClockBar;
use super::explorer::Explorer;
use super::lesson_panel::LessonPanel;
use super::terminal::Terminal;
use super::timeline::Timeline;
use super::watch_panes::WatchPanes;
use crate::app::term_state::{TermAction, TermState};
use crate::app::{real_now, Playground, Shared};

/// A counter that moves whenever the engine's state may have changed, so views re-read it.
#[derive(Default, PartialEq)]
pub struct Version(pub u64);

impl Reducible for Version {
    type Action = ();
    fn reduce(self: Rc<Self>, _: ()) -> Rc<Self> {
        Rc::new(Version(self.0 + 1))
    }
}

const WELCOME: &str = "Welcome. This terminal runs the nats command line against a JetStream server embedded in\n\
this page: nothing leaves your browser. Start with `nats account info`, then `nats kv add my-kv`.\n\
Type `help` for the commands, Tab to complete, Up/Down for history.";

/// Which pane shows beside the terminal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Lesson,
    Buckets,
    Timeline,
    Watchers,
}

/// Reads `?lesson=NAME&step=N` (steps count from 1) from the page's address.
pub fn deep_link(search: &str) -> Option<(String, usize)> {
    let mut lesson = None;
    let mut step = 1usize;
    for pair in search.trim_start_matches('?').split('&') {
        match pair.split_once('=') {
            Some(("lesson", v)) if !v.is_empty() => lesson = Some(v.to_string()),
            Some(("step", v)) => step = v.parse().unwrap_or(1).max(1),
            _ => {}
        }
    }
    lesson.map(|l| (l, step - 1))
}

#[cfg(test)]
mod tests {
    use super::deep_link;

    #[test]
    fn deep_links_name_a_lesson_and_a_step() {
        assert_eq!(deep_link("?lesson=cli&step=3"), Some(("cli".to_string(), 2)));
        assert_eq!(deep_link("?step=3&lesson=python"), Some(("python".to_string(), 2)));
        assert_eq!(deep_link("?lesson=cli&step=zero"), Some(("cli".to_string(), 0)));
        assert_eq!(deep_link("?lesson=cli&step=0"), Some(("cli".to_string(), 0)));
        assert_eq!(deep_link(""), None);
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let link = use_memo((), |_| web_sys::window().and_then(|w| w.location().search().ok()).and_then(|s| deep_link(&s)));
    let shared = {
        let link = link.clone();
        use_memo((), move |_| {
            let mut pg = Playground::new(real_now());
            if let Some((name, _)) = link.as_ref() {
                pg.open_lesson(name);
            }
            Shared(Rc::new(RefCell::new(pg)))
        })
    };
    let shared = (*shared).clone();
    let initial_step = link.as_ref().as_ref().map(|(_, s)| *s).unwrap_or(0);
    let side = use_state(|| Side::Lesson);
    let version = use_reducer(Version::default);
    let term = use_reducer(|| {
        let welcome = TermState::default();
        std::rc::Rc::new(welcome).reduce(TermAction::Note(WELCOME.to_string())).as_ref().clone()
    });

    // Time moves on: expire what is due, print what running watches saw, refresh ages.
    {
        let shared = shared.clone();
        let version = version.dispatcher();
        let term = term.dispatcher();
        use_effect_with((), move |_| {
            let tick = Interval::new(1_000, move || {
                let chunks = {
                    let mut pg = shared.0.borrow_mut();
                    let now = pg.clock.now(real_now());
                    pg.session.advance(now)
                };
                if !chunks.is_empty() {
                    term.dispatch(TermAction::Output(chunks));
                }
                version.dispatch(());
            });
            move || drop(tick)
        });
    }

    let on_change = {
        let version = version.dispatcher();
        Callback::from(move |_| version.dispatch(()))
    };

    let tab = |which: Side, label: &str| {
        let side = side.clone();
        let selected = *side == which;
        html! {
            <button type="button" role="tab" aria-selected={selected.to_string()} class={if selected { "tab current" } else { "tab" }}
                onclick={Callback::from(move |_| side.set(which))}>{ label }</button>
        }
    };

    html! {
        <div class="page">
            <header class="top">
                <h1>{ "NATS KV Playground" }</h1>
                <p class="tagline">{ "A JetStream Key-Value store running in this page. Type nats commands below." }</p>
                <ClockBar shared={shared.clone()} version={version.0} term={term.dispatcher()} on_change={on_change.clone()} />
            </header>
            <main class="panes">
                <Terminal shared={shared.clone()} term={term.clone()} on_change={on_change.clone()} />
                <div class="side">
                    <div class="tabs" role="tablist" aria-label="Beside the terminal">
                        { tab(Side::Lesson, "Lesson") }
                        { tab(Side::Buckets, "Buckets") }
                        { tab(Side::Timeline, "Timeline") }
                        { tab(Side::Watchers, "Watchers") }
                    </div>
                    // Every pane stays mounted (hidden when not chosen), so watch panes keep running and the
                    // lesson keeps its place while you look elsewhere.
                    <div class="pane-slot" hidden={*side != Side::Lesson}>
                        <LessonPanel shared={shared.clone()} version={version.0} term={term.dispatcher()} on_change={on_change.clone()} {initial_step} />
                    </div>
                    <div class="pane-slot" hidden={*side != Side::Buckets}><Explorer shared={shared.clone()} version={version.0} active={*side == Side::Buckets} /></div>
                    <div class="pane-slot" hidden={*side != Side::Timeline}><Timeline shared={shared.clone()} version={version.0} active={*side == Side::Timeline} /></div>
                    <div class="pane-slot" hidden={*side != Side::Watchers}><WatchPanes shared={shared.clone()} version={version.0} /></div>
                </div>
            </main>
        </div>
    }
}
