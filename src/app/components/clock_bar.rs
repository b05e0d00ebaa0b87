//! The clock control: the playground's time, pause/resume, and fast-forward buttons.

use yew::prelude::*;

use crate::app::store::{Action, Dispatch};
use crate::app::{real_now, Shared};
use crate::cli::format::timestamp;

#[derive(Properties, PartialEq)]
pub struct ClockBarProps {
    pub shared: Shared,
    pub version: u64,
    pub d: Dispatch,
}

#[function_component(ClockBar)]
pub fn clock_bar(p: &ClockBarProps) -> Html {
    let (now, paused, tz) = {
        let pg = p.shared.0.borrow();
        (pg.clock.now(real_now()), pg.clock.is_paused(), pg.session.display.tz_offset_secs)
    };
    let toggle = p.d.callback(|_: MouseEvent| Action::ToggleClock);
    let forward = |secs: i64, label: &'static str| {
        let onclick = p.d.callback(move |_: MouseEvent| Action::MoveClock { secs, label });
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
