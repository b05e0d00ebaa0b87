//! The page: header with the clock, the terminal, and the bucket explorer, sharing one playground.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use yew::prelude::*;
use yew::Reducible;

use super::clock_bar::ClockBar;
use super::explorer::Explorer;
use super::terminal::Terminal;
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

#[function_component(App)]
pub fn app() -> Html {
    let shared = use_memo((), |_| Shared(Rc::new(RefCell::new(Playground::new(real_now())))));
    let shared = (*shared).clone();
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

    html! {
        <div class="page">
            <header class="top">
                <h1>{ "NATS KV Playground" }</h1>
                <p class="tagline">{ "A JetStream Key-Value store running in this page. Type nats commands below." }</p>
                <ClockBar shared={shared.clone()} version={version.0} term={term.dispatcher()} on_change={on_change.clone()} />
            </header>
            <main class="panes">
                <Terminal shared={shared.clone()} term={term.clone()} on_change={on_change.clone()} />
                <Explorer shared={shared.clone()} version={version.0} />
            </main>
        </div>
    }
}
