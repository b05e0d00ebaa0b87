//! The clock control: the playground's time, pause/resume, and fast-forward buttons.

use yew::prelude::*;

use crate::app::term_state::{TermAction, TermState};
use crate::app::{real_now, Shared};
use crate::cli::format::timestamp;
use crate::engine::time::NANOS_PER_SEC;

#[derive(Properties, PartialEq)]
pub struct ClockBarProps {
    pub shared: Shared,
    pub version: u64,
    pub term: UseReducerDispatcher<TermState>,
    pub on_change: Callback<()>,
}

#[function_component(ClockBar)]
pub fn clock_bar(p: &ClockBarProps) -> Html {
    let (now, paused, tz) = {
        let pg = p.shared.0.borrow();
        (pg.clock.now(real_now()), pg.clock.is_paused(), pg.session.display.tz_offset_secs)
    };
    let toggle = {
        let shared = p.shared.clone();
        let on_change = p.on_change.clone();
        Callback::from(move |_| {
            let mut pg = shared.0.borrow_mut();
            let real = real_now();
            if pg.clock.is_paused() {
                pg.clock.resume(real);
            } else {
                pg.clock.pause(real);
            }
            drop(pg);
            on_change.emit(());
        })
    };
    let forward = |secs: i64, label: &'static str| {
        let shared = p.shared.clone();
        let on_change = p.on_change.clone();
        let term = p.term.clone();
        let onclick = Callback::from(move |_| {
            let chunks = {
                let mut pg = shared.0.borrow_mut();
                let real = real_now();
                pg.clock.fast_forward(real, secs * NANOS_PER_SEC);
                // Share and the exports replay the session: the clock's moves are part of it.
                pg.history.push(format!("sleep {label}"));
                let now = pg.clock.now(real);
                pg.session.advance(now)
            };
            term.dispatch(TermAction::Note(format!("(clock moved forward {label})")));
            if !chunks.is_empty() {
                term.dispatch(TermAction::Output(chunks));
            }
            on_change.emit(());
        });
        html! { <button type="button" class="ff" {onclick} aria-label={format!("Fast-forward the clock {label}")}>{ format!("+{label}") }</button> }
    };
    html! {
        <div class="clock" role="group" aria-label="Playground clock">
            <span class="clock-time" title="The time the embedded server sees">
                <span class="clock-label">{ "Server time " }</span>
                <time>{ timestamp(now, tz) }</time>
                { if paused { html!{ <span class="paused">{ " paused" }</span> } } else { html!{} } }
            </span>
            <button type="button" onclick={toggle} aria-pressed={paused.to_string()}>{ if paused { "Resume" } else { "Pause" } }</button>
            { forward(10, "10s") }
            { forward(60, "1m") }
            { forward(3600, "1h") }
        </div>
    }
}
