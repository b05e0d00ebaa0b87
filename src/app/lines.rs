//! The terminal's service: runs the lines the learner typed or pasted, and Ctrl-C, over the page's link (the
//! embedded engine, or the connected server), and says what to show as terminal actions. The terminal component
//! edits the line and renders; it does not know where the lines went.

use super::link::link;
use super::term_state::TermAction;
use super::Shared;

/// Runs lines in order, echoing each with its prompt and what it printed (in one batch on the embedded engine;
/// on a server as each finishes), then the open lesson's news about them.
pub fn run(shared: &Shared, lines: &[String], show: impl Fn(TermAction)) {
    link(shared).run_lines(shared, lines, &show);
}

/// Ctrl-C with `typed` half-written (the store has echoed it): stops the running watches and drops a pending
/// question. Returns whether the page's state changed now (on a server the job queue reports it later).
pub fn interrupt(shared: &Shared, typed: &str, show: impl Fn(TermAction)) -> bool {
    link(shared).interrupt(shared, typed, &show)
}
