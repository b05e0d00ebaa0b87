//! The instructor's message on a workshop learner's page: a banner that follows the workshop's news key, and that
//! the learner can dismiss (a new message shows again).

use yew::prelude::*;

use crate::app::store::{Action, Dispatch};
use crate::app::Shared;

#[derive(Properties, PartialEq)]
pub struct WorkshopBannerProps {
    pub shared: Shared,
    pub version: u64,
    pub d: Dispatch,
}

#[function_component(WorkshopBanner)]
pub fn workshop_banner(p: &WorkshopBannerProps) -> Html {
    let message = crate::app::workshop::with_learner(|l| l.banner().map(str::to_string)).flatten();
    let dismiss = p.d.callback(|_: MouseEvent| Action::DismissMessage);
    // The live region stays in the page, so a message that arrives is announced.
    html! {
        <div class="workshop-news" role="status" aria-live="polite">
            if let Some(m) = message {
                <p class="workshop-banner">
                    <strong>{ "From the instructor: " }</strong>
                    <span class="workshop-message">{ m }</span>
                    <button type="button" onclick={dismiss} aria-label="Dismiss the instructor's message">{ "Dismiss" }</button>
                </p>
            }
        </div>
    }
}
